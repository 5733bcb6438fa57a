"""The fix path never imports TensorFlow, and ai-edge-litert only once fix runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, sample

PROBE = """
import sys
import tfl_inspect
from tfl_inspect.cli import build_parser
build_parser()
before = sorted(m for m in sys.modules if m.split('.')[0] in ('ai_edge_litert', 'tensorflow'))
tfl_inspect.fix(sys.argv[1], sys.argv[2], rename_io=True)
after = sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in ('ai_edge_litert', 'tensorflow', 'keras')})
print(before, after)
"""


def test_fix_imports_litert_lazily_and_never_tensorflow(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(sample("multi_io.tflite")), str(tmp_path / "o.tflite")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    assert out.strip() == "[] ['ai_edge_litert']"
    assert (tmp_path / "o.tflite").is_file()
