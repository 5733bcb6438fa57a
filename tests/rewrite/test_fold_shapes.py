"""--static-batch / --static with --fold-shapes on the converter's shape chains (DYN001, DYN002)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tfl_inspect
from tests.conftest import ROOT, needs_corpus, sample
from tests.rewrite.helpers import run
from tfl_inspect.errors import UsageError
from tfl_inspect.rewrite import fix

XNNPACK = """
import sys
from tests.rewrite.helpers import xnnpack_delegated
print(xnnpack_delegated(__import__('pathlib').Path(sys.argv[1])))
"""


def _delegated(path: Path) -> int:
    """XNNPACK DELEGATE nodes, counted in a child process (the delegate may abort on odd models)."""
    out = subprocess.run(
        [sys.executable, "-c", XNNPACK, str(path)], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout
    return int(out.strip().splitlines()[-1])


def _all_static(path: Path) -> None:
    model = tfl_inspect.load(path)
    for sg in model.subgraphs:
        for t in sg.tensors:
            assert t.has_rank and -1 not in t.shape_signature, (t.index, t.name, t.shape_signature)
    from tests.rewrite.helpers import Interpreter

    for d in Interpreter(model_path=str(path)).get_tensor_details():
        assert -1 not in list(d["shape_signature"]), d["name"]


def test_upsampling_with_dynamic_batch_becomes_static_and_delegable(tmp_path: Path) -> None:
    src, out = sample("upsampling_static.tflite"), tmp_path / "up.tflite"
    report = fix(src, out, static_batch=1, fold_shapes=True)
    assert report.written
    model = tfl_inspect.load(out)
    ops = [op.opcode for op in model.subgraphs[0].operators]
    assert "SHAPE" not in ops and "STRIDED_SLICE" not in ops and "CONCATENATION" not in ops
    assert ops.count("RESHAPE") == 2 and ops[-1] == "CONV_2D"
    _all_static(out)
    # Bit-identical outputs, checked here too, on inputs of our own.
    x = np.random.default_rng(1).standard_normal((1, 32, 32, 3)).astype(np.float32)
    np.testing.assert_array_equal(run(out, [x])[0].view(np.uint32), run(src, [x])[0].view(np.uint32))
    assert report.verification is not None and report.verification.status == "identical"
    # XNNPACK takes more ops than before.
    before, after = _delegated(src), _delegated(out)
    assert after > before
    assert (report.verification.xnnpack_before, report.verification.xnnpack_after) == (before, after)
    # The findings the passes are named after are gone, and none appeared.
    assert report.lint is not None
    assert {"DYN001", "DYN002"} <= set(report.lint.removed) and not report.lint.added
    assert {f.rule for f in tfl_inspect.lint(tfl_inspect.load(out))} & {"DYN001", "DYN002"} == set()
    assert {o.opcode for o in report.ops_removed} == {"SHAPE", "STRIDED_SLICE", "CONCATENATION"}
    assert [f.value for f in report.folded] == [[1, 64, 32, 3], [1, 64, 64, 3]]


def test_conv2d_transpose_with_dynamic_input(tmp_path: Path) -> None:
    src, out = sample("conv2d_transpose_dynamic.tflite"), tmp_path / "tc.tflite"
    report = fix(src, out, static={"image": (1, 16, 16, 3)}, fold_shapes=True)
    assert report.written and report.verification is not None and report.verification.status == "identical"
    model = tfl_inspect.load(out)
    sg = model.subgraphs[0]
    assert [op.opcode for op in sg.operators] == ["TRANSPOSE_CONV"]
    output_shape = sg.tensors[sg.operators[0].inputs[0]]
    assert output_shape.is_constant and output_shape.data().tolist() == [1, 32, 32, 8]
    _all_static(out)
    x = np.random.default_rng(2).standard_normal((1, 16, 16, 3)).astype(np.float32)
    np.testing.assert_array_equal(run(out, [x])[0], run(src, [x])[0])


def test_flatten_classifier_gets_a_constant_reshape(tmp_path: Path) -> None:
    src, out = sample("classifier_flatten.tflite"), tmp_path / "cls.tflite"
    report = fix(src, out, static_batch=1, fold_shapes=True)
    assert report.written and report.verification is not None and report.verification.status == "identical"
    sg = tfl_inspect.load(out).subgraphs[0]
    assert [op.opcode for op in sg.operators] == ["CONV_2D", "MAX_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"]
    shape = sg.tensors[sg.operators[2].inputs[1]]
    assert shape.is_constant and shape.data().tolist() == [1, 512]
    _all_static(out)


def test_static_without_folding_keeps_the_chain(tmp_path: Path) -> None:
    src, out = sample("classifier_flatten.tflite"), tmp_path / "cls.tflite"
    report = fix(src, out, static_batch=4)
    assert report.written and report.verification is not None and report.verification.status == "identical"
    assert report.verification.inputs[0]["shape"] == [4, 32, 32, 3]
    sg = tfl_inspect.load(out).subgraphs[0]
    assert "SHAPE" in [op.opcode for op in sg.operators]
    assert sg.tensors[sg.inputs[0]].shape_signature == (4, 32, 32, 3)
    assert not report.ops_removed and report.shapes_fixed


def test_shapes_the_model_cannot_take_are_refused(tmp_path: Path) -> None:
    """64x64 breaks the Flatten RESHAPE (2048 != 512): refused before anything is written."""
    with pytest.raises(UsageError, match="do not work"):
        fix(sample("classifier_flatten.tflite"), tmp_path / "x.tflite", static={"image": (1, 64, 64, 3)})
    assert not (tmp_path / "x.tflite").exists()


def test_folding_alone_folds_only_what_is_already_known(tmp_path: Path) -> None:
    """Without static inputs the batch is unknown, so nothing that depends on it is folded."""
    report = fix(sample("upsampling_static.tflite"), tmp_path / "u.tflite", fold_shapes=True)
    assert report.written and not report.folded and not report.ops_removed


@needs_corpus
def test_a_model_whose_own_shapes_fail_is_refused_as_such(tmp_path: Path) -> None:
    """LiteRT's test_model.bin runs CONV_2D on a rank-1 tensor: no input shape is to blame."""
    from tests.conftest import require_corpus

    src = next(require_corpus().rglob("litert/tflite/testdata/test_model.bin"))
    with pytest.raises(UsageError, match="the model's own recorded shapes fail shape inference") as info:
        fix(src, tmp_path / "o.tflite", static_batch=1)
    assert "CONV_2D #0 needs a rank-4 input, got [1]" in str(info.value)
    assert not (tmp_path / "o.tflite").exists()
