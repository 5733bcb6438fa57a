"""How a runtime turns the ops it can run into what it actually runs: its partitioning policy.

The per-op rules say what a target *can* take; a policy says what the runtime then does with
that set — delegate every run (XNNPACK), keep the N largest partitions (GPU delegate, NNAPI),
stop at the first op it cannot map (Edge TPU compiler), or load the whole model or nothing
(TFLite Micro). Policies are objects so that a target states its policy instead of coding it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .base import Partition, SubgraphCheck, TargetReport, verdict
from .partitions import transitions
from .reasons import SUPPORTED, UNSUPPORTED, OpVerdict, Reason, Reject

if TYPE_CHECKING:
    from ..model import Model, Subgraph
    from .base import Target
    from .partitions import PartitionCache

__all__ = [
    "PartitionPolicy",
    "EverySupportedRun",
    "KeepLargest",
    "AcceleratorCheck",
    "AcceleratorPartitions",
    "PrefixUntilUnmapped",
    "WholeModelOrNothing",
    "ConsecutiveRuns",
]


def verdicts_of(sg: Subgraph, check: SubgraphCheck) -> list[OpVerdict]:
    """One verdict per op of ``sg`` (what :func:`.base.verdict` gives, built without a call per op: a 10k-op
    model makes 10k verdicts per target)."""
    s, rejected, caveats = sg.index, check.rejected, check.caveats
    new = tuple.__new__
    out: list[OpVerdict] = []
    append = out.append
    for i, op in enumerate(sg.operators):
        rej = rejected.get(i) if rejected else None
        if rej is not None:
            append(new(OpVerdict, (s, i, op.opcode, UNSUPPORTED, (rej.reason,), ())))
        elif caveats and i in caveats:
            append(verdict(sg, i, None, caveats[i]))
        else:
            append(new(OpVerdict, (s, i, op.opcode, SUPPORTED, (), ())))
    return out


class PartitionPolicy:
    """Per subgraph: which of the taken ops the runtime keeps, in which partitions, with how many hand-overs."""

    note: str | None = None  # how the runtime partitions, shown with every report
    whole_or_nothing = False

    def partition(self, sg: Subgraph, check: SubgraphCheck, cache: PartitionCache) -> tuple[list[tuple[int, ...]], int]:
        """(partitions kept, CPU ↔ target transitions); ops it drops get a reason in ``check.rejected``."""
        raise NotImplementedError

    def placed(
        self, sg: Subgraph, check: SubgraphCheck, cache: PartitionCache
    ) -> tuple[list[tuple[int, tuple[int, ...]]], int]:
        """(subgraph, ops) per partition kept, and the hand-overs; a partition lies in ``sg`` unless a
        policy places ops the runtime inlined from another subgraph."""
        kept, trans = self.partition(sg, check, cache)
        return [(sg.index, p) for p in kept], trans

    def report(
        self,
        target: Target,
        model: Model,
        checks: Mapping[int, SubgraphCheck],
        model_reasons: list[Reason],
        options: Mapping[str, Any],
        cache: PartitionCache,
    ) -> TargetReport:
        verdicts: list[OpVerdict] = []
        parts: list[Partition] = []
        n_trans = 0
        reasons = list(model_reasons)
        first: tuple[int, int] | None = None
        for s, check in checks.items():
            sg = model.subgraphs[s]
            kept, trans = self.placed(sg, check, cache)
            n_trans += trans
            parts.extend(Partition(where, p) for where, p in kept)
            verdicts.extend(verdicts_of(sg, check))
            if first is None and check.rejected:
                first = (s, min(check.rejected))
            reasons.extend(check.reasons)
        return TargetReport(
            target.name,
            target.source,
            tuple(verdicts),
            tuple(parts),
            n_trans,
            tuple(reasons),
            tuple(target.target_caveats(model, tuple(checks), options)),
            (*target.target_notes(options), *((self.note,) if self.note else ())),
            target.title_for(options),
            self.whole_or_nothing,
            first,
        )


class EverySupportedRun(PartitionPolicy):
    """Every run of supported ops becomes a delegate kernel (XNNPACK)."""

    note = "every supported run of ops becomes a partition"

    def partition(self, sg: Subgraph, check: SubgraphCheck, cache: PartitionCache) -> tuple[list[tuple[int, ...]], int]:
        subsets = cache(sg, check.taken)
        return [ops for k, ops in subsets if k], transitions(subsets)


class KeepLargest(PartitionPolicy):
    """Partition as TFLite does and keep the ``n`` largest; the rest become OUTSIDE_PARTITION."""

    def __init__(self, n: int, why: str, note: str | None = None) -> None:
        self.n = n
        self.why = why
        self.note = note

    def partition(self, sg: Subgraph, check: SubgraphCheck, cache: PartitionCache) -> tuple[list[tuple[int, ...]], int]:
        subsets = cache(sg, check.taken)
        parts = [ops for k, ops in subsets if k]
        if len(parts) <= self.n:
            return parts, transitions(subsets)
        order = sorted(range(len(parts)), key=lambda j: (-len(parts[j]), j))
        for j in order[self.n :]:
            rej = Reject(
                "OUTSIDE_PARTITION", f"supported, but in a smaller partition ({len(parts[j])} ops); {self.why}"
            )
            for i in parts[j]:
                check.rejected[i] = rej
        keep = [parts[j] for j in sorted(order[: self.n])]
        return keep, transitions(cache(sg, {i for p in keep for i in p}))


class ConsecutiveRuns(PartitionPolicy):
    """Maximal runs of consecutive taken ops in execution order (LiteRT's NPU compiler plugins).

    Port of ``GetPartitionsFromFlatListV2`` (``litert/compiler/plugin/algo.cc``, the default
    ``GroupPartitionsV2`` strategy of ``PartitionSubgraph`` in ``compiler_plugin.cc``, LiteRT commit
    f67457790c9c2ab67347d6fe53270e8d3df20868): ops keep the subgraph's order and every op the plugin
    does not select ends the current partition, whatever the data dependencies. A composite the
    plugin does not lower is first replaced by its body's ops (``check.inlined``), so the runs go
    through them; a partition lists the subgraph's own ops it holds (an op replaced by its body only
    when every body op is taken), or the body's ops when it holds nothing else.
    """

    note = "each run of consecutive ops the NPU takes (in execution order) becomes one partition"

    def partition(self, sg: Subgraph, check: SubgraphCheck, cache: PartitionCache) -> tuple[list[tuple[int, ...]], int]:
        parts, trans = self.placed(sg, check, cache)
        return [ops for _, ops in parts], trans

    def placed(
        self, sg: Subgraph, check: SubgraphCheck, cache: PartitionCache
    ) -> tuple[list[tuple[int, tuple[int, ...]]], int]:
        """(subgraph, ops) per partition in order, and the CPU ↔ NPU hand-overs."""
        if not check.partitioned:
            return [], 0
        taken, inlined = check.taken, check.inlined
        n = len(sg.operators)
        if not inlined:  # runs between the ops left out, built range by range
            cuts = sorted(set(range(n)).difference(taken))
            runs = []
            start = 0
            for c in [*cuts, n]:
                if c > start:
                    runs.append((sg.index, tuple(range(start, c))))
                start = c + 1
            edges = sum(1 for k, c in enumerate(cuts) if c > 0 and (k == 0 or cuts[k - 1] != c - 1))
            edges += sum(1 for k, c in enumerate(cuts) if c < n - 1 and (k == len(cuts) - 1 or cuts[k + 1] != c + 1))
            return runs, edges
        parts: list[tuple[int, tuple[int, ...]]] = []
        own: list[int] = []  # this subgraph's ops in the current run
        body: list[tuple[int, int]] = []  # (body subgraph, body op) in the current run
        trans = 0
        prev = None
        for i in range(len(sg.operators)):
            inl = inlined.get(i) if inlined else None
            flags = inl[1] if inl is not None else (i in taken,)
            whole = inl is None or all(flags)
            for k, flag in enumerate(flags):
                if flag != prev and prev is not None:
                    trans += 1
                prev = flag
                if not flag:
                    if own or body:
                        parts.append((sg.index, tuple(own)) if own else (body[0][0], tuple(o for _, o in body)))
                        own, body = [], []
                elif whole:
                    if not own or own[-1] != i:
                        own.append(i)
                elif inl is not None:
                    body.append((inl[0], k))
        if own or body:
            parts.append((sg.index, tuple(own)) if own else (body[0][0], tuple(o for _, o in body)))
        return parts, trans


@dataclass(slots=True)
class AcceleratorCheck(SubgraphCheck):
    """A subgraph as LiteRT's GPU accelerator sees it: besides the ops it takes, the float16-weight DEQUANTIZE
    ops ``FP16GraphPartitionHelper`` sets aside (``fp16``), or why the subgraph is not run at all."""

    fp16: set[int] = field(default_factory=set)
    not_run: str | None = None
    kept_parts: list[tuple[int, ...]] | None = None
    kept_transitions: int = 0


class AcceleratorPartitions(KeepLargest):
    """``FP16GraphPartitionHelper`` (LiteRT ``tflite/delegates/utils.cc:202-275``) then the ``n`` largest partitions.

    When every op is either taken or a float16-weight DEQUANTIZE, all of them are delegated together
    (scenario 1); otherwise those DEQUANTIZE ops stay on the CPU and only the taken ops are partitioned
    (scenario 2), their consumers reading the float16 constants. A subgraph the runtime does not run
    (a composite's decomposition the accelerator lowers itself, a validation subgraph) has no partition.
    """

    def __init__(self, n: int, why: str) -> None:
        super().__init__(n, why, f"{why} (max_delegated_partitions = {n})")

    def partition(self, sg: Subgraph, check: SubgraphCheck, cache: PartitionCache) -> tuple[list[tuple[int, ...]], int]:
        if not isinstance(check, AcceleratorCheck):
            return super().partition(sg, check, cache)
        if check.kept_parts is not None:
            return check.kept_parts, check.kept_transitions
        n = len(sg.operators)
        if check.not_run is not None:
            rej = Reject("OUTSIDE_PARTITION", check.not_run)
            for i in range(n):
                check.rejected.setdefault(i, rej)
            parts: list[tuple[int, ...]] = []
            trans = 0
        elif check.fp16 and len(check.taken) + len(check.fp16) == n:
            check.taken |= check.fp16
            subsets = cache(sg, check.taken)
            parts, trans = [ops for k, ops in subsets if k], transitions(subsets)
        else:
            if check.fp16:
                rej = Reject(
                    "OUTSIDE_PARTITION",
                    "float16 weights: this DEQUANTIZE stays on the CPU because the model is only partly delegated; "
                    "the delegated ops read the float16 constant directly",
                )
                for i in check.fp16:
                    check.rejected[i] = rej
            parts, trans = super().partition(sg, check, cache)
        check.kept_parts, check.kept_transitions = parts, trans
        return parts, trans

    def kept(self, sg: Subgraph, check: AcceleratorCheck, cache: PartitionCache) -> set[int]:
        """The ops the runtime hands over (the partition it keeps)."""
        return {i for p in self.partition(sg, check, cache)[0] for i in p}

    def refused(
        self, target: Target, model: Model, subgraphs: tuple[int, ...], reason: Reason, caveats: list[str]
    ) -> TargetReport:
        """The whole model refused (``reason``): every op of ``subgraphs`` stays on the CPU."""
        rej = Reject(reason.code, reason.message, reason.operand, reason.fix)
        verdicts = [
            verdict(model.subgraphs[s], i, rej) for s in subgraphs for i in range(len(model.subgraphs[s].operators))
        ]
        first = next(((v.subgraph, v.index) for v in verdicts), None)
        return TargetReport(
            target.name,
            target.source,
            tuple(verdicts),
            (),
            0,
            (reason,),
            tuple(caveats),
            (self.note,) if self.note else (),
            target.title,
            False,
            first,
        )


class PrefixUntilUnmapped(PartitionPolicy):
    """One partition: the ops before the first unmapped op; it and every op after it run on the CPU (Edge TPU).

    The target's check may stop at the first unmapped op; every later op gets the reason here,
    except a model-level limit, which is the stronger reason.
    """

    note = "one partition: the first op the compiler cannot map and every op after it run on the CPU"

    def partition(self, sg: Subgraph, check: SubgraphCheck, cache: PartitionCache) -> tuple[list[tuple[int, ...]], int]:
        n = len(sg.operators)
        if check.rejected:
            first = min(check.rejected)
            after = Reject(
                "OUTSIDE_PARTITION",
                f"after the first unmapped op #{first} ({sg.operators[first].opcode}) everything runs on the CPU",
            )
            for i in range(first + 1, n):
                rej = check.rejected.get(i)
                if rej is None or rej.reason.code != "MODEL_LIMIT":
                    check.rejected[i] = after
        mapped = tuple(i for i in range(n) if i not in check.rejected)
        if not mapped:
            return [], 0
        return [mapped], 1 if len(mapped) < n else 0


class WholeModelOrNothing(PartitionPolicy):
    """The runtime loads every op of every subgraph or refuses the model (TFLite Micro: no CPU fallback).

    ``checks`` may cover more subgraphs than are reported (a signature's): any rejected op
    anywhere stops the load.
    """

    whole_or_nothing = True

    def __init__(self, what: str) -> None:
        self.what = what

    def partition(self, sg: Subgraph, check: SubgraphCheck, cache: PartitionCache) -> tuple[list[tuple[int, ...]], int]:
        return ([tuple(range(len(sg.operators)))] if not check.rejected else []), 0

    def first_failure(self, checks: Mapping[int, SubgraphCheck]) -> tuple[int, int] | None:
        """The op the load names: a missing kernel (registration comes before any Prepare), else the first."""
        keys = sorted((s, i) for s, c in checks.items() for i in c.rejected)
        for s, i in keys:
            if checks[s].rejected[i].reason.code == "UNSUPPORTED_OPERATOR":
                return s, i
        return keys[0] if keys else None

    def report_selected(
        self,
        target: Target,
        model: Model,
        checks: Mapping[int, SubgraphCheck],
        selected: tuple[int, ...],
        model_reasons: list[Reason],
        options: Mapping[str, Any],
    ) -> TargetReport:
        n_rejected = sum(len(c.rejected) for c in checks.values())
        reasons = list(model_reasons)
        if n_rejected:
            reasons.append(Reason("MODEL_LIMIT", f"{n_rejected} op(s) cannot run: {self.what}"))
        loads = not reasons
        verdicts: list[OpVerdict] = []
        for s in selected:
            sg = model.subgraphs[s]
            verdicts.extend(verdict(sg, i, checks[s].rejected.get(i)) for i in range(len(sg.operators)))
        parts = tuple(Partition(s, tuple(range(len(model.subgraphs[s].operators)))) for s in selected) if loads else ()
        first = self.first_failure(checks)
        notes = []
        if first is not None:
            s, i = first
            notes.append(
                f"the load stops at subgraph {s} op #{i} ({model.subgraphs[s].operators[i].opcode}): "
                f"{checks[s].rejected[i].reason.message}"
            )
        return TargetReport(
            target.name,
            target.source,
            tuple(verdicts),
            parts,
            0,
            tuple(reasons),
            tuple(target.target_caveats(model, selected, options)),
            tuple(notes),
            target.title,
            True,
            first,
        )
