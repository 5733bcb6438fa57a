"""``tfl-inspect diff`` as text: the contract first (what callers notice), then structure, then numbers."""

from __future__ import annotations

from collections import Counter

from ..compare.report import DiffReport, TensorError
from .blocks import Block, KeyValues, Note, Table

__all__ = ["diff_blocks", "LIMIT"]

LIMIT = 25  # rows per table in text; JSON and CSV carry everything


def _g(x: float | None, spec: str = ".4g") -> str:
    return "" if x is None else format(x, spec)


def _sqnr(e: TensorError) -> str:
    return "inf" if e.sqnr_db is None else f"{e.sqnr_db:.1f}"


def _more(rows: int, what: str) -> list[Block]:
    return [Note(f"... {rows - LIMIT} more {what} (see --format json or csv)")] if rows > LIMIT else []


def diff_blocks(r: DiffReport) -> list[Block]:
    s, al = r.structure, r.alignment
    blocks: list[Block] = []
    n_ops = len(s.ops) + sum(len(g.ops) for g in s.others)
    n_tensors = len(s.tensors) + sum(len(g.tensors) for g in s.others)
    n_weights = len(s.weights) + sum(len(g.weights) for g in s.others)
    alone = sum(1 for g in s.others if g.a is None or g.b is None)
    verdict = (
        "no differences"
        if r.identical
        else (
            f"{len(r.contract)} contract change(s), {n_ops} op change(s), {n_tensors} tensor change(s), "
            f"{n_weights} weight change(s), {len(s.metadata)} metadata change(s)"
            + (f", {alone} subgraph(s) in one model only" if alone else "")
        )
    )
    blocks.append(
        KeyValues(
            "diff",
            [
                ("A", r.a or "(bytes)"),
                ("B", r.b or "(bytes)"),
                ("size", f"{s.size[0]:,} -> {s.size[1]:,} bytes ({s.size[1] - s.size[0]:+,})"),
                ("verdict", verdict),
            ],
        )
    )
    if r.contract:
        blocks.append(
            Table(
                "I/O contract changes",
                ["signature", "role", "name", "change", "detail"],
                [[c.signature or "", c.role, c.name, c.kind, c.message] for c in r.contract[:LIMIT]],
            )
        )
        blocks += _more(len(r.contract), "contract changes")
    else:
        blocks.append(Note("I/O contract: unchanged"))
    counts = [[k, str(x), str(y), f"{y - x:+d}"] for k, (x, y) in s.op_counts.items() if x != y]
    if counts:
        blocks.append(Table("op counts that changed (all subgraphs)", ["op", "A", "B", "Δ"], counts))
    if s.ops:
        changed = [o for o in s.ops if o.kind == "changed"]
        rows = [[o.opcode, str(o.a_op), str(o.b_op), "; ".join(o.details)] for o in changed[:LIMIT]]
        if rows:
            blocks.append(Table(f"ops changed ({len(changed)})", ["op", "A op", "B op", "what"], rows))
            blocks += _more(len(changed), "changed ops")
        for kind in ("removed", "added"):
            group = Counter(o.opcode for o in s.ops if o.kind == kind)
            if group:
                blocks.append(
                    Note(f"ops {kind}: " + ", ".join(f"{n} x {k}" if n > 1 else k for k, n in group.most_common()))
                )
    if s.tensors:
        rows = [
            [t.name, str(t.a_tensor), str(t.b_tensor), "; ".join(f"{f}: {t.a[f]} -> {t.b[f]}" for f in t.fields)]
            for t in s.tensors[:LIMIT]
        ]
        blocks.append(Table(f"tensors changed ({len(s.tensors)})", ["tensor", "A", "B", "what"], rows))
        blocks += _more(len(s.tensors), "changed tensors")
    if s.weights:
        rows = [
            [w.kind, w.name, _g(w.max_abs), w.note or (f"{w.a_hash} -> {w.b_hash}" if w.kind == "changed" else "")]
            for w in s.weights[:LIMIT]
        ]
        blocks.append(
            Table(
                f"weights changed ({len(s.weights)}; {s.weights_same} identical)",
                ["change", "tensor", "max |Δ|", "detail"],
                rows,
            )
        )
        blocks += _more(len(s.weights), "weight changes")
    if s.metadata:
        blocks.append(Table("metadata", ["field", "A", "B"], [[m.field, str(m.a), str(m.b)] for m in s.metadata]))
    blocks += _other_subgraphs(r)
    line = f"alignment: {al.coverage:.1%} of A's {al.n_activations_a} activation tensors have a partner in B"
    by_how = Counter(p.how for p in al.pairs)
    if by_how:
        line += " (" + ", ".join(f"{n} by {h}" for h, n in by_how.most_common()) + ")"
    blocks.append(Note(line))
    for side, idx, names in (
        ("not aligned in A", al.unaligned_a, al.unaligned_a_names),
        ("only in B", al.unaligned_b, al.unaligned_b_names),
    ):
        if idx:
            shown = ", ".join(f"{i} '{n}'" for i, n in zip(idx[:8], names[:8], strict=False))
            blocks.append(Note(f"{side}: {len(idx)} tensor(s): {shown}" + (" ..." if len(idx) > 8 else "")))
    for note in r.notes:
        blocks.append(Note(note, "warning"))
    if r.numeric is not None:
        blocks += _numeric_blocks(r)
    return blocks


def _other_subgraphs(r: DiffReport) -> list[Block]:
    """One row per other subgraph pair, then what changed in the changed ones."""
    others = r.structure.others
    if not others:
        return []
    out: list[Block] = []
    if not any(g.changed for g in others):
        out.append(Note(f"other subgraphs: {len(others)}, all unchanged"))
        return out
    rows = []
    for g in others:
        if g.a is None or g.b is None:
            what = ["", "", ""]
        else:
            kinds = Counter(o.kind for o in g.ops)
            what = [
                ", ".join(f"{n} {k}" for k, n in kinds.most_common()) or "same",
                str(len(g.tensors)) if g.tensors else "same",
                f"{len(g.weights)} changed, {g.weights_same} same" if g.weights else "same",
            ]
        rows.append(["" if g.a is None else str(g.a), "" if g.b is None else str(g.b), g.how, *what])
    out.append(Table("other subgraphs", ["A", "B", "paired by", "ops", "tensors", "weights"], rows[:LIMIT]))
    out += _more(len(rows), "subgraphs")
    details = [
        [
            f"{g.a}/{g.b}",
            o.kind,
            o.opcode,
            "" if o.a_op is None else str(o.a_op),
            "" if o.b_op is None else str(o.b_op),
            "; ".join(o.details),
        ]
        for g in others
        for o in g.ops
    ]
    if details:
        out.append(
            Table("ops changed in other subgraphs", ["A/B", "change", "op", "A op", "B op", "what"], details[:LIMIT])
        )
        out += _more(len(details), "op changes")
    weights = [
        [
            f"{g.a}/{g.b}",
            w.kind,
            w.name,
            _g(w.max_abs),
            w.note or (f"{w.a_hash} -> {w.b_hash}" if w.kind == "changed" else ""),
        ]
        for g in others
        for w in g.weights
    ]
    if weights:
        out.append(
            Table(
                "weights changed in other subgraphs", ["A/B", "change", "tensor", "max |Δ|", "detail"], weights[:LIMIT]
            )
        )
        out += _more(len(weights), "weight changes")
    return out


def _numeric_blocks(r: DiffReport) -> list[Block]:
    n = r.numeric
    assert n is not None
    out: list[Block] = [
        Note(
            f"numbers: {n.samples} sample(s) from {n.inputs_from}"
            + (f" (seed {n.seed})" if n.inputs_from == "random" else "")
            + (f", signature {n.signature}" if n.signature else "")
            + "; LiteRT without default delegates; B against A, dequantized"
        )
    ]
    head = ["tensor", "max |Δ|", "RMSE", "SQNR dB", "cosine", "steps"]
    outs = [e for e in n.tensors if e.is_output]
    out.append(
        Table(
            "outputs",
            head,
            [[e.name, _g(e.max_abs), _g(e.rmse), _sqnr(e), _g(e.cosine, ".6f"), _g(e.steps, ".2f")] for e in outs],
        )
    )
    if n.first_divergence is not None:
        e = n.tensors[n.first_divergence]
        out.append(
            Note(
                f"first divergence: {e.scope or e.name} (tensor '{e.name}', A op {e.a_op}): "
                f"SQNR falls {e.jump_db:.1f} dB to {_sqnr(e)} dB",
                "warning",
            )
        )
    rows = [
        [
            n.tensors[i].scope,
            n.tensors[i].name,
            _sqnr(n.tensors[i]),
            _g(n.tensors[i].jump_db, ".1f"),
            _g(n.tensors[i].local_mse, ".3g"),
            _g(n.tensors[i].max_abs),
            _g(n.tensors[i].steps, ".2f"),
        ]
        for i in n.ranking[:LIMIT]
    ]
    out.append(
        Table(
            "layers ranked by SQNR lost (jump)",
            ["layer", "tensor", "SQNR dB", "jump dB", "own MSE", "max |Δ|", "steps"],
            rows,
        )
    )
    out += _more(len(n.ranking), "layers")
    for why in n.skipped[:LIMIT]:
        out.append(Note(f"not compared: {why}"))
    return out
