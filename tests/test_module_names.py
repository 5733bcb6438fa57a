"""Issue 21: every view that shows a scope names PyTorch-born models' layers as ``named_modules()`` does.

The ``*.modules.json`` sidecars of samples/torch hold the keys of ``dict(model.named_modules())``
of each module that litert-torch converted (written by samples/torch/generate.py from the real
module); a scope shown for such a model must be one of them (``""`` is the root module).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import ROOT
from tfl_inspect import naming
from tfl_inspect.exporters.dot_plan import plan
from tfl_inspect.exporters.html_report import ReportInput, report_data
from tfl_inspect.exporters.profile_json import profile_to_dict

TORCH = ROOT / "samples" / "torch"
SIDECARS = sorted(TORCH.glob("*.modules.json"))
TORCHVISION = [p for p in SIDECARS if p.name.startswith("tv_")]


def modules(sidecar: Path) -> set[str]:
    return set(json.loads(sidecar.read_text())["modules"])


def model_of(sidecar: Path) -> tfl_inspect.Model:
    return tfl_inspect.load(sidecar.with_name(sidecar.name.replace(".modules.json", ".tflite")))


def test_the_torchvision_fixtures_are_there() -> None:
    assert len(TORCHVISION) == 4


@pytest.mark.parametrize("sidecar", SIDECARS, ids=lambda p: p.name.split(".")[0])
def test_profile_scopes_are_module_names(sidecar: Path) -> None:
    model, known = model_of(sidecar), modules(sidecar)
    doc = profile_to_dict(tfl_inspect.profile(model))
    assert {o["scope"] for o in doc["operators"]} <= known
    assert {g["key"] for g in doc["by_scope"]} <= known
    # the raw name stays available beside the scope
    assert all(o["tensor_name"] == model.subgraphs[o["subgraph"]].tensors[
        model.subgraphs[o["subgraph"]].operators[o["index"]].outputs[0]].name for o in doc["operators"])  # fmt: skip


@pytest.mark.parametrize("sidecar", SIDECARS, ids=lambda p: p.name.split(".")[0])
def test_lint_locations_name_modules(sidecar: Path) -> None:
    model, known = model_of(sidecar), modules(sidecar)
    findings = tfl_inspect.lint(model)
    located = [f for f in findings if f.op is not None]
    for f in located:
        assert f.module in known, f
        assert f.to_dict()["module"] == f.module
        where = f.location()
        assert "torch.nn.modules" not in where and "torchvision." not in where, where
        assert (f"module '{f.module}'" if f.module else "the root module") in where


@pytest.mark.parametrize("sidecar", SIDECARS, ids=lambda p: p.name.split(".")[0])
def test_report_groups_are_module_names(sidecar: Path) -> None:
    model, known = model_of(sidecar), modules(sidecar)
    data = report_data(ReportInput(model))
    assert {op["scope"] for op in data["ops"]} <= known


@pytest.mark.parametrize("sidecar", TORCHVISION, ids=lambda p: p.name.split(".")[0])
def test_graph_boxes_are_titled_by_module_names(sidecar: Path) -> None:
    model, known = model_of(sidecar), modules(sidecar)
    titles = [b.title for sp in plan(model, max_nodes=40).subgraphs.values() for b in sp.boxes.values()]
    assert titles
    for title in titles:
        for part in title.split(" … "):
            assert part in known or part == "(root)", title


def test_every_op_of_a_litert_torch_model_is_placed_in_a_module() -> None:
    """An op whose output carries the signature's name is placed by its weights (the classifier's
    last Linear), or in the root module."""
    sidecar = TORCH / "tv_mobilenet_v3_small_float.modules.json"
    model, known = model_of(sidecar), modules(sidecar)
    sg = model.subgraphs[0]
    last = sg.operators[sg.producer(sg.outputs[0])]
    assert sg.tensors[last.outputs[0]].name == "serving_default_output_0_output"
    assert naming.op_layer(sg, last, "litert-torch").name == "classifier.3"
    assert {naming.op_layer(sg, op, "litert-torch").name for op in sg.operators} <= known


def test_diff_ranks_layers_by_module_name() -> None:
    pytest.importorskip("ai_edge_litert", reason="diff --run needs ai-edge-litert")
    sidecar = TORCH / "tv_mobilenet_v3_small_float.modules.json"
    a, b = sidecar.with_name("tv_mobilenet_v3_small_float.tflite"), TORCH / "tv_mobilenet_v3_small_fp16.tflite"
    report = tfl_inspect.diff(a, b, run=True)
    assert report.numeric is not None and report.numeric.tensors
    assert {e.scope for e in report.numeric.tensors} <= modules(sidecar)
