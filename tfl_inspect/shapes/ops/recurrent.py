"""Recurrent layers: the output follows the input, but the state is stored per batch size."""

from __future__ import annotations

from ..types import Shape, ShapeError, num_elements
from .base import OpContext, dims, fmt, shape_fn

__all__ = ["lstm", "sequence_lstm"]

# Operand slots shared by LSTM and UNIDIRECTIONAL_SEQUENCE_LSTM.
_IN_TO_OUTPUT_W = 4
_REC_TO_OUTPUT_W = 8
_OUTPUT_STATE = 18
_CELL_STATE = 19


def _check_lstm(ctx: OpContext, batch: int, n_input: int) -> tuple[int, int]:
    w_in = ctx.shape(_IN_TO_OUTPUT_W)
    w_rec = ctx.shape(_REC_TO_OUTPUT_W)
    if len(w_in) != 2 or len(w_rec) != 2:
        raise ShapeError(f"needs 2-D weights, got {fmt(w_in)} and {fmt(w_rec)}")
    n_cell, n_output = w_rec
    if n_input >= 0 and w_in[1] >= 0 and w_in[1] != n_input:
        raise ShapeError(f"expects {w_in[1]} input features (weights {fmt(w_in)}) but receives {n_input}")
    for slot, width, what in ((_OUTPUT_STATE, n_output, "output"), (_CELL_STATE, n_cell, "cell")):
        if not ctx.has(slot):
            continue
        st = ctx.shape(slot)
        have, need = num_elements(st), batch * width if batch >= 0 and width >= 0 else -1
        if have >= 0 and need >= 0 and have != need:
            raise ShapeError(
                f"keeps its {what} state in a tensor of {dims(st)} ({have} values), but batch "
                f"{batch} needs {need}: the state size was fixed at conversion"
            )
    return n_cell, n_output


@shape_fn("LSTM")
def lstm(ctx: OpContext) -> list[Shape]:
    """``[batch, n_input] → [batch, n_output]``."""
    x = ctx.shape(0)
    if len(x) != 2:
        raise ShapeError(f"needs a rank-2 input, got {fmt(x)}")
    _, n_output = _check_lstm(ctx, x[0], x[1])
    return [(x[0], n_output)] * max(1, ctx.n_outputs)


@shape_fn("UNIDIRECTIONAL_SEQUENCE_LSTM")
def sequence_lstm(ctx: OpContext) -> list[Shape]:
    """``[time, batch, n_input]`` (or batch-major) → same with ``n_output`` features."""
    x = ctx.shape(0)
    if len(x) != 3:
        raise ShapeError(f"needs a rank-3 input, got {fmt(x)}")
    time_major = bool(ctx.opts.get("time_major", True))
    batch = x[1] if time_major else x[0]
    _, n_output = _check_lstm(ctx, batch, x[2])
    return [(x[0], x[1], n_output)] * max(1, ctx.n_outputs)
