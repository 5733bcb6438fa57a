"""``profile`` as text: headline figures, the top ops by MACs and by memory, breakdowns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..naming import scope_label
from .blocks import Block, KeyValues, Note, Table

if TYPE_CHECKING:
    from ..profiling import Group, KVCache, OpProfile, Profile

__all__ = ["profile_blocks", "human_bytes", "human_count"]


def human_bytes(n: int | None) -> str:
    if n is None:
        return "-"
    if n < 1024:
        return f"{n} B"
    for unit in ("KiB", "MiB", "GiB"):
        n_f = n / 1024
        if n_f < 1024 or unit == "GiB":
            return f"{n_f:.1f} {unit}"
        n = int(n_f)
    return f"{n} B"  # pragma: no cover


def human_count(n: int) -> str:
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= div:
            return f"{n / div:.2f}{unit}"
    return str(n)


def _op_row(o: OpProfile, modules: bool = False) -> list[str]:
    where = f"{o.subgraph}:{o.index}" + (f" in {o.composite[0]}:{o.composite[1]}" if o.composite else "")
    return [
        where, o.opcode, o.arith, human_count(o.macs), human_count(o.params),
        human_bytes(o.live_bytes), scope_label(o.scope, modules),
    ]  # fmt: skip


_OP_HEADERS = ["op", "opcode", "kernel", "MACs", "params", "live", "scope"]


def _kv_text(kv: KVCache) -> str:
    from .profile_json import KV_CONTEXTS

    if kv.bytes_per_token is None:
        return f"{human_bytes(kv.bytes)} (the length of some caches is unknown)"
    grow = ", ".join(f"{n:,} tokens {human_bytes(kv.at(n))}" for n in KV_CONTEXTS[::2])
    arena = (
        f"; the plan holds {human_bytes(kv.in_arena_bytes)} for the cache inputs and outputs of every signature "
        "(runtimes that bind the caches as shared external buffers hold them once)"
        if kv.in_arena_bytes
        else ""
    )
    return (
        f"{human_bytes(kv.bytes)} at {kv.length} tokens (exported cache length), {kv.bytes_per_token:,} B per "
        f"token of context: {grow}{arena}"
    )


def _groups(title: str, rows: tuple[Group, ...], top: int, modules: bool = False) -> Table:
    return Table(
        title,
        ["name", "ops", "MACs", "params", "weights"],
        [
            [
                scope_label(g.key, modules),
                str(g.ops),
                human_count(g.macs),
                human_count(g.params),
                human_bytes(g.weight_bytes),
            ]
            for g in rows[:top]
        ],
    )


def profile_blocks(prof: Profile, by: str = "op", top: int = 10) -> list[Block]:
    mem, tot = prof.memory, prof.totals
    peak = "-"
    if mem.peak_op is not None:
        s, i = mem.peak_op
        o = prof.op(s, i)
        peak = f"op {s}:{i} {o.opcode if o else ''} ({human_bytes(mem.peak_live_bytes)} live)"
    head = [
        ("File", prof.source or "-"),
        ("Planner", mem.planner),
        ("Arena", f"{human_bytes(mem.arena_bytes)} ({mem.arena_bytes} bytes)"),
        ("Persistent", f"{human_bytes(mem.persistent_bytes)} in {len(mem.persistent)} variable(s)"),
        ("Peak", peak),
        ("MACs", f"{human_count(tot.macs)} ({tot.macs:,}); FLOPs {human_count(tot.flops)}"),
        ("Parameters", f"{human_count(tot.params)} ({tot.params:,}) in {human_bytes(tot.weight_bytes)}"),
        ("Weight RAM", f"{human_bytes(tot.weight_ram_bytes)} after FLOAT16 → FLOAT32 dequantization"),
    ]
    if prof.signature:
        head.insert(1, ("Signature", prof.signature))
    if mem.planner_reason:
        head[1 if not prof.signature else 2] = ("Planner", f"{mem.planner} — {mem.planner_reason}")
    for m in mem.signatures:
        what = f"{m.kind}, {m.tokens} token{'s' if m.tokens != 1 else ''}; " if m.kind and m.tokens else ""
        at = f" at op {m.peak_op[0]}:{m.peak_op[1]}" if m.peak_op else ""
        more = f" ({len(m.subgraphs) - 1} decomposition arenas)" if len(m.subgraphs) > 1 else ""
        head.append(
            (
                f"Signature {m.key}",
                f"{what}arena {human_bytes(m.arena_bytes)}{more}, peak {human_bytes(m.peak_live_bytes)} live{at}",
            )
        )
    if mem.kv_cache is not None:
        head.append(("KV cache", _kv_text(mem.kv_cache)))
    blocks: list[Block] = [KeyValues(None, head)]
    if by == "op":
        by_macs = sorted(prof.operators, key=lambda o: -o.macs)[:top]
        by_mem = sorted(prof.operators, key=lambda o: -(o.live_bytes or 0))[:top]
        blocks.append(
            Table(f"Top {len(by_macs)} ops by MACs", _OP_HEADERS, [_op_row(o, prof.modules) for o in by_macs])
        )
        blocks.append(
            Table(f"Top {len(by_mem)} ops by live memory", _OP_HEADERS, [_op_row(o, prof.modules) for o in by_mem])
        )
    elif by == "scope":
        title = "By module (named_modules())" if prof.modules else "By name scope (Keras layer)"
        blocks.append(_groups(title, prof.by_scope, top, prof.modules))
    else:
        blocks.append(_groups("By op type", prof.by_type, top))
    blocks.append(_groups("Parameters by dtype", prof.by_dtype, top))
    if mem.peak_tensors:
        blocks.append(
            Table(
                "Alive at the peak",
                ["subgraph", "tensor", "name", "bytes", "offset"],
                [
                    [
                        str(t.subgraph),
                        str(t.tensor) if t.tensor >= 0 else "scratch",
                        t.name,
                        str(t.bytes),
                        str(t.offset),
                    ]
                    for t in mem.peak_tensors[:top]
                ],
            )
        )
    for r in prof.reorder:
        blocks.append(
            Note(
                f"subgraph {r.subgraph}: running ops in the order {', '.join(map(str, r.order))} lowers the peak "
                f"of live tensor bytes from {r.current_peak} to {r.best_peak}"
            )
        )
    blocks.extend(Note(n) for n in mem.notes)
    return blocks
