"""``diagnose`` output: the diagnosis as text (every model name escaped) and as enveloped JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from .. import escape
from ..diagnosis.records import Diagnosis, Failure, Fix, Origin
from .console import writer
from .envelope import envelope

__all__ = ["render_text", "print_text", "to_json_dict"]

Escaper = Callable[[str], str]


def to_json_dict(d: Diagnosis) -> dict[str, Any]:
    """The ``--format json`` document (``tfl-inspect schema diagnose``)."""
    doc = envelope("diagnose", d.source)
    doc.update(d.to_dict())
    return doc


def print_text(d: Diagnosis, stream: IO[str] | None = None) -> None:
    """Through the console writer; the diagnosis is plain lines on a terminal too."""
    writer(stream).line(render_text(d))


def render_text(d: Diagnosis, esc: Escaper = escape.text) -> str:
    lines: list[str] = []
    src = f" ({esc(d.source)})" if d.source else ""
    if d.environment and not d.failures:
        return _environment(d, src, esc)
    if d.failures and all(f.producer != "tensorflow" for f in d.failures):
        return _pytorch(d, src, esc)
    if d.ok:
        lines.append(esc(d.headline) + src)
        for note in d.notes:
            lines.append(f"  note: {esc(note)}")
        return "\n".join(lines)
    n = len(d.failures)
    lines.append(f"Conversion failed: {n} op{'s' if n != 1 else ''} could not be converted{src}")
    for f in d.failures:
        lines.append("")
        layer = f"Keras layer '{esc(f.layer)}'" if f.layer else "unknown layer"
        if f.layer_class:
            layer += f" ({esc(f.layer_class)})"
        node = f"  [{esc(f.tf_node)}]" if f.tf_node else ""
        lines.append(f"✗ {esc(f.op)} in {layer}{node}")
        for k, msg in enumerate(f.message.splitlines()):
            lines.append(f"  {'error: ' if k == 0 else '       '}{esc(msg)}")
        if f.error_code:
            lines.append(f"  code:  {esc(f.error_code)}")
        for label, infos in (("operand", f.operands), ("result", f.results)):
            for info in infos:
                unk = info["unknown_dims"]
                mark = f"   ← unknown dims {', '.join(map(str, unk))}" if unk else ""
                lines.append(f"  {label} {info['slot']}: {esc(info['value'])} : {esc(info['type'])}{mark}")
        for u in f.unknown_dims:
            if not u.matters:
                continue
            axis = f" ({u.axis})" if u.axis else ""
            lines.append(f"  dim {u.dim}{axis} of {esc(u.value)} is unknown and matters: {esc(u.reason or '')}")
        order = sorted(range(len(f.origin)), key=lambda i: not any(u.matters for u in f.unknown_dims if u.origin == i))
        for i in order:
            o = f.origin[i]
            dims_here = [u for u in f.unknown_dims if u.origin == i]
            matter = any(u.matters for u in dims_here)
            which = ", ".join(f"{u.dim}" + (f" ({u.axis})" if u.axis else "") for u in dims_here)
            head = "origin" if matter else "origin (does not block this op)"
            lines.append(f"  {head} of dim {which}: {_origin_line(o, esc)}")
            if o.chain and (matter or len(f.origin) == 1):
                lines.append("    " + " → ".join(f"{esc(s.op)} {esc(s.value)}" for s in o.chain))
                for s in o.chain:
                    if s.note:
                        lines.append(f"    at {esc(s.op)} {esc(s.value)} : {esc(s.type)}: {esc(s.note)}")
            if o.shape_computation:
                lines.append("    run-time shape: " + " → ".join(esc(x) for x in o.shape_computation))
    _fix_lines(lines, d.fixes(), esc)
    if d.select_tf_ops:
        lines.append("")
        listed = ", ".join(esc(x) for x in d.select_tf_ops)
        lines.append(f"The converter lists these as needing Select TF ops: {listed}")
    for note in d.notes:
        lines.append(f"note: {esc(note)}")
    return "\n".join(lines)


def _origin_line(o: Origin, esc: Escaper) -> str:
    if o.kind == "input":
        return f"model input {esc(o.input_name or o.value)} : {esc(o.type)}"
    if o.kind == "keras_input":
        return esc(o.detail)
    who = ""
    if o.layer:
        who = f" — introduced by Keras layer '{esc(o.layer)}'" + (f" ({esc(o.layer_class)})" if o.layer_class else "")
    elif o.layer_class:
        who = (
            f" — introduced by a Keras {esc(o.layer_class)} layer, judging by its lowering "
            "(the error text does not name it; pass the model with --keras)"
        )
    pattern = f" [{esc(o.pattern)}]" if o.pattern else ""
    return f"{esc(o.op or '')} {esc(o.value)} : {esc(o.type)}: {esc(o.detail)}{who}{pattern}"


# --- litert-torch failures ---------------------------------------------------------------------


def _pytorch(d: Diagnosis, src: str, esc: Escaper) -> str:
    from ..diagnosis.pytorch import CAUSES

    n = len(d.failures)
    who = " / ".join(dict.fromkeys(f.producer for f in d.failures))
    lines = [f"{who} conversion failed: {n} op{'s' if n != 1 else ''} could not be converted{src}"]
    for f in d.failures:
        lines.append("")
        lines.extend(_pytorch_failure(f, esc, CAUSES))
    _fix_lines(lines, d.fixes(), esc)
    for note in d.notes:
        lines.append(f"note: {esc(note)}")
    return "\n".join(lines)


def _pytorch_failure(f: Failure, esc: Escaper, causes: dict[str, tuple[str, str]]) -> list[str]:
    title, why = causes.get(f.cause or "", ("", ""))
    if f.producer == "onnx2tf":
        where = f" in Keras layer '{esc(f.layer)}'" if f.layer else ""
    else:
        where = f" in `self.{esc(f.layer)}`" if f.layer else ""
    if f.layer_class:
        where += f" ({esc(f.layer_class)})"
    node = f"  [{esc(f.tf_node)}]" if f.tf_node else ""
    lines = [f"✗ {esc(f.op)}{where}{node}" + (f": {esc(title)}" if title else "")]
    lines.append(f"  error: {esc(f.message)}")
    for k, frame in enumerate(f.user_frames):
        head = "  your code: " if k == 0 else "             "
        lines.append(f"{head}{esc(frame.where)}")
        if frame.code:
            lines.append(f"                 {esc(frame.code)}")
    if not f.user_frames and f.producer == "litert-torch":
        lines.append("  your code: not in the traceback (the failure is in a litert-torch pass, before any op ran)")
    for sym in f.symbolic:
        lines.append(f"  symbolic: {esc(sym.value)} is {esc(sym.origin)}")
    if f.conversion_call is not None and not f.symbolic:
        lines.append(f"  converted at: {esc(f.conversion_call.where)}: {esc(f.conversion_call.code)}")
    if why:
        lines.append(f"  why: {esc(why)}")
    return lines


def _fix_lines(lines: list[str], fixes: list[Fix], esc: Escaper) -> None:
    if not fixes:
        return
    lines.append("")
    lines.append("Fixes:")
    for k, fix in enumerate(fixes, start=1):
        tag = "recommended" if fix.recommended and fix.applies else ("applies" if fix.applies else "does not apply")
        lines.append(f"  {k}. [{tag}] {esc(fix.title)}")
        lines.append(f"     why: {esc(fix.why)}")
        for code_line in fix.code.splitlines():
            lines.append(f"       {esc(code_line)}")
        if fix.cost:
            lines.append(f"     cost: {esc(fix.cost)}")


def _environment(d: Diagnosis, src: str, esc: Escaper) -> str:
    lines = [f"The conversion failed, but not because of the model: installed packages clash{src}"]
    for c in d.environment:
        lines.append("")
        names = ", ".join(f"{esc(n)} {esc(v)}" for n, v in c.packages)
        lines.append(f"✗ {names}")
        lines.append(f"  why: {esc(c.detail)}")
        if c.installed:
            lines.append("  installed here: " + ", ".join(f"{esc(n)} {esc(v)}" for n, v in c.installed))
        lines.append(f"  fix: {esc(c.pin)}")
    for note in d.notes:
        lines.append(f"note: {esc(note)}")
    return "\n".join(lines)
