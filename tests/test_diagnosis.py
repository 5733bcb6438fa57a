"""Diagnosing failed conversions from their real error messages and MLIR (no TensorFlow needed)."""

from __future__ import annotations

import json

import jsonschema
import pytest

import tfl_inspect
from tests.conftest import ROOT, SAMPLES, run_cli
from tfl_inspect.diagnosis import Diagnosis, Failure, keras_layer
from tfl_inspect.schemas import load as load_schema

FIXTURES = ROOT / "tests" / "fixtures_mlir"
SCHEMA = load_schema("diagnose")
UPSAMPLING = SAMPLES / "upsampling_dynamic.error.txt"
LSTM = FIXTURES / "lstm_dynamic_batch.error.txt"
DET = FIXTURES / "matrix_determinant.error.txt"


def _only(d: Diagnosis) -> Failure:
    assert len(d.failures) == 1, d.to_text()
    return d.failures[0]


def _fix(f: Failure, fix_id: str):
    return next(x for x in f.fixes if x.id == fix_id)


@pytest.mark.parametrize(
    ("node", "names", "layer", "path"),
    [
        ("functional_1/conv2d_1_2/convolution", None, "conv2d_1", ("conv2d_1",)),
        ("upsample_conv_1/conv_1/convolution@__inference_function_251", None, "conv", ("conv",)),
        ("functional_1/lstm_1/TensorArrayV2_1", None, "lstm", ("lstm",)),
        ("model_1/block_1/dense_3/MatMul", None, "block", ("block", "dense")),
        # With the model's layer names, a layer that really is called conv_1 is found.
        ("m_1/conv_1_1/Conv2D", ["conv", "conv_1"], "conv_1", ("conv_1",)),
        ("m_1/conv_1/Conv2D", ["conv_1"], "conv_1", ("conv_1",)),
        ("m_1/dense/MatMul", None, "dense", ("dense",)),
        ("Reshape", None, None, ()),
        ("functional_1/Reshape", None, None, ()),
    ],
)
def test_keras_layer_from_node_names(node: str, names: list[str] | None, layer: str | None, path: tuple) -> None:
    assert keras_layer(node, names) == (layer, path)


def test_upsampling_error_names_the_conv_layer_and_the_lost_channel_dim() -> None:
    f = _only(tfl_inspect.diagnose(UPSAMPLING))
    assert f.op == "tf.Conv2D"
    assert f.message == "'tf.Conv2D' op is neither a custom op nor a flex op"
    assert f.error_code == "ERROR_NEEDS_FLEX_OPS"
    assert (f.tf_node, f.layer) == ("upsample_conv_1/conv_1/convolution", "conv")
    assert f.operands[0]["type"] == "tensor<?x?x?x?xf32>" and f.operands[0]["unknown_dims"] == [0, 1, 2, 3]
    assert f.operands[1]["type"] == "tensor<3x3x3x8xf32>"
    (channel,) = [u for u in f.unknown_dims if u.matters]
    assert (channel.operand, channel.dim, channel.axis) == (0, 3, "channels")


def test_upsampling_channel_dim_traces_to_the_upsampling_reshape_with_a_runtime_shape() -> None:
    f = _only(tfl_inspect.diagnose(UPSAMPLING))
    (channel,) = [u for u in f.unknown_dims if u.matters]
    origin = f.origin[channel.origin]
    assert origin.kind == "runtime_reshape" and origin.op == "RESHAPE"
    assert origin.layer_class == "UpSampling2D" and "EXPAND_DIMS → TILE → RESHAPE" in origin.pattern
    assert origin.chain[0].op == "RESHAPE" and "it was 3 before this RESHAPE" in origin.chain[0].note
    assert [s.op for s in origin.chain] == ["RESHAPE", "EXPAND_DIMS", "TILE", "RESHAPE"]
    assert origin.shape_computation[0].startswith("SHAPE") and origin.shape_computation[-1].startswith("CONCAT")
    assert "SHAPE(serving_default_image:0)" in origin.detail
    # The other unknown dims go back to the model input declared with ?.
    batch = next(u for u in f.unknown_dims if u.dim == 0)
    assert f.origin[batch.origin].kind == "input" and f.origin[batch.origin].input_name == "image"


def test_upsampling_fixes_say_which_apply() -> None:
    f = _only(tfl_inspect.diagnose(UPSAMPLING))
    static = _fix(f, "static_input")
    assert static.applies and static.recommended
    assert static.code == "keras.Input(shape=(H, W, 3), batch_size=1, name='image')"
    (inp,) = static.params["inputs"]
    assert inp == {
        "name": "image",
        "current": [None, None, None, 3],
        "shape": [None, None, 3],
        "fill": ["H", "W"],
        "batch_size": 1,
        "dims": [0, 1, 2],
    }
    resize = _fix(f, "resize_instead_of_upsampling")
    assert resize.applies and "Resizing" in resize.code and "tf.image.resize" in resize.code
    select = _fix(f, "select_tf_ops")
    assert select.applies and not select.recommended and "SELECT_TF_OPS" in select.code
    assert "MB" in select.cost and "fix the shapes instead" in select.why


def test_the_mlir_dump_gives_the_same_diagnosis_without_error_lines() -> None:
    f = _only(tfl_inspect.diagnose(SAMPLES / "upsampling_dynamic.mlir"))
    assert f.op == "tf.Conv2D" and "not legalized" in f.message
    assert [u.dim for u in f.unknown_dims if u.matters] == [3]
    assert {x.id for x in f.fixes} >= {"static_input", "resize_instead_of_upsampling", "select_tf_ops"}


def test_lstm_needs_a_static_batch_not_a_static_time_axis() -> None:
    d = tfl_inspect.diagnose(LSTM)
    f = _only(d)
    assert f.op == "tf.TensorListReserve" and f.layer == "lstm"
    assert "requires element_shape to be static" in f.message
    static = _fix(f, "static_input")
    assert static.applies and static.recommended and "batch_size=1" in static.code and "None" in static.code
    select = _fix(f, "select_tf_ops")
    assert "_experimental_lower_tensor_list_ops = False" in select.code and not select.recommended
    assert any("Lowering tensor list ops is failed" in n for n in d.notes)


def test_op_without_a_tflite_kernel_needs_select_tf_ops() -> None:
    d = tfl_inspect.diagnose(DET)
    f = _only(d)
    assert (f.op, f.layer, f.error_code) == ("tf.MatrixDeterminant", "det", "ERROR_NEEDS_FLEX_OPS")
    assert f.operands[0]["type"] == "tensor<1x4x4xf32>" and not f.unknown_dims
    assert [x.id for x in f.fixes] == ["select_tf_ops", "custom_op"]
    assert f.fixes[0].recommended and f.fixes[0].params == {"ops": ["MatrixDeterminant"]}
    assert d.select_tf_ops == ("MatrixDeterminant",)


def test_a_converted_model_has_nothing_to_diagnose() -> None:
    d = tfl_inspect.diagnose(FIXTURES / "upsampling_static.analyzer.mlir")
    assert d.ok and not d.failures and "nothing failed" in d.headline


@pytest.mark.parametrize("source", [UPSAMPLING, LSTM, DET, SAMPLES / "upsampling_dynamic.mlir"])
def test_json_output_follows_the_schema(source) -> None:
    result = run_cli("diagnose", source, "--format", "json")
    assert result.code == 1, result.err
    data = json.loads(result.out)
    jsonschema.validate(data, SCHEMA)
    assert data["status"] == "failed"
    for failure in data["failures"]:
        assert {"op", "message", "layer", "unknown_dims", "origin", "fixes"} <= set(failure)


def test_cli_text_output_and_exit_codes() -> None:
    result = run_cli("diagnose", UPSAMPLING)
    assert result.code == 1
    assert "✗ tf.Conv2D in Keras layer 'conv'" in result.out
    assert "dim 3 (channels) of %28 is unknown and matters" in result.out
    assert "keras.Input(shape=(H, W, 3), batch_size=1, name='image')" in result.out
    ok = run_cli("diagnose", FIXTURES / "dense_int8.analyzer.mlir")
    assert ok.code == 0 and "nothing failed" in ok.out
    bad = run_cli("diagnose", FIXTURES / "malformed.mlir")
    assert bad.code == 2 and "4:" in bad.err and "Traceback" not in bad.err


def test_untrusted_names_in_error_text_are_escaped() -> None:
    text = (
        '<unknown>:0: error: loc(callsite(fused["Conv2D:", "m_1/evil\\1B[2J_1/Conv2D@f"] at "x")): '
        "'tf.Conv2D' op is neither a custom op nor a flex op\n"
    )
    d = tfl_inspect.diagnose(text.encode())
    f = _only(d)
    assert f.layer == "evil\x1b[2J"
    rendered = d.to_text()
    assert "\x1b" not in rendered and "evil\\x1b[2J" in rendered


def test_broken_mlir_in_an_error_message_still_gives_the_error_lines() -> None:
    text = UPSAMPLING.read_text().replace('"tfl.tile"(%10, %2)', '"tfl.tile"(%10, %2')
    d = tfl_inspect.diagnose(text)  # a str holding the message, not a path
    f = _only(d)
    assert (f.op, f.layer) == ("tf.Conv2D", "conv")
    assert any("does not parse" in n and ":" in n for n in d.notes)
    with pytest.raises(tfl_inspect.MlirSyntaxError):
        tfl_inspect.load(text.encode())


def test_each_unknown_dim_traces_to_the_op_that_computed_it() -> None:
    """The engine's dim provenance: UpSampling2D repeats rows at the first RESHAPE, columns at the second."""
    f = _only(tfl_inspect.diagnose(UPSAMPLING))
    origin = {u.dim: f.origin[u.origin] for u in f.unknown_dims}
    assert origin[0].kind == "input"
    assert (origin[1].kind, origin[1].value) == ("runtime_reshape", "%18")
    assert (origin[2].kind, origin[2].value) == ("runtime_reshape", "%28")
    assert origin[3].value == "%18" and "the target fixes dim 3 = 3" in origin[3].detail
