"""Convolutions, pooling and matrix products: where image sizes and feature counts meet weights."""

from __future__ import annotations

from ..types import Shape, ShapeError, num_elements
from .base import OpContext, broadcast, dims, fmt, shape_fn, unknown_dims

__all__ = [
    "out_size",
    "conv_2d",
    "depthwise_conv_2d",
    "transpose_conv",
    "conv_3d",
    "pool_2d",
    "fully_connected",
    "batch_matmul",
]


def out_size(padding: str, size: int, filt: int, stride: int, dilation: int = 1) -> int:
    """LiteRT's ``ComputeOutSize``: SAME → ceil(size/stride), VALID → no partial windows."""
    if size < 0 or filt < 0:
        return -1
    if stride <= 0:
        return 0
    effective = (filt - 1) * dilation + 1
    if padding == "VALID":
        return (size + stride - effective) // stride if size + stride - effective >= 0 else 0
    return (size + stride - 1) // stride


def _spatial(ctx: OpContext, what: str, sizes: Shape, filt: Shape, axes: str) -> list[int]:
    """Output spatial dims; a window that does not fit is an error (LiteRT gets 0 or less)."""
    pad = str(ctx.opts.get("padding", "SAME"))
    out = []
    for ax, size, f in zip(axes, sizes, filt, strict=True):
        stride = int(ctx.opts.get(f"stride_{ax}", 1) or 1)
        dil = int(ctx.opts.get(f"dilation_{ax}_factor", 1) or 1)
        o = out_size(pad, size, f, stride, dil)
        if size >= 0 and f >= 0 and o <= 0 and size > 0:
            eff = (f - 1) * dil + 1
            raise ShapeError(
                f"{what} of {eff} does not fit the input size {size} with VALID padding "
                f"(axis {ax}): the input is too small"
            )
        out.append(o)
    return out


def _need_rank(ctx: OpContext, i: int, rank: int, what: str) -> Shape:
    s = ctx.shape(i)
    if len(s) != rank:
        raise ShapeError(f"needs a rank-{rank} {what}, got {fmt(s)}")
    return s


@shape_fn("CONV_2D")
def conv_2d(ctx: OpContext) -> list[Shape]:
    """NHWC input, OHWI filter; grouped convolution when input channels are a multiple."""
    x = _need_rank(ctx, 0, 4, "input")
    w = _need_rank(ctx, 1, 4, "filter")
    cin, fin = x[3], w[3]
    if cin >= 0 and fin > 0 and cin % fin:
        raise ShapeError(f"expects {fin} input channels (filter {fmt(w)}) but receives {cin} from input {dims(x)}")
    if ctx.has(2):
        b = num_elements(ctx.shape(2))
        if b >= 0 and w[0] >= 0 and b != w[0]:
            raise ShapeError(f"has {b} bias values for {w[0]} output channels")
    h, wd = _spatial(ctx, "a filter", (x[1], x[2]), (w[1], w[2]), "hw")
    return [(x[0], h, wd, w[0])]


@shape_fn("DEPTHWISE_CONV_2D")
def depthwise_conv_2d(ctx: OpContext) -> list[Shape]:
    """Filter ``[1, H, W, C*multiplier]``; output channels come from the filter."""
    x = _need_rank(ctx, 0, 4, "input")
    w = _need_rank(ctx, 1, 4, "filter")
    cin, cout = x[3], w[3]
    mult = int(ctx.opts.get("depth_multiplier", 1) or 1)
    if cin > 0 and cout >= 0 and cout != cin * mult and cout % cin:
        raise ShapeError(
            f"expects {cout // max(mult, 1)} input channels (filter {fmt(w)}, depth multiplier "
            f"{mult}) but receives {cin} from input {dims(x)}"
        )
    h, wd = _spatial(ctx, "a filter", (x[1], x[2]), (w[1], w[2]), "hw")
    return [(x[0], h, wd, cout)]


@shape_fn("TRANSPOSE_CONV")
def transpose_conv(ctx: OpContext) -> list[Shape]:
    """The output shape is an operand (often computed at run time from SHAPE)."""
    w = _need_rank(ctx, 1, 4, "filter")
    x = _need_rank(ctx, 2, 4, "input")
    if x[3] >= 0 and w[3] >= 0 and x[3] != w[3]:
        raise ShapeError(f"expects {w[3]} input channels (filter {fmt(w)}) but receives {x[3]} from input {dims(x)}")
    v = ctx.value(0)
    if v is None:
        n = ctx.shape(0)
        return [unknown_dims(n[0] if len(n) == 1 and n[0] >= 0 else 4)]
    out = tuple(v.ints())
    if len(out) == 4:
        if out[3] >= 0 and w[0] >= 0 and out[3] != w[0]:
            raise ShapeError(f"output_shape {fmt(out)} has {out[3]} channels, the filter {w[0]}")
        if out[0] >= 0 and x[0] >= 0 and out[0] != x[0]:
            raise ShapeError(f"output_shape {fmt(out)} has batch {out[0]} but the input {dims(x)} has {x[0]}")
        # LiteRT runs the forward convolution on output_shape and wants the input size back.
        pad = str(ctx.opts.get("padding", "SAME"))
        for ax, o, f, i in (("h", out[1], w[1], x[1]), ("w", out[2], w[2], x[2])):
            stride = int(ctx.opts.get(f"stride_{ax}", 1) or 1)
            back = out_size(pad, o, f, stride)
            if o >= 0 and i >= 0 and back >= 0 and back != i:
                raise ShapeError(
                    f"output_shape {fmt(out)} does not match input {dims(x)}: a {f}-wide filter "
                    f"with stride {stride} and {pad} padding maps {o} back to {back}, not {i}"
                )
    return [out]


@shape_fn("CONV_3D")
def conv_3d(ctx: OpContext) -> list[Shape]:
    """NDHWC input, DHWIO filter."""
    x = _need_rank(ctx, 0, 5, "input")
    w = _need_rank(ctx, 1, 5, "filter")
    if x[4] >= 0 and w[3] >= 0 and x[4] != w[3]:
        raise ShapeError(f"expects {w[3]} input channels (filter {fmt(w)}) but receives {x[4]} from input {dims(x)}")
    d, h, wd = _spatial(ctx, "a filter", (x[1], x[2], x[3]), (w[0], w[1], w[2]), "dhw")
    return [(x[0], d, h, wd, w[4])]


@shape_fn("AVERAGE_POOL_2D", "MAX_POOL_2D", "L2_POOL_2D")
def pool_2d(ctx: OpContext) -> list[Shape]:
    """Pooling windows: same arithmetic as convolution, channels unchanged."""
    x = _need_rank(ctx, 0, 4, "input")
    fh = int(ctx.opts.get("filter_height", 1) or 1)
    fw = int(ctx.opts.get("filter_width", 1) or 1)
    h, wd = _spatial(ctx, "a pooling window", (x[1], x[2]), (fh, fw), "hw")
    return [(x[0], h, wd, x[3])]


@shape_fn("FULLY_CONNECTED")
def fully_connected(ctx: OpContext) -> list[Shape]:
    """``[..., K] x [N, K]ᵀ``; without keep_num_dims the input is flattened to rows of K."""
    x = ctx.shape(0)
    w = ctx.shape(1)
    if len(w) != 2:
        raise ShapeError(f"needs 2-D weights, got {fmt(w)}")
    units, k = w
    if ctx.has(2):
        b = num_elements(ctx.shape(2))
        if b >= 0 and units >= 0 and b != units:
            raise ShapeError(f"has {b} bias values for {units} output units (weights {fmt(w)})")
    keep = bool(ctx.opts.get("keep_num_dims", False))
    last = x[-1] if x else 1
    total = num_elements(x)
    if keep:
        if last >= 0 and k >= 0 and last != k:
            raise ShapeError(f"expects {k} input features (weights {fmt(w)}) but receives {last} from input {dims(x)}")
        return [(*x[:-1], units)] if x else [(units,)]
    if k == 0:
        rows = num_elements(x[:-1]) if x else 1
        return [(rows, units)]
    if k > 0 and len(x) >= 2 and last >= 0 and last != k:
        # Rows of K: the last dim, or everything after the batch (FC flattening by itself).
        features = num_elements(x[1:])
        if features >= 0 and features != k:
            per_row = f"{last}" if len(x) == 2 else f"{last} (or {features} flattened)"
            raise ShapeError(
                f"expects {k} input features (weights {fmt(w)}) but receives {per_row} from input {dims(x)}",
                runtime_checks=False,
            )
    if total >= 0 and k > 0:
        if total % k:
            raise ShapeError(
                f"cannot split input {dims(x)} ({total} values) into rows of {k} features (weights {fmt(w)})",
                runtime_checks=False,
            )
        return [(total // k, units)]
    # Rows are the product of the leading dims when the last one matches.
    lead = num_elements(x[:-1]) if x and last == k else -1
    return [(lead, units)]


@shape_fn("BATCH_MATMUL")
def batch_matmul(ctx: OpContext) -> list[Shape]:
    """Matrix product over the last two dims, batch dims broadcast."""
    a, b = ctx.shape(0), ctx.shape(1)
    if len(a) < 2 or len(b) < 2:
        raise ShapeError(f"needs operands of rank 2 or more, got {fmt(a)} and {fmt(b)}")
    adj_x = bool(ctx.opts.get("adj_x", False))
    adj_y = bool(ctx.opts.get("adj_y", False))
    rows, ka = (a[-1], a[-2]) if adj_x else (a[-2], a[-1])
    kb, cols = (b[-1], b[-2]) if adj_y else (b[-2], b[-1])
    if ka >= 0 and kb >= 0 and ka != kb:
        raise ShapeError(
            f"cannot multiply {dims(a)}{'ᵀ' if adj_x else ''} by {dims(b)}{'ᵀ' if adj_y else ''}: "
            f"inner dimensions {ka} and {kb} differ"
        )
    batch = broadcast(a[:-2], b[:-2], labels=[f"batch dims of {dims(a)}", f"batch dims of {dims(b)}"])
    return [(*batch, rows, cols)]
