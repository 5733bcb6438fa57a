"""``tfl-inspect compat MODEL``: which ops run on XNNPACK, the GPU delegate, TFLite Micro, Edge TPU, NNAPI, NPUs.

Exit 0, or 1 when a target named with ``--require`` does not take the whole model; 2 for bad
usage or an unreadable model.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from ._batch import Outcome, add_folder_arguments, run_batch, wants_batch
from ._options import add_target_options, output_stream, target_list, target_options, targets_epilog

__all__ = ["HELP", "add_arguments", "run", "folder_worker", "FOLDER_COLUMNS"]

HELP = (
    "which ops run on each deployment target (XNNPACK, GPU, TFLite Micro, NPUs…), in how many partitions, and why not"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = targets_epilog()
    parser.add_argument("model", help=".tflite file (or converter MLIR text), or a folder of them")
    parser.add_argument(
        "--target",
        "-t",
        action="append",
        metavar="NAMES",
        help=f"targets, comma-separated: {target_list()} (default: all); repeatable",
    )
    parser.add_argument("--signature", metavar="KEY", help="only this signature's subgraph (and what it calls)")
    parser.add_argument(
        "--format",
        choices=("text", "json", "jsonl", "markdown"),
        default="text",
        help="output format (a folder: text, jsonl — one object per model — or markdown for CI summaries)",
    )
    parser.add_argument(
        "--require",
        action="append",
        metavar="TARGET",
        help="exit 1 unless TARGET takes the whole model (comma-separated; repeatable)",
    )
    add_target_options(parser)
    parser.add_argument("--ops", action="store_true", help="text: list every op with its verdict and partition")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    add_folder_arguments(parser)


def run(args: argparse.Namespace) -> int:
    import sys

    from ..readers import load
    from ..targets import compat, parse_targets

    names = list(parse_targets(args.target))
    required = list(parse_targets(args.require)) if args.require else []
    for r in required:
        if r not in names:
            names.append(r)
    given = target_options(args, names)
    if wants_batch(args):
        options = {"targets": names, "required": required, "target_options": given}
        return run_batch(args, folder_worker, options, FOLDER_COLUMNS, "compat")
    model = load(args.model)
    report = compat(model, targets=names, signature=args.signature, **given)
    with output_stream(args.output) as out:
        if args.format == "json":
            from ..exporters.compat_json import to_json

            out.write(to_json(report, str(args.model)))
        else:
            from ..exporters.compat_text import print_text

            print_text(report, out, str(args.model), all_ops=args.ops)
    failing = report.failing(required)
    if failing:
        sys.stderr.write(
            "tfl-inspect: "
            + "; ".join(f"{report.targets[n].title} does not take the whole model" for n in failing)
            + "\n"
        )
        return 1
    return 0


FOLDER_COLUMNS = ("model", "ops", "whole model on", "partial on")


def folder_worker(path: str, options: Mapping[str, Any]) -> Outcome:
    """One model of a folder: per target, whether it takes the whole model; exit 1 if a --require fails."""
    from ..exporters.compat_json import to_json_dict
    from ..targets import compat

    report = compat(path, targets=options["targets"], **options["target_options"])
    whole = [n for n, t in report.targets.items() if t.whole_model]
    partial = [f"{n} {t.supported_ops}/{t.total_ops}" for n, t in report.targets.items() if not t.whole_model]
    total = max((t.total_ops for t in report.targets.values()), default=0)
    row = {"ops": total, "whole model on": " ".join(whole), "partial on": ", ".join(partial)}
    document = to_json_dict(report, path) if options.get("document") else None
    return Outcome(path, 1 if report.failing(options["required"]) else 0, row, document)
