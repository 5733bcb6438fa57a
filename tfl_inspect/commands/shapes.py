"""``tfl-inspect shapes``: which shapes a model produces for given input sizes, statically.

Exit 0 when the shapes work, 1 when some op cannot take them (or, with ``--verify``, the
interpreter refuses them), 2 for bad usage, an unreadable model, or an input whose non-batch
dims are unknown and not given with ``--input``. Rendering lives in ``exporters/shapes_*``.
"""

from __future__ import annotations

import argparse

__all__ = ["HELP", "add_arguments", "run"]

HELP = "Infer every tensor's shape for given input sizes (e.g. --input image=1x128x128x3)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="a .tflite file (or TFL-dialect MLIR)")
    parser.add_argument("--signature", metavar="KEY", help="work on this signature's subgraph")
    parser.add_argument(
        "--input",
        "-i",
        action="append",
        default=[],
        metavar="NAME=SHAPE",
        help="input shape, e.g. image=1x128x128x3 or 0=8,224,224,3 (signature input name, "
        "tensor name or tensor index; repeatable)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--all", action="store_true", help="list constant tensors (weights) too in text output")
    parser.add_argument(
        "--verify",
        action="store_true",
        help="also run the official LiteRT interpreter on these shapes and compare (needs ai-edge-litert)",
    )


def run(args: argparse.Namespace) -> int:
    import sys

    from ..readers import load
    from ..shapes.infer import explained, require_known_dims, resolve_inputs, select_subgraph
    from ._options import input_specs

    model = load(args.model)
    s, sig = select_subgraph(model, args.signature)
    sg = model.subgraphs[s]
    given = resolve_inputs(model, sg, sig, input_specs(args.input))
    require_known_dims(model, sg, sig, given)
    filled: list[int] = []
    if args.verify:
        # The interpreter allocates concrete shapes: an unknown batch runs as recorded (usually 1).
        for i in sg.inputs:
            if not 0 <= i < len(sg.tensors) or not sg.tensors[i].has_rank:
                continue
            t = sg.tensors[i]
            cur = given.get(i, t.shape_signature)
            if any(d < 0 for d in cur):
                given[i] = tuple(d if d >= 0 else r for d, r in zip(cur, t.shape, strict=False))
                filled.append(i)
    result = explained(model, s, given, sig.key if sig else None)
    verification = None
    if args.verify:
        from ..shapes.verify import verify

        verification = verify(result)
    if args.format == "json":
        import json

        from ..exporters.shapes_json import to_json

        # Compact for pipes (the C encoder is several times faster); indented for people at a terminal.
        indent = 2 if sys.stdout.isatty() else None
        sys.stdout.write(json.dumps(to_json(result, verification, source=args.model), indent=indent) + "\n")
    else:
        from ..exporters.shapes_text import render

        sys.stdout.write(render(result, verification, filled, show_constants=args.all))
    fails = not result.ok
    if verification is not None and not verification.interpreter_ok:
        from ..shapes.verify import no_kernel

        fails = fails or not no_kernel(verification.error)  # a missing kernel says nothing on shapes
    return 1 if fails else 0
