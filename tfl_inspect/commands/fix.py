"""``tfl-inspect fix``: rewrite a model so lint's findings go away, checked by LiteRT.

Exit 0 when the output was written; 1 when verification failed, or static shapes were asked for
and dims stay unknown (nothing written); 2 for bad usage or a model that cannot be rewritten safely.
The passes' flags and help come from the pass registry (:data:`tfl_inspect.rewrite.PASSES`).
"""

from __future__ import annotations

import argparse

__all__ = ["HELP", "add_arguments", "run"]

HELP = "Rewrite a model: static shapes with folded shape chains, signature I/O names, integer I/O, no unused data."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..rewrite import PASSES

    parser.add_argument("model", help="a .tflite file (never modified)")
    parser.add_argument("-o", "--output", required=True, metavar="OUT", help="where to write the rewritten model")
    parser.add_argument("--signature", metavar="KEY", help="the signature whose subgraph to rewrite (default: first)")
    g = parser.add_argument_group("passes (named after the findings they remove)")
    for p in PASSES:
        for option in p.options:
            option.add_to(g)
    parser.add_argument(
        "--no-verify",
        action="store_true",
        help="write without running both models in LiteRT and re-linting (verification is on by default)",
    )
    parser.add_argument(
        "--verify-input",
        action="append",
        metavar="NAME=SHAPE",
        help="verify at this size where the rewritten model leaves an input's dims unknown, e.g. image=1x224x224x3 "
        "(repeatable; default: the rewritten model's shapes, an unknown dim as 1)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    import sys

    from ..rewrite import PASSES, fix

    options = {o.keyword: getattr(args, o.keyword) for p in PASSES for o in p.options}
    report = fix(
        args.model,
        args.output,
        verify=not args.no_verify,
        signature=args.signature,
        verify_inputs=args.verify_input,
        **options,
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
