"""Assemble a :class:`~tfl_inspect.profiling.Profile` from the planners, formulas and counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from ..compiled import CompiledModel, compiled
from .macs import arith, compute
from .params import bytes_moved, op_params, scope_of
from .records import (
    Group,
    KVCache,
    LiveTensor,
    Memory,
    OpProfile,
    Profile,
    Reorder,
    SignatureMemory,
    TimelinePoint,
    Totals,
)

if TYPE_CHECKING:
    from ..model import Model, Operator, Subgraph

__all__ = ["build"]

_TOP_LIVE = 50
# Producers whose scopes are PyTorch module names (naming.op_layer places every op in one).
_MODULE_PRODUCERS = frozenset({"litert-torch"})  # tensors listed at the peak


def build(model: Model, planner: str, entry: int, signature: str | None, pointer_bytes: int, reorder: bool) -> Profile:
    from ..composites import composites

    if planner == "tflm":
        memory, live, extent, sizes = _tflm(model, entry, pointer_bytes)
    else:
        memory, live, extent, sizes = _litert(model)
    memory = replace(memory, kv_cache=_kv_cache(model, sizes))
    params = op_params(model)
    producer = model.producer.id
    comp = composites(model)
    ops: list[OpProfile] = []
    for sg in model.subgraphs:
        top = comp.top(sg.index)
        under = (top.subgraph, top.op) if top is not None else None
        for op in sg.operators:
            c = compute(sg, op)
            p = params[(sg.index, op.index)]
            key = (sg.index, op.index)
            ops.append(
                OpProfile(
                    sg.index, op.index, op.opcode, arith(sg, op), scope_of(sg, op, producer), c.macs, c.flops,
                    p.params, p.weight_bytes, live.get(key), extent.get(key),
                    _output_name(sg, op), bytes_moved(sg, op), under,
                )
            )  # fmt: skip
    totals = Totals(
        sum(o.macs for o in ops),
        sum(o.flops for o in ops),
        sum(o.params for o in ops),
        sum(o.weight_bytes for o in ops),
        sum(o.weight_bytes for o in ops) + sum(p.dequantized_bytes for p in params.values()),
        sum(o.bytes_moved for o in ops),
    )
    by_dtype: dict[str, list[int]] = {}
    for p in params.values():
        for dtype, n, nbytes in p.by_dtype:
            row = by_dtype.setdefault(dtype, [0, 0, 0])
            row[0] += 1
            row[1] += n
            row[2] += nbytes
    reorders = _reorders(model, sizes) if reorder else ()
    dynamic = sum(1 for sg in model.subgraphs for t in sg.tensors if t.is_dynamic and not t.is_constant)
    if dynamic:
        note = (
            f"{dynamic} tensor(s) have unknown dims, counted as the size stored in the file (1 per unknown dim): "
            "memory and MACs are for that size (fix the input shapes first, e.g. with `tfl-inspect shapes`)"
        )
        memory = replace(memory, notes=(*memory.notes, note))
    npu = compiled(model)
    if npu is not None:
        memory = replace(memory, notes=(*memory.notes, _npu_note(npu)))
    return Profile(
        model.source,
        signature,
        tuple(ops),
        memory,
        totals,
        _group(ops, lambda o: o.scope),
        _group(ops, lambda o: o.opcode),
        tuple(Group(d, r[0], 0, r[1], r[2]) for d, r in sorted(by_dtype.items(), key=lambda kv: -kv[1][2])),
        reorders,
        producer in _MODULE_PRODUCERS,
    )


def _npu_note(npu: CompiledModel) -> str:
    """Why the memory and MACs above leave out what an NPU partition does."""
    n = len(npu.partitions)
    if npu.kind == "ethos-u":
        scratch = sum(p.ethos_u.scratch_bytes for p in npu.partitions if p.ethos_u is not None)
        return (
            f"{n} ethos-u op(s) run on the {npu.soc or 'Ethos-U'} NPU: the tensors between the ops Vela compiled "
            f"are not model tensors; the NPU works in the 'scratch' tensors Vela sized ({scratch:,} bytes, counted "
            "above as ordinary tensors) and reads its weights from 'read_only'; MACs inside the command stream are "
            "not counted"
        )
    return (
        f"{n} DISPATCH_OP partition(s) run on the {npu.target} NPU: the tensors inside them live in the NPU's own "
        "memory, allocated by the vendor's dispatch runtime, not in this CPU arena, which holds only the CPU ops' "
        f"tensors and the partitions' inputs and outputs; their weights and MACs are inside the "
        f"{npu.bytecode_bytes:,} bytes of bytecode and are not counted"
    )


def _output_name(sg: Subgraph, op: Operator) -> str:
    t = sg.tensor(op.outputs[0]) if op.outputs else None
    return t.name if t is not None else ""


def _group(ops: list[OpProfile], key: Callable[[OpProfile], str]) -> tuple[Group, ...]:
    rows: dict[str, list[int]] = {}
    for o in ops:
        r = rows.setdefault(key(o), [0, 0, 0, 0])
        r[0] += 1
        r[1] += o.macs
        r[2] += o.params
        r[3] += o.weight_bytes
    out = [Group(k, *v) for k, v in rows.items()]
    out.sort(key=lambda g: (-g.macs, -g.weight_bytes, g.key))
    return tuple(out)


def _sweep(n_steps: int, spans: list[tuple[int, int, int, int]]) -> tuple[list[int], list[int]]:
    """Live bytes and arena extent per step for (first, last, size, offset) spans."""
    diff = [0] * (n_steps + 1)
    ext = [0] * n_steps
    for f, la, size, off in spans:
        if f < 0:
            continue
        la = min(la, n_steps - 1)
        diff[f] += size
        diff[la + 1] -= size
        end = off + size
        for t in range(f, la + 1):
            if ext[t] < end:
                ext[t] = end
    live, acc = [], 0
    for t in range(n_steps):
        acc += diff[t]
        live.append(acc)
    return live, ext


def _name(model: Model, s: int, t: int, op: int) -> str:
    if t < 0:
        sg = model.subgraphs[s]
        return f"scratch of op {op} ({sg.operators[op].opcode})" if 0 <= op < len(sg.operators) else "scratch"
    return model.subgraphs[s].tensors[t].name


_Planned = tuple[Memory, dict[tuple[int, int], int], dict[tuple[int, int], int], dict[tuple[int, int], int]]


def _tflm(model: Model, entry: int, pointer_bytes: int) -> _Planned:
    """TFLM plan → memory summary, per-op live bytes and extent, planned size per tensor."""
    from .tflm_planner import plan

    p = plan(model, pointer_bytes=pointer_bytes, entry=entry)
    steps = p.lifetimes.steps
    spans = [(b.first, b.last, b.size, b.offset) for b in p.buffers]
    live, ext = _sweep(len(steps), spans)
    timeline = tuple(TimelinePoint(s.scope, s.subgraph, s.op, live[s.scope], ext[s.scope]) for s in steps)
    op_live: dict[tuple[int, int], int] = {}
    op_ext: dict[tuple[int, int], int] = {}
    for pt in timeline:
        if pt.op >= 0:
            k = (pt.subgraph, pt.op)
            op_live[k] = max(op_live.get(k, 0), pt.live_bytes)
            op_ext[k] = max(op_ext.get(k, 0), pt.arena_extent)
    notes = list(p.notes)
    unplaced = sum(1 for b in p.buffers if b.first < 0)
    if unplaced:
        notes.append(
            f"{unplaced} buffer(s) of subgraphs or tensors no op reaches are planned with lifetime (-1, -1), "
            "as TFLM does"
        )
    peak = max((pt for pt in timeline if pt.op >= 0), key=lambda pt: pt.live_bytes, default=None)
    tensors: tuple[LiveTensor, ...] = ()
    if peak is not None:
        alive = [b for b in p.buffers if b.first <= peak.step <= b.last]
        alive.sort(key=lambda b: -b.size)
        tensors = tuple(
            LiveTensor(b.subgraph, b.tensor, _name(model, b.subgraph, b.tensor, b.op), b.size, b.offset)
            for b in alive[:_TOP_LIVE]
        )
    memory = Memory(
        "tflm",
        p.arena_bytes,
        p.persistent_bytes,
        p.persistent,
        (peak.subgraph, peak.op) if peak is not None else None,
        peak.live_bytes if peak is not None else 0,
        tensors,
        timeline,
        tuple(notes),
    )
    sizes = {(b.subgraph, b.tensor): b.size for b in p.buffers if b.tensor >= 0}
    return memory, op_live, op_ext, sizes


def _litert(model: Model) -> _Planned:
    from ..composites import composites
    from .litert_planner import plan

    p = plan(model)
    points: list[TimelinePoint] = []
    op_live: dict[tuple[int, int], int] = {}
    op_ext: dict[tuple[int, int], int] = {}
    by_sg: dict[int, list[tuple[int, int, int, int, int, int]]] = {}
    for a in p.allocations:
        by_sg.setdefault(a[0], []).append(a)
    step = 0
    lives: dict[int, list[int]] = {}
    for sg in model.subgraphs:
        allocs = by_sg.get(sg.index, [])
        n = max(len(sg.operators), 1)
        live, ext = _sweep(n, [(f, la, size, off) for _, _, size, f, la, off in allocs])
        lives[sg.index] = live[: len(sg.operators)]
        for i in range(len(sg.operators)):
            points.append(TimelinePoint(step, sg.index, i, live[i], ext[i]))
            op_live[(sg.index, i)] = live[i]
            op_ext[(sg.index, i)] = ext[i]
            step += 1
    peak = max(points, key=lambda pt: pt.live_bytes, default=None)
    tensors: tuple[LiveTensor, ...] = ()
    if peak is not None:
        alive = [a for a in by_sg.get(peak.subgraph, []) if a[3] <= peak.op <= a[4]]
        alive.sort(key=lambda a: -a[2])
        tensors = tuple(LiveTensor(a[0], a[1], _name(model, a[0], a[1], -1), a[2], a[5]) for a in alive[:_TOP_LIVE])
    comp = composites(model)
    notes = [
        "modelled: LiteRT's arena_planner without kernel temporaries (im2col...) and without delegates",
        "one arena per subgraph; arena_bytes is their sum",
    ]
    if comp.callers:
        notes.append(
            "a composite's decomposition subgraph has its own arena (its inputs are the caller's tensors); "
            "a signature's figures add the arenas of the decompositions it runs"
        )
    memory = Memory(
        "litert (modelled)",
        p.arena_bytes,
        p.persistent_bytes,
        (),
        (peak.subgraph, peak.op) if peak is not None else None,
        peak.live_bytes if peak is not None else 0,
        tensors,
        tuple(points),
        tuple(notes),
        signatures=_signatures(model, p.per_subgraph, lives),
    )
    sizes = {(a[0], a[1]): a[2] for a in p.allocations}
    return memory, op_live, op_ext, sizes


def _signatures(model: Model, arenas: tuple[int, ...], lives: dict[int, list[int]]) -> tuple[SignatureMemory, ...]:
    """Per signature: the arenas it allocates and its peak, a composite's op adding its decomposition's peak."""
    from ..composites import composites
    from ..generative import generative

    comp = composites(model)
    gen = generative(model)
    kinds = {g.key: (g.kind, g.tokens) for g in gen.signatures} if gen is not None else {}
    memo: dict[int, tuple[int, tuple[int, int] | None]] = {}

    def peak(s: int, seen: frozenset[int]) -> tuple[int, tuple[int, int] | None]:
        """Peak live bytes of subgraph ``s`` with what its composites run, and the op where it is."""
        if s in memo:
            return memo[s]
        best, where = 0, None
        for i, live in enumerate(lives.get(s, [])):
            c = comp.at(s, i)
            inner, inner_at = (0, None)
            if c is not None and c.decomposition is not None and c.decomposition not in seen:
                inner, inner_at = peak(c.decomposition, seen | {c.decomposition})
            if live + inner > best:
                best, where = live + inner, (inner_at if inner_at is not None and inner > 0 else (s, i))
        memo[s] = (best, where)
        return memo[s]

    out = []
    for sig in model.signatures:
        if not 0 <= sig.subgraph < len(model.subgraphs):
            continue
        subs = [sig.subgraph]
        for _, c in comp.under(sig.subgraph):
            if c.decomposition is not None and c.decomposition not in subs:
                subs.append(c.decomposition)
        top, at = peak(sig.subgraph, frozenset({sig.subgraph}))
        kind, tokens = kinds.get(sig.key, (None, None))
        out.append(
            SignatureMemory(sig.key, sig.subgraph, tuple(subs), sum(arenas[s] for s in subs), top, at, kind, tokens)
        )
    return tuple(out)


def _kv_cache(model: Model, sizes: dict[tuple[int, int], int]) -> KVCache | None:
    """The KV cache of a generative model, and what the plan counted for the cache tensors of every signature."""
    from ..generative import CACHE_NAME, generative

    gen = generative(model)
    if gen is None:
        return None
    planned = 0
    for sig in model.signatures:
        for role in (sig.inputs, sig.outputs):
            for name, t in role.items():
                if CACHE_NAME.match(name):
                    planned += sizes.get((sig.subgraph, t), 0)
    return KVCache(gen.cache_length, gen.cache_bytes, gen.cache_bytes_per_token, planned)


def _reorders(model: Model, sizes: dict[tuple[int, int], int]) -> tuple[Reorder, ...]:
    """Better execution orders of small subgraphs. A composite's decomposition is left out: it is the body of
    one layer's kernel (a delegate may replace it whole), and an LLM has hundreds of them."""
    from ..composites import composites
    from .order import MAX_OPS, best_order, peak_of_order

    comp = composites(model)
    out = []
    for sg in model.subgraphs:
        if not 1 < len(sg.operators) <= MAX_OPS or comp.is_decomposition(sg.index):
            continue
        size = {t: n for (s, t), n in sizes.items() if s == sg.index}
        found = best_order(sg, size)
        if found is None:
            continue
        best, order, states = found
        current = peak_of_order(sg, size, list(range(len(sg.operators))))
        if best < current:
            out.append(Reorder(sg.index, current, best, tuple(order), states))
    return tuple(out)
