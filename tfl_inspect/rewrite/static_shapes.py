"""``--static NAME=SHAPE`` / ``--static-batch N``: fix the input shapes and write every shape out.

Removes DYN001/DYN002-type findings at their root: the inputs get the given shapes, our shape
inference propagates them, and every tensor whose shape it now knows gets that shape with the
-1s cleared from ``shape_signature``. Tensors it cannot follow keep their record (reported).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import UsageError
from ..shapes import ShapeResult, infer_shapes
from .edit import Rewrite
from .report import ShapeFix

__all__ = ["input_shapes", "infer", "apply"]

NAME = "static-shapes"


def input_shapes(
    model: Any, signature: str | None, static: Mapping[str, Sequence[int]] | None, batch: int | None
) -> dict[str | int, tuple[int, ...]]:
    """The ``inputs`` argument for :func:`infer_shapes`: given shapes, plus ``batch`` in every input's
    dynamic (-1) dim 0."""
    out: dict[str | int, tuple[int, ...]] = {k: tuple(int(d) for d in v) for k, v in (static or {}).items()}
    if batch is not None:
        if batch < 1:
            raise UsageError(f"--static-batch must be at least 1, not {batch}")
        probe = infer_shapes(model, signature=signature)
        sg = model.subgraphs[probe.subgraph]
        for i in sg.inputs:
            t = sg.tensors[i]
            if i in out or not t.has_rank or not t.shape_signature or t.is_constant:
                continue
            if any(_same_input(model, probe, k, i) for k in out):
                continue
            sig = list(t.shape_signature)
            if sig[0] != -1:
                continue  # a batch fixed at conversion is the model's own: leave it
            sig[0] = batch
            out[i] = tuple(sig)
    return out


def _same_input(model: Any, probe: ShapeResult, key: str | int, index: int) -> bool:
    if isinstance(key, int):
        return key == index
    sg = model.subgraphs[probe.subgraph]
    if sg.tensors[index].name == key:
        return True
    sig = model.signature(probe.signature) if probe.signature else None
    return bool(sig is not None and sig.inputs.get(key) == index)


def infer(model: Any, signature: str | None, inputs: Mapping[str | int, Sequence[int]] | None) -> ShapeResult:
    result = infer_shapes(model, inputs=dict(inputs) if inputs else None, signature=signature)
    f = result.failure
    if f is None:
        return result
    if inputs and infer_shapes(model, signature=signature).failure is None:
        raise UsageError(f"these input shapes do not work: op {f.op} ({f.opcode}): {f.text}")
    raise UsageError(
        f"the model's own recorded shapes fail shape inference, so no shape can be fixed: op {f.op} ({f.opcode}): "
        f"{f.text}"
    )


def apply(rw: Rewrite, result: ShapeResult) -> None:
    """Write the inferred shapes into the object tree (activations only; constants are as stored)."""
    sg = rw.model.subgraphs[rw.subgraph]
    tensors = rw.sg.tensors
    for t in sg.tensors:
        if t.is_constant:
            continue
        shape = result.shape(t.index)
        if shape is None or any(d < 0 for d in shape):
            if t.is_dynamic:
                rw.report.still_dynamic.append(t.name)
            continue
        new = [int(d) for d in shape]
        if t.has_rank and list(t.shape) == new and list(t.shape_signature) == new:
            continue
        ft = tensors[t.index]
        ft.shape = new
        ft.shapeSignature = None  # as the converter writes static tensors
        ft.hasRank = True
        rw.report.shapes_fixed.append(ShapeFix(t.index, t.name, list(t.shape_signature) if t.has_rank else [], new))
