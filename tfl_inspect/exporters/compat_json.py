"""``compat --format json``: the report as one document (``tfl_inspect/schemas/compat.schema.json``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .envelope import envelope

if TYPE_CHECKING:
    from ..targets import CompatReport, TargetReport
    from ..targets.reasons import OpVerdict

__all__ = ["to_json_dict", "to_json", "schema"]


def _ops(verdicts: tuple[OpVerdict, ...]) -> list[dict[str, Any]]:
    """One record per op; reasons are shared objects (one Reject often covers thousands of ops)."""
    memo: dict[int, dict[str, str]] = {}
    none: list[Any] = []  # shared by every op without reasons/caveats: the encoder only reads it
    out: list[dict[str, Any]] = []
    append = out.append
    for subgraph, index, opcode, status, reasons, caveats in verdicts:
        if reasons:
            rs = []
            for r in reasons:
                j = memo.get(id(r))
                if j is None:
                    j = memo[id(r)] = r.to_json()
                rs.append(j)
        else:
            rs = none
        append(
            {
                "subgraph": subgraph,
                "index": index,
                "opcode": opcode,
                "supported": status != "unsupported",
                "status": status,
                "reasons": rs,
                "caveats": list(caveats) if caveats else none,
            }
        )
    return out


def _blocker(t: TargetReport) -> dict[str, Any] | None:
    """Where the load stops (whole-or-nothing runtimes) or the first op left on the CPU, with its reason."""
    if t.first_blocker is None:
        return None
    s, i = t.first_blocker
    v = t.verdict(s, i)  # None when the op is in a subgraph the report leaves out
    return {
        "subgraph": s,
        "index": i,
        "opcode": v.opcode if v is not None else None,
        "reason": v.reasons[0].to_json() if v is not None and v.reasons else None,
    }


def _target(t: TargetReport) -> dict[str, Any]:
    return {
        "title": t.title,
        "source": t.source,
        "supported_ops": t.supported_ops,
        "total_ops": t.total_ops,
        "whole_model": t.whole_model,
        "loads_whole": t.loads_whole,
        "first_blocker": _blocker(t),
        "transitions": t.transitions,
        "partitions": [{"subgraph": p.subgraph, "ops": list(p.ops)} for p in t.partitions],
        "operators": _ops(t.operators),
        "cpu_by_reason": {code: len(vs) for code, vs in t.cpu_by_reason().items()},
        "model_reasons": [r.to_json() for r in t.model_reasons],
        "caveats": list(t.caveats),
        "notes": list(t.notes),
    }


def to_json_dict(report: CompatReport, source: str | None = None) -> dict[str, Any]:
    doc = envelope("compat", source if source is not None else report.source)
    doc.update(
        {
            "signature": report.signature,
            "subgraphs": list(report.subgraphs),
            "options": dict(report.options),
            "min_runtime": report.runtime.to_json(),
            "targets": {name: _target(t) for name, t in report.targets.items()},
        }
    )
    return doc


def to_json(report: CompatReport, source: str | None = None) -> str:
    """Indented for small models; compact past 2,000 ops per target (the indenting encoder is pure Python)."""
    doc = to_json_dict(report, source)
    big = any(t.total_ops > 2000 for t in report.targets.values())
    if big:
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False, check_circular=False) + "\n"
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def schema() -> dict[str, Any]:
    """The compat schema as shipped, with the target names and options of the registry (plug-ins included)."""
    from ..schemas import load
    from ..targets.registry import names, options

    doc = load("compat")
    doc["properties"]["targets"]["propertyNames"]["enum"] = list(names())
    opts = doc["properties"]["options"]
    opts["properties"] = {o.name: o.json_schema() for o in options()}
    opts["required"] = list(opts["properties"])
    return doc
