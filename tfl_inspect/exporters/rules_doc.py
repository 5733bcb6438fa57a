"""``tfl-inspect rules``: the rule registry as text or as JSON under the common envelope (schema ``rules``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .. import escape
from ..provenance import PRODUCERS
from ..remedies import variants
from ..rules import FAMILIES, FAMILY
from ..rules.base import Rule
from .envelope import envelope

__all__ = ["to_dict", "dumps", "text"]


def to_dict(rules: Sequence[Rule]) -> dict[str, Any]:
    doc = envelope("rules", None)
    doc["rules"] = [
        {
            "id": r.id,
            "family": r.family,
            "severity": r.severity.value,
            "title": r.title,
            "doc": r.doc,
            "explanation": r.spec.explanation_for(),
            "fix": r.spec.fix_for(),
            "in_producer_terms": _producer_terms(r),
        }
        for r in rules
    ]
    doc["families"] = [
        {"prefix": f, "title": FAMILY[f].title, "description": FAMILY[f].description}
        for f in FAMILIES
        if any(r.family == f for r in rules)
    ]
    return doc


def _producer_terms(r: Rule) -> dict[str, dict[str, str]]:
    """Per producer whose catalogue words them differently: its explanation and fix."""
    why, fix = variants(r.spec.explanation), variants(r.spec.fix)
    return {
        key: {"explanation": why.get(key, r.spec.explanation_for()), "fix": fix.get(key, r.spec.fix_for())}
        for key in dict.fromkeys((*why, *fix))
    }


def dumps(rules: Sequence[Rule]) -> str:
    return json.dumps(to_dict(rules), indent=2, ensure_ascii=False) + "\n"


def text(rules: Sequence[Rule], details: bool) -> str:
    """One line per rule; with ``details``, its doc, why and fix too."""
    lines = []
    for r in rules:
        lines.append(f"{r.id}  {r.severity.value:<7}  {escape.text(r.title)}")
        if details:
            lines.append(f"    {escape.text(r.doc)}")
            if r.spec.explanation:
                lines.append(f"    why: {escape.text(r.spec.explanation_for())}")
            if r.spec.fix:
                lines.append(f"    fix: {escape.text(r.spec.fix_for())}")
            for key, terms in _producer_terms(r).items():
                title = PRODUCERS[key][0]
                lines.append(f"    why ({title}): {escape.text(terms['explanation'])}")
                lines.append(f"    fix ({title}): {escape.text(terms['fix'])}")
    if not details:
        lines.append("")
        lines.append(f"Details: tfl-inspect rules ID (or a family: {', '.join(FAMILIES)}); docs/rules.md.")
    return "\n".join(lines) + "\n"
