"""The Keras-made oracle models (float, full int8 with float I/O, full int8 with int8 I/O), built once.

TensorFlow runs in a child process (tests/diff/make_models.py): it is slow to import and must not
leak into the tfl-inspect process under test.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("tensorflow") is None:
        pytest.skip("TensorFlow not installed: the oracle models are made with the converter")
    pytest.importorskip("ai_edge_litert")
    out = tmp_path_factory.mktemp("diff_oracle")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(HERE.parents[1]))
    proc = subprocess.run(
        [sys.executable, str(HERE / "make_models.py"), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out
