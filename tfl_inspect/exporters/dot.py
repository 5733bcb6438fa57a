"""Graphviz diagrams of a model: ops as nodes, tensors as labelled edges, marks on top.

The public face of the diagram exporter. It is split by job:

- :mod:`.dot_plan` decides what is drawn (subgraphs, ops one by one, boxes, folded DEQUANTIZE),
- :mod:`.dot_marks` is the diagram's input besides the model: typed marks (findings, shape
  failures, colours, partitions) and the adapters that make them,
- :mod:`.dot_style` holds colours and the escaping of model text,
- :mod:`.dot_writer` writes the DOT document,
- :mod:`.dot_render` runs the system ``dot`` (with a timeout) and writes files.

The exporter draws what it is given: callers (the ``graph`` command, :func:`tfl_inspect.render`)
run lint or shape inference and pass the results as marks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import TflInspectError
from .dot_defaults import DEFAULT_DEPTH, DEFAULT_MAX_NODES, DEFAULT_TIMEOUT, FORMATS
from .dot_marks import Mark, ShapeOverlay, marks_from_findings, shape_overlay
from .dot_nest import nest
from .dot_plan import Accounting, Box, Plan, plan
from .dot_render import INSTALL_HINT, check_target, output_format, pipe, write
from .dot_writer import write_diagram

if TYPE_CHECKING:
    import graphviz  # type: ignore[import-untyped]

    from ..model import Model
    from ..rules.base import Finding

__all__ = [
    "DEFAULT_MAX_NODES",
    "DEFAULT_DEPTH",
    "DEFAULT_TIMEOUT",
    "FORMATS",
    "INSTALL_HINT",
    "Diagram",
    "Level",
    "levels",
    "iter_levels",
    "Mark",
    "ShapeOverlay",
    "marks_from_findings",
    "shape_overlay",
    "build",
    "to_dot",
    "accounting",
    "render",
    "pipe",
    "write",
    "check_target",
    "repr_svg",
    "output_format",
]

_REPR_MAX_NODES = 120
_REPR_TIMEOUT = 20.0


@dataclass(frozen=True, slots=True)
class Diagram:
    """A built diagram: the ``graphviz.Digraph`` and what it drew."""

    graph: graphviz.Digraph
    plan: Plan

    @property
    def source(self) -> str:
        return self.graph.source

    @property
    def accounting(self) -> Accounting:
        return self.plan.accounting


def build(
    model: Model,
    *,
    marks: Iterable[Mark] = (),
    findings: Iterable[Finding] | None = None,
    overlay: ShapeOverlay | None = None,
    subgraph: int | None = None,
    signature: str | None = None,
    show_constants: bool = False,
    show_dequantize: bool = False,
    tensor_names: bool = False,
    max_nodes: int = DEFAULT_MAX_NODES,
    focus: str | int | None = None,
    depth: int = DEFAULT_DEPTH,
    shapes: Mapping[tuple[int, int], Sequence[int]] | None = None,
    tooltips: bool = True,
) -> Diagram:
    """Build the diagram without running ``dot``.

    ``marks`` are drawn on the nodes they name; ``findings`` (lint results) are turned into marks
    by :func:`marks_from_findings`; ``overlay`` (from :func:`shape_overlay`) puts inferred shapes
    in the labels, each failing op's reason on its node and a verdict in the legend. ``shapes``
    maps (subgraph, tensor) to a shape that replaces ``shape_signature`` in labels (it wins over
    the overlay's). A DEQUANTIZE of a constant is folded into its reader unless
    ``show_dequantize``. Above ``max_nodes`` nodes, ops collapse into boxes.
    """
    p = plan(
        model,
        subgraph=subgraph,
        signature=signature,
        focus=focus,
        depth=depth,
        max_nodes=max_nodes,
        show_constants=show_constants,
        show_dequantize=show_dequantize,
    )
    drawn = list(marks)
    if findings is not None:
        drawn += marks_from_findings(findings)
    labels: dict[tuple[int, int], Sequence[int]] = {}
    notes: list[str] = []
    if overlay is not None:
        labels.update(overlay.shapes)
        drawn += overlay.marks
        notes.append(overlay.note)
    labels.update(shapes or {})
    graph = write_diagram(
        model, p, drawn, tensor_names=tensor_names, shapes=labels, depth=depth, notes=notes, tooltips=tooltips
    )
    return Diagram(graph, p)


@dataclass(frozen=True, slots=True)
class Level:
    """One diagram a viewer can open: the model's (``box`` None) or what a collapsed box holds.

    ``parent`` is the box whose diagram draws ``box`` (None when the model's diagram does).
    """

    box: Box | None
    parent: str | None
    diagram: Diagram


def _marks_inside(model: Model, marks: Sequence[Mark], p: Plan) -> list[Mark]:
    """The marks on ops (or tensors of ops) a box's plan draws; model-level marks stay with the model."""
    placed = p.accounting.placement
    out = []
    for m in marks:
        s = m.subgraph
        if s is None or s not in p.subgraphs:
            continue
        if m.op is not None:
            if (s, m.op) in placed:
                out.append(m)
        elif m.tensor is not None:
            sg = model.subgraphs[s]
            if any((s, i) in placed for i in (sg.producer(m.tensor), *sg.consumers(m.tensor))):
                out.append(m)
    return out


def iter_levels(
    model: Model,
    *,
    marks: Iterable[Mark] = (),
    findings: Iterable[Finding] | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> Iterator[Level]:
    """The model's diagram and, breadth first, the diagram of every box in it (boxes in boxes too).

    Every op is drawn in exactly one of them (or folded into an op drawn there): what a page
    needs to open any box in place of the picture and find any op. Without tooltips: the page
    shows an op's details when it is clicked. A generator, so that layout can start early.
    """
    drawn = list(marks)
    if findings is not None:
        drawn += marks_from_findings(findings)
    top = build(model, marks=drawn, max_nodes=max_nodes, tooltips=False)
    yield Level(None, None, top)
    for opened in nest(model, top.plan, max_nodes=max_nodes):
        graph = write_diagram(model, opened.plan, _marks_inside(model, drawn, opened.plan), tooltips=False)
        yield Level(opened.box, opened.parent, Diagram(graph, opened.plan))


def levels(model: Model, **options: Any) -> list[Level]:
    """:func:`iter_levels` as a list."""
    return list(iter_levels(model, **options))


def to_dot(model: Model, **options: object) -> str:
    """The DOT source of :func:`build`."""
    return build(model, **options).source  # type: ignore[arg-type]


def accounting(model: Model, **options: object) -> Accounting:
    """Where each op goes (drawn, boxed, folded, hidden) with these options."""
    return build(model, **options).accounting  # type: ignore[arg-type]


def render(
    model: Model,
    path: str | Path,
    *,
    format: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    **options: object,
) -> Path:
    """Draw ``model`` into ``path`` (.svg/.png/.pdf/.dot); options as for :func:`build`."""
    target = Path(path)
    fmt = output_format(target, format)
    check_target(target)
    source = build(model, **options).source  # type: ignore[arg-type]
    data = source.encode("utf-8") if fmt == "dot" else pipe(source, fmt, timeout=timeout)
    return write(target, data)


def repr_svg(model: Model) -> str | None:
    """SVG for notebooks (collapsed to a small budget); None when Graphviz is unavailable."""
    try:
        source = build(model, max_nodes=_REPR_MAX_NODES).source
        return pipe(source, "svg", timeout=_REPR_TIMEOUT).decode("utf-8")
    except TflInspectError:
        return None
