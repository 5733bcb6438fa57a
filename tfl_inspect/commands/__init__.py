"""The CLI's subcommands, registered in one list.

Each module named here defines ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int`` (the exit code). Modules import only light things at the top so
that building the parser stays fast; the work happens in ``run``.
"""

from __future__ import annotations

__all__ = ["COMMANDS"]

COMMANDS: tuple[str, ...] = (
    "inspect",
    "lint",
    "rules",
    "graph",
    "shapes",
    "diagnose",
    "compat",
    "profile",
    "diff",
    "fix",
    "report",
    "schema",
)
