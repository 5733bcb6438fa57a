"""Inputs dynamic in name only: the sizes the engine says a model accepts are the ones LiteRT runs.

The oracle is LiteRT's interpreter in a child process (:func:`tfl_inspect.shapes.verify.run_batch`):
resized to the accepted sizes it allocates and invokes; resized to any other size it fails to
prepare the op the engine names; at the recorded shape it cannot even allocate.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import SAMPLES
from tfl_inspect.shapes.pinning import pinned

KEY = SAMPLES / "torch" / "key_upsample_skip_dynamic.tflite"
_NODE = re.compile(r"Node number (\d+) \((\w+)\) failed to prepare")


def test_the_key_fixture_accepts_64x48_only_and_the_upsample_pins_it() -> None:
    model = tfl_inspect.load(KEY)
    found = pinned(model, 0)
    assert found is not None
    sg = model.subgraphs[0]
    assert [(p.tensor, p.dim, p.sizes) for p in found.pins] == [(0, 2, (64,)), (0, 3, (48,))]
    assert {p.op for p in found.pins} == {6} and sg.operators[6].opcode == "CONCATENATION"
    assert {p.pinning_op for p in found.pins} == {5} and sg.operators[5].opcode == "RESIZE_NEAREST_NEIGHBOR"
    assert found.free == ((0, 0),)  # the batch does vary
    assert found.at_recorded_shape is not None and found.at_recorded_shape.op == 6
    assert found.unresolved is None


@pytest.mark.parametrize(
    "name",
    ["torch/dynamic_hw.tflite", "torch/dynamic_batch.tflite", "multi_io.tflite", "conv2d_transpose_dynamic.tflite"],
)
def test_dims_that_do_vary_are_not_pinned(name: str) -> None:
    """Truly dynamic models, and two inputs whose batches must agree (a coupling, not a pin)."""
    model = tfl_inspect.load(SAMPLES / name)
    assert all(pinned(model, sg.index) is None for sg in model.subgraphs)


def runs(path: Path, shapes: list[list[int] | None]) -> list[dict]:
    """LiteRT's report per input shape (None: allocate at the recorded shape, no resize)."""
    pytest.importorskip("ai_edge_litert", reason="the oracle is LiteRT's interpreter (ai-edge-litert)")
    from tfl_inspect.shapes.verify import run_batch

    model = tfl_inspect.load(path)
    sg = model.subgraphs[0]
    requests = [
        {
            "model": str(path),
            "subgraph": 0,
            "inputs": {} if shape is None else {str(sg.inputs[0]): shape},
            "graph_inputs": list(sg.inputs),
            "invoke": True,
        }
        for shape in shapes
    ]
    return run_batch(requests, timeout=60)


def failed_node(report: dict) -> tuple[int, str] | None:
    m = _NODE.search(report.get("error") or "")
    return (int(m.group(1)), m.group(2)) if m else None


def test_litert_runs_at_the_accepted_sizes_and_fails_at_the_op_we_name_elsewhere() -> None:
    model = tfl_inspect.load(KEY)
    found = pinned(model, 0)
    assert found is not None
    h, w = (p.sizes[0] for p in found.pins)
    op = found.pins[0].op
    accepted = [[1, 3, h, w], [3, 3, h, w], [8, 3, h, w]]
    others = [[1, 3, h // 2, w // 2], [2, 3, 2 * h, 2 * w], [1, 3, h, h], [1, 3, h + 1, w], [1, 3, h, w - 1]]
    reports = runs(KEY, [*accepted, *others, None])
    for shape, report in zip(accepted, reports, strict=False):
        assert report["stage"] == "ok" and report["invoked"], (shape, report)
    for shape, report in zip(others, reports[len(accepted) :], strict=False):
        assert report["stage"] == "allocate", (shape, report)
        assert failed_node(report) == (op, "CONCATENATION"), (shape, report["error"])
    recorded = reports[-1]  # allocate_tensors() before any resize
    assert recorded["stage"] == "allocate" and failed_node(recorded) == (op, "CONCATENATION")


def test_a_truly_dynamic_model_runs_at_sizes_the_engine_does_not_pin() -> None:
    path = SAMPLES / "torch" / "dynamic_hw.tflite"
    reports = runs(path, [[1, 3, 64, 48], [1, 3, 32, 32], [1, 3, 100, 20]])
    assert all(r["stage"] == "ok" for r in reports), reports
