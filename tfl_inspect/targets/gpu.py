"""Which ops LiteRT's GPU accelerator takes (ai-edge-litert 2.x ``HardwareAccelerator.GPU``).

The accelerator is ML Drift's WebGPU delegate. Ported from LiteRT f67457790c9c (2026-08-21), the commit
nearest the ai-edge-litert 2.3.0 wheel (its 58 parser classes are the wheel's):

- ``ml_drift_delegate/tflite/model_builder.cc``: ``NewOperationParser`` (which parser an op gets; no
  case = "Operation is not supported."), every parser's ``IsSupported`` with the ``PreCheck*`` helpers
  of ``operation_parser.cc`` (``ValidateSupport``: op version, ``CheckGpuDelegateCompatibility`` unless
  the parser turns it off, input/output counts), the StableHLO composites by name and the custom-op
  factory of ``ml_drift_delegate/delegate/composite/custom_parsers.cc``;
- ``GetOpsToReplaceWithOptions``: the tensor rank filter (every tensor below rank 5) and type filter
  (checked only on run-time arena tensors, with the per-op type sets);
- ``tflite/tools/versioning/gpu_compatibility.cc`` (the per-op checks the parsers call);
- ``tflite/delegates/utils.cc`` ``FP16GraphPartitionHelper`` (float16-weight DEQUANTIZE ops) and one
  partition kept (``max_delegated_partitions = 1``, ``mdd/delegate_webgpu.cc``), see
  :class:`~tfl_inspect.targets.policies.AcceleratorPartitions`;
- TFLite's refusal of a static-shape delegate when Prepare leaves a dynamic-sized tensor
  (``tflite/core/subgraph.cc``), from :mod:`.allocation`, as a whole-model refusal.

Operand classes (constant, computed at Prepare, run-time) come from :mod:`.allocation`: an operand
computed at Prepare (a SHAPE chain) counts as a run-time input for the parsers and is exempt from
the type filter, as in the runtime. Checked op for op against the accelerator itself (tests/targets).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..remedies import Remedy
from ._tensors import dynamic_inputs
from .allocation import ARENA, CONSTANT, Allocation, Allocations, allocation
from .base import SubgraphCheck, Target, TargetReport
from .gpu_checks import BF16, F16, F32, INTS, UINTS, Node, fail
from .gpu_parsers import FACTORY, FACTORY_BOOL, PARSERS, parser_for
from .opkey import OpKeys
from .policies import AcceleratorCheck, AcceleratorPartitions
from .reasons import Reason, Reject

if TYPE_CHECKING:
    from ..model import Model, Operator, Subgraph
    from .partitions import PartitionCache

__all__ = ["SOURCE", "allowed_types", "check_op", "refusal", "TARGET"]

SOURCE = (
    "LiteRT ml_drift_delegate/tflite/model_builder.cc + tflite/tools/versioning/gpu_compatibility.cc + "
    "tflite/delegates/utils.cc @ f67457790c9c (2026-08-21), the ai-edge-litert 2.3.0 GPU accelerator"
)


# -- GetOpsToReplaceWithOptions' tensor filter ---------------------------------------------------------

_COMPARE = frozenset(("GREATER", "GREATER_EQUAL", "LESS", "LESS_EQUAL", "EQUAL", "NOT_EQUAL"))
_LOGICAL = frozenset(("LOGICAL_AND", "LOGICAL_OR", "LOGICAL_NOT", "BITWISE_XOR"))
_BF16_OPS = frozenset(
    (
        "ABS ADD ATAN2 STABLEHLO_CBRT CEIL STABLEHLO_CLAMP CONV_2D COS DIV EXP FLOOR GATHER LOG LOGISTIC MAXIMUM "
        "MINIMUM MUL NEG POW ROUND RSQRT SIGN SIN SQRT SUB TANH"
    ).split()
)
_INT_OPS = frozenset(
    (
        "ABS ADD ATAN2 COS DIV FLOOR_DIV FLOOR_MOD MAXIMUM MINIMUM MUL NEG REDUCE_MAX REDUCE_MIN REDUCE_PROD "
        "RIGHT_SHIFT SIGN SIN STABLEHLO_CLAMP SUB SUM STABLEHLO_REMAINDER TILE"
    ).split()
)
_ALL_PRECISION = frozenset(
    (
        "STABLEHLO_BROADCAST_IN_DIM BITCAST CAST CONCATENATION DYNAMIC_UPDATE_SLICE GATHER PACK PAD PADV2 RESHAPE "
        "REVERSE_V2 SELECT SELECT_V2 SLICE STRIDED_SLICE TRANSPOSE"
    ).split()
)


def allowed_types(op: Operator) -> tuple[frozenset[str], frozenset[str]]:
    """The input and output types the filter lets through for ``op`` (allow_quant_ops, bool tensors on)."""
    b = op.builtin
    name = op.custom_code if b == "CUSTOM" else (op.options.get("name") if b == "STABLEHLO_COMPOSITE" else None)
    return _allowed_types(b, name if isinstance(name, str) else None)


@functools.cache
def _allowed_types(b: str, name: str | None) -> tuple[frozenset[str], frozenset[str]]:
    ins = {F32, F16, "BOOL", "INT2", "INT4", "INT8", "UINT8"}
    outs = {F32, F16, "INT8", "UINT8"}
    if b == "ARG_MAX":
        outs = {"INT32"}
    if b in ("REDUCE_ALL", "REDUCE_ANY"):
        ins, outs = {"BOOL"}, {"BOOL"}
    if b in ("EMBEDDING_LOOKUP", "ONE_HOT", "DYNAMIC_UPDATE_SLICE"):
        ins.add("INT32")
    if b in _COMPARE:
        ins |= {*INTS, *UINTS}
        outs.add("BOOL")
    if b in _LOGICAL:
        ins = {"BOOL", *INTS}
        outs = {"BOOL", *INTS}
    if b == "TOPK_V2":
        outs.add("INT32")
    if b in _BF16_OPS:
        ins.add(BF16)
        outs.add(BF16)
    if b in _INT_OPS:
        ins |= set(INTS)
        outs |= set(INTS)
    if b == "STABLEHLO_COMPOSITE" and name in FACTORY_BOOL:
        ins.add("BOOL")
        outs.add("BOOL")
    if name in FACTORY:
        ins.add("INT32")
    if b in _ALL_PRECISION:
        ins |= {*INTS, *UINTS, "BOOL", BF16}
        outs |= {*INTS, *UINTS, "BOOL", BF16}
    if b == "STABLEHLO_SHIFT_LEFT":
        ins |= set(INTS)
        outs |= set(INTS)
    return frozenset(ins), frozenset(outs)


def _tensor_filter(n: Node) -> None:
    """``IsAllAllowedTensors`` on inputs then outputs: rank < 5 for every tensor, type for arena tensors."""
    ins, outs = allowed_types(n.op)
    tensors, classes = n.sg.tensors, n.classes
    for role, idx, allowed in (("input", n.inputs, ins), ("output", n.outputs, outs)):
        for slot, t in enumerate(idx):
            if t < 0:
                continue
            tensor = tensors[t]
            if len(tensor.shape) >= 5:
                raise fail(
                    "UNSUPPORTED_OPERAND_RANK",
                    f"Tensor dimensions must be less than 5. {tensor.name} "
                    f"({role} {slot} has rank {len(tensor.shape)})",
                    f"{role} {slot}",
                )
            if tensor.dtype not in allowed and classes[t] == ARENA:
                raise fail(
                    "UNSUPPORTED_OUTPUT_TYPE" if role == "output" else "UNSUPPORTED_INPUT_TYPE",
                    f"Tensor type({tensor.dtype}) is not supported. {tensor.name} ({role} {slot}; "
                    f"{n.op.opcode} takes {', '.join(sorted(allowed))} here)",
                    f"{role} {slot}",
                )


_NO_KERNEL_FIX: dict[str, Any] = {
    "SHAPE": Remedy.STATIC_SHAPES_FOLD,
    "EXPAND_DIMS": "use RESHAPE with a constant shape",
    "SQUEEZE": "use RESHAPE with a constant shape",
}


def check_op(
    sg: Subgraph, op: Operator, alloc: Allocation | None = None, remap: Mapping[int, int] | None = None
) -> None:
    """Raise :class:`Reject` when the GPU accelerator would leave ``op`` on the CPU.

    ``alloc``: the subgraph's allocation classes (computed when not given); ``remap``: float16-weight
    DEQUANTIZE outputs → their constant inputs, as ``FP16GraphPartitionHelper`` points consumers.
    """
    n = Node(sg, op, alloc if alloc is not None else allocation(sg), remap or {})
    parser, _ = parser_for(op)
    try:
        parser(n)
    except Reject as rej:
        if rej.reason.code == "UNSUPPORTED_OPERATOR" and not rej.reason.fix and op.builtin in _NO_KERNEL_FIX:
            raise fail(rej.reason.code, rej.reason.message, rej.reason.operand, _NO_KERNEL_FIX[op.builtin]) from None
        raise
    except IndexError:
        raise fail("MISSING_REQUIRED_OPERAND", "an operand the parser reads is missing") from None
    except (TypeError, ValueError):  # an option the file does not give (None where the parser wants a number)
        raise fail("INVALID_ARGUMENT", f"{op.opcode}: an option the parser reads is missing or malformed") from None
    _tensor_filter(n)


def refusal(
    model: Model, allocations: Allocations | None = None, skipped: frozenset[int] = frozenset()
) -> Reason | None:
    """The whole-model refusal, if any: the first subgraph (in index order) whose Prepare leaves a dynamic-sized
    tensor. ``skipped``: subgraphs the interpreter does not hand the delegate (decompositions it lowers)."""
    allocs = allocations or Allocations(model)
    for sg in model.subgraphs:
        if sg.index in skipped or _validation(sg):
            continue
        a = allocs(sg.index)
        if a is not None and a.dynamic is not None:
            return _refusal_reason(sg, a.dynamic)
    return None


def _refusal_reason(sg: Subgraph, dynamic: tuple[int, str]) -> Reason:
    t, why = dynamic
    name = sg.tensors[t].name if 0 <= t < len(sg.tensors) else "?"
    msg = f"the GPU accelerator refuses this model: tensor #{t} '{name}' (subgraph {sg.index}) is dynamic-sized: {why}"
    types = sg.tensors[t].dtype if 0 <= t < len(sg.tensors) else ""
    if types in ("STRING", "RESOURCE", "VARIANT") or "READ_VARIABLE" in why:
        fix: Any = (
            "keep strings and resource variables out of the model "
            "(pre/post-process on the CPU, pass state as inputs/outputs)"
        )
    else:
        fix = (
            Remedy.STATIC_INPUT_SHORT,
            " or apply the static-shape rewrite so the converter folds the shape computation",
        )
    return Reason("DYNAMIC_TENSOR", msg, fix=fix)


def _validation(sg: Subgraph) -> bool:
    return (sg.name or "").startswith("VALIDATION:")


class Gpu(Target):
    name = "gpu"
    title = "GPU accelerator"
    source = SOURCE
    summary = (
        "LiteRT's GPU accelerator (CompiledModel with HardwareAccelerator.GPU, ai-edge-litert 2.x; "
        "the classic TfLiteGpuDelegateV2 is gpu-classic)"
    )
    verified = (
        "op for op against ai-edge-litert 2.3.0's GPU accelerator (WebGPU on Mesa lavapipe) over the samples, "
        "the LiteRT test models, third-party and converter-made models (tests/targets/test_gpu_oracle.py)"
    )
    policy = AcceleratorPartitions(1, "the GPU accelerator keeps only the largest partition")

    def check_subgraph(self, sg: Subgraph, options: Mapping[str, Any]) -> SubgraphCheck:
        return self._check(sg, allocation(sg))

    def _check(self, sg: Subgraph, alloc: Allocation) -> AcceleratorCheck:
        check = AcceleratorCheck()
        remap: dict[int, int] = {}
        tensors = sg.tensors
        taken_like: set[tuple[Any, ...]] = set()  # ops already taken, by everything their checks read
        keys = OpKeys(sg, alloc.classes.__getitem__)
        for op in sg.operators:
            t = op.inputs[0] if op.inputs else -1
            if (
                op.builtin == "DEQUANTIZE"
                and t >= 0
                and tensors[t].dtype == F16
                and alloc.of(t) == CONSTANT
                and op.outputs
            ):
                remap[op.outputs[0]] = t  # FP16GraphPartitionHelper: consumers read the float16 constant
                check.fp16.add(op.index)
                continue
            key = keys.op(op, [remap.get(t, t) for t in op.inputs] if remap else op.inputs)
            if key in taken_like:
                check.taken.add(op.index)
                continue
            try:
                check_op(sg, op, alloc, remap)
                check.taken.add(op.index)
                taken_like.add(key)
            except Reject as rej:
                check.rejected[op.index] = rej
        return check

    def supports_builtin(self, builtin: str) -> bool:
        return builtin in PARSERS and builtin not in ("BITWISE_XOR", "RELU_0_TO_1")

    def assess(
        self, model: Model, subgraphs: tuple[int, ...], options: Mapping[str, Any], cache: PartitionCache
    ) -> TargetReport:
        """Subgraph by subgraph in index order, as ``Interpreter::ModifyGraphWithDelegate`` applies the
        accelerator: a dynamic-sized tensor refuses the whole model; a composite the accelerator takes
        makes its decomposition subgraph skippable (``BuildModel``)."""
        allocs = Allocations(model)
        checks: dict[int, AcceleratorCheck] = {}
        skipped: dict[int, str] = {}
        for sg in model.subgraphs:
            s = sg.index
            if _validation(sg):
                checks[s] = AcceleratorCheck(not_run="a validation subgraph, which LiteRT hands no delegate")
                continue
            if s in skipped:
                checks[s] = AcceleratorCheck(not_run=skipped[s])
                continue
            alloc = allocs(s)
            assert alloc is not None
            if alloc.dynamic is not None:
                reason = _refusal_reason(sg, alloc.dynamic)
                return self.policy.refused(
                    self, model, subgraphs, reason, self.target_caveats(model, subgraphs, options)
                )
            check = checks[s] = self._check(sg, alloc)
            for i in self.policy.kept(sg, check, cache):
                op = sg.operators[i]
                if op.builtin == "STABLEHLO_COMPOSITE":
                    ref = op.options.get("decomposition_subgraph_index")
                    if isinstance(ref, int) and ref > s:
                        skipped.setdefault(
                            ref,
                            f"the GPU accelerator lowers {op.options.get('name')} (subgraph {s} op #{i}) itself and "
                            "marks this decomposition subgraph skippable, so it never runs",
                        )
        # A subgraph the runtime never runs (a decomposition it lowers itself, a validation subgraph) has no ops
        # on any processor: it is left out of the counts and said in a note.
        chosen = {s: checks[s] for s in subgraphs if s in checks and checks[s].not_run is None}
        report = self.policy.report(self, model, chosen, [], options, cache)
        skipped_notes = tuple(
            f"subgraph {s} ({len(model.subgraphs[s].operators)} ops) is not counted: {checks[s].not_run}"
            for s in subgraphs
            if s in checks and checks[s].not_run is not None
        )
        return replace(report, notes=(*report.notes, *skipped_notes)) if skipped_notes else report

    def target_caveats(self, model: Model, subgraphs: tuple[int, ...], options: Mapping[str, Any]) -> list[str]:
        caveats = []
        dyn = dynamic_inputs(model, subgraphs)
        if dyn:
            caveats.append(
                f"input '{dyn[0]}' has a dynamic dimension: the accelerator compiles for the shape at load time; "
                "resizing later recompiles (use a static input to avoid this)"
            )
        caveats.append(
            "backend limits met only when the accelerator builds its kernels (e.g. shader or buffer sizes of the "
            "device) are not checked here"
        )
        return caveats


TARGET = Gpu()
