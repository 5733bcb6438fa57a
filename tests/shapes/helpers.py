"""Run one shape rule on hand-made operands, without a model file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tfl_inspect.model import Operator, Subgraph, Tensor
from tfl_inspect.shapes.ops import SHAPE_FNS, OpContext
from tfl_inspect.shapes.types import PVal

Operand = tuple[tuple[int, ...], Any]  # (shape, value or None)


def apply_rule(
    opcode: str,
    operands: Sequence[Operand | None],
    options: Mapping[str, Any] | None = None,
    *,
    n_outputs: int = 1,
    dtype: str = "INT32",
) -> tuple[list[tuple[int, ...]], dict[int, PVal]]:
    """Output shapes and output values of ``opcode`` for operands ``(shape, value)``.

    A value may be a numpy array (fully known) or a :class:`PVal`; None operands are
    omitted optional inputs.
    """
    tensors, shapes, values, inputs = [], [], {}, []
    for k, operand in enumerate(operands):
        if operand is None:
            inputs.append(-1)
            continue
        shape, value = operand
        idx = len(tensors)
        tensors.append(Tensor(0, idx, f"in{k}", dtype, tuple(shape), tuple(shape)))
        shapes.append(tuple(shape))
        if value is not None:
            values[idx] = value if isinstance(value, PVal) else PVal.full(np.asarray(value))
        inputs.append(idx)
    outputs = []
    for k in range(n_outputs):
        idx = len(tensors)
        tensors.append(Tensor(0, idx, f"out{k}", dtype, (), ()))
        shapes.append(None)
        outputs.append(idx)
    op = Operator(0, 0, opcode, opcode, inputs=tuple(inputs), outputs=tuple(outputs), options=dict(options or {}))
    sg = Subgraph(0, "", tuple(tensors), (op,), tuple(i for i in inputs if i >= 0), tuple(outputs))
    ctx = OpContext(sg, op, shapes, values)
    result = [tuple(s) for s in SHAPE_FNS[opcode](ctx)]
    return result, ctx.out_values
