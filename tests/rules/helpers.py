"""Small helpers for rule tests: lint a path/bytes/model and pick one rule's findings."""

from __future__ import annotations

from pathlib import Path

from tests.modeledit import pack, unpack
from tfl_inspect import load
from tfl_inspect.model import Model
from tfl_inspect.rules import Finding, run

__all__ = ["lint", "of", "edited", "tensor_by_name", "op_index"]


def lint(source: Path | bytes | Model, **options: object) -> list[Finding]:
    model = source if isinstance(source, Model) else load(source)
    return run(model, **options)  # type: ignore[arg-type]


def of(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def edited(path: Path, edit) -> bytes:
    """The model at ``path`` after ``edit(model_t)`` changed it in LiteRT's object API."""
    m = unpack(path)
    edit(m)
    return pack(m)


def tensor_by_name(m, name: str) -> int:
    names = [t.name.decode() if isinstance(t.name, bytes) else t.name for t in m.subgraphs[0].tensors]
    return names.index(name)


def op_index(model: Model, opcode: str, nth: int = 0) -> int:
    return [o.index for o in model.subgraphs[0].operators if o.opcode == opcode][nth]
