"""One report, two renderings: rich tables on a terminal, aligned plain text when piped.

Which one is decided by :mod:`.console` (the one writer every text renderer uses).

Reports are built as a list of blocks (key/value lists and tables of plain strings);
every string is escaped here, at the last step, so model names cannot inject terminal
escapes or rich markup whichever rendering is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO

from .. import escape
from .console import Writer, is_terminal, writer

__all__ = ["KeyValues", "Table", "Note", "Block", "emit", "use_rich"]


@dataclass
class KeyValues:
    title: str | None
    rows: list[tuple[str, str]]


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]]
    # Cells to emphasise (row, column) — dynamic dims, differing orders — shown bold on a terminal.
    emphasis: set[tuple[int, int]] = field(default_factory=set)


@dataclass
class Note:
    text: str
    level: str = "note"  # note | warning


Block = KeyValues | Table | Note


def use_rich(stream: IO[str]) -> bool:
    """Kept for callers that only ask; :func:`.console.writer` is where the decision is made."""
    return is_terminal(stream)


def emit(blocks: list[Block], stream: IO[str] | None = None, rich: bool | None = None) -> None:
    """Write ``blocks`` through the console writer (rich on a terminal, plain otherwise)."""
    w = writer(stream, rich=rich)
    if w.rich:
        _emit_rich(blocks, w)
    else:
        w.write(plain(blocks))


def plain(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, KeyValues):
            if block.title:
                out.append(escape.text(block.title))
            width = max((len(k) for k, _ in block.rows), default=0)
            out.extend(f"{k.ljust(width)}  {escape.text(v)}" for k, v in block.rows)
        elif isinstance(block, Table):
            out.append(escape.text(block.title))
            rows = [[escape.text(c) for c in r] for r in block.rows]
            widths = [len(h) for h in block.headers]
            for r in rows:
                widths = [max(w, len(c)) for w, c in zip(widths, r, strict=False)]
            out.append("  ".join(h.ljust(w) for h, w in zip(block.headers, widths, strict=False)).rstrip())
            out.extend("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)).rstrip() for r in rows)
            if not rows:
                out.append("(none)")
        else:
            out.append(("warning: " if block.level == "warning" else "") + escape.text(block.text))
        out.append("")
    return "\n".join(out)


def _emit_rich(blocks: list[Block], w: Writer) -> None:
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text

    console = w.console()
    for block in blocks:
        if isinstance(block, KeyValues):
            grid = RichTable.grid(padding=(0, 2))
            grid.add_column(style="bold cyan", no_wrap=True)
            grid.add_column()
            for k, v in block.rows:
                grid.add_row(Text(k), Text(escape.text(v)))
            if block.title:
                console.print(Text(escape.text(block.title), style="bold"))
            console.print(grid)
        elif isinstance(block, Table):
            table = RichTable(
                title=Text(escape.text(block.title), style="bold"), box=box.SIMPLE_HEAD, title_justify="left"
            )
            for h in block.headers:
                table.add_column(h)
            for r, row in enumerate(block.rows):
                table.add_row(
                    *(
                        Text(escape.text(c), style="bold red" if (r, c_i) in block.emphasis else "")
                        for c_i, c in enumerate(row)
                    )
                )
            console.print(table)
        else:
            style = "yellow" if block.level == "warning" else "dim"
            console.print(Text(escape.text(block.text), style=style))
        console.print()
