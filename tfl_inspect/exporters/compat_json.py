"""``compat --format json``: the report as one document (``tfl_inspect/schemas/compat.schema.json``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .envelope import envelope

if TYPE_CHECKING:
    from ..targets import CompatReport, TargetReport
    from ..targets.reasons import OpVerdict

__all__ = ["to_json_dict", "to_json", "schema", "COMPACT_PAST"]

COMPACT_PAST = 2000  # ops per target past which the document is compact (the indenting encoder is pure Python)


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


def _ops_text(verdicts: tuple[OpVerdict, ...]) -> str:
    """``_ops`` as compact JSON text, byte for byte what ``json.dumps`` gives for it: every op's record after its
    index is the same for every op with the same opcode, status, reasons and caveats, so it is encoded once."""
    memo: dict[tuple[str, str, int, tuple[str, ...]], str] = {}
    parts: list[str] = []
    append = parts.append
    for subgraph, index, opcode, status, reasons, caveats in verdicts:
        key = (opcode, status, id(reasons) if reasons else 0, caveats)
        tail = memo.get(key)
        if tail is None:
            record = _ops(((subgraph, index, opcode, status, reasons, caveats),))[0]  # type: ignore[arg-type]
            text = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
            tail = memo[key] = text[text.index(',"opcode"') :]
        append(f'{{"subgraph":{subgraph},"index":{index}{tail}')
    return "[" + ",".join(parts) + "]"


def _target(t: TargetReport, operators: Any = None) -> dict[str, Any]:
    # supported_ops, whole_model and cpu_by_reason() in one pass over the verdicts (10k per target on big models)
    supported = 0
    by_reason: dict[str, int] = {}
    for v in t.operators:
        if v.status != "unsupported":
            supported += 1
        else:
            code = v.reasons[0].code if v.reasons else "UNSUPPORTED_OPERATOR"
            by_reason[code] = by_reason.get(code, 0) + 1
    return {
        "title": t.title,
        "source": t.source,
        "supported_ops": supported,
        "total_ops": t.total_ops,
        "whole_model": not t.model_reasons and supported == t.total_ops,
        "loads_whole": t.loads_whole,
        "first_blocker": _blocker(t),
        "transitions": t.transitions,
        "partitions": [{"subgraph": p.subgraph, "ops": list(p.ops)} for p in t.partitions],
        "operators": _ops(t.operators) if operators is None else operators,
        "cpu_by_reason": by_reason,
        "model_reasons": [r.to_json() for r in t.model_reasons],
        "caveats": list(t.caveats),
        "notes": list(t.notes),
    }


def to_json_dict(report: CompatReport, source: str | None = None, placeholders: bool = False) -> dict[str, Any]:
    """The document; ``placeholders``: each target's ``operators`` as a marker string for :func:`to_json`."""
    doc = envelope("compat", source if source is not None else report.source)
    doc.update(
        {
            "signature": report.signature,
            "subgraphs": list(report.subgraphs),
            "options": dict(report.options),
            "min_runtime": report.runtime.to_json(),
            "targets": {
                name: _target(t, f"\0operators:{k}\0" if placeholders else None)
                for k, (name, t) in enumerate(report.targets.items())
            },
        }
    )
    return doc


def to_json(report: CompatReport, source: str | None = None) -> str:
    """Indented for small models; compact past 2,000 ops per target (the indenting encoder is pure Python),
    with the operator records encoded as text (:func:`_ops_text`): 90k records are most of the document."""
    big = any(t.total_ops > COMPACT_PAST for t in report.targets.values())
    if not big:
        return json.dumps(to_json_dict(report, source), indent=2, ensure_ascii=False) + "\n"
    doc = to_json_dict(report, source, placeholders=True)
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False, check_circular=False)
    pieces = []
    for k, t in enumerate(report.targets.values()):
        head, _, text = text.partition(json.dumps(f"\0operators:{k}\0"))
        pieces += [head, _ops_text(t.operators)]
    return "".join([*pieces, text, "\n"])


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
