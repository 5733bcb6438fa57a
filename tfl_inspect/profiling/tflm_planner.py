"""The TFLite Micro arena, planned as TFLM plans it (the "Arena allocation head").

Ported from tflite-micro (commit 90b983c2):
- ``memory_planner/greedy_memory_planner.cc``: buffers sorted by size, descending (a stable
  sort over the online buffers taken in reverse order of addition), each placed at the lowest
  offset that fits between the time-overlapping buffers already placed; offline-planned buffers
  keep their offsets and are placed first.
- ``micro_allocator.cc`` (``CreatePlan``): every size rounded up to 16 bytes
  (``MicroArenaBufferAlignment``); the head is the planner's maximum extent.
- ``micro_allocation_info.cc``: which tensors are planned (no constant data, not a variable,
  non-zero size) and when they live (see :mod:`.lifetimes`); tensors no walked op touches keep
  the lifetime (-1, -1) there, and so overlap each other.
- The scratch buffers the reference kernels request in ``Prepare`` (:data:`SCRATCH`), planned
  after all tensors, live for the scopes of their op.
Variables and resource variables are persistent (the arena tail), reported separately.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..dtypes import tensor_bytes
from .lifetimes import Lifetimes, lifetimes

if TYPE_CHECKING:
    from ..model import Model, Operator, Subgraph, Tensor

__all__ = ["ALIGNMENT", "Buffer", "Plan", "SCRATCH", "plan", "greedy", "align"]

ALIGNMENT = 16
ONLINE = -1


def align(n: int, to: int = ALIGNMENT) -> int:
    return (n + to - 1) // to * to


def elements(t: Tensor) -> int:
    n = 1
    for d in t.shape:
        n *= d
    return n


def _bytes(t: Tensor) -> int | None:
    """TFLM's byte length of a tensor (INT4 unpacked); None for types TFLM cannot size (STRING, INT2...)."""
    return tensor_bytes(t.dtype, t.shape, "tflm")


@dataclass(frozen=True, slots=True)
class Buffer:
    """One planned buffer: a tensor (``tensor >= 0``) or a scratch buffer of op ``op``."""

    subgraph: int
    tensor: int  # -1 for a scratch buffer
    op: int  # requesting op for scratch buffers, producer (or -1) for tensors
    size: int  # aligned bytes as planned
    first: int
    last: int
    offset: int = 0
    offline: bool = False


@dataclass(frozen=True, slots=True)
class Plan:
    arena_bytes: int
    buffers: tuple[Buffer, ...]
    persistent_bytes: int  # variables + resource variables (model state, not TFLM bookkeeping)
    persistent: tuple[tuple[str, int], ...]  # (what, bytes) per state buffer
    lifetimes: Lifetimes
    notes: tuple[str, ...] = ()


# ---- scratch buffers of the reference kernels (byte sizes in request order) ----------------


def _t(sg: Subgraph, op: Operator, slot: int) -> Tensor | None:
    return sg.tensor(op.inputs[slot]) if slot < len(op.inputs) else None


def _out(sg: Subgraph, op: Operator, slot: int = 0) -> Tensor | None:
    return sg.tensor(op.outputs[slot]) if slot < len(op.outputs) else None


def _int4_filter(sg: Subgraph, op: Operator, ptr: int) -> list[int]:
    """conv_common.cc / depthwise_conv_common.cc / fully_connected.cc: unpack INT4 filters."""
    f = _t(sg, op, 1)
    return [elements(f)] if f is not None and f.dtype == "INT4" else []


def _add_n(sg: Subgraph, op: Operator, ptr: int) -> list[int]:
    """add_n.cc: one data pointer per input (float32 and int8 outputs)."""
    out = _out(sg, op)
    return [ptr * len(op.inputs)] if out is not None and out.dtype in ("FLOAT32", "INT8") else []


def _mirror_pad(sg: Subgraph, op: Operator, ptr: int) -> list[int]:
    """mirror_pad.cc: two int arrays of the input rank."""
    x = _t(sg, op, 0)
    rank = len(x.shape) if x is not None else 0
    return [4 * rank, 4 * rank]


def _transpose_conv(sg: Subgraph, op: Operator, ptr: int) -> list[int]:
    """transpose_conv.cc: int32 (int8) or int64 (int16) accumulators, then 16-bit bias widened."""
    x, out, bias = _t(sg, op, 2), _out(sg, op), (_t(sg, op, 3) if len(op.inputs) > 3 else None)
    if x is None or out is None:
        return []
    req = []
    if x.dtype == "INT8":
        req.append(elements(out) * 4)
    if x.dtype == "INT16":
        req.append(elements(out) * 8)
        if bias is not None and bias.dtype == "INT16":
            req.append(elements(bias) * 8)
    return req


def _mean_sum(sg: Subgraph, op: Operator, ptr: int) -> list[int]:
    """reduce_common.cc PrepareMeanOrSumHelper."""
    x, axis, out = _t(sg, op, 0), _t(sg, op, 1), _out(sg, op)
    if x is None or axis is None or out is None:
        return []
    req = [4 * elements(out)] if x.dtype in ("INT8", "INT16") else []
    return [*req, 4 * len(x.shape), 4 * elements(axis)]


def _reduce_other(sg: Subgraph, op: Operator, ptr: int) -> list[int]:
    """reduce_common.cc PrepareMinMaxHelper / PrepareAllHelper."""
    x, axis = _t(sg, op, 0), _t(sg, op, 1)
    if x is None or axis is None:
        return []
    return [4 * len(x.shape), 4 * elements(axis)]


def _svdf(sg: Subgraph, op: Operator, ptr: int) -> list[int]:
    """svdf_common.cc: batch x filters (and batch x units for int8) int32/float accumulators."""
    x, wf = _t(sg, op, 0), _t(sg, op, 1)
    if x is None or wf is None or not x.shape or not wf.shape:
        return []
    batch, filters = x.shape[0], wf.shape[0]
    rank = int(op.options.get("rank", 1) or 1)
    if x.dtype == "INT8":
        return [batch * filters * 4, batch * (filters // rank) * 4]
    return [batch * filters * 4]


def _lstm(sg: Subgraph, op: Operator, ptr: int) -> list[int]:
    """unidirectional_sequence_lstm.cc: four batch x state buffers of the cell-state type."""
    cell = _t(sg, op, 19) if len(op.inputs) > 19 else None
    if cell is None or cell.dtype not in ("FLOAT32", "INT16"):
        return []
    return [_bytes(cell) or 0] * 4


def _detection_postprocess(sg: Subgraph, op: Operator, ptr: int) -> list[int]:
    """detection_postprocess.cc: eleven work buffers sized by boxes, classes, max detections."""
    boxes, scores = _t(sg, op, 0), _t(sg, op, 1)
    opts = op.custom_options if isinstance(op.custom_options, dict) else {}
    if boxes is None or scores is None or len(boxes.shape) < 2 or len(scores.shape) < 3:
        return []
    n, classes, det = boxes.shape[1], int(opts.get("num_classes", 0)), int(opts.get("max_detections", 0))
    return [
        n, n * 4 * 4, scores.shape[1] * scores.shape[2] * 4, n * 4, n * 4, det * n * 4, det * n * 4,
        n * 4, det * n * 4, max(classes, det) * n * 4, min(n, det) * n * 4,
    ]  # fmt: skip


Scratch = Callable[["Subgraph", "Operator", int], list[int]]
SCRATCH: dict[str, Scratch] = {
    "CONV_2D": _int4_filter,
    "DEPTHWISE_CONV_2D": _int4_filter,
    "FULLY_CONNECTED": _int4_filter,
    "ADD_N": _add_n,
    "MIRROR_PAD": _mirror_pad,
    "TRANSPOSE_CONV": _transpose_conv,
    "MEAN": _mean_sum,
    "SUM": _mean_sum,
    "REDUCE_MAX": _reduce_other,
    "REDUCE_MIN": _reduce_other,
    "REDUCE_ALL": _reduce_other,
    "SVDF": _svdf,
    "UNIDIRECTIONAL_SEQUENCE_LSTM": _lstm,
    "TFLite_Detection_PostProcess": _detection_postprocess,
}


def scratch_requests(model: Model, pointer_bytes: int = 4) -> list[tuple[int, int, int]]:
    """(subgraph, op, bytes) in the order TFLM prepares nodes: subgraph by subgraph, op by op."""
    out: list[tuple[int, int, int]] = []
    for sg in model.subgraphs:
        for op in sg.operators:
            fn = SCRATCH.get(op.opcode if op.is_custom else op.builtin)
            if fn is not None:
                out.extend((sg.index, op.index, n) for n in fn(sg, op, pointer_bytes))
    return out


# ---- the greedy planner ------------------------------------------------------------------------


def greedy(sizes: list[int], first: list[int], last: list[int], offline: list[int] | None = None) -> list[int]:
    """Offsets for buffers (in addition order) exactly as ``GreedyMemoryPlanner`` computes them.

    Placement scans, in offset order, only the placed buffers whose lifetimes overlap the
    wanted one; a per-scope index finds them without walking every placed buffer.
    """
    n = len(sizes)
    if n == 0:
        return []
    offline = offline or [ONLINE] * n
    head = [i for i in range(n) if offline[i] != ONLINE]
    online = [i for i in range(n) if offline[i] == ONLINE]
    online.reverse()  # idx_from_tail: online buffers are stored back to front
    online.sort(key=lambda i: -sizes[i])  # ReverseSortInPlace is a stable bubble sort
    order = head + online
    offsets = [0] * n
    lo = min(min(first), -1)
    by_scope: dict[int, list[int]] = {}
    for k, b in enumerate(order):
        f, la, size = first[b], last[b], sizes[b]
        if offline[b] != ONLINE:
            cand = offline[b]
        elif k == 0:
            cand = 0
        else:
            seen: set[int] = set()
            active = []
            for t in range(max(f, lo), la + 1):
                for other in by_scope.get(t, ()):
                    if other not in seen:
                        seen.add(other)
                        active.append(other)
            active.sort(key=offsets.__getitem__)
            cand = 0
            for other in active:
                if offsets[other] - cand >= size:
                    break
                cand = max(cand, offsets[other] + sizes[other])
        offsets[b] = cand
        for t in range(f, la + 1):
            by_scope.setdefault(t, []).append(b)
    return offsets


def _offline_offsets(model: Model) -> list[int] | None:
    """The ``OfflineMemoryAllocation`` metadata: [version, subgraph, count, offset per tensor...]."""
    entry = next((m for m in model.metadata if m.name == "OfflineMemoryAllocation"), None)
    if entry is None or entry.buffer is None:
        return None
    raw = _buffer_bytes(model, entry.buffer)
    if raw is None or len(raw) < 12:
        return None
    count = struct.unpack_from("<I", raw, 8)[0]
    if len(raw) < 12 + 4 * count:
        return None
    return list(struct.unpack_from(f"<{count}i", raw, 12))


def _buffer_bytes(model: Model, index: int) -> bytes | None:
    """Raw bytes of a buffer, read again from the source file (metadata buffers are not decoded)."""
    if model.source is None or model.format != "tflite":
        return None
    from ..readers.fbtable import FormatFaultError, root

    # In an LLM bundle the flatbuffer starts at its section, not at byte 0.
    part = model.container.model if model.container is not None else None
    if part is not None and part.offset < 0:
        return None
    try:
        with open(model.source, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as whole:
            view = memoryview(whole)
            data = view[part.offset : part.offset + part.size] if part is not None else view
            try:
                buffers = root(data, len(data)).tables(12)  # Model.buffers
                if not 0 <= index < len(buffers):
                    return None
                start, n = buffers[index].vector(4, 1)  # Buffer.data
                return bytes(data[start : start + n]) if n else None
            finally:
                data.release()
                view.release()
    except (OSError, ValueError, FormatFaultError, struct.error, IndexError):
        return None


def plan(model: Model, pointer_bytes: int = 4, offline: bool = True, entry: int = 0) -> Plan:
    """The TFLM plan for the whole model (all subgraphs share one arena in TFLM).

    ``entry`` is the subgraph execution starts from (TFLM always uses 0).
    """
    life = lifetimes(model, entry)
    offsets = _offline_offsets(model) if offline else None
    notes: list[str] = []
    total = sum(len(sg.tensors) for sg in model.subgraphs)
    if offsets is not None and len(offsets) != total:
        notes.append(f"OfflineMemoryAllocation has {len(offsets)} offsets for {total} tensors: TFLM refuses it")
        offsets = None
    req = _Requests()
    persistent, unsized = _tensor_requests(model, life, offsets, req)
    for s, i, nbytes in scratch_requests(model, pointer_bytes):
        span = life.op_span.get((s, i), (-1, -1))
        req.add(align(nbytes), span[0], span[1], ONLINE, (s, -1, i, False))
    persistent.extend(_resource_variables(model))
    notes.extend(_refusals(model, unsized))
    placed = greedy(req.sizes, req.first, req.last, req.off)
    buffers = tuple(
        Buffer(m[0], m[1], m[2], req.sizes[j], req.first[j], req.last[j], placed[j], m[3])
        for j, m in enumerate(req.meta)
    )
    arena = max((b.offset + b.size for b in buffers), default=0)
    return Plan(arena, buffers, sum(n for _, n in persistent), tuple(persistent), life, tuple(notes))


@dataclass(slots=True)
class _Requests:
    """The buffers handed to the planner, in order: size, lifetime, offline offset, and what each is."""

    sizes: list[int] = field(default_factory=list)
    first: list[int] = field(default_factory=list)
    last: list[int] = field(default_factory=list)
    off: list[int] = field(default_factory=list)
    meta: list[tuple[int, int, int, bool]] = field(default_factory=list)  # (subgraph, tensor, op, offline)

    def add(self, size: int, first: int, last: int, off: int, meta: tuple[int, int, int, bool]) -> None:
        self.sizes.append(size)
        self.first.append(first)
        self.last.append(last)
        self.off.append(off)
        self.meta.append(meta)


def _tensor_requests(
    model: Model, life: Lifetimes, offsets: list[int] | None, req: _Requests
) -> tuple[list[tuple[str, int]], list[str]]:
    """Every planned tensor into ``req`` (``micro_allocation_info.cc``); the persistent variables and the
    tensors TFLM cannot size."""
    persistent: list[tuple[str, int]] = []
    unsized: list[str] = []
    k = 0
    for sg in model.subgraphs:
        f, la = life.first[sg.index], life.last[sg.index]
        # var_handle.cc points its output at the op's persistent data in Prepare: never planned.
        preset = {t for op in sg.operators if op.builtin == "VAR_HANDLE" for t in op.outputs}
        for t in sg.tensors:
            o = offsets[k] if offsets is not None else ONLINE
            k += 1
            if t.is_constant or t.index in preset:
                continue
            nbytes = _bytes(t)
            if nbytes is None:
                unsized.append(f"{sg.index}:{t.index} ({t.dtype})")
                continue
            if t.is_variable and o == ONLINE:
                persistent.append((f"variable {sg.index}:{t.index} {t.name}", align(nbytes)))
                continue
            if nbytes == 0:
                continue
            req.add(align(nbytes), f[t.index], la[t.index], o, (sg.index, t.index, sg.producer(t.index), o != ONLINE))
    return persistent, unsized


def _refusals(model: Model, unsized: list[str]) -> list[str]:
    """What makes TFLM refuse the model although the plan can be drawn."""
    notes = []
    # micro_allocation_info.cc ValidateSubgraph: TFLM refuses an op intermediate with bytes.
    sized_inter = [
        f"{sg.index}:{t.index}"
        for sg in model.subgraphs
        for op in sg.operators
        for t in map(sg.tensor, op.intermediates)
        if t is not None and _bytes(t) != 0
    ]
    if sized_inter:
        notes.append(
            f"TFLite Micro refuses intermediate tensor(s) of non-zero size ({', '.join(sized_inter[:3])}"
            f"{' ...' if len(sized_inter) > 3 else ''}): it will not load this model"
        )
    if unsized:
        more = f" and {len(unsized) - 3} more" if len(unsized) > 3 else ""
        notes.append(
            f"TFLite Micro cannot size tensor(s) {', '.join(unsized[:3])}{more}: it will refuse this model; "
            "they are left out of the plan"
        )
    return notes


def _resource_variables(model: Model) -> list[tuple[str, int]]:
    """One buffer per VAR_HANDLE shared name, sized by the first ASSIGN_VARIABLE value (TFLM
    ``micro_resource_variable.cc`` allocates it persistently when that op is prepared)."""
    handles: dict[tuple[int, int], str] = {}
    for sg in model.subgraphs:
        for op in sg.operators:
            if op.builtin == "VAR_HANDLE" and op.outputs:
                opts = op.options
                name = str(opts.get("shared_name") or opts.get("container") or f"{sg.index}:{op.outputs[0]}")
                handles[(sg.index, op.outputs[0])] = name
    sized: dict[str, int] = {}
    for sg in model.subgraphs:
        for op in sg.operators:
            if op.builtin == "ASSIGN_VARIABLE" and len(op.inputs) > 1:
                var = handles.get((sg.index, op.inputs[0]))
                value = sg.tensor(op.inputs[1])
                if var is not None and value is not None and var not in sized:
                    sized[var] = align(_bytes(value) or 0)
    names = dict.fromkeys(handles.values())
    return [(f"resource variable {n}", sized.get(n, 0)) for n in names]
