"""The public API: every module says what it exports, and the package root exports the result types."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import tfl_inspect

# Modules that need an optional extra at import time are still walked: they import it lazily.
MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(tfl_inspect.__path__, prefix="tfl_inspect.")
    if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("name", ["tfl_inspect", *MODULES])
def test_module_declares_all_and_every_name_exists(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert len(set(exported)) == len(exported), f"{name}.__all__ repeats a name"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it does not define: {missing}"


@pytest.mark.parametrize("name", ["Finding", "Severity", "ShapeResult", "Diagnosis", "Summary", "Model", "IoName"])
def test_result_types_are_exported_from_the_root(name: str) -> None:
    assert name in tfl_inspect.__all__
    assert isinstance(getattr(tfl_inspect, name), type)


def test_root_import_stays_light() -> None:
    import subprocess
    import sys

    heavy = "('numpy', 'networkx', 'rich', 'tfl_inspect.rules')"
    code = f"import sys, tfl_inspect; print(','.join(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"import tfl_inspect loaded {out}"
