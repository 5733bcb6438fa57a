"""The Model Explorer overlay uses the node ids Model Explorer's own adapter gives the same file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import sample
from tfl_inspect import load
from tfl_inspect.diff import diff, diff_marks
from tfl_inspect.exporters.diff_overlay import overlay

ADAPTER = """
import json, sys
import ai_edge_model_explorer_adapter as me
graphs = json.loads(me.ConvertFlatbufferDirectlyToJson(me.VisualizeConfig(), sys.argv[1]))[0]["subgraphs"]
out = {}
for g in graphs:
    nodes = out.setdefault(g["id"], {})
    for n in g["nodes"]:
        idx = [int(a["value"]) for m in n.get("outputsMetadata", []) for a in m["attrs"] if a["key"] == "tensor_index"]
        nodes[n["id"]] = {"label": n["label"], "outputs": idx}
print(json.dumps(out))
"""


def _adapter_nodes(path: Path) -> dict[str, dict[str, dict]]:
    """Run the adapter in a child process (it is C++ and logs to stderr)."""
    proc = subprocess.run([sys.executable, "-c", ADAPTER, str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("side", ["a", "b"])
def test_overlay_keys_are_model_explorer_node_ids(side: str) -> None:
    pytest.importorskip("ai_edge_model_explorer_adapter")
    pytest.importorskip("ai_edge_litert")
    a, b = sample("dense_float32.tflite"), sample("dense_int8_float_io.tflite")
    report = diff(a, b, run=True, samples=2)
    path = a if side == "a" else b
    data = overlay(report, load(path), side)
    nodes = _adapter_nodes(path)
    assert set(data) <= set(nodes)
    (graph,) = data
    results = data[graph]["results"]
    assert results
    assert report.numeric is not None
    for e in report.numeric.tensors:
        op = e.a_op if side == "a" else e.b_op
        if op is None or str(op) not in results:
            continue
        node = nodes[graph][str(op)]
        # The node with that id is the op that writes the measured tensor.
        assert (e.a_tensor if side == "a" else e.b_tensor) in node["outputs"], (e.name, node)


def test_diff_marks_for_graph_colouring() -> None:
    a, b = sample("dense_float32.tflite"), sample("dense_int8_float_io.tflite")
    marks = diff_marks(diff(a, b))
    mb = load(b).subgraphs[0]
    added = {i for i, m in marks["b"].items() if m == "added"}
    assert {mb.operators[i].opcode for i in added} == {"QUANTIZE", "DEQUANTIZE"}
    assert set(marks["a"].values()) <= {"changed", "removed"}
    pytest.importorskip("ai_edge_litert")
    numeric = diff_marks(diff(a, b, run=True))
    assert any(isinstance(v, float) for v in numeric["b"].values())
    assert {i for i, m in numeric["b"].items() if m == "added"} == added
