"""Which ops run where: XNNPACK, the GPU (accelerator and classic delegate), TFLite Micro, Edge TPU, NNAPI.

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

from ..errors import UsageError
from ..model import Model
from ..remedies import say
from .base import Partition, Target, TargetOption, TargetReport
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
    cache = PartitionCache()
    reports = {}
    for n in chosen:
        target = get(n)
        reports[n] = _in_producer_terms(model, target, target.assess(model, subgraphs, opts, cache))
    return CompatReport(model.source, reports, minimum_runtime(model), subgraphs, signature, opts)


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
