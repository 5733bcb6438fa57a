"""SHP: recorded shapes that contradict an op's own rules (the file is inconsistent)."""

from __future__ import annotations

from collections.abc import Iterator

from ..remedies import Remedy
from .base import Finding, RuleSpec, Severity, check
from .context import Context, qname

__all__: list[str] = []

_EXPLANATION = (
    "The converter writes shapes that agree with each op, so a contradiction means the file was "
    "edited (inputs resized by hand, weights swapped) or produced by a buggy tool. LiteRT "
    "recomputes shapes at `allocate_tensors()` and fails at this op ({where})."
)


SHP001 = RuleSpec(
    "SHP001",
    Severity.ERROR,
    "recorded shapes contradict the op",
    """Shapes stored in the file break the op's own rules: FULLY_CONNECTED features vs weights,
    CONV channels vs filter, CONCATENATION non-axis dims, elementwise broadcasting, RESHAPE
    element counts, and every other op with a shape function. The shape engine
    (`tfl_inspect.shapes`) propagates the recorded inputs through every op, following shapes
    computed at run time, and reports the op where they break or where a recorded output
    contradicts what its operands give. The interpreter fails at allocation (or the file was
    edited).""",
    explanation="""The converter writes shapes that agree with each op, so a contradiction means the
    file was edited (inputs resized by hand, weights swapped) or produced by a buggy tool. LiteRT
    recomputes shapes at `allocate_tensors()` and fails at this op.""",
    fix=Remedy.CHANGE_SIZE_IN_SOURCE,
)


@check(SHP001)
def shp001(ctx: Context) -> Iterator[Finding]:
    from ..shapes import check_ops

    for found in check_ops(ctx.model):
        view = ctx.views[found.subgraph]
        op = view.op(found.op)
        out = view.result(op)
        yield ctx.at_op(SHP001, view, op, found.message, out, explanation=_EXPLANATION.format(where=qname(out)))
