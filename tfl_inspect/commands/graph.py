"""``tfl-inspect graph MODEL -o out.svg``: a Graphviz diagram, optionally with lint findings on it.

This command decides what runs (lint with ``--lint``/``--select``/``--ignore``, shape inference
with ``--input``) and hands the results to the diagram exporter as marks; the exporter only draws.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from ..exporters.dot_defaults import DEFAULT_DEPTH, DEFAULT_MAX_NODES, DEFAULT_TIMEOUT, FORMATS
from ._options import add_target_options, target_list, target_options

if TYPE_CHECKING:
    from ..exporters.dot_marks import Mark
    from ..model import Model

__all__ = ["HELP", "add_arguments", "run"]

HELP = "draw the model with Graphviz (.svg/.png/.pdf/.dot), optionally with lint findings on the nodes"


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {n}")
    return n


def _non_negative(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {value!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {n}")
    return n


def _seconds(value: str) -> float:
    try:
        n = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, not {value!r}") from None
    if not n > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {value}")
    return n


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help=".tflite file (or converter MLIR text)")
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write; the suffix picks the format (default: MODEL's name with .svg, here; '-' = stdout)",
    )
    parser.add_argument("--format", choices=FORMATS, help="output format when FILE's suffix does not say it")
    parser.add_argument("--lint", action="store_true", help="draw lint findings on the nodes they concern")
    parser.add_argument(
        "--select", action="append", metavar="IDS", help="lint with only these rules/families (implies --lint)"
    )
    parser.add_argument(
        "--ignore", action="append", metavar="IDS", help="lint without these rules/families (implies --lint)"
    )
    parser.add_argument("--subgraph", type=_non_negative, metavar="N", help="draw only subgraph N")
    parser.add_argument("--signature", metavar="KEY", help="draw only this signature's subgraph, with its I/O names")
    parser.add_argument(
        "--show-constants", action="store_true", help="draw constants as nodes instead of folding them into ops"
    )
    parser.add_argument(
        "--show-dequantize",
        action="store_true",
        help="draw each DEQUANTIZE/DENSIFY of a constant (float16 or sparse weights) as its own node "
        "instead of an 'fp16 const' line on the op that reads it",
    )
    parser.add_argument("--tensor-names", action="store_true", help="put tensor names on edges and nodes")
    parser.add_argument(
        "--input",
        action="append",
        metavar="NAME=SHAPE",
        help="label tensors with the shapes inferred for this input shape and mark the op that cannot take it "
        "(NAME: signature input, tensor name or index; SHAPE like 1x64x64x3); repeatable",
    )
    parser.add_argument(
        "--max-nodes",
        type=_positive,
        default=DEFAULT_MAX_NODES,
        metavar="N",
        help=f"collapse ops into namespace boxes above N nodes (default: {DEFAULT_MAX_NODES})",
    )
    parser.add_argument(
        "--focus",
        metavar="OP|TENSOR",
        help="draw only the neighbourhood of this op index or tensor name (see --depth)",
    )
    parser.add_argument(
        "--depth",
        type=_non_negative,
        default=DEFAULT_DEPTH,
        metavar="N",
        help=f"with --focus: ops within N data-flow steps (default: {DEFAULT_DEPTH})",
    )
    parser.add_argument(
        "--color",
        choices=("macs", "memory"),
        help="fill ops by a heat scale: MACs per op, or bytes alive in the TFLite Micro arena at that op "
        "(see tfl-inspect profile)",
    )
    parser.add_argument(
        "--target",
        metavar="T",
        help=f"colour ops by whether target T takes them ({target_list()}) and outline its "
        "partitions (see tfl-inspect compat)",
    )
    add_target_options(parser)
    parser.add_argument(
        "--diff",
        metavar="B",
        help="colour this model's ops by what changed in model B: removed (red), changed (orange); "
        "with --diff-run by the SQNR of their outputs (see tfl-inspect diff)",
    )
    parser.add_argument(
        "--diff-run", action="store_true", help="with --diff: run both models (ai-edge-litert) and colour by error"
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"give up on Graphviz layout after this long (default: {DEFAULT_TIMEOUT:g})",
    )


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..exporters import dot
    from ..readers import load
    from ._options import input_specs

    lint = bool(args.lint or args.select or args.ignore)  # choosing rules implies drawing them
    if args.select or args.ignore:
        from ..rules import resolve

        resolve(args.select)  # unknown rule ids are a usage error before the model is read
        resolve(args.ignore)
    fmt = args.format
    output = args.output
    if output is None:
        output = Path(Path(args.model).name).with_suffix("." + (fmt or "svg")).name
    if output != "-":
        fmt = dot.output_format(output, fmt)
        dot.check_target(output)
    model = load(args.model)
    findings = None
    if lint:
        from ..rules import run as run_rules

        findings = run_rules(model, select=args.select, ignore=args.ignore)
    overlay = None
    inputs = input_specs(args.input)
    if inputs:
        from ..shapes import infer_shapes

        given: dict[str | int, str] = {name: shape for name, shape in inputs.items()}
        result = infer_shapes(model, inputs=given, signature=args.signature)
        overlay = dot.shape_overlay(result, ", ".join(args.input))
    marks = _heat_marks(model, args.color) if args.color else []
    if args.diff_run and not args.diff:
        from ..errors import UsageError

        raise UsageError("--diff-run needs --diff B")
    if args.diff:
        marks += _diff_marks(model, args.diff, args.diff_run, args.signature)
    if args.target:
        marks += _target_marks(model, args.target, args.signature, target_options(args))
    diagram = dot.build(
        model,
        marks=marks,
        findings=findings,
        overlay=overlay,
        subgraph=args.subgraph,
        signature=args.signature,
        show_constants=args.show_constants,
        show_dequantize=args.show_dequantize,
        tensor_names=args.tensor_names,
        max_nodes=args.max_nodes,
        focus=args.focus,
        depth=args.depth,
    )
    fmt = fmt or "svg"
    data = diagram.source.encode("utf-8") if fmt == "dot" else dot.pipe(diagram.source, fmt, timeout=args.timeout)
    if output == "-":
        _to_stdout(data, fmt)
        return 0
    dot.write(output, data)
    acc = diagram.accounting
    parts = [f"{acc.drawn_ops} drawn"]
    if acc.boxed_ops:
        parts.append(f"{acc.boxed_ops} in {acc.boxes} boxes")
    if acc.folded_ops:
        parts.append(f"{acc.folded_ops} DEQUANTIZE/DENSIFY of constants folded")
    if acc.composite_ops:
        parts.append(f"{acc.composite_ops} inside composites")
    if acc.hidden_ops:
        parts.append(f"{acc.hidden_ops} not shown")
    from ..escape import text as esc
    from ..exporters.console import writer

    writer().line(f"wrote {esc(str(output))}: {acc.total_ops} ops ({', '.join(parts)})")
    return 0


def _to_stdout(data: bytes, fmt: str) -> None:
    import sys

    from ..errors import UsageError

    if fmt in ("png", "pdf") and sys.stdout.isatty():
        raise UsageError(f"not writing binary {fmt.upper()} to a terminal: use -o FILE or a pipe")
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:
        sys.stdout.flush()
        buffer.write(data)
        buffer.flush()
    else:  # a text-only stream (tests, notebooks): text formats only make sense there
        sys.stdout.write(data.decode("utf-8", "replace"))


def _heat_marks(model: Model, kind: str) -> list[Mark]:
    """``--color macs|memory``: the profile's per-op values as fill colours (white → red, log scale)."""
    from ..exporters.colours import heat_colours
    from ..exporters.dot_marks import Mark
    from ..profiling import heat

    values = heat(model, kind)
    fills = heat_colours(values)
    unit = "MACs" if kind == "macs" else "bytes alive in the TFLite Micro arena"
    return [
        Mark(subgraph=s, op=i, fill=fills[(s, i)], tooltip=f"{values[(s, i)]:,.0f} {unit}", kind="heat")
        for (s, i) in values
    ]


def _diff_marks(model: Model, other: str, run: bool, signature: str | None) -> list[Mark]:
    """``--diff B``: A's ops marked by :func:`tfl_inspect.compare.diff_marks`."""
    from ..compare import diff
    from ..exporters.dot_marks import marks_from_diff

    return marks_from_diff(diff(model, other, run=run, signature=signature), other)


_VERDICT_FILL = {"supported": "#b7e4b0", "caveat": "#ffe08a", "unsupported": "#f4a3a3"}


def _target_marks(model: Model, target: str, signature: str | None, options: dict[str, Any]) -> list[Mark]:
    """``--target T``: each op filled by its verdict on T; ops of one delegate partition outlined together."""
    from ..errors import UsageError
    from ..exporters.dot_marks import Mark
    from ..targets import compat, parse_targets, verdict_marks

    names = parse_targets(target)  # an unknown name is a usage error listing the known ones
    if len(names) != 1:
        raise UsageError(f"graph --target draws one target at a time, not {', '.join(names)}")
    name = names[0]
    marks = verdict_marks(compat(model, targets=name, signature=signature, **options), name)
    out = []
    for (s, i), v in marks.items():
        reason = f": {v['reason']}" if v["reason"] else ""
        where = f" (partition {v['partition']})" if v["partition"] is not None else " (runs on the CPU)"
        out.append(
            Mark(
                subgraph=s,
                op=i,
                fill=_VERDICT_FILL.get(v["verdict"]),
                tooltip=f"{name}: {v['verdict']}{where}{reason}",
                kind="target",
                cluster=f"{name} partition {v['partition']}" if v["partition"] is not None else None,
            )
        )
    return out
