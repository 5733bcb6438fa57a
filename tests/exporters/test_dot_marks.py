"""Marks are the diagram's input: adapters from lint findings and from a shape result."""

from __future__ import annotations

import tfl_inspect
from tests.conftest import sample
from tfl_inspect.exporters.dot_marks import Mark, marks_from_findings, shape_overlay, worst
from tfl_inspect.rules.base import Severity


def test_findings_become_marks_with_their_rule_severity_and_place() -> None:
    model = tfl_inspect.load(sample("upsampling_static.tflite"))
    findings = tfl_inspect.lint(model)
    marks = marks_from_findings(findings)
    assert len(marks) == len(findings) > 0
    for f, m in zip(findings, marks, strict=True):
        assert (m.subgraph, m.op, m.tensor, m.related) == (f.subgraph, f.op, f.tensor, tuple(f.related))
        assert m.severity is f.severity and m.label == f.rule and m.kind == "finding"
        assert m.tooltip == f"{f.rule} ({f.severity.value}): {f.message}"


def test_a_shape_failure_becomes_a_mark_with_its_reason_and_the_shapes_become_labels() -> None:
    model = tfl_inspect.load(sample("classifier_flatten.tflite"))
    result = tfl_inspect.infer_shapes(model, inputs={"image": "1x64x64x3"})
    overlay = shape_overlay(result, "image=1x64x64x3")
    (m,) = overlay.marks
    assert (m.subgraph, m.op, m.kind, m.severity) == (0, 5, "shape", Severity.ERROR)
    assert m.label.startswith("cannot reshape") and not m.label.startswith("RESHAPE")
    assert result.failures[0].text in m.tooltip
    assert overlay.shapes[(0, 0)] == (1, 64, 64, 3)
    assert overlay.note == "shapes inferred for image=1x64x64x3: they fail at op #5"


def test_shapes_that_fit_make_no_marks() -> None:
    model = tfl_inspect.load(sample("classifier_flatten.tflite"))
    overlay = shape_overlay(tfl_inspect.infer_shapes(model, inputs={"image": "8x32x32x3"}), "image=8x32x32x3")
    assert overlay.marks == () and overlay.note.endswith("they fit")


def test_worst_ignores_marks_that_are_not_problems() -> None:
    assert worst([]) is None
    assert worst([Mark(0, op=1, heat=0.5)]) is None
    marks = [Mark(0, severity=Severity.INFO), Mark(0, heat=1.0), Mark(0, severity=Severity.WARNING)]
    assert worst(marks) is Severity.WARNING
