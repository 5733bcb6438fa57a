"""Ops that rearrange a tensor or build a shape from an operand's value.

RESHAPE, TILE, FILL, BROADCAST_TO, PAD and RESIZE read their target from another tensor:
when that tensor was computed at run time its value comes from partial evaluation.
"""

from __future__ import annotations

import math

import numpy as np

from ..types import PVal, Shape, ShapeError, Src, num_elements
from .base import CannotInferError, OpContext, dims, fmt, shape_fn, unknown_dims

__all__ = [
    "reshape",
    "squeeze",
    "expand_dims",
    "transpose",
    "shape_op",
    "rank_op",
    "broadcast_to",
    "broadcast_args",
    "fill",
    "tile",
    "pad",
    "space_to_depth",
    "depth_to_space",
    "resize",
    "range_op",
    "space_to_batch_nd",
    "batch_to_space_nd",
]


def _reshape_value(ctx: OpContext, out: Shape) -> None:
    v = ctx.value(0)
    if v is not None and all(d >= 0 for d in out) and v.data.size == num_elements(out):
        ctx.set_value(0, v.map(lambda a: a.reshape(out)))


def _target(ctx: OpContext) -> list[int | None] | None:  # None entries: unknown
    """RESHAPE's target: the shape operand when it is an int32 vector, else ``new_shape``."""
    if ctx.has(1):
        t = ctx.tensor(1)
        s = ctx.maybe_shape(1)
        if t.dtype == "INT32" and s is not None and len(s) == 1:
            v = ctx.value(1)
            if v is None:
                return [None] * s[0] if s[0] >= 0 else None
            return v.known_list()  # type: ignore[return-value]
    new_shape = list(ctx.opts.get("new_shape") or [])
    if new_shape == [0]:  # legacy encoding of a scalar
        new_shape = []
    return [int(d) for d in new_shape]


@shape_fn("RESHAPE")
def reshape(ctx: OpContext) -> list[Shape]:
    """One -1 may stand for the remaining elements; the element count must not change."""
    x = ctx.shape(0)
    target = _target(ctx)
    if target is None:
        raise CannotInferError
    stretch = [i for i, d in enumerate(target) if d == -1]
    if len(stretch) > 1:
        raise ShapeError(f"target shape {_fmt_target(target)} has more than one -1")
    n_in = num_elements(x)
    if any(d is None for d in target) or n_in < 0:
        out = [(-1 if d is None else d) for d in target]
        unknown = [i for i, d in enumerate(target) if d is None]
        # The op can only succeed if the one unknown entry takes the remaining elements.
        if n_in >= 0 and not stretch and len(unknown) == 1:
            rest = math.prod(d for d in target if d is not None)
            if rest > 0 and n_in % rest == 0:
                out[unknown[0]] = n_in // rest
        return [tuple(out)]
    fixed = [d for d in target if d != -1]
    n_out = math.prod(fixed)  # type: ignore[arg-type]
    out = [int(d) for d in target if d is not None]
    if stretch:
        nz_in = math.prod(d for d in x if d != 0)
        nz_out = math.prod(d for d in fixed if d != 0)  # type: ignore[misc]
        out[stretch[0]] = 0 if (n_in == 0 and n_out != 0) else nz_in // nz_out
        n_out *= out[stretch[0]]  # type: ignore[operator]
    if n_out != n_in:
        if stretch:
            raise ShapeError(
                f"cannot reshape {dims(x)} ({n_in} values) into {_fmt_target(target)}: "
                f"{n_in} is not a multiple of {math.prod(fixed)}"  # type: ignore[arg-type]
            )
        raise ShapeError(f"cannot reshape {dims(x)} ({n_in} values) into {_fmt_target(target)} ({n_out} values)")
    result = tuple(int(d) for d in out)  # type: ignore[arg-type]
    _reshape_value(ctx, result)
    return [result]


def _fmt_target(target: list[int | None]) -> str:
    return "[" + ", ".join("?" if d is None else str(d) for d in target) + "]"


@shape_fn("SQUEEZE")
def squeeze(ctx: OpContext) -> list[Shape]:
    """Drops the listed size-1 dims (all size-1 dims when none are listed)."""
    x = ctx.shape(0)
    axes = [int(a) for a in (ctx.opts.get("squeeze_dims") or [])]
    if not axes:
        if any(d < 0 for d in x):
            rec = ctx.recorded(0)
            return [(-1,) * len(rec)] if rec is not None else _no_rank()
        out = tuple(d for d in x if d != 1)
    else:
        drop = set()
        for a in axes:
            i = a + len(x) if a < 0 else a
            if not 0 <= i < len(x):
                raise ShapeError(f"squeeze axis {a} is out of range for input {dims(x)}")
            if x[i] >= 0 and x[i] != 1:
                raise ShapeError(f"cannot squeeze axis {a} of input {dims(x)}: its size is {x[i]}, not 1")
            drop.add(i)
        out = tuple(d for i, d in enumerate(x) if i not in drop)
    _reshape_value(ctx, out)
    return [out]


def _no_rank() -> list[Shape]:
    raise CannotInferError


@shape_fn("EXPAND_DIMS")
def expand_dims(ctx: OpContext) -> list[Shape]:
    """Inserts a 1 at the axis operand (negative counts from the end of the output)."""
    x = ctx.shape(0)
    axis = ctx.scalar(1)
    if axis is None:
        return [(-1,) * (len(x) + 1)]
    a = axis + len(x) + 1 if axis < 0 else axis
    if not 0 <= a <= len(x):
        raise ShapeError(f"axis {axis} is out of range for input {dims(x)}")
    out = (*x[:a], 1, *x[a:])
    _reshape_value(ctx, out)
    return [out]


@shape_fn("TRANSPOSE")
def transpose(ctx: OpContext) -> list[Shape]:
    """Output dim i is input dim perm[i]."""
    x = ctx.shape(0)
    perm = ctx.ints(1)
    if perm is None:
        return [(-1,) * len(x)]
    if len(perm) != len(x):
        raise ShapeError(f"permutation {perm} has {len(perm)} entries for a rank-{len(x)} input")
    if sorted(perm) != list(range(len(x))):
        raise ShapeError(f"{perm} is not a permutation of the {len(x)} input axes")
    out = tuple(x[p] for p in perm)
    v = ctx.value(0)
    if v is not None:
        ctx.set_value(0, v.map(lambda a: np.transpose(a, perm)))
    return [out]


@shape_fn("SHAPE")
def shape_op(ctx: OpContext) -> list[Shape]:
    """A vector of the input's dims: its value is known wherever the dims are."""
    x = ctx.shape(0)
    data = np.array([max(d, 0) for d in x], dtype=np.int64)
    t = ctx.tensor(0)
    label = f"'{t.name}'" if t.name else f"tensor {t.index}"
    src = np.empty(len(x), dtype=object)
    for d in range(len(x)):
        src[d] = Src(f"dim {d} of {label}", frozenset({(t.index, d)}), frozenset())
    ctx.set_value(0, PVal(data, np.array([d >= 0 for d in x], dtype=bool), src))
    return [(len(x),)]


@shape_fn("RANK")
def rank_op(ctx: OpContext) -> list[Shape]:
    ctx.set_value(0, PVal.full(np.array(len(ctx.shape(0)), dtype=np.int64)))
    return [()]


def _check_broadcastable(x: Shape, out: Shape) -> None:
    if len(x) > len(out):
        raise ShapeError(f"cannot broadcast input {dims(x)} to {fmt(out)}: the target has fewer dims")
    for i in range(1, len(x) + 1):
        a, b = x[-i], out[-i]
        if a >= 0 and b >= 0 and a != 1 and a != b:
            raise ShapeError(f"cannot broadcast input {dims(x)} to {fmt(out)}")


@shape_fn("BROADCAST_TO")
def broadcast_to(ctx: OpContext) -> list[Shape]:
    """The target comes from the shape operand; input dims must be 1 or match."""
    x = ctx.shape(0)
    v = ctx.value(1)
    if v is None:
        n = ctx.shape(1)
        if len(n) != 1 or n[0] < 0:
            raise CannotInferError
        return [unknown_dims(n[0])]
    out = tuple(v.ints())
    _check_broadcastable(x, out)
    return [out]


@shape_fn("BROADCAST_ARGS")
def broadcast_args(ctx: OpContext) -> list[Shape]:
    a, b = ctx.shape(0), ctx.shape(1)
    n = max(a[0] if a else 0, b[0] if b else 0) if all(d >= 0 for d in (*a, *b)) else -1
    vals = [ctx.ints(0), ctx.ints(1)]
    if vals[0] is not None and vals[1] is not None:
        from .base import broadcast

        ctx.set_value(0, np.array(broadcast(tuple(vals[0]), tuple(vals[1])), dtype=np.int64))
    return [(n,)]


@shape_fn("FILL")
def fill(ctx: OpContext) -> list[Shape]:
    """The output shape is the dims operand's value."""
    v = ctx.value(0)
    if v is None:
        n = ctx.shape(0)
        if len(n) != 1 or n[0] < 0:
            raise CannotInferError
        return [unknown_dims(n[0])]
    out = tuple(v.ints())
    if any(d < -1 for d in out) or (v.complete and any(d < 0 for d in out)):
        raise ShapeError(f"dims {fmt(out)} contain a negative size")
    fv = ctx.value(1)
    if v.complete and fv is not None and num_elements(out) <= 64:
        ctx.set_value(0, PVal(np.full(out, fv.data.reshape(-1)[0]), np.full(out, bool(fv.mask.all()))))
    return [out]


@shape_fn("TILE")
def tile(ctx: OpContext) -> list[Shape]:
    """Each dim is multiplied by its entry in the multiples operand."""
    x = ctx.shape(0)
    m = ctx.shape(1)
    if len(m) != 1 or (m[0] >= 0 and m[0] != len(x)):
        raise ShapeError(f"multiples of shape {fmt(m)} should have {len(x)} entries for input {dims(x)}")
    v = ctx.value(1)
    if v is None:
        return [(-1,) * len(x)]
    mult = v.ints()
    if len(mult) != len(x):
        raise ShapeError(f"multiples {mult} have {len(mult)} entries for input {dims(x)}")
    out = tuple(d * m if d >= 0 and m >= 0 else -1 for d, m in zip(x, mult, strict=True))
    xv = ctx.value(0)
    if xv is not None and v.complete:
        ctx.set_value(0, xv.map(lambda a: np.tile(a, mult)))
    return [out]


@shape_fn("PAD", "PADV2", "MIRROR_PAD")
def pad(ctx: OpContext) -> list[Shape]:
    """Each dim grows by its (before, after) row of the paddings operand."""
    x = ctx.shape(0)
    p = ctx.shape(1)
    if len(p) != 2 or (p[0] >= 0 and p[0] != len(x)) or (p[1] >= 0 and p[1] != 2):
        raise ShapeError(f"paddings {fmt(p)} should be [{len(x)}, 2] for input {dims(x)}")
    v = ctx.value(1)
    if v is None:
        return [(-1,) * len(x)]
    pads = v.ints()
    out = []
    mirror = ctx.op.opcode == "MIRROR_PAD"
    reflect = ctx.opts.get("mode") == "REFLECT"
    for i, d in enumerate(x):
        before, after = pads[2 * i], pads[2 * i + 1]
        if v.mask.reshape(-1)[2 * i : 2 * i + 2].all() and (before < 0 or after < 0):
            raise ShapeError(f"paddings {pads[2 * i : 2 * i + 2]} for axis {i} are negative")
        if mirror and d >= 0 and max(before, after) > (d - 1 if reflect else d):
            limit = d - 1 if reflect else d
            raise ShapeError(
                f"{'REFLECT' if reflect else 'SYMMETRIC'} padding of {max(before, after)} "
                f"exceeds {limit} on axis {i} of input {dims(x)}"
            )
        out.append(d + before + after if d >= 0 and before >= 0 and after >= 0 else -1)
    return [tuple(out)]


def _block(ctx: OpContext) -> int:
    b = int(ctx.opts.get("block_size", 0) or 0)
    if b <= 0:
        raise ShapeError(f"block_size {b} must be positive")
    return b


@shape_fn("SPACE_TO_DEPTH")
def space_to_depth(ctx: OpContext) -> list[Shape]:
    """``[N, H/b, W/b, C*b*b]``: H and W must be multiples of the block size."""
    x = ctx.shape(0)
    if len(x) != 4:
        raise ShapeError(f"needs a rank-4 input, got {fmt(x)}")
    b = _block(ctx)
    n, h, w, c = x
    for name, d in (("height", h), ("width", w)):
        if d >= 0 and d % b:
            raise ShapeError(f"input {name} {d} of {dims(x)} is not a multiple of block_size {b}")
    return [(n, h // b if h >= 0 else -1, w // b if w >= 0 else -1, c * b * b if c >= 0 else -1)]


@shape_fn("DEPTH_TO_SPACE")
def depth_to_space(ctx: OpContext) -> list[Shape]:
    """``[N, H*b, W*b, C/(b*b)]``: C must be a multiple of b*b."""
    x = ctx.shape(0)
    if len(x) != 4:
        raise ShapeError(f"needs a rank-4 input, got {fmt(x)}")
    b = _block(ctx)
    n, h, w, c = x
    if c >= 0 and c % (b * b):
        raise ShapeError(f"input channels {c} of {dims(x)} are not a multiple of {b}x{b}")
    return [(n, h * b if h >= 0 else -1, w * b if w >= 0 else -1, c // (b * b) if c >= 0 else -1)]


@shape_fn("RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR")
def resize(ctx: OpContext) -> list[Shape]:
    """``[N, new_h, new_w, C]`` with the size operand's value."""
    x = ctx.shape(0)
    if len(x) != 4:
        raise ShapeError(f"needs a rank-4 NHWC input, got {fmt(x)}")
    size = ctx.shape(1)
    if size != (2,) and all(d >= 0 for d in size):
        raise ShapeError(f"size operand should hold 2 values, has shape {fmt(size)}")
    v = ctx.value(1)
    h, w = v.ints() if v is not None else (-1, -1)
    if (h == 0 or w == 0) or h < -1 or w < -1:
        raise ShapeError(f"target size {h}x{w} must be positive")
    return [(x[0], h, w, x[3])]


@shape_fn("RANGE")
def range_op(ctx: OpContext) -> list[Shape]:
    """Length from start, limit and delta; the values are kept when small."""
    start, limit, delta = (ctx.value(i) for i in range(3))
    if start is None or limit is None or delta is None or not (start.complete and limit.complete and delta.complete):
        return [(-1,)]
    s, lim, d = (float(x.data.reshape(-1)[0]) for x in (start, limit, delta))
    if d == 0:
        raise ShapeError("delta is 0")
    if (lim > s and d < 0) or (lim < s and d > 0):
        raise ShapeError(f"delta {d:g} moves away from the limit ({s:g} to {lim:g})")
    integral = all(x.data.dtype.kind in "iu" for x in (start, limit, delta))
    if integral:
        n = (abs(int(lim) - int(s)) + abs(int(d)) - 1) // abs(int(d))
    else:
        n = math.ceil(abs((lim - s) / d))
    if n <= 64:
        step, first = (np.int64(d), np.int64(s)) if integral else (np.float64(d), np.float64(s))
        data = np.add(np.multiply(np.arange(n, dtype=np.int64 if integral else np.float64), step), first)
        ctx.set_value(0, data)
    return [(int(n),)]


@shape_fn("SPACE_TO_BATCH_ND")
def space_to_batch_nd(ctx: OpContext) -> list[Shape]:
    x = ctx.shape(0)
    block, pads = ctx.ints(1), ctx.ints(2)
    if block is None or pads is None:
        return [(-1,) * len(x)]
    out = [x[0] * math.prod(block) if x[0] >= 0 else -1]
    for i, b in enumerate(block):
        d = x[1 + i]
        if d < 0:
            out.append(-1)
            continue
        padded = d + pads[2 * i] + pads[2 * i + 1]
        if padded % b:
            raise ShapeError(f"padded size {padded} of axis {1 + i} is not a multiple of block {b}")
        out.append(padded // b)
    out.extend(x[1 + len(block) :])
    return [tuple(out)]


@shape_fn("BATCH_TO_SPACE_ND")
def batch_to_space_nd(ctx: OpContext) -> list[Shape]:
    x = ctx.shape(0)
    block, crops = ctx.ints(1), ctx.ints(2)
    if block is None or crops is None:
        return [(-1,) * len(x)]
    p = math.prod(block)
    if x[0] >= 0 and x[0] % p:
        raise ShapeError(f"batch {x[0]} is not a multiple of the block product {p}")
    out = [x[0] // p if x[0] >= 0 else -1]
    for i, b in enumerate(block):
        d = x[1 + i]
        out.append(d * b - crops[2 * i] - crops[2 * i + 1] if d >= 0 else -1)
    out.extend(x[1 + len(block) :])
    return [tuple(out)]
