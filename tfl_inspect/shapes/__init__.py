"""Static shape inference: what shapes a model produces for given input shapes, and why not.

- :func:`infer_shapes` — every tensor's shape in one subgraph for the input shapes asked for
  (names: signature input name, tensor name or index), with the first failure if any.
- :func:`check_op` / :func:`check_ops` — violations judged from the recorded shapes alone
  (what lint's SHP001 reports).
- :func:`result_for` — the engine's cached result for a subgraph and input shapes, with the
  provenance (:class:`Src`) of every value element computed from a dim: what lint's DYN
  rules, ``shapes``, ``graph --input`` and the diagnosis all read.
- :func:`tfl_inspect.shapes.verify.verify` — the same question put to the LiteRT interpreter
  (imported lazily: needs ``ai-edge-litert``).

Shape functions live in :mod:`tfl_inspect.shapes.ops`, one per op family.
"""

from __future__ import annotations

from .engine import result_for
from .infer import check_op, check_ops, infer_shapes, outputs, parse_shape
from .ops import SHAPE_FNS, has_shape_fn
from .types import (
    OpCheck,
    PVal,
    Shape,
    ShapeError,
    ShapeFailure,
    ShapeResult,
    Src,
    TensorStatus,
    format_dims,
    format_shape,
)

__all__ = [
    "infer_shapes",
    "result_for",
    "outputs",
    "Src",
    "check_op",
    "check_ops",
    "parse_shape",
    "has_shape_fn",
    "SHAPE_FNS",
    "ShapeResult",
    "ShapeFailure",
    "ShapeError",
    "OpCheck",
    "PVal",
    "Shape",
    "TensorStatus",
    "format_dims",
    "format_shape",
]
