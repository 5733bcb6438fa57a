"""Which operator of the model an ``error:`` line is about.

The function a converter error embeds is printed without locations, while the error lines
carry them. The note ``see current operation: %29 = "tf.Conv2D"(...)`` printed with the same
location names the op by SSA result and op name, which is how the two are joined; failing
that, an op name quoted in the message (``'tf.Conv2D' op ...``) that occurs once.
"""

from __future__ import annotations

import re

from ...model import Model
from .errortext import ConverterText, Diagnostic
from .ir import Operation
from .to_model import tflite_opcode

__all__ = ["match_diagnostics", "find_operator", "quoted_op_name"]

_QUOTED_OP = re.compile(r"'([\w.]+)' op\b|operation '([\w.]+)'")


def quoted_op_name(message: str) -> str | None:
    """``tf.Conv2D`` from "'tf.Conv2D' op is neither ..." or "failed to legalize operation 'x'"."""
    m = _QUOTED_OP.search(message)
    return (m.group(1) or m.group(2)) if m else None


def _snippet_for(diag: Diagnostic, conv: ConverterText) -> Operation | None:
    if diag.operation is not None and diag.operation.name != "func.func":
        return diag.operation
    if diag.loc is None:
        return None
    for other in conv.diagnostics:
        if (
            other.operation is not None
            and other.operation.name != "func.func"
            and other.loc is not None
            and other.loc.text == diag.loc.text
        ):
            return other.operation
    return None


def find_operator(model: Model, op_name: str | None, snippet: Operation | None) -> tuple[int, int] | None:
    """(subgraph, operator index) of the op a diagnostic is about, or None."""
    names = {n for n in (op_name, snippet.name if snippet else None) if n}
    wanted = {tflite_opcode(n) for n in names} | names
    candidates = []
    for sg in model.subgraphs:
        for op in sg.operators:
            if op.opcode in wanted or op.builtin in wanted:
                candidates.append((sg.index, op.index))
    if snippet is not None and snippet.results:
        for s, i in candidates:
            sg = model.subgraphs[s]
            outs = {sg.tensors[t].name for t in sg.operators[i].outputs if t >= 0}
            if snippet.results[0] in outs:
                return s, i
    if len(candidates) == 1:
        return candidates[0]
    return None


def match_diagnostics(model: Model, conv: ConverterText) -> dict[tuple[int, int], str]:
    """{(subgraph, op index): location text} for every error line that names a findable op."""
    out: dict[tuple[int, int], str] = {}
    for diag in conv.errors:
        if diag.loc is None:
            continue
        hit = find_operator(model, quoted_op_name(diag.message), _snippet_for(diag, conv))
        if hit is not None and hit not in out:
            out[hit] = diag.loc.render()
    return out
