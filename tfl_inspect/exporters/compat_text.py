"""``compat`` as text: per target "K of N ops in P partitions, M transitions", the ops left on the
CPU grouped by reason, fixes, and the caveats no rule here checks (rich on a terminal, plain piped)."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

from .blocks import Block, KeyValues, Note, Table, emit

if TYPE_CHECKING:
    from ..targets import CompatReport, TargetReport

__all__ = ["blocks", "print_text", "headline"]


def headline(t: TargetReport) -> str:
    parts = "partition" if len(t.partitions) == 1 else "partitions"
    line = f"{t.supported_ops} of {t.total_ops} ops on {t.title} in {len(t.partitions)} {parts}"
    if t.loads_whole:
        line += " — loads" if t.whole_model else " — does not load"
    else:
        line += f", {t.transitions} CPU ↔ {t.title} transition{'s' if t.transitions != 1 else ''}"
    return line


def _target_blocks(t: TargetReport, all_ops: bool) -> list[Block]:
    out: list[Block] = [KeyValues(f"{t.title}: {headline(t)}", [("rules", t.source)])]
    for r in t.model_reasons:
        out.append(Note(f"{r.code}: {r.message}" + (f" — fix: {r.fix}" if r.fix else ""), "warning"))
    groups = t.cpu_by_reason()
    if groups:
        rows = []
        for code, vs in groups.items():
            first = vs[0]
            example = first.reasons[0].message if first.reasons else ""
            ops = ", ".join(f"{v.opcode} #{v.index}" + (f" (sg {v.subgraph})" if v.subgraph else "") for v in vs[:4])
            if len(vs) > 4:
                ops += f", … +{len(vs) - 4}"
            rows.append([code, str(len(vs)), ops, example])
        out.append(Table("ops not on " + t.title + " by reason", ["reason", "ops", "which", "first"], rows))
        fixes = list(dict.fromkeys(r.fix for vs in groups.values() for v in vs for r in v.reasons if r.fix))
        for fix in fixes[:3]:
            out.append(Note(f"fix: {fix}"))
    cav = [c for v in t.operators for c in v.caveats]
    if cav:
        out.append(Note(f"{len(cav)} op(s) supported with a caveat: {cav[0]}"))
    for c in t.caveats:
        out.append(Note(f"not checked: {c}"))
    for n in t.notes:
        out.append(Note(n))
    if all_ops:
        where = {(p.subgraph, i): str(k) for k, p in enumerate(t.partitions) for i in p.ops}
        rows = [
            [
                str(v.subgraph),
                str(v.index),
                v.opcode,
                v.status,
                where.get((v.subgraph, v.index), "-"),
                v.reasons[0].message if v.reasons else "; ".join(v.caveats),
            ]
            for v in t.operators
        ]
        out.append(Table(f"{t.title} per op", ["sg", "op", "opcode", "verdict", "partition", "why"], rows))
    return out


def blocks(report: CompatReport, source: str | None = None, all_ops: bool = False) -> list[Block]:
    rt = report.runtime
    runtime = rt.version or "unknown"
    if rt.opcode is not None:
        runtime += f" (needed by {rt.opcode} v{rt.op_version}, subgraph {rt.subgraph} op {rt.op})"
    if rt.metadata:
        runtime += f"; metadata says {rt.metadata}"
    head = KeyValues(
        f"{source or report.source or 'model'}: where each op runs",
        [("minimum runtime", runtime)]
        + ([("signature", report.signature)] if report.signature else [])
        + [(t.title, headline(t)) for t in report.targets.values()],
    )
    out: list[Block] = [head]
    for t in report.targets.values():
        out.extend(_target_blocks(t, all_ops))
    return out


def print_text(report: CompatReport, stream: IO[str], source: str | None = None, all_ops: bool = False) -> None:
    emit(blocks(report, source, all_ops), stream)
