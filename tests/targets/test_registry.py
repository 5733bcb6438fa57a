"""Targets are registered objects: a new one is a module and a registry line, and every listing shows it."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import tfl_inspect
from tests.conftest import run_cli, sample
from tfl_inspect.commands.schema import document
from tfl_inspect.model import Subgraph
from tfl_inspect.schemas import load as load_schema
from tfl_inspect.targets import Target, TargetOption, compat, names, register
from tfl_inspect.targets.base import SubgraphCheck
from tfl_inspect.targets.policies import EverySupportedRun
from tfl_inspect.targets.reasons import Reject
from tfl_inspect.targets.registry import unregister


class Toy(Target):
    """Takes every op but CONV_2D, in as many partitions as that leaves."""

    name = "toyacc"
    title = "Toy accelerator"
    source = "tests/targets/test_registry.py"
    summary = "a target made up by a test"
    options = (TargetOption("toy_lanes", "--toy-lanes", "N", "lanes of the toy accelerator", default=4, minimum=1),)
    policy = EverySupportedRun()

    def check_subgraph(self, sg: Subgraph, options: Mapping[str, Any]) -> SubgraphCheck:
        check = SubgraphCheck()
        for op in sg.operators:
            if op.builtin == "CONV_2D":
                check.rejected[op.index] = Reject("UNSUPPORTED_OPERATOR", f"{options['toy_lanes']} lanes, no CONV_2D")
            else:
                check.taken.add(op.index)
        return check


@pytest.fixture
def toy() -> Iterator[Toy]:
    target = register(Toy())
    try:
        yield target
    finally:
        unregister(target.name)


def test_builtin_targets_and_their_order() -> None:
    npus = ("qualcomm", "intel", "mediatek", "google-tensor")
    assert names() == ("xnnpack", "gpu", "gpu-classic", "tflm", "edgetpu", "nnapi", *npus)


def test_a_registered_target_is_in_compat_help_and_takes_its_option(toy: Toy) -> None:
    r = run_cli("compat", "--help")
    assert r.code == 0 and "toyacc" in r.out and "Toy accelerator" in r.out and "--toy-lanes" in r.out
    r = run_cli("compat", sample("upsampling_static.tflite"), "-t", "toyacc", "--toy-lanes", "8", "--ops")
    assert r.code == 0, r.err
    assert "Toy accelerator" in r.out and "8 lanes, no CONV_2D" in r.out
    r = run_cli("compat", sample("upsampling_static.tflite"), "-t", "toyacc", "--toy-lanes", "0")
    assert r.code == 2 and "--toy-lanes must be ≥ 1" in r.err


def test_a_registered_target_is_in_the_schema_and_the_json(toy: Toy, tmp_path: Path) -> None:
    schema = json.loads(document("compat"))
    assert "toyacc" in schema["properties"]["targets"]["propertyNames"]["enum"]
    assert "toy_lanes" in schema["properties"]["options"]["required"]
    r = run_cli("compat", sample("upsampling_static.tflite"), "--format", "json")
    doc = json.loads(r.out)
    jsonschema.validate(doc, schema)
    assert doc["options"]["toy_lanes"] == 4 and doc["targets"]["toyacc"]["title"] == "Toy accelerator"
    with pytest.raises(jsonschema.ValidationError):  # the shipped schema knows only the built-in targets
        jsonschema.validate(doc, load_schema("compat"))


def test_a_registered_target_works_with_lint_and_graph(toy: Toy) -> None:
    r = run_cli("lint", sample("upsampling_static.tflite"), "--target", "toyacc", "--select", "CMP", "--format", "json")
    findings = json.loads(r.out)["findings"]
    assert r.code == 1 and [f["rule"] for f in findings] == ["CMP001"]
    assert "Toy accelerator" in findings[0]["message"] and findings[0]["opcode"] == "CONV_2D"
    r = run_cli("lint", "--help")
    assert "toyacc" in r.out and "--toy-lanes" in r.out
    r = run_cli("rules", "CMP001")
    assert r.code == 0
    from tfl_inspect.rules.base import FAMILY

    assert "toyacc" in FAMILY["CMP"].description


def test_a_registered_target_is_in_the_report(toy: Toy, tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    r = run_cli("report", sample("upsampling_static.tflite"), "-o", out, "--no-graph")
    assert r.code == 0, r.err
    assert "<td>toyacc</td>" in out.read_text(encoding="utf-8")


def test_shipped_compat_schema_is_the_generated_one() -> None:
    assert json.loads(document("compat")) == load_schema("compat")


def test_unknown_options_and_names_are_usage_errors() -> None:
    model = tfl_inspect.load(sample("dense_float32.tflite"))
    with pytest.raises(tfl_inspect.errors.UsageError, match="known options are"):
        compat(model, no_such_option=1)
    with pytest.raises(tfl_inspect.errors.UsageError, match="known targets are xnnpack"):
        compat(model, targets="nope")
    with pytest.raises(ValueError, match="already registered"):
        register(Toy()) and register(Toy())
    unregister("toyacc")


def test_loads_whole_comes_from_the_policy() -> None:
    report = compat(tfl_inspect.load(sample("upsampling_static.tflite")), targets="tflm,xnnpack")
    assert report.targets["tflm"].loads_whole and not report.targets["xnnpack"].loads_whole
