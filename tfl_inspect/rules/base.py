"""The data every rule produces and the one place rules register themselves.

Kept apart from ``rules/__init__.py`` so that family modules can import it without a cycle.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .context import Context

__all__ = ["Severity", "Finding", "Rule", "rule", "REGISTRY"]


class Severity(str, enum.Enum):
    """Ordered INFO < WARNING < ERROR so that ``--fail-on`` is one comparison."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self.value]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank


_RANK = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a rule found, with where it is and what to do about it."""

    rule: str
    severity: Severity
    message: str
    subgraph: int | None = None
    op: int | None = None
    opcode: str | None = None
    tensor: int | None = None
    tensor_name: str | None = None
    signature: str | None = None
    io_name: str | None = None
    explanation: str = ""
    fix: str = ""
    related: tuple[tuple[int, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Stable JSON shape (see ``schema/lint.schema.json``): every key always present."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "subgraph": self.subgraph,
            "op": self.op,
            "opcode": self.opcode,
            "tensor": self.tensor,
            "tensor_name": self.tensor_name,
            "signature": self.signature,
            "io_name": self.io_name,
            "explanation": self.explanation,
            "fix": self.fix,
            "related": [{"subgraph": s, "op": o} for s, o in self.related],
        }

    def location(self) -> str:
        """Human-readable location, unescaped (callers escape for their output)."""
        parts = []
        if self.signature is not None:
            sig = f"signature '{self.signature}'"
            if self.io_name is not None:
                sig += f" {self.io_name!r}"
            parts.append(sig)
        if self.subgraph is not None:
            parts.append(f"subgraph {self.subgraph}")
        if self.op is not None:
            parts.append(f"op {self.op} {self.opcode or ''}".rstrip())
        if self.tensor is not None:
            name = f" '{self.tensor_name}'" if self.tensor_name else ""
            parts.append(f"tensor {self.tensor}{name}")
        return " / ".join(parts) or "model"


Check = Callable[["Context"], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A registered rule: ``severity`` is its default (highest usual) level."""

    id: str
    severity: Severity
    title: str
    doc: str
    check: Check

    @property
    def family(self) -> str:
        return self.id.rstrip("0123456789")


REGISTRY: dict[str, Rule] = {}


def rule(rule_id: str, severity: Severity, title: str, doc: str) -> Callable[[Check], Check]:
    """Register a check function under a stable id."""

    def register(fn: Check) -> Check:
        if rule_id in REGISTRY:
            raise ValueError(f"rule {rule_id} registered twice")
        REGISTRY[rule_id] = Rule(rule_id, severity, title, " ".join(doc.split()), fn)
        return fn

    return register
