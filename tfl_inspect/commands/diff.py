"""``tfl-inspect diff A B``: what changed between two models, and with ``--run`` where numbers drift."""

from __future__ import annotations

import argparse

__all__ = ["HELP", "add_arguments", "run"]

HELP = "compare two models: I/O contract, ops, tensors, weights, metadata; --run measures per-layer error"

FAIL_ON = ("contract", "structure", "numeric")


def _fail_on(value: str) -> set[str]:
    parts = {p.strip() for p in value.split(",") if p.strip()}
    unknown = parts - set(FAIL_ON)
    if unknown or not parts:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(FAIL_ON)} (comma-separated)")
    return parts


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("a", help="reference model (.tflite, or converter MLIR text without --run)")
    parser.add_argument("b", help="model to compare against A")
    parser.add_argument("--run", action="store_true", help="run both with LiteRT on the same inputs and measure error")
    parser.add_argument("--inputs", metavar="NPZ", help="input values keyed by signature input name (with --run)")
    parser.add_argument("--samples", type=_positive, default=1, metavar="N", help="random samples (default 1)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="seed for random inputs (default 0)")
    parser.add_argument("--signature", metavar="NAME", help="signature to compare and run (default: the first)")
    parser.add_argument(
        "--fail-on",
        type=_fail_on,
        default=set(),
        metavar="WHAT",
        help="exit 1 when these changed: contract, structure, numeric (an output below --min-sqnr)",
    )
    parser.add_argument(
        "--min-sqnr", type=float, default=20.0, metavar="DB", help="output SQNR below this fails --fail-on numeric (20)"
    )
    parser.add_argument("--format", choices=("text", "json", "csv"), default="text", help="output format")
    parser.add_argument("--plot", metavar="FILE", help="write the per-layer SQNR plot (.svg, or .png with matplotlib)")
    parser.add_argument("--overlay", metavar="FILE", help="write per-op error as Model Explorer node data (JSON)")
    parser.add_argument("--overlay-model", choices=("a", "b"), default="b", help="which model the overlay is for")
    parser.add_argument("--overlay-metric", default="sqnr_db", metavar="M", help="sqnr_db (default), max_abs, rmse…")
    parser.add_argument("--no-local", action="store_true", help="skip each layer's own error (faster --run)")


def run(args: argparse.Namespace) -> int:
    import sys

    from ..diff import diff
    from ..errors import UsageError
    from ..readers import load

    if not args.run:
        for flag, value in (("--inputs", args.inputs), ("--plot", args.plot), ("--overlay", args.overlay)):
            if value:
                raise UsageError(f"{flag} needs --run")
        if "numeric" in args.fail_on:
            raise UsageError("--fail-on numeric needs --run")
    ma, mb = load(args.a), load(args.b)
    report = diff(
        ma,
        mb,
        run=args.run,
        inputs=args.inputs,
        samples=args.samples,
        seed=args.seed,
        signature=args.signature,
        local=not args.no_local,
    )
    if args.plot:
        from ..exporters.diff_plot import write_plot

        write_plot(report, args.plot)
    if args.overlay:
        from ..exporters.diff_overlay import dumps, overlay

        data = overlay(report, ma if args.overlay_model == "a" else mb, args.overlay_model, args.overlay_metric)
        with open(args.overlay, "w", encoding="utf-8") as fh:
            fh.write(dumps(data) + "\n")
    if args.format == "json":
        from ..exporters.diff_json import dumps as json_dumps

        sys.stdout.write(json_dumps(report, indent=2 if sys.stdout.isatty() else None) + "\n")
    elif args.format == "csv":
        from ..exporters.diff_csv import to_csv

        sys.stdout.write(to_csv(report))
    else:
        from ..exporters.blocks import emit
        from ..exporters.diff_text import diff_blocks

        emit(diff_blocks(report))
    return 1 if _failed(report, args.fail_on, args.min_sqnr) else 0


def _failed(report, fail_on: set[str], min_sqnr: float) -> bool:  # type: ignore[no-untyped-def]
    if "contract" in fail_on and report.contract:
        return True
    if "structure" in fail_on and (report.contract or report.structure.changed):
        return True
    if "numeric" in fail_on and report.numeric is not None:
        return any(e.is_output and e.sqnr_db is not None and e.sqnr_db < min_sqnr for e in report.numeric.tensors)
    return False
