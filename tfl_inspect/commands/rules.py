"""``tfl-inspect rules``: the lint rules, their ids, default severities and what they check."""

from __future__ import annotations

import argparse

__all__ = ["HELP", "add_arguments", "run"]

HELP = "list the lint rules (ids are stable; use them with lint --select/--ignore)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ids", nargs="*", metavar="ID", help="only these rules or families (shows their full text)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from .. import escape
    from ..rules import FAMILIES, FAMILY, RULES, resolve

    chosen = resolve(args.ids) if args.ids else {r.id for r in RULES}
    rules = [r for r in RULES if r.id in chosen]
    if args.format == "json":
        doc = [
            {
                "id": r.id,
                "family": r.family,
                "severity": r.severity.value,
                "title": r.title,
                "doc": r.doc,
                "explanation": r.spec.explanation,
                "fix": r.spec.fix,
            }
            for r in rules
        ]
        families = [
            {"prefix": f, "title": FAMILY[f].title, "description": FAMILY[f].description}
            for f in FAMILIES
            if any(r.family == f for r in rules)
        ]
        sys.stdout.write(json.dumps({"rules": doc, "families": families}, indent=2, ensure_ascii=False) + "\n")
        return 0
    lines = []
    for r in rules:
        lines.append(f"{r.id}  {r.severity.value:<7}  {escape.text(r.title)}")
        if args.ids:
            lines.append(f"    {escape.text(r.doc)}")
            if r.spec.explanation:
                lines.append(f"    why: {escape.text(r.spec.explanation)}")
            if r.spec.fix:
                lines.append(f"    fix: {escape.text(r.spec.fix)}")
    if not args.ids:
        lines.append("")
        lines.append(f"Details: tfl-inspect rules ID (or a family: {', '.join(FAMILIES)}); docs/rules.md.")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
