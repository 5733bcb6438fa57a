"""Advice attached to a shape failure: which known pattern broke, and what would work.

The patterns are the ones users meet when they change input sizes: a Flatten before a
Dense layer (the feature count is tied to the image size), and sizes baked into the model
at conversion (constant reshape targets, a fixed batch).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..escape import text as esc
from .engine import result_for
from .types import Shape, format_dims

if TYPE_CHECKING:
    from ..model import Model, Subgraph

__all__ = ["hint_for"]


def _is_flatten_before_dense(sg: Subgraph, op: Any, shapes: Sequence[Shape | None]) -> bool:
    def rank(i: int) -> int:
        s = shapes[i] if 0 <= i < len(shapes) else None
        return len(s) if s is not None else 0

    if op.opcode == "RESHAPE" and op.inputs and rank(op.inputs[0]) >= 3:
        return any(c.opcode == "FULLY_CONNECTED" for o in op.outputs if o >= 0 for c in sg.consumer_ops(o))
    if op.opcode == "FULLY_CONNECTED" and op.inputs:
        src = op.inputs[0]
        if rank(src) >= 3:
            return True
        prod = sg.producer_op(src)
        return prod is not None and prod.opcode == "RESHAPE" and rank(prod.inputs[0]) >= 3
    return False


def _state_variables(model: Model) -> list[str]:
    """Shared names of the resource variables a streaming model keeps between invokes."""
    names: dict[str, None] = {}
    for g in model.subgraphs:
        for op in g.operators:
            if op.opcode == "VAR_HANDLE":
                names[str(op.options.get("shared_name") or f"#{op.index}")] = None
    return list(names)


def _streaming_advice(
    model: Model, sg: Subgraph, given: Mapping[int, Shape], changed: Sequence[int], state: list[str]
) -> str:
    """Stateful models are built for one batch and a fixed number of frames per invoke."""
    shown = ", ".join(esc(n) for n in state[:3]) + (f" +{len(state) - 3} more" if len(state) > 3 else "")
    feeds = []
    for i in changed:
        rec = sg.tensors[i].shape_signature
        feeds.append(f"{_input_name(model, sg, i)} as {format_dims(rec)}")
    return (
        f"this is a streaming model: its state ({len(state)} variable(s): {shown}) is fixed at batch "
        f"{_state_batch(model)} and the frames per invoke are part of the design — feed "
        f"{', '.join(feeds)} and invoke once per window; the state carries over between invokes "
        "(reset it with interpreter.reset_all_variables() or a new interpreter)"
    )


def _state_batch(model: Model) -> str:
    from .ops.state import variable_shapes

    batches = {shape[0] for shape in variable_shapes(model).values() if shape}
    return str(batches.pop()) if len(batches) == 1 else "its recorded size"


def _input_name(model: Model, sg: Subgraph, index: int) -> str:
    for sig in model.signatures:
        if sig.subgraph == sg.index:
            for name, i in sig.inputs.items():
                if i == index:
                    return esc(name)
    return esc(sg.tensors[index].name) or f"#{index}"


def _spatial_fix(model: Model, sg: Subgraph, given: Mapping[int, Shape], changed: Sequence[int]) -> str | None:
    """``32x32`` when restoring the recorded image size (keeping the batch) makes it work."""
    fixed = dict(given)
    sizes = set()
    for i in changed:
        rec = sg.tensors[i].shape_signature
        shp = given[i]
        if len(rec) != 4 or rec[1] < 0 or rec[2] < 0:
            continue
        fixed[i] = (shp[0], rec[1], rec[2], shp[3])
        sizes.add(f"{rec[1]}x{rec[2]}")
    if not sizes or len(sizes) > 1:
        return None
    return sizes.pop() if result_for(model, sg.index, fixed).ok else None


def hint_for(
    model: Model,
    sg: Subgraph,
    op: Any,
    shapes: Sequence[Shape | None],
    given: Mapping[int, Shape],
    changed: Sequence[int],
) -> str | None:
    """A sentence of advice for the failure at ``op``, or None when nothing specific applies."""
    images = [
        i
        for i in changed
        if len(sg.tensors[i].shape_signature) == 4
        and any(r >= 0 and d != r for d, r in zip(given[i][1:3], sg.tensors[i].shape_signature[1:3], strict=True))
    ]
    if _is_flatten_before_dense(sg, op, shapes):
        size = _spatial_fix(model, sg, given, images) if images else None
        what = f"resize inputs to {size}" if size else "feed the image size the model was built for"
        return f"a Flatten before Dense fixes the image size — {what} or rebuild with GlobalAveragePooling2D"
    state = _state_variables(model)
    if state and changed:
        return _streaming_advice(model, sg, given, changed, state)
    notes = []
    for i in changed:
        rec = sg.tensors[i].shape_signature
        shp = given[i]
        diff = [k for k, (d, r) in enumerate(zip(shp, rec, strict=False)) if r >= 0 and d != r]
        name = _input_name(model, sg, i)
        if diff == [0] and len(rec) > 1:
            notes.append(
                f"input {name} was converted with a fixed batch of {rec[0]} "
                f"({format_dims(rec)}); reconvert with a dynamic batch (batch_size=None) to run "
                f"batch {shp[0]}"
            )
        elif diff:
            notes.append(
                f"input {name} was converted as {format_dims(rec)}; dims fixed at conversion "
                f"(axis {', '.join(map(str, diff))}) can be baked into later ops — keep them or "
                "reconvert with those dims set to None"
            )
    return "; ".join(notes) or None
