"""Which layout a model's I/O is in, from the TRANSPOSE ops a converter put at its boundary.

LiteRT kernels work channels-last (NHWC). A model converted from a channels-first framework
(PyTorch: NCHW, NCL for 1-D convolutions, NCDHW) keeps its I/O in that layout, and the converter
adds a TRANSPOSE right after each such input (perm ``[0, 2, 3, 1]``) and right before each such
output (``[0, 3, 1, 2]``); older exports also wrap each layout-sensitive op in a pair of them.
litert-torch's ``to_channel_last_io`` (or onnx2tf, which transposes the I/O itself) leaves none.
Dims are named from that: an NCHW input's dim 2 is its height, not its width.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model import Operator, Subgraph

__all__ = ["TO_CHANNELS_LAST", "TO_CHANNELS_FIRST", "Boundary", "perm_of", "boundary_transposes", "axis_names"]

# channels-first → channels-last, per rank (what follows a channels-first input) ...
TO_CHANNELS_LAST: dict[int, tuple[int, ...]] = {3: (0, 2, 1), 4: (0, 2, 3, 1), 5: (0, 2, 3, 4, 1)}
# ... and back (what precedes a channels-first output).
TO_CHANNELS_FIRST: dict[int, tuple[int, ...]] = {3: (0, 2, 1), 4: (0, 3, 1, 2), 5: (0, 4, 1, 2, 3)}
_FIRST = {3: "NCL", 4: "NCHW", 5: "NCDHW"}
_LAST = {3: "NLC", 4: "NHWC", 5: "NDHWC"}


@dataclass(frozen=True, slots=True)
class Boundary:
    """A TRANSPOSE between a channels-first subgraph input or output and the channels-last graph."""

    subgraph: int
    tensor: int  # the subgraph input or output
    op: int  # the TRANSPOSE
    role: str  # "input" or "output"
    layout: str  # the I/O tensor's layout: NCHW, NCL, NCDHW


def perm_of(sg: Subgraph, op: Operator) -> tuple[int, ...] | None:
    """A TRANSPOSE's constant permutation, None when it is computed at run time."""
    if op.builtin != "TRANSPOSE" or len(op.inputs) < 2 or op.inputs[1] < 0:
        return None
    t = sg.tensor(op.inputs[1])
    if t is None or not t.is_constant:
        return None
    try:
        data = t.data()
    except Exception:
        return None
    return None if data is None else tuple(int(x) for x in data.reshape(-1))


def _rank(sg: Subgraph, t: int) -> int | None:
    tensor = sg.tensor(t)
    return len(tensor.shape_signature) if tensor is not None and tensor.has_rank else None


def boundary_transposes(sg: Subgraph) -> list[Boundary]:
    """Channels-first inputs read by a TRANSPOSE to channels-last, and outputs a TRANSPOSE writes
    back to channels-first (rank 3 only where the tensor is not a sequence of features: a
    ``[0, 2, 1]`` on a 3-D input is read as NCL → NLC)."""
    out: list[Boundary] = []
    for t in sg.inputs:
        rank = _rank(sg, t)
        if rank not in TO_CHANNELS_LAST:
            continue
        for op in sg.consumer_ops(t):
            if op.inputs and op.inputs[0] == t and perm_of(sg, op) == TO_CHANNELS_LAST[rank]:
                out.append(Boundary(sg.index, t, op.index, "input", _FIRST[rank]))
                break
    for t in sg.outputs:
        rank = _rank(sg, t)
        writer = sg.producer_op(t)
        if rank in TO_CHANNELS_FIRST and writer is not None and perm_of(sg, writer) == TO_CHANNELS_FIRST[rank]:
            out.append(Boundary(sg.index, t, writer.index, "output", _FIRST[rank]))
    return out


def axis_names(sg: Subgraph, t: int) -> dict[int, str]:
    """Letters for the dims of a subgraph input: ``N C H W`` for an NCHW input (read by a TRANSPOSE
    to NHWC), ``N H W C`` for another 4-D one, ``N`` alone for other ranks."""
    rank = _rank(sg, t)
    if rank is None:
        return {}
    first = any(b.tensor == t and b.role == "input" for b in boundary_transposes(sg))
    if rank in _FIRST and (first or rank == 4):
        return dict(enumerate((_FIRST if first else _LAST)[rank]))
    return {0: "N"} if rank >= 1 else {}
