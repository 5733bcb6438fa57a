"""``tfl-inspect shapes``: which shapes a model produces for given input sizes, statically.

Exit 0 when the shapes work, 1 when some op cannot take them (or, with ``--verify``, the
interpreter refuses them), 2 for bad usage or an unreadable model.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..shapes import ShapeResult
    from ..shapes.verify import Verification

__all__ = ["HELP", "add_arguments", "run", "to_json"]
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
    from ..shapes.infer import resolve_inputs, select_subgraph
    from ..shapes.infer import run as infer_run
    from ._options import input_specs

    model = load(args.model)
    s, sig = select_subgraph(model, args.signature)
    sg = model.subgraphs[s]
    given = resolve_inputs(model, sg, sig, input_specs(args.input))
    filled: list[int] = []
    if args.verify:
        # The interpreter allocates concrete shapes: unknown dims run as recorded (usually 1).
        for i in sg.inputs:
            if not 0 <= i < len(sg.tensors) or not sg.tensors[i].has_rank:
                continue
            t = sg.tensors[i]
            cur = given.get(i, t.shape_signature)
            if any(d < 0 for d in cur):
                given[i] = tuple(d if d >= 0 else r for d, r in zip(cur, t.shape, strict=False))
                filled.append(i)
    result = infer_run(model, s, given, sig.key if sig else None)
    verification = None
    if args.verify:
        from ..shapes.verify import verify

        verification = verify(result)
    if args.format == "json":
        import json

        json.dump(to_json(result, verification, source=args.model), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_text(result, verification, filled, show_constants=args.all)
    fails = not result.ok
    if verification is not None and not verification.interpreter_ok:
        from ..shapes.verify import no_kernel

        fails = fails or not no_kernel(verification.error)  # a missing kernel says nothing on shapes
    return 1 if fails else 0


def _shape(s: tuple[int, ...] | None) -> list[int] | None:
    return None if s is None else [int(d) for d in s]


def to_json(result: ShapeResult, verification: Verification | None = None, source: Any = None) -> dict:
    """The ``--format json`` document (schema/shapes.schema.json)."""
    model = result.model
    sg = model.subgraphs[result.subgraph]
    producer = {o: op.index for op in sg.operators for o in op.outputs if o >= 0}
    names = {}
    if result.signature is not None:
        sig = model.signature(result.signature)
        if sig is not None:
            names = {i: n for n, i in sig.inputs.items()}
    tensors = []
    for t, shape, status in result.tensor_rows():
        v = result.value(t.index) if status != "constant" else None
        tensors.append(
            {
                "subgraph": result.subgraph,
                "index": t.index,
                "name": t.name,
                "dtype": t.dtype,
                "shape": list(t.shape),
                "shape_signature": list(t.shape_signature) if t.has_rank else None,
                "inferred_shape": _shape(shape),
                "status": status,
                "producer": producer.get(t.index),
                "value": v.to_json() if v is not None else None,
            }
        )
    f = result.failure
    from ..exporters.envelope import envelope

    doc: dict[str, Any] = envelope("shapes", str(source if source is not None else model.source or ""))
    doc |= {
        "subgraph": result.subgraph,
        "signature": result.signature,
        "ok": result.ok,
        "inputs": [
            {
                "index": i,
                "name": sg.tensors[i].name,
                "signature_name": names.get(i),
                "recorded_shape_signature": list(sg.tensors[i].shape_signature),
                "shape": _shape(s),
                "changed": i in result.changed_inputs,
            }
            for i, s in result.inputs.items()
        ],
        "failure": None
        if f is None
        else {
            "op": f.op,
            "opcode": f.opcode,
            "message": f.text,
            "rule": f.message,
            "hint": f.hint,
            "runtime_checks": f.runtime_checks,
            "inputs": [{"index": i, "shape": _shape(s)} for i, s in f.inputs],
        },
        "failures": [{"op": x.op, "opcode": x.opcode, "message": x.text} for x in result.failures],
        "ops": {
            "total": len(sg.operators),
            "inferred": list(result.inferred_ops),
            "not_inferred": [{"op": i, "opcode": sg.operators[i].opcode} for i in result.not_inferred_ops],
        },
        "tensors": tensors,
    }
    if verification is not None:
        v = verification
        doc["verify"] = {
            "interpreter_ok": v.interpreter_ok,
            "stage": v.stage,
            "error": v.error,
            "failed_op": v.failed_op,
            "invoked": v.invoked,
            "agree": v.agree,
            "total": v.total,
            "unknown": v.unknown,
            "consistent": v.consistent,
            "verdict": v.verdict,
            "mismatches": [
                {
                    "index": m.index,
                    "name": m.name,
                    "inferred_shape": _shape(m.inferred),
                    "interpreter_shape": _shape(m.interpreter),
                }
                for m in v.mismatches
            ],
        }
    return doc


# Output pipeline (issue 9 item 5): when this moves to exporters/shapes_text.py, write through
# exporters.console.writer() (the one rich-or-plain decision) instead of print().
def _print_text(
    result: ShapeResult, verification: Verification | None, filled: list[int], *, show_constants: bool
) -> None:
    from ..escape import text as esc
    from ..shapes import format_shape

    model = result.model
    sg = model.subgraphs[result.subgraph]
    sig = model.signature(result.signature) if result.signature else None
    sig_names = {i: n for n, i in sig.inputs.items()} if sig else {}
    where = f"subgraph {result.subgraph}" + (f", signature {esc(result.signature)}" if sig else "")
    print(f"{esc(str(model.source or 'model'))}: {where}")
    for i, s in result.inputs.items():
        t = sg.tensors[i]
        label = esc(sig_names[i]) + f" (#{i} {esc(t.name)})" if i in sig_names else f"#{i} {esc(t.name)}"
        note = " (unknown dims filled from the recorded shape)" if i in filled else ""
        rec = format_shape(t.shape_signature if t.has_rank else None)
        print(f"  input {label}: {format_shape(s)}  recorded {rec}{note}")
    rows = []
    any_changed = False
    for t, shape, status in result.tensor_rows():
        if status == "constant" and not show_constants:
            continue
        v = result.value(t.index)
        val = ""
        if v is not None and status != "constant" and v.data.size <= 8:
            val = " = " + _value_text(v.to_json())
        mark = ""
        if status in ("inferred", "input") and shape is not None and t.has_rank:
            if len(shape) != len(t.shape_signature) or any(
                a >= 0 and b >= 0 and a != b for a, b in zip(shape, t.shape_signature, strict=False)
            ):
                mark = "*"
                any_changed = True
        rows.append(
            (
                str(t.index),
                esc(t.name),
                format_shape(t.shape) if t.has_rank else "unranked",
                format_shape(t.shape_signature) if t.has_rank else "unranked",
                format_shape(shape) + mark + val,
                status,
            )
        )
    header = ("#", "tensor", "recorded", "signature", "inferred", "status")
    widths = [max(len(r[k]) for r in [header, *rows]) for k in range(6)]
    widths[1] = min(widths[1], 48)
    print()
    for r in [header, *rows]:
        name = r[1] if len(r[1]) <= widths[1] else r[1][: widths[1] - 1] + "…"
        cells = (
            r[0].rjust(widths[0]),
            name.ljust(widths[1]),
            *(c.ljust(w) for c, w in zip(r[2:], widths[2:], strict=True)),
        )
        print("  " + "  ".join(cells).rstrip())
    print()
    skipped = sorted({sg.operators[i].opcode for i in result.not_inferred_ops})
    print(
        f"{len(result.inferred_ops)} of {len(sg.operators)} ops inferred"
        + (f"; kept recorded shapes for: {', '.join(esc(o) for o in skipped)}" if skipped else "")
        + ("  (* differs from the recorded signature)" if any_changed else "")
    )
    f = result.failure
    if f is None:
        unknown = any(d < 0 for shp in result.inputs.values() if shp is not None for d in shp)
        if unknown:
            print(
                "OK so far: no op rejects these shapes; ? dims are unknown "
                "(give --input NAME=SHAPE to check concrete sizes)"
            )
        else:
            print("OK: these input shapes work")
    else:
        print(f"FAIL: {esc(f.text)}")
        for slot, (i, s) in enumerate(f.inputs):
            if i < 0:
                continue
            t = sg.tensors[i]
            v = result.value(i)
            val = f" = {_value_text(v.to_json())}" if v is not None and v.data.size <= 8 else ""
            print(f"  operand {slot}: #{i} {esc(t.name)} {format_shape(s)}{val}")
        if not f.runtime_checks:
            print("  (LiteRT does not check this: it would run and return wrong results)")
        if len(result.failures) > 1:
            print(f"  ({len(result.failures) - 1} more op(s) fail after this one)")
    if verification is not None:
        _print_verification(verification)


def _value_text(obj: Any) -> str:
    return str(obj).replace("None", "?")


def _print_verification(v: Verification) -> None:
    from ..escape import text as esc
    from ..shapes import format_shape

    print()
    if v.interpreter_ok:
        print(f"LiteRT interpreter: allocated{' and invoked' if v.invoked else ''} without error")
    elif v.stage in ("crash", "timeout"):
        print(f"LiteRT interpreter: {esc(v.error or v.stage)}")
    else:
        print(f"LiteRT interpreter: failed at {v.stage}: {esc(v.error or '')}")
    print(
        f"  {v.agree} of {v.total} inferred tensor shapes agree"
        + (f"; {v.unknown} left unknown by inference" if v.unknown else "")
        + f"; {v.verdict}"
    )
    for m in v.mismatches[:20]:
        print(
            f"  mismatch #{m.index} {esc(m.name)}: inferred {format_shape(m.inferred)}, "
            f"interpreter {format_shape(m.interpreter)}"
        )
