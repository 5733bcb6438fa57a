"""What a diagram draws on top of the model: typed marks, and the small adapters that make them.

The diagram exporter never runs lint or shape inference and never guesses what an object is:
the command (or API caller) runs what it wants and hands over :class:`Mark` records. A mark
pins a label, a tooltip and a severity to an op or a tensor; it can also carry a fill colour or
a heat value (for ``--color macs|memory`` style overlays) and a cluster id (delegate partitions),
so later overlays reuse the same path instead of adding parameters to the writer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only typed here: importing rules.base loads every rule family
    from ..compare.report import DiffReport
    from ..rules.base import Finding, Severity
    from ..shapes.types import ShapeResult

__all__ = ["Mark", "ShapeOverlay", "marks_from_findings", "marks_from_diff", "shape_overlay", "worst"]


@dataclass(frozen=True, slots=True)
class Mark:
    """One thing to draw on an op or a tensor of one subgraph.

    ``subgraph`` None (or an op/tensor the diagram cannot place) makes it model-level: listed in
    the legend. ``severity`` None means "not a problem" (a colour or a cluster only). ``label`` is
    shown on the node (short: a rule id; or a reason, wrapped), ``tooltip`` is the full text.
    ``kind`` groups marks in the legend (``finding``, ``shape``...). ``fill`` (a colour) or ``heat``
    (0..1, drawn on a white→red scale) replaces the dtype fill; ops sharing a ``cluster`` are
    outlined together. ``related`` (subgraph, op) pairs get a dashed border.
    """

    subgraph: int | None
    op: int | None = None
    tensor: int | None = None
    severity: Severity | None = None
    label: str = ""
    tooltip: str = ""
    kind: str = "finding"
    fill: str | None = None
    heat: float | None = None
    cluster: str | None = None
    related: tuple[tuple[int, int], ...] = ()


def worst(marks: Iterable[Mark]) -> Severity | None:
    """The highest severity among ``marks`` (None when none of them is a problem)."""
    found = [m.severity for m in marks if m.severity is not None]
    return max(found) if found else None


def marks_from_findings(findings: Iterable[Finding]) -> list[Mark]:
    """Lint findings as marks: the rule id on the node, the message in the tooltip."""
    return [
        Mark(
            subgraph=f.subgraph,
            op=f.op,
            tensor=f.tensor,
            severity=f.severity,
            label=f.rule,
            tooltip=f"{f.rule} ({f.severity.value}): {f.message}",
            kind="finding",
            related=tuple(f.related),
        )
        for f in findings
    ]


# What changed, as fills: structure first, then (with numbers) the output's SQNR in dB.
_CHANGE_FILL = {"removed": "#f4a3a3", "changed": "#ffd08a", "added": "#b7e4b0"}


def _sqnr_fill(db: float) -> str:
    return "#b7e4b0" if db >= 40 else "#ffe08a" if db >= 20 else "#f4a3a3"


def marks_from_diff(report: DiffReport, other: str) -> list[Mark]:
    """Model A's ops filled by :func:`tfl_inspect.compare.diff_marks`: removed or changed in ``other``
    (B), or with numbers the SQNR of their output (green ≥ 40 dB, yellow ≥ 20 dB, red below)."""
    from ..compare import diff_marks

    s = report.alignment.subgraphs[0]
    out = []
    for op, mark in diff_marks(report)["a"].items():
        if isinstance(mark, str):
            out.append(Mark(subgraph=s, op=op, fill=_CHANGE_FILL[mark], tooltip=f"{mark} in {other}", kind="diff"))
        else:
            out.append(
                Mark(subgraph=s, op=op, fill=_sqnr_fill(mark), tooltip=f"output SQNR {mark:.1f} dB", kind="diff")
            )
    return out


@dataclass(frozen=True, slots=True)
class ShapeOverlay:
    """A shape-inference result as diagram input: shapes for labels, marks for failing ops, a note."""

    shapes: Mapping[tuple[int, int], Sequence[int]]
    marks: tuple[Mark, ...]
    note: str


def shape_overlay(result: ShapeResult, given: str) -> ShapeOverlay:
    """Inferred shapes replace recorded ones in labels; each failing op gets its reason on the node.

    ``given`` is how the user wrote the input shapes (``image=1x64x64x3``), for the legend.
    """
    from ..rules.base import Severity  # inference ran already: this import costs nothing extra

    s = result.subgraph
    shapes = {
        (s, t): shape for t, shape in enumerate(result.shapes) if shape is not None and result.status[t] != "constant"
    }
    marks = []
    for f in result.failures:
        prefix = f"{f.opcode} #{f.op} "
        reason = f.message[len(prefix) :] if f.message.startswith(prefix) else f.message
        marks.append(
            Mark(
                subgraph=f.subgraph,
                op=f.op,
                severity=Severity.ERROR if f.runtime_checks else Severity.WARNING,
                label=reason,
                tooltip=f"shapes: {f.text}"
                + ("" if f.runtime_checks else " (LiteRT does not check this: wrong results, no error)"),
                kind="shape",
            )
        )
    verdict = "fit" if result.ok else f"fail at op #{result.failures[0].op}"
    return ShapeOverlay(shapes, tuple(marks), f"shapes inferred for {given}: they {verdict}")
