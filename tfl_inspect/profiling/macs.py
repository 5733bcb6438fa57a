"""Multiply-accumulates (MACs) and floating-point/integer operations (FLOPs) per operator.

One small function per op family, registered in :data:`FORMULAS`; docs/profile.md writes
each formula down. Shapes are the ones stored in the file (``Tensor.shape``: unknown dims
count as 1). Conventions, chosen so numbers compare with TensorFlow's profiler:
- a MAC is one multiply plus one add; ops built from them report ``flops = 2 * macs``;
- bias adds and fused activations are not counted (they are O(output), not O(MACs));
- elementwise ops, pooling, reductions, softmax and resize have ``macs = 0`` and count one
  operation per element visited (softmax and the like: a fixed small number per element).
The arithmetic is the same whatever the dtypes (float, int8, int16x8, hybrid, int4, blockwise):
:func:`arith` says which kind of kernel runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..opdefs import opdef

if TYPE_CHECKING:
    from ..model import Operator, Subgraph, Tensor

__all__ = ["Compute", "FORMULAS", "compute", "arith"]


@dataclass(frozen=True, slots=True)
class Compute:
    macs: int = 0
    flops: int = 0


def _n(t: Tensor | None) -> int:
    if t is None:
        return 0
    n = 1
    for d in t.shape:
        n *= max(d, 0)
    return n


def _in(sg: Subgraph, op: Operator, slot: int) -> Tensor | None:
    return sg.tensor(op.inputs[slot]) if 0 <= slot < len(op.inputs) else None


def _out(sg: Subgraph, op: Operator, slot: int = 0) -> Tensor | None:
    return sg.tensor(op.outputs[slot]) if 0 <= slot < len(op.outputs) else None


def _mac(macs: int) -> Compute:
    return Compute(macs, 2 * macs)


def _conv2d(sg: Subgraph, op: Operator) -> Compute:
    """out(N·Ho·Wo·Co) × Kh·Kw·Ci/groups, filter [Co, Kh, Kw, Ci/groups]."""
    f = _in(sg, op, 1)
    if f is None or len(f.shape) != 4:
        return Compute()
    return _mac(_n(_out(sg, op)) * f.shape[1] * f.shape[2] * f.shape[3])


def _depthwise(sg: Subgraph, op: Operator) -> Compute:
    """out(N·Ho·Wo·Co) × Kh·Kw, filter [1, Kh, Kw, Co]."""
    f = _in(sg, op, 1)
    if f is None or len(f.shape) != 4:
        return Compute()
    return _mac(_n(_out(sg, op)) * f.shape[1] * f.shape[2])


def _transpose_conv(sg: Subgraph, op: Operator) -> Compute:
    """in(N·Hi·Wi·Ci) × Kh·Kw·Co: every input value is scattered to a Kh×Kw×Co window."""
    f = _in(sg, op, 1)
    if f is None or len(f.shape) != 4:
        return Compute()
    return _mac(_n(_in(sg, op, 2)) * f.shape[0] * f.shape[1] * f.shape[2])


def _conv3d(sg: Subgraph, op: Operator) -> Compute:
    """out(N·Do·Ho·Wo·Co) × Kd·Kh·Kw·Ci, filter [Kd, Kh, Kw, Ci, Co]."""
    f = _in(sg, op, 1)
    if f is None or len(f.shape) != 5:
        return Compute()
    return _mac(_n(_out(sg, op)) * f.shape[0] * f.shape[1] * f.shape[2] * f.shape[3])


def _conv3d_transpose(sg: Subgraph, op: Operator) -> Compute:
    """in(N·Di·Hi·Wi·Ci) × Kd·Kh·Kw·Co, filter [Kd, Kh, Kw, Co, Ci]."""
    f = _in(sg, op, 1)
    if f is None or len(f.shape) != 5:
        return Compute()
    return _mac(_n(_in(sg, op, 2)) * f.shape[0] * f.shape[1] * f.shape[2] * f.shape[3])


def _fully_connected(sg: Subgraph, op: Operator) -> Compute:
    """out(batch·units) × in_features, weights [units, in_features] (any weight dtype)."""
    w = _in(sg, op, 1)
    if w is None or not w.shape:
        return Compute()
    return _mac(_n(_out(sg, op)) * w.shape[-1])


def _batch_matmul(sg: Subgraph, op: Operator) -> Compute:
    """out(batch·M·N) × K, K = x's last dim (its second last with adj_x)."""
    x = _in(sg, op, 0)
    if x is None or len(x.shape) < 2:
        return Compute()
    k = x.shape[-2] if op.options.get("adj_x") else x.shape[-1]
    return _mac(_n(_out(sg, op)) * k)


def _pool(sg: Subgraph, op: Operator) -> Compute:
    """out × Kh·Kw values visited (adds or compares; L2 adds a square per value)."""
    kh, kw = int(op.options.get("filter_height", 1) or 1), int(op.options.get("filter_width", 1) or 1)
    per = 2 if op.builtin == "L2_POOL_2D" else 1
    return Compute(0, _n(_out(sg, op)) * kh * kw * per)


def _per_output(k: int) -> Callable[[Subgraph, Operator], Compute]:
    def f(sg: Subgraph, op: Operator) -> Compute:
        return Compute(0, k * _n(_out(sg, op)))

    f.__doc__ = f"{k} × output elements."
    return f


def _per_input(k: int) -> Callable[[Subgraph, Operator], Compute]:
    def f(sg: Subgraph, op: Operator) -> Compute:
        return Compute(0, k * _n(_in(sg, op, 0)))

    f.__doc__ = f"{k} × input elements."
    return f


def _add_n(sg: Subgraph, op: Operator) -> Compute:
    """(inputs − 1) × output elements."""
    return Compute(0, max(len(op.inputs) - 1, 0) * _n(_out(sg, op)))


def _resize_bilinear(sg: Subgraph, op: Operator) -> Compute:
    """4 MACs per output element (a weighted sum of 4 neighbours)."""
    return _mac(4 * _n(_out(sg, op)))


def _sequence(sg: Subgraph, op: Operator) -> Compute:
    """steps × batch × Σ elements of the weight operands: each weight is used once per step.

    Covers LSTM (4 gate matrices on input and recurrent state, peepholes, projection,
    layer-norm coefficients), RNN (input and recurrent matrices) and SVDF (feature and time
    weights), whatever the weight dtype.
    """
    x = _in(sg, op, 0)
    if x is None or not x.shape:
        return Compute()
    shape = x.shape
    # Sequence ops take [T, B, I] or [B, T, I]: steps × batch is the product either way.
    if op.builtin.startswith(("UNIDIRECTIONAL_SEQUENCE", "BIDIRECTIONAL_SEQUENCE")):
        steps_batch = shape[0] * shape[1] if len(shape) >= 3 else shape[0]
    else:
        steps_batch = shape[0] if len(shape) >= 2 else 1
    weights = 0
    for slot, operand in enumerate(opdef(op.builtin).operands):
        if operand.role == "weights" and slot < len(op.inputs) and op.inputs[slot] >= 0:
            weights += _n(sg.tensor(op.inputs[slot]))
    if weights == 0:
        # Bidirectional ops name no operands in the op table: count every constant 2-D input.
        weights = sum(
            _n(t)
            for t in (sg.tensor(i) for i in op.inputs if i >= 0)
            if t is not None and t.is_constant and len(t.shape) == 2
        )
    return _mac(steps_batch * weights)


_UNARY_COST = {"SOFTMAX": 5, "LOG_SOFTMAX": 5, "L2_NORMALIZATION": 3, "SQUARED_DIFFERENCE": 2, "HARD_SWISH": 3}

FORMULAS: dict[str, Callable[[Subgraph, Operator], Compute]] = {
    "CONV_2D": _conv2d,
    "DEPTHWISE_CONV_2D": _depthwise,
    "TRANSPOSE_CONV": _transpose_conv,
    "CONV_3D": _conv3d,
    "CONV_3D_TRANSPOSE": _conv3d_transpose,
    "FULLY_CONNECTED": _fully_connected,
    "BATCH_MATMUL": _batch_matmul,
    "AVERAGE_POOL_2D": _pool,
    "MAX_POOL_2D": _pool,
    "L2_POOL_2D": _pool,
    "RESIZE_BILINEAR": _resize_bilinear,
    "LSTM": _sequence,
    "UNIDIRECTIONAL_SEQUENCE_LSTM": _sequence,
    "BIDIRECTIONAL_SEQUENCE_LSTM": _sequence,
    "RNN": _sequence,
    "UNIDIRECTIONAL_SEQUENCE_RNN": _sequence,
    "BIDIRECTIONAL_SEQUENCE_RNN": _sequence,
    "SVDF": _sequence,
    "ADD_N": _add_n,
    "MEAN": _per_input(1),
    "SUM": _per_input(1),
    "REDUCE_MAX": _per_input(1),
    "REDUCE_MIN": _per_input(1),
    "REDUCE_PROD": _per_input(1),
    "CUMSUM": _per_input(1),
    "ARG_MAX": _per_input(1),
    "ARG_MIN": _per_input(1),
}
_ARITHMETIC_ELEMENTWISE = (
    "ADD SUB MUL DIV FLOOR_DIV FLOOR_MOD POW MAXIMUM MINIMUM SQUARED_DIFFERENCE ATAN2 "
    "ABS RELU RELU6 RELU_N1_TO_1 RELU_0_TO_1 LOGISTIC TANH EXP LOG SQRT RSQRT SQUARE SIN COS NEG FLOOR CEIL "
    "ROUND SIGN HARD_SWISH ELU GELU LEAKY_RELU PRELU SOFTMAX LOG_SOFTMAX L2_NORMALIZATION QUANTIZE DEQUANTIZE"
).split()
for _name in _ARITHMETIC_ELEMENTWISE:
    FORMULAS.setdefault(_name, _per_output(_UNARY_COST.get(_name, 1)))


def compute(sg: Subgraph, op: Operator) -> Compute:
    """MACs and FLOPs of one op; zero for data movement (reshape, gather, concat...) and custom ops."""
    fn = FORMULAS.get(op.builtin)
    return fn(sg, op) if fn is not None else Compute()


def arith(sg: Subgraph, op: Operator) -> str:
    """Which kernel runs: ``float32``, ``float16``, ``int8``, ``int16x8``, ``hybrid``, ``int4``...

    From the first (activation) input and the first weight operand: float input with integer
    weights is the dynamic-range ("hybrid") kernel.
    """
    x = next((sg.tensor(i) for i in op.inputs if i >= 0 and not sg.tensors[i].is_constant), None)
    w = next((sg.tensor(i) for i in op.inputs if i >= 0 and sg.tensors[i].is_constant), None)
    xd = x.dtype if x is not None else (w.dtype if w is not None else "")
    wd = w.dtype if w is not None else xd
    if xd in ("FLOAT32", "FLOAT16") and wd in ("INT8", "INT4", "UINT8"):
        return "hybrid"
    if wd == "INT4":
        return "int4"
    if xd == "INT16" and wd == "INT8":
        return "int16x8"
    return xd.lower()
