"""``profile`` as JSON (schema ``profile``) and CSV (one row per operator)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from .envelope import envelope

if TYPE_CHECKING:
    from ..profiling import Group, KVCache, Profile

__all__ = ["profile_to_dict", "profile_csv", "CSV_COLUMNS", "KV_CONTEXTS"]


def _group(g: Group) -> dict[str, Any]:
    return {"key": g.key, "ops": g.ops, "macs": g.macs, "params": g.params, "weight_bytes": g.weight_bytes}


# Context lengths the KV-cache curve is given for, besides the exported cache length.
KV_CONTEXTS = (1024, 2048, 4096, 8192, 16384, 32768)


def _kv(kv: KVCache | None) -> dict[str, Any]:
    if kv is None:
        return {
            "kv_cache_bytes": None,
            "kv_cache_bytes_per_token": None,
            "kv_cache_length": None,
            "kv_cache_in_arena_bytes": None,
            "kv_cache": [],
        }
    lengths = sorted({*KV_CONTEXTS, *([kv.length] if kv.length else [])})
    return {
        "kv_cache_bytes": kv.bytes,
        "kv_cache_bytes_per_token": kv.bytes_per_token,
        "kv_cache_length": kv.length,
        "kv_cache_in_arena_bytes": kv.in_arena_bytes,
        "kv_cache": [{"tokens": n, "bytes": kv.at(n)} for n in lengths] if kv.bytes_per_token is not None else [],
    }


def profile_to_dict(prof: Profile, timeline: bool = True) -> dict[str, Any]:
    mem, tot = prof.memory, prof.totals
    doc = envelope("profile", prof.source)
    doc["signature"] = prof.signature
    doc["memory"] = {
        "planner": mem.planner,
        "arena_bytes": mem.arena_bytes,
        "persistent_bytes": mem.persistent_bytes,
        "persistent": [{"what": w, "bytes": n} for w, n in mem.persistent],
        "peak_op": {"subgraph": mem.peak_op[0], "index": mem.peak_op[1]} if mem.peak_op else None,
        "peak_live_bytes": mem.peak_live_bytes,
        "peak_tensors": [
            {"subgraph": t.subgraph, "tensor": t.tensor, "name": t.name, "bytes": t.bytes, "offset": t.offset}
            for t in mem.peak_tensors
        ],
        "timeline": [
            {
                "step": p.step,
                "subgraph": p.subgraph,
                "op": p.op,
                "live_bytes": p.live_bytes,
                "arena_extent": p.arena_extent,
            }
            for p in mem.timeline
        ]
        if timeline
        else [],
        "notes": list(mem.notes),
        "planner_reason": mem.planner_reason or None,
        "signatures": [
            {
                "key": m.key,
                "subgraph": m.subgraph,
                "subgraphs": list(m.subgraphs),
                "kind": m.kind,
                "tokens": m.tokens,
                "arena_bytes": m.arena_bytes,
                "peak_live_bytes": m.peak_live_bytes,
                "peak_op": {"subgraph": m.peak_op[0], "index": m.peak_op[1]} if m.peak_op else None,
            }
            for m in mem.signatures
        ],
        **_kv(mem.kv_cache),
    }
    doc["totals"] = {
        "macs": tot.macs,
        "flops": tot.flops,
        "params": tot.params,
        "weight_bytes": tot.weight_bytes,
        "weight_ram_bytes": tot.weight_ram_bytes,
        "bytes_moved": tot.bytes_moved,
    }
    doc["operators"] = [
        {
            "subgraph": o.subgraph,
            "index": o.index,
            "opcode": o.opcode,
            "kernel": o.arith,
            "scope": o.scope,
            "tensor_name": o.tensor_name,
            "macs": o.macs,
            "flops": o.flops,
            "params": o.params,
            "weight_bytes": o.weight_bytes,
            "live_bytes": o.live_bytes,
            "arena_extent": o.arena_extent,
            "bytes_moved": o.bytes_moved,
            "composite": {"subgraph": o.composite[0], "index": o.composite[1]} if o.composite else None,
        }
        for o in prof.operators
    ]
    doc["by_scope"] = [_group(g) for g in prof.by_scope]
    doc["by_type"] = [_group(g) for g in prof.by_type]
    doc["by_dtype"] = [_group(g) for g in prof.by_dtype]
    doc["reorder"] = [
        {"subgraph": r.subgraph, "current_peak": r.current_peak, "best_peak": r.best_peak, "order": list(r.order)}
        for r in prof.reorder
    ]
    return doc


CSV_COLUMNS = (
    "subgraph", "index", "opcode", "kernel", "scope", "macs", "flops", "params", "weight_bytes", "live_bytes",
    "arena_extent",
)  # fmt: skip


def _cell(text: str) -> str:
    """Names come from the model: keep spreadsheets from reading them as formulas."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def profile_csv(prof: Profile, by: str = "op") -> str:
    """One row per operator (``by="op"``) or per scope / op type group."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if by == "op":
        w.writerow(CSV_COLUMNS)
        for o in prof.operators:
            live = "" if o.live_bytes is None else o.live_bytes
            extent = "" if o.arena_extent is None else o.arena_extent
            row = [o.subgraph, o.index, _cell(o.opcode), o.arith, _cell(o.scope), o.macs, o.flops, o.params]
            w.writerow([*row, o.weight_bytes, live, extent])
    else:
        w.writerow(("key", "ops", "macs", "params", "weight_bytes"))
        for g in prof.by_scope if by == "scope" else prof.by_type:
            w.writerow((_cell(g.key), g.ops, g.macs, g.params, g.weight_bytes))
    return buf.getvalue()
