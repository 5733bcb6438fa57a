"""MLIR → Model: the same model classes as the flatbuffer reader, so every command reads `.mlir`."""

from __future__ import annotations

import pytest

import tfl_inspect
from tests.conftest import ROOT, SAMPLES, run_cli
from tfl_inspect.errors import ModelFormatError
from tfl_inspect.readers.flatbuffer import read_flatbuffer
from tfl_inspect.readers.mlir import read_mlir

FIXTURES = ROOT / "tests" / "fixtures_mlir"


def test_tfl_ops_become_tflite_opcodes_in_file_order() -> None:
    ml = read_mlir(FIXTURES / "upsampling_static.analyzer.mlir")
    fb = read_flatbuffer(SAMPLES / "upsampling_static.tflite")
    assert [o.opcode for o in ml.subgraphs[0].operators] == [o.opcode for o in fb.subgraphs[0].operators]
    assert ml.format == "mlir" and ml.version == 3 and ml.description == "MLIR Converted."


def test_unknown_dims_follow_the_flatbuffer_convention() -> None:
    model = read_mlir(FIXTURES / "upsampling_static.analyzer.mlir")
    sg = model.subgraphs[0]
    image = sg.tensors[sg.inputs[0]]
    assert image.name == "serving_default_image:0"
    assert image.shape == (1, 32, 32, 3) and image.shape_signature == (-1, 32, 32, 3)
    out = sg.tensors[sg.outputs[0]]
    assert out.name == "StatefulPartitionedCall_1:0" and out.shape_signature == (-1, -1, 64, 8)


def test_unknown_rank() -> None:
    model = read_mlir(b"func.func @main(%arg0: tensor<*xf32>) -> tensor<*xf32> {\n  return %arg0 : tensor<*xf32>\n}\n")
    t = model.subgraphs[0].tensors[0]
    assert (t.has_rank, t.shape, t.shape_signature, t.is_dynamic) == (False, (), (), True)


def test_constants_keep_printed_values_and_elided_sizes() -> None:
    sg = read_mlir(FIXTURES / "upsampling_static.analyzer.mlir").subgraphs[0]
    tile = next(o for o in sg.operators if o.opcode == "TILE")
    multiples = sg.tensors[tile.inputs[1]]
    assert multiples.is_constant and multiples.data().tolist() == [1, 1, 2, 1, 1]
    conv = next(o for o in sg.operators if o.opcode == "CONV_2D")
    weights, bias = sg.tensors[conv.inputs[1]], sg.tensors[conv.inputs[2]]
    assert weights.data() is None and weights.nbytes == 8 * 3 * 3 * 3 * 4  # dense_resource<__elided__>
    assert bias.data().tolist() == [0.0] * 8  # splat
    assert conv.options == {
        "dilation_h_factor": 1,
        "dilation_w_factor": 1,
        "fused_activation_function": "NONE",
        "padding": "SAME",
        "stride_h": 1,
        "stride_w": 1,
    }


@pytest.mark.parametrize(
    "const",
    ["dense<[1, 4294967297]> : tensor<2xi32>", "dense<300> : tensor<2xi8>", 'dense<"0x0000803F00"> : tensor<2xf32>'],
)
def test_constant_values_that_do_not_fit_their_type_are_a_format_error(const: str) -> None:
    # Found by fuzzing (tests/fuzz.py): the values are converted when asked for (diff, lint), where an
    # OverflowError or ValueError was an internal error (exit 3). Now it names the constant: exit 2.
    text = (
        "func.func @main(%arg0: tensor<2xi32>) -> tensor<2xi32> {\n"
        f'  %cst = "tfl.pseudo_const"() <{{value = {const}}}> : () -> {const.rsplit(": ", 1)[1]}\n'
        "  return %arg0 : tensor<2xi32>\n}\n"
    ).encode()
    model = read_mlir(text, "bad.mlir")
    (cst,) = [t for t in model.subgraphs[0].tensors if t.is_constant]
    with pytest.raises(ModelFormatError, match=r"bad.mlir: constant '%cst': values do not fit"):
        cst.data()


def test_errors_of_the_subgraph_name_the_file() -> None:
    big = b"tensor<99999999999x99999999999xf32>"
    text = b"func.func @main(%arg0: " + big + b") -> tensor<1xf32> {\n  return %arg0 : tensor<1xf32>\n}\n"
    with pytest.raises(ModelFormatError, match=r"^big.mlir: subgraph 0 tensor 0 '%arg0': .* is too large"):
        read_mlir(text, "big.mlir")


def test_quantization_parameters_match_the_file() -> None:
    ml = read_mlir(FIXTURES / "dense_int8.analyzer.mlir").subgraphs[0]
    fb = read_flatbuffer(SAMPLES / "dense_int8.tflite").subgraphs[0]
    for a, b in ((ml, fb),):
        qa = a.tensors[a.inputs[0]].quantization
        qb = b.tensors[b.inputs[0]].quantization
        assert qa.scale == pytest.approx(qb.scale) and qa.zero_point == qb.zero_point == (15,)
    fc_ml, fc_fb = ml.operators[0], fb.operators[0]
    w_ml, w_fb = ml.tensors[fc_ml.inputs[1]], fb.tensors[fc_fb.inputs[1]]
    assert w_ml.dtype == w_fb.dtype == "INT8"
    assert w_ml.quantization.scale == pytest.approx(w_fb.quantization.scale, rel=1e-7)
    assert w_ml.quantization.zero_point == w_fb.quantization.zero_point
    assert w_ml.quantization.quantized_dimension == 0 and w_ml.quantization.per_channel
    assert fc_ml.inputs[2] == -1  # tfl.no_value: the omitted bias


def test_signatures_map_names_to_the_right_inputs() -> None:
    model = read_mlir(FIXTURES / "multi_io.analyzer.mlir")
    (sig,) = model.signatures
    sg = model.subgraphs[sig.subgraph]
    assert sig.key == "serving_default"
    assert {k: sg.tensors[t].name for k, t in sig.inputs.items()} == {
        "alpha": "serving_default_alpha:0",
        "zeta": "serving_default_zeta:0",
    }
    assert list(sig.inputs) == ["alpha", "zeta"]  # sorted, as the converter stores them
    assert model.metadata_value("min_runtime_version").startswith("1.")
    assert model.converter_version == "2.21.0"


def test_control_flow_calls_the_functions_as_subgraphs() -> None:
    model = read_mlir(FIXTURES / "nested_while.analyzer.mlir")
    names = [sg.name for sg in model.subgraphs]
    assert names == ["main", "while_cond", "while_body", "while2_cond", "while2_body"]
    loop = model.subgraphs[0].operators[0]
    assert loop.opcode == "WHILE"
    assert dict(loop.called_subgraphs) == {"cond_subgraph_index": 1, "body_subgraph_index": 2}
    assert model.subgraphs[1].operators[0].opcode == "MUL"


def test_unlegalized_tf_ops_keep_their_name() -> None:
    model = read_mlir(SAMPLES / "upsampling_dynamic.mlir")
    last = model.subgraphs[0].operators[-1]
    assert last.opcode == last.builtin == "tf.Conv2D"
    assert last.options["padding"] == "SAME" and last.options["strides"] == [1, 1, 1, 1]


def test_tensor_names_come_from_locations() -> None:
    sg = read_mlir(FIXTURES / "dense.tf_debuginfo.mlir").subgraphs[0]
    matmul = next(o for o in sg.operators if o.opcode == "tf.MatMul")
    assert sg.tensors[matmul.outputs[0]].name == "tiny_1/dense_1/MatMul"
    assert matmul.location is not None and "tiny_1/dense_1/MatMul" in matmul.location


def test_error_message_reads_as_its_embedded_function() -> None:
    model = read_mlir(SAMPLES / "upsampling_dynamic.error.txt")
    sg = model.subgraphs[0]
    conv = sg.operators[-1]
    assert conv.opcode == "tf.Conv2D"
    assert conv.location is not None and "upsample_conv_1/conv_1/convolution" in conv.location
    assert any("'tf.Conv2D' op is neither a custom op nor a flex op" in n for n in model.notes)
    assert sg.tensors[conv.inputs[0]].shape_signature == (-1, -1, -1, -1)


def test_error_message_without_mlir_points_to_diagnose() -> None:
    with pytest.raises(ModelFormatError, match="tfl-inspect diagnose"):
        read_mlir(FIXTURES / "lstm_dynamic_batch.error.txt")


def test_load_picks_the_mlir_reader_from_content() -> None:
    model = tfl_inspect.load(FIXTURES / "dense_int8.analyzer.mlir")
    assert model.format == "mlir"
    assert [o.opcode for o in model.subgraphs[0].operators] == ["FULLY_CONNECTED", "FULLY_CONNECTED", "SOFTMAX"]


@pytest.mark.parametrize(
    "args",
    [
        ("inspect",),
        ("inspect", "--format", "json"),
        ("lint",),
    ],
)
def test_commands_read_mlir(args: tuple[str, ...]) -> None:
    result = run_cli(*args, FIXTURES / "upsampling_static.analyzer.mlir")
    assert result.code in (0, 1), result.err
    assert "serving_default_image:0" in result.out


def test_graph_command_reads_mlir(tmp_path) -> None:
    out = tmp_path / "g.dot"
    result = run_cli("graph", FIXTURES / "nested_while.analyzer.mlir", "-o", out)
    assert result.code == 0, result.err
    assert "WHILE" in out.read_text()


def test_untrusted_names_are_escaped_in_text_output() -> None:
    text = (
        'func.func @main(%arg0: tensor<2xf32> loc("evil\\1B[31m\\0Aname")) -> tensor<2xf32> {\n'
        "  return %arg0 : tensor<2xf32>\n}\n"
    )
    model = read_mlir(text.encode())
    assert model.subgraphs[0].tensors[0].name == "evil\x1b[31m\nname"
    path = ROOT / "tests" / "fixtures_mlir"
    del path
    import io
    from contextlib import redirect_stdout

    from tfl_inspect.exporters.blocks import emit
    from tfl_inspect.exporters.model_text import inspect_blocks

    buf = io.StringIO()
    with redirect_stdout(buf):
        emit(inspect_blocks(model, set(), None))
    assert "\x1b" not in buf.getvalue() and "evil\\x1b" in buf.getvalue()
