"""`to_networkx`: one node per op, tensor and subgraph, operand slots on the edges."""

from __future__ import annotations

from pathlib import Path

import tfl_inspect
from tests.conftest import SAMPLES
from tfl_inspect.graph import op_id, subgraph_id, tensor_id


def test_nodes_and_edges_mirror_the_model() -> None:
    model = tfl_inspect.load(SAMPLES / "classifier_flatten.tflite")
    g = tfl_inspect.to_networkx(model)
    sg = model.subgraphs[0]
    kinds = [d["kind"] for _, d in g.nodes(data=True)]
    assert kinds.count("op") == len(sg.operators)
    assert kinds.count("tensor") == len(sg.tensors)
    assert kinds.count("subgraph") == 1
    for op in sg.operators:
        node = g.nodes[op_id(0, op.index)]
        assert node["opcode"] == op.opcode
        ins = sorted((d["slot"], u) for u, _, d in g.in_edges(op_id(0, op.index), data=True) if d["role"] == "input")
        assert [u for _, u in ins] == [tensor_id(0, t) for t in op.inputs if t >= 0]
        outs = [v for _, v, d in g.out_edges(op_id(0, op.index), data=True) if d["role"] == "output"]
        assert outs == [tensor_id(0, t) for t in op.outputs]
    t_in = g.nodes[tensor_id(0, sg.inputs[0])]
    assert t_in["graph_input"] and t_in["shape_signature"] == (-1, 32, 32, 3)
    assert t_in["signature_names"] and t_in["signature_names"][0][1] == "input"
    consts = [n for n, d in g.nodes(data=True) if d["kind"] == "tensor" and d["constant"]]
    assert consts and all(g.nodes[n]["bytes"] > 0 for n in consts)


def test_control_flow_edges_point_to_called_subgraphs(corpus: Path) -> None:
    model = tfl_inspect.load(corpus / "litert/tflite/testdata/nested_while.bin")
    g = tfl_inspect.to_networkx(model)
    calls = {(u, v) for u, v, d in g.edges(data=True) if d["role"] == "calls"}
    expected = {
        (op_id(sg.index, op.index), subgraph_id(target))
        for sg in model.subgraphs
        for op in sg.operators
        for _, target in op.called()
    }
    assert calls == expected and len(calls) >= 4
