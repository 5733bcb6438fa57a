"""What a shape function sees of its op, and the registry the functions add themselves to.

A shape function is ``fn(ctx) -> list of output shapes``. It reads operand shapes and the values of
small operands through :class:`OpContext`, may publish output values with
``ctx.set_value``, and raises :class:`ShapeError` (plain words, no model names) when the
operands cannot work. Unknown dims are -1 and pass every check they take part in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..types import MAX_VALUE_ELEMENTS, PVal, Shape, ShapeError, format_dims, format_shape

if TYPE_CHECKING:
    from ...model import Model, Operator, Subgraph, Tensor

__all__ = [
    "OpContext",
    "CannotInferError",
    "SHAPE_FNS",
    "shape_fn",
    "ShapeFn",
    "has_shape_fn",
    "broadcast",
    "dim_eq",
    "dims",
    "fmt",
    "norm_axis",
    "unknown_dims",
]

ShapeFn = Callable[["OpContext"], Sequence[Shape]]
SHAPE_FNS: dict[str, ShapeFn] = {}


def shape_fn(*opcodes: str) -> Callable[[ShapeFn], ShapeFn]:
    """Register ``fn`` as the shape function of builtin ``opcodes``."""

    def register(fn: ShapeFn) -> ShapeFn:
        for name in opcodes:
            SHAPE_FNS[name] = fn
        return fn

    return register


def has_shape_fn(opcode: str) -> bool:
    """True for builtins with a shape function (ops calling a subgraph are inferred through it)."""
    return opcode in SHAPE_FNS or opcode == "STABLEHLO_COMPOSITE"


class CannotInferError(Exception):
    """An operand has no known rank: the rule cannot say anything."""


MAX_RANK = 64  # far above any kernel's limit; a longer shape operand only comes from a corrupt file


def unknown_dims(rank: int) -> Shape:
    """``rank`` unknown dims, the rank read from a shape operand's length (which the file sets, up to 2^31)."""
    if not 0 <= rank <= MAX_RANK:
        raise CannotInferError
    return (-1,) * rank


fmt = format_shape
dims = format_dims


class OpContext:
    """One op's operands as inferred so far."""

    def __init__(
        self,
        subgraph: Subgraph,
        op: Operator,
        shapes: Sequence[Shape | None],
        values: Mapping[int, PVal],
        model: Model | None = None,
    ) -> None:
        self.model = model  # for ops that read another subgraph (variables set by CALL_ONCE)
        self.subgraph = subgraph
        self.op = op
        self.opts = op.options
        self._shapes = shapes
        self._values = values
        self.out_values: dict[int, PVal] = {}

    # -- operands -------------------------------------------------------------------------
    @property
    def n_inputs(self) -> int:
        return len(self.op.inputs)

    @property
    def n_outputs(self) -> int:
        return len(self.op.outputs)

    def has(self, i: int) -> bool:
        """True when input slot ``i`` exists and is not an omitted optional input."""
        return i < len(self.op.inputs) and self.op.inputs[i] >= 0

    def tensor(self, i: int) -> Tensor:
        t = self.subgraph.tensor(self.op.inputs[i]) if i < len(self.op.inputs) else None
        if t is None:
            raise ShapeError(f"has no operand {i}")
        return t

    def shape(self, i: int) -> Shape:
        """Shape of input ``i``; raises :class:`CannotInferError` when it has none."""
        if not self.has(i):
            raise ShapeError(f"has no operand {i}")
        s = self._shapes[self.op.inputs[i]]
        if s is None:
            raise CannotInferError
        return s

    def maybe_shape(self, i: int) -> Shape | None:
        if not self.has(i):
            return None
        return self._shapes[self.op.inputs[i]]

    def rank(self, i: int) -> int:
        return len(self.shape(i))

    def dtype(self, i: int) -> str:
        return self.tensor(i).dtype

    def out_tensor(self, k: int) -> Tensor | None:
        return self.subgraph.tensor(self.op.outputs[k]) if k < len(self.op.outputs) else None

    def out_dtype(self, k: int = 0) -> str:
        t = self.out_tensor(k)
        return t.dtype if t is not None else ""

    def recorded(self, k: int = 0) -> Shape | None:
        """Recorded shape signature of output ``k`` (None without a rank)."""
        t = self.out_tensor(k)
        if t is None or not t.has_rank:
            return None
        return t.shape_signature

    def is_constant(self, i: int) -> bool:
        return self.has(i) and self.tensor(i).is_constant

    def value(self, i: int) -> PVal | None:
        """The (partly) known value of input ``i``, if it is small and was followed."""
        if not self.has(i):
            return None
        return self._values.get(self.op.inputs[i])

    def pval(self, i: int) -> PVal | None:
        """Like :meth:`value`, but a small operand with no known value is all-unknown."""
        v = self.value(i)
        if v is not None:
            return v
        s = self.maybe_shape(i)
        if s is None or any(d < 0 for d in s) or int(np.prod(s)) > MAX_VALUE_ELEMENTS:
            return None
        t = self.tensor(i)
        kind = "float64" if t.dtype.startswith(("FLOAT", "BFLOAT")) else "bool" if t.dtype == "BOOL" else "int64"
        return PVal.unknown(s, kind)

    def ints(self, i: int) -> list[int] | None:
        """Input ``i`` as a flat list of ints when every element is known."""
        v = self.value(i)
        if v is None or not v.complete or v.data.dtype.kind not in "iub":
            return None
        return [int(x) for x in v.data.reshape(-1).tolist()]

    def scalar(self, i: int) -> int | None:
        vals = self.ints(i)
        return vals[0] if vals is not None and len(vals) == 1 else None

    def label(self, i: int) -> str:
        """``input 1 (1x16x16x8)``: how messages name an operand."""
        s = self.maybe_shape(i)
        return f"input {i} ({dims(s)})"

    # -- outputs --------------------------------------------------------------------------
    def set_value(self, k: int, value: PVal | np.ndarray | None) -> None:
        if value is None:
            return
        if not isinstance(value, PVal):
            value = PVal.full(np.asarray(value))
        if value.data.size <= MAX_VALUE_ELEMENTS:
            self.out_values[k] = value

    def values(self, *slots: int) -> list[PVal] | None:
        """Values of all ``slots``, or None unless every one is known to some extent."""
        out = []
        for i in slots:
            v = self.value(i)
            if v is None:
                return None
            out.append(v)
        return out


# -- helpers shared by the rule families -----------------------------------------------------


def dim_eq(a: int, b: int) -> bool:
    """Equal, or at least one is unknown."""
    return a < 0 or b < 0 or a == b


def norm_axis(axis: int, rank: int, what: str = "axis") -> int:
    """``axis`` in ``[0, rank)``, negatives counted from the end; ShapeError otherwise."""
    a = axis + rank if axis < 0 else axis
    if not 0 <= a < rank:
        raise ShapeError(f"{what} {axis} is out of range for a rank-{rank} operand")
    return a


def broadcast(*shapes: Shape, labels: Sequence[str] | None = None) -> Shape:
    """NumPy broadcasting as LiteRT applies it; unknown dims broadcast to unknown."""
    rank = max((len(s) for s in shapes), default=0)
    out: list[int] = []
    for i in range(rank):
        col = [s[len(s) - rank + i] if len(s) - rank + i >= 0 else 1 for s in shapes]
        fixed = {d for d in col if d >= 0 and d != 1}
        if len(fixed) > 1:
            names = labels or [f"input {k}" for k in range(len(shapes))]
            parts = ", ".join(f"{n} {dims(s)}" for n, s in zip(names, shapes, strict=False))
            raise ShapeError(f"cannot broadcast {parts}: dimension {i - rank} is " + " vs ".join(str(d) for d in col))
        if fixed:
            out.append(fixed.pop())
        elif any(d < 0 for d in col):
            out.append(-1)
        else:
            out.append(1)
    return tuple(out)
