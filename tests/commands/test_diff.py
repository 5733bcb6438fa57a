"""``tfl-inspect diff``: exit codes, --fail-on, bad input as one line, JSON (schema-checked), CSV, pictures."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from tests.conftest import run_cli, sample
from tests.diff.helpers import edited
from tfl_inspect.schemas import load as load_schema

SCHEMA = load_schema("diff")


def _one_line_error(result) -> None:  # type: ignore[no-untyped-def]
    assert result.code == 2, (result.code, result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tfl-inspect: error: "), result.err
    assert "Traceback" not in result.err


def test_identical_models_say_no_differences() -> None:
    path = sample("multi_io.tflite")
    r = run_cli("diff", path, path, "--fail-on", "contract,structure")
    assert r.code == 0
    assert "verdict  no differences" in r.out


@pytest.fixture
def swapped_outputs(tmp_path: Path) -> Path:
    def swap(m: object) -> None:
        g = m.subgraphs[0]  # type: ignore[attr-defined]
        g.outputs = g.outputs[::-1].copy()

    return edited(sample("multi_io.tflite"), tmp_path / "swapped.tflite", swap)


def test_fail_on_contract_is_a_ci_gate(swapped_outputs: Path) -> None:
    a = sample("multi_io.tflite")
    assert run_cli("diff", a, swapped_outputs).code == 0
    gate = run_cli("diff", a, swapped_outputs, "--fail-on", "contract")
    assert gate.code == 1
    assert "reordered" in gate.out and "output 'score' moved from position 0 to 1" in gate.out


def test_json_follows_the_schema(swapped_outputs: Path) -> None:
    r = run_cli("diff", sample("multi_io.tflite"), swapped_outputs, "--format", "json")
    assert r.code == 0
    doc = json.loads(r.out)
    jsonschema.validate(doc, SCHEMA)
    assert doc["$schema"] == "urn:tfl-inspect:schema:diff"
    assert {c["kind"] for c in doc["contract"]} == {"reordered"}
    assert doc["identical"] is False and "numeric" not in doc


def test_json_and_csv_with_run(tmp_path: Path) -> None:
    pytest.importorskip("ai_edge_litert")
    a, b = sample("dense_float32.tflite"), sample("dense_int8.tflite")
    r = run_cli("diff", a, b, "--run", "--samples", "2", "--format", "json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    jsonschema.validate(doc, SCHEMA)
    tensors = doc["numeric"]["tensors"]
    assert tensors and tensors[0]["is_output"]
    assert {"a_tensor", "b_tensor", "name", "max_abs", "rmse", "sqnr_db", "cosine", "steps"} <= set(tensors[0])
    c = run_cli("diff", a, b, "--run", "--samples", "2", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(c.out)))
    assert [row["name"] for row in rows] == [t["name"] for t in tensors]
    assert float(rows[0]["rmse"]) == pytest.approx(tensors[0]["rmse"])


def test_csv_without_run_lists_changes(swapped_outputs: Path) -> None:
    r = run_cli("diff", sample("multi_io.tflite"), swapped_outputs, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert {(row["section"], row["kind"]) for row in rows} == {("contract", "reordered")}


def test_fail_on_numeric(tmp_path: Path) -> None:
    pytest.importorskip("ai_edge_litert")
    a, b = sample("dense_float32.tflite"), sample("dense_int8.tflite")
    assert run_cli("diff", a, b, "--run", "--fail-on", "numeric", "--min-sqnr", "0").code == 0
    assert run_cli("diff", a, b, "--run", "--fail-on", "numeric", "--min-sqnr", "300").code == 1


def test_plot_and_overlay(tmp_path: Path) -> None:
    pytest.importorskip("ai_edge_litert")
    a, b = sample("dense_float32.tflite"), sample("dense_int8_float_io.tflite")
    svg, png, overlay = tmp_path / "sqnr.svg", tmp_path / "sqnr.png", tmp_path / "me.json"
    r = run_cli("diff", a, b, "--run", "--plot", svg, "--overlay", overlay)
    assert r.code == 0, r.err
    text = svg.read_text()
    assert text.startswith("<svg") and text.count("<circle") >= 3
    data = json.loads(overlay.read_text())
    assert list(data) == ["main"] and data["main"]["results"]
    pytest.importorskip("matplotlib")
    assert run_cli("diff", a, b, "--run", "--plot", png).code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- bad input: one line, exit 2 ----------------------------------------------------------


def test_unreadable_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tflite"
    junk.write_bytes(b"not a model at all")
    _one_line_error(run_cli("diff", junk, sample("dense_int8.tflite")))
    _one_line_error(run_cli("diff", sample("dense_int8.tflite"), tmp_path / "missing.tflite"))


def test_mismatched_signatures_with_run() -> None:
    pytest.importorskip("ai_edge_litert")
    r = run_cli("diff", sample("multi_io.tflite"), sample("dense_float32.tflite"), "--run")
    _one_line_error(r)
    assert "different inputs" in r.err


def test_npz_with_missing_inputs(tmp_path: Path) -> None:
    pytest.importorskip("ai_edge_litert")
    npz = tmp_path / "in.npz"
    np.savez(npz, zeta=np.zeros((1, 4), np.float32))
    path = sample("multi_io.tflite")
    r = run_cli("diff", path, path, "--run", "--inputs", npz)
    _one_line_error(r)
    assert "alpha" in r.err
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"nope")
    _one_line_error(run_cli("diff", path, path, "--run", "--inputs", bad))


def test_options_that_need_run() -> None:
    path = sample("multi_io.tflite")
    _one_line_error(run_cli("diff", path, path, "--plot", "x.svg"))
    _one_line_error(run_cli("diff", path, path, "--fail-on", "numeric"))
    _one_line_error(run_cli("diff", path, path, "--signature", "nope"))


def test_structural_diff_imports_no_runtime() -> None:
    """Without --run, diff is a file reader: no TensorFlow, no LiteRT interpreter."""
    import subprocess
    import sys

    from tests.conftest import ROOT
    from tests.test_imports import PROBE

    a, b = str(sample("dense_float32.tflite")), str(sample("dense_int8.tflite"))
    commands = [("diff", a, b), ("diff", a, b, "--format", "json"), ("diff", a, b, "--format", "csv")]
    code = PROBE.format(commands=", ".join(repr(c) for c in commands))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"


def test_fail_on_structure_and_bad_overlay_metric(tmp_path: Path) -> None:
    a, b = sample("dense_float32.tflite"), sample("dense_int8_float_io.tflite")
    assert run_cli("diff", a, b, "--fail-on", "contract").code == 0  # float I/O on both sides: same contract
    assert run_cli("diff", a, b, "--fail-on", "structure").code == 1
    pytest.importorskip("ai_edge_litert")
    r = run_cli("diff", a, b, "--run", "--overlay", tmp_path / "o.json", "--overlay-metric", "nope")
    _one_line_error(r)
    assert "sqnr_db" in r.err
