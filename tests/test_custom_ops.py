"""Custom ops in models others made: raw (non-FlexBuffer) options kept and decoded, kernels named.

Fixture: the converter-made transposed-convolution sample edited into MediaPipe's
``Convolution2DTransposeBias`` with its real option layout (a 12-byte ``TfLiteTransposeConvParams``),
as MediaPipe's converter writes it. Third-party MediaPipe models (when fetched) check the decoding,
the shape functions against the shapes their files record, and what OPS002 says.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import run_cli, sample, thirdparty_models
from tests.modeledit import pack, schema, unpack
from tfl_inspect import custom_ops, schemas
from tfl_inspect.readers.flatbuffer import custom_options_value, read_flatbuffer

RAW = struct.pack("<3i", 1, 2, 2)  # padding SAME, stride_width 2, stride_height 2


@pytest.fixture(scope="module")
def transpose_conv_bias(tmp_path_factory: pytest.TempPathFactory) -> Path:
    model = unpack(sample("conv2d_transpose_static.tflite"))
    sg = model.subgraphs[0]
    (op,) = sg.operators
    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = 32  # CUSTOM
    code.customCode = "Convolution2DTransposeBias"
    code.version = 1
    model.operatorCodes.append(code)
    bias_buf = schema.BufferT()
    bias_buf.data = [0] * (8 * 4)
    model.buffers.append(bias_buf)
    bias = schema.TensorT()
    bias.shape, bias.type, bias.buffer, bias.name = [8], 0, len(model.buffers) - 1, "bias"
    sg.tensors.append(bias)
    _, weights, data = op.inputs
    op.opcodeIndex = len(model.operatorCodes) - 1
    op.inputs = [data, weights, len(sg.tensors) - 1]
    op.builtinOptionsType, op.builtinOptions = 0, None
    op.customOptions = list(RAW)
    path = tmp_path_factory.mktemp("custom") / "transpose_conv_bias.tflite"
    path.write_bytes(pack(model))
    return path


def test_raw_options_are_kept_as_bytes_and_decoded(transpose_conv_bias: Path) -> None:
    op = read_flatbuffer(transpose_conv_bias).subgraphs[0].operators[0]
    assert op.opcode == "Convolution2DTransposeBias"
    assert op.custom_options == {"format": "raw", "bytes": 12, "hex": RAW.hex()}
    assert custom_ops.decode_options(op.custom_code, op.custom_options) == {
        "padding": "SAME",
        "stride_width": 2,
        "stride_height": 2,
    }


def test_flexbuffer_options_still_decode() -> None:
    from flatbuffers import flexbuffers

    raw = flexbuffers.Dumps({"output_height": 16, "output_width": 16})
    assert custom_options_value(bytes(raw)) == {"output_height": 16, "output_width": 16}
    # 12 raw bytes that flexbuffers.Loads would turn into None without raising
    assert flexbuffers.Loads(RAW) is None
    assert custom_options_value(RAW)["format"] == "raw"


def test_shape_function_matches_the_recorded_output(transpose_conv_bias: Path) -> None:
    sg = read_flatbuffer(transpose_conv_bias).subgraphs[0]
    op = sg.operators[0]
    shapes = [sg.tensors[i].shape for i in op.inputs]
    assert custom_ops.infer_shapes(op.custom_code, shapes, op.custom_options) == [sg.tensors[op.outputs[0]].shape]
    assert sg.tensors[op.outputs[0]].shape == (1, 32, 32, 8)


def test_every_output_shows_raw_options(transpose_conv_bias: Path) -> None:
    text = run_cli("inspect", transpose_conv_bias, "--show", "ops")
    assert "padding=SAME, stride_width=2, stride_height=2; raw 12 bytes: 010000000200000002000000" in text.out
    assert "Convolution2DTransposeBias ×1 (MediaPipe ops, run by MediaPipe" in text.out
    doc = json.loads(run_cli("inspect", transpose_conv_bias, "--format", "json").out)
    jsonschema.validate(doc, schemas.load("inspect"))
    op = doc["subgraphs"][0]["operators"][0]
    assert op["custom_options"] == {"format": "raw", "bytes": 12, "hex": RAW.hex()}
    assert op["custom_op"]["known"] and op["custom_op"]["options"]["stride_width"] == 2
    assert "cpu_op_resolver" in op["custom_op"]["kernel"]


def test_ops002_says_where_the_kernel_comes_from(transpose_conv_bias: Path) -> None:
    doc = json.loads(run_cli("lint", transpose_conv_bias, "--format", "json", "--select", "OPS002").out)
    (finding,) = doc["findings"]
    assert "Convolution2DTransposeBias: MediaPipe" in finding["explanation"]
    assert "avoid them at conversion time" not in finding["fix"]


def test_detection_postprocess_is_built_in() -> None:
    info = custom_ops.lookup("TFLite_Detection_PostProcess")
    assert info is not None and "BuiltinOpResolver" in info.kernel
    opts = {"max_detections": 10, "max_classes_per_detection": 1}
    assert custom_ops.infer_shapes("TFLite_Detection_PostProcess", [], opts) == [(1, 10, 4), (1, 10), (1, 10), (1,)]


def test_pool_layouts() -> None:
    raw = struct.pack("<10i", 1, 2, 2, 2, 2, 0, 0, 0, 0, 0)
    value = custom_options_value(raw)
    assert custom_ops.decode_options("MaxPoolingWithArgmax2D", value) == {
        "padding": "SAME",
        "stride_width": 2,
        "stride_height": 2,
        "filter_width": 2,
        "filter_height": 2,
        "fused_activation_function": "NONE",
    }
    assert custom_ops.infer_shapes("MaxPoolingWithArgmax2D", [(1, 9, 8, 4)], value) == [(1, 5, 4, 4)] * 2
    assert custom_ops.infer_shapes("MaxUnpooling2D", [(1, 5, 4, 4), (1, 5, 4, 4)], value) == [(1, 10, 8, 4)]


def test_mediapipe_custom_ops_shapes_match_their_files() -> None:
    models = [p for p in thirdparty_models() if p.parent.name == "mediapipe"]
    if not models:
        pytest.skip("MediaPipe models not fetched: run python tests/fetch_models.py")
    checked: dict[str, int] = {}
    for path in models:
        for sg in read_flatbuffer(path).subgraphs:
            for op in sg.operators:
                if op.custom_code is None or custom_ops.lookup(op.custom_code) is None:
                    continue
                shapes = [sg.tensors[i].shape if i >= 0 else None for i in op.inputs]
                got = custom_ops.infer_shapes(op.custom_code, shapes, op.custom_options)
                assert got is not None, (path.name, op.custom_code)
                assert got == [sg.tensors[o].shape for o in op.outputs], (path.name, op.index, op.custom_code)
                checked[op.custom_code] = checked.get(op.custom_code, 0) + 1
    assert {"Convolution2DTransposeBias", "TransformTensorBilinear", "TransformLandmarks"} <= set(checked)


def test_audio_microfrontend_shape() -> None:
    """micro_speech's front end: 1 s of 16 kHz audio, 30 ms windows every 20 ms, 40 channels → 49 x 40."""
    opts = {"sample_rate": 16000, "window_size": 30, "window_step": 20, "num_channels": 40, "frame_stride": 1}
    assert custom_ops.infer_shapes("AudioMicrofrontend", [(16000,)], opts) == [(49, 40)]
    opts |= {"left_context": 2, "right_context": 1, "frame_stride": 2}
    assert custom_ops.infer_shapes("AudioMicrofrontend", [(16000,)], opts) == [(25, 160)]
    assert custom_ops.infer_shapes("AudioMicrofrontend", [(100,)], opts) == [(0, 160)]
