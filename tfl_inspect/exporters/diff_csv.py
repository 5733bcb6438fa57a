"""``diff --format csv``: one row per measured tensor with ``--run``, else one row per change.

Flat tables load straight into pandas or a spreadsheet; names are quoted by the csv module.
Changes in subgraphs other than the compared one give their indices as ``subgraph:index``.
"""

from __future__ import annotations

import csv
import io

from ..compare.report import DiffReport
from .diff_json import tensor_row

__all__ = ["to_csv", "NUMERIC_COLUMNS", "CHANGE_COLUMNS"]

NUMERIC_COLUMNS = [
    "name",
    "scope",
    "a_tensor",
    "b_tensor",
    "a_op",
    "b_op",
    "is_output",
    "max_abs",
    "rmse",
    "sqnr_db",
    "cosine",
    "steps",
    "jump_db",
    "local_mse",
]
CHANGE_COLUMNS = ["section", "kind", "name", "a_index", "b_index", "a", "b", "detail"]


def to_csv(r: DiffReport) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if r.numeric is not None:
        w.writerow(NUMERIC_COLUMNS)
        for e in r.numeric.tensors:
            row = tensor_row(e)
            w.writerow(["" if row[c] is None else row[c] for c in NUMERIC_COLUMNS])
        return buf.getvalue()
    w.writerow(CHANGE_COLUMNS)
    s = r.structure
    for c in r.contract:
        w.writerow(["contract", c.kind, c.name, "", "", c.a, c.b, c.message])
    for o in s.ops:
        w.writerow(["op", o.kind, o.opcode, _s(o.a_op), _s(o.b_op), "", "", "; ".join(o.details)])
    for t in s.tensors:
        for f in t.fields:
            w.writerow(["tensor", f, t.name, t.a_tensor, t.b_tensor, t.a[f], t.b[f], ""])
    for wc in s.weights:
        detail = wc.note
        if wc.max_abs is not None:
            detail = f"max |Δ| {wc.max_abs:.6g}" + (f"; {wc.note}" if wc.note else "")
        hashes = [wc.a_hash or "", wc.b_hash or ""]
        w.writerow(["weight", wc.kind, wc.name, _s(wc.a_tensor), _s(wc.b_tensor), *hashes, detail])
    for m in s.metadata:
        w.writerow(["metadata", "changed", m.field, "", "", m.a, m.b, ""])
    for g in s.others:  # indices there are "subgraph:index"
        if g.a is None or g.b is None:
            w.writerow(["subgraph", "removed" if g.b is None else "added", g.how, _s(g.a), _s(g.b), "", "", ""])
            continue
        for o in g.ops:
            a, b = _at(g.a, o.a_op), _at(g.b, o.b_op)
            w.writerow(["op", o.kind, o.opcode, a, b, "", "", "; ".join(o.details)])
        for t in g.tensors:
            for f in t.fields:
                w.writerow(["tensor", f, t.name, _at(g.a, t.a_tensor), _at(g.b, t.b_tensor), t.a[f], t.b[f], ""])
        for wc in g.weights:
            detail = "" if wc.max_abs is None else f"max |Δ| {wc.max_abs:.6g}"
            detail = "; ".join(x for x in (detail, wc.note) if x)
            cells = [_at(g.a, wc.a_tensor), _at(g.b, wc.b_tensor), wc.a_hash or "", wc.b_hash or "", detail]
            w.writerow(["weight", wc.kind, wc.name, *cells])
    return buf.getvalue()


def _at(subgraph: int | None, index: int | None) -> str:
    return "" if subgraph is None or index is None else f"{subgraph}:{index}"


def _s(x: int | None) -> str:
    return "" if x is None else str(x)
