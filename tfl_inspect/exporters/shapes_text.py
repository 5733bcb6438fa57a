"""``shapes`` as text: the inputs used, a tensor table, then the verdict.

Every verdict starts with the outputs, recorded → inferred; a run that works but changes
an output's size says so as a warning. Names from the model are escaped here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..escape import text as esc
from ..fmt import format_shape

if TYPE_CHECKING:
    from ..shapes.types import PVal, ShapeResult
    from ..shapes.verify import Verification

__all__ = ["render"]


def _value_text(obj: Any) -> str:
    return str(obj).replace("None", "?")


def _val(v: PVal) -> str:
    """A small value; elements computed from dims are named by where they come from (as DYN002 does)."""
    if v.src is None or v.data.ndim > 1:
        return _value_text(v.to_json())
    text = v.text()
    return text[1:-1] if v.data.ndim == 0 else text


def render(
    result: ShapeResult,
    verification: Verification | None = None,
    filled: list[int] | None = None,
    *,
    show_constants: bool = False,
) -> str:
    """The whole report as text (lines joined, trailing newline)."""
    from ..shapes.infer import outputs, size_warnings

    lines: list[str] = []
    out = lines.append
    filled = filled or []
    model = result.model
    sg = model.subgraphs[result.subgraph]
    sig = model.signature(result.signature) if result.signature else None
    sig_names = {i: n for n, i in sig.inputs.items()} if sig else {}
    where = f"subgraph {result.subgraph}" + (f", signature {esc(sig.key)}" if sig else "")
    out(f"{esc(str(model.source or 'model'))}: {where}")
    for i, s in result.inputs.items():
        t = sg.tensors[i]
        label = esc(sig_names[i]) + f" (#{i} {esc(t.name)})" if i in sig_names else f"#{i} {esc(t.name)}"
        note = " (unknown dims filled from the recorded shape)" if i in filled else ""
        rec = format_shape(t.shape_signature if t.has_rank else None)
        out(f"  input {label}: {format_shape(s)}  recorded {rec}{note}")
    rows = []
    any_changed = False
    for t, shape, status in result.tensor_rows():
        if status == "constant" and not show_constants:
            continue
        v = result.value(t.index)
        val = ""
        if v is not None and status != "constant" and v.data.size <= 8:
            # where each run-time element comes from, as lint's DYN002 says it
            val = " = " + _val(v)
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
    out("")
    for r in [header, *rows]:
        name = r[1] if len(r[1]) <= widths[1] else r[1][: widths[1] - 1] + "…"
        cells = (
            r[0].rjust(widths[0]),
            name.ljust(widths[1]),
            *(c.ljust(w) for c, w in zip(r[2:], widths[2:], strict=True)),
        )
        out("  " + "  ".join(cells).rstrip())
    out("")
    skipped = sorted({sg.operators[i].opcode for i in result.not_inferred_ops})
    out(
        f"{len(result.inferred_ops)} of {len(sg.operators)} ops inferred"
        + (f"; kept recorded shapes for: {', '.join(esc(o) for o in skipped)}" if skipped else "")
        + ("  (* differs from the recorded signature)" if any_changed else "")
    )
    out("outputs: recorded → inferred")
    for row in outputs(result):
        who = (
            f"{esc(row.signature_name)} (#{row.index} {esc(row.name)})"
            if row.signature_name
            else f"#{row.index} {esc(row.name)}"
        )
        out(
            f"  {who}: {format_shape(row.recorded)} → {format_shape(row.inferred)}"
            + ("  (changed)" if row.changed else "")
        )
    for w in size_warnings(result):
        out(f"warning: {w}")
    f = result.failure
    if f is None:
        unknown = any(d < 0 for shp in result.inputs.values() if shp is not None for d in shp)
        if unknown:
            out(
                "OK so far: no op rejects these shapes; ? dims are unknown "
                "(give --input NAME=SHAPE to check concrete sizes)"
            )
        else:
            out("OK: these input shapes work")
    else:
        out(f"FAIL: {esc(f.text)}")
        for slot, (i, s) in enumerate(f.inputs):
            if i < 0:
                continue
            t = sg.tensors[i]
            v = result.value(i)
            val = f" = {_val(v)}" if v is not None and v.data.size <= 8 else ""
            out(f"  operand {slot}: #{i} {esc(t.name)} {format_shape(s)}{val}")
        if not f.runtime_checks:
            out("  (LiteRT does not check this: it would run and return wrong results)")
        if len(result.failures) > 1:
            out(f"  ({len(result.failures) - 1} more op(s) fail after this one)")
    if verification is not None:
        lines.extend(_verification(verification))
    return "\n".join(lines) + "\n"


def _verification(v: Verification) -> list[str]:
    lines = [""]
    if v.interpreter_ok:
        lines.append(f"LiteRT interpreter: allocated{' and invoked' if v.invoked else ''} without error")
    elif v.stage in ("crash", "timeout"):
        lines.append(f"LiteRT interpreter: {esc(v.error or v.stage)}")
    else:
        lines.append(f"LiteRT interpreter: failed at {v.stage}: {esc(v.error or '')}")
    lines.append(
        f"  {v.agree} of {v.total} inferred tensor shapes agree"
        + (f"; {v.unknown} left unknown by inference" if v.unknown else "")
        + f"; {v.verdict}"
    )
    for m in v.mismatches[:20]:
        lines.append(
            f"  mismatch #{m.index} {esc(m.name)}: inferred {format_shape(m.inferred)}, "
            f"interpreter {format_shape(m.interpreter)}"
        )
    return lines
