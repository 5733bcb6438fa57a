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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import TflInspectError
from .dot_defaults import DEFAULT_DEPTH, DEFAULT_MAX_NODES, DEFAULT_TIMEOUT, FORMATS
from .dot_marks import Mark, ShapeOverlay, marks_from_findings, shape_overlay
from .dot_plan import Accounting, Plan, plan
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
    graph = write_diagram(model, p, drawn, tensor_names=tensor_names, shapes=labels, depth=depth, notes=notes)
    return Diagram(graph, p)


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
