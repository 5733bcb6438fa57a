"""Generate the per-rule part of ``docs/rules.md`` from the rule specs.

``python -m tfl_inspect.rules.docs`` rewrites the file; ``--check`` exits 1 when it is stale (a
test runs that check). Everything between the ``rules:begin`` and ``rules:end`` markers is
generated — family headings from :data:`~tfl_inspect.rules.base.FAMILY`, and per rule its id,
title, default severity, doc, explanation and fix (as an unknown producer's model reads them, then in
each producer's own terms where its remedy catalogue words them differently) — except the hand-written examples between
``<!-- example ID -->`` and ``<!-- /example -->``, which are kept per rule id. The text before
and after the markers is hand-written too.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

from ..provenance import PRODUCERS
from ..remedies import Text
from . import FAMILIES, FAMILY, RULES
from .base import Rule

__all__ = ["render", "examples", "main", "BEGIN", "END", "DEFAULT_PATH"]

BEGIN = "<!-- rules:begin: generated from the rule specs by `python -m tfl_inspect.rules.docs`; edit the specs -->"
END = "<!-- rules:end -->"
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "docs" / "rules.md"

_EXAMPLE = re.compile(r"<!-- example (\w+) -->\n(.*?)<!-- /example -->", re.DOTALL)


def examples(text: str) -> dict[str, str]:
    """The hand-written example block of each rule id in an existing document."""
    return {m.group(1): m.group(2) for m in _EXAMPLE.finditer(text)}


def _in_producer_terms(text: Text, label: str) -> list[str]:
    """The text as an unknown producer reads it, then each producer whose catalogue words it differently."""
    from ..remedies import say, variants

    out = [f"**{label}:** {say(text)}", ""]
    for key, own in variants(text).items():
        out += [f"*{PRODUCERS[key][0]}:* {own}", ""]
    return out


def _rule(r: Rule, example: str) -> list[str]:
    spec = r.spec
    out = [f"### {spec.id}", f"**{spec.title}** — {spec.severity.value} by default.", "", spec.doc_for(), ""]
    if spec.explanation:
        out += _in_producer_terms(spec.explanation, "Why")
    if spec.fix:
        out += _in_producer_terms(spec.fix, "Fix")
    block = example.rstrip("\n")
    out += [f"<!-- example {spec.id} -->", *([block] if block.strip() else []), "<!-- /example -->"]
    return [*out, ""]


def render(text: str) -> str:
    """``text`` with its generated part rebuilt from the registry; hand-written parts kept."""
    if BEGIN not in text or END not in text:
        raise ValueError(f"the document has no generated part: add the lines\n{BEGIN}\n{END}")
    head, rest = text.split(BEGIN, 1)
    body, tail = rest.split(END, 1)
    kept = examples(body)
    lines = [BEGIN, ""]
    for fam in FAMILIES:
        family = FAMILY[fam]
        lines += ["---", "", f"## {fam} — {family.title}", ""]
        if family.description:
            lines += [family.description, ""]
        for r in RULES:
            if r.family == fam:
                lines += _rule(r, kept.get(r.id, ""))
    lines.append(END)
    return head + "\n".join(lines) + tail


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    paths = [a for a in args if a != "--check"]
    path = Path(paths[0]) if paths else DEFAULT_PATH
    if not path.is_file():
        print(f"{path}: no such file (give the path of docs/rules.md)", file=sys.stderr)
        return 2
    text = path.read_text(encoding="utf-8")
    try:
        new = render(text)
    except ValueError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 2
    if new == text:
        return 0
    if check:
        print(f"{path} is stale: run python -m tfl_inspect.rules.docs", file=sys.stderr)
        return 1
    path.write_text(new, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
