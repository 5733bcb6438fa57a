"""A tiny evaluator for shape vectors: which dims of a computed shape come from SHAPE ops.

Only the integer ops Keras lowerings use to build shapes are understood (SHAPE, slices,
PACK, CONCATENATION, arithmetic); anything else evaluates to None ("unknown"). Elements are
ints when static and :class:`Sym` when they depend on a dim that is unknown until run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model import Operator
    from .context import View

__all__ = ["Sym", "Value", "ShapeEval"]

_MAX_CONST = 64  # longer constants are not shape vectors
_MAX_DEPTH = 48
_INT = ("INT32", "INT64")


@dataclass(frozen=True, slots=True)
class Sym:
    """A run-time value: ``text`` for people, ``dims`` = the (tensor, dim) pairs it reads."""

    text: str
    dims: frozenset[tuple[int, int]]


Elem = int | Sym


@dataclass(frozen=True, slots=True)
class Value:
    elems: tuple[Elem, ...]
    scalar: bool = False

    @property
    def static(self) -> bool:
        return all(isinstance(e, int) for e in self.elems)

    def sym_dims(self) -> frozenset[tuple[int, int]]:
        out: frozenset[tuple[int, int]] = frozenset()
        for e in self.elems:
            if isinstance(e, Sym):
                out |= e.dims
        return out

    def text(self) -> str:
        return "[" + ", ".join(e.text if isinstance(e, Sym) else str(e) for e in self.elems) + "]"


class ShapeEval:
    """Memoised per subgraph: ``value(t)`` and ``sources(t)`` (SHAPE ops behind t)."""

    def __init__(self, view: View) -> None:
        self.view = view
        self._values: dict[int, Value | None] = {}
        self._sources: dict[int, frozenset[int]] = {}

    # --- SHAPE sources ---------------------------------------------------------------------
    def sources(self, t: int) -> frozenset[int]:
        """Indices of SHAPE ops whose result flows (through integer ops) into tensor ``t``."""
        if t in self._sources:
            return self._sources[t]
        view = self.view
        stack = [t]
        while stack:
            cur = stack[-1]
            if cur in self._sources:
                stack.pop()
                continue
            op = view.producer_op(cur)
            tensor = view.tensor(cur)
            if op is None or tensor is None or tensor.dtype not in _INT:
                self._sources[cur] = frozenset()
                stack.pop()
                continue
            if op.builtin == "SHAPE":
                self._sources[cur] = frozenset({op.index})
                stack.pop()
                continue
            pending = [i for i in op.inputs if i >= 0 and i not in self._sources]
            if pending:
                stack.extend(pending)
                continue
            acc: frozenset[int] = frozenset()
            for i in op.inputs:
                if i >= 0:
                    acc |= self._sources[i]
            self._sources[cur] = acc
            stack.pop()
        return self._sources[t]

    # --- values ----------------------------------------------------------------------------
    def value(self, t: int, depth: int = 0) -> Value | None:
        if t in self._values:
            return self._values[t]
        if depth > _MAX_DEPTH:
            return None
        v = self._compute(t, depth)
        self._values[t] = v
        return v

    def _compute(self, t: int, depth: int) -> Value | None:
        view = self.view
        tensor = view.tensor(t)
        if tensor is None or tensor.dtype not in _INT or (tensor.has_rank and len(tensor.shape) > 1):
            return None
        if tensor.is_constant:
            data = tensor.data()
            if data is None or data.size > _MAX_CONST:
                return None
            return Value(tuple(int(x) for x in data.reshape(-1).tolist()), scalar=len(tensor.shape) == 0)
        op = view.producer_op(t)
        if op is None:
            return None
        return _OPS.get(op.builtin, _unknown)(self, op, depth + 1)

    def arg(self, op: Operator, slot: int, depth: int) -> Value | None:
        if slot >= len(op.inputs) or op.inputs[slot] < 0:
            return None
        return self.value(op.inputs[slot], depth)


def _unknown(ev: ShapeEval, op: Operator, depth: int) -> Value | None:
    return None


def _shape(ev: ShapeEval, op: Operator, depth: int) -> Value | None:
    x = ev.view.operand(op, 0)
    if x is None or not x.has_rank:
        return None
    label = f"'{x.name}'" if x.name else f"tensor {x.index}"
    elems: list[Elem] = []
    for d, size in enumerate(x.shape_signature):
        elems.append(size if size >= 0 else Sym(f"dim {d} of {label}", frozenset({(x.index, d)})))
    return Value(tuple(elems))


def _index(n: int, i: int) -> int:
    return i + n if i < 0 else i


def _strided_slice(ev: ShapeEval, op: Operator, depth: int) -> Value | None:
    v, b, e, s = (ev.arg(op, i, depth) for i in range(4))
    if v is None or v.scalar or None in (b, e, s) or not (len(b.elems) == len(e.elems) == len(s.elems) == 1):
        return None
    begin, end, stride = b.elems[0], e.elems[0], s.elems[0]
    if not all(isinstance(x, int) for x in (begin, end, stride)) or stride == 0:
        return None
    opts = op.options
    if opts.get("ellipsis_mask") or opts.get("new_axis_mask"):
        return None
    n = len(v.elems)
    if opts.get("shrink_axis_mask", 0) & 1:
        i = _index(n, begin)
        return Value((v.elems[i],), scalar=True) if 0 <= i < n else None
    start = None if opts.get("begin_mask", 0) & 1 else begin
    stop = None if opts.get("end_mask", 0) & 1 else end
    return Value(tuple(v.elems[slice(start, stop, stride)]))


def _slice(ev: ShapeEval, op: Operator, depth: int) -> Value | None:
    v, b, size = (ev.arg(op, i, depth) for i in range(3))
    if v is None or v.scalar or b is None or size is None or len(b.elems) != 1 or len(size.elems) != 1:
        return None
    begin, n = b.elems[0], size.elems[0]
    if not isinstance(begin, int) or not isinstance(n, int):
        return None
    return Value(tuple(v.elems[begin:] if n < 0 else v.elems[begin : begin + n]))


def _gather(ev: ShapeEval, op: Operator, depth: int) -> Value | None:
    v, idx = ev.arg(op, 0, depth), ev.arg(op, 1, depth)
    if v is None or idx is None or v.scalar or op.options.get("axis", 0) != 0 or not idx.static:
        return None
    n = len(v.elems)
    picks = [_index(n, i) for i in idx.elems]  # type: ignore[arg-type]
    if not all(0 <= i < n for i in picks):
        return None
    return Value(tuple(v.elems[i] for i in picks), scalar=idx.scalar)


def _pack(ev: ShapeEval, op: Operator, depth: int) -> Value | None:
    if op.options.get("axis", 0) != 0:
        return None
    parts = [ev.value(i, depth) if i >= 0 else None for i in op.inputs]
    if any(p is None or not p.scalar for p in parts):
        return None
    return Value(tuple(p.elems[0] for p in parts))  # type: ignore[union-attr]


def _concat(ev: ShapeEval, op: Operator, depth: int) -> Value | None:
    if op.options.get("axis", 0) not in (0, -1):
        return None
    parts = [ev.value(i, depth) if i >= 0 else None for i in op.inputs]
    if any(p is None or p.scalar for p in parts):
        return None
    return Value(tuple(e for p in parts for e in p.elems))  # type: ignore[union-attr]


def _passthrough(ev: ShapeEval, op: Operator, depth: int) -> Value | None:
    v = ev.arg(op, 0, depth)
    out = ev.view.result(op)
    if v is None or out is None:
        return None
    return Value(v.elems, scalar=len(out.shape) == 0 and len(v.elems) == 1)


_ARITH = {
    "MUL": ("*", lambda a, b: a * b),
    "ADD": ("+", lambda a, b: a + b),
    "SUB": ("-", lambda a, b: a - b),
    "FLOOR_DIV": ("//", lambda a, b: a // b if b else None),
    "DIV": ("/", lambda a, b: a // b if b else None),
    "MAXIMUM": ("max", max),
    "MINIMUM": ("min", min),
}


def _arith(ev: ShapeEval, op: Operator, depth: int) -> Value | None:
    a, b = ev.arg(op, 0, depth), ev.arg(op, 1, depth)
    if a is None or b is None:
        return None
    sym, fn = _ARITH[op.builtin]
    na, nb = len(a.elems), len(b.elems)
    if na != nb and 1 not in (na, nb):
        return None
    n = max(na, nb)
    out: list[Elem] = []
    for i in range(n):
        x, y = a.elems[i if na > 1 else 0], b.elems[i if nb > 1 else 0]
        if isinstance(x, int) and isinstance(y, int):
            r = fn(x, y)
            if r is None:
                return None
            out.append(int(r))
        else:
            xs = x.text if isinstance(x, Sym) else str(x)
            ys = y.text if isinstance(y, Sym) else str(y)
            d = (x.dims if isinstance(x, Sym) else frozenset()) | (y.dims if isinstance(y, Sym) else frozenset())
            text = f"{sym}({xs}, {ys})" if sym in ("max", "min") else f"{xs} {sym} {ys}"
            out.append(Sym(text, d))
    return Value(tuple(out), scalar=a.scalar and b.scalar)


def _prod(ev: ShapeEval, op: Operator, depth: int) -> Value | None:
    v = ev.arg(op, 0, depth)
    out = ev.view.result(op)
    if v is None or out is None or len(out.shape) != 0:
        return None
    acc: Elem = 1
    for e in v.elems:
        if isinstance(acc, int) and isinstance(e, int):
            acc *= e
        else:
            at = acc.text if isinstance(acc, Sym) else str(acc)
            et = e.text if isinstance(e, Sym) else str(e)
            d = (acc.dims if isinstance(acc, Sym) else frozenset()) | (e.dims if isinstance(e, Sym) else frozenset())
            acc = Sym(f"{at} * {et}", d)
    return Value((acc,), scalar=True)


_OPS = {
    "SHAPE": _shape,
    "STRIDED_SLICE": _strided_slice,
    "SLICE": _slice,
    "GATHER": _gather,
    "PACK": _pack,
    "CONCATENATION": _concat,
    "CAST": _passthrough,
    "RESHAPE": _passthrough,
    "SQUEEZE": _passthrough,
    "EXPAND_DIMS": _passthrough,
    "REDUCE_PROD": _prod,
    **{k: _arith for k in _ARITH},
}
