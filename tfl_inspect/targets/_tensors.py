"""Tensor facts phrased the way runtime checks ask them (type, rank, constant, affine params)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..opdefs import operand as _operand
from ..remedies import Text
from .reasons import Reject

if TYPE_CHECKING:
    from ..model import Model, Operator, Subgraph, Tensor

__all__ = ["affine", "is_constant", "dims", "describe", "slot_name", "option", "scale0", "zp0", "const_values"]


def affine(t: Tensor) -> bool:
    """The interpreter gives a tensor affine quantization only when the file has a scale."""
    q = t.quantization
    return q is not None and bool(q.scale)


def scale0(t: Tensor) -> float:
    q = t.quantization
    return q.scale[0] if q is not None and q.scale else 0.0


def zp0(t: Tensor) -> int:
    q = t.quantization
    return q.zero_point[0] if q is not None and q.zero_point else 0


def is_constant(t: Tensor) -> bool:
    """``kTfLiteMmapRo``: the data is in the file (delegates call such tensors "static")."""
    return t.is_constant


def dims(t: Tensor) -> tuple[int, ...]:
    """The dims the interpreter allocates (unknown sizes are 1 until a resize)."""
    return t.shape


def slot_name(op: Operator, slot: int, output: bool = False) -> str:
    if output:
        return f"output {slot}" if len(op.outputs) > 1 else "output"
    o = _operand(op.builtin, slot)
    return f"input {slot} ({o.name})" if o is not None else f"input {slot}"


def describe(sg: Subgraph, t: int) -> str:
    tensor = sg.tensor(t)
    if tensor is None:
        return f"tensor {t}"
    shape = "x".join(str(d) for d in tensor.shape_signature) or "scalar"
    return f"'{tensor.name}' {tensor.dtype}[{shape}]"


def option(op: Operator, name: str, default: object = None) -> object:
    return op.options.get(name, default)


def const_values(t: Tensor) -> list[int] | None:
    """Integer constant contents as a flat list (None when not a constant or unreadable)."""
    if not t.is_constant:
        return None
    try:
        data = t.data()
    except Exception:
        return None
    if data is None or t.dtype not in ("INT32", "INT64", "INT16", "INT8", "UINT8"):
        return None
    return [int(v) for v in data.reshape(-1)]


def need(cond: bool, code: str, message: str, operand: str | None = None, fix: Text | None = None) -> None:
    if not cond:
        raise Reject(code, message, operand, fix)


def dynamic_inputs(model: Model, subgraphs: Iterable[int]) -> list[str]:
    """Names of the inputs of ``subgraphs`` with a -1 in shape_signature (a delegate compiles for one shape)."""
    return [
        model.subgraphs[s].tensors[t].name
        for s in subgraphs
        for t in model.subgraphs[s].inputs
        if -1 in model.subgraphs[s].tensors[t].shape_signature
    ]
