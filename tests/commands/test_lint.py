"""``tfl-inspect lint``: exit codes, JSON (schema-checked), SARIF 2.1.0 and escaped text."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from tests.conftest import SAMPLES, run_cli, run_cli_process, sample
from tests.modeledit import pack, unpack
from tfl_inspect import load
from tfl_inspect.exporters.findings import print_text
from tfl_inspect.rules import RULES, run
from tfl_inspect.schemas import load as load_schema

SCHEMA = load_schema("lint")


@pytest.fixture(scope="module")
def broken_scale(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dense_int8 with a zero scale on its first activation: a QNT005 error."""
    src = sample("dense_int8.tflite")
    act = load(src).subgraphs[0].operators[0].outputs[0]
    m = unpack(src)
    m.subgraphs[0].tensors[act].quantization.scale = np.array([0.0], np.float32)
    path = tmp_path_factory.mktemp("lint") / "broken_scale.tflite"
    path.write_bytes(pack(m))
    return path


@pytest.fixture(scope="module")
def hostile_names(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dense_float32 whose input tensor and signature name carry terminal escapes and markup."""
    src = sample("dense_float32.tflite")
    m = unpack(src)
    sg = m.subgraphs[0]
    sg.tensors[sg.inputs[0]].name = b"evil\x1b[2J\n[red]x[/red]:0"
    path = tmp_path_factory.mktemp("lint") / "hostile.tflite"
    path.write_bytes(pack(m))
    return path


def test_info_only_exits_0_unless_fail_on_info() -> None:
    path = sample("dense_float32.tflite")
    assert run_cli("lint", path).code == 0
    assert run_cli("lint", path, "--fail-on", "info").code == 1


def test_warnings_fail_only_with_fail_on_warning() -> None:
    path = sample("conv2d_transpose_dynamic.tflite")
    assert run_cli("lint", path).code == 0
    r = run_cli("lint", path, "--fail-on", "warning")
    assert r.code == 1 and "WARNING" in r.out and "DYN002" in r.out


def test_errors_exit_1(broken_scale: Path) -> None:
    r = run_cli("lint", broken_scale)
    assert r.code == 1 and "QNT005" in r.out and "ERROR (1)" in r.out
    assert run_cli("lint", broken_scale, "--ignore", "QNT005").code == 0


def test_runtime_flag_enables_ops003() -> None:
    path = sample("dense_float32.tflite")
    r = run_cli("lint", path, "--runtime", "1.0", "--select", "OPS")
    assert r.code == 1 and "OPS003" in r.out
    assert run_cli("lint", path, "--runtime", "99.0").code == 0


@pytest.mark.parametrize(
    "args",
    [("--select", "NOPE001"), ("--ignore", "XYZ"), ("--runtime", "newest"), ("--fail-on", "fatal")],
)
def test_bad_usage_exits_2(args: tuple[str, ...]) -> None:
    r = run_cli("lint", sample("dense_float32.tflite"), *args)
    assert r.code == 2 and r.err.strip() and "Traceback" not in r.err


def test_unwritable_output_exits_2(tmp_path: Path) -> None:
    r = run_cli("lint", sample("dense_float32.tflite"), "-o", tmp_path / "missing" / "out.json")
    assert r.code == 2 and "cannot write" in r.err and "Traceback" not in r.err


def test_unreadable_input_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "model.tflite"
    bad.write_bytes(b"\x00" * 64)
    for target in (bad, tmp_path / "missing.tflite"):
        r = run_cli("lint", target)
        assert r.code == 2 and r.out == "" and len(r.err.strip().splitlines()) == 1
        assert "Traceback" not in r.err


def test_json_matches_schema_and_counts() -> None:
    path = sample("upsampling_static.tflite")
    r = run_cli("lint", path, "--format", "json")
    doc = json.loads(r.out)
    jsonschema.validate(doc, SCHEMA)
    assert doc["source"] == str(path) and doc["$schema"] == "urn:tfl-inspect:schema:lint" and doc["format"] == "tflite"
    sevs = [f["severity"] for f in doc["findings"]]
    assert doc["counts"] == {s: sevs.count(s) for s in ("error", "warning", "info")}
    assert len(doc["findings"]) == len(run(load(path)))
    dyn = [f for f in doc["findings"] if f["rule"] == "DYN002"]
    assert dyn and all(f["op"] is not None and f["related"] for f in dyn)


def test_json_of_every_sample_validates() -> None:
    for path in sorted(SAMPLES.glob("*.tflite")):
        jsonschema.validate(json.loads(run_cli("lint", path, "--format", "json").out), SCHEMA)


def _check_sarif(doc: dict, model_uri: str) -> None:
    """The parts of SARIF 2.1.0 that code-scanning UIs require."""
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    (run_,) = doc["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "tfl-inspect" and driver["version"]
    rule_ids = [r["id"] for r in driver["rules"]]
    assert rule_ids == [r.id for r in RULES]
    for r in driver["rules"]:
        assert r["shortDescription"]["text"] and r["fullDescription"]["text"] and r["help"]["text"]
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
    for res in run_["results"]:
        assert res["ruleId"] in rule_ids and rule_ids[res["ruleIndex"]] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note") and res["message"]["text"]
        (loc,) = res["locations"]
        assert loc["physicalLocation"]["artifactLocation"]["uri"] == model_uri
        assert loc["logicalLocations"][0]["fullyQualifiedName"]


def test_sarif_structure(broken_scale: Path) -> None:
    r = run_cli("lint", broken_scale, "--format", "sarif")
    assert r.code == 1
    doc = json.loads(r.out)
    _check_sarif(doc, broken_scale.as_uri())
    levels = {res["ruleId"]: res["level"] for res in doc["runs"][0]["results"]}
    assert levels["QNT005"] == "error" and levels["DYN001"] == "note"


def test_sarif_relative_path_and_output_file(tmp_path: Path) -> None:
    out = tmp_path / "report.sarif"
    r = run_cli_process("lint", "samples/multi_io.tflite", "--format", "sarif", "-o", out)
    assert r.code == 0 and r.out == ""
    doc = json.loads(out.read_text())
    _check_sarif(doc, "samples/multi_io.tflite")
    nam002 = [res for res in doc["runs"][0]["results"] if res["ruleId"] == "NAM002"]
    assert nam002 and all(res["level"] == "warning" for res in nam002)


def test_text_escapes_hostile_names(hostile_names: Path) -> None:
    r = run_cli("lint", hostile_names)
    assert r.code == 0
    assert "\x1b" not in r.out and "evil\\x1b[2J\\x0a[red]x[/red]:0" in r.out
    json_out = run_cli("lint", hostile_names, "--format", "json").out
    # JSON keeps the exact name, with control characters escaped by the encoder.
    assert "\x1b" not in json_out
    names = {f["tensor_name"] for f in json.loads(json_out)["findings"]}
    assert "evil\x1b[2J\n[red]x[/red]:0" in names


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_rich_output_on_a_terminal_keeps_names_literal(hostile_names: Path) -> None:
    out = _Tty()
    print_text(run(load(hostile_names)), str(hostile_names), out)
    text = out.getvalue()
    assert "[red]x[/red]" in text  # markup in a name is shown, not interpreted
    assert "\x1b[2J" not in text and "\\x1b[2J" in text


def test_brief_text_drops_why_and_fix() -> None:
    path = sample("multi_io.tflite")
    brief = run_cli("lint", path, "--brief").out
    full = run_cli("lint", path).out
    assert "fix:" in full and "fix:" not in brief
    assert brief.count("NAM002") == len([f for f in run(load(path)) if f.rule == "NAM002"])


def test_sarif_reads_in_a_real_sarif_consumer(tmp_path: Path) -> None:
    """sarif-tools (Microsoft's SARIF CLI library) loads the report and sees every finding."""
    loader = pytest.importorskip("sarif.loader", reason="sarif-tools not installed")
    out = tmp_path / "report.sarif"
    r = run_cli("lint", SAMPLES / "upsampling_static.tflite", "--format", "sarif", "-o", out, "--fail-on", "error")
    assert r.code == 0, r.err
    findings = json.loads(run_cli("lint", SAMPLES / "upsampling_static.tflite", "--format", "json").out)["findings"]
    sarif = loader.load_sarif_file(str(out))
    records = sarif.get_records()
    assert sarif.get_distinct_tool_names() == ["tfl-inspect"]
    assert sorted(rec["Code"] for rec in records) == sorted(f["rule"] for f in findings)
    levels = {"warning": "warning", "info": "note", "error": "error"}
    assert sorted(rec["Severity"] for rec in records) == sorted(levels[f["severity"]] for f in findings)


@pytest.fixture(scope="module")
def many_bad_dims(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dense_int8 with quantized_dimension 3 on its four per-tensor activations: one QNT005 reason, four places."""
    src = sample("dense_int8.tflite")
    m = unpack(src)
    for t in load(src).subgraphs[0].tensors:
        if not t.is_constant and t.quantization is not None and len(t.quantization.scale) == 1:
            m.subgraphs[0].tensors[t.index].quantization.quantizedDimension = 3
    path = tmp_path_factory.mktemp("lint") / "many_bad_dims.tflite"
    path.write_bytes(pack(m))
    return path


def test_same_reason_is_one_text_entry_but_one_result_per_place(many_bad_dims: Path) -> None:
    results = [f for f in run(load(many_bad_dims)) if f.rule == "QNT005"]
    assert len(results) == 4 and len({f.group for f in results}) == 1
    text = run_cli("lint", many_bad_dims, "--select", "QNT005")
    entries = [line for line in text.out.splitlines() if line.startswith("  QNT005")]
    assert entries == ["  QNT005  subgraph 0 / 4 tensors"]
    assert "ERROR (4)" in text.out and "4 tensors: 'serving_default_features:0', " in text.out
    assert text.out.count("why: Old TOCO converters") == 1
    doc = json.loads(run_cli("lint", many_bad_dims, "--select", "QNT005", "--format", "json").out)
    jsonschema.validate(doc, SCHEMA)
    assert sorted(f["tensor"] for f in doc["findings"]) == sorted(f.tensor for f in results)
    sarif = json.loads(run_cli("lint", many_bad_dims, "--select", "QNT005", "--format", "sarif").out)
    assert len(sarif["runs"][0]["results"]) == 4
    # A single finding keeps its own location and message.
    one = run_cli("lint", sample("dense_int8_in_uint8_out.tflite"), "--select", "QNT002", "--brief").out
    assert "  QNT002  signature 'serving_default' 'output_0' / subgraph 0 / tensor 6" in one
