"""What a deployment target is: its name, title, source, options, per-op check and partition policy.

A target module defines one :class:`Target` subclass (``TARGET = Xnnpack()``) and the registry
(:mod:`.registry`) lists it in one line. Everything that used to name targets one by one — the
CLI flags and help, the compat schema's target names and options, lint's CMP docs, the report's
target table — reads the registry instead, so adding a target touches nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import UsageError
from .reasons import CAVEAT, SUPPORTED, UNSUPPORTED, OpVerdict, Reason, Reject

if TYPE_CHECKING:
    from ..compiled import CompiledModel
    from ..model import Model, Operator, Subgraph
    from .partitions import PartitionCache
    from .policies import PartitionPolicy

__all__ = ["TargetOption", "SubgraphCheck", "Target", "TargetReport", "Partition"]


@dataclass(frozen=True, slots=True)
class TargetOption:
    """A typed option of a target (``--nnapi-level``): its flag, help, default and bounds, declared once."""

    name: str  # keyword of compat() and key of the JSON "options"
    flag: str
    metavar: str
    help: str
    kind: type = int
    default: Any = None  # used when not given; None = "not checked"
    minimum: int | None = None
    below_minimum: str = ""  # message when the value is below ``minimum``; {value} is filled in
    choices: tuple[str, ...] | None = None
    # A value several targets share, each taking the comma-separated items that are its own
    # (``--soc SM8850,PTL``); the targets that declare it say which items they accept
    # (:meth:`Target.accepts`), so an item no chosen target knows is a usage error.
    shared: bool = False

    def parse(self, value: Any) -> Any:
        """The option's value, checked; a usage error names the flag."""
        if value is None:
            return None
        if self.shared:
            items = [p.strip() for p in str(value).split(",") if p.strip()]
            if not items:
                raise UsageError(f"{self.flag} needs a value")
            return ",".join(items)
        try:
            value = self.kind(value)
        except (TypeError, ValueError):
            raise UsageError(f"{self.flag} takes a {self.kind.__name__}, not {value!r}") from None
        if self.minimum is not None and value < self.minimum:
            raise UsageError(self.below_minimum.format(value=value) or f"{self.flag} must be ≥ {self.minimum}")
        if self.choices is not None and value not in self.choices:
            raise UsageError(f"{self.flag} {value}: one of {', '.join(self.choices)}")
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": ["integer" if self.kind is int else "string", "null"]}


@dataclass(slots=True)
class SubgraphCheck:
    """One subgraph as a target's rules see it: ops taken, why each other op is not, unchecked conditions."""

    taken: set[int] = field(default_factory=set)
    rejected: dict[int, Reject] = field(default_factory=dict)
    caveats: dict[int, list[str]] = field(default_factory=dict)
    reasons: list[Reason] = field(default_factory=list)  # the subgraph refused as a whole, and why
    # Ops the runtime replaces by the ops of another subgraph before it partitions (a composite it
    # does not lower, inlined): op → (that subgraph, whether each of its ops is taken, in order).
    inlined: dict[int, tuple[int, tuple[bool, ...]]] = field(default_factory=dict)
    partitioned: bool = True  # False: the runtime forms no partitions here (a composite's body)

    @classmethod
    def each_op(cls, sg: Subgraph, check_op: Callable[[Operator], None]) -> SubgraphCheck:
        """Every op checked on its own (``check_op`` raises :class:`Reject`, as the runtime returns an error)."""
        out = cls()
        for op in sg.operators:
            try:
                check_op(op)
            except Reject as rej:
                out.rejected[op.index] = rej
            else:
                out.taken.add(op.index)
        return out


@dataclass(frozen=True, slots=True)
class Partition:
    """One delegate kernel: the ops (execution order) of one subgraph the runtime hands over together."""

    subgraph: int
    ops: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TargetReport:
    name: str
    source: str
    operators: tuple[OpVerdict, ...]
    partitions: tuple[Partition, ...]
    transitions: int
    model_reasons: tuple[Reason, ...] = ()
    caveats: tuple[str, ...] = ()  # conditions no rule here checks, for the whole target
    notes: tuple[str, ...] = ()
    title: str = ""
    loads_whole: bool = False  # the runtime loads the whole model or nothing (no CPU fallback)
    # The op a user should look at first: the first left on the CPU, or the op the load stops at.
    first_blocker: tuple[int, int] | None = None

    @property
    def total_ops(self) -> int:
        return len(self.operators)

    @property
    def supported_ops(self) -> int:
        return sum(1 for v in self.operators if v.supported)

    @property
    def whole_model(self) -> bool:
        """The target takes every op (and nothing model-wide blocks it)."""
        return not self.model_reasons and all(v.supported for v in self.operators)

    def cpu_by_reason(self) -> dict[str, list[OpVerdict]]:
        """Ops left on the CPU grouped by their first reason code."""
        out: dict[str, list[OpVerdict]] = {}
        for v in self.operators:
            if not v.supported:
                code = v.reasons[0].code if v.reasons else "UNSUPPORTED_OPERATOR"
                out.setdefault(code, []).append(v)
        return out

    def verdict(self, subgraph: int, index: int) -> OpVerdict | None:
        for v in self.operators:
            if v.subgraph == subgraph and v.index == index:
                return v
        return None


def verdict(sg: Subgraph, i: int, rej: Reject | None, caveats: Iterable[str] = ()) -> OpVerdict:
    op = sg.operators[i]
    if rej is not None:
        return OpVerdict(sg.index, i, op.opcode, UNSUPPORTED, (rej.reason,))
    cav = tuple(caveats)
    return OpVerdict(sg.index, i, op.opcode, CAVEAT if cav else SUPPORTED, (), cav)


class Target:
    """A runtime that takes ops of a model: override :meth:`check_subgraph` (or :meth:`assess`)."""

    name: ClassVar[str]
    title: ClassVar[str]
    source: ClassVar[str]  # the source file(s) and commit the rules follow
    summary: ClassVar[str]  # one line for --help: what the target is
    verified: ClassVar[str] = "unit-tested only"  # what the rules were checked against
    options: ClassVar[tuple[TargetOption, ...]] = ()
    caveats: ClassVar[tuple[str, ...]] = ()
    policy: PartitionPolicy

    def title_for(self, options: Mapping[str, Any]) -> str:
        """The title a report shows (a target may name the option it was checked with, e.g. its SoC)."""
        return self.title

    @property
    def loads_whole(self) -> bool:
        """The runtime loads the whole model or nothing: no partitions, no CPU fallback."""
        return self.policy.whole_or_nothing

    def check_subgraph(self, sg: Subgraph, options: Mapping[str, Any]) -> SubgraphCheck:
        raise NotImplementedError

    def accepts(self, option: str, item: str) -> bool:
        """Whether an item of a shared option (:attr:`TargetOption.shared`) is this target's."""
        return False

    def accepted(self, option: str) -> str:
        """The items of a shared option this target knows, for the message naming a wrong one."""
        return ""

    def supports_builtin(self, builtin: str) -> bool:
        """Whether the target has a kernel for a builtin op (for "use X instead" fixes)."""
        return False

    def model_reasons(self, model: Model, subgraphs: tuple[int, ...], options: Mapping[str, Any]) -> list[Reason]:
        """Model-wide requirements that are not met."""
        return []

    def target_caveats(self, model: Model, subgraphs: tuple[int, ...], options: Mapping[str, Any]) -> list[str]:
        return list(self.caveats)

    def compiled_reason(self, model: Model, npu: CompiledModel, options: Mapping[str, Any]) -> Reason | None:
        """Why this target cannot run a model compiled ahead of time for one NPU (:mod:`.bound`), or None
        where it does (an NPU target checked for the SoC in the model's LiteRtStamp overrides this)."""
        from .bound import bound_reason

        return bound_reason(npu)

    def target_notes(self, options: Mapping[str, Any]) -> list[str]:
        """What the report should say about how it was checked (an option's value and the others it takes)."""
        return []

    def assess(
        self, model: Model, subgraphs: tuple[int, ...], options: Mapping[str, Any], cache: PartitionCache
    ) -> TargetReport:
        """Check every op of ``subgraphs`` and partition them as the runtime does."""
        checks = {s: self.check_subgraph(model.subgraphs[s], options) for s in subgraphs}
        return self.policy.report(self, model, checks, self.model_reasons(model, subgraphs, options), options, cache)
