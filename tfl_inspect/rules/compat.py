"""CMP: a deployment target does not take the whole model (``lint --target gpu,tflm``).

One finding per requested target, at the first op the target leaves on the CPU (or the op its
load stops at), with the others as related ops; the verdicts come from
:func:`tfl_inspect.targets.compat`. :func:`tfl_inspect.rules.run` puts the targets and their
options on the :class:`~.context.Context`.
"""

from __future__ import annotations

from collections.abc import Iterator

from .base import Finding, RuleSpec, Severity, check
from .context import Context

__all__: list[str] = []

CMP001 = RuleSpec(
    "CMP001",
    Severity.ERROR,
    "not fully delegated to the target",
    """With `--target T`: some ops of the model do not run on T (any target `tfl-inspect compat
    --help` lists), or a model-wide requirement of T is not met. One finding per target, on the first
    op it leaves on the CPU (for a target that loads the whole model or nothing, such as TFLite Micro:
    the op the load stops at), the others as related ops. Runs only with `--target`.""",
    explanation="""Each target's rules are ported from its own source (see docs/compat.md): an op without
    a kernel, a type, rank, constant operand or option the kernel refuses, a run-time shape, or the
    partition the runtime keeps. Ops left on the CPU cost a hand-over each way; on TFLite Micro one such
    op means the model does not load.""",
    fix="""Run `tfl-inspect compat MODEL --target T` for each op's reason and the change that fixes it
    (static input shapes, full-int8 conversion, no float16 weights on TFLite Micro, a builtin alternative).""",
)


@check(CMP001)
def cmp001(ctx: Context) -> Iterator[Finding]:
    if not ctx.targets:
        return
    from ..targets import compat

    report = compat(ctx.model, targets=ctx.targets, **ctx.target_options)
    for name, t in report.targets.items():
        if t.whole_model:
            continue
        blocked = [v for v in t.operators if not v.supported]
        head = f"{t.title} takes {t.supported_ops} of {t.total_ops} ops in {len(t.partitions)} partition(s)"
        if not blocked or t.first_blocker is None:
            reason = t.model_reasons[0]
            yield ctx.finding(CMP001, f"{head}: {reason.message}", fix=reason.fix or None)
            continue
        first = t.verdict(*t.first_blocker) or blocked[0]
        why = first.reasons[0] if first.reasons else None
        fix = next((r.fix for v in blocked for r in v.reasons if r.fix), None)
        op = ctx.model.subgraphs[first.subgraph].operators[first.index]
        view = ctx.views[first.subgraph]
        yield ctx.at_op(
            CMP001,
            view,
            op,
            f"{head}; {'the load stops at' if t.loads_whole else 'first left on the CPU:'} "
            f"{first.opcode} ({why.code if why else 'UNSUPPORTED'}: "
            f"{why.message if why else 'not supported'})",
            explanation=(
                f"Rules follow {t.source}. Ops left on the CPU by reason: "
                + ", ".join(f"{code} ×{len(vs)}" for code, vs in t.cpu_by_reason().items())
                + (". " + " ".join(r.message for r in t.model_reasons) if t.model_reasons else "")
            ),
            fix=fix or f"Run `tfl-inspect compat MODEL --target {name}` for each op's reason.",
            related=tuple((v.subgraph, v.index) for v in blocked if v is not first),
        )
