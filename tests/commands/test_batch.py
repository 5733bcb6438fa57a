"""Folders of models: parallel runs, one row or JSON line per file, the worst exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tfl_inspect.commands._batch import Outcome, find_models, write_markdown

from ..conftest import CORPUS, SAMPLES, needs_corpus, require_corpus


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tfl_inspect", *args], capture_output=True, text=True, timeout=600)


@needs_corpus
def test_lint_corpus_jsonl_has_one_valid_line_per_file_and_the_worst_exit_code() -> None:
    require_corpus()
    proc = _cli("lint", str(CORPUS / "litert"), "--jobs", "2", "--format", "jsonl")
    lines = proc.stdout.splitlines()
    files = find_models(CORPUS / "litert")
    assert len(lines) == len(files)
    docs = [json.loads(line) for line in lines]
    assert [d["exit_code"] for d in docs] and max(d["exit_code"] for d in docs) == proc.returncode == 2
    unreadable = [d for d in docs if "error" in d]
    assert unreadable and all(d["exit_code"] == 2 and d["source"] for d in unreadable)
    readable = [d for d in docs if "error" not in d]
    assert all("findings" in d for d in readable)


def test_an_unreadable_model_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "broken.tflite").write_bytes(b"TFL3 but not really")
    for name in ("dense_int8.tflite", "multi_io.tflite"):
        (tmp_path / name).write_bytes((SAMPLES / name).read_bytes())
    (tmp_path / "notes.txt").write_text("ignored")
    proc = _cli("inspect", str(tmp_path), "--jobs", "2")
    assert proc.returncode == 2
    assert "broken.tflite" in proc.stdout and "dense_int8.tflite" in proc.stdout and "notes.txt" not in proc.stdout
    assert proc.stdout.count("full integer") == 1


def test_markdown_summary_escapes_names() -> None:
    out = Outcome("a|b`<script>.tflite", 1, {"errors": 1})
    import io

    buf = io.StringIO()
    write_markdown([out], ("model", "errors"), buf, "lint")
    table_row = buf.getvalue().splitlines()[4]
    assert "a\\|b\\`&lt;script>.tflite" in table_row
    assert "worst exit code 1" in buf.getvalue()


def test_lint_folder_exit_code_follows_fail_on(tmp_path: Path) -> None:
    (tmp_path / "m.tflite").write_bytes((SAMPLES / "upsampling_static.tflite").read_bytes())
    assert _cli("lint", str(tmp_path)).returncode == 0
    assert _cli("lint", str(tmp_path), "--fail-on", "warning").returncode == 1


def test_an_empty_folder_is_a_usage_error(tmp_path: Path) -> None:
    proc = _cli("lint", str(tmp_path))
    assert proc.returncode == 2 and "no model files" in proc.stderr


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_one_model_formats_are_refused_for_a_folder(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "m.tflite").write_bytes((SAMPLES / "multi_io.tflite").read_bytes())
    proc = _cli("lint", str(tmp_path), "--format", fmt)
    assert proc.returncode == 2 and "jsonl" in proc.stderr


def test_compat_and_profile_take_a_folder(tmp_path: Path) -> None:
    for name in ("dense_int8.tflite", "upsampling_static.tflite"):
        (tmp_path / name).write_bytes((SAMPLES / name).read_bytes())
    proc = _cli("compat", str(tmp_path), "--jobs", "2", "--format", "jsonl")
    docs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 0 and len(docs) == 2 and all("targets" in d for d in docs)
    proc = _cli("compat", str(tmp_path), "--require", "gpu")
    assert proc.returncode == 1  # the UpSampling2D sample's dynamic batch keeps it off the GPU
    proc = _cli("profile", str(tmp_path), "--format", "markdown")
    assert proc.returncode == 0 and "| arena bytes |" in proc.stdout
    assert "FULLY_CONNECTED" in proc.stdout and "2 models" in proc.stdout
