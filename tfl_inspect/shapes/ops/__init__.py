"""Shape functions, one per op family, registered by builtin opcode name.

Importing this package registers every family; :data:`SHAPE_FNS` maps an opcode to its shape function.
"""

from __future__ import annotations

from . import conv, elementwise, layout, recurrent, reduce, slicing, state  # noqa: F401 - registration
from .base import SHAPE_FNS, CannotInferError, OpContext, ShapeFn, has_shape_fn, shape_fn

__all__ = ["SHAPE_FNS", "OpContext", "CannotInferError", "has_shape_fn", "shape_fn", "ShapeFn"]
