"""Running a command over a folder of models: parallel processes, a progress bar, one row per model.

A command that accepts a directory hands this module a *worker* — a top-level function
``(path, options) -> Outcome`` so it pickles into worker processes — and gets back the outcomes in
path order. One model failing (unreadable, or even an internal error) is reported in its row and
does not stop the others; the exit code is the worst over all models (3 > 2 > 1 > 0).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

__all__ = [
    "Outcome",
    "find_models",
    "run_all",
    "worst",
    "write_jsonl",
    "write_markdown",
    "write_table",
    "EXIT",
    "FOLDER_FORMATS",
    "add_folder_arguments",
    "wants_batch",
    "run_batch",
]

# LiteRT keeps its own test models as .bin; anything else in a folder is not looked at.
MODEL_SUFFIXES = (".tflite", ".lite", ".bin", ".mlir", ".litertlm", ".task")
# Exit codes: 0 ok, 1 the check failed, 2 bad input or usage, 3 internal error (a bug).
EXIT = {"ok": 0, "check": 1, "input": 2, "internal": 3}


@dataclass
class Outcome:
    """One model's result: its exit code, a summary row for tables, and its full JSON document."""

    path: str
    code: int
    row: dict[str, Any] = field(default_factory=dict)
    document: dict[str, Any] | None = None
    error: str | None = None


def find_models(directory: str | os.PathLike[str]) -> list[Path]:
    """Every model file (``.tflite``, ``.mlir``, ``.litertlm``, ``.task`` …) under ``directory``, recursively,
    in a stable order."""
    root = Path(directory)
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in MODEL_SUFFIXES)


def _guarded(worker: Callable[[str, Mapping[str, Any]], Outcome], path: str, options: Mapping[str, Any]) -> Outcome:
    """Turn a model's failure into its row: bad input → 2, anything else → 3 (internal error)."""
    from ..errors import TflInspectError

    try:
        return worker(path, options)
    except TflInspectError as exc:
        return Outcome(path, EXIT["input"], error=" ".join(str(exc).split()))
    except Exception as exc:
        return Outcome(path, EXIT["internal"], error=f"internal error: {type(exc).__name__}: {exc}")


def run_all(
    paths: Sequence[Path],
    worker: Callable[[str, Mapping[str, Any]], Outcome],
    options: Mapping[str, Any],
    jobs: int | None = None,
    progress: bool | None = None,
) -> list[Outcome]:
    """Run ``worker`` over ``paths`` with ``jobs`` processes (default: the CPU count)."""
    jobs = max(1, jobs or os.cpu_count() or 1)
    progress = sys.stderr.isatty() if progress is None else progress
    results: dict[str, Outcome] = {}
    names = [str(p) for p in paths]

    def collect(items: Any) -> None:
        if not progress:
            for item in items:
                results[item.path] = item
            return
        from rich.progress import Progress

        with Progress(transient=True, console=_stderr_console()) as bar:
            task = bar.add_task("models", total=len(names))
            for item in items:
                results[item.path] = item
                bar.advance(task)

    if jobs == 1 or len(names) <= 1:
        collect(_guarded(worker, n, options) for n in names)
    else:
        from concurrent.futures import ProcessPoolExecutor  # folders only: multiprocessing costs ~10 ms to import

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(_guarded, worker, n, options) for n in names]
            from concurrent.futures import as_completed

            collect(f.result() for f in as_completed(futures))
    return [results[n] for n in names]


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def worst(outcomes: Sequence[Outcome]) -> int:
    return max((o.code for o in outcomes), default=0)


def write_jsonl(outcomes: Sequence[Outcome], out: TextIO) -> None:
    """One JSON object per model and line; an unreadable model gives ``{"source", "error", "exit_code"}``."""
    import json

    for o in outcomes:
        doc: dict[str, Any] = dict(o.document) if o.document is not None else {"source": o.path}
        doc["exit_code"] = o.code
        if o.error is not None:
            doc["error"] = o.error
        out.write(json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n")


def _cells(o: Outcome, columns: Sequence[str]) -> list[str]:
    if o.error is not None:
        return [o.path, str(o.code), o.error] + [""] * (len(columns) - 1)
    return [o.path, str(o.code), ""] + [str(o.row.get(c, "")) for c in columns[1:]]


def write_markdown(outcomes: Sequence[Outcome], columns: Sequence[str], out: TextIO, title: str) -> None:
    """A summary for CI step summaries (``$GITHUB_STEP_SUMMARY``): names are escaped for Markdown tables."""

    def cell(text: str) -> str:
        from ..escape import text as plain

        return plain(text).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace("`", "\\`")

    head = ["model", "exit", "error", *columns[1:]]
    out.write(f"### {cell(title)}\n\n| " + " | ".join(head) + " |\n|" + "---|" * len(head) + "\n")
    for o in outcomes:
        out.write("| " + " | ".join(cell(c) for c in _cells(o, columns)) + " |\n")
    codes = [o.code for o in outcomes]
    out.write(f"\n{len(outcomes)} models · worst exit code {max(codes, default=0)}\n")


def write_table(outcomes: Sequence[Outcome], columns: Sequence[str], out: TextIO, title: str) -> None:
    """The terminal summary: rich when ``out`` is a terminal, aligned plain text when piped."""
    from ..escape import markup
    from ..escape import text as plain

    head = ["model", "exit", "error", *columns[1:]]
    rows = [_cells(o, columns) for o in outcomes]
    if out.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=markup(title))
        for c in head:
            table.add_column(c)
        for r in rows:
            table.add_row(*(markup(c) for c in r))
        Console(file=out).print(table)
        return
    widths = [max(len(plain(r[i])) for r in [head, *rows]) for i in range(len(head))]
    out.write(title + "\n")
    for r in [head, *rows]:
        out.write("  ".join(plain(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")


FOLDER_FORMATS = ("jsonl", "markdown")


def add_folder_arguments(parser: Any) -> None:
    """``--jobs``; the command adds ``jsonl`` and ``markdown`` to its ``--format`` choices itself."""
    parser.add_argument("--jobs", type=int, metavar="N", help="a folder: parallel processes (default: CPU count)")


def wants_batch(args: Any) -> bool:
    """A directory, or a per-model format (jsonl, markdown) even for one file."""
    return os.path.isdir(args.model) or args.format in FOLDER_FORMATS


def run_batch(
    args: Any,
    worker: Callable[[str, Mapping[str, Any]], Outcome],
    options: Mapping[str, Any],
    columns: Sequence[str],
    title: str,
    out: TextIO | None = None,
) -> int:
    """Run a command over ``args.model`` (a folder or one file) and print the summary; worst exit code."""
    from ..errors import UsageError

    if os.path.isdir(args.model):
        models = find_models(args.model)
        if not models:
            raise UsageError(f"no model files ({', '.join(MODEL_SUFFIXES)}) under {args.model}")
    else:
        models = [Path(args.model)]
    if args.format not in ("text", *FOLDER_FORMATS):
        raise UsageError(f"--format {args.format} describes one model; a folder takes text, jsonl or markdown")
    want_document = args.format == "jsonl"
    outcomes = run_all(models, worker, {**options, "document": want_document}, jobs=getattr(args, "jobs", None))
    out = out or sys.stdout
    if args.format == "jsonl":
        write_jsonl(outcomes, out)
    elif args.format == "markdown":
        write_markdown(outcomes, columns, out, f"tfl-inspect {title}")
    else:
        write_table(outcomes, columns, out, f"tfl-inspect {title}: {len(outcomes)} models")
    return worst(outcomes)
