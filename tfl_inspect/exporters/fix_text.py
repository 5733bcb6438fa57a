"""``tfl-inspect fix`` report as text: what changed, what LiteRT saw, which findings went.

Built from :mod:`.blocks`, which escapes every cell (tensor names are untrusted).
"""

from __future__ import annotations

from typing import IO

from ..rewrite.report import FixReport
from .blocks import Block, KeyValues, Note, Table, emit

__all__ = ["blocks", "print_text"]

_LIMIT = 40  # rows per table in text; JSON lists everything
_SHAPES_FROM = {
    "static": "  (the rewritten model's shapes)",
    "given": "  (--verify-input)",
    "recorded": "  (unknown dims run as 1, their recorded placeholder: --verify-input NAME=SHAPE checks a real size)",
}


def _shape(dims: list[int]) -> str:
    return "[" + ", ".join("?" if d < 0 else str(d) for d in dims) + "]"


def _counts(d: dict[str, int]) -> str:
    return ", ".join(f"{k} ×{v}" for k, v in d.items()) or "none"


def _cut(rows: list[list[str]], what: str) -> tuple[list[list[str]], Note | None]:
    if len(rows) <= _LIMIT:
        return rows, None
    return rows[:_LIMIT], Note(f"… and {len(rows) - _LIMIT} more {what} (--format json lists all)")


def blocks(r: FixReport) -> list[Block]:
    out: list[Block] = []
    head = [
        ("model", r.source),
        ("output", r.output + ("" if r.written else "  (NOT written)")),
        ("passes", ", ".join(r.passes) or "none (repacked unchanged)"),
        ("subgraph", str(r.subgraph) + (f" (signature {r.signature})" if r.signature else "")),
        ("ops", f"{r.ops_before} → {r.ops_after}"),
        ("size", f"{r.bytes_before:,} → {r.bytes_after:,} bytes ({_saved(r.bytes_saved)})"),
    ]
    if r.tensors_removed or r.buffers_removed or r.buffers_merged:
        head.append(
            ("removed", f"{r.tensors_removed} tensors, {r.buffers_removed} buffers ({r.buffers_merged} merged)")
        )
    out.append(KeyValues("tfl-inspect fix", head))
    tables: list[tuple[str, list[str], list[list[str]], str]] = [
        (
            "Shapes fixed",
            ["#", "tensor", "before", "after"],
            [[str(s.tensor), s.name, _shape(s.before), _shape(s.after)] for s in r.shapes_fixed],
            "shapes",
        ),
        (
            "Folded into constants",
            ["#", "tensor", "value"],
            [[str(f.tensor), f.name, str(f.value)] for f in r.folded],
            "constants",
        ),
        (
            "Ops removed",
            ["op", "opcode", "by"],
            [[str(o.op) if o.subgraph is None else f"{o.subgraph}:{o.op}", o.opcode, o.by] for o in r.ops_removed],
            "ops",
        ),
        (
            "I/O types",
            ["role", "#", "tensor", "type", "scale", "zero point", "boundary op"],
            [
                [
                    c.role,
                    str(c.tensor),
                    c.name,
                    f"{c.before} → {c.after}",
                    f"{c.scale:.6g}",
                    str(c.zero_point),
                    f"{c.removed_op} removed" if c.removed_op else "now a requantize",
                ]
                for c in r.io_changes
            ],
            "I/O tensors",
        ),
        (
            "Signature names renamed",
            ["signature", "role", "old name", "new name"],
            [[n.signature, n.role, n.old, n.new] for n in r.signature_renamed],
            "names",
        ),
        (
            "Tensors renamed",
            ["#", "old name", "new name"],
            [[str(n.tensor), n.old, n.new] for n in r.renamed],
            "names",
        ),
    ]
    for title, headers, rows, what in tables:
        if rows:
            shown, more = _cut(rows, what)
            out.append(Table(title, headers, shown))
            if more:
                out.append(more)
    if r.still_dynamic:
        names = ", ".join(r.still_dynamic[:8]) + (" …" if len(r.still_dynamic) > 8 else "")
        out.append(Note(f"{len(r.still_dynamic)} tensor(s) still have unknown dims: {names}", "warning"))
        if r.static_needed and not r.refused:  # else the last line says it
            out.append(Note(f"to fix them, add {' '.join(r.static_needed)} with the real sizes", "warning"))
    for n in r.notes:
        out.append(Note(n))
    v = r.verification
    if v is not None:
        vrows: list[tuple[str, str]] = [("LiteRT", f"{v.status}" + (f": {v.message}" if v.message else ""))]
        if v.inputs:
            shapes = "; ".join(f"{i['name']} {i['dtype']}{_shape(i['shape'])}" for i in v.inputs)
            vrows.append(("inputs", shapes + _SHAPES_FROM.get(v.input_shapes or "", "")))
            vrows.append(("seed", str(v.seed)))
        for o in v.outputs:
            same = "bit-identical" if o["equal"] else f"DIFFERENT (max |diff| {o['max_abs_diff']})"
            vrows.append((f"output {o['name']}", same))
        if v.xnnpack_before is not None or v.xnnpack_after is not None:
            vrows.append(("XNNPACK ops", f"{v.xnnpack_before} → {v.xnnpack_after}"))
        out.append(KeyValues("Verification", vrows))
    if r.lint is not None:
        lrows = [
            ("before", _counts(r.lint.before)),
            ("after", _counts(r.lint.after)),
            ("removed", _counts(r.lint.removed)),
            ("added", _counts(r.lint.added)),
        ]
        out.append(KeyValues("Lint findings", lrows))
        for m in r.lint.added_messages:
            out.append(Note(f"new finding {m}", "warning"))
    if r.refused:
        out.append(Note(f"the output was not written: {r.refused}", "warning"))
    elif not r.written:
        out.append(Note("the output was not written: verification failed (use --no-verify to write anyway)", "warning"))
    return out


def print_text(r: FixReport, stream: IO[str] | None = None) -> None:
    emit(blocks(r), stream)


def _saved(n: int) -> str:
    """Renaming can grow a file by a few bytes; say so instead of a negative saving."""
    return f"{n:,} saved" if n >= 0 else f"{-n:,} more"
