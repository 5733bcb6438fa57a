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
    sys.stdout.write(document(name))
    return 0


# Schemas whose parts come from a registry (the compat schema's target names and options): the
# exporter fills them in, so a target registered at run time is in the schema it validates against.
_GENERATED = {"compat": "compat_json"}


def document(name: str) -> str:
    """The schema text as the running program knows it."""
    import importlib
    import json

    from .. import schemas

    module = _GENERATED.get(name)
    if module is None:
        text = schemas.text(name)
        return text if text.endswith("\n") else text + "\n"
    doc = importlib.import_module(f"..exporters.{module}", __package__).schema()
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
