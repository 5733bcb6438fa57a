"""``tfl-inspect rules``: the lint rules, their ids, default severities and what they check."""

from __future__ import annotations

import argparse

__all__ = ["HELP", "add_arguments", "run"]

HELP = "list the lint rules (ids are stable; use them with lint --select/--ignore)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ids", nargs="*", metavar="ID", help="only these rules or families (shows their full text)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def run(args: argparse.Namespace) -> int:
    import sys

    from ..exporters import rules_doc
    from ..rules import RULES, resolve

    chosen = resolve(args.ids) if args.ids else {r.id for r in RULES}
    rules = [r for r in RULES if r.id in chosen]
    out = rules_doc.dumps(rules) if args.format == "json" else rules_doc.text(rules, details=bool(args.ids))
    sys.stdout.write(out)
    return 0
