"""Reductions over axes given as an operand (MEAN, SUM, REDUCE_*, ARG_MAX/ARG_MIN)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..types import PVal, Shape, ShapeError, Src
from .base import CannotInferError, OpContext, norm_axis, shape_fn

__all__ = ["reduce", "arg_min_max"]

_VALUE_REDUCE: dict[str, Any] = {"SUM": np.sum, "REDUCE_PROD": np.prod, "REDUCE_MAX": np.max, "REDUCE_MIN": np.min}


@shape_fn("MEAN", "SUM", "REDUCE_PROD", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_ANY", "REDUCE_ALL")
def reduce(ctx: OpContext) -> list[Shape]:
    """Reduced axes disappear, or stay as 1 with keep_dims; negative axes count from the end."""
    x = ctx.shape(0)
    rank = len(x)
    keep = bool(ctx.opts.get("keep_dims", False))
    axes = ctx.ints(1)
    if axes is None:
        n_axes = ctx.shape(1)
        if keep:
            return [(-1,) * rank]
        if len(n_axes) <= 1 and (n_axes[0] if n_axes else 1) >= 0:
            return [(-1,) * max(rank - (n_axes[0] if n_axes else 1), 0)]
        raise CannotInferError
    if rank == 0:
        return [()]
    if keep:
        hit = {a + rank if a < 0 else a for a in axes}
        out: Shape = tuple(1 if i in hit else d for i, d in enumerate(x))
    else:
        hit = {norm_axis(a, rank) for a in axes}
        out = tuple(d for i, d in enumerate(x) if i not in hit)
    v = ctx.value(0)
    fn = _VALUE_REDUCE.get(ctx.op.opcode)
    if v is not None and v.complete and fn is not None and v.data.dtype.kind in "iu":
        ctx.set_value(0, PVal.full(np.asarray(fn(v.data, axis=tuple(sorted(hit)), keepdims=keep))))
    elif v is not None and v.src is not None and ctx.op.opcode == "REDUCE_PROD" and out == ():
        # A run-time element count (Flatten's batch * rest): unknown, but where it comes from is known.
        srcs = v.sources()
        known = v.known_list()
        if any(s is not None for s in srcs):
            text = " * ".join(
                str(k) if k is not None else s.text if s is not None else "?" for k, s in zip(known, srcs, strict=True)
            )
            src = np.full(out, None, dtype=object)
            src[...] = Src.combine(text, *srcs)
            ctx.set_value(0, PVal(np.zeros(out, dtype=np.int64), np.zeros(out, dtype=bool), src))
    return [out]


@shape_fn("ARG_MAX", "ARG_MIN")
def arg_min_max(ctx: OpContext) -> list[Shape]:
    """The axis operand's dimension is removed."""
    x = ctx.shape(0)
    axis = ctx.scalar(1)
    if axis is None:
        return [(-1,) * max(len(x) - 1, 0)]
    if not x:
        raise ShapeError("needs an input of rank 1 or more, got a scalar")
    a = norm_axis(axis, len(x))
    return [tuple(d for i, d in enumerate(x) if i != a)]
