"""Result types of shape inference, and the small helpers every rule shares.

A shape is a tuple of ints with -1 for a dimension that is still unknown; ``None`` stands
for an unknown rank. Values are tracked only for small tensors (shape arithmetic), as a
:class:`PVal`: the numbers plus a mask of which of them are actually known.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..model import Model, Tensor

__all__ = [
    "Shape",
    "PVal",
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
    INFERRED = "inferred"  # computed by a rule
    NOT_INFERRED = "not inferred"  # produced by an op without a rule: recorded signature kept
    FAILED = "failed"  # produced by the op that broke a rule: unknown
    RECORDED = "recorded"  # produced by nothing in this subgraph (variables, unused)


@dataclass(frozen=True, slots=True)
class PVal:
    """A partially known small tensor value: ``data`` where ``mask`` is True.

    Integers are held as int64, floats as float64, booleans as bool.
    """

    data: np.ndarray
    mask: np.ndarray

    @staticmethod
    def full(data: np.ndarray) -> PVal:
        data = np.asarray(data)
        return PVal(data, np.ones(data.shape, dtype=bool))

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

    def known_list(self) -> list[int | None]:
        """Flat values with None where unknown."""
        flat = self.data.reshape(-1)
        m = self.mask.reshape(-1)
        return [
            (v if isinstance(v, bool | float) else int(v)) if k else None
            for v, k in zip(flat.tolist(), m.tolist(), strict=True)
        ]

    def to_json(self) -> list | int | float | bool | None:
        """Nested lists with null for unknown elements."""
        obj = np.where(self.mask, self.data.astype(object), None)
        return obj.tolist()


class ShapeError(Exception):
    """Raised by a rule when the operands cannot work: the message is in plain words."""

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
    not_inferred_ops: tuple[int, ...]  # ops without a rule (or whose inputs have no rank)
    failures: tuple[ShapeFailure, ...]
    changed_inputs: tuple[int, ...] = ()  # inputs given a shape that differs from the record

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


def format_dims(shape: Shape | None, sep: str = "x") -> str:
    """``1x96x96x3`` (``?`` for unknown dims, ``scalar`` for rank 0, ``unranked``)."""
    if shape is None:
        return "unranked"
    if not shape:
        return "scalar"
    return sep.join("?" if d < 0 else str(d) for d in shape)


def format_shape(shape: Shape | None) -> str:
    """``[1, 96, 96, 3]`` with ``?`` for unknown dims and ``unranked`` for an unknown rank."""
    if shape is None:
        return "unranked"
    return "[" + ", ".join("?" if d < 0 else str(d) for d in shape) + "]"
