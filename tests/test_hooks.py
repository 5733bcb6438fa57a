"""The core declares display hooks; the model never imports an exporter."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import ROOT


def test_model_module_imports_no_exporter() -> None:
    tree = ast.parse((ROOT / "tfl_inspect" / "model.py").read_text("utf-8"))
    imported = [
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not any("exporters" in name for name in imported), imported


def test_importing_the_model_loads_no_exporter_and_the_package_installs_the_drawer() -> None:
    code = (
        "import sys, tfl_inspect.model, tfl_inspect.hooks as h; "
        "before = sorted(m for m in sys.modules if m.startswith('tfl_inspect.exporters')); "
        "import tfl_inspect; "
        "print(before, h._svg[0].__module__, 'tfl_inspect.exporters.dot' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.split() == ["[]", "tfl_inspect", "False"]  # lazily: the exporter loads on first display
