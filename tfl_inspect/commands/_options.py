"""Option parsing shared by several subcommands."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

__all__ = [
    "input_specs",
    "output_stream",
    "target_list",
    "add_target_options",
    "target_options",
    "targets_epilog",
]


def input_specs(specs: Iterable[str] | None) -> dict[str, str]:
    """``--input NAME=SHAPE`` values as {name: shape text}; shapes are parsed by the shapes package."""
    from ..errors import UsageError
    from ..escape import text as esc

    out: dict[str, str] = {}
    for spec in specs or ():
        name, sep, shape = spec.rpartition("=")
        if not sep or not name or not shape:
            raise UsageError(f"--input {esc(spec)!r}: expected NAME=SHAPE, e.g. image=1x128x128x3")
        if name in out:
            raise UsageError(f"--input {esc(name)!r} is given twice")
        out[name] = shape
    return out


def target_list() -> str:
    """``xnnpack, gpu, tflm, …`` from the target registry, for help texts."""
    from ..targets.registry import names

    return ", ".join(names())


def add_target_options(parser: argparse.ArgumentParser) -> None:
    """One flag per registered target option (``--nnapi-level``, ``--arena-size``…), typed and documented there."""
    from ..targets.registry import options

    for opt in options():
        parser.add_argument(opt.flag, dest=opt.name, default=None, metavar=opt.metavar, help=opt.help)


def target_options(args: argparse.Namespace, targets: Iterable[str] | None = None) -> dict[str, Any]:
    """The registered target options given on the command line, checked (a bad value is a usage error);
    with ``targets``, a shared option's items too (``--soc``), so a folder run fails once, up front."""
    from ..targets import check_shared, resolve_options
    from ..targets.registry import get, options

    given = {o.name: v for o in options() if (v := getattr(args, o.name, None)) is not None}
    if targets is not None:
        check_shared([get(n) for n in targets], resolve_options(given))
    return resolve_options(given)


def targets_epilog() -> str:
    """Per target: what it is, the source its rules follow, and what they were checked against."""
    from ..targets.registry import all_targets

    targets = all_targets()
    width = max(len(t.name) for t in targets)
    lines = ["Targets, the source their rules follow, and what the rules were checked against:"]
    for t in targets:
        lines.append(f"  {t.name:<{width}}  {t.title}: {t.summary}")
        lines.append(f"  {'':<{width}}  rules: {t.source}; {t.verified}")
    lines.append("See docs/compat.md.")
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def output_stream(path: str | None) -> Iterator[TextIO]:
    """``-o FILE`` opened for text (stdout when None); a file that cannot be written is a usage error."""
    from ..errors import UsageError

    if not path:
        yield sys.stdout
        return
    try:
        out = open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    with out:
        yield out
