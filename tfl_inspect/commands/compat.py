"""``tfl-inspect compat MODEL``: which ops run on XNNPACK, the GPU delegate, TFLite Micro, Edge TPU, NNAPI.

Exit 0, or 1 when a target named with ``--require`` does not take the whole model; 2 for bad
usage or an unreadable model.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from ._batch import Outcome, add_folder_arguments, run_batch, wants_batch

__all__ = ["HELP", "add_arguments", "run", "folder_worker", "FOLDER_COLUMNS"]

HELP = "which ops run on XNNPACK, GPU, TFLite Micro, Edge TPU and NNAPI, in how many partitions, and why not"

_EPILOG = """\
Rules follow each runtime's own source:
  xnnpack  LiteRT tflite/delegates/xnnpack/xnnpack_delegate.cc @ f67457790c9c (matches ai-edge-litert 2.3)
  gpu      LiteRT tflite/tools/versioning/gpu_compatibility.cc + delegates/gpu/common/model_builder.cc @ f67457790c9c
  tflm     tflite-micro python_ops_resolver.cc + kernels/*.cc Prepare checks @ 90b983c2b3f1
  edgetpu  coral.ai Edge TPU supported-operations table (compiler 2.x) and model requirements
  nnapi    LiteRT tflite/delegates/nnapi/nnapi_delegate.cc Validate @ f67457790c9c, by --nnapi-level
XNNPACK and TFLite Micro verdicts are tested against the real runtimes; GPU, Edge TPU and
NNAPI rules are unit-tested only (no device here). See docs/compat.md.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = _EPILOG
    parser.add_argument("model", help=".tflite file (or converter MLIR text), or a folder of them")
    parser.add_argument(
        "--target",
        "-t",
        action="append",
        metavar="NAMES",
        help="targets, comma-separated: xnnpack, gpu, tflm, edgetpu, nnapi (default: all); repeatable",
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
    parser.add_argument(
        "--nnapi-level", type=int, default=None, metavar="API", help="Android API level for NNAPI (default 30)"
    )
    parser.add_argument(
        "--arena-size",
        type=int,
        default=None,
        metavar="BYTES",
        help="TFLite Micro tensor arena; checks the planned arena fits (default: not checked)",
    )
    parser.add_argument("--ops", action="store_true", help="text: list every op with its verdict and partition")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    add_folder_arguments(parser)


def run(args: argparse.Namespace) -> int:
    import sys

    from ..errors import UsageError
    from ..readers import load
    from ..targets import compat, parse_targets

    names = list(parse_targets(args.target))
    required = list(parse_targets(args.require)) if args.require else []
    for r in required:
        if r not in names:
            names.append(r)
    if args.nnapi_level is not None and args.nnapi_level < 27:
        raise UsageError(f"--nnapi-level {args.nnapi_level}: NNAPI starts at Android API level 27")
    if args.arena_size is not None and args.arena_size <= 0:
        raise UsageError("--arena-size must be a positive number of bytes")
    if wants_batch(args):
        options = {"targets": names, "required": required, "nnapi_level": args.nnapi_level}
        options["arena_size"] = args.arena_size
        return run_batch(args, folder_worker, options, FOLDER_COLUMNS, "compat")
    model = load(args.model)
    report = compat(
        model, targets=names, signature=args.signature, nnapi_level=args.nnapi_level, arena_size=args.arena_size
    )
    try:
        out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    try:
        if args.format == "json":
            from ..exporters.compat_json import to_json

            out.write(to_json(report, str(args.model)))
        else:
            from ..exporters.compat_text import print_text

            print_text(report, out, str(args.model), all_ops=args.ops)
    finally:
        if out is not sys.stdout:
            out.close()
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

    report = compat(
        path, targets=options["targets"], nnapi_level=options["nnapi_level"], arena_size=options["arena_size"]
    )
    whole = [n for n, t in report.targets.items() if t.whole_model]
    partial = [f"{n} {t.supported_ops}/{t.total_ops}" for n, t in report.targets.items() if not t.whole_model]
    total = max((t.total_ops for t in report.targets.values()), default=0)
    row = {"ops": total, "whole model on": " ".join(whole), "partial on": ", ".join(partial)}
    document = to_json_dict(report, path) if options.get("document") else None
    return Outcome(path, 1 if report.failing(options["required"]) else 0, row, document)
