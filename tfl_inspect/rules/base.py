"""The data every rule produces and the one place rules register themselves.

Kept apart from ``rules/__init__.py`` so that family modules can import it without a cycle.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import naming
from ..remedies import Text, say

if TYPE_CHECKING:
    from ..provenance import Producer
    from .context import Context

__all__ = ["Severity", "Finding", "Family", "FAMILY", "RuleSpec", "Rule", "check", "REGISTRY"]


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
    # Findings of one rule with the same ``group`` text fire for the same reason at different
    # places: text output lists them as one entry (JSON and SARIF keep one result per place).
    group: str | None = None
    # The PyTorch module (its ``named_modules()`` name, "" for the root) the op -- or, without an
    # op, the tensor -- belongs to, for models whose tensor names record modules; None otherwise.
    module: str | None = None
    # (subgraph, op, name) of the STABLEHLO_COMPOSITE whose decomposition subgraph holds the place
    composite: tuple[int, int, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Stable JSON shape (see ``schemas/lint.schema.json``): every key always present (``group``
        is a text-rendering hint and not part of it)."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "subgraph": self.subgraph,
            "op": self.op,
            "opcode": self.opcode,
            "tensor": self.tensor,
            "tensor_name": self.tensor_name,
            "module": self.module,
            "signature": self.signature,
            "io_name": self.io_name,
            "explanation": self.explanation,
            "fix": self.fix,
            "related": [{"subgraph": s, "op": o} for s, o in self.related],
            "composite": None
            if self.composite is None
            else {"subgraph": self.composite[0], "op": self.composite[1], "name": self.composite[2]},
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
            where = f"subgraph {self.subgraph}"
            if self.composite is not None:
                s, o, name = self.composite
                where += f" (decomposition of {name}, subgraph {s} op {o})"
            parts.append(where)
        if self.op is not None:
            op = f"op {self.op} {self.opcode or ''}".rstrip()
            parts.append(op + (f" in {_module(self.module)}" if self.module is not None else ""))
        if self.tensor is not None:
            parts.append(f"tensor {self.tensor}{self._tensor_place()}")
        return " / ".join(parts) or "model"

    def _tensor_place(self) -> str:
        """The tensor's name, or for a module-path name (hundreds of characters of class paths) the
        module it names; JSON keeps the raw ``tensor_name``."""
        own = naming.module_name(self.tensor_name) if self.module is not None and self.tensor_name else None
        if own is None:
            return f" '{self.tensor_name}'" if self.tensor_name else ""
        if own == self.module:
            return "" if self.op is not None else f" in {_module(own)}"
        return f" of {_module(own)}"


def _module(name: str) -> str:
    return "the root module" if name == "" else f"module '{name}'"


Check = Callable[["Context"], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Family:
    """A group of rules sharing an id prefix; its title and description head its docs section.

    ``{targets}`` in the description stands for the registered deployment targets, filled in when
    read, so the CMP docs list whatever targets are registered.
    """

    prefix: str
    title: str
    template: str = ""

    @property
    def description(self) -> str:
        if "{targets}" not in self.template:
            return self.template
        from ..targets.registry import names

        return self.template.replace("{targets}", ", ".join(names()))


# The families in the order docs and listings show them. A new family module adds its row here.
FAMILY: dict[str, Family] = {
    f.prefix: f
    for f in (
        Family(
            "DYN",
            "dynamic shapes",
            "Static-shape delegates (GPU, NNAPI, Edge TPU) and fixed-size buffers on microcontrollers need every "
            "shape known before the first invoke. These rules find where a converted model still computes or "
            "expects shapes at run time.",
        ),
        Family(
            "QNT",
            "dtypes and quantization",
            '"Integer" below means int8 / uint8 / int16 (and int4) tensors that carry a scale and zero point: '
            "`real = scale × (q − zero_point)`. Wrong parameters give wrong numbers, not crashes.",
        ),
        Family(
            "NAM",
            "names and the I/O contract",
            "What application code indexes by and gets wrong: tensor names, signature names and positions.",
        ),
        Family("OPS", "runtime compatibility", "What the interpreter on the device must provide."),
        Family(
            "SHP",
            "shape consistency",
            "Recorded shapes that contradict an op's own rules: the file is inconsistent.",
        ),
        Family("GRF", "graph hygiene", "Bytes and ops the model carries for nothing."),
        Family(
            "CMP",
            "deployment targets",
            "Only with `--target NAMES` (the targets `tfl-inspect compat --help` lists: {targets}): the verdicts "
            'of `tfl-inspect compat` (docs/compat.md) as findings, so CI can gate on "fully delegated to X".',
        ),
    )
}


def _prose(text: str) -> str:
    """Triple-quoted prose → one paragraph (blank lines keep paragraph breaks)."""
    paras = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    return "\n\n".join(p for p in paras if p)


def _prose_text(text: Text) -> Text:
    """:func:`_prose` on the multi-line strings of a text; catalogue references are kept."""
    if isinstance(text, str):
        return _prose(text) if "\n" in text else text
    if isinstance(text, tuple):
        return tuple(_prose_text(t) for t in text)
    return text


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """Everything a rule says about itself, declared once next to its check.

    ``severity`` is the default level of its findings; ``explanation`` (the usual cause) and
    ``fix`` are the default texts of every finding, which a finding replaces only when it can
    say something more specific. ``docs/rules.md`` is generated from these fields. Texts that
    depend on the framework that produced the model are :mod:`tfl_inspect.remedies` entries,
    rendered for the model's producer (``*_for(producer)``; None gives the default wording).
    """

    id: str
    severity: Severity
    title: str
    doc: Text
    explanation: Text = ""
    fix: Text = ""

    def __post_init__(self) -> None:
        for name in ("doc", "explanation", "fix"):
            object.__setattr__(self, name, _prose_text(getattr(self, name)))

    @property
    def family(self) -> str:
        return self.id.rstrip("0123456789")

    def doc_for(self, producer: Producer | None = None) -> str:
        return say(self.doc, producer)

    def explanation_for(self, producer: Producer | None = None) -> str:
        return say(self.explanation, producer)

    def fix_for(self, producer: Producer | None = None) -> str:
        return say(self.fix, producer)

    def finding(
        self,
        message: str,
        *,
        producer: Producer | None = None,
        severity: Severity | None = None,
        explanation: Text | None = None,
        fix: Text | None = None,
        **location: Any,
    ) -> Finding:
        """A finding of this rule; severity, explanation and fix default to the spec's, in ``producer``'s terms."""
        return Finding(
            self.id,
            self.severity if severity is None else severity,
            message,
            explanation=say(self.explanation if explanation is None else explanation, producer),
            fix=say(self.fix if fix is None else fix, producer),
            **location,
        )


@dataclass(frozen=True, slots=True)
class Rule:
    """A registered rule: its spec and the check that produces its findings."""

    spec: RuleSpec
    check: Check

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def severity(self) -> Severity:
        return self.spec.severity

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def doc(self) -> str:
        return self.spec.doc_for()

    @property
    def family(self) -> str:
        return self.spec.family


REGISTRY: dict[str, Rule] = {}


def check(spec: RuleSpec) -> Callable[[Check], Check]:
    """Register ``fn`` as the check of ``spec`` (``@check(QNT002)``)."""

    def register(fn: Check) -> Check:
        if spec.id in REGISTRY:
            raise ValueError(f"rule {spec.id} registered twice")
        if spec.family not in FAMILY:
            raise ValueError(f"rule {spec.id}: family {spec.family} is not in rules.base.FAMILY")
        REGISTRY[spec.id] = Rule(spec, fn)
        return fn

    return register
