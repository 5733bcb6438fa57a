"""What LiteRT's NPU compiler plugins share: the SoC option, the load, the partition call, composites.

LiteRT compiles a model ahead of time for an NPU with a vendor's compiler plugin
(``apply_plugin_main``, ``ai_edge_litert.aot``). ``PartitionModel``
(``litert/compiler/plugin/compiler_plugin.cc``, LiteRT commit
f67457790c9c2ab67347d6fe53270e8d3df20868, the nearest public commit to the ai-edge-litert 2.3.0
wheel) loads the model with LiteRT's own loader, then asks the plugin's
``LiteRtCompilerPluginPartition`` which ops of each subgraph it selects — every subgraph except the
bodies of composites. A composite the plugin does not select is inlined (its body's ops replace it)
and the subgraph is asked again; ``odml.npu_call`` always goes to the NPU, ``odml.cpu_call`` never.
The selected ops are grouped into runs of consecutive ops (:class:`.policies.ConsecutiveRuns`), each
compiled into one ``DISPATCH_OP``. A failing partition call stops the whole compilation: nothing is
compiled, which compat reports at model level.

A vendor module defines an :class:`NpuTarget` with its SoCs, its per-op selection and what makes
its partition call fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from ..compiled import compiled
from ..remedies import Remedy
from .base import SubgraphCheck, Target, TargetOption, TargetReport
from .policies import ConsecutiveRuns
from .reasons import Reason, Reject

if TYPE_CHECKING:
    from ..compiled import CompiledModel
    from ..model import Model, Operator, Subgraph
    from .partitions import PartitionCache

__all__ = [
    "SOC",
    "NpuTarget",
    "loader_refusal",
    "composite_name",
    "no_kernel_fix",
    "BODY_LOWERED",
    "NPU_CALL",
    "CPU_CALL",
]

SOC = TargetOption(
    "soc",
    "--soc",
    "SOC",
    "the NPU's SoC for the NPU targets (qualcomm: SM8650…, intel: LNL, PTL, mediatek: MT6989…, "
    "google-tensor: Tensor_G5…); comma-separated for several vendors; default: each vendor's current flagship",
    kind=str,
    shared=True,
)

NPU_CALL, CPU_CALL = "odml.npu_call", "odml.cpu_call"
BODY_LOWERED = "not run: the NPU compiles the composite that calls this subgraph as a whole"

# LiteRT's loader (litert/core/model/model_load.cc UnpackOp/UnpackTensor) refuses these before any plugin runs.
_LOADER = "LiteRT's model loader refuses the file, so no compiler plugin sees it"


def loader_refusal(model: Model) -> Reason | None:
    """Why ``LoadModelFromFile`` fails (``litert/core/model/model_load.cc``), or None (once per model)."""
    cache = model._cache
    if "litert_loader_refusal" not in cache:
        cache["litert_loader_refusal"] = _loader_refusal(model)
    found: Reason | None = cache["litert_loader_refusal"]
    return found


def _loader_refusal(model: Model) -> Reason | None:
    for sg in model.subgraphs:
        for t in sg.tensors:
            if t.is_variable:
                return Reason(
                    "MODEL_LIMIT",
                    f"{_LOADER}: tensor '{t.name}' (subgraph {sg.index}) is a variable tensor "
                    '("Variable tensors not yet supported")',
                )
            q = t.quantization
            ns, nz = (len(q.scale), len(q.zero_point)) if q is not None else (0, 0)
            # MapQuantization (flatbuffer_to_litert.cc): one scale or one zero point reads as per-tensor
            if ns != 1 and nz != 1 and max(ns, nz) > 1 and ns != nz:
                return Reason(
                    "MODEL_LIMIT",
                    f"{_LOADER}: tensor '{t.name}' (subgraph {sg.index}) has {ns} per-channel scales and "
                    f'{nz} zero points ("Invalid per-channel quantization parameters")',
                )
        for op in sg.operators:
            if op.intermediates:
                return Reason(
                    "MODEL_LIMIT",
                    f"{_LOADER}: op #{op.index} ({op.opcode}, subgraph {sg.index}) has intermediate tensors "
                    '("Intermediate tensors not yet supported")',
                )
    return None


def no_kernel_fix(builtin: str) -> Remedy | None:
    """The change that removes an op an NPU plugin has no kernel for, where one exists without a builtin
    alternative (:mod:`.fixes` offers those): a SHAPE folds away with static input shapes."""
    return Remedy.STATIC_BATCH_FOLDS_SHAPES if builtin == "SHAPE" else None


def composite_name(op: Operator) -> str:
    return str(op.options.get("name", "")) if op.builtin == "STABLEHLO_COMPOSITE" else ""


class NpuTarget(Target):
    """One vendor's compiler plugin: :meth:`select` is its per-op decision, :meth:`stops` its whole-run failures."""

    vendor: ClassVar[str]  # the manufacturer name the plugin answers to (apply_plugin --soc_manufacturer)
    socs: ClassVar[Mapping[str, str]]  # SoC model → what it is (shown in the report's title)
    default_soc: ClassVar[str]
    plain: ClassVar[frozenset[str]] = frozenset()  # builtins the plugin selects whatever their operands
    options = (SOC,)
    policy = ConsecutiveRuns()

    # --- the SoC ----------------------------------------------------------------------------
    def _canonical(self, item: str) -> str | None:
        key = item.strip().lower()
        return next((s for s in self.socs if s.lower() == key), None)

    def accepts(self, option: str, item: str) -> bool:
        return option == SOC.name and self._canonical(item) is not None

    def accepted(self, option: str) -> str:
        return ", ".join(self.socs) if option == SOC.name else ""

    def soc(self, options: Mapping[str, Any]) -> str:
        """The SoC this target checks: the first ``--soc`` item that is one of its own, else its default."""
        value = options.get(SOC.name)
        for item in str(value).split(",") if value else ():
            found = self._canonical(item)
            if found is not None:
                return found
        return self.default_soc

    def compiled_for_me(self, npu: CompiledModel | None, soc: str) -> bool:
        """The model is this vendor's bytecode for this SoC (its LiteRtStamp): the DISPATCH_OPs run here."""
        if npu is None or npu.kind == "ethos-u" or npu.partition_subgraphs or npu.refused or not npu.manufacturer:
            return False
        return npu.manufacturer.lower().startswith(self.vendor.lower()) and (npu.soc or "").lower() == soc.lower()

    def compiled_reason(self, model: Model, npu: CompiledModel, options: Mapping[str, Any]) -> Reason | None:
        if self.compiled_for_me(npu, self.soc(options)):
            return None
        return super().compiled_reason(model, npu, options)

    def title_for(self, options: Mapping[str, Any]) -> str:
        return f"{self.title} ({self.soc(options)})"

    def target_notes(self, options: Mapping[str, Any]) -> list[str]:
        soc = self.soc(options)
        detail = self.socs.get(soc, "")
        others = ", ".join(s for s in self.socs if s != soc)
        return [f"checked for SoC {soc}{f' ({detail})' if detail else ''}; --soc takes {others}"]

    # --- what a vendor defines ----------------------------------------------------------------
    def select(self, sg: Subgraph, op: Operator, soc: str) -> None:
        """Raise :class:`Reject` when the plugin does not select ``op`` (its reason, in words)."""
        raise NotImplementedError

    def selected_unseen(self, sg: Subgraph) -> Callable[[Operator], bool]:
        """For ``sg``, a cheap test of the ops the plugin selects without a look at their operands: by default
        a builtin in :attr:`plain`. A plugin whose rule is another (a deny list, operand types) says so here."""
        plain = self.plain
        return lambda op: op.builtin in plain and op.custom_code is None

    def refusals(self, sg: Subgraph, soc: str) -> dict[int, Reject]:
        """Every op of ``sg`` the plugin does not select (composites judged as ops), with why.

        Ops :meth:`selected_unseen` clears are skipped fast (a 10k-op model is checked by every target in
        well under a second).
        """
        unseen = self.selected_unseen(sg)
        out: dict[int, Reject] = {}
        for op in sg.operators:
            if unseen(op):
                continue
            try:
                self.select(sg, op, soc)
            except Reject as rej:
                out[op.index] = rej
        return out

    def stops(self, model: Model, visited: Iterable[int], soc: str) -> Reason | None:
        """Why the plugin's partition call fails on the subgraphs it visits (nothing compiles), or None."""
        return None

    def check_subgraph(self, sg: Subgraph, options: Mapping[str, Any]) -> SubgraphCheck:
        """Per-op selection of one subgraph on its own (no composite inlining): see :meth:`assess`."""
        rejected = self.refusals(sg, self.soc(options))
        return SubgraphCheck(set(range(len(sg.operators))) - set(rejected), rejected)

    # --- the partition call over the model ------------------------------------------------------
    def assess(
        self, model: Model, subgraphs: tuple[int, ...], options: Mapping[str, Any], cache: PartitionCache
    ) -> TargetReport:
        soc = self.soc(options)
        run = _Run(self, model, soc, self.compiled_for_me(compiled(model), soc))
        stop = loader_refusal(model) or self.stops(model, run.visited(), soc)
        if stop is not None:
            rej = Reject(stop.code, stop.message, stop.operand, stop.fix)
            checks = {
                s: SubgraphCheck(rejected=dict.fromkeys(range(len(model.subgraphs[s].operators)), rej))
                for s in subgraphs
            }
            return self.policy.report(self, model, checks, [stop], options, cache)
        checks = {s: run.check(s) for s in subgraphs}
        return self.policy.report(self, model, checks, [], options, cache)


class _Run:
    """One ``PartitionModel`` call: which subgraphs the plugin partitions, and what it does with composites."""

    def __init__(self, target: NpuTarget, model: Model, soc: str, compiled_here: bool = False) -> None:
        self.target = target
        self.model = model
        self.soc = soc
        self.compiled_here = compiled_here  # the model's DISPATCH_OPs are this plugin's bytecode for this SoC
        self.body_of: dict[int, tuple[int, int]] = {}  # body subgraph → (subgraph, composite op) calling it
        self.composites: dict[int, list[int]] = {}  # subgraph → its composite ops
        for sg in model.subgraphs:
            for op in sg.operators:
                if op.builtin == "STABLEHLO_COMPOSITE":
                    self.composites.setdefault(sg.index, []).append(op.index)
                    for _, ref in op.called():
                        if 0 <= ref < len(model.subgraphs):
                            self.body_of.setdefault(ref, (sg.index, op.index))
        self._refused: dict[int, dict[int, Reject]] = {}

    def refused(self, s: int) -> dict[int, Reject]:
        """The plugin's answers for one subgraph's ops (composites as ops, before any inlining)."""
        out = self._refused.get(s)
        if out is None:
            sg = self.model.subgraphs[s]
            out = self._refused[s] = self.target.refusals(sg, self.soc)
            for op in sg.operators:
                if op.custom_code == "DISPATCH_OP" and self.compiled_here:
                    out.pop(op.index, None)  # a partition this plugin compiled for this SoC: it runs on the NPU
                elif op.custom_code == "DISPATCH_OP":
                    out[op.index] = Reject(
                        "UNSUPPORTED_OPERATOR",
                        "already compiled for an NPU: a DISPATCH_OP runs through its vendor's dispatch library",
                    )
            for i in self.composites.get(s, ()):
                name = composite_name(sg.operators[i])
                if name == NPU_CALL:
                    out.pop(i, None)
                elif name == CPU_CALL:
                    out[i] = Reject("UNSUPPORTED_OPERATOR", "odml.cpu_call: the model keeps this part on the CPU")
        return out

    def decide(self, s: int, i: int) -> Reject | None:
        return self.refused(s).get(i)

    def body(self, op: Operator) -> int | None:
        refs = [ref for _, ref in op.called() if 0 <= ref < len(self.model.subgraphs)]
        return refs[0] if refs else None

    def inlined(self, s: int, i: int) -> bool:
        """A composite of a partitioned subgraph the plugin does not select: its body replaces it."""
        op = self.model.subgraphs[s].operators[i]
        return (
            s not in self.body_of
            and op.builtin == "STABLEHLO_COMPOSITE"
            and composite_name(op) not in (NPU_CALL, CPU_CALL)
            and self.decide(s, i) is not None
            and self.body(op) is not None
        )

    def body_state(self, b: int, seen: frozenset[int] = frozenset()) -> str:
        """``lowered`` (the composite calling ``b`` goes to the NPU whole), ``inlined`` or ``cpu``."""
        if b not in self.body_of or b in seen:
            return "cpu"
        s, i = self.body_of[b]
        if s not in self.body_of:  # called from a partitioned subgraph
            if self.decide(s, i) is None:
                return "lowered"
            return "cpu" if composite_name(self.model.subgraphs[s].operators[i]) == CPU_CALL else "inlined"
        outer = self.body_state(s, seen | {b})
        if outer == "lowered":
            return "lowered"
        # inlined with its caller, a nested composite is one op: the plugin takes it whole or it runs on the CPU
        return "lowered" if outer == "inlined" and self.decide(s, i) is None else "cpu"

    def visited(self) -> list[int]:
        """The subgraphs whose ops the partition call sees: every partitioned one and every inlined body."""
        out = [s for s in range(len(self.model.subgraphs)) if s not in self.body_of]
        out += [b for b in self.body_of if self.body_state(b) == "inlined"]
        return out

    def check(self, s: int) -> SubgraphCheck:
        sg = self.model.subgraphs[s]
        check = SubgraphCheck()
        if s in self.body_of:
            check.partitioned = False
            state = self.body_state(s)
            for op in sg.operators:
                rej = self.decide(s, op.index) if state == "inlined" else None
                if state == "cpu":
                    c, ci = self.body_of[s]
                    rej = Reject(
                        "UNSUPPORTED_OPERATOR",
                        f"runs on the CPU in the body of composite #{ci} of subgraph {c}, which stays on the CPU",
                    )
                if rej is None:
                    check.taken.add(op.index)
                    if state == "lowered":
                        check.caveats.setdefault(op.index, []).append(BODY_LOWERED)
                else:
                    check.rejected[op.index] = rej
            return check
        check.rejected = dict(self.refused(s))
        for i in self.composites.get(s, ()):
            if not self.inlined(s, i):
                continue
            b = self.body(sg.operators[i])
            assert b is not None
            refused = self.refused(b)
            flags = tuple(j not in refused for j in range(len(self.model.subgraphs[b].operators)))
            check.inlined[i] = (b, flags)
            why = check.rejected.pop(i)
            if not all(flags):
                check.rejected[i] = Reject(
                    why.reason.code,
                    f"{why.reason.message}; the plugin inlines its body (subgraph {b}): "
                    f"{sum(flags)} of {len(flags)} ops go to the NPU",
                    why.reason.operand,
                    why.reason.fix,
                )
        check.taken = set(range(len(sg.operators))) - set(check.rejected)
        return check
