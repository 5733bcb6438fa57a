"""The Finding contract, the registry and run()'s selection: public API other code builds on."""

from __future__ import annotations

import dataclasses

import pytest

import tfl_inspect
from tests.conftest import sample
from tests.rules.helpers import lint
from tfl_inspect import load
from tfl_inspect.errors import UsageError
from tfl_inspect.rules import FAMILIES, RULES, Finding, Severity, resolve, run


def test_severity_is_ordered_and_a_string() -> None:
    assert Severity.INFO < Severity.WARNING < Severity.ERROR
    assert max([Severity.WARNING, Severity.ERROR, Severity.INFO]) is Severity.ERROR
    assert Severity("warning") is Severity.WARNING and Severity.ERROR == "error"
    assert [s.rank for s in (Severity.INFO, Severity.WARNING, Severity.ERROR)] == [0, 1, 2]


def test_finding_is_frozen_and_serialises_every_location_field() -> None:
    f = Finding("DYN001", Severity.INFO, "m", subgraph=0, tensor=3, tensor_name="x", related=((0, 1),))
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.message = "other"  # type: ignore[misc]
    d = f.to_dict()
    assert d["severity"] == "info" and d["related"] == [{"subgraph": 0, "op": 1}]
    assert {"subgraph", "op", "opcode", "tensor", "tensor_name", "signature", "io_name"} <= d.keys()
    assert f.location() == "subgraph 0 / tensor 3 'x'"


def test_registry_ids_are_unique_sorted_and_documented() -> None:
    ids = [r.id for r in RULES]
    assert ids == sorted(set(ids))
    assert set(FAMILIES) == {"DYN", "QNT", "NAM", "OPS", "SHP", "GRF", "CMP"}
    for r in RULES:
        assert r.title and len(r.doc) > 40 and r.family in FAMILIES


def test_resolve_accepts_ids_families_and_commas() -> None:
    assert resolve(["dyn001, NAM"]) == {"DYN001", "NAM001", "NAM002", "NAM003", "NAM004", "NAM005"}
    with pytest.raises(UsageError):
        resolve(["DYN999"])


def test_select_and_ignore() -> None:
    model = load(sample("multi_io.tflite"))
    everything = {f.rule for f in run(model)}
    assert {"DYN001", "NAM001", "NAM002"} <= everything
    assert {f.rule for f in run(model, select=["NAM"])} == {"NAM001", "NAM002"}
    assert {f.rule for f in run(model, select="NAM", ignore="NAM001")} == {"NAM002"}
    assert "DYN001" not in {f.rule for f in run(model, ignore=["DYN"])}


def test_findings_come_most_severe_first() -> None:
    findings = lint(sample("upsampling_static.tflite"))
    ranks = [f.severity.rank for f in findings]
    assert ranks == sorted(ranks, reverse=True)


def test_public_api_lint() -> None:
    model = tfl_inspect.load(sample("multi_io.tflite"))
    found = tfl_inspect.lint(model, select=["NAM002"])
    assert found and all(isinstance(f, Finding) and f.rule == "NAM002" for f in found)


def test_every_rule_is_documented_with_an_example() -> None:
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    sections = text.split("\n### ")[1:]
    documented = {s.split("\n", 1)[0].strip(): s for s in sections}
    assert set(documented) == {r.id for r in RULES}
    for rule_id, body in documented.items():
        assert "```" in body, f"{rule_id} has no example"
        assert f"  {rule_id}  " in body, f"{rule_id}'s example shows no finding"


def test_run_accepts_a_path() -> None:
    path = sample("multi_io.tflite")
    assert [f.to_dict() for f in run(path)] == [f.to_dict() for f in run(load(path))]


def test_a_finding_names_its_spec() -> None:
    from tfl_inspect.rules.quantization import QNT002

    f = QNT002.finding("m", subgraph=0, tensor=1)
    want = ("QNT002", QNT002.severity, QNT002.explanation_for(), QNT002.fix_for())
    assert (f.rule, f.severity, f.explanation, f.fix) == want
    g = QNT002.finding("m", severity=Severity.INFO, fix="other")
    assert g.severity is Severity.INFO and g.fix == "other" and g.explanation == QNT002.explanation_for()
    assert set(f.to_dict()) == set(g.to_dict()) and "group" not in f.to_dict()


def test_every_registered_rule_has_a_family_and_its_texts() -> None:
    from tfl_inspect.rules import FAMILY

    for r in RULES:
        assert r.family in FAMILY and r.spec.explanation_for() and r.spec.fix_for(), r.id
