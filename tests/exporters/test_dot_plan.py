"""What a diagram draws: folded DEQUANTIZE, block boundaries, box titles, focus reachability."""

from __future__ import annotations

import networkx as nx
import pytest

import tfl_inspect
from tests.conftest import ROOT, corpus_files, sample, sample_models, thirdparty_models
from tfl_inspect.errors import ModelFormatError
from tfl_inspect.exporters import dot_plan
from tfl_inspect.exporters.dot_plan import layer_name, plan
from tfl_inspect.graph import op_graph

OPS10K = ROOT / "benchmarks" / "models" / "ops10k.tflite"


def readable(paths: list) -> list[tfl_inspect.Model]:
    out = []
    for p in paths:
        try:
            out.append(tfl_inspect.load(p))
        except ModelFormatError:
            continue
    return out


def test_dequantize_of_a_constant_folds_into_its_reader_unless_asked() -> None:
    model = tfl_inspect.load(sample("dense_float16.tflite"))
    p = plan(model)
    sp = p.subgraphs[0]
    assert sp.folded == {0: 3, 1: 2}  # the two float16 weights, read by the two FULLY_CONNECTED
    assert sp.ops == (2, 3, 4)
    acc = p.accounting
    assert acc.complete and acc.folded_ops == 2 and acc.drawn_ops == 3
    assert acc.placement[(0, 0)] == "op_0_3" and acc.placement[(0, 1)] == "op_0_2"
    shown = plan(model, show_dequantize=True)
    assert shown.subgraphs[0].folded == {} and shown.accounting.drawn_ops == 5 and shown.accounting.complete


def test_only_dequantize_of_constants_with_a_reader_fold() -> None:
    for model in readable(sample_models() + corpus_files("litert") + thirdparty_models()):
        for sg in model.subgraphs:
            folded = dot_plan._foldable(sg)
            for d, reader in folded.items():
                op = sg.operators[d]
                assert op.builtin in ("DEQUANTIZE", "DENSIFY") and op.outputs[0] not in sg.outputs
                source = sg.producer(op.inputs[0])
                assert sg.tensors[op.inputs[0]].is_constant or sg.operators[source].builtin == "DENSIFY"
                first = sg.consumers(op.outputs[0])[0]
                assert reader == folded.get(first, first) and reader not in folded


def test_widths_count_the_tensors_flowing_past_each_op() -> None:
    models = readable(sample_models() + corpus_files("litert") + thirdparty_models())
    checked = 0
    for model in models:
        for sg in model.subgraphs:
            sp = plan(model, subgraph=sg.index).subgraphs[sg.index]
            widths = dot_plan._widths(sg, sp)
            visible = set(sp.ops)
            for i in range(len(sg.operators)):
                past = {
                    t
                    for t in range(len(sg.tensors))
                    if sg.consumers(t)
                    and sg.consumers(t)[-1] > i
                    and ((sg.producer(t) in visible and sg.producer(t) <= i) or t in sg.inputs)
                }
                assert widths[i] == len(past), (model.source, sg.index, i)
                checked += 1
            if checked > 3000:
                return
    # Fewer than 3000 ops in all (the samples alone: no corpus, no third-party models): every op was checked.
    assert checked == sum(len(sg.operators) for model in models for sg in model.subgraphs) > 50


@pytest.mark.parametrize(
    ("name", "layer"),
    [
        ("model/block_3/conv/Conv2D", "model/block_3/conv"),
        ("functional_1/dense_1/MatMul;functional_1/dense_1/Relu", "functional_1/dense_1"),
        ("conv2d_21", "conv2d_21"),
        ("add_17__xeno_compat__1", "add_17"),
        ("serving_default_x:0", "serving_default_x"),
        (
            "torchvision.models.resnet.ResNet/torch.nn.modules.container.Sequential_layer1/"
            "torchvision.models.resnet.BasicBlock_0/torch.nn.modules.activation.ReLU_relu;",
            "layer1.0.relu",
        ),
    ],
)
def test_layer_names(name: str, layer: str) -> None:
    assert layer_name(name) == layer


def _boxes(model: tfl_inspect.Model, max_nodes: int) -> list[tuple[tfl_inspect.Subgraph, dot_plan.Box]]:
    p = plan(model, max_nodes=max_nodes)
    return [(model.subgraphs[s], box) for s, sp in p.subgraphs.items() for box in sp.boxes.values()]


def test_boxes_are_named_after_layers_never_op_ranges() -> None:
    extra = thirdparty_models()
    if not extra and not OPS10K.exists():
        pytest.skip("the samples make too few boxes: needs tests/fetch_models.py or benchmarks/models/ops10k.tflite")
    models = readable(sample_models() + extra)
    if OPS10K.exists():
        models.append(tfl_inspect.load(OPS10K))
    seen = 0
    for model in models:
        for sg, box in _boxes(model, max_nodes=12):
            seen += 1
            assert "ops #" not in box.title and "#" not in box.title
            ops_names = {layer_name(dot_plan._op_name(sg, i)) for i in box.ops} | {
                sg.operators[i].opcode for i in box.ops
            }
            for part in box.title.split(" … "):
                # a shared namespace is a prefix of the ops' layers; a run is named by its first/last layer
                assert any(n == part or n.startswith(part + "/") for n in ops_names), (box.title, ops_names)
    assert seen > 5


def test_flat_keras_names_become_runs_of_whole_blocks_one_branch_each() -> None:
    big = [m for m in readable(thirdparty_models()) if sum(len(sg.operators) for sg in m.subgraphs) > 500]
    if not big:
        pytest.skip("no third-party model over 500 ops (tests/fetch_models.py)")
    for model in big:
        p = plan(model)
        sp = p.subgraphs[0]
        assert p.accounting.complete and p.accounting.nodes <= 300
        assert 8 <= len(sp.boxes) and p.accounting.nodes < len(sp.ops) / 2  # far fewer nodes than ops
        g = op_graph(model, 0)
        for box in sp.boxes.values():  # a box never mixes parallel branches
            assert nx.is_weakly_connected(g.subgraph(box.ops)), box.title
        whole = plan(model, max_nodes=100_000).subgraphs[0]
        widths = dot_plan._widths(model.subgraphs[0], whole)
        runs = dot_plan._chunk([[i] for i in whole.ops], dot_plan._MAX_RUNS, widths)
        assert len(runs) <= dot_plan._MAX_RUNS and sorted(i for r in runs for i in r) == list(whole.ops)
        ends = [max(r) for r in runs[:-1]]  # the last run ends where the model does
        # runs end where the data flow is narrow: fewer tensors flow past their ends than on average
        assert sum(widths[e] for e in ends) / len(ends) < sum(widths[i] for i in whole.ops) / len(whole.ops)


def test_focus_is_the_undirected_neighbourhood_in_the_op_graph() -> None:
    model = tfl_inspect.load(sample("upsampling_static.tflite"))
    undirected = op_graph(model, 0).to_undirected()
    for depth in (0, 1, 2):
        p = plan(model, focus=5, depth=depth)
        sp = p.subgraphs[0]
        near = nx.single_source_shortest_path_length(undirected, 5, cutoff=depth)
        assert set(sp.ops) | set(sp.folded) == set(near)
        assert p.accounting.complete


def test_hidden_ops_upstream_of_the_focus_are_told_apart() -> None:
    model = tfl_inspect.load(sample("upsampling_static.tflite"))
    g = op_graph(model, 0)
    sp = plan(model, focus=10, depth=1).subgraphs[0]
    shown = set(sp.ops)
    assert sp.hidden_at
    hidden = g.subgraph(sp.hidden_at)
    for i, marker in sp.hidden_at.items():
        # upstream: a path of hidden ops from i ends next to a drawn op
        reach = nx.descendants(hidden, i) | {i}
        feeds_drawn = any(j in shown for k in reach for j in g.successors(k))
        assert feeds_drawn == marker.endswith("_0"), (i, marker)
