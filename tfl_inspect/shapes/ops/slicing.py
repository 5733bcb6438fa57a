"""Slicing, gathering, splitting and joining: the ops shape vectors flow through.

STRIDED_SLICE follows LiteRT's kernel exactly (masks, ellipsis, new axes, ``offset``)
because ``SHAPE → STRIDED_SLICE`` is where run-time shapes come from.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from ..types import PVal, Shape, ShapeError
from .base import CannotInferError, OpContext, dims, fmt, norm_axis, shape_fn, unknown_dims

__all__ = [
    "SlicePlan",
    "plan_strided_slice",
    "strided_slice",
    "slice_op",
    "gather",
    "gather_nd",
    "split",
    "split_v",
    "pack",
    "unpack",
    "concatenation",
    "topk",
    "embedding_lookup",
    "one_hot",
    "scatter_nd",
]


def _clamp(v: int, lo: int, hi: int) -> int:
    return lo if v < lo else hi if v > hi else v


@dataclass(frozen=True, slots=True)
class SlicePlan:
    """A strided slice resolved against one input shape (LiteRT's effective params)."""

    effective_shape: tuple[int, ...]  # input shape with the new axes inserted
    starts: tuple[int, ...]
    stops: tuple[int, ...]
    strides: tuple[int, ...]
    shrink: tuple[bool, ...]
    out_shape: Shape

    def indices(self) -> list[list[int]] | None:
        """Per effective axis, the input positions the kernel reads (None if out of range)."""
        out = []
        for size, a, b, s, shrink in zip(
            self.effective_shape, self.starts, self.stops, self.strides, self.shrink, strict=True
        ):
            idx = [a] if shrink else list(range(a, b, s))
            if any(not 0 <= i < size for i in idx):
                return None
            out.append(idx)
        return out


def _bit(mask: int, i: int) -> bool:
    return bool((mask >> i) & 1) if 0 <= i < 63 else False


def plan_strided_slice(
    in_shape: Shape,
    begin: list[int],
    end: list[int],
    strides: list[int],
    *,
    begin_mask: int = 0,
    end_mask: int = 0,
    ellipsis_mask: int = 0,
    new_axis_mask: int = 0,
    shrink_axis_mask: int = 0,
    offset: bool = False,
) -> SlicePlan:
    """Port of LiteRT ``BuildStridedSliceParams`` + ``ResizeOutputTensor`` (strided_slice.cc).

    Unknown input dims (-1) give unknown output dims. Raises ShapeError for a zero stride.
    """
    n_begin = len(begin)
    rank = len(in_shape)
    num_add_axis = sum(1 for i in range(n_begin) if not _bit(ellipsis_mask, i) and _bit(new_axis_mask, i))
    eff_dims = rank + num_add_axis
    eff_ellipsis = eff_new = 0
    ellipsis_start = eff_dims
    expanded = 0
    i = 0
    while i < eff_dims:
        if _bit(ellipsis_mask, i):
            ellipsis_start = i
            ellipsis_end = max(i + 1, min(i + 1 + num_add_axis + rank - n_begin, eff_dims))
            expanded = ellipsis_end - ellipsis_start - 1
            while i < ellipsis_end:
                eff_ellipsis |= 1 << i
                i += 1
            continue
        if _bit(new_axis_mask, i - expanded):
            eff_new |= 1 << i
        i += 1

    shape = [0] * eff_dims
    starts = [0] * eff_dims
    stops = [0] * eff_dims
    strd = [1] * eff_dims
    bmask = emask = smask = 0
    added_ellipsis = added_axes = 0
    for i in range(eff_dims):
        if _bit(eff_ellipsis, i):
            added_ellipsis = max(0, i - ellipsis_start)
            bmask |= 1 << i
            emask |= 1 << i
            shape[i] = in_shape[i - added_axes]
        elif _bit(eff_new, i):
            stops[i] = 1
            shape[i] = 1
            added_axes += 1
        elif i >= n_begin + expanded:
            bmask |= 1 << i
            emask |= 1 << i
            shape[i] = in_shape[i - added_axes]
        else:
            orig = i - added_ellipsis
            starts[i] = begin[orig]
            stops[i] = end[orig]
            strd[i] = strides[orig]
            if _bit(begin_mask, orig):
                bmask |= 1 << i
            if _bit(end_mask, orig):
                emask |= 1 << i
            if _bit(shrink_axis_mask, orig):
                smask |= 1 << i
            shape[i] = in_shape[i - added_axes]

    real_starts, real_stops, out = [], [], []
    for i in range(eff_dims):
        stride, size = strd[i], shape[i]
        if stride == 0:
            raise ShapeError("stride value has to be non-zero")
        shrink = _bit(smask, i)
        # StartForAxis / EndForAxis (reference_ops, DynamicStridedSliceParams).
        start = starts[i]
        if size >= 0:
            if start < 0:
                start += size
            start = _clamp(start, 0, size) if stride > 0 else _clamp(start, -1, size - 1)
            if _bit(bmask, i):
                start = 0 if stride > 0 else size - 1
            if shrink:
                stop = start if start >= size else start + 1
            else:
                stop = stops[i] + (start if offset else 0)
                if stop < 0:
                    stop += size
                stop = _clamp(stop, 0, size) if stride > 0 else _clamp(stop, -1, size - 1)
                if _bit(emask, i):
                    stop = size if stride > 0 else -1
        else:
            stop = start
        real_starts.append(start)
        real_stops.append(stop)
        if shrink:
            continue
        if offset:
            span = end[i] if i < len(end) else size
        elif size < 0:
            out.append(-1)
            continue
        else:
            span = stop - start
        if (span < 0) != (stride < 0):
            n = 0
        elif stride < 0:
            n = (span + 1) // stride + 1
        else:
            n = 0 if span == 0 else (span - 1) // stride + 1
        out.append(n)
    return SlicePlan(
        tuple(shape),
        tuple(real_starts),
        tuple(real_stops),
        tuple(strd),
        tuple(_bit(smask, i) for i in range(eff_dims)),
        tuple(out),
    )


@shape_fn("STRIDED_SLICE")
def strided_slice(ctx: OpContext) -> list[Shape]:
    x = ctx.shape(0)
    o = ctx.opts
    shrink_mask = int(o.get("shrink_axis_mask", 0) or 0)
    begin, end, strides = ctx.ints(1), ctx.ints(2), ctx.ints(3)
    if strides is None or end is None or begin is None:
        n = ctx.shape(1)
        if len(n) != 1 or n[0] < 0 or int(o.get("ellipsis_mask", 0) or 0):
            raise CannotInferError
        new = int(o.get("new_axis_mask", 0) or 0)
        axes = range(min(n[0], 63))  # _bit is False past bit 62: a huge begin length must not loop
        rank = len(x) + sum(_bit(new, i) for i in axes) - sum(_bit(shrink_mask, i) for i in axes)
        return [(-1,) * rank]
    if len(begin) != len(end) or len(begin) != len(strides):
        raise ShapeError(f"begin, end and strides have {len(begin)}, {len(end)} and {len(strides)} entries")
    plan = plan_strided_slice(
        x,
        begin,
        end,
        strides,
        begin_mask=int(o.get("begin_mask", 0) or 0),
        end_mask=int(o.get("end_mask", 0) or 0),
        ellipsis_mask=int(o.get("ellipsis_mask", 0) or 0),
        new_axis_mask=int(o.get("new_axis_mask", 0) or 0),
        shrink_axis_mask=shrink_mask,
        offset=bool(o.get("offset", False)),
    )
    v = ctx.value(0)
    if v is not None and all(d >= 0 for d in (*plan.effective_shape, *plan.out_shape)):
        idx = plan.indices()
        if idx is not None:
            sliced = v.map(lambda a: a.reshape(plan.effective_shape))
            if idx:
                grid = np.ix_(*(np.asarray(ix, dtype=np.intp) for ix in idx))
                sliced = sliced.map(lambda a: a[grid])
            if sliced.data.size == int(np.prod(plan.out_shape)):
                ctx.set_value(0, sliced.map(lambda a: a.reshape(plan.out_shape)))
    return [plan.out_shape]


@shape_fn("SLICE")
def slice_op(ctx: OpContext) -> list[Shape]:
    """``size`` -1 means "to the end"; begin + size must stay inside the input."""
    x = ctx.shape(0)
    begin, size = ctx.ints(1), ctx.ints(2)
    if begin is None or size is None:
        return [(-1,) * len(x)]
    if len(begin) != len(x) or len(size) != len(x):
        raise ShapeError(f"begin {begin} and size {size} need {len(x)} entries for input {dims(x)}")
    out = []
    for i, (d, b, n) in enumerate(zip(x, begin, size, strict=True)):
        if b < 0:
            raise ShapeError(f"begin {b} on axis {i} is negative")
        if n < -1:
            raise ShapeError(f"size {n} on axis {i} is invalid")
        if n == -1:
            out.append(d - b if d >= 0 else -1)
            if d >= 0 and b > d:
                raise ShapeError(f"begin {b} is past the end of axis {i} (size {d}) of input {dims(x)}")
            continue
        if d >= 0 and b + n > d:
            raise ShapeError(f"slice of {n} from {b} on axis {i} runs past the end of input {dims(x)} (size {d})")
        out.append(n)
    v = ctx.value(0)
    if v is not None and all(d >= 0 for d in out):
        sl = tuple(slice(b, b + n) for b, n in zip(begin, out, strict=True))
        ctx.set_value(0, v.map(lambda a: a[sl]))
    return [tuple(out)]


@shape_fn("GATHER")
def gather(ctx: OpContext) -> list[Shape]:
    """``params[:axis] + indices[batch_dims:] + params[axis+1:]``."""
    p, ix = ctx.shape(0), ctx.shape(1)
    if not p:
        raise ShapeError("cannot gather from a scalar")
    axis = norm_axis(int(ctx.opts.get("axis", 0) or 0), len(p))
    bd = int(ctx.opts.get("batch_dims", 0) or 0)
    if bd < 0:
        bd += len(ix)
    if not (0 <= bd <= axis and bd <= len(ix)):
        raise ShapeError(f"batch_dims {bd} must be between 0 and axis {axis}")
    for i in range(bd):
        if p[i] >= 0 and ix[i] >= 0 and p[i] != ix[i]:
            raise ShapeError(f"batch dim {i} differs: params {dims(p)}, indices {dims(ix)}")
    out = (*p[:axis], *ix[bd:], *p[axis + 1 :])
    pv, iv = ctx.value(0), ctx.ints(1)
    if iv is not None and p[axis] >= 0:
        bad = [i for i in iv if not 0 <= i < p[axis]]
        if bad:
            raise ShapeError(f"index {bad[0]} is out of range for axis {axis} of size {p[axis]}")
        if pv is not None and bd == 0:
            iarr = np.asarray(iv, dtype=np.int64).reshape(ix)
            ctx.set_value(0, pv.map(lambda a: np.take(a, iarr, axis=axis)))
    return [out]


@shape_fn("GATHER_ND")
def gather_nd(ctx: OpContext) -> list[Shape]:
    p, ix = ctx.shape(0), ctx.shape(1)
    if not ix:
        raise ShapeError("indices must have rank 1 or more")
    k = ix[-1]
    if k < 0:
        raise CannotInferError
    if k > len(p):
        raise ShapeError(f"index depth {k} exceeds the rank of params {dims(p)}")
    return [(*ix[:-1], *p[k:])]


def _nth_split(a: np.ndarray, *, k: int, n: int, axis: int) -> np.ndarray:
    """Part ``k`` of ``n`` equal parts along ``axis`` (np.split would build all ``n``: n comes from the file)."""
    part = a.shape[axis] // n
    index = [slice(None)] * a.ndim
    index[axis] = slice(k * part, (k + 1) * part)
    return a[tuple(index)]


def _axis_value(ctx: OpContext, slot: int, rank: int) -> int | None:
    a = ctx.scalar(slot)
    return None if a is None else norm_axis(a, rank)


@shape_fn("SPLIT")
def split(ctx: OpContext) -> list[Shape]:
    """Operands (axis, value): the axis is cut into num_splits equal parts."""
    x = ctx.shape(1)
    n = int(ctx.opts.get("num_splits", ctx.n_outputs) or ctx.n_outputs)
    axis = _axis_value(ctx, 0, len(x))
    if axis is None:
        return [(-1,) * len(x)] * ctx.n_outputs
    d = x[axis]
    if d >= 0 and n > 0 and d % n:
        raise ShapeError(f"cannot split axis {axis} of size {d} ({dims(x)}) into {n} equal parts")
    part = d // n if d >= 0 and n > 0 else -1
    out = tuple(part if i == axis else s for i, s in enumerate(x))
    v = ctx.value(1)
    if v is not None and part >= 0:
        for k in range(min(n, ctx.n_outputs)):  # num_splits comes from the file: no loop past the outputs
            ctx.set_value(k, v.map(partial(_nth_split, k=k, n=n, axis=axis)))
    return [out] * ctx.n_outputs


@shape_fn("SPLIT_V")
def split_v(ctx: OpContext) -> list[Shape]:
    """Operands (value, size_splits, axis); one size may be -1 (the rest)."""
    x = ctx.shape(0)
    axis = _axis_value(ctx, 2, len(x))
    sizes = ctx.ints(1)
    if axis is None:
        return [(-1,) * len(x)] * ctx.n_outputs
    d = x[axis]
    if sizes is None:
        return [tuple(-1 if i == axis else s for i, s in enumerate(x))] * ctx.n_outputs
    if len(sizes) != ctx.n_outputs:
        raise ShapeError(f"size_splits {sizes} has {len(sizes)} entries for {ctx.n_outputs} outputs")
    rest = [i for i, s in enumerate(sizes) if s == -1]
    if len(rest) > 1:
        raise ShapeError(f"size_splits {sizes} has more than one -1")
    total = sum(s for s in sizes if s != -1)
    if rest:
        sizes = list(sizes)
        sizes[rest[0]] = d - total if d >= 0 else -1
        if d >= 0 and d < total:
            raise ShapeError(f"size_splits {sizes} add up to more than axis {axis} of {dims(x)}")
    elif d >= 0 and total != d:
        raise ShapeError(f"size_splits add up to {total}, but axis {axis} of {dims(x)} is {d}")
    return [tuple(s if i == axis else e for i, e in enumerate(x)) for s in sizes]


def _same_shapes(ctx: OpContext, slots: list[int], what: str) -> Shape:
    first = ctx.shape(slots[0])
    merged = list(first)
    for k in slots[1:]:
        s = ctx.shape(k)
        if len(s) != len(first) or any(a >= 0 and b >= 0 and a != b for a, b in zip(s, merged, strict=False)):
            raise ShapeError(f"{what}: input {k} {dims(s)} differs from input {slots[0]} {dims(first)}")
        merged = [b if b >= 0 else a for a, b in zip(s, merged, strict=True)]
    return tuple(merged)


@shape_fn("PACK")
def pack(ctx: OpContext) -> list[Shape]:
    """N same-shaped inputs stacked along a new axis."""
    slots = [i for i in range(ctx.n_inputs) if ctx.has(i)]
    base = _same_shapes(ctx, slots, "all inputs must have the same shape")
    axis = int(ctx.opts.get("axis", 0) or 0)
    a = axis + len(base) + 1 if axis < 0 else axis
    if not 0 <= a <= len(base):
        raise ShapeError(f"axis {axis} is out of range for inputs {dims(base)}")
    out = (*base[:a], len(slots), *base[a:])
    vals = [ctx.pval(i) for i in slots]
    if any(ctx.value(i) is not None for i in slots) and all(v is not None for v in vals):
        ctx.set_value(0, PVal.join(vals, lambda arrays: np.stack(arrays, axis=a)))  # type: ignore[arg-type]
    return [out]


@shape_fn("UNPACK")
def unpack(ctx: OpContext) -> list[Shape]:
    """Splits an axis into ``num`` outputs without it."""
    x = ctx.shape(0)
    if not x:
        raise ShapeError("cannot unpack a scalar")
    a = norm_axis(int(ctx.opts.get("axis", 0) or 0), len(x))
    num = int(ctx.opts.get("num", ctx.n_outputs) or ctx.n_outputs)
    if x[a] >= 0 and x[a] != num:
        raise ShapeError(f"axis {a} of input {dims(x)} has size {x[a]}, not {num} (the number of outputs)")
    out = tuple(d for i, d in enumerate(x) if i != a)
    v = ctx.value(0)
    if v is not None and x[a] == num:
        for k in range(num):
            ctx.set_value(k, v.map(partial(np.take, indices=k, axis=a)))
    return [out] * ctx.n_outputs


@shape_fn("CONCATENATION")
def concatenation(ctx: OpContext) -> list[Shape]:
    """Inputs agree on every dim except the axis, which adds up."""
    slots = [i for i in range(ctx.n_inputs) if ctx.has(i)]
    shapes = [ctx.shape(i) for i in slots]
    rank = len(shapes[0])
    axis = int(ctx.opts.get("axis", 0) or 0)
    if rank == 0:
        raise ShapeError("cannot concatenate scalars")
    a = norm_axis(axis, rank)
    out = list(shapes[0])
    total = 0
    for k, s in zip(slots, shapes, strict=True):
        if len(s) != rank:
            raise ShapeError(f"input {k} {dims(s)} has rank {len(s)}, input 0 {dims(shapes[0])} rank {rank}")
        for i, d in enumerate(s):
            if i == a:
                continue
            if d >= 0 and out[i] >= 0 and d != out[i]:
                raise ShapeError(
                    f"input {k} {dims(s)} does not match input 0 {dims(shapes[0])} on axis {i} "
                    f"(concatenating on axis {a})"
                )
            if out[i] < 0:
                out[i] = d
        total = total + s[a] if total >= 0 and s[a] >= 0 else -1
    out[a] = total
    vals = [ctx.pval(i) for i in slots]
    if any(ctx.value(i) is not None for i in slots) and all(v is not None for v in vals):
        ctx.set_value(0, PVal.join(vals, lambda arrays: np.concatenate(arrays, axis=a)))  # type: ignore[arg-type]
    return [tuple(out)]


@shape_fn("TOPK_V2")
def topk(ctx: OpContext) -> list[Shape]:
    """Values and indices ``[..., k]``; k must not exceed the last dim."""
    x = ctx.shape(0)
    if not x:
        raise ShapeError("needs an input of rank 1 or more")
    k = ctx.scalar(1)
    if k is None:
        k = -1
    elif x[-1] >= 0 and k > x[-1]:
        raise ShapeError(f"k = {k} is larger than the last dim of input {dims(x)}")
    out = (*x[:-1], k)
    return [out, out]


@shape_fn("EMBEDDING_LOOKUP")
def embedding_lookup(ctx: OpContext) -> list[Shape]:
    ids, table = ctx.shape(0), ctx.shape(1)
    if len(ids) != 1:
        raise ShapeError(f"ids must be a vector, got {fmt(ids)}")
    return [(ids[0], *table[1:])]


@shape_fn("ONE_HOT")
def one_hot(ctx: OpContext) -> list[Shape]:
    ix = ctx.shape(0)
    depth = ctx.scalar(1)
    axis = int(ctx.opts.get("axis", -1))
    a = len(ix) if axis == -1 else axis
    if not 0 <= a <= len(ix):
        raise ShapeError(f"axis {axis} is out of range for indices {dims(ix)}")
    return [(*ix[:a], -1 if depth is None else depth, *ix[a:])]


@shape_fn("SCATTER_ND")
def scatter_nd(ctx: OpContext) -> list[Shape]:
    """The output shape is the third operand's value; updates must fit indices and shape."""
    ix, up = ctx.shape(0), ctx.shape(1)
    if not ix:
        raise ShapeError("indices must have rank 1 or more")
    outer = len(ix) - 1
    for i in range(min(outer, len(up))):
        if ix[i] >= 0 and up[i] >= 0 and ix[i] != up[i]:
            raise ShapeError(f"indices {dims(ix)} and updates {dims(up)} differ on axis {i}")
    v = ctx.value(2)
    if v is None:
        n = ctx.shape(2)
        if len(n) != 1 or n[0] < 0:
            raise CannotInferError
        return [unknown_dims(n[0])]
    out = tuple(v.ints())
    depth = ix[-1]
    if depth >= 0 and v.complete:
        want = out[depth:]
        got = up[outer:]
        if len(want) != len(got) or any(a >= 0 and a != b for a, b in zip(got, want, strict=False)):
            raise ShapeError(f"updates {dims(up)} do not fit indices {dims(ix)} into shape {fmt(out)}")
    return [out]
