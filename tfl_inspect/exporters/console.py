"""The one text writer: decides once whether output is rich (terminal) or plain (pipe, file, CI).

Every text renderer asks :func:`writer` for a :class:`Writer` instead of testing ``isatty``
itself, so all commands agree on when colours and tables appear:

- rich only when the stream is a terminal and ``TERM`` is not ``dumb``;
- ``NO_COLOR`` (https://no-color.org) keeps the layout but drops colours;
- the width is the terminal's, or ``COLUMNS`` when set.

Renderers that build plain strings call :meth:`Writer.write`; those that draw rich tables call
:meth:`Writer.console` (only when :attr:`Writer.rich`). Names from a model are escaped by the
renderers (:mod:`tfl_inspect.escape`), never here: this module only decides how to print.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["Writer", "writer", "is_terminal"]


def is_terminal(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def _width() -> int | None:
    try:
        n = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        return None
    return n if n > 0 else None


@dataclass(frozen=True, slots=True)
class Writer:
    """Where text goes and how: ``rich`` (tables, styles) or plain lines."""

    stream: IO[str]
    rich: bool
    color: bool
    width: int | None

    def write(self, text: str) -> None:
        """Plain text as is (the renderer has escaped model names)."""
        self.stream.write(text)

    def line(self, text: str = "") -> None:
        self.stream.write(text + "\n")

    def console(self) -> Console:
        """A rich console on the stream with this writer's colour and width decisions."""
        from rich.console import Console

        return Console(
            file=self.stream,
            highlight=False,
            soft_wrap=False,
            no_color=not self.color,
            width=self.width,
        )


def writer(stream: IO[str] | None = None, *, rich: bool | None = None) -> Writer:
    """The writer for ``stream`` (stdout by default); ``rich`` overrides the terminal test."""
    stream = stream if stream is not None else sys.stdout
    if rich is None:
        rich = is_terminal(stream) and os.environ.get("TERM") != "dumb"
    color = rich and "NO_COLOR" not in os.environ
    return Writer(stream, rich, color, _width())
