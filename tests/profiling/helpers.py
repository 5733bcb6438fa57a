"""Tiny one-op models built from the dataclasses, for hand-computed expectations."""

from __future__ import annotations

from typing import Any

from tfl_inspect.model import Model, Operator, Subgraph, Tensor


def one_op(
    builtin: str,
    inputs: list[tuple[tuple[int, ...], str, bool]],
    outputs: list[tuple[tuple[int, ...], str]],
    options: dict[str, Any] | None = None,
) -> tuple[Subgraph, Operator]:
    """inputs: (shape, dtype, constant); outputs: (shape, dtype). Constants get fake bytes."""
    tensors = []
    for i, (shape, dtype, const) in enumerate(inputs):
        n = 1
        for d in shape:
            n *= d
        size = {"FLOAT32": 4, "INT32": 4, "INT8": 1, "FLOAT16": 2, "INT16": 2, "INT4": 1}[dtype]
        nbytes = max((n * size) // (2 if dtype == "INT4" else 1), 1) if const else 0
        tensors.append(Tensor(0, i, f"in{i}", dtype, shape, shape, buffer=i + 1 if const else 0, nbytes=nbytes))
    base = len(tensors)
    for j, (shape, dtype) in enumerate(outputs):
        tensors.append(Tensor(0, base + j, f"scope/op/out{j}", dtype, shape, shape))
    op = Operator(0, 0, builtin, builtin, 1, tuple(range(base)), tuple(range(base, len(tensors))), (), options or {})
    ins = tuple(i for i, (_, _, c) in enumerate(inputs) if not c)
    sg = Subgraph.build(0, "main", tuple(tensors), (op,), ins, tuple(range(base, len(tensors))))
    return sg, op


def as_model(sg: Subgraph) -> Model:
    return Model("tflite", 3, "", (sg,))
