"""STABLEHLO_COMPOSITE ops as layers: every decomposition subgraph under the composite that calls it."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SAMPLES, corpus_files, require_corpus, run_cli
from tfl_inspect.composites import composites
from tfl_inspect.readers import load
from tfl_inspect.summary import summarize

GEN = SAMPLES / "torch" / "gen_decoder_f32.tflite"


def test_fixture_composites_and_their_decompositions() -> None:
    model = load(GEN)
    comp = composites(model)
    # README of samples/torch: 11 composites (odml.rms_norm ×8, odml.scaled_dot_product_attention ×3),
    # each with its own decomposition subgraph; 13 subgraphs in all.
    assert comp.counts() == {"odml.rms_norm": 8, "odml.scaled_dot_product_attention": 3}
    assert len(comp.callers) == 11 == len(model.subgraphs) - 2
    for c in comp.ops:
        sub = model.subgraphs[c.decomposition]
        assert sub.name.startswith(c.name + ".impl")  # the converter names it after the composite
        assert comp.owner(sub.index) == c
        assert c.subgraph in (0, 1)  # called from prefill_8 or decode
    rms = next(c for c in comp.ops if c.name == "odml.rms_norm")
    assert rms.title == "RMSNorm" and rms.attributes["epsilon"] == pytest.approx(1e-5)
    sdpa = next(c for c in comp.ops if c.name == "odml.scaled_dot_product_attention")
    assert sdpa.attributes == {"scale": 0.25}
    # Reading order: each signature subgraph, then the decompositions of its composites.
    order = [s for s, _ in comp.order(len(model.subgraphs))]
    assert sorted(order) == list(range(len(model.subgraphs)))
    assert order[0] == 0 and order[1 + sum(1 for c in comp.ops if c.subgraph == 0)] == 1


def test_op_counts_leave_decompositions_apart() -> None:
    model = load(GEN)
    s = summarize(model)
    comp = composites(model)
    outside = sum(len(sg.operators) for sg in model.subgraphs if not comp.is_decomposition(sg.index))
    inside = sum(len(model.subgraphs[d].operators) for d in comp.decompositions)
    assert s.n_ops == outside == 84 + 107  # prefill_8 and decode (samples/torch/README.md)
    assert s.decomposition_ops == inside and s.decomposition_subgraphs == 11
    assert s.op_counts["STABLEHLO_COMPOSITE"] == 11
    assert "BATCH_MATMUL" not in s.op_counts and s.decomposition_op_counts["BATCH_MATMUL"] == 6


def test_models_without_composites_are_unchanged() -> None:
    model = load(SAMPLES / "dense_int8.tflite")
    s = summarize(model)
    assert not composites(model) and s.decomposition_ops == 0
    assert s.n_ops == sum(len(sg.operators) for sg in model.subgraphs)


def test_inspect_text_puts_decompositions_under_their_composite() -> None:
    r = run_cli("inspect", GEN, "--show", "ops,composites")
    assert r.code == 0, r.err
    assert "Operators     191 (+110 inside the composites' decompositions)" in r.out
    assert "11 decomposition subgraphs (#2…#12)" in r.out
    assert "odml.rms_norm ×8 (RMSNorm; epsilon 1e-05)" in r.out
    titles = [line for line in r.out.splitlines() if line.startswith("Operators of subgraph")]
    # Subgraph 0, its decompositions, subgraph 1, its decompositions: each under the op calling it.
    assert titles[0] == "Operators of subgraph 0"
    assert titles[1] == "Operators of subgraph 2 — decomposition of odml.rms_norm (subgraph 0 op 20)"
    assert titles[5] == "Operators of subgraph 1"
    assert "0:54   odml.scaled_dot_product_attention  scaled dot-product attention  module.0.atten_func" in r.out


def test_inspect_json_names_the_caller_of_each_decomposition() -> None:
    r = run_cli("inspect", GEN, "--format", "json")
    doc = json.loads(r.out)
    assert doc["summary"]["operators"] == 191 and doc["summary"]["decomposition_operators"] == 110
    by_index = {sg["index"]: sg for sg in doc["subgraphs"]}
    for c in doc["composites"]:
        assert by_index[c["decomposition"]]["decomposes"]["op"] == c["op"]
        assert by_index[c["decomposition"]]["decomposes"]["subgraph"] == c["subgraph"]
    assert by_index[0]["decomposes"] is None and by_index[1]["decomposes"] is None


def test_lint_locates_findings_inside_a_decomposition_under_its_composite() -> None:
    from tfl_inspect.rules import Finding, Severity
    from tfl_inspect.rules import _under_composites as under

    model = load(GEN)
    comp = composites(model)
    d = comp.decompositions[0]
    inside = Finding("GRF001", Severity.INFO, "x", subgraph=d, op=0, opcode="MUL")
    outside = Finding("GRF001", Severity.INFO, "x", subgraph=0, op=0, opcode="RESHAPE")
    a, b = under(model, [inside, outside])
    owner = comp.owner(d)
    assert a.composite == (owner.subgraph, owner.op, owner.name) and b.composite is None
    where = f"decomposition of {owner.name}, subgraph {owner.subgraph} op {owner.op}"
    assert a.location() == f"subgraph {d} ({where}) / op 0 MUL"
    assert a.to_dict()["composite"] == {"subgraph": owner.subgraph, "op": owner.op, "name": owner.name}


def test_corpus_composites() -> None:
    require_corpus()
    paths = [p for p in corpus_files() if "composite" in p.name or "group_norm" in p.name]
    assert len(paths) >= 5  # l2_norm, group_norm ×2, odml SDPA ×3 (mha, gqa, mqa)
    for path in paths:
        model = load(path)
        comp = composites(model)
        assert comp and all(c.decomposition is not None for c in comp.ops), path
        s = summarize(model)
        assert s.n_ops + s.decomposition_ops == sum(len(sg.operators) for sg in model.subgraphs)
        assert s.n_ops == len(model.subgraphs[0].operators)  # one composite in main; the rest is its body


def test_report_shows_each_decomposition_under_its_composite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "r.html"
    r = run_cli("report", GEN, "-o", out, "--no-graph")
    assert r.code == 0, r.err
    page = out.read_text()
    assert "<section id='composites'>" in page
    assert "191 (+110 inside the decomposition subgraphs of composites)" in page
    assert "<td class='num'>0:54</td><td><code>odml.scaled_dot_product_attention</code></td>" in page
    assert "#3 <code>odml.scaled_dot_product_attention.impl</code>" in page
    assert "3:13 in 0:54" in page  # the profile's top ops name the composite a decomposition op runs under


def test_diagram_places_each_decomposition_on_its_composite() -> None:
    from tfl_inspect.exporters.dot_plan import plan

    model = load(GEN)
    comp = composites(model)
    p = plan(model)
    assert set(p.subgraphs) == {0, 1} and not p.stubs  # the signatures; no box per decomposition
    assert p.accounting.complete and p.accounting.composite_ops == 110 and p.accounting.hidden_ops == 0
    for d in comp.decompositions:
        owner = comp.owner(d)
        assert p.accounting.placement[(d, 0)] == p.subgraphs[owner.subgraph].unit[owner.op]
    # Asked for, a decomposition is drawn.
    assert set(plan(model, subgraph=3).subgraphs) == {3}
