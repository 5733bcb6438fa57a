"""Ops whose output has an input's shape, or the broadcast of their inputs' shapes.

Integer arithmetic on small values is evaluated too: it is how converters compute
shapes at run time (``SHAPE → STRIDED_SLICE → MUL → PACK``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..types import PVal, Shape, ShapeError, Src, format_dims
from .base import OpContext, broadcast, shape_fn

__all__ = ["same_as_input", "binary", "select", "add_n"]

_SAME_SHAPE = (
    "ABS", "CEIL", "COS", "ELU", "EXP", "FLOOR", "GELU", "HARD_SWISH", "L2_NORMALIZATION",
    "LEAKY_RELU", "LOG", "LOGISTIC", "LOG_SOFTMAX", "LOGICAL_NOT", "NEG", "QUANTIZE",
    "DEQUANTIZE", "CAST", "RELU", "RELU6", "RELU_N1_TO_1", "RELU_0_TO_1", "ROUND", "RSQRT",
    "SIGN", "SIN", "SOFTMAX", "SQRT", "SQUARE", "TANH", "ZEROS_LIKE", "ONES_LIKE",
    "FAKE_QUANT", "LOCAL_RESPONSE_NORMALIZATION", "REVERSE_V2", "CUMSUM", "IMAG", "REAL",
    "COMPLEX_ABS", "DYNAMIC_UPDATE_SLICE", "BITWISE_NOT",
)  # fmt: skip


def _cast_value(v: PVal, dtype: str) -> PVal:
    if dtype in ("FLOAT32", "FLOAT16", "FLOAT64", "BFLOAT16"):
        return PVal(v.data.astype(np.float64), v.mask, v.src)
    if dtype == "BOOL":
        return PVal(v.data.astype(bool), v.mask, v.src)
    data = v.data
    if data.dtype.kind == "f":  # C++ static_cast truncates toward zero
        data = np.trunc(np.nan_to_num(data, nan=0.0, posinf=0.0, neginf=0.0))
    return PVal(data.astype(np.int64), v.mask, v.src)


_UNARY_VALUE: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "FLOOR": np.floor,
    "CEIL": np.ceil,
    "ROUND": np.round,  # LiteRT rounds half to even, as numpy does
    "NEG": np.negative,
    "ABS": np.abs,
    "SQUARE": np.square,
    "SIGN": np.sign,
}


@shape_fn(*_SAME_SHAPE)
def same_as_input(ctx: OpContext) -> list[Shape]:
    """Elementwise unary ops, activations, (de)quantization and casts keep the shape."""
    s = ctx.shape(0)
    if ctx.op.opcode in ("SOFTMAX", "LOG_SOFTMAX") and len(s) < 1:
        raise ShapeError("needs an input of rank 1 or more, got a scalar")
    v = ctx.value(0)
    if v is not None:
        if ctx.op.opcode == "CAST":
            ctx.set_value(0, _cast_value(v, ctx.out_dtype(0)))
        elif ctx.op.opcode in _UNARY_VALUE and v.data.dtype.kind in "if":
            ctx.set_value(0, PVal(_UNARY_VALUE[ctx.op.opcode](v.data), v.mask))
    return [s] * max(1, ctx.n_outputs)


def _int_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """C++ integer division: truncates toward zero."""
    q = np.abs(a) // np.abs(b)
    return np.where((a < 0) != (b < 0), -q, q)


def _activation(data: np.ndarray, act: str | None) -> np.ndarray:
    if act == "RELU":
        return np.maximum(data, 0)
    if act == "RELU6":
        return np.clip(data, 0, 6)
    if act == "RELU_N1_TO_1":
        return np.clip(data, -1, 1)
    return data


def _binary_value(opcode: str, a: PVal, b: PVal, act: str | None) -> PVal | None:
    x, y = a.data, b.data
    is_int = x.dtype.kind in "iub" and y.dtype.kind in "iub"
    mask = np.broadcast_to(a.mask, np.broadcast_shapes(a.mask.shape, b.mask.shape)) & b.mask
    with np.errstate(all="ignore"):
        if opcode in ("DIV", "FLOOR_DIV", "FLOOR_MOD"):
            zero = y == 0
            y = np.where(zero, 1, y)
            mask = mask & ~np.broadcast_to(zero, mask.shape)
        if opcode == "ADD":
            out = x + y
        elif opcode == "SUB":
            out = x - y
        elif opcode == "MUL":
            out = x * y
        elif opcode == "DIV":
            out = _int_div(x, y) if is_int else x / y
        elif opcode == "FLOOR_DIV":
            out = np.floor_divide(x, y)
        elif opcode == "FLOOR_MOD":
            out = np.mod(x, y)
        elif opcode == "MAXIMUM":
            out = np.maximum(x, y)
        elif opcode == "MINIMUM":
            out = np.minimum(x, y)
        elif opcode == "EQUAL":
            out = x == y
        elif opcode == "NOT_EQUAL":
            out = x != y
        elif opcode == "LESS":
            out = x < y
        elif opcode == "LESS_EQUAL":
            out = x <= y
        elif opcode == "GREATER":
            out = x > y
        elif opcode == "GREATER_EQUAL":
            out = x >= y
        elif opcode == "LOGICAL_AND":
            out = x.astype(bool) & y.astype(bool)
        elif opcode == "LOGICAL_OR":
            out = x.astype(bool) | y.astype(bool)
        else:
            return None
    out = _activation(out, act)
    if is_int and out.dtype.kind == "i":
        out = out.astype(np.int64)
    out, mask = np.asarray(out), np.asarray(mask)
    return PVal(out, mask, _binary_src(opcode, a, b, out.shape))


_SYMBOL = {"MUL": "*", "ADD": "+", "SUB": "-", "FLOOR_DIV": "//", "DIV": "/", "FLOOR_MOD": "%"}


def _elem_text(v: PVal, src: np.ndarray, idx: tuple[int, ...]) -> str:
    if v.mask[idx]:
        x = v.data[idx].item()
        return str(int(x)) if isinstance(x, int | np.integer) and not isinstance(x, bool) else str(x)
    s = src[idx]
    return s.text if s is not None else "?"


def _binary_src(opcode: str, a: PVal, b: PVal, shape: tuple[int, ...]) -> np.ndarray | None:
    """Provenance of each result element: both operands' sources, with the arithmetic spelled out."""
    if a.src is None and b.src is None:
        return None
    none = np.full((), None, dtype=object)
    va = (
        a.map(lambda x: np.broadcast_to(x, shape))
        if a.src is not None
        else PVal(np.broadcast_to(a.data, shape), np.broadcast_to(a.mask, shape), np.broadcast_to(none, shape))
    )
    vb = (
        b.map(lambda x: np.broadcast_to(x, shape))
        if b.src is not None
        else PVal(np.broadcast_to(b.data, shape), np.broadcast_to(b.mask, shape), np.broadcast_to(none, shape))
    )
    sa, sb = va.src, vb.src
    assert sa is not None and sb is not None
    out = np.full(shape, None, dtype=object)
    sym = _SYMBOL.get(opcode)
    for idx in np.ndindex(*shape):
        x, y = sa[idx], sb[idx]
        if x is None and y is None:
            continue
        xs, ys = _elem_text(va, sa, idx), _elem_text(vb, sb, idx)
        text = f"{xs} {sym} {ys}" if sym else f"{opcode.lower()}({xs}, {ys})"
        out[idx] = Src.combine(text, x, y)  # type: ignore[arg-type]  # object-array elements
    return out


@shape_fn(
    "ADD", "SUB", "MUL", "DIV", "FLOOR_DIV", "FLOOR_MOD", "POW", "MAXIMUM", "MINIMUM",
    "SQUARED_DIFFERENCE", "ATAN2", "EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER",
    "GREATER_EQUAL", "LOGICAL_AND", "LOGICAL_OR", "PRELU", "BITWISE_XOR", "RIGHT_SHIFT",
)  # fmt: skip
def binary(ctx: OpContext) -> list[Shape]:
    """Two operands broadcast against each other (NumPy rules)."""
    a, b = ctx.shape(0), ctx.shape(1)
    out = broadcast(a, b, labels=["input 0", "input 1"])
    vals = ctx.values(0, 1)
    if vals is not None:
        act = ctx.opts.get("fused_activation_function")
        ctx.set_value(0, _binary_value(ctx.op.opcode, vals[0], vals[1], act))
    return [out]


def _d(s: Shape) -> str:
    return format_dims(s)


@shape_fn("SELECT", "SELECT_V2")
def select(ctx: OpContext) -> list[Shape]:
    """SELECT_V2 broadcasts all three operands; SELECT (v1) keeps the shape of the values."""
    c, x, y = ctx.shape(0), ctx.shape(1), ctx.shape(2)
    if ctx.op.opcode == "SELECT_V2":
        return [broadcast(c, x, y, labels=["condition", "x", "y"])]
    out = broadcast(x, y, labels=["x", "y"])
    if len(c) not in (1, len(x)) and c:
        raise ShapeError(f"condition {_d(c)} must be a scalar, a vector or the shape of the values {_d(x)}")
    return [out]


@shape_fn("ADD_N")
def add_n(ctx: OpContext) -> list[Shape]:
    """ADD_N: every operand has the same shape."""
    shapes = [ctx.shape(i) for i in range(ctx.n_inputs) if ctx.has(i)]
    out = list(shapes[0])
    for k, s in enumerate(shapes[1:], 1):
        if len(s) != len(out) or any(a >= 0 and b >= 0 and a != b for a, b in zip(s, out, strict=False)):
            raise ShapeError(f"input {k} {_d(s)} differs from input 0 {_d(shapes[0])}")
        out = [b if b >= 0 else a for a, b in zip(s, out, strict=True)]
    return [tuple(out)]
