"""The command line a finding's fix quotes does what it says: run it and the finding is gone."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import run_cli, sample
from tfl_inspect.rewrite.hint import command


def test_command_names_model_and_output() -> None:
    assert command("a b.tflite", "--rename-io") == "tfl-inspect fix 'a b.tflite' -o 'a b_fixed.tflite' --rename-io"


@pytest.mark.parametrize(
    "name, rule",
    [
        ("upsampling_static.tflite", "DYN002"),
        ("classifier_flatten.tflite", "DYN001"),
        ("conv2d_transpose_dynamic.tflite", "DYN001"),  # unknown height and width
        ("conv2d_transpose_dynamic.tflite", "DYN002"),
        ("multi_io.tflite", "DYN001"),  # two dynamic inputs: the command fixes both
        ("multi_io.tflite", "NAM001"),
        ("multi_io_keras.tflite", "NAM001"),  # outputs named output_0, output_1
        ("dense_int8_float_io.tflite", "QNT001"),
    ],
)
def test_the_quoted_fix_removes_the_finding(tmp_path: Path, name: str, rule: str) -> None:
    src = tmp_path / name
    src.write_bytes(sample(name).read_bytes())
    finding = next(f for f in tfl_inspect.lint(tfl_inspect.load(src)) if f.rule == rule)
    line = next(c for c in re.findall(r"`([^`]*)`", finding.fix) if c.startswith("tfl-inspect fix "))
    argv = shlex.split(line)[1:]
    out = Path(argv[argv.index("-o") + 1])
    assert out.parent == tmp_path and out.name.endswith("_fixed.tflite")
    r = run_cli(*argv)
    assert r.code == 0, r.err
    assert rule not in {f.rule for f in tfl_inspect.lint(tfl_inspect.load(out))}
