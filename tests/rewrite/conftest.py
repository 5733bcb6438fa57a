"""A converter-made 16x8 model for the --io-type int16 tests, built once per session in a child
process (TensorFlow never loads into the test process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def int16_float_io(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("tensorflow", reason="TensorFlow makes the 16x8 fixture")
    out = tmp_path_factory.mktemp("int16") / "dense_16x8_float_io.tflite"
    proc = subprocess.run(
        [sys.executable, str(HERE / "make_int16.py"), str(out)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out
