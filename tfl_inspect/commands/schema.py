"""``tfl-inspect schema NAME``: print the JSON Schema a ``--format json`` output names in ``$schema``.

Every JSON output starts with ``"$schema": "urn:tfl-inspect:schema:NAME"``: an identifier, not a
URL, so this command is how a user (or a validator in CI) gets the document it stands for.
"""

from __future__ import annotations

import argparse

__all__ = ["HELP", "add_arguments", "run"]

HELP = "print a shipped JSON Schema (inspect, lint, shapes, diagnose...); no NAME lists them"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "name",
        nargs="?",
        help="schema name, or its $schema id (urn:tfl-inspect:schema:NAME); omit to list the names",
    )


def run(args: argparse.Namespace) -> int:
    import sys

    from .. import schemas
    from ..errors import UsageError

    known = schemas.names()
    if args.name is None:
        sys.stdout.write("".join(f"{n}\t{schemas.schema_id(n)}\n" for n in known))
        return 0
    name = args.name.removeprefix(schemas.schema_id(""))
    if name not in known:
        raise UsageError(f"no schema {args.name!r}: known schemas are {', '.join(known)}")
    text = schemas.text(name)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
