"""Edit a converted model for one rule test: change an option, a dtype, a shape, or drop a constant."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import tfl_inspect
from tests.modeledit import pack, schema, unpack


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


DTYPE = schema.TensorType
