"""Lint findings as SARIF 2.1.0, so code-scanning UIs (GitHub, GitLab, VS Code) show them.

A model has no lines, so each result points at the model file and names its place in the
graph with ``logicalLocations`` ("subgraph 0 / op 12 CONV_2D / tensor 5 'x'").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .._version import __version__

if TYPE_CHECKING:
    from ..rules import Finding, Rule

__all__ = ["to_sarif_dict", "to_sarif", "artifact_uri", "SARIF_SCHEMA"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def artifact_uri(path: str | None) -> str:
    """A relative path stays relative (code scanning resolves it against the repo); absolute → file URI."""
    if not path:
        return "model"
    p = PurePath(path)
    if p.is_absolute():
        return "file://" + quote(p.as_posix())
    return quote(p.as_posix())


def _rule_descriptor(r: Rule) -> dict[str, Any]:
    spec = r.spec
    parts = [(label, text) for label, text in (("Why", spec.explanation_for()), ("Fix", spec.fix_for())) if text]
    more = "".join(f"\n\n{label}: {text}" for label, text in parts)
    more_md = "".join(f"\n\n**{label}:** {text}" for label, text in parts)
    return {
        "id": r.id,
        "name": "".join(w.capitalize() for w in r.title.replace("/", " ").replace("×", "x").split() if w.isalnum()),
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": r.doc},
        "help": {"text": r.doc + more, "markdown": f"**{r.id}** — {r.title}\n\n{r.doc}{more_md}"},
        "defaultConfiguration": {"level": _LEVEL[r.severity.value]},
        "properties": {"family": r.family, "tags": [r.family]},
    }


def _logical(f: Finding) -> list[dict[str, Any]]:
    kind = "function" if f.op is not None else "variable" if f.tensor is not None else "module"
    return [
        {"name": f.opcode or f.tensor_name or f.signature or "model", "fullyQualifiedName": f.location(), "kind": kind}
    ]


def to_sarif_dict(
    findings: Sequence[Finding], model_path: str | None, rules: Sequence[Rule] | None = None
) -> dict[str, Any]:
    if rules is None:
        from ..rules import RULES

        rules = RULES
    index = {r.id: i for i, r in enumerate(rules)}
    uri = artifact_uri(model_path)
    results = []
    for f in findings:
        text = f.message
        if f.explanation:
            text += f"\n\nWhy: {f.explanation}"
        if f.fix:
            text += f"\n\nFix: {f.fix}"
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "level": _LEVEL[f.severity.value],
            "message": {"text": text},
            "locations": [
                {
                    "physicalLocation": {"artifactLocation": {"uri": uri, "index": 0}},
                    "logicalLocations": _logical(f),
                }
            ],
            "partialFingerprints": {"tflInspectLocation/v1": f"{f.rule}:{f.location()}"},
            "properties": {k: v for k, v in f.to_dict().items() if k not in ("message", "explanation", "fix")},
        }
        if f.rule in index:
            result["ruleIndex"] = index[f.rule]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "tfl-inspect",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule_descriptor(r) for r in rules],
                    }
                },
                "artifacts": [{"location": {"uri": uri}}],
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def to_sarif(findings: Sequence[Finding], model_path: str | None, rules: Sequence[Rule] | None = None) -> str:
    return json.dumps(to_sarif_dict(findings, model_path, rules), indent=2, ensure_ascii=False) + "\n"
