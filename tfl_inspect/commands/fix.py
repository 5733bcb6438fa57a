"""``tfl-inspect fix``: rewrite a model so lint's findings go away, checked by LiteRT.

Exit 0 when the output was written, 1 when verification failed (nothing written), 2 for bad
usage or a model that cannot be rewritten safely.
"""

from __future__ import annotations

import argparse

__all__ = ["HELP", "add_arguments", "run"]

HELP = "Rewrite a model: static shapes with folded shape chains, signature I/O names, integer I/O, no unused data."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="a .tflite file (never modified)")
    parser.add_argument("-o", "--output", required=True, metavar="OUT", help="where to write the rewritten model")
    parser.add_argument("--signature", metavar="KEY", help="the signature whose subgraph to rewrite (default: first)")
    g = parser.add_argument_group("passes (named after the findings they remove)")
    g.add_argument(
        "--static",
        action="append",
        default=[],
        metavar="NAME=SHAPE",
        help="DYN001: give this input a fixed shape, e.g. image=1x224x224x3 (repeatable)",
    )
    g.add_argument("--static-batch", type=int, metavar="N", help="DYN001: set the batch dim of every input to N")
    g.add_argument(
        "--fold-shapes",
        action="store_true",
        help="DYN002: fold SHAPE → STRIDED_SLICE/GATHER → PACK/CONCATENATION chains into constants",
    )
    g.add_argument("--rename-io", action="store_true", help="NAM001: I/O tensors take their signature names")
    g.add_argument(
        "--io-type",
        choices=("int8", "uint8", "int16"),
        help="QNT001: integer I/O: drop the boundary QUANTIZE/DEQUANTIZE of a full-integer model (int16: 16x8)",
    )
    g.add_argument("--strip-unused", action="store_true", help="drop unused ops, tensors, buffers and op codes")
    g.add_argument("--dedup", action="store_true", help="constants with identical bytes share one buffer")
    parser.add_argument(
        "--no-verify",
        action="store_true",
        help="write without running both models in LiteRT and re-linting (verification is on by default)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    import sys

    from ..rewrite import fix
    from ..shapes import parse_shape
    from ._options import input_specs

    specs = input_specs(args.static)
    static = {name: parse_shape(shape) for name, shape in specs.items()}
    report = fix(
        args.model,
        args.output,
        static=static or None,
        static_batch=args.static_batch,
        fold_shapes=args.fold_shapes,
        rename_io=args.rename_io,
        io_type=args.io_type,
        strip_unused=args.strip_unused,
        dedup=args.dedup,
        verify=not args.no_verify,
        signature=args.signature,
    )
    if args.format == "json":
        import json

        from ..exporters.fix_json import to_json_dict

        json.dump(to_json_dict(report), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        from ..exporters.fix_text import print_text

        print_text(report)
    return 0 if report.written else 1
