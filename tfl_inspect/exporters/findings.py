"""Lint findings as text (rich on a terminal, plain when piped) or as JSON.

Messages embed names from the model, which are untrusted: every string goes through
:mod:`tfl_inspect.escape` for text output; JSON escaping is the encoder's job.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from .. import escape
from .envelope import envelope

if TYPE_CHECKING:
    from ..rules import Finding

__all__ = ["count", "to_json_dict", "to_json", "to_text", "print_text", "Entry", "entries"]

_ORDER = ("error", "warning", "info")
_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def count(findings: Iterable[Finding]) -> dict[str, int]:
    out = dict.fromkeys(_ORDER, 0)
    for f in findings:
        out[f.severity.value] += 1
    return out


def to_json_dict(
    findings: Sequence[Finding], model_path: str | None, model_format: str | None = None
) -> dict[str, Any]:
    """The ``--format json`` document (``tfl-inspect schema lint``)."""
    doc = envelope("lint", model_path)
    doc.update(format=model_format, counts=count(findings), findings=[f.to_dict() for f in findings])
    return doc


def to_json(findings: Sequence[Finding], model_path: str | None, model_format: str | None = None) -> str:
    return json.dumps(to_json_dict(findings, model_path, model_format), indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of text output: a finding, or the findings of one rule that share a reason."""

    rule: str
    severity: str
    location: str
    message: str
    explanation: str
    fix: str
    count: int = 1


_SHOWN = 5  # places a grouped entry names before "… +N more"


def _place(f: Finding) -> str:
    if f.tensor is not None:
        return f"'{f.tensor_name}'" if f.tensor_name else f"tensor {f.tensor}"
    if f.op is not None:
        return f"{f.opcode} (op {f.op})"
    return f.location()


def entries(findings: Sequence[Finding]) -> list[Entry]:
    """Findings as text entries, in order: findings of one rule and severity with the same
    ``group`` reason become one entry that counts and names their places; JSON and SARIF keep one
    result per place."""
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    order: list[Finding | tuple[str, str, str]] = []
    for f in findings:
        if f.group is None:
            order.append(f)
            continue
        key = (f.rule, f.severity.value, f.group)
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(f)
    out: list[Entry] = []
    for item in order:
        members = groups[item] if isinstance(item, tuple) else [item]
        first = members[0]
        if len(members) == 1:
            out.append(
                Entry(first.rule, first.severity.value, first.location(), first.message, first.explanation, first.fix)
            )
            continue
        places = list(dict.fromkeys(_place(f) for f in members))
        shown = ", ".join(places[:_SHOWN]) + (f", … +{len(places) - _SHOWN} more" if len(places) > _SHOWN else "")
        noun = "tensors" if all(f.tensor is not None for f in members) else "places"
        subs = sorted({f.subgraph for f in members if f.subgraph is not None})
        where = ("subgraph " if len(subs) == 1 else "subgraphs ") + ", ".join(map(str, subs)) if subs else "model"
        out.append(
            Entry(
                first.rule,
                first.severity.value,
                f"{where} / {len(places)} {noun}",
                f"{first.group} — {len(places)} {noun}: {shown}",
                first.explanation,
                first.fix,
                len(members),
            )
        )
    return out


def _summary(counts: dict[str, int]) -> str:
    parts = []
    for sev in _ORDER:
        n = counts[sev]
        label = sev if sev == "info" or n == 1 else sev + "s"
        parts.append(f"{n} {label}")
    return ", ".join(parts)


def to_text(findings: Sequence[Finding], model_path: str | None, brief: bool = False) -> str:
    """Plain text grouped by severity; names escaped so control characters cannot reach the terminal."""
    counts = count(findings)
    head = escape.text(model_path or "model")
    lines = [f"{head}: {_summary(counts)}" if findings else f"{head}: no findings"]
    for sev in _ORDER:
        group = [f for f in findings if f.severity.value == sev]
        if not group:
            continue
        lines.append("")
        lines.append(f"{sev.upper()} ({len(group)})")
        for f in entries(group):
            lines.append(f"  {f.rule}  {escape.text(f.location)}")
            lines.append(f"      {escape.text(f.message)}")
            if not brief:
                if f.explanation:
                    lines.append(f"      why: {escape.text(f.explanation)}")
                if f.fix:
                    lines.append(f"      fix: {escape.text(f.fix)}")
    return "\n".join(lines) + "\n"


def print_text(findings: Sequence[Finding], model_path: str | None, file: TextIO, brief: bool = False) -> None:
    """Rich output on a terminal, the plain :func:`to_text` otherwise (pipes, files, CI logs)."""
    from .console import writer

    w = writer(file)
    if not w.rich:
        w.write(to_text(findings, model_path, brief))
        return
    console = w.console()
    counts = count(findings)
    head = escape.markup(model_path or "model")
    console.print(f"[bold]{head}[/]: {_summary(counts)}" if findings else f"[bold]{head}[/]: no findings")
    for sev in _ORDER:
        group = [f for f in findings if f.severity.value == sev]
        if not group:
            continue
        style = _STYLE[sev]
        console.print()
        console.print(f"[{style}]{sev.upper()}[/] ({len(group)})")
        for f in entries(group):
            console.print(f"  [{style}]{f.rule}[/]  [dim]{escape.markup(f.location)}[/]")
            console.print(f"      {escape.markup(f.message)}")
            if not brief:
                if f.explanation:
                    console.print(f"      [dim]why:[/] {escape.markup(f.explanation)}")
                if f.fix:
                    console.print(f"      [green]fix:[/] {escape.markup(f.fix)}")
