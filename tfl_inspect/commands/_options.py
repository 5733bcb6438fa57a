"""Option parsing shared by several subcommands."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["input_specs"]


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
