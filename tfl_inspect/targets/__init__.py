"""Which ops run where: XNNPACK, the GPU (accelerator and classic delegate), TFLite Micro, Edge TPU, NNAPI and NPUs.

:func:`compat` returns a :class:`CompatReport`: per target and per operator a verdict
(``supported``, ``unsupported``, ``caveat``) with reason codes (:mod:`.reasons`), the partitions
the runtime forms, the CPU ↔ target transitions, whole-model blockers, and the minimum runtime
(:mod:`.runtime_version`). Each target module names the source file and commit its rules follow.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..compiled import compiled
from ..errors import UsageError
from ..model import Model
from ..remedies import say
from .base import Partition, Target, TargetOption, TargetReport
from .bound import bind
from .partitions import PartitionCache
from .reasons import OpVerdict, Reason
from .registry import get, names, parse_targets, register
from .runtime_version import RuntimeVersion, minimum_runtime

__all__ = [
    "compat",
    "CompatReport",
    "TargetReport",
    "Target",
    "TargetOption",
    "Partition",
    "OpVerdict",
    "Reason",
    "verdict_marks",
    "parse_targets",
    "register",
    "names",
    "get",
]


@dataclass(frozen=True, slots=True)
class CompatReport:
    source: str | None
    targets: Mapping[str, TargetReport]
    runtime: RuntimeVersion
    subgraphs: tuple[int, ...]
    signature: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def failing(self, names: Iterable[str]) -> list[str]:
        """Which of ``names`` do not take the whole model (for ``--require``)."""
        return [n for n in names if n in self.targets and not self.targets[n].whole_model]


def _subgraphs(model: Model, signature: str | None) -> tuple[int, ...]:
    """All subgraphs, or the signature's subgraph plus every subgraph it calls."""
    if signature is None:
        return tuple(range(len(model.subgraphs)))
    sig = model.require_signature(signature)
    seen: list[int] = []
    todo = [sig.subgraph]
    while todo:
        s = todo.pop()
        if s in seen or not 0 <= s < len(model.subgraphs):
            continue
        seen.append(s)
        for op in model.subgraphs[s].operators:
            todo.extend(ref for _, ref in op.called())
    return tuple(sorted(seen))


def _in_producer_terms(model: Model, target: Target, report: TargetReport) -> TargetReport:
    """Every fix as text for the model's producer; UNSUPPORTED_OPERATOR reasons without one get a builtin
    alternative the target has. One Reason often covers thousands of ops: each is converted once."""
    from .fixes import alternative

    producer = model.producer
    done: dict[int, Reason] = {}

    def convert(r: Reason) -> Reason:
        out = done.get(id(r))
        if out is None:
            out = done[id(r)] = r.for_producer(producer)
        return out

    ops = list(report.operators)
    for k, v in enumerate(ops):
        if not v.reasons:
            continue
        reasons = tuple(convert(r) for r in v.reasons)
        first = reasons[0]
        if first.code == "UNSUPPORTED_OPERATOR" and not first.fix:
            op = model.subgraphs[v.subgraph].operators[v.index]
            fix = alternative(target, op.custom_code if op.is_custom and op.custom_code else op.builtin, op.is_custom)
            if fix:
                reasons = (Reason(first.code, first.message, first.operand, say(fix, producer)), *reasons[1:])
        if reasons != v.reasons:
            ops[k] = v._replace(reasons=reasons)
    model_reasons = tuple(convert(r) for r in report.model_reasons)
    return replace(report, operators=tuple(ops), model_reasons=model_reasons)


def resolve_options(given: Mapping[str, Any]) -> dict[str, Any]:
    """Every registered target option: its checked value, or its default. An unknown name is a usage error."""
    from .registry import options

    known = {o.name: o for o in options()}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise UsageError(f"unknown target option {unknown[0]!r}: known options are {', '.join(known)}")
    out = {}
    for name, opt in known.items():
        value = opt.parse(given.get(name))
        out[name] = opt.default if value is None else value
    return out


def check_shared(targets: Iterable[Target], options: Mapping[str, Any]) -> None:
    """Every item of a shared option (``--soc SM8850,PTL``) must belong to one of ``targets`` that takes
    the option; an option none of them takes is ignored, like any other target's option."""
    from .registry import all_targets
    from .registry import options as known

    chosen = list(targets)
    for opt in known():
        value = options.get(opt.name)
        if not opt.shared or value is None:
            continue
        takers = [t for t in chosen if opt in t.options] or [t for t in all_targets() if opt in t.options]
        for item in str(value).split(","):
            if any(t.accepts(opt.name, item) for t in takers):
                continue
            if len(takers) == 1:
                raise UsageError(f"{opt.flag} {item}: not one of {takers[0].name}'s: {takers[0].accepted(opt.name)}")
            listed = "; ".join(f"{t.name}: {t.accepted(opt.name)}" for t in takers)
            raise UsageError(f"{opt.flag} {item}: not one of the targets' ({listed})")


def compat(
    model: Model | str | os.PathLike[str] | bytes,
    targets: str | Iterable[str] | None = None,
    signature: str | None = None,
    **options: Any,
) -> CompatReport:
    """Per-target verdicts for ``model`` (a :class:`~tfl_inspect.model.Model` or a path).

    ``targets``: registered target names (default all). ``signature``: only that signature's
    subgraph and what it calls. ``options``: the targets' typed options by name, e.g.
    ``nnapi_level=29`` (Android API level for NNAPI) or ``arena_size=65536`` (TFLite Micro arena
    in bytes; unchecked when absent).
    """
    if not isinstance(model, Model):
        from ..readers import load

        model = load(model)
    chosen = parse_targets(targets)
    subgraphs = _subgraphs(model, signature)
    opts = resolve_options(options)
    check_shared((get(n) for n in chosen), opts)
    cache = PartitionCache()
    npu = compiled(model)
    reports = {}
    for n in chosen:
        target = get(n)
        report = _composites_run(model, target, subgraphs, opts, cache, target.assess(model, subgraphs, opts, cache))
        if npu is not None:  # compiled ahead of time for one NPU: bound to it, whatever the target
            report = bind(model, npu, target, report, opts)
        reports[n] = _in_producer_terms(model, target, report)
    return CompatReport(model.source, reports, minimum_runtime(model), subgraphs, signature, opts)


def _composites_run(
    model: Model,
    target: Target,
    subgraphs: tuple[int, ...],
    opts: Mapping[str, Any],
    cache: PartitionCache,
    report: TargetReport,
) -> TargetReport:
    """Count a composite's decomposition only where it runs.

    A STABLEHLO_COMPOSITE the target takes replaces its decomposition subgraph, which then never runs
    (XNNPACK lowers odml.scaled_dot_product_attention itself); one it does not take runs on LiteRT's CPU
    kernel, which invokes the decomposition (``tflite/kernels/stablehlo_composite.cc``), and LiteRT
    applies the delegate to that subgraph like to any other (``Interpreter::ModifyGraphWithDelegateImpl``
    walks every subgraph). So the ops of decompositions under taken composites leave the count, and the
    report is made again without those subgraphs.
    """
    from ..composites import composites

    comp = composites(model)
    if not comp.callers:
        return report
    taken = {(v.subgraph, v.index) for v in report.operators if v.supported and v.opcode == "STABLEHLO_COMPOSITE"}
    skipped: set[int] = set()
    changed = True
    while changed:  # a decomposition under a skipped one is skipped too
        changed = False
        for d, callers in comp.callers.items():
            if d in skipped or d not in subgraphs:
                continue
            if all((c.subgraph, c.op) in taken or c.subgraph in skipped for c in callers):
                skipped.add(d)
                changed = True
    run = [d for d in comp.decompositions if d in subgraphs and d not in skipped]
    notes: list[str] = []
    if skipped:
        names = sorted({c.name for d in skipped for c in comp.callers[d]})
        ops = sum(len(model.subgraphs[d].operators) for d in skipped)
        notes.append(
            f"{len(skipped)} decomposition subgraph(s) of composites the target takes whole ({', '.join(names)}) "
            f"do not run: their {ops} ops are not counted"
        )
        report = target.assess(model, tuple(s for s in subgraphs if s not in skipped), opts, cache)
    if run and not target.loads_whole:
        names = sorted({c.name for d in run for c in comp.callers[d]})
        notes.append(
            f"{len(run)} decomposition subgraph(s) of composites the target does not take ({', '.join(names)}) "
            "run under LiteRT's CPU kernel for the composite: their ops are counted with the target's verdicts"
        )
    return replace(report, notes=(*report.notes, *notes))


def verdict_marks(report: CompatReport, target: str) -> dict[tuple[int, int], dict[str, Any]]:
    """Per op ``(subgraph, index)`` → ``{"verdict": supported|unsupported|caveat, "partition": id or None,
    "reason": first reason text or None}``: what a diagram needs to colour ops and outline partitions.
    """
    t = report.targets.get(target)
    if t is None:
        raise UsageError(f"target '{target}' is not in this report (has: {', '.join(report.targets)})")
    where = {(p.subgraph, i): n for n, p in enumerate(t.partitions) for i in p.ops}
    return {
        (v.subgraph, v.index): {
            "verdict": v.status,
            "partition": where.get((v.subgraph, v.index)),
            "reason": v.reasons[0].message if v.reasons else None,
        }
        for v in t.operators
    }
