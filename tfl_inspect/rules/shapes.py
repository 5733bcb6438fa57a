"""SHP: recorded shapes that contradict an op's own rules (the file is inconsistent)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from .. import opdefs
from .base import Finding, RuleSpec, Severity, check
from .context import Context, View, dims, qname

if TYPE_CHECKING:
    from ..model import Operator, Tensor

__all__ = ["ELEMENTWISE"]

# Binary elementwise ops (broadcasting), from the op table.
ELEMENTWISE = frozenset(name for name, d in opdefs.OPS.items() if d.elementwise and len(d.operands) == 2)


def _sig(t: Tensor | None) -> tuple[int, ...] | None:
    """The tensor's dims with -1 for unknown, or None when the rank is unknown."""
    if t is None or not t.has_rank:
        return None
    return t.shape_signature


def _known(*sizes: int) -> bool:
    return all(s >= 0 for s in sizes)


def _fc(view: View, op: Operator) -> str | None:
    x, w, out = _sig(view.operand(op, 0)), _sig(view.operand(op, 1)), _sig(view.result(op))
    if x is None or w is None or len(w) != 2 or not x:
        return None
    units, features = w
    if op.options.get("keep_num_dims") or len(x) == 2:
        if _known(x[-1], features) and x[-1] != features:
            return f"input last dim {x[-1]} != weights' {features} input features ({dims(x)} vs weights {dims(w)})"
    elif _known(*x, features) and features and math.prod(x) % features:
        return f"input {dims(x)} ({math.prod(x)} values) cannot be split into rows of {features} features"
    if out and _known(out[-1], units) and out[-1] != units:
        return f"output last dim {out[-1]} != weights' {units} units (weights {dims(w)})"
    return None


def _conv(view: View, op: Operator) -> str | None:
    x, f, out = _sig(view.operand(op, 0)), _sig(view.operand(op, 1)), _sig(view.result(op))
    if x is None or f is None or len(x) != 4 or len(f) != 4:
        return None
    if op.builtin == "DEPTHWISE_CONV_2D":
        mult = op.options.get("depth_multiplier") or 0
        if out and len(out) == 4 and _known(out[3], f[3]) and out[3] != f[3]:
            return f"output channels {out[3]} != filter's {f[3]} (filter {dims(f)})"
        if _known(x[3], f[3]) and mult > 0 and x[3] * mult != f[3] and x[3] != f[3]:
            return f"input channels {x[3]} × depth_multiplier {mult} != filter's {f[3]}"
        return None
    if _known(x[3], f[3]) and f[3] and x[3] % f[3]:
        return f"input channels {x[3]} do not match the filter's {f[3]} (input {dims(x)}, filter {dims(f)})"
    if out and len(out) == 4 and _known(out[3], f[0]) and out[3] != f[0]:
        return f"output channels {out[3]} != filter's {f[0]} output channels (filter {dims(f)})"
    return None


def _concat(view: View, op: Operator) -> str | None:
    shapes = [_sig(view.tensor(i)) for i in op.inputs if i >= 0]
    out = _sig(view.result(op))
    if any(s is None for s in shapes) or out is None or not shapes:
        return None
    rank = len(out)
    if any(len(s) != rank for s in shapes):  # type: ignore[arg-type]
        return f"inputs of rank {[len(s) for s in shapes]} cannot be concatenated into rank {rank}"  # type: ignore[arg-type]
    if rank == 0:
        return None
    axis = op.options.get("axis", 0)
    axis = axis + rank if axis < 0 else axis
    if not 0 <= axis < rank:
        return f"axis {op.options.get('axis')} is out of range for rank {rank}"
    for d in range(rank):
        if d == axis:
            sizes = [s[d] for s in shapes]  # type: ignore[index]
            if _known(*sizes, out[d]) and sum(sizes) != out[d]:
                return f"axis {axis} sizes {sizes} add up to {sum(sizes)}, but the output has {out[d]}"
            continue
        for s in shapes:
            if _known(s[d], out[d]) and s[d] != out[d]:  # type: ignore[index]
                return f"dim {d} differs: input {dims(s)} vs output {dims(out)} (only axis {axis} may differ)"  # type: ignore[arg-type]
    return None


def _broadcast(view: View, op: Operator) -> str | None:
    a, b, out = _sig(view.operand(op, 0)), _sig(view.operand(op, 1)), _sig(view.result(op))
    if a is None or b is None:
        return None
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    want: list[int] = []
    for x, y in zip(pa, pb, strict=True):
        if x == y or y == 1:
            want.append(x)
        elif x == 1:
            want.append(y)
        elif x < 0 or y < 0:
            want.append(-1)
        else:
            return f"inputs {dims(a)} and {dims(b)} do not broadcast"
    if out is not None and len(out) == n:
        for d, (w, o) in enumerate(zip(want, out, strict=True)):
            if _known(w, o) and w != o:
                return f"output {dims(out)} differs from the broadcast of {dims(a)} and {dims(b)} at dim {d}"
    elif out is not None and out:
        return f"output rank {len(out)} differs from the broadcast rank {n} of {dims(a)} and {dims(b)}"
    return None


def _reshape(view: View, op: Operator) -> str | None:
    x, out = _sig(view.operand(op, 0)), _sig(view.result(op))
    if x is None or out is None or not _known(*x, *out):
        return None
    if math.prod(x) != math.prod(out):
        return f"{dims(x)} has {math.prod(x)} values but the output {dims(out)} has {math.prod(out)}"
    return None


_CHECKS: dict[str, Callable[[View, Operator], str | None]] = {
    "FULLY_CONNECTED": _fc,
    "CONV_2D": _conv,
    "DEPTHWISE_CONV_2D": _conv,
    "CONCATENATION": _concat,
    "RESHAPE": _reshape,
    **{k: _broadcast for k in ELEMENTWISE},
}


_EXPLANATION = (
    "The converter writes shapes that agree with each op, so a contradiction means the file was "
    "edited (inputs resized by hand, weights swapped) or produced by a buggy tool. LiteRT "
    "recomputes shapes at `allocate_tensors()` and fails at this op ({where})."
)
_FIX = (
    "Re-convert from the source model; if you changed an input size, change it in the Keras model "
    "(or call `resize_tensor_input`) rather than in the file."
)


SHP001 = RuleSpec(
    "SHP001",
    Severity.ERROR,
    "recorded shapes contradict the op",
    """Shapes stored in the file break the op's own rules: FULLY_CONNECTED features vs weights,
    CONV channels vs filter, CONCATENATION non-axis dims, elementwise broadcasting, RESHAPE
    element counts. Local checks read each op's recorded shapes; then the shape-inference rules
    (`tfl_inspect.shapes`) propagate the recorded inputs through every op, following shapes
    computed at run time, and report the op where they break. Unknown dims (-1) are never compared.
    The interpreter fails at allocation (or the file was edited).""",
    explanation="""The converter writes shapes that agree with each op, so a contradiction means the
    file was edited (inputs resized by hand, weights swapped) or produced by a buggy tool. LiteRT
    recomputes shapes at `allocate_tensors()` and fails at this op.""",
    fix=_FIX,
)


@check(SHP001)
def shp001(ctx: Context) -> Iterator[Finding]:
    flagged: set[tuple[int, int]] = set()
    for view, op in ctx.iter_ops():
        check = _CHECKS.get(op.builtin)
        if check is None:
            continue
        problem = check(view, op)
        if problem is None:
            continue
        flagged.add((view.index, op.index))
        out = view.result(op)
        yield ctx.at_op(
            SHP001, view, op, f"{op.opcode}: {problem}", out, explanation=_EXPLANATION.format(where=qname(out))
        )
    from ..shapes import check_ops

    for check in check_ops(ctx.model):
        if (check.subgraph, check.op) in flagged:
            continue
        view = ctx.views[check.subgraph]
        op = view.op(check.op)
        out = view.result(op)
        yield ctx.at_op(SHP001, view, op, check.message, out, explanation=_EXPLANATION.format(where=qname(out)))
