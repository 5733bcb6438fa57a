"""Custom ops in models others made: raw (non-FlexBuffer) options kept and decoded, kernels named.

Fixture: the converter-made transposed-convolution sample edited into MediaPipe's
``Convolution2DTransposeBias`` with its real option layout (a 12-byte ``TfLiteTransposeConvParams``),
as MediaPipe's converter writes it. Third-party MediaPipe models (when fetched) check the decoding,
the shape functions against the shapes their files record, and what OPS002 says.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
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


# ---- who runs what: the catalogue, the targets that read it, and the runtimes themselves ---------------


def test_targets_read_the_catalogue() -> None:
    from tfl_inspect.targets import xnnpack

    assert set(xnnpack.CUSTOM_VISITORS) == custom_ops.codes_run_by("xnnpack")
    assert custom_ops.codes_run_by("gpu") == {
        "Convolution2DTransposeBias",
        "MaxPoolingWithArgmax2D",
        "MaxUnpooling2D",
        "Resampler",
    }  # gpu_compatibility.cc CheckCustomOpsGpuDelegateCompatibility: these four, nothing else
    used = {r.runtime for info in custom_ops.CUSTOM_OPS.values() for r in info.runs}
    assert used == set(custom_ops.RUNTIMES)
    assert all(info.runs and all(r.source for r in info.runs) for info in custom_ops.CUSTOM_OPS.values())


def _with_custom(code: str) -> bytes:
    """samples/dense_int8.tflite with its first op turned into custom op ``code`` (resolution comes before Prepare)."""
    m = unpack(sample("dense_int8.tflite"))
    opcode = schema.OperatorCodeT()
    opcode.builtinCode = opcode.deprecatedBuiltinCode = 32  # CUSTOM
    opcode.customCode, opcode.version = code, 1
    m.operatorCodes.append(opcode)
    op = m.subgraphs[0].operators[0]
    op.opcodeIndex, op.builtinOptionsType, op.builtinOptions = len(m.operatorCodes) - 1, 0, None
    return pack(m)


_TFLM_LOAD = """
import sys
from tflite_micro.python.tflite_micro import runtime
runtime.Interpreter.from_file(sys.argv[1], arena_size=1 << 20)
"""
_LITERT_LOAD = """
import sys
from ai_edge_litert.interpreter import Interpreter, OpResolverType
bare = OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
Interpreter(sys.argv[1], experimental_op_resolver_type=bare).allocate_tensors()
"""


def _resolved(loader: str, tmp: Path, codes: list[str], unresolved: str) -> dict[str, bool]:
    """code → whether the runtime found a kernel (children: a Prepare on the wrong operands may crash)."""
    out = {}
    for code in codes:
        path = tmp / f"{len(out)}.tflite"
        path.write_bytes(_with_custom(code))
        proc = subprocess.run([sys.executable, "-c", loader, str(path)], capture_output=True, text=True)
        out[code] = unresolved not in proc.stdout + proc.stderr
    return out


_PROBES = [*custom_ops.CUSTOM_OPS, "NoSuchCustomOp"]


def test_tflite_micro_registers_exactly_the_catalogued_ops(tmp_path: Path) -> None:
    pytest.importorskip("tflite_micro", reason="the tflite-micro package is the TFLM oracle")
    found = _resolved(_TFLM_LOAD, tmp_path, _PROBES, "Failed to get registration from op code CUSTOM")
    assert found == {code: custom_ops.runs_on(code, "tflm") for code in _PROBES}
    assert not found["ethos-u"]  # only an Ethos-U build of TFLM registers it


def test_stock_litert_resolves_exactly_the_catalogued_ops(tmp_path: Path) -> None:
    found = _resolved(_LITERT_LOAD, tmp_path, _PROBES, "Encountered unresolved custom op")
    assert found == {code: custom_ops.runs_on(code, "litert") for code in _PROBES}


def test_xnnpack_runs_the_mediapipe_deconvolution_without_its_kernel(transpose_conv_bias: Path) -> None:
    """No CPU kernel is registered, yet the default interpreter runs it: XNNPACK takes the node."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    assert custom_ops.runs_on("Convolution2DTransposeBias", "xnnpack")
    ip = Interpreter(str(transpose_conv_bias), experimental_op_resolver_type=OpResolverType.AUTO)
    ip.allocate_tensors()
    (inp,) = ip.get_input_details()
    ip.set_tensor(inp["index"], np.ones(inp["shape"], np.float32))
    ip.invoke()
    bare = Interpreter(
        str(transpose_conv_bias), experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    )
    with pytest.raises(RuntimeError, match="unresolved custom op: Convolution2DTransposeBias"):
        bare.allocate_tensors()


_GPU_ONLY = """
import sys
from ai_edge_litert.compiled_model import CompiledModel
from ai_edge_litert.hardware_accelerator import HardwareAccelerator
CompiledModel.from_file(sys.argv[1], hardware_accel=HardwareAccelerator.GPU)
"""


def test_gpu_accelerator_takes_the_mediapipe_deconvolution(transpose_conv_bias: Path, tmp_path: Path) -> None:
    """LiteRT's GPU accelerator alone compiles a model whose one op is Convolution2DTransposeBias, and refuses
    one with a custom op outside the catalogue's GPU list (docs: /work/shared/notes/accelerator-oracles.md)."""
    from tests.targets.oracles import oracle_env
    from tests.targets.oracles.gpu import _child_env, gpu_skip_reason

    reason = gpu_skip_reason()
    if reason is not None:
        pytest.skip(reason)
    found = oracle_env()
    assert isinstance(found, dict)  # gpu_skip_reason() checked it
    env = _child_env(found)
    other = unpack(transpose_conv_bias)
    other.operatorCodes[-1].customCode = "TransformLandmarks"
    refused = tmp_path / "other.tflite"
    refused.write_bytes(pack(other))
    for path, code in ((transpose_conv_bias, "Convolution2DTransposeBias"), (refused, "TransformLandmarks")):
        proc = subprocess.run([sys.executable, "-c", _GPU_ONLY, str(path)], capture_output=True, env=env, timeout=300)
        assert (proc.returncode == 0) == custom_ops.runs_on(code, "gpu"), (code, proc.stderr[-500:])
