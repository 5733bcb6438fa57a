"""``tfl-inspect profile MODEL``: arena size (as TFLite Micro or LiteRT plans it), MACs, parameters, the peak."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from ._batch import Outcome, add_folder_arguments, run_batch, wants_batch

__all__ = ["HELP", "add_arguments", "run", "folder_worker", "FOLDER_COLUMNS"]

HELP = (
    "activation arena (TFLite Micro's planner; LiteRT's for generative models), MACs and parameters per op, "
    "where the memory peak is, and a generative model's memory per signature and KV cache"
)


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a number ≥ 1, got {n}")
    return n


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help=".tflite file (or converter MLIR text), or a folder of them")
    parser.add_argument(
        "--planner",
        choices=("tflm", "litert"),
        default=None,
        help="tflm: TFLite Micro's greedy planner, exact; litert: LiteRT's CPU arena, modelled "
        "(default: litert for a generative model, tflm otherwise)",
    )
    parser.add_argument("--signature", metavar="NAME", help="start execution at this signature's subgraph")
    parser.add_argument("--by", choices=("op", "scope", "type"), default="op", help="table rows (default: op)")
    parser.add_argument(
        "--format",
        choices=("text", "json", "csv", "jsonl", "markdown"),
        default="text",
        help="output format (a folder: text, jsonl — one object per model — or markdown for CI summaries)",
    )
    add_folder_arguments(parser)
    parser.add_argument("--top", type=_positive, default=10, metavar="N", help="rows per text table (default 10)")
    parser.add_argument("--plot", metavar="FILE", help="draw arena use over the execution order (.svg, or .png)")
    parser.add_argument(
        "--overlay", metavar="FILE", help="write a Model Explorer node-data JSON file (see --overlay-kind)"
    )
    parser.add_argument(
        "--overlay-kind", choices=("macs", "memory", "params"), default="macs", help="value shown by --overlay"
    )
    parser.add_argument(
        "--pointer-bytes",
        type=int,
        choices=(4, 8),
        default=4,
        help="pointer size for TFLM kernels' pointer-array scratch buffers (4: 32-bit MCU; 8: 64-bit host)",
    )


def run(args: argparse.Namespace) -> int:
    # A one-shot command building many small acyclic objects: the cyclic GC would only re-walk
    # them on every collection (~15% of the run on 10k ops). Paused here, restored after, so
    # in-process callers (tests, notebooks) keep their collector.
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(args)
    finally:
        if enabled:
            gc.enable()


def _run(args: argparse.Namespace) -> int:
    import json
    import sys
    from pathlib import Path

    from ..errors import UsageError
    from ..profiling import profile
    from ..readers import load

    if wants_batch(args):
        options = {"planner": args.planner, "pointer_bytes": args.pointer_bytes}
        return run_batch(args, folder_worker, options, FOLDER_COLUMNS, "profile")
    model = load(args.model)
    prof = profile(model, planner=args.planner, signature=args.signature, pointer_bytes=args.pointer_bytes)
    if args.plot:
        from ..exporters.profile_plot import write_plot

        write_plot(prof, args.plot)
    if args.overlay:
        from ..exporters.profile_explorer import overlay

        try:
            Path(args.overlay).write_text(json.dumps(overlay(model, prof, args.overlay_kind)) + "\n")
        except OSError as exc:
            raise UsageError(f"cannot write {args.overlay}: {exc.strerror or exc}") from None
    if args.format == "json":
        from ..exporters.profile_json import profile_to_dict

        indent = 2 if sys.stdout.isatty() else None
        sys.stdout.write(json.dumps(profile_to_dict(prof), indent=indent) + "\n")
    elif args.format == "csv":
        from ..exporters.profile_json import profile_csv

        sys.stdout.write(profile_csv(prof, args.by))
    else:
        from ..exporters.blocks import emit
        from ..exporters.profile_text import profile_blocks

        emit(profile_blocks(prof, args.by, args.top))
    return 0


FOLDER_COLUMNS = ("model", "ops", "MACs", "params", "arena bytes", "persistent bytes", "peak op")


def folder_worker(path: str, options: Mapping[str, Any]) -> Outcome:
    """One model of a folder: its totals and memory as a row, the ``--format json`` document for jsonl."""
    from ..exporters.profile_json import profile_to_dict
    from ..profiling import profile
    from ..readers import load

    model = load(path)
    prof = profile(model, planner=options["planner"], pointer_bytes=options["pointer_bytes"])
    doc = profile_to_dict(prof, timeline=False)
    memory, totals = doc["memory"], doc["totals"]
    peak = memory.get("peak_op")
    peak_text = ""
    if peak is not None:
        op = model.subgraphs[peak["subgraph"]].operators[peak["index"]]
        peak_text = f"{peak['subgraph']}:{peak['index']} {op.opcode}"
    row = {
        "ops": len(doc["operators"]),
        "MACs": totals["macs"],
        "params": totals["params"],
        "arena bytes": memory["arena_bytes"],
        "persistent bytes": memory["persistent_bytes"],
        "peak op": peak_text,
    }
    return Outcome(path, 0, row, doc if options.get("document") else None)
