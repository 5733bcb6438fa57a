"""``tfl-inspect diff`` as text: the contract first (what callers notice), then structure, then numbers."""

from __future__ import annotations

from collections import Counter

from ..compare.report import CompiledPairing, DiffReport, TensorError
from .blocks import Block, KeyValues, Note, Table

__all__ = ["diff_blocks", "numeric_blocks", "LIMIT"]

LIMIT = 25  # rows per table in text; JSON and CSV carry everything


def _g(x: float | None, spec: str = ".4g") -> str:
    return "" if x is None else format(x, spec)


def _sqnr(e: TensorError) -> str:
    return "inf" if e.sqnr_db is None else f"{e.sqnr_db:.1f}"


def _more(rows: int, what: str, limit: int | None = LIMIT) -> list[Block]:
    if limit is None or rows <= limit:
        return []
    return [Note(f"... {rows - limit} more {what} (see --format json or csv)")]


def diff_blocks(r: DiffReport, limit: int | None = LIMIT, numbers: bool = True) -> list[Block]:
    """The report as blocks; ``limit`` rows per table (None: all), ``numbers`` adds :func:`numeric_blocks`."""
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
                [[c.signature or "", c.role, c.name, c.kind, c.message] for c in r.contract[:limit]],
            )
        )
        blocks += _more(len(r.contract), "contract changes", limit)
    else:
        blocks.append(Note("I/O contract: unchanged"))
    counts = [[k, str(x), str(y), f"{y - x:+d}"] for k, (x, y) in s.op_counts.items() if x != y]
    if counts:
        blocks.append(Table("op counts that changed (all subgraphs)", ["op", "A", "B", "Δ"], counts))
    if s.ops:
        changed = [o for o in s.ops if o.kind == "changed"]
        rows = [[o.opcode, str(o.a_op), str(o.b_op), "; ".join(o.details)] for o in changed[:limit]]
        if rows:
            blocks.append(Table(f"ops changed ({len(changed)})", ["op", "A op", "B op", "what"], rows))
            blocks += _more(len(changed), "changed ops", limit)
        moved = _moved(r.compiled)
        for kind in ("removed", "added"):
            group = Counter(o.opcode for o in s.ops if o.kind == kind and (o.a_op, o.b_op) not in moved)
            if group:
                blocks.append(
                    Note(f"ops {kind}: " + ", ".join(f"{n} x {k}" if n > 1 else k for k, n in group.most_common()))
                )
    if s.tensors:
        rows = [
            [t.name, str(t.a_tensor), str(t.b_tensor), "; ".join(f"{f}: {t.a[f]} -> {t.b[f]}" for f in t.fields)]
            for t in s.tensors[:limit]
        ]
        blocks.append(Table(f"tensors changed ({len(s.tensors)})", ["tensor", "A", "B", "what"], rows))
        blocks += _more(len(s.tensors), "changed tensors", limit)
    if s.weights:
        rows = [
            [w.kind, w.name, _g(w.max_abs), w.note or (f"{w.a_hash} -> {w.b_hash}" if w.kind == "changed" else "")]
            for w in s.weights[:limit]
        ]
        blocks.append(
            Table(
                f"weights changed ({len(s.weights)}; {s.weights_same} identical)",
                ["change", "tensor", "max |Δ|", "detail"],
                rows,
            )
        )
        blocks += _more(len(s.weights), "weight changes", limit)
    if s.metadata:
        blocks.append(Table("metadata", ["field", "A", "B"], [[m.field, str(m.a), str(m.b)] for m in s.metadata]))
    blocks += _other_subgraphs(r, limit)
    if r.compiled is not None:
        blocks += _compiled_blocks(r.compiled, limit)
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
    if numbers and r.numeric is not None:
        blocks += numeric_blocks(r, limit)
    return blocks


def _moved(c: CompiledPairing | None) -> set[tuple[int | None, int | None]]:
    """(A op, B op) keys of the op changes that are ops compiled into an NPU partition (listed on their own)."""
    if c is None:
        return set()
    out: set[tuple[int | None, int | None]] = set()
    for o in c.ops:
        if o.where == "npu":
            out.add((o.source_op, None) if c.side == "b" else (None, o.source_op))
    for op, _, _ in c.partitions:
        out.add((None, op) if c.side == "b" else (op, None))
    return out


def _compiled_blocks(c: CompiledPairing, limit: int | None) -> list[Block]:
    """Every source op: left on the CPU (the op it is now) or taken by an NPU partition (which one)."""
    src, out = ("A", "B") if c.side == "b" else ("B", "A")
    n_npu, n_cpu, n_none = c.count("npu"), c.count("cpu"), c.count("unpaired")
    head = (
        f"{out} is {src} compiled for {c.target}: of {src}'s {len(c.ops)} ops, {n_cpu} stay on the CPU and {n_npu} "
        f"went into {len(c.partitions)} NPU partition(s) (their weights are in the bytecode now)"
        + (f"; {n_none} not paired" if n_none else "")
    )
    blocks: list[Block] = [Note(head, "warning" if n_none else "note")]
    parts = [
        [
            f"{out} op {op}",
            name,
            str(n),
            ", ".join(f"{o.opcode} #{o.source_op}" for o in c.ops if o.compiled_op == op and o.where == "npu"),
        ]
        for op, name, n in c.partitions
    ]
    blocks.append(
        Table("NPU partitions (DISPATCH_OP)", ["op", "name", f"{src} ops", f"{src} ops it took"], parts[:limit])
    )
    blocks += _more(len(parts), "partitions", limit)
    rows = [
        [
            str(o.source_op),
            o.opcode,
            {"cpu": "CPU", "npu": "NPU", "unpaired": "not paired"}[o.where],
            "" if o.compiled_op is None else str(o.compiled_op),
            o.partition or "",
        ]
        for o in c.ops
    ]
    blocks.append(
        Table(f"where {src}'s ops went", [f"{src} op", "opcode", "runs on", f"{out} op", "partition"], rows[:limit])
    )
    blocks += _more(len(rows), "ops", limit)
    return blocks


def _other_subgraphs(r: DiffReport, limit: int | None) -> list[Block]:
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
    out.append(Table("other subgraphs", ["A", "B", "paired by", "ops", "tensors", "weights"], rows[:limit]))
    out += _more(len(rows), "subgraphs", limit)
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
            Table("ops changed in other subgraphs", ["A/B", "change", "op", "A op", "B op", "what"], details[:limit])
        )
        out += _more(len(details), "op changes", limit)
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
                "weights changed in other subgraphs", ["A/B", "change", "tensor", "max |Δ|", "detail"], weights[:limit]
            )
        )
        out += _more(len(weights), "weight changes", limit)
    return out


def numeric_blocks(r: DiffReport, limit: int | None = LIMIT, ranking: bool = True) -> list[Block]:
    """What ``--run`` measured: outputs, the first divergence, and (``ranking``) layers by SQNR lost."""
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
    if not ranking:
        return out + [Note(f"not compared: {why}") for why in n.skipped[:limit]]
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
        for i in n.ranking[:limit]
    ]
    out.append(
        Table(
            "layers ranked by SQNR lost (jump)",
            ["layer", "tensor", "SQNR dB", "jump dB", "own MSE", "max |Δ|", "steps"],
            rows,
        )
    )
    out += _more(len(n.ranking), "layers", limit)
    for why in n.skipped[:limit]:
        out.append(Note(f"not compared: {why}"))
    return out
