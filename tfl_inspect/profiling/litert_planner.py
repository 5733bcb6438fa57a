"""A model of the LiteRT (TFLite) CPU arena: ``tflite/arena_planner.cc`` and
``tflite/simple_memory_arena.cc`` (LiteRT commit f6745779), labelled "modelled".

What is ported: one arena per subgraph; 64-byte alignment (``kDefaultArenaAlignment``);
graph inputs, outputs and variables never freed; a tensor freed after its last reader by
reference counting; in-place ops (RESHAPE, SQUEEZE, EXPAND_DIMS, BITCAST share their input
even when it has other readers; ADD, SUB, MUL, DIV, SOFTMAX, DYNAMIC_UPDATE_SLICE only when
they are its last reader and the sizes match); tensors placed whole-lifetime first, then
by size (descending), then by allocation node, each into the best-fitting gap; STRING, RESOURCE
and VARIANT tensors left out (``kTfLiteDynamic``: allocated on their own). Sizes are LiteRT's
(:func:`tfl_inspect.dtypes.tensor_bytes`).
A composite's decomposition subgraph (``kernels/stablehlo_composite.cc``) gets its own arena when the
composite's Prepare allocates it, with its inputs set to ``kTfLiteCustom``: they point at the
caller's tensors and take no room in it.
What is not: kernel temporaries (im2col buffers and the like, known only after Prepare),
tensors made dynamic at run time, VAR_HANDLE's 4-byte persistent handle, and delegates
(XNNPACK, the default, plans its own memory).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..dtypes import tensor_bytes

if TYPE_CHECKING:
    from ..model import Model, Subgraph

__all__ = ["ALIGNMENT", "LiteRTPlan", "plan", "INPLACE"]

ALIGNMENT = 64
_NEVER = 1 << 31
_SCALAR_BYTES = 4
_LONG = 64  # nodes: a tensor living longer finds its neighbours by scanning the placed ones
_MAX_SHARABLE_INPUTS = 3

# builtin → (shareable input slots, data unmodified), from each kernel's registration.
INPLACE: dict[str, tuple[tuple[int, ...], bool]] = {
    "RESHAPE": ((0,), True),
    "SQUEEZE": ((0,), True),
    "EXPAND_DIMS": ((0,), True),
    "BITCAST": ((0,), True),
    "ADD": ((0, 1), False),
    "SUB": ((0, 1), False),
    "MUL": ((0, 1), False),
    "DIV": ((0, 1), False),
    "SOFTMAX": ((0,), False),
    "DYNAMIC_UPDATE_SLICE": ((0,), False),
}


@dataclass(frozen=True, slots=True)
class LiteRTPlan:
    arena_bytes: int  # sum of the subgraph arenas
    per_subgraph: tuple[int, ...]
    # (subgraph, tensor, size, first node, last node, offset); last node _NEVER = kept to the end
    allocations: tuple[tuple[int, int, int, int, int, int], ...]
    shared: tuple[tuple[int, int, int], ...]  # (subgraph, tensor, tensor whose buffer it uses)
    persistent_bytes: int


def _align(n: int) -> int:
    return (n + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT


_Placed = tuple[int, int, int, int, int, int]  # (subgraph, tensor, size, first node, last node, offset)


def _subgraph(sg: Subgraph, custom_inputs: bool = False) -> tuple[int, list[_Placed], dict[int, int], int]:
    # STRING, RESOURCE and VARIANT tensors are kTfLiteDynamic (subgraph.cc SetTensorParametersReadWrite):
    # allocated on their own, never in the arena.
    sizes = [tensor_bytes(t.dtype, t.shape) for t in sg.tensors]
    arena_rw = [not t.is_constant and not t.is_variable and sizes[t.index] is not None for t in sg.tensors]
    if custom_inputs:  # a decomposition: its inputs are the caller's tensors (kTfLiteCustom)
        for t in sg.inputs:
            arena_rw[t] = False
    variables = [t.index for t in sg.tensors if t.is_variable]
    alloc, ref = _entry_refs(sg, variables)
    counts = list(ref)
    for op in sg.operators:
        for t in op.inputs:
            if t >= 0:
                ref[t] += 1
    shared = _in_place(sg, sizes, ref, arena_rw)
    dealloc = _deallocations(sg, shared, counts, alloc)
    todo = [t for t in range(len(sg.tensors)) if arena_rw[t] and alloc[t] >= 0 and t not in shared]

    def key(t: int) -> tuple[int, int, int]:
        if alloc[t] == 0 and dealloc[t] < 0:
            return (0, t, 0)
        return (1, -(sizes[t] or 0), alloc[t])

    todo.sort(key=key)
    spans = [(t, sizes[t] or 0, alloc[t], dealloc[t] if dealloc[t] >= 0 else _NEVER) for t in todo]
    high, placed = _place(sg.index, spans, max(len(sg.operators), 1))
    persistent = sum(_align(sizes[t] or 0) for t in variables)
    return high, placed, shared, persistent


def _entry_refs(sg: Subgraph, variables: list[int]) -> tuple[list[int], list[int]]:
    """Graph outputs, variables and inputs: referenced once more, and allocated before node 0."""
    n = len(sg.tensors)
    alloc, ref = [-1] * n, [0] * n
    for t in sg.outputs:
        ref[t] += 1
    for t in (*variables, *sg.inputs):
        ref[t] += 1
        if alloc[t] < 0:
            alloc[t] = 0
    return alloc, ref


def _in_place(sg: Subgraph, sizes: list[int | None], ref: list[int], arena_rw: list[bool]) -> dict[int, int]:
    """``IdentifyInPlaceTensors``: output tensor → the tensor whose buffer it reuses."""
    shared: dict[int, int] = {}
    ins, outs = set(sg.inputs), set(sg.outputs)
    for op in sg.operators:
        spec = INPLACE.get(op.builtin)
        if spec is None or not op.outputs:
            continue
        slots, unmodified = spec
        out = op.outputs[0]
        chosen = -1
        for i in range(min(_MAX_SHARABLE_INPUTS, len(op.inputs))):
            x = op.inputs[i]
            if x < 0 or i not in slots:
                continue
            if x in ins or out in outs or not arena_rw[x] or not arena_rw[out]:
                continue
            size = sizes[x] or 0
            if not unmodified and (size != sizes[out] or size <= _SCALAR_BYTES or ref[x] > 1):
                continue
            chosen = x
            break
        if chosen < 0:
            continue
        actual = shared.get(chosen, chosen)
        if not unmodified and ref[actual] > 1:
            continue
        shared[out] = actual
    return shared


def _deallocations(sg: Subgraph, shared: dict[int, int], counts: list[int], alloc: list[int]) -> list[int]:
    """Node after which each tensor's buffer is free (-1: never); fills in ``alloc`` for op outputs."""
    dealloc = [-1] * len(sg.tensors)
    for op in sg.operators:
        for t in op.inputs:
            if t >= 0:
                counts[shared.get(t, t)] += 1
    for i, op in enumerate(sg.operators):
        for t in op.outputs:
            if alloc[t] < 0:
                alloc[t] = i
        for t in op.inputs:
            if t < 0:
                continue
            a = shared.get(t, t)
            counts[a] -= 1
            if counts[a] == 0 and alloc[a] >= 0 and dealloc[a] < 0:
                dealloc[a] = i
    return dealloc


def _merged(allocs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Allocations alive together, those that abut (no aligned gap between them) joined into one: the best-fit
    scan finds no gap between them, so it reads the same with fewer entries."""
    out: list[list[int]] = []
    for off, size in sorted(allocs):
        if out and off <= _align(out[-1][0] + out[-1][1]):
            last = out[-1]
            last[1] = max(last[1], off + size - last[0])
        else:
            out.append([off, size])
    return [(a, b) for a, b in out]


def _place(s: int, spans: list[tuple[int, int, int, int]], horizon: int) -> tuple[int, list[_Placed]]:
    """Best-fit placement of (tensor, size, first, last) in order; the high-water mark and the placements.

    A placement is checked against the allocations alive at the same time. Those alive at every node (graph
    inputs and outputs, placed first) are kept apart, joined where they abut: every tensor sees them, and a
    tensor alive at every node sees everything placed, so neither walks the nodes (an LLM's prefill keeps its
    caches alive across thousands of nodes: walking them, or scanning each of them, was quadratic)."""
    by_node: dict[int, list[tuple[int, int]]] = {}  # placed allocations per node, but those alive throughout
    always: list[tuple[int, int]] = []  # placed allocations alive at every node
    joined: list[tuple[int, int]] | None = []  # ``always`` joined where they abut (None: to recompute)
    every: list[tuple[int, int]] = []  # all placed allocations
    spans_of: list[tuple[int, int, int, int]] = []  # (offset, size, first, last node) of those not throughout
    placed: list[_Placed] = []
    high = 0
    for t, size, first, last in spans:
        if size == 0:
            placed.append((s, t, 0, first, last, 0))
            continue
        end = min(last, horizon)
        throughout = first <= 0 and end >= horizon
        if throughout:
            seen = set(every)
        else:
            if joined is None:
                joined = _merged(always)
            seen = set(joined)
            if end - first > _LONG:  # a long life: scanning what is placed is cheaper than walking its nodes
                seen.update((o, z) for o, z, f, la in spans_of if f <= end and la >= first)
            else:
                for node in range(first, end + 1):
                    seen.update(by_node.get(node, ()))
        best, best_fit, cur = -1, -1, 0
        for off, sz in sorted(seen):
            start = _align(cur)
            if start + size <= off and (best_fit < 0 or off - start < best_fit):
                best, best_fit = start, off - cur
            cur = max(cur, off + sz)
            if best_fit == 0:
                break
        if best < 0:
            best = _align(cur)
        high = max(high, best + size)
        if throughout:
            always.append((best, size))
            joined = None
        else:
            for node in range(first, end + 1):
                by_node.setdefault(node, []).append((best, size))
            spans_of.append((best, size, first, end))
        every.append((best, size))
        placed.append((s, t, size, first, last, best))
    return high, placed


def plan(model: Model) -> LiteRTPlan:
    from ..composites import composites

    comp = composites(model)
    per: list[int] = []
    allocs: list[tuple[int, int, int, int, int, int]] = []
    shared: list[tuple[int, int, int]] = []
    persistent = 0
    for sg in model.subgraphs:
        high, placed, sh, pers = _subgraph(sg, custom_inputs=comp.is_decomposition(sg.index))
        per.append(high)
        allocs.extend(placed)
        shared.extend((sg.index, a, b) for a, b in sh.items())
        persistent += pers
    return LiteRTPlan(sum(per), tuple(per), tuple(allocs), tuple(shared), persistent)
