"""``tfl-inspect lint MODEL``: what will break on the device, with exit codes for CI."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from ._batch import Outcome, add_folder_arguments, run_batch, wants_batch
from ._options import add_target_options, output_stream, target_list, target_options

__all__ = ["HELP", "add_arguments", "run", "folder_worker", "FOLDER_COLUMNS"]

HELP = "find what will break: dynamic shapes, quantization, I/O names, unsupported ops (exit 1 on findings)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help=".tflite file (or converter MLIR text), or a folder of them")
    parser.add_argument(
        "--format",
        choices=("text", "json", "sarif", "jsonl", "markdown"),
        default="text",
        help="output format (a folder: text, jsonl — one object per model — or markdown for CI summaries)",
    )
    parser.add_argument(
        "--select",
        action="append",
        metavar="IDS",
        help="only these rules or families, comma-separated (e.g. DYN,QNT001); repeatable",
    )
    parser.add_argument(
        "--ignore", action="append", metavar="IDS", help="skip these rules or families, comma-separated; repeatable"
    )
    parser.add_argument(
        "--fail-on",
        choices=("error", "warning", "info"),
        default="error",
        help="exit 1 when a finding reaches this severity (default: error)",
    )
    parser.add_argument(
        "--runtime",
        metavar="X.Y",
        help="target LiteRT/TFLite runtime version; enables OPS003 (e.g. 2.16), which computes the model's "
        "minimum runtime from its op versions when min_runtime_version metadata is missing",
    )
    parser.add_argument(
        "--target",
        action="append",
        metavar="NAMES",
        help=f"deployment targets that must take the whole model, comma-separated ({target_list()}); enables CMP001",
    )
    add_target_options(parser)
    parser.add_argument("--brief", action="store_true", help="text: location and message only, without why/fix")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    add_folder_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from ..readers import load
    from ..rules import Severity, resolve
    from ..rules import run as lint

    if args.select is not None:
        resolve(args.select)  # unknown ids are a usage error before the model is read
    if args.ignore is not None:
        resolve(args.ignore)
    chosen = None
    if args.target is not None:
        from ..targets import parse_targets

        chosen = parse_targets(args.target)  # an unknown target is a usage error before the model is read
    given = target_options(args, chosen)
    if wants_batch(args):
        options = {
            "select": args.select,
            "ignore": args.ignore,
            "runtime": args.runtime,
            "fail_on": args.fail_on,
            "targets": args.target,
            "target_options": given,
        }
        if args.output:
            with output_stream(args.output) as fh:
                return run_batch(args, folder_worker, options, FOLDER_COLUMNS, "lint", fh)
        return run_batch(args, folder_worker, options, FOLDER_COLUMNS, "lint")
    model = load(args.model)
    findings = lint(
        model,
        select=args.select,
        ignore=args.ignore,
        runtime=args.runtime,
        targets=args.target,
        target_options=given,
    )
    path = str(args.model)
    with output_stream(args.output) as out:
        if args.format == "json":
            from ..exporters.findings import to_json

            out.write(to_json(findings, path, model.format))
        elif args.format == "sarif":
            from ..exporters.sarif import to_sarif

            out.write(to_sarif(findings, path))
        else:
            from ..exporters.findings import print_text

            print_text(findings, path, out, brief=args.brief)
    threshold = Severity(args.fail_on)
    return 1 if any(f.severity >= threshold for f in findings) else 0


FOLDER_COLUMNS = ("model", "errors", "warnings", "info", "rules")


def folder_worker(path: str, options: Mapping[str, Any]) -> Outcome:
    """One model of a folder: its findings as the ``--format json`` document and a summary row."""
    from ..exporters.findings import count, to_json_dict
    from ..readers import load
    from ..rules import Severity
    from ..rules import run as lint

    model = load(path)
    findings = lint(
        model,
        select=options["select"],
        ignore=options["ignore"],
        runtime=options["runtime"],
        targets=options.get("targets"),
        target_options=options.get("target_options"),
    )
    counts = count(findings)
    threshold = Severity(options["fail_on"])
    row = {
        "errors": counts["error"],
        "warnings": counts["warning"],
        "info": counts["info"],
        "rules": " ".join(sorted({f.rule for f in findings})),
    }
    document = to_json_dict(findings, path, model.format) if options.get("document") else None
    return Outcome(path, 1 if any(f.severity >= threshold for f in findings) else 0, row, document)
