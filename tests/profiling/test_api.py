"""The public API: ``tfl_inspect.profile``, ``heat``, and no TensorFlow on the profile paths."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import ROOT, sample
from tfl_inspect.errors import UsageError
from tfl_inspect.profiling import heat


def test_profile_is_the_function_even_after_submodules_load() -> None:
    # Loading a submodule must not rebind the name to the subpackage.
    import tfl_inspect.profiling.build

    assert "profile" in tfl_inspect.__all__
    prof = tfl_inspect.profile(tfl_inspect.load(sample("dense_int8.tflite")))
    assert prof.memory.planner == "tflm" and prof.memory.arena_bytes == 96


def test_heat_maps_every_op() -> None:
    model = tfl_inspect.load(sample("classifier_flatten.tflite"))
    macs, mem = heat(model, "macs"), heat(model, "memory")
    ops = {(0, i) for i in range(len(model.subgraphs[0].operators))}
    assert set(macs) == set(mem) == ops
    assert max(macs, key=macs.__getitem__) == (0, 0) and macs[(0, 0)] == 221184.0
    assert mem[(0, 0)] == 45056.0
    with pytest.raises(UsageError):
        heat(model, "colour")


def test_unknown_planner_is_usage_error() -> None:
    with pytest.raises(UsageError):
        tfl_inspect.profile(tfl_inspect.load(sample("dense_int8.tflite")), planner="xnnpack")


PROBE = """
import sys, io, contextlib
from tfl_inspect.cli import main
for args in ({commands}):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        main(list(args))
heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'ai_edge_litert', 'jax'))
print(heavy)
"""


def test_profile_paths_never_import_tensorflow(tmp_path: Path) -> None:
    model = str(sample("classifier_flatten.tflite"))
    commands = [
        ("profile", model),
        ("profile", model, "--format", "json", "--planner", "litert"),
        ("profile", model, "--format", "csv", "--plot", str(tmp_path / "m.svg"), "--overlay", str(tmp_path / "o.json")),
    ]
    code = PROBE.format(commands=", ".join(repr(c) for c in commands))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"
