"""The inspect/lint/graph paths never import TensorFlow, and the public API is declared."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import tfl_inspect
from tests.conftest import ROOT, SAMPLES

PROBE = """
import sys
from tfl_inspect.cli import main
import io, contextlib
for args in ({commands}):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            main(list(args))
        except SystemExit:
            pass
heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'ai_edge_litert', 'jax'))
print(heavy)
"""


def test_cli_never_imports_tensorflow(tmp_path: Path) -> None:
    model = str(SAMPLES / "upsampling_static.tflite")
    commands = [
        ("inspect", model, "--format", "json"),
        ("inspect", model, "--show", "all"),
        ("lint", model, "--format", "json"),
        ("graph", model, "-o", str(tmp_path / "diagram.dot")),
    ]
    code = PROBE.format(commands=", ".join(repr(c) for c in commands))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"


def test_public_api() -> None:
    for name in ("load", "to_networkx", "lint", "infer_shapes", "render", "diagnose", "convert", "ModelFormatError"):
        assert name in tfl_inspect.__all__ and hasattr(tfl_inspect, name)
