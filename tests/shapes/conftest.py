"""Converter-made fixtures for shape tests, built once per session in a child process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def stateful_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A streaming model: tf.Variable state → VAR_HANDLE / READ / ASSIGN_VARIABLE + CALL_ONCE."""
    pytest.importorskip("tensorflow", reason="the stateful fixture is converted with TensorFlow")
    out = tmp_path_factory.mktemp("stateful") / "stateful.tflite"
    proc = subprocess.run(
        [sys.executable, str(HERE / "make_stateful.py"), str(out)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0 and out.is_file(), proc.stderr[-2000:]
    return out
