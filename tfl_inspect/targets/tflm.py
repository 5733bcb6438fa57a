"""Will TensorFlow Lite Micro load the model: its op resolver plus the kernel checks that fail at prepare.

Tables follow tensorflow/tflite-micro at commit 90b983c2b3f1480642e040bbd2ddb37b998f3424
(2026-08-20): the ops of ``python/tflite_micro/python_ops_resolver.cc`` (the resolver of the
``tflite-micro`` Python package, a superset of what ``micro_mutable_op_resolver.h`` offers,
with the custom names from that header), and the ``Prepare`` checks of
``tensorflow/lite/micro/kernels/*.cc`` that converted models commonly trip. TFLM is all or
nothing: ``MicroInterpreter::AllocateTensors`` stops at the first op without a registration
(in subgraph order) or whose ``Prepare`` fails, so the first flagged op is the one it names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..remedies import Remedy
from ._tensors import affine, need, slot_name
from .base import SubgraphCheck, Target, TargetOption, TargetReport
from .policies import WholeModelOrNothing
from .reasons import Reason, Reject

if TYPE_CHECKING:
    from ..model import Model, Operator, Subgraph
    from .partitions import PartitionCache

__all__ = ["SOURCE", "BUILTINS", "check_model", "TARGET"]

SOURCE = "tflite-micro python/tflite_micro/python_ops_resolver.cc + kernels/*.cc @ 90b983c2b3f1 (2026-08-20)"

BUILTINS = frozenset(
    """ABS ADD ADD_N ARG_MAX ARG_MIN ASSIGN_VARIABLE AVERAGE_POOL_2D BATCH_MATMUL BATCH_TO_SPACE_ND
    BROADCAST_ARGS BROADCAST_TO CALL_ONCE CAST CEIL CONCATENATION CONV_2D COS CUMSUM DEPTH_TO_SPACE
    DEPTHWISE_CONV_2D DEQUANTIZE DIV DYNAMIC_UPDATE_SLICE ELU EMBEDDING_LOOKUP EQUAL EXP EXPAND_DIMS FILL
    FLOOR FLOOR_DIV FLOOR_MOD FULLY_CONNECTED GATHER GATHER_ND GREATER GREATER_EQUAL HARD_SWISH IF
    L2_NORMALIZATION L2_POOL_2D LEAKY_RELU LESS LESS_EQUAL LOG LOG_SOFTMAX LOGICAL_AND LOGICAL_NOT
    LOGICAL_OR LOGISTIC MAX_POOL_2D MAXIMUM MEAN MINIMUM MIRROR_PAD MUL NEG NOT_EQUAL PACK PAD PADV2
    PRELU QUANTIZE READ_VARIABLE REDUCE_ALL REDUCE_MAX REDUCE_MIN RELU RELU6 RESHAPE RESIZE_BILINEAR
    RESIZE_NEAREST_NEIGHBOR REVERSE_V2 ROUND RSQRT SELECT_V2 SHAPE SIN SLICE SOFTMAX SPACE_TO_BATCH_ND
    SPACE_TO_DEPTH SPLIT SPLIT_V SQRT SQUARE SQUARED_DIFFERENCE SQUEEZE STRIDED_SLICE SUB SUM SVDF TANH
    TRANSPOSE TRANSPOSE_CONV UNIDIRECTIONAL_SEQUENCE_LSTM UNPACK VAR_HANDLE WHILE ZEROS_LIKE""".split()
)

# Kernel Prepare checks: builtin → function raising Reject (file named in each docstring).
_Check = Callable[["Subgraph", "Operator"], None]


def _dtype(sg: Subgraph, t: int) -> str:
    tensor = sg.tensor(t)
    return tensor.dtype if tensor is not None else "OMITTED"


def _dequantize(sg: Subgraph, op: Operator) -> None:
    """kernels/dequantize_common.cc:42 — input INT8, INT16 or UINT8 (no FLOAT16 weights)."""
    t = _dtype(sg, op.inputs[0])
    fix = Remedy.NO_FLOAT16_WEIGHTS
    need(
        t in ("INT8", "INT16", "UINT8"),
        "UNSUPPORTED_INPUT_TYPE",
        f"input is {t}; TFLM dequantizes only INT8, INT16 or UINT8",
        "input 0",
        fix,
    )


def _fully_connected(sg: Subgraph, op: Operator) -> None:
    """kernels/fully_connected.cc Prepare — no hybrid (float input with integer weights)."""
    i, f, o = _dtype(sg, op.inputs[0]), _dtype(sg, op.inputs[1]), _dtype(sg, op.outputs[0])
    need(i == o, "UNSUPPORTED_OUTPUT_TYPE", f"input is {i} but output is {o}")
    ok = (
        (i == "FLOAT32" and f == "FLOAT32")
        or (i == "INT8" and f in ("INT8", "INT4"))
        or (i == "INT16" and f == "INT8")
        or i not in ("FLOAT32", "INT8", "INT16")
    )
    need(
        ok,
        "UNSUPPORTED_HYBRID_OPERATOR" if i == "FLOAT32" else "UNSUPPORTED_INPUT_TYPE",
        f"input {i} with weights {f}: TFLM has no such kernel (dynamic-range/hybrid)",
        "input 1 (weights)",
        Remedy.FULL_INTEGER_OR_FLOAT,
    )


def _batch_matmul(sg: Subgraph, op: Operator) -> None:
    """kernels/batch_matmul.cc:198 — both operands of one type."""
    a, b = _dtype(sg, op.inputs[0]), _dtype(sg, op.inputs[1])
    need(a == b, "UNSUPPORTED_INPUT_TYPE", f"operands are {a} and {b}; TFLM needs one type", "input 1")


def _space_to_depth(sg: Subgraph, op: Operator) -> None:
    """kernels/space_to_depth.cc:53 — FLOAT32 or INT8."""
    t = _dtype(sg, op.inputs[0])
    need(t in ("FLOAT32", "INT8"), "UNSUPPORTED_INPUT_TYPE", f"input is {t}; TFLM takes FLOAT32 or INT8", "input 0")


def _broadcast_to(sg: Subgraph, op: Operator) -> None:
    """kernels/broadcast_to.cc — output of rank 1 to 5."""
    out = sg.tensor(op.outputs[0])
    rank = len(out.shape) if out is not None else 0
    need(1 <= rank <= 5, "UNSUPPORTED_OPERAND_RANK", f"output has rank {rank}; TFLM broadcasts to 1-5 dims", "output")


def _squeeze(sg: Subgraph, op: Operator) -> None:
    """kernels/squeeze.cc:74 — every squeezed dim exists and is 1."""
    t = sg.tensor(op.inputs[0])
    if t is None:
        return
    for d in op.options.get("squeeze_dims", []) or []:
        k = d + len(t.shape) if d < 0 else d
        need(
            0 <= k < len(t.shape) and t.shape[k] == 1,
            "UNSUPPORTED_OPERAND_VALUE",
            f"squeeze dim {d} of shape {list(t.shape)} is not 1",
        )


def _quantized_output(sg: Subgraph, op: Operator) -> None:
    """kernels/add_common.cc:41 (and sub/mul) — INT8/INT16 outputs carry quantization."""
    out = sg.tensor(op.outputs[0]) if op.outputs else None
    if out is not None and out.dtype in ("INT8", "INT16"):
        need(
            affine(out), "UNSUPPORTED_QUANTIZATION_PARAMETERS", f"output {out.dtype} has no scale/zero point", "output"
        )


def _svdf(sg: Subgraph, op: Operator) -> None:
    """kernels/svdf_common.cc:411 — output width equals num_filters / rank."""
    w, out = sg.tensor(op.inputs[1]), sg.tensor(op.outputs[0])
    rank = int(op.options.get("rank", 0) or 0)
    if w is None or out is None or rank <= 0 or len(out.shape) < 2:
        return
    units = w.shape[0] // rank
    need(
        out.shape[1] == units,
        "UNSUPPORTED_OPERAND_SIZE",
        f"output width {out.shape[1]} differs from num_filters/rank = {units}",
        "output",
    )


_LSTM_NEEDED = (0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 14, 15, 18, 19)
_LSTM_ABSENT = {
    9: "peephole",
    10: "peephole",
    11: "peephole",
    16: "projection",
    17: "projection",
    20: "layer norm",
    21: "layer norm",
    22: "layer norm",
    23: "layer norm",
}


def _lstm(sg: Subgraph, op: Operator) -> None:
    """kernels/lstm_eval.cc ValidateTensorStatus — no CIFG, peephole, projection or layer norm."""
    ins = op.inputs
    for k in _LSTM_NEEDED:
        need(
            k < len(ins) and ins[k] >= 0,
            "MISSING_REQUIRED_OPERAND",
            f"{slot_name(op, k)} is omitted (CIFG LSTM)",
            slot_name(op, k),
        )
    for k, what in _LSTM_ABSENT.items():
        need(
            k >= len(ins) or ins[k] < 0,
            "UNSUPPORTED_OPERATOR_VARIANT",
            f"{slot_name(op, k)} is present: TFLM has no {what} LSTM",
            slot_name(op, k),
        )
    w = {_dtype(sg, ins[k]) for k in range(1, 9)}
    need(len(w) == 1, "UNSUPPORTED_INPUT_TYPE", f"LSTM weights mix types {sorted(w)}")


CHECKS: dict[str, _Check] = {
    "DEQUANTIZE": _dequantize,
    "FULLY_CONNECTED": _fully_connected,
    "BATCH_MATMUL": _batch_matmul,
    "SPACE_TO_DEPTH": _space_to_depth,
    "BROADCAST_TO": _broadcast_to,
    "SQUEEZE": _squeeze,
    "ADD": _quantized_output,
    "SUB": _quantized_output,
    "MUL": _quantized_output,
    "UNIDIRECTIONAL_SEQUENCE_LSTM": _lstm,
    "SVDF": _svdf,
}


def check_op(sg: Subgraph, op: Operator) -> None:
    """Raise Reject when TFLM cannot register or prepare this op."""
    if op.is_custom:
        from ..custom_ops import runs_on  # custom ops only: the catalogue is big to import

        need(
            runs_on(op.custom_code, "tflm"),  # the custom names python_ops_resolver.cc registers
            "UNSUPPORTED_OPERATOR",
            f"custom op '{op.custom_code}' is not registered in the TFLM op resolver",
            fix="Select TF (Flex) ops cannot run on TFLM: use builtin ops"
            if op.flex_op
            else "build TFLite Micro for the Arm Ethos-U NPU (kernels/ethos_u/ethosu.cc): only that build registers it"
            if runs_on(op.custom_code, "tflm-ethos-u")
            else "register a kernel for it with MicroMutableOpResolver::AddCustom",
        )
    else:
        need(
            op.builtin in BUILTINS,
            "UNSUPPORTED_OPERATOR",
            f"TFLM has no kernel for {op.builtin}",
            fix="replace it with ops TFLM has (e.g. RESIZE_NEAREST_NEIGHBOR instead of a TILE/RESHAPE upsampling)"
            if op.builtin == "TILE"
            else None,
        )
    for t in (*op.inputs, *op.outputs):
        tensor = sg.tensor(t)
        if tensor is not None and tensor.dtype == "STRING":
            raise Reject("UNSUPPORTED_INPUT_TYPE", f"'{tensor.name}' is a STRING tensor; TFLM has no string tensors")
    check = CHECKS.get(op.builtin)
    if check is not None:
        try:
            check(sg, op)
        except IndexError:
            raise Reject("MISSING_REQUIRED_OPERAND", "an operand the kernel reads is missing") from None


def check_model(model: Model, arena_size: int | None = None) -> tuple[dict[tuple[int, int], Reject], list[Reason]]:
    """Per-op rejections (keyed by (subgraph, op)) and model-level blockers."""
    options = {"arena_size": arena_size}
    rejected = {
        (sg.index, i): rej for sg in model.subgraphs for i, rej in TARGET.check_subgraph(sg, options).rejected.items()
    }
    return rejected, TARGET.model_reasons(model, tuple(range(len(model.subgraphs))), options)


def _string_blockers(model: Model) -> list[Reason]:
    blockers: list[Reason] = []
    for sg in model.subgraphs:
        strings = [t for t in sg.tensors if t.dtype == "STRING"]
        if strings:
            blockers.append(
                Reason(
                    "UNSUPPORTED_INPUT_TYPE",
                    f"subgraph {sg.index} has STRING tensor '{strings[0].name}': TFLM cannot allocate strings",
                )
            )
    return blockers


class Tflm(Target):
    name = "tflm"
    title = "TFLite Micro"
    source = SOURCE
    summary = "TensorFlow Lite for Microcontrollers (loads the whole model or nothing)"
    verified = "checked model by model against the tflite-micro runtime (loads or refuses)"
    options = (
        TargetOption(
            "arena_size",
            "--arena-size",
            "BYTES",
            "TFLite Micro tensor arena; checks the planned arena fits (default: not checked)",
            minimum=1,
            below_minimum="--arena-size must be a positive number of bytes",
        ),
    )
    policy = WholeModelOrNothing("TFLite Micro loads the whole model or nothing")

    def check_subgraph(self, sg: Subgraph, options: Mapping[str, Any]) -> SubgraphCheck:
        return SubgraphCheck.each_op(sg, lambda op: check_op(sg, op))

    def supports_builtin(self, builtin: str) -> bool:
        return builtin in BUILTINS

    def model_reasons(self, model: Model, subgraphs: tuple[int, ...], options: Mapping[str, Any]) -> list[Reason]:
        arena = options.get("arena_size")
        return _string_blockers(model) + (_arena(model, arena) if arena is not None else [])

    def target_caveats(self, model: Model, subgraphs: tuple[int, ...], options: Mapping[str, Any]) -> list[str]:
        return ["arena size not checked (pass arena_size / --arena-size)"] if options.get("arena_size") is None else []

    def assess(
        self, model: Model, subgraphs: tuple[int, ...], options: Mapping[str, Any], cache: PartitionCache
    ) -> TargetReport:
        """Every subgraph is checked (the load fails on any of them); the selected ones are reported."""
        checks = {sg.index: self.check_subgraph(sg, options) for sg in model.subgraphs}
        return self.policy.report_selected(
            self, model, checks, subgraphs, self.model_reasons(model, subgraphs, options), options
        )


TARGET = Tflm()


def _arena(model: Model, arena_size: int) -> list[Reason]:
    """``MicroAllocator::CommitStaticMemoryPlan`` fails when the planned buffers (the head) and the
    persistent tail do not fit: the plan is :mod:`..profiling.tflm_planner`'s, the one ``profile
    --planner tflm`` shows (checked against TFLM's own). TFLM's bookkeeping also lives in the tail,
    so the figure is a lower bound."""
    from ..profiling.tflm_planner import plan as tflm_plan  # with --arena-size only

    plan = tflm_plan(model)
    need = plan.arena_bytes + plan.persistent_bytes
    if need <= arena_size:
        return []
    return [
        Reason(
            "MODEL_LIMIT",
            f"the arena needs at least {need:,} bytes ({plan.arena_bytes:,} planned for tensors and scratch "
            f"buffers + {plan.persistent_bytes:,} for variables, before TFLM's own structures), more than the "
            f"{arena_size:,}-byte arena",
            fix="give MicroInterpreter a larger arena (profile --planner tflm shows where the bytes go)",
        )
    ]
