"""``shapes --format json``: a shape result (and the interpreter's verdict) as one document.

The document starts with the common envelope and follows ``schemas/shapes.schema.json``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .envelope import envelope

if TYPE_CHECKING:
    from ..shapes.types import PVal, Shape, ShapeResult
    from ..shapes.verify import Verification

__all__ = ["to_json"]


def _shape(s: Shape | None) -> list[int] | None:
    return None if s is None else [int(d) for d in s]


def _value_from(v: PVal) -> list[str | None] | None:
    """Provenance of each element (what lint's DYN002 and the diagnosis quote), or None."""
    srcs = v.sources()
    return [s.text if s is not None else None for s in srcs] if any(s is not None for s in srcs) else None


def to_json(result: ShapeResult, verification: Verification | None = None, source: Any = None) -> dict[str, Any]:
    """The ``--format json`` document (schema ``shapes``)."""
    from ..shapes.infer import outputs, size_warnings

    model = result.model
    sg = model.subgraphs[result.subgraph]
    names: dict[int, str] = {}
    if result.signature is not None:
        sig = model.signature(result.signature)
        if sig is not None:
            names = {i: n for n, i in sig.inputs.items()}
    tensors = []
    for t, shape, status in result.tensor_rows():
        v = result.value(t.index) if status != "constant" else None
        producer = sg.producer(t.index)
        tensors.append(
            {
                "subgraph": result.subgraph,
                "index": t.index,
                "name": t.name,
                "dtype": t.dtype,
                "shape": list(t.shape),
                "shape_signature": list(t.shape_signature) if t.has_rank else None,
                "inferred_shape": _shape(shape),
                "status": status,
                "producer": producer if producer >= 0 else None,
                "value": v.to_json() if v is not None else None,
                "value_from": _value_from(v) if v is not None else None,
            }
        )
    f = result.failure
    doc = envelope("shapes", str(source if source is not None else model.source or ""))
    doc.update(
        {
            "subgraph": result.subgraph,
            "signature": result.signature,
            "ok": result.ok,
            "outputs": [
                {
                    "index": row.index,
                    "name": row.name,
                    "signature_name": row.signature_name,
                    "recorded_shape_signature": _shape(row.recorded),
                    "inferred_shape": _shape(row.inferred),
                    "changed": row.changed,
                }
                for row in outputs(result)
            ],
            "warnings": size_warnings(result),
            "inputs": [
                {
                    "index": i,
                    "name": sg.tensors[i].name,
                    "signature_name": names.get(i),
                    "recorded_shape_signature": list(sg.tensors[i].shape_signature),
                    "shape": _shape(s),
                    "changed": i in result.changed_inputs,
                }
                for i, s in result.inputs.items()
            ],
            "failure": None
            if f is None
            else {
                "op": f.op,
                "opcode": f.opcode,
                "message": f.text,
                "rule": f.message,
                "hint": f.hint,
                "runtime_checks": f.runtime_checks,
                "inputs": [{"index": i, "shape": _shape(s)} for i, s in f.inputs],
            },
            "failures": [{"op": x.op, "opcode": x.opcode, "message": x.text} for x in result.failures],
            "ops": {
                "total": len(sg.operators),
                "inferred": list(result.inferred_ops),
                "not_inferred": [{"op": i, "opcode": sg.operators[i].opcode} for i in result.not_inferred_ops],
            },
            "tensors": tensors,
        }
    )
    if verification is not None:
        doc["verify"] = _verify(verification)
    return doc


def _verify(v: Verification) -> dict[str, Any]:
    return {
        "interpreter_ok": v.interpreter_ok,
        "stage": v.stage,
        "error": v.error,
        "failed_op": v.failed_op,
        "invoked": v.invoked,
        "agree": v.agree,
        "total": v.total,
        "unknown": v.unknown,
        "consistent": v.consistent,
        "verdict": v.verdict,
        "mismatches": [
            {
                "index": m.index,
                "name": m.name,
                "inferred_shape": _shape(m.inferred),
                "interpreter_shape": _shape(m.interpreter),
            }
            for m in v.mismatches
        ],
    }
