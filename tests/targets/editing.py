"""Edit a converted model for one rule test: change an option, a dtype, a shape, or drop a constant."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import tfl_inspect
from tests.modeledit import pack, schema, unpack
from tfl_inspect.targets.reasons import Reject


def edited(path: Path, change: Callable[[Any], None]) -> tfl_inspect.Model:
    """Load ``path`` after ``change(model_t)`` edited its object-API form."""
    m = unpack(path)
    change(m)
    return tfl_inspect.load(pack(m))


def op_t(m: Any, opcode: str, nth: int = 0) -> Any:
    """The ``nth`` operator of builtin ``opcode`` in subgraph 0 (object API)."""
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    found = [
        op
        for op in m.subgraphs[0].operators
        if names.get(
            max(m.operatorCodes[op.opcodeIndex].builtinCode, m.operatorCodes[op.opcodeIndex].deprecatedBuiltinCode)
        )
        == opcode
    ]
    return found[nth]


def tensor_t(m: Any, index: int) -> Any:
    return m.subgraphs[0].tensors[index]


def find(model: tfl_inspect.Model, opcode: str, nth: int = 0) -> tfl_inspect.Operator:
    return [op for op in model.subgraphs[0].operators if op.opcode == opcode][nth]


def refusal(check: Callable[..., None], model: tfl_inspect.Model, opcode: str, nth: int = 0, *args: Any) -> str | None:
    """The reason code a target's ``check(subgraph 0, the nth opcode op, *args)`` refuses it with, or None."""
    try:
        check(model.subgraphs[0], find(model, opcode, nth), *args)
    except Reject as rej:
        return rej.reason.code
    return None


def set_options(opcode: str, **fields: Any) -> Callable[[Any], None]:
    """An edit: these builtin options of the first ``opcode`` op."""

    def change(m: Any) -> None:
        opts = op_t(m, opcode).builtinOptions
        for k, v in fields.items():
            setattr(opts, k, v)

    return change


def drop_constant(opcode: str, slot: int) -> Callable[[Any], None]:
    """An edit: operand ``slot`` of the first ``opcode`` op becomes a run-time tensor (buffer 0, empty)."""

    def change(m: Any) -> None:
        tensor_t(m, op_t(m, opcode).inputs[slot]).buffer = 0

    return change


DTYPE = schema.TensorType
