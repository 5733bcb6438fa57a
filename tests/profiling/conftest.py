"""Converter-made int8/float fixtures for the profile tests, built once per session with TensorFlow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def tf_fixtures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """name → path of each model made by make_fixtures.py (a child process: TensorFlow stays out)."""
    pytest.importorskip("tensorflow")
    out = tmp_path_factory.mktemp("profile_fixtures")
    proc = subprocess.run(
        [sys.executable, str(HERE / "make_fixtures.py"), str(out)], capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    models = {p.stem: p for p in sorted(out.glob("*.tflite"))}
    assert len(models) >= 10, sorted(models)
    return models
