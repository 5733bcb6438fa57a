"""Lint rules: what will break on the device, found before it gets there.

Rule ids are stable public API. Each family lives in its own module; a rule is one
:class:`~tfl_inspect.rules.base.RuleSpec` (id, default severity, title, doc, explanation, fix)
registered with its check by ``@check(SPEC)``, and its findings name the spec. :data:`RULES`
lists them all in id order; families come from :data:`~tfl_inspect.rules.base.FAMILY`.
``docs/rules.md`` is generated from the specs (``python -m tfl_inspect.rules.docs``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import UsageError
from ..model import Model
from . import compat, dynamic, hygiene, names, ops, quantization, shapes  # noqa: F401 - they register rules
from .base import FAMILY, REGISTRY, Family, Finding, Rule, RuleSpec, Severity
from .context import Context

__all__ = [
    "Severity",
    "Finding",
    "Rule",
    "RuleSpec",
    "Family",
    "FAMILY",
    "RULES",
    "FAMILIES",
    "run",
    "resolve",
    "parse_runtime",
]

RULES: tuple[Rule, ...] = tuple(REGISTRY[k] for k in sorted(REGISTRY))
# Family prefixes in the registry's order (FAMILY), those that have rules.
FAMILIES: tuple[str, ...] = tuple(f for f in FAMILY if any(r.family == f for r in RULES))

_RUNTIME = re.compile(r"^\d+(\.\d+){0,3}$")


def parse_runtime(text: str) -> tuple[int, ...]:
    """``"2.16"`` → ``(2, 16)``; anything else is a usage error."""
    text = text.strip()
    if not _RUNTIME.match(text):
        raise UsageError(f"runtime version must look like 2.16 or 2.16.1, not {text!r}")
    return tuple(int(p) for p in text.split("."))


def resolve(patterns: Iterable[str] | str | None) -> set[str]:
    """Rule ids named by ids or families (``"DYN"``, ``"QNT001"``), case-insensitive."""
    if patterns is None:
        return set()
    if isinstance(patterns, str):
        patterns = [patterns]
    out: set[str] = set()
    for raw in patterns:
        for item in str(raw).split(","):
            key = item.strip().upper()
            if not key:
                continue
            if key in REGISTRY:
                out.add(key)
            elif key in FAMILIES:
                out.update(r.id for r in RULES if r.family == key)
            else:
                known = ", ".join(FAMILIES)
                raise UsageError(f"unknown rule or family {item.strip()!r} (families: {known})")
    return out


def run(
    model: Model | str | os.PathLike[str] | bytes,
    select: Iterable[str] | str | None = None,
    ignore: Iterable[str] | str | None = None,
    runtime: str | None = None,
    targets: Iterable[str] | str | None = None,
    target_options: Mapping[str, Any] | None = None,
) -> list[Finding]:
    """Run the selected rules over ``model`` (a Model, or a path / bytes to load) and return their
    findings, most severe first.

    ``select``/``ignore`` take rule ids or families; ``runtime`` (``"2.16"``) enables OPS003;
    ``targets`` (``"gpu,tflm"``) enables CMP001, with the targets' ``target_options``
    (``{"nnapi_level": 29}``).
    """
    if runtime is not None:
        parse_runtime(runtime)
    if not isinstance(model, Model):
        from ..readers import load

        model = load(model)
    chosen = resolve(select) if select is not None else set(REGISTRY)
    chosen -= resolve(ignore)
    ctx = Context.build(model, runtime)
    if targets is not None:
        from ..targets import parse_targets, resolve_options

        ctx.targets = parse_targets(targets)
        ctx.target_options = resolve_options(target_options or {})
    findings: list[Finding] = []
    for r in RULES:
        if r.id in chosen:
            findings.extend(r.check(ctx))
    findings.sort(key=_order)
    return _under_composites(model, findings)


def _under_composites(model: Model, findings: list[Finding]) -> list[Finding]:
    """Name the composite a finding sits under when its subgraph is a composite's decomposition."""
    from dataclasses import replace

    from ..composites import composites

    comp = composites(model)
    if not comp.callers:
        return findings
    out = []
    for f in findings:
        top = comp.owner(f.subgraph) if f.subgraph is not None else None
        out.append(f if top is None else replace(f, composite=(top.subgraph, top.op, top.name)))
    return out


def _order(f: Finding) -> tuple[int, str, int, int, int, str]:
    return (
        -f.severity.rank,
        f.rule,
        f.subgraph if f.subgraph is not None else -1,
        f.op if f.op is not None else -1,
        f.tensor if f.tensor is not None else -1,
        f.io_name or "",
    )
