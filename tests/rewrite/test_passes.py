"""Passes as objects: one declaration each gives the fix command its flags and help, fix() its keywords,
the report its pass names; the manager runs them in registry order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import tfl_inspect
import tfl_inspect.rewrite
from tests.conftest import ROOT, run_cli, sample
from tfl_inspect.rewrite import PASSES, Option, Pass, PassResult, fix
from tfl_inspect.schemas import load as load_schema


def test_every_pass_is_declared_once_and_the_schema_lists_them() -> None:
    names = [p.name for p in PASSES]
    assert len(set(names)) == len(names)
    assert load_schema("fix")["properties"]["passes"]["items"]["enum"] == names
    keywords = [o.keyword for p in PASSES for o in p.options]
    assert len(set(keywords)) == len(keywords)


def test_the_fix_command_takes_its_flags_and_help_from_the_registry() -> None:
    r = run_cli("fix", "--help")
    text = " ".join(r.out.split())
    docs = (ROOT / "docs" / "fix.md").read_text(encoding="utf-8")
    for p in PASSES:
        for o in p.options:
            assert o.flag in text and " ".join(o.help.split())[:40] in text, o.flag
            assert f"`{o.flag}" in docs, f"docs/fix.md does not describe {o.flag}"


class _Describe(Pass):
    """A toy pass: sets the model's description."""

    name = "describe"
    options = (Option("--describe", "set the model description to TEXT", {"metavar": "TEXT"}),)

    def __call__(self, rw: Any) -> PassResult:
        rw.fb.description = str(self.values["describe"]).encode()
        return PassResult(True)


def test_a_registered_pass_is_a_flag_a_keyword_and_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tfl_inspect.rewrite, "PASSES", (*PASSES, _Describe))
    assert "set the model description to TEXT" in run_cli("fix", "--help").out
    out = tmp_path / "o.tflite"
    r = run_cli("fix", sample("dense_float32.tflite"), "-o", out, "--describe", "toy", "--rename-io")
    assert r.code == 0, r.err
    assert "rename-io, describe" in r.out
    assert tfl_inspect.load(out).description == "toy"
    report = fix(sample("dense_float32.tflite"), tmp_path / "p.tflite", describe="api")
    assert report.passes == ["describe"] and report.written
    assert report.verification is not None and report.verification.status == "identical"


def test_an_unknown_keyword_is_a_type_error(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="rename_oi"):
        fix(sample("dense_float32.tflite"), tmp_path / "o.tflite", rename_oi=True)


def test_a_tuning_option_alone_runs_no_pass(tmp_path: Path) -> None:
    report = fix(sample("dense_float32.tflite"), tmp_path / "o.tflite", allow_dynamic=True, verify=False)
    assert report.passes == [] and report.written
