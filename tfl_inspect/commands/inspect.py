"""``tfl-inspect inspect MODEL``: what a converted model is, above all its I/O contract."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from ._batch import Outcome, add_folder_arguments, run_batch, wants_batch

__all__ = ["HELP", "add_arguments", "run", "folder_worker", "FOLDER_COLUMNS"]

HELP = "summarise a model: ops, weights, quantization scheme and the input/output contract"


def _show(value: str) -> set[str]:
    from ..exporters.model_text import SHOW_CHOICES

    parts = {p.strip() for p in value.split(",") if p.strip()}
    if "all" in parts:
        return set(SHOW_CHOICES)
    unknown = parts - set(SHOW_CHOICES)
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown --show value(s) {', '.join(sorted(unknown))}; choose from {', '.join(SHOW_CHOICES)}, all"
        )
    return parts


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help=".tflite file (or converter MLIR text), or a folder of them")
    parser.add_argument(
        "--show",
        type=_show,
        default=set(),
        metavar="WHAT",
        help="extra tables: comma-separated ops,tensors,buffers,metadata or all",
    )
    parser.add_argument("--subgraph", type=int, default=None, metavar="N", help="only this subgraph's tables")
    parser.add_argument(
        "--format",
        choices=("text", "json", "jsonl", "markdown"),
        default="text",
        help="output format (a folder: text, jsonl — one object per model — or markdown for CI summaries)",
    )
    add_folder_arguments(parser)


def run(args: argparse.Namespace) -> int:
    import sys

    from ..errors import UsageError
    from ..readers import load

    if wants_batch(args):
        return run_batch(args, folder_worker, {}, FOLDER_COLUMNS, "inspect")
    model = load(args.model)
    if args.subgraph is not None and not 0 <= args.subgraph < len(model.subgraphs):
        raise UsageError(f"--subgraph {args.subgraph}: the model has {len(model.subgraphs)} subgraph(s)")
    if args.format == "json":
        from ..exporters.console import is_terminal
        from ..exporters.model_json import dumps, model_to_dict

        # Compact for pipes (the C encoder is ~10x faster); indented for people at a terminal.
        indent = 2 if is_terminal(sys.stdout) else None
        sys.stdout.write(dumps(model_to_dict(model, args.subgraph), indent=indent) + "\n")
        return 0
    from ..exporters.blocks import emit
    from ..exporters.model_text import inspect_blocks

    emit(inspect_blocks(model, args.show, args.subgraph))
    return 0


FOLDER_COLUMNS = ("model", "ops", "size", "scheme", "inputs", "outputs")


def folder_worker(path: str, options: Mapping[str, Any]) -> Outcome:
    """One model of a folder: the ``--format json`` document and a summary row."""
    from ..readers import load
    from ..summary import summarize

    model = load(path)
    s = summarize(model)
    row = {
        "ops": s.n_ops,
        "size": model.size,
        "scheme": s.scheme,
        "inputs": ",".join(d.lower() for d in s.input_dtypes),
        "outputs": ",".join(d.lower() for d in s.output_dtypes),
    }
    document = None
    if options.get("document"):
        from ..exporters.model_json import model_to_dict

        document = model_to_dict(model)
    return Outcome(path, 0, row, document)
