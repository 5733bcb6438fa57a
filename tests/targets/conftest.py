"""Session fixtures for compat: converter-made models and what the real runtimes do with every model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import INTERPRETER_REFUSES, ROOT, SAMPLES, corpus_files, sample_models, thirdparty_models

FIXTURES = (
    "cnn_float cnn_int8 cnn_int8_float_io cnn_float16 cnn_dynamic_range cnn_dynamic_batch upsampling_dynamic_batch "
    "upsampling_batch1 upsampling_int8 conv2d_transpose topk_argmax_cumsum lstm lstm_dynamic_range mlp_int8"
).split()


def converter_made(tmp_path_factory: pytest.TempPathFactory, module: str, names: list[str]) -> dict[str, Path]:
    """Run ``tests/targets/<module>.py`` (TensorFlow, in a child process) once; every model it names, by name."""
    pytest.importorskip("tensorflow", reason=f"tensorflow needed to convert the fixtures of {module}.py")
    out = tmp_path_factory.mktemp(module)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", f"tests.targets.{module}", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    models = {name: out / f"{name}.tflite" for name in names}
    missing = [n for n, p in models.items() if not p.is_file()]
    assert not missing, f"fixtures not written: {missing}"
    return models


@pytest.fixture(scope="session")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Converter-made models (float, int8, float16, dynamic range, dynamic batch, UpSampling2D, ...), made once."""
    return converter_made(tmp_path_factory, "make_fixtures", FIXTURES)


@pytest.fixture(scope="session")
def gpu_fixtures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """tests/targets/make_gpu_fixtures.py's models, made once."""
    from tests.targets.make_gpu_fixtures import NAMES

    return converter_made(tmp_path_factory, "make_gpu_fixtures", NAMES)


def oracle_models(converted: dict[str, Path]) -> list[Path]:
    """Every model the acceptance names: samples, interpreter-loadable corpus, third-party, fixtures."""
    corpus = [p for p in corpus_files() if p.name not in INTERPRETER_REFUSES]
    return [*sample_models(), *corpus, *thirdparty_models(), *converted.values()]


@pytest.fixture(scope="session")
def xnnpack_oracle(converted: dict[str, Path]) -> dict[str, dict[str, object]]:
    pytest.importorskip("ai_edge_litert", reason="ai-edge-litert is the XNNPACK oracle")
    from tests.targets.litert_oracle import run

    return run("xnnpack", [str(p) for p in oracle_models(converted)])


@pytest.fixture(scope="session")
def tflm_oracle(
    request: pytest.FixtureRequest, converted: dict[str, Path], xnnpack_oracle: dict[str, dict[str, object]]
) -> dict[str, dict[str, object]]:
    """TFLM loads of the models LiteRT's interpreter loads (the acceptance's "every model above"), plus
    samples/torch, the held-out Prepare-check models and the Vela-compiled ones, which TFLM judges alone."""
    pytest.importorskip("tflite_micro", reason="the tflite-micro package is the TFLM oracle")
    from tests.targets.litert_oracle import run

    models = [p for p, r in xnnpack_oracle.items() if "error" not in r]
    models += [str(p) for p in sorted((SAMPLES / "torch").glob("*.tflite"))]
    for extra in ("tflm_held_out", "vela_compiled"):
        try:
            found = request.getfixturevalue(extra)
        except pytest.skip.Exception:  # no converter / no Vela here: the rest still counts
            continue
        models += [str(p) for p in (found.values() if isinstance(found, dict) else found)]
    return run("tflm", models)


def _op_t(m: Any, opcode: str) -> Any:
    from tests.targets.editing import op_t

    return op_t(m, opcode)


def _quant(index: str, **change: Any) -> Any:
    """An edit of one tensor's quantization: ``index`` is "OPCODE.output" or "OPCODE.inputN"."""

    def edit(m: Any) -> None:
        opcode, slot = index.split(".")
        op = _op_t(m, opcode)
        t = op.outputs[0] if slot == "output" else op.inputs[int(slot[5:])]
        tensor = m.subgraphs[0].tensors[t]
        q = tensor.quantization
        for key, value in change.items():
            if key == "drop":
                tensor.quantization = None
            elif key == "keep":  # keep the first N per-channel entries
                q.scale, q.zeroPoint = list(q.scale)[:value], list(q.zeroPoint)[:value]
            else:
                setattr(q, key, value)

    return edit


# name -> (converter fixture or sample, edit): each exercises one of TFLite Micro's Prepare checks, both ways.
HELD_OUT_EDITS: dict[str, tuple[str, Any]] = {
    "logistic8_zp": ("mlp_int8_sigmoid", _quant("LOGISTIC.output", zeroPoint=[-127])),
    "logistic8_scale_only": ("mlp_int8_sigmoid", _quant("LOGISTIC.output", scale=[1 / 128])),  # TFLM loads it
    "logistic16_scale": ("mlp_16x8", _quant("LOGISTIC.output", scale=[1 / 16384])),
    "logistic16_zp": ("mlp_16x8", _quant("LOGISTIC.output", zeroPoint=[3])),
    "softmax8_zp": ("mlp_int8_softmax", _quant("SOFTMAX.output", zeroPoint=[0])),
    "fc_relu_output_unquantized": ("mlp_int8_softmax", _quant("FULLY_CONNECTED.output", drop=True)),
    "fc_relu_output_no_zero_point": ("mlp_int8_softmax", _quant("FULLY_CONNECTED.output", zeroPoint=[])),
    "fc_input_unquantized": ("mlp_int8_softmax", _quant("FULLY_CONNECTED.input0", drop=True)),  # loads
    "fc_scales_short": ("mlp_int8_softmax", _quant("FULLY_CONNECTED.input1", keep=63)),
    "fc_scales_per_tensor": ("mlp_int8_softmax", _quant("FULLY_CONNECTED.input1", keep=1)),  # loads
    "quantize_no_zero_point": ("sample:dense_int8_float_io", _quant("QUANTIZE.output", zeroPoint=[])),
}


@pytest.fixture(scope="session")
def tflm_held_out(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Converter-made models and edited copies for TFLite Micro's held-out Prepare checks, made once."""
    from tests.conftest import sample
    from tests.modeledit import pack, unpack
    from tests.targets.make_tflm_fixtures import NAMES

    models = converter_made(tmp_path_factory, "make_tflm_fixtures", NAMES)
    out = next(iter(models.values())).parent
    for name, (source, edit) in HELD_OUT_EDITS.items():
        src = sample(source[7:] + ".tflite") if source.startswith("sample:") else models[source]
        m = unpack(src)
        edit(m)
        models[name] = out / f"{name}.tflite"
        models[name].write_bytes(pack(m))
    return models
