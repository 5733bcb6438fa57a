"""diagnose on litert-torch failure texts: the aten op, the user's line, the symbolic sizes, the fixes.

The texts in samples/torch are what litert-torch 0.10 printed for real conversions (generate.py
captured them; export_hf's by hand). tests/test_converter_torch.py converts each fix where torch
and litert-torch are installed; here only the text is read, as `make test` does without them.
"""

from __future__ import annotations

import json

import jsonschema
import pytest

import tfl_inspect
from tests.conftest import SAMPLES, run_cli
from tfl_inspect.diagnosis.pytorch import diagnose_pytorch_text, is_pytorch_failure, parse
from tfl_inspect.exporters.diagnosis import render_text
from tfl_inspect.schemas import load as load_schema

TORCH = SAMPLES / "torch"
TEXTS = sorted(TORCH.glob("*.error.txt"))
LITERT_TORCH = [p for p in TEXTS if not p.name.startswith("onnx2tf")]
ONNX2TF = TORCH / "onnx2tf_convtranspose_dynamic_batch.error.txt"


def one(name: str) -> tfl_inspect.Diagnosis:
    return tfl_inspect.diagnose(TORCH / name)


def test_dynamic_batch_through_flatten() -> None:
    d = one("flatten_dynamic_batch.error.txt")
    (f,) = d.failures
    assert (f.producer, f.op, f.cause, f.tf_node) == (
        "litert-torch",
        "aten.view.default",
        "symbolic_size_in_view",
        "%view",
    )
    assert (f.layer, f.layer_class) == ("flatten", "torch.nn.modules.flatten")
    user = f.user_frames[0]
    assert (user.file.rsplit("/", 1)[-1], user.line, user.function) == ("generate.py", 912, "forward")
    assert "self.flatten(f)" in user.code
    assert f.user_frames[1].file.endswith("torch/nn/modules/flatten.py")
    (sym,) = f.symbolic
    assert sym.value == "%sym_size_int_1" and "dynamic_shapes=ds" in sym.origin and "torch.export.Dim" in sym.origin
    assert f.conversion_call is not None and "dynamic_shapes=ds" in f.conversion_call.code
    fixes = {x.id: x for x in f.fixes}
    assert list(fixes) == ["static_shapes", "signature_per_size", "reshape_keeps_dynamic_dim"]
    assert fixes["static_shapes"].recommended and fixes["signature_per_size"].params["signatures"] == [
        "batch_1",
        "batch_4",
    ]
    # -1 converts but pins the batch (tests/test_converter_torch.py shows it): offered as what not to do
    assert not fixes["reshape_keeps_dynamic_dim"].applies
    assert fixes["reshape_keeps_dynamic_dim"].params["replacement"] == "f.reshape(-1, 2048)"


def test_dynamic_sequence_through_attention() -> None:
    d = one("attention_dynamic_seq.error.txt")
    (f,) = d.failures
    assert (f.op, f.cause, f.layer, f.layer_class) == (
        "aten.view.default",
        "symbolic_dim_flattened",
        "qkv",
        "torch.nn.modules.linear",
    )
    assert f.user_frames[0].line == 952 and f.user_frames[0].code == "q, k, v = self.qkv(x).chunk(3, dim=-1)"
    assert "-9223372036854775808" in f.symbolic[0].origin
    assert [x.id for x in f.fixes] == ["static_shapes", "signature_per_size"]
    assert f.fixes[1].params["signatures"] == ["seq_16", "seq_32"]


def test_the_causal_mask_names_the_arange_and_says_there_is_no_user_line() -> None:
    (f,) = one("attention_causal_dynamic_seq.error.txt").failures
    assert (f.op, f.cause, f.user_frames) == ("aten.arange", "symbolic_in_converter_pass", ())
    assert f.conversion_call is not None and f.conversion_call.line == 971


def test_an_op_litert_torch_cannot_lower() -> None:
    (f,) = one("unsupported_op.error.txt").failures
    assert (f.op, f.cause, f.message) == (
        "aten.median.dim",
        "no_lowering",
        "RuntimeError: Lowering not found: aten.median.dim",
    )
    assert f.user_frames[0].code == "return y - torch.median(y, dim=-1, keepdim=True).values"
    assert f.fixes[0].id == "replace_op"
    assert f.fixes[0].params["replacement"] == "y.sort(dim=-1).values.narrow(-1, (y.shape[-1] - 1) // 2, 1)"


def test_a_package_clash_is_no_fault_of_the_model() -> None:
    d = one("export_hf_transformers_5.25.error.txt")
    assert not d.failures and not d.ok
    (clash,) = d.environment
    assert dict(clash.packages) == {"litert-torch": "0.10.0", "transformers": "5.25.0", "kernels": "0.19.1"}
    assert "transformers==5.24.0" in clash.pin
    assert "not because of the model" in d.headline
    result = run_cli("diagnose", TORCH / "export_hf_transformers_5.25.error.txt")
    assert result.code == 1 and "transformers 5.25.0" in result.out and "transformers==5.24.0" in result.out


@pytest.mark.parametrize("path", LITERT_TORCH, ids=lambda p: p.name)
def test_cli_json_follows_the_schema_and_exits_1(path) -> None:
    result = run_cli("diagnose", path, "--format", "json")
    assert result.code == 1, result.err
    doc = json.loads(result.out)
    jsonschema.validate(doc, load_schema("diagnose"))
    assert doc["status"] == "failed"
    text = run_cli("diagnose", path)
    assert text.code == 1 and "Traceback" not in text.err


def test_only_litert_torch_tracebacks_take_this_path() -> None:
    assert all(is_pytorch_failure(p.read_text()) for p in LITERT_TORCH)
    assert not is_pytorch_failure((SAMPLES / "upsampling_dynamic.error.txt").read_text())


def test_names_in_the_text_are_escaped() -> None:
    text = (TORCH / "flatten_dynamic_batch.error.txt").read_text().replace("self.flatten(f)", "self.flatten(f)\x1b[31m")
    out = render_text(diagnose_pytorch_text(text))
    assert "\x1b" not in out and "\\x1b" in out


def test_parse_reads_the_exception_the_node_and_both_tracebacks() -> None:
    p = parse((TORCH / "unsupported_op.error.txt").read_text())
    assert (p.exception, p.node, p.target) == ("RuntimeError", "median", "aten.median.dim")
    assert p.args == "(%add, -1, True)"
    assert p.frames[-1].function == "call_function" and len(p.user_frames) == 1


def test_an_onnx2tf_failure_names_the_onnx_op_the_keras_layer_and_the_dim_name() -> None:
    (f,) = tfl_inspect.diagnose(ONNX2TF).failures
    assert (f.producer, f.op, f.cause) == ("onnx2tf", "ONNX ConvTranspose", "onnx_dim_name_in_shape")
    assert (f.layer, f.layer_class) == ("tf.nn.conv2d_transpose", "TFOpLambda")
    assert [s.value for s in f.symbolic] == ["'batch'"]
    assert [x.id for x in f.fixes] == ["static_onnx_export"]
    result = run_cli("diagnose", ONNX2TF, "--format", "json")
    assert result.code == 1
    jsonschema.validate(json.loads(result.out), load_schema("diagnose"))
