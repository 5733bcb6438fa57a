"""Opening collapsed boxes: every op is drawn in exactly one diagram of the tree, boxes shrink as they nest."""

from __future__ import annotations

from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import ROOT, sample, sample_models, thirdparty_models
from tfl_inspect.exporters.dot import levels
from tfl_inspect.exporters.dot_nest import inside, nest
from tfl_inspect.exporters.dot_plan import plan

OPS10K = ROOT / "benchmarks" / "models" / "ops10k.tflite"


def _check_tree(model: tfl_inspect.Model, max_nodes: int) -> int:
    """The invariants of a model's diagram and all its boxes; returns how many boxes there are."""
    top = plan(model, max_nodes=max_nodes)
    trees = [(None, None, top), *((o.box, o.parent, o.plan) for o in nest(model, top, max_nodes=max_nodes))]
    drawn: dict[tuple[int, int], str] = {}
    boxes: dict[str, tuple[int, ...]] = {}
    opened: set[str] = set()
    for box, parent, p in trees:
        if box is not None:
            assert box.id not in opened
            opened.add(box.id)
            # the box's inside draws exactly its ops (and the DEQUANTIZE folded into them), each once
            assert {i for (_, i) in p.accounting.placement} >= set(box.ops)
            assert p.accounting.complete
            assert parent is None or box.id.startswith(parent + "_")
            for ctx in p.context.values():  # a context node stands for a node drawn around the box
                assert ctx.target.startswith(("op_", "box_")) and ctx.target != box.id
        for sp in p.subgraphs.values():
            for b in sp.boxes.values():
                assert b.id not in boxes
                boxes[b.id] = b.ops
                if box is not None:
                    assert set(b.ops) < set(box.ops)  # strictly smaller: opening always ends
        for key, node in p.accounting.placement.items():
            if node.startswith("op_"):
                assert key not in drawn, (key, node, drawn.get(key))
                drawn[key] = node
    assert opened == set(boxes)
    total = {(sg.index, op.index) for sg in model.subgraphs for op in sg.operators}
    assert set(drawn) == total
    return len(boxes)


@pytest.mark.parametrize("max_nodes", [4, 8, 300])
def test_every_op_is_drawn_in_exactly_one_diagram_of_the_samples(max_nodes: int) -> None:
    for path in sample_models():
        _check_tree(tfl_inspect.load(path), max_nodes)


def test_every_op_is_drawn_in_exactly_one_diagram_of_the_thirdparty_models() -> None:
    models = thirdparty_models()
    if not models:
        pytest.skip("no third-party models: run python tests/fetch_models.py")
    counted = sum(_check_tree(tfl_inspect.load(p), 300) for p in models)
    assert counted > 50  # the MediaPipe models collapse into boxes at the default budget


def test_ops10k_opens_down_to_single_ops() -> None:
    if not OPS10K.is_file():
        pytest.skip(f"{OPS10K} missing: python benchmarks/make_models.py --only 10k")
    model = tfl_inspect.load(OPS10K)
    assert _check_tree(model, 300) > 24


def test_a_box_reads_in_its_surroundings() -> None:
    """The inside of a box shows what feeds it and what reads it, as the nodes that draw them outside."""
    model = tfl_inspect.load(sample("upsampling_static.tflite"))
    top = plan(model, max_nodes=8)
    sp = top.subgraphs[0]
    box = next(iter(sp.boxes.values()))
    p = inside(model, top, box, max_nodes=300)
    sg = model.subgraphs[0]
    own = set(box.ops)
    feeders = {sg.producer(t) for i in own for t in sg.operators[i].inputs if t >= 0} - own - {-1}
    readers = {c for i in own for t in sg.operators[i].outputs for c in sg.consumers(t)} - own
    expect = {sp.unit[o] for o in feeders | readers if o in sp.unit}
    assert {c.target for c in p.context.values()} == expect
    assert p.subgraphs[0].inputs == tuple(t for t in sg.inputs if any(c in own for c in sg.consumers(t)))


def test_findings_go_with_the_op_into_its_box(tmp_path: Path) -> None:
    model = tfl_inspect.load(sample("upsampling_static.tflite"))
    findings = tfl_inspect.lint(model)
    on_ops = {(f.subgraph, f.op): f.rule for f in findings if f.op is not None}
    assert on_ops
    for lv in levels(model, findings=findings, max_nodes=6):
        placed = lv.diagram.plan.accounting.placement
        source = lv.diagram.source
        for key, rule in on_ops.items():
            node = placed.get(key)
            if node is not None and node.startswith("op_"):
                line = next(x for x in source.splitlines() if x.strip().startswith(node + " ["))
                assert rule in line
        if lv.box is not None:
            assert "legend" not in source and "tooltip" not in source


def test_every_op_is_drawn_in_exactly_one_diagram_of_the_corpus() -> None:
    """Control flow, several subgraphs, variables, empty subgraphs: boxes everywhere at a budget of 8."""
    from tfl_inspect.errors import ModelFormatError

    from ..conftest import corpus_files, require_corpus

    require_corpus()
    checked = 0
    for path in corpus_files("litert"):
        try:
            model = tfl_inspect.load(path)
        except ModelFormatError:
            continue
        _check_tree(model, 8)
        checked += 1
    assert checked > 150
