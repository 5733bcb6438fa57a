"""OPS rules: what the runtime on the device must provide."""

from __future__ import annotations

import pytest

from tests.conftest import sample
from tests.rules.helpers import edited, lint, of
from tfl_inspect import load
from tfl_inspect.errors import UsageError
from tfl_inspect.rules import Severity


def test_flex_ops_are_named_and_counted() -> None:
    (f,) = of(lint(sample("flex_select_tf.tflite")), "OPS001")
    assert "MatrixDeterminant ×1" in f.message and f.severity is Severity.WARNING
    assert "SELECT_TF_OPS" in f.explanation and "select-tf-ops" in f.fix
    assert of(lint(sample("flex_select_tf.tflite")), "OPS002") == []


def _make_custom(path):
    model = load(path)
    softmax = next(o for o in model.subgraphs[0].operators if o.opcode == "SOFTMAX")

    def edit(m) -> None:
        code = m.operatorCodes[m.subgraphs[0].operators[softmax.index].opcodeIndex]
        code.builtinCode = 32  # CUSTOM
        code.deprecatedBuiltinCode = 32
        code.customCode = b"MyPostprocess"
        m.subgraphs[0].operators[softmax.index].builtinOptionsType = 0
        m.subgraphs[0].operators[softmax.index].builtinOptions = None

    return edit, softmax.index


def test_custom_ops_must_be_registered() -> None:
    path = sample("dense_float32.tflite")
    edit, index = _make_custom(path)
    findings = lint(edited(path, edit))
    (f,) = of(findings, "OPS002")
    assert f.op == index and "MyPostprocess ×1" in f.message and "custom_op_registerers" in f.fix
    assert of(findings, "OPS001") == []


@pytest.mark.parametrize("name", ["dense_float32.tflite", "dense_int8.tflite"])
def test_builtin_only_models_need_nothing_extra(name: str) -> None:
    findings = lint(sample(name))
    assert of(findings, "OPS001") == [] and of(findings, "OPS002") == []


def test_runtime_older_than_the_model_needs() -> None:
    path = sample("dense_dynamic_range.tflite")
    need = load(path).min_runtime_version
    assert need is not None
    major = int(need.split(".")[0])
    (f,) = of(lint(path, runtime=f"{major - 1}.99"), "OPS003")
    assert f.severity is Severity.ERROR and need in f.message
    assert of(lint(path, runtime=need), "OPS003") == []
    assert of(lint(path, runtime=f"{major + 1}.0"), "OPS003") == []
    assert of(lint(path), "OPS003") == []  # only with a target runtime


def test_bad_runtime_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        lint(sample("dense_float32.tflite"), runtime="latest")


def test_legacy_opcode_encoding() -> None:
    path = sample("dense_float32.tflite")

    def legacy(m) -> None:
        for code in m.operatorCodes:
            code.deprecatedBuiltinCode = code.builtinCode
            code.builtinCode = 0

    data = edited(path, legacy)
    model = load(data)
    # The reader applies max(builtin_code, deprecated_builtin_code): the ops keep their names.
    assert [o.opcode for o in model.subgraphs[0].operators] == [o.opcode for o in load(path).subgraphs[0].operators]
    assert of(lint(path), "OPS004") == []
    (f,) = of(lint(model), "OPS004")
    assert "FULLY_CONNECTED" in f.message
