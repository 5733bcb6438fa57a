"""Session fixtures for compat: converter-made models and what the real runtimes do with every model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import INTERPRETER_REFUSES, ROOT, corpus_files, sample_models, thirdparty_models

FIXTURES = (
    "cnn_float cnn_int8 cnn_int8_float_io cnn_float16 cnn_dynamic_range cnn_dynamic_batch upsampling_dynamic_batch "
    "upsampling_batch1 upsampling_int8 conv2d_transpose topk_argmax_cumsum lstm lstm_dynamic_range mlp_int8"
).split()


@pytest.fixture(scope="session")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Converter-made models (float, int8, float16, dynamic range, dynamic batch, UpSampling2D, ...), made once."""
    pytest.importorskip("tensorflow", reason="tensorflow needed to convert the fixtures")
    out = tmp_path_factory.mktemp("compat_fixtures")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "tests.targets.make_fixtures", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    models = {name: out / f"{name}.tflite" for name in FIXTURES}
    missing = [n for n, p in models.items() if not p.is_file()]
    assert not missing, f"fixtures not written: {missing}"
    return models


@pytest.fixture(scope="session")
def gpu_fixtures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """tests/targets/make_gpu_fixtures.py's models, made once (TensorFlow, in a child process)."""
    pytest.importorskip("tensorflow", reason="tensorflow needed to convert the GPU fixtures")
    out = tmp_path_factory.mktemp("gpu_fixtures")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "tests.targets.make_gpu_fixtures", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    from tests.targets.make_gpu_fixtures import NAMES

    models = {name: out / f"{name}.tflite" for name in NAMES}
    missing = [n for n, p in models.items() if not p.is_file()]
    assert not missing, f"fixtures not written: {missing}"
    return models


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
    converted: dict[str, Path], xnnpack_oracle: dict[str, dict[str, object]]
) -> dict[str, dict[str, object]]:
    """TFLM loads of the models LiteRT's interpreter loads (the acceptance's "every model above")."""
    pytest.importorskip("tflite_micro", reason="the tflite-micro package is the TFLM oracle")
    from tests.targets.litert_oracle import run

    loadable = [p for p, r in xnnpack_oracle.items() if "error" not in r]
    return run("tflm", loadable)
