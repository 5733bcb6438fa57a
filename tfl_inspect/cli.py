"""``tfl-inspect``: parse arguments, call the API, print, return an exit code.

Exit codes: 0 ok, 1 the model fails the check asked for (lint findings, shapes that do not
fit), 2 unreadable input or bad usage, 3 an internal error (a bug in tfl-inspect) — always as one
line on stderr, never a traceback. 2 and 3 differ so that CI can tell "this model is broken" from
"the tool is broken".
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence

from ._version import __version__
from .commands import COMMANDS
from .errors import TflInspectError

__all__ = ["main", "build_parser", "EXIT_INTERNAL", "EXIT_USAGE"]

EXIT_USAGE = 2  # unreadable input or bad usage
EXIT_INTERNAL = 3  # a bug in tfl-inspect

EXIT_CODES = """exit codes:
  0  ok
  1  the model fails the check asked for (lint findings, shapes that do not fit)
  2  unreadable input or bad usage (one line on stderr)
  3  internal error: a bug in tfl-inspect (one line on stderr; TFL_INSPECT_DEBUG=1 shows the traceback)"""


def build_parser(only: str | None = None) -> tuple[argparse.ArgumentParser, dict[str, object]]:
    """The CLI parser; with ``only``, the other subcommands are listed but their options not built.

    A command's options may come from registries (targets, rewrite passes) whose modules need
    not be imported to run another command.
    """
    parser = argparse.ArgumentParser(
        prog="tfl-inspect",
        description="Inspect, lint and draw TensorFlow Lite / LiteRT models.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tfl-inspect {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    modules: dict[str, object] = {}
    for name in COMMANDS:
        module = importlib.import_module(f".commands.{name}", __package__)
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        if only is None or name == only:
            module.add_arguments(p)
        modules[name] = module
    return parser, modules


def _command(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (the first word that is not an option)."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    # A command builds ~10^5 long-lived objects per 10,000-op model (tensors, operators, JSON dicts)
    # and frees them at exit; the default thresholds rescan that growing heap again and again
    # (a third of inspect's reading time). Collect young objects 100x less often; cycles are still freed.
    gc.set_threshold(100_000, 50, 100)
    words = list(sys.argv[1:] if argv is None else argv)
    parser, modules = build_parser(_command(words))
    args = parser.parse_args(words)
    try:
        return int(modules[args.command].run(args))  # type: ignore[attr-defined]
    except TflInspectError as exc:
        print(f"tfl-inspect: error: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error worth a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("TFL_INSPECT_DEBUG"):
            raise
        print(
            f"tfl-inspect: internal error: {type(exc).__name__}: {_one_line(str(exc))} "
            "(set TFL_INSPECT_DEBUG=1 for the traceback, and please report it)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "unknown error"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
