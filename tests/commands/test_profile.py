"""``tfl-inspect profile``: outputs, options and bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import corpus_files, needs_corpus, run_cli, run_cli_process, sample, sample_models
from tfl_inspect.schemas import load as load_schema


def test_text_names_arena_peak_and_top_ops() -> None:
    r = run_cli("profile", sample("classifier_flatten.tflite"))
    assert r.code == 0, r.err
    assert "Arena" in r.out and "45056 bytes" in r.out
    assert "Peak        op 0:0 CONV_2D" in r.out
    assert "Top 8 ops by MACs" in r.out and "Alive at the peak" in r.out


@pytest.mark.parametrize("path", sample_models(), ids=lambda p: p.name)
def test_json_validates_against_the_schema(path: Path) -> None:
    r = run_cli("profile", path, "--format", "json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    jsonschema.validate(doc, load_schema("profile"))
    assert doc["memory"]["planner"] == "tflm"
    assert doc["totals"]["macs"] == sum(o["macs"] for o in doc["operators"])


def test_litert_planner_is_labelled_modelled() -> None:
    r = run_cli("profile", sample("multi_io.tflite"), "--planner", "litert", "--format", "json")
    doc = json.loads(r.out)
    jsonschema.validate(doc, load_schema("profile"))
    assert doc["memory"]["planner"] == "litert (modelled)"
    assert any("modelled" in n for n in doc["memory"]["notes"])


@pytest.mark.parametrize("by", ["op", "scope", "type"])
def test_csv(by: str) -> None:
    r = run_cli("profile", sample("classifier_flatten.tflite"), "--format", "csv", "--by", by)
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert rows
    if by == "op":
        assert sum(int(x["macs"]) for x in rows) == 226304
    else:
        assert sum(int(x["ops"]) for x in rows) == 8


def test_by_scope_text_groups_keras_layers() -> None:
    r = run_cli("profile", sample("classifier_flatten.tflite"), "--by", "scope")
    assert "classifier_1/conv_1" in r.out


def test_signature_selects_entry_and_unknown_is_usage_error() -> None:
    ok = run_cli("profile", sample("multi_io.tflite"), "--signature", "serving_default", "--format", "json")
    assert ok.code == 0 and json.loads(ok.out)["signature"] == "serving_default"
    bad = run_cli("profile", sample("multi_io.tflite"), "--signature", "nope")
    assert bad.code == 2
    assert bad.err.count("\n") == 1 and "no signature 'nope'" in bad.err


def test_plot_svg_and_png(tmp_path: Path) -> None:
    svg = tmp_path / "m.svg"
    assert run_cli("profile", sample("classifier_flatten.tflite"), "--plot", svg).code == 0
    text = svg.read_text()
    assert text.startswith("<svg") and "peak: op 0:0 CONV_2D" in text
    import xml.etree.ElementTree as ET

    root = ET.fromstring(text)  # well-formed
    assert len(root.findall("{http://www.w3.org/2000/svg}polyline")) == 2
    pytest.importorskip("matplotlib")
    png = tmp_path / "m.png"
    assert run_cli("profile", sample("classifier_flatten.tflite"), "--plot", png).code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_overlay_file(tmp_path: Path) -> None:
    out = tmp_path / "o.json"
    r = run_cli("profile", sample("classifier_flatten.tflite"), "--overlay", out, "--overlay-kind", "memory")
    assert r.code == 0
    data = json.loads(out.read_text())
    assert data["main"]["results"]["0"]["value"] == 45056


@pytest.mark.parametrize(
    "args",
    [
        ("/nonexistent/model.tflite",),
        ("{sample}", "--plot", "x.gif"),
        ("{sample}", "--plot", "/nonexistent-dir/m.svg"),
        ("{sample}", "--overlay", "/nonexistent-dir/o.json"),
        ("{sample}", "--planner", "nope"),
        ("{sample}", "--top", "0"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: tuple[str, ...]) -> None:
    argv = [str(sample("dense_int8.tflite")) if a == "{sample}" else a for a in args]
    r = run_cli("profile", *argv)
    assert r.code == 2
    assert "Traceback" not in r.err
    # One error line (argparse puts its usage synopsis above it for option errors).
    assert len([line for line in r.err.splitlines() if "error:" in line]) == 1
    assert r.err.strip().splitlines()[-1].startswith("tfl-inspect")


@needs_corpus
@pytest.mark.parametrize("path", corpus_files("invalid"), ids=lambda p: p.name)
def test_invalid_files_exit_2_in_a_process(path: Path) -> None:
    r = run_cli_process("profile", path)
    assert r.code == 2
    assert len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err


def test_csv_neutralises_formula_names() -> None:
    from tfl_inspect.exporters.profile_json import profile_csv
    from tfl_inspect.model import Model, Operator, Subgraph, Tensor
    from tfl_inspect.profiling import profile

    t = (Tensor(0, 0, "x", "FLOAT32", (2,), (2,)), Tensor(0, 1, "=HYPERLINK(1)/y", "FLOAT32", (2,), (2,)))
    sg = Subgraph.build(0, "main", t, (Operator(0, 0, "RELU", "RELU", 1, (0,), (1,)),), (0,), (1,))
    out = profile_csv(profile(Model("tflite", 3, "", (sg,))))
    assert "'=HYPERLINK(1)" in out and ",=HYPERLINK" not in out


def test_svg_escapes_names_from_the_model() -> None:
    from tfl_inspect.exporters.profile_plot import svg
    from tfl_inspect.model import Model, Operator, Subgraph, Tensor
    from tfl_inspect.profiling import profile

    t = (Tensor(0, 0, "x", "FLOAT32", (8,), (8,)), Tensor(0, 1, "y", "FLOAT32", (8,), (8,)))
    op = Operator(0, 0, "<script>alert(1)</script>", "CUSTOM", 1, (0,), (1,), custom_code="<script>")
    sg = Subgraph.build(0, "main", t, (op,), (0,), (1,))
    out = svg(profile(Model("tflite", 3, "", (sg,), source="/tmp/<b>.tflite")))
    assert "<script>" not in out and "&lt;script&gt;" in out


def test_dynamic_shapes_are_flagged() -> None:
    r = run_cli("profile", sample("upsampling_static.tflite"), "--format", "json")
    notes = json.loads(r.out)["memory"]["notes"]
    assert any("unknown dims" in n for n in notes)
    static = run_cli("profile", sample("upsampling_static_batch1.tflite"), "--format", "json")
    assert not any("unknown dims" in n for n in json.loads(static.out)["memory"]["notes"])


def test_in_process_runs_leave_the_garbage_collector_on() -> None:
    import gc

    assert gc.isenabled()
    run_cli("profile", sample("dense_int8.tflite"))
    run_cli("profile", "/nonexistent.tflite")
    assert gc.isenabled()
