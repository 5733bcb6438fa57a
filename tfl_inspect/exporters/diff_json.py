"""``diff --format json``: the report as data (schema ``urn:tfl-inspect:schema:diff``).

Tensor and op indices are those of the compared subgraph (0 unless a signature names another),
except under ``structure.other_subgraphs``, which uses each listed pair's own; infinite SQNR (no
error at all) is ``null``.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..compare.report import DiffReport, OpChange, TensorChange, TensorError, WeightChange
from .envelope import envelope

__all__ = ["diff_to_dict", "dumps", "tensor_row"]


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else x


def tensor_row(e: TensorError) -> dict[str, Any]:
    return {
        "name": e.name,
        "scope": e.scope,
        "a_tensor": e.a_tensor,
        "b_tensor": e.b_tensor,
        "a_op": e.a_op,
        "b_op": e.b_op,
        "is_output": e.is_output,
        "max_abs": _num(e.max_abs),
        "rmse": _num(e.rmse),
        "sqnr_db": _num(e.sqnr_db),
        "cosine": _num(e.cosine),
        "steps": _num(e.steps),
        "jump_db": _num(e.jump_db),
        "local_mse": _num(e.local_mse),
    }


def _op(o: OpChange) -> dict[str, Any]:
    return {"kind": o.kind, "opcode": o.opcode, "a_op": o.a_op, "b_op": o.b_op, "details": list(o.details)}


def _tensor(t: TensorChange) -> dict[str, Any]:
    return {
        "name": t.name,
        "a_tensor": t.a_tensor,
        "b_tensor": t.b_tensor,
        "fields": list(t.fields),
        "a": t.a,
        "b": t.b,
    }


def _weight(w: WeightChange) -> dict[str, Any]:
    return {
        "kind": w.kind,
        "name": w.name,
        "a_tensor": w.a_tensor,
        "b_tensor": w.b_tensor,
        "a_hash": w.a_hash,
        "b_hash": w.b_hash,
        "max_abs": _num(w.max_abs),
        "note": w.note,
    }


def diff_to_dict(r: DiffReport) -> dict[str, Any]:
    s, al = r.structure, r.alignment
    doc = envelope("diff", r.a)
    doc.update(
        {
            "a": r.a,
            "b": r.b,
            "identical": r.identical,
            "contract": [
                {
                    "signature": c.signature,
                    "role": c.role,
                    "name": c.name,
                    "kind": c.kind,
                    "a": c.a,
                    "b": c.b,
                    "message": c.message,
                }
                for c in r.contract
            ],
            "structure": {
                "size": {"a": s.size[0], "b": s.size[1]},
                "op_counts": [{"opcode": k, "a": x, "b": y} for k, (x, y) in s.op_counts.items()],
                "ops": [_op(o) for o in s.ops],
                "tensors": [_tensor(t) for t in s.tensors],
                "weights": [_weight(w) for w in s.weights],
                "weights_same": s.weights_same,
                "metadata": [{"field": m.field, "a": m.a, "b": m.b} for m in s.metadata],
                "other_subgraphs": [
                    {
                        "a_subgraph": o.a,
                        "b_subgraph": o.b,
                        "how": o.how,
                        "coverage": o.coverage,
                        "ops": [_op(x) for x in o.ops],
                        "tensors": [_tensor(x) for x in o.tensors],
                        "weights": [_weight(x) for x in o.weights],
                        "weights_same": o.weights_same,
                    }
                    for o in s.others
                ],
            },
            "alignment": {
                "subgraphs": {"a": al.subgraphs[0], "b": al.subgraphs[1]},
                "coverage": al.coverage,
                "pairs": [{"a_tensor": p.a, "b_tensor": p.b, "how": p.how} for p in al.pairs],
                "unaligned_a": list(al.unaligned_a),
                "unaligned_b": list(al.unaligned_b),
            },
            "notes": list(r.notes),
        }
    )
    c = r.compiled
    if c is not None:
        doc["compiled"] = {
            "side": c.side,
            "vendor": c.vendor,
            "soc": c.soc,
            "target": c.target,
            "source_subgraph": c.source_subgraph,
            "compiled_subgraph": c.compiled_subgraph,
            "ops": [
                {
                    "source_op": o.source_op,
                    "opcode": o.opcode,
                    "where": o.where,
                    "compiled_op": o.compiled_op,
                    "partition": o.partition,
                }
                for o in c.ops
            ],
            "partitions": [{"op": op, "name": name, "source_ops": n} for op, name, n in c.partitions],
        }
    n = r.numeric
    if n is not None:
        doc["numeric"] = {
            "signature": n.signature,
            "samples": n.samples,
            "seed": n.seed,
            "inputs_from": n.inputs_from,
            "tensors": [tensor_row(e) for e in n.tensors],
            "ranking": list(n.ranking),
            "first_divergence": n.first_divergence,
            "skipped": list(n.skipped),
        }
    return doc


def dumps(r: DiffReport, indent: int | None = None) -> str:
    return json.dumps(diff_to_dict(r), indent=indent, allow_nan=False, default=str)
