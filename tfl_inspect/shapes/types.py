"""Result types of shape inference, and the small helpers every rule shares.

A shape is a tuple of ints with -1 for a dimension that is still unknown; ``None`` stands
for an unknown rank. Values are tracked only for small tensors (shape arithmetic), as a
:class:`PVal`: the numbers, a mask of which of them are actually known, and for elements
computed from tensor dims their provenance (:class:`Src`: which (tensor, dim) they read and
which ops computed them) — what lint's DYN rules, ``shapes`` and the diagnosis all read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..fmt import format_dims, format_shape

if TYPE_CHECKING:
    from ..model import Model, Tensor

__all__ = [
    "Shape",
    "PVal",
    "Src",
    "ShapeError",
    "ShapeFailure",
    "ShapeResult",
    "OpCheck",
    "TensorStatus",
    "format_shape",
    "format_dims",
    "known",
    "num_elements",
    "MAX_VALUE_ELEMENTS",
]

Shape = tuple[int, ...]

# Values are followed only through tensors this small: shape vectors, axes, sizes.
MAX_VALUE_ELEMENTS = 64


class TensorStatus:
    """Where a tensor's inferred shape comes from (the ``status`` field of the JSON)."""

    INPUT = "input"  # a subgraph input: the shape given, or the recorded signature
    CONSTANT = "constant"  # stored data: its shape cannot change
    INFERRED = "inferred"  # computed by a shape function
    NOT_INFERRED = "not inferred"  # produced by an op without a shape function: recorded signature kept
    FAILED = "failed"  # produced by the op that broke its shape function: unknown
    RECORDED = "recorded"  # produced by nothing in this subgraph (variables, unused)


@dataclass(frozen=True, slots=True)
class Src:
    """Where one element of a value came from: the tensor dims it reads and the ops on the way.

    ``text`` says it for people (``dim 1 of 'x' * 2``); ``dims`` holds (tensor, dim) pairs
    of the subgraph; ``ops`` the indices of the ops that computed it, the SHAPE op included.
    """

    text: str
    dims: frozenset[tuple[int, int]]
    ops: frozenset[int]

    def via(self, op: int) -> Src:
        return self if op in self.ops else Src(self.text, self.dims, self.ops | {op})

    @staticmethod
    def combine(text: str, *parts: Src | None) -> Src:
        dims: frozenset[tuple[int, int]] = frozenset()
        ops: frozenset[int] = frozenset()
        for p in parts:
            if p is not None:
                dims |= p.dims
                ops |= p.ops
        return Src(text, dims, ops)


@dataclass(frozen=True, slots=True)
class PVal:
    """A partially known small tensor value: ``data`` where ``mask`` is True.

    Integers are held as int64, floats as float64, booleans as bool. ``src`` (an object
    array of the same shape, or None) holds a :class:`Src` for elements computed from dims.
    """

    data: np.ndarray
    mask: np.ndarray
    src: np.ndarray | None = None

    @staticmethod
    def full(data: np.ndarray) -> PVal:
        data = np.asarray(data)
        return PVal(data, np.ones(data.shape, dtype=bool))

    def map(self, fn: Callable[[np.ndarray], np.ndarray]) -> PVal:
        """The same structural numpy function (slice, take, reshape…) on data, mask and provenance."""
        return PVal(fn(self.data), fn(self.mask), None if self.src is None else fn(self.src))

    @staticmethod
    def join(vals: Sequence[PVal], fn: Callable[[list[np.ndarray]], np.ndarray]) -> PVal:
        """Stack or concatenate values (``fn`` takes the list of arrays), provenance included."""
        src = None
        if any(v.src is not None for v in vals):
            src = fn([v.src if v.src is not None else np.full(v.data.shape, None, dtype=object) for v in vals])
        return PVal(fn([v.data for v in vals]), fn([v.mask for v in vals]), src)

    def sources(self) -> list[Src | None]:
        """Flat provenance per element (None where nothing is known of it)."""
        if self.src is None:
            return [None] * int(self.data.size)
        return list(self.src.reshape(-1).tolist())

    def symbolic(self) -> list[int | Src] | None:
        """Flat elements as ints, or :class:`Src` where unknown; None if an unknown has no provenance."""
        out: list[int | Src] = []
        for v, k, s in zip(self.ints(), self.mask.reshape(-1).tolist(), self.sources(), strict=True):
            if k:
                out.append(v)
            elif s is None:
                return None
            else:
                out.append(s)
        return out

    def text(self) -> str:
        """``[dim 0 of 'x', 512]``: known elements as numbers, unknown ones by where they come from."""
        parts = []
        for v, k, s in zip(self.known_list(), self.mask.reshape(-1).tolist(), self.sources(), strict=True):
            parts.append(str(v) if k else s.text if s is not None else "?")
        return "[" + ", ".join(parts) + "]"

    @staticmethod
    def unknown(shape: Sequence[int], dtype: str = "int64") -> PVal:
        return PVal(np.zeros(tuple(shape), dtype=dtype), np.zeros(tuple(shape), dtype=bool))

    @property
    def complete(self) -> bool:
        return bool(self.mask.all())

    @property
    def shape(self) -> Shape:
        return tuple(int(d) for d in self.data.shape)

    def ints(self) -> list[int]:
        """Flat values with -1 where unknown — for shape vectors, whose dims are never -1."""
        flat = self.data.reshape(-1)
        m = self.mask.reshape(-1)
        return [int(v) if k else -1 for v, k in zip(flat.tolist(), m.tolist(), strict=True)]

    def known_list(self) -> list[int | float | bool | None]:
        """Flat values with None where unknown."""
        flat = self.data.reshape(-1)
        m = self.mask.reshape(-1)
        return [
            (v if isinstance(v, bool | float) else int(v)) if k else None
            for v, k in zip(flat.tolist(), m.tolist(), strict=True)
        ]

    def to_json(self) -> Any:
        """Nested lists with null for unknown elements."""
        obj = self.data.astype(object)
        obj[~self.mask] = None
        return obj.tolist()


class ShapeError(Exception):
    """Raised by a shape function when the operands cannot work: the message is in plain words."""

    def __init__(self, message: str, *, runtime_checks: bool = True, hint: str | None = None):
        super().__init__(message)
        self.message = message
        # False when LiteRT does not check this and runs on with wrong or partial results.
        self.runtime_checks = runtime_checks
        self.hint = hint


@dataclass(frozen=True, slots=True)
class ShapeFailure:
    """The op whose rule the given shapes break, with its operands as inferred."""

    subgraph: int
    op: int
    opcode: str
    message: str  # "OPCODE #i <rule in plain words>"; model names in it are already escaped
    inputs: tuple[tuple[int, Shape | None], ...]  # (tensor index or -1, inferred shape)
    outputs: tuple[tuple[int, Shape | None], ...]  # (tensor index, recorded signature)
    hint: str | None = None  # what would work instead (escaped names too)
    runtime_checks: bool = True  # False: LiteRT runs on without an error, with wrong results

    @property
    def text(self) -> str:
        """The message and the hint as one line."""
        return f"{self.message}: {self.hint}" if self.hint else self.message


@dataclass(frozen=True, slots=True)
class OpCheck:
    """One op whose recorded shapes break its rule (what lint's SHP001 reports)."""

    subgraph: int
    op: int
    opcode: str
    message: str


@dataclass(frozen=True, slots=True)
class ShapeResult:
    """Every tensor's inferred shape in one subgraph, for one set of input shapes."""

    model: Model = field(repr=False, compare=False)
    subgraph: int
    signature: str | None
    inputs: Mapping[int, Shape | None]  # subgraph input tensor index → shape used
    shapes: tuple[Shape | None, ...]  # per tensor of the subgraph
    status: tuple[str, ...]  # per tensor: a TensorStatus value
    values: Mapping[int, PVal]  # small tensors whose values were followed
    inferred_ops: tuple[int, ...]
    not_inferred_ops: tuple[int, ...]  # ops without a shape function (or whose inputs have no rank)
    failures: tuple[ShapeFailure, ...]
    changed_inputs: tuple[int, ...] = ()  # inputs given a shape that differs from the record
    # integer tensor → the SHAPE ops whose result flows into it (run-time shape computations)
    shape_sources: Mapping[int, frozenset[int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def failure(self) -> ShapeFailure | None:
        """The first failure in execution order (the op where the interpreter stops)."""
        return self.failures[0] if self.failures else None

    def shape(self, tensor: int) -> Shape | None:
        return self.shapes[tensor]

    def value(self, tensor: int) -> PVal | None:
        return self.values.get(tensor)

    def sources(self, tensor: int) -> frozenset[int]:
        """SHAPE ops (indices) whose result flows, through integer ops, into ``tensor``."""
        return self.shape_sources.get(tensor, frozenset())

    def computation(self, tensor: int) -> tuple[frozenset[int], frozenset[tuple[int, int]]]:
        """The ops that computed ``tensor``'s value and the (tensor, dim) pairs it reads, from provenance."""
        v = self.values.get(tensor)
        ops: frozenset[int] = frozenset()
        dims: frozenset[tuple[int, int]] = frozenset()
        if v is not None:
            for s in v.sources():
                if s is not None:
                    ops |= s.ops
                    dims |= s.dims
        return ops, dims

    def tensor_rows(self) -> Iterable[tuple[Tensor, Shape | None, str]]:
        """(tensor, inferred shape, status) for every tensor of the subgraph."""
        sg = self.model.subgraphs[self.subgraph]
        for t in sg.tensors:
            yield t, self.shapes[t.index], self.status[t.index]


def known(*dims: int) -> bool:
    return all(d >= 0 for d in dims)


def num_elements(shape: Shape | None) -> int:
    """Product of the dims, or -1 when any is unknown."""
    if shape is None:
        return -1
    n = 1
    for d in shape:
        if d < 0:
            return -1
        n *= d
    return n
