"""Parameters: the constant buffers each op reads, counted in elements and bytes.

A buffer shared by several tensors or ops (the converter deduplicates identical constants)
counts once in the totals, attributed to the first op that reads it. Weight RAM is what a
LiteRT interpreter holds after loading: the file's constants plus the float32 copy it makes
when a constant FLOAT16 tensor feeds DEQUANTIZE (evaluated once at prepare time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..dtypes import tensor_bytes
from ..naming import MODULE_SCHEMES, op_layer

if TYPE_CHECKING:
    from ..model import Model, Operator, Subgraph, Tensor

__all__ = ["OpParams", "op_params", "scope_of", "elements", "bytes_moved"]


def elements(t: Tensor) -> int:
    n = 1
    for d in t.shape:
        n *= max(d, 0)
    return n


@dataclass(frozen=True, slots=True)
class OpParams:
    params: int  # elements of the constants this op reads first (shared ones count once, here)
    weight_bytes: int  # their bytes in the file
    dequantized_bytes: int  # float32 bytes LiteRT adds at load time (FLOAT16 → DEQUANTIZE)
    by_dtype: tuple[tuple[str, int, int], ...]  # (dtype, elements, bytes)


def _key(t: Tensor) -> tuple[int, int] | tuple[str, int, int]:
    return ("b", t.buffer, 0) if t.buffer else (t.subgraph, t.index)


def op_params(model: Model) -> dict[tuple[int, int], OpParams]:
    """(subgraph, op index) → parameters, each constant buffer attributed to its first reader."""
    seen: set[object] = set()
    out: dict[tuple[int, int], OpParams] = {}
    for sg in model.subgraphs:
        tensors = sg.tensors
        for op in sg.operators:
            consts = [tensors[i] for i in op.inputs if i >= 0 and tensors[i].is_constant]
            out[(sg.index, op.index)] = _one(op, consts, seen) if consts else _NONE
    return out


_NONE = OpParams(0, 0, 0, ())


def _one(op: Operator, consts: list[Tensor], seen: set[object]) -> OpParams:
    params = nbytes = deq = 0
    by: dict[str, list[int]] = {}
    for t in consts:
        key = _key(t)
        if key in seen:
            continue
        seen.add(key)
        n = elements(t)
        params += n
        nbytes += t.nbytes
        row = by.setdefault(t.dtype, [0, 0])
        row[0] += n
        row[1] += t.nbytes
        if op.builtin == "DEQUANTIZE" and t.dtype == "FLOAT16":
            deq += 4 * n
    return OpParams(params, nbytes, deq, tuple((d, v[0], v[1]) for d, v in sorted(by.items())))


def scope_of(sg: Subgraph, op: Operator, producer: str | None = None) -> str:
    """The layer an op belongs to (:func:`tfl_inspect.naming.op_layer`, read with the producer's scheme).

    ``model/conv1/Conv2D;model/conv1/BiasAdd`` → ``model/conv1``; a litert-torch class path →
    ``layer1.0.relu`` (``""``: the root module, as ``named_modules()`` names it); flat names are
    their own layer; ops without a named output fall back to their opcode.
    """
    found = op_layer(sg, op, producer)
    if found.scheme in MODULE_SCHEMES:
        return found.name
    return found.label or op.opcode


def bytes_moved(sg: Subgraph, op: Operator) -> int:
    """Activation bytes an op reads and writes (its non-constant operands and its results) at the
    recorded shapes: what a memory-bound op such as TRANSPOSE costs."""
    total = 0
    for i in (*op.inputs, *op.outputs):
        t = sg.tensor(i) if i >= 0 else None
        if t is None or t.is_constant or not t.has_rank:
            continue
        total += tensor_bytes(t.dtype, t.shape) or 0
    return total
