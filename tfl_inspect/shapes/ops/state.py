"""Resource variables (VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE, CALL_ONCE) and DENSIFY.

A resource handle is not data: it is a scalar id (the interpreter reports shape ``[]``),
so an unknown rank on it says nothing about the model. A variable's shape is the shape of
the value the init subgraph (run once by CALL_ONCE) assigns to it under its shared name;
streaming models keep their state there between invokes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...escape import text as esc
from ..types import Shape, ShapeError
from .base import CannotInferError, OpContext, dims, shape_fn

if TYPE_CHECKING:
    from ...model import Model

__all__ = ["variable_shapes", "var_handle", "read_variable", "assign_variable", "call_once", "densify"]


def _key(op_options: dict) -> tuple[str, str]:
    return (str(op_options.get("container") or ""), str(op_options.get("shared_name") or ""))


def variable_shapes(model: Model) -> dict[tuple[str, str], Shape]:
    """(container, shared name) → shape of the value that ASSIGN_VARIABLE gives it, over all subgraphs.

    Cached on the model: constants assigned by the init subgraph fix a streaming model's state.
    """
    cached = model._cache.get("variable_shapes")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    out: dict[tuple[str, str], Shape] = {}
    constant: set[tuple[str, str]] = set()
    for sg in model.subgraphs:
        for op in sg.operators:
            if op.opcode != "ASSIGN_VARIABLE" or len(op.inputs) < 2:
                continue
            handle = sg.producer_op(op.inputs[0]) if op.inputs[0] >= 0 else None
            value = sg.tensor(op.inputs[1])
            if handle is None or handle.opcode != "VAR_HANDLE" or value is None or not value.has_rank:
                continue
            key = _key(dict(handle.options))
            if value.is_constant or key not in out:  # the init subgraph's constant decides
                if value.is_constant or key not in constant:
                    out[key] = value.shape_signature
                if value.is_constant:
                    constant.add(key)
    model._cache["variable_shapes"] = out
    return out


@shape_fn("VAR_HANDLE")
def var_handle(ctx: OpContext) -> list[Shape]:
    """A scalar resource id."""
    return [()]


@shape_fn("READ_VARIABLE")
def read_variable(ctx: OpContext) -> list[Shape]:
    """The variable's shape: what the init subgraph assigns, else the recorded result."""
    handle = ctx.subgraph.producer_op(ctx.op.inputs[0]) if ctx.has(0) else None
    if handle is not None and handle.opcode == "VAR_HANDLE" and ctx.model is not None:
        shape = variable_shapes(ctx.model).get(_key(dict(handle.options)))
        if shape is not None:
            return [shape]
    rec = ctx.recorded(0)
    if rec is None:
        raise CannotInferError
    return [rec]


@shape_fn("ASSIGN_VARIABLE")
def assign_variable(ctx: OpContext) -> list[Shape]:
    """No outputs; the value replaces the variable (LiteRT reallocates it to the value's shape).

    A value of another shape than the variable's is not an error for LiteRT, but the next
    invoke reads state of a shape the graph was not built for.
    """
    handle = ctx.subgraph.producer_op(ctx.op.inputs[0]) if ctx.has(0) else None
    value = ctx.maybe_shape(1)
    if handle is None or handle.opcode != "VAR_HANDLE" or ctx.model is None or value is None:
        return []
    var = variable_shapes(ctx.model).get(_key(dict(handle.options)))
    if var is not None and (
        len(var) != len(value) or any(a >= 0 and b >= 0 and a != b for a, b in zip(var, value, strict=False))
    ):
        name = esc(str(handle.options.get("shared_name") or ""))
        raise ShapeError(
            f"writes {dims(value)} into variable '{name}' of shape {dims(var)}: the state changes shape, "
            "and the next invoke reads it",
            runtime_checks=False,
        )
    return []


@shape_fn("CALL_ONCE")
def call_once(ctx: OpContext) -> list[Shape]:
    """Runs the init subgraph on the first invoke; no operands, no outputs."""
    return []


@shape_fn("DENSIFY")
def densify(ctx: OpContext) -> list[Shape]:
    """The dense tensor: a sparse constant's ``shape`` is already the dense shape."""
    x = ctx.shape(0)
    rec = ctx.recorded(0)
    if rec is not None and len(rec) != len(x):
        raise ShapeError(f"densifies {dims(x)} into rank {len(rec)}")
    return [x]
