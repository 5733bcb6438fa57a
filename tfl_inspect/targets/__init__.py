"""Which ops run where: XNNPACK, the GPU delegate, TFLite Micro, Edge TPU and NNAPI, offline.

:func:`compat` returns a :class:`CompatReport`: per target and per operator a verdict
(``supported``, ``unsupported``, ``caveat``) with reason codes (:mod:`.reasons`), the partitions
the runtime forms, the CPU ↔ target transitions, whole-model blockers, and the minimum runtime
(:mod:`.runtime_version`). Each target module names the source file and commit its rules follow.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..model import Model
from . import edgetpu, gpu, nnapi, tflm, xnnpack
from .partitions import PartitionCache, transitions
from .reasons import CAVEAT, SUPPORTED, UNSUPPORTED, OpVerdict, Reason, Reject
from .runtime_version import RuntimeVersion, minimum_runtime

if TYPE_CHECKING:
    from ..model import Subgraph

__all__ = [
    "TARGETS",
    "compat",
    "CompatReport",
    "TargetReport",
    "Partition",
    "OpVerdict",
    "Reason",
    "verdict_marks",
    "parse_targets",
]

TARGETS: tuple[str, ...] = ("xnnpack", "gpu", "tflm", "edgetpu", "nnapi")
TITLES = {"xnnpack": "XNNPACK", "gpu": "GPU delegate", "tflm": "TFLite Micro", "edgetpu": "Edge TPU", "nnapi": "NNAPI"}
SOURCES = {
    "xnnpack": xnnpack.SOURCE,
    "gpu": gpu.SOURCE,
    "tflm": tflm.SOURCE,
    "edgetpu": edgetpu.SOURCE,
    "nnapi": nnapi.SOURCE,
}


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

    @property
    def title(self) -> str:
        return TITLES.get(self.name, self.name)

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


def parse_targets(spec: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"gpu,tflm"`` or a list → known target names; an unknown name is a usage error listing the known ones."""
    if spec is None:
        return TARGETS
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    names: list[str] = []
    for raw in items:
        for part in raw.split(","):
            name = part.strip().lower()
            if not name:
                continue
            if name == "all":
                names.extend(TARGETS)
                continue
            if name not in TARGETS:
                raise UsageError(f"unknown target '{part.strip()}': known targets are {', '.join(TARGETS)}")
            names.append(name)
    if not names:
        raise UsageError(f"no target given: known targets are {', '.join(TARGETS)}")
    return tuple(dict.fromkeys(names))


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


def _verdict(sg: Subgraph, i: int, rej: Reject | None, caveats: Iterable[str] = ()) -> OpVerdict:
    op = sg.operators[i]
    if rej is not None:
        return OpVerdict(sg.index, i, op.opcode, UNSUPPORTED, (rej.reason,))
    cav = tuple(caveats)
    return OpVerdict(sg.index, i, op.opcode, CAVEAT if cav else SUPPORTED, (), cav)


def _keep_largest(
    sg: Subgraph, taken: set[int], n: int, rejected: dict[int, Reject], what: str, partition: PartitionCache
) -> tuple[list[tuple[int, ...]], int]:
    """Partition ``taken`` as TFLite does, keep the ``n`` largest; the rest become OUTSIDE_PARTITION."""
    subsets = partition(sg, taken)
    parts = [ops for k, ops in subsets if k]
    if len(parts) <= n:
        return parts, transitions(subsets)
    order = sorted(range(len(parts)), key=lambda j: (-len(parts[j]), j))
    kept = sorted(order[:n])
    for j in order[n:]:
        rej = Reject("OUTSIDE_PARTITION", f"supported, but in a smaller partition ({len(parts[j])} ops); {what}")
        for i in parts[j]:
            rejected[i] = rej
    keep = [parts[j] for j in kept]
    kept_ops = {i for p in keep for i in p}
    return keep, transitions(partition(sg, kept_ops))


def _xnnpack(model: Model, subgraphs: tuple[int, ...], opts: Mapping[str, Any]) -> TargetReport:
    verdicts: list[OpVerdict] = []
    parts: list[Partition] = []
    n_trans = 0
    for s in subgraphs:
        sg = model.subgraphs[s]
        taken, rejected, caveats = xnnpack.check_subgraph(sg)
        subsets = opts["_partition"](sg, taken)
        parts.extend(Partition(s, ops) for k, ops in subsets if k)
        n_trans += transitions(subsets)
        verdicts.extend(
            _verdict(sg, i, None if i in taken else rejected.get(i), caveats.get(i, ()))
            for i in range(len(sg.operators))
        )
    notes = ("every supported run of ops becomes a partition",)
    return TargetReport("xnnpack", xnnpack.SOURCE, tuple(verdicts), tuple(parts), n_trans, notes=notes)


_DYNAMIC_FIX = (
    "give the model a static input (keras.Input(..., batch_size=1)) or apply the static-shape rewrite "
    "so the converter folds the shape computation"
)


def _gpu(model: Model, subgraphs: tuple[int, ...], opts: Mapping[str, Any]) -> TargetReport:
    verdicts: list[OpVerdict] = []
    parts: list[Partition] = []
    model_reasons: list[Reason] = []
    n_trans = 0
    for s in subgraphs:
        sg = model.subgraphs[s]
        rejected: dict[int, Reject] = {}
        dynamic = gpu.dynamic_ops(sg)
        if dynamic:
            first = dynamic[0]
            msg = (
                f"subgraph {s}: {first.opcode} #{first.index} sizes its output from a run-time value, so the graph "
                "has dynamic tensors and the GPU delegate (static shapes only) is not applied"
            )
            model_reasons.append(Reason("DYNAMIC_TENSOR", msg, fix=_DYNAMIC_FIX))
            for op in sg.operators:
                rejected[op.index] = Reject("DYNAMIC_TENSOR", msg, fix=_DYNAMIC_FIX)
            verdicts.extend(_verdict(sg, i, rejected[i]) for i in range(len(sg.operators)))
            continue
        taken: set[int] = set()
        folded: set[int] = set()
        for op in sg.operators:
            t = sg.tensor(op.inputs[0]) if op.inputs else None
            if op.builtin == "DEQUANTIZE" and t is not None and t.dtype == "FLOAT16" and t.is_constant:
                taken.add(op.index)  # FP16GraphPartitionHelper folds float16 weights into the partition
                folded.update(op.outputs)
                continue
            try:
                gpu.check_op(sg, op, frozenset(folded))
                taken.add(op.index)
            except Reject as rej:
                rejected[op.index] = rej
        keep, trans = _keep_largest(
            sg, taken, 1, rejected, "the GPU delegate keeps only the largest partition", opts["_partition"]
        )
        n_trans += trans
        parts.extend(Partition(s, p) for p in keep)
        verdicts.extend(_verdict(sg, i, rejected.get(i)) for i in range(len(sg.operators)))
    caveats = []
    dyn_batch = [
        model.subgraphs[s].tensors[t].name
        for s in subgraphs
        for t in model.subgraphs[s].inputs
        if -1 in model.subgraphs[s].tensors[t].shape_signature
    ]
    if dyn_batch:
        caveats.append(
            f"input '{dyn_batch[0]}' has a dynamic dimension: the delegate compiles for the shape at delegation time; "
            "resizing later re-applies it (use a static input to avoid this)"
        )
    caveats.append("per-op checks of model_builder.cc beyond gpu_compatibility.cc (e.g. backend limits) are not ported")
    return TargetReport(
        "gpu",
        gpu.SOURCE,
        tuple(verdicts),
        tuple(parts),
        n_trans,
        tuple(model_reasons),
        tuple(caveats),
        ("the GPU delegate keeps only the largest partition (max_delegated_partitions = 1)",),
    )


def _tflm(model: Model, subgraphs: tuple[int, ...], opts: Mapping[str, Any]) -> TargetReport:
    arena = opts.get("arena_size")
    rejected, blockers = tflm.check_model(model, arena)
    verdicts: list[OpVerdict] = []
    for s in subgraphs:
        sg = model.subgraphs[s]
        verdicts.extend(_verdict(sg, i, rejected.get((s, i))) for i in range(len(sg.operators)))
    loads = not rejected and not blockers
    parts = tuple(Partition(s, tuple(range(len(model.subgraphs[s].operators)))) for s in subgraphs) if loads else ()
    notes = []
    first = _tflm_first_failure(model, rejected)
    if first is not None:
        s, i = first
        notes.append(
            f"the load stops at subgraph {s} op #{i} ({model.subgraphs[s].operators[i].opcode}): "
            f"{rejected[first].reason.message}"
        )
    model_reasons = list(blockers)
    if rejected:
        model_reasons.append(
            Reason("MODEL_LIMIT", f"{len(rejected)} op(s) cannot run: TFLite Micro loads the whole model or nothing")
        )
    caveats = ["arena size not checked (pass arena_size / --arena-size)"] if arena is None else []
    return TargetReport(
        "tflm", tflm.SOURCE, tuple(verdicts), parts, 0, tuple(model_reasons), tuple(caveats), tuple(notes)
    )


def _tflm_first_failure(model: Model, rejected: Mapping[tuple[int, int], Reject]) -> tuple[int, int] | None:
    """Registration of every op comes before any Prepare, so a missing kernel is named first."""
    keys = sorted(rejected)
    for k in keys:
        if rejected[k].reason.code == "UNSUPPORTED_OPERATOR":
            return k
    return keys[0] if keys else None


def _edgetpu(model: Model, subgraphs: tuple[int, ...], opts: Mapping[str, Any]) -> TargetReport:
    verdicts: list[OpVerdict] = []
    parts: list[Partition] = []
    n_trans = 0
    model_reasons: list[Reason] = []
    if len(model.subgraphs) > 1:
        model_reasons.append(
            Reason("MODEL_LIMIT", f"the model has {len(model.subgraphs)} subgraphs; only the first is mapped")
        )
    for s in subgraphs:
        sg = model.subgraphs[s]
        rejected: dict[int, Reject] = {}
        after: Reject | None = None
        if s != 0:
            after = Reject("MODEL_LIMIT", "the Edge TPU compiler maps only the first subgraph")
        for op in sg.operators:
            if after is not None:
                rejected[op.index] = after
                continue
            try:
                edgetpu.check_op(sg, op)
            except Reject as rej:
                rejected[op.index] = rej
                after = Reject(
                    "OUTSIDE_PARTITION",
                    f"after the first unmapped op #{op.index} ({op.opcode}) everything runs on the CPU",
                )
        mapped = [i for i in range(len(sg.operators)) if i not in rejected]
        if mapped:
            parts.append(Partition(s, tuple(mapped)))
            n_trans += 1 if len(mapped) < len(sg.operators) else 0
        verdicts.extend(
            _verdict(
                sg,
                i,
                rejected.get(i),
                [edgetpu.CAVEATS[sg.operators[i].builtin]] if sg.operators[i].builtin in edgetpu.CAVEATS else (),
            )
            for i in range(len(sg.operators))
        )
    caveats = ("the compiler may still decline an op for unpublished reasons ('some unspecified limitation')",)
    return TargetReport(
        "edgetpu",
        edgetpu.SOURCE,
        tuple(verdicts),
        tuple(parts),
        n_trans,
        tuple(model_reasons),
        caveats,
        ("one partition: the first op the compiler cannot map and every op after it run on the CPU",),
    )


def _nnapi(model: Model, subgraphs: tuple[int, ...], opts: Mapping[str, Any]) -> TargetReport:
    level = int(opts.get("nnapi_level") or nnapi.DEFAULT_LEVEL)
    verdicts: list[OpVerdict] = []
    parts: list[Partition] = []
    n_trans = 0
    for s in subgraphs:
        sg = model.subgraphs[s]
        rejected: dict[int, Reject] = {}
        taken: set[int] = set()
        for op in sg.operators:
            try:
                nnapi.check_op(sg, op, level)
                taken.add(op.index)
            except Reject as rej:
                rejected[op.index] = rej
        keep, trans = _keep_largest(
            sg,
            taken,
            nnapi.MAX_PARTITIONS,
            rejected,
            f"NNAPI keeps the {nnapi.MAX_PARTITIONS} largest partitions",
            opts["_partition"],
        )
        n_trans += trans
        parts.extend(Partition(s, p) for p in keep)
        verdicts.extend(_verdict(sg, i, rejected.get(i)) for i in range(len(sg.operators)))
    caveats = (
        f"checked at Android API level {level}: op versions, API levels and input types only; "
        "per-op operand checks of Validate and the device's driver support are not checked",
    )
    return TargetReport("nnapi", nnapi.SOURCE, tuple(verdicts), tuple(parts), n_trans, (), caveats)


_BUILDERS = {"xnnpack": _xnnpack, "gpu": _gpu, "tflm": _tflm, "edgetpu": _edgetpu, "nnapi": _nnapi}


def _with_alternatives(model: Model, report: TargetReport) -> TargetReport:
    """Add a builtin alternative as the fix of UNSUPPORTED_OPERATOR reasons that have none."""
    from dataclasses import replace

    from .fixes import alternative

    changed = False
    ops = list(report.operators)
    for k, v in enumerate(ops):
        if not v.reasons or v.reasons[0].code != "UNSUPPORTED_OPERATOR" or v.reasons[0].fix:
            continue
        op = model.subgraphs[v.subgraph].operators[v.index]
        fix = alternative(report.name, op.custom_code if op.is_custom and op.custom_code else op.builtin, op.is_custom)
        if fix:
            first = v.reasons[0]
            ops[k] = v._replace(reasons=(Reason(first.code, first.message, first.operand, fix), *v.reasons[1:]))
            changed = True
    return replace(report, operators=tuple(ops)) if changed else report


def compat(
    model: Model | str | os.PathLike[str] | bytes,
    targets: str | Iterable[str] | None = None,
    signature: str | None = None,
    nnapi_level: int | None = None,
    arena_size: int | None = None,
) -> CompatReport:
    """Per-target verdicts for ``model`` (a :class:`~tfl_inspect.model.Model` or a path).

    ``targets``: names from :data:`TARGETS` (default all). ``signature``: only that signature's
    subgraph and what it calls. ``nnapi_level``: Android API level for NNAPI (default 30).
    ``arena_size``: TFLite Micro tensor arena in bytes (unchecked when None).
    """
    if not isinstance(model, Model):
        from ..readers import load

        model = load(model)
    names = parse_targets(targets)
    subgraphs = _subgraphs(model, signature)
    opts = {"nnapi_level": nnapi_level or nnapi.DEFAULT_LEVEL, "arena_size": arena_size}
    work = {**opts, "_partition": PartitionCache()}
    reports = {n: _with_alternatives(model, _BUILDERS[n](model, subgraphs, work)) for n in names}
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
