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
from ._tensors import affine, const_values, need, slot_name
from .base import SubgraphCheck, Target, TargetOption, TargetReport
from .policies import WholeModelOrNothing
from .reasons import Reason, Reject

if TYPE_CHECKING:
    from ..model import Model, Operator, Subgraph, Tensor
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


def _micro_q(t: Tensor | None) -> tuple[float, int] | None:
    """(scale, zero point) as TFLM reads them: affine only when the file has both a scale and a zero point
    (``micro_allocator.cc`` InitializeTfLiteTensorFromFlatbuffer, 273-340); otherwise the kernel sees 0, 0."""
    q = t.quantization if t is not None else None
    if q is None or not q.scale or not q.zero_point:
        return None
    return q.scale[0], q.zero_point[0]


def _params(t: Tensor | None) -> tuple[float, int]:
    return _micro_q(t) or (0.0, 0)


def _no_params(t: Tensor | None) -> str:
    return "has no scale/zero point (TFLM then reads scale 0)" if _micro_q(t) is None else ""


_QUANTIZED = ("INT8", "INT16", "UINT8")


def _logistic(sg: Subgraph, op: Operator) -> None:
    """kernels/logistic_common.cc:44-105 — int8: output zero point -128; int16: zero points 0 and an output
    scale of exactly 2^-15 (the fixed output scale of a sigmoid)."""
    i, o = sg.tensor(op.inputs[0]), sg.tensor(op.outputs[0])
    if i is None or o is None:
        return
    need(i.dtype == o.dtype, "UNSUPPORTED_OUTPUT_TYPE", f"input is {i.dtype} but output is {o.dtype}", "output")
    (_, izp), (oscale, ozp) = _params(i), _params(o)
    if i.dtype == "INT8":
        need(
            ozp == -128,
            "UNSUPPORTED_QUANTIZATION_PARAMETERS",
            f"int8 output zero point is {ozp}; TFLM's LOGISTIC needs -128 (scale 1/256) {_no_params(o)}".rstrip(),
            "output",
        )
    elif i.dtype == "INT16":
        need(izp == 0 and ozp == 0, "UNSUPPORTED_QUANTIZATION_PARAMETERS", "int16 zero points must be 0", "output")
        need(
            _log2_exact(oscale) == -15,
            "UNSUPPORTED_QUANTIZATION_PARAMETERS",
            f"int16 output scale is {oscale:g}; TFLM's LOGISTIC needs 2^-15 {_no_params(o)}".rstrip(),
            "output",
        )


def _log2_exact(x: float) -> int | None:
    """``CheckedLog2`` (kernels/internal/quantization_util.cc:395-405): log2(x) when within 1e-3 of an integer."""
    import math

    if not x > 0:
        return None
    log2 = math.log(x) / math.log(2.0)
    rounded = math.floor(log2 + 0.5) if log2 >= 0 else -math.floor(-log2 + 0.5)
    return int(rounded) if abs(log2 - rounded) < 1e-3 else None


def _softmax(sg: Subgraph, op: Operator) -> None:
    """kernels/softmax_common.cc:88-106 — the fixed output parameters of a quantized softmax."""
    i, o = sg.tensor(op.inputs[0]), sg.tensor(op.outputs[0])
    if i is None or o is None or i.dtype not in ("INT8", "INT16"):
        return
    (_, izp), (oscale, ozp) = _params(i), _params(o)
    if i.dtype == "INT16":
        want, ok = (
            "zero points 0 and output scale 1/32768",
            izp == 0 and ozp == 0 and abs(oscale - 1 / 32768) <= 1e-3 / 32768,
        )
    elif o.dtype == "INT16":
        want, ok = "output zero point -32768, scale 1/65536", ozp == -32768 and abs(oscale - 1 / 65536) <= 1e-3 / 65536
    else:
        want, ok = "output zero point -128, scale 1/256", ozp == -128 and oscale == 1 / 256
    need(
        ok,
        "UNSUPPORTED_QUANTIZATION_PARAMETERS",
        f"{o.dtype} output has scale {oscale:g}, zero point {ozp}; TFLM's SOFTMAX needs {want} "
        f"{_no_params(o)}".rstrip(),
        "output",
    )


_FUSED_RANGE = {"RELU": (0.0,), "RELU6": (0.0, 6.0), "RELU_N1_TO_1": (-1.0, 1.0)}


def _activation_range(sg: Subgraph, op: Operator) -> None:
    """kernels/kernel_util.cc:343-382 (CalculateActivationRangeQuantized, called by the quantized Prepare of
    FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D, ADD, SUB, MUL, DIV, the pools, TRANSPOSE_CONV): a fused
    activation is clamped in the output's integers, round(f / scale) — with no output scale it overflows."""
    act = op.options.get("fused_activation_function")
    out = sg.tensor(op.outputs[0]) if op.outputs else None
    if act not in _FUSED_RANGE or out is None or out.dtype not in _QUANTIZED:
        return
    ins = [sg.tensor(t) for t in op.inputs[:1]]
    if op.builtin in ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV") and not any(
        t is not None and t.dtype in _QUANTIZED for t in ins
    ):
        return
    scale, _ = _params(out)
    need(
        scale != 0,
        "UNSUPPORTED_QUANTIZATION_PARAMETERS",
        f"fused {act} on a {out.dtype} output that {_no_params(out) or 'has scale 0'}: TFLM cannot clamp it",
        "output",
    )


def _per_channel_fc(sg: Subgraph, op: Operator) -> None:
    """kernels/fully_connected_common.cc:69-110 — a per-channel filter (more than one scale) needs an int8 or
    int16 input, a filter that is not int4, and one scale per output channel."""
    i, f = sg.tensor(op.inputs[0]), sg.tensor(op.inputs[1])
    q = f.quantization if f is not None else None
    if i is None or f is None or q is None or _micro_q(f) is None or len(q.scale) <= 1 or i.dtype == "FLOAT32":
        return
    need(
        i.dtype in ("INT8", "INT16") and f.dtype != "INT4",
        "UNSUPPORTED_QUANTIZATION_TYPE",
        f"per-channel weights with {i.dtype} input and {f.dtype} weights: TFLM takes int8/int16 input, int8 weights",
        "input 1 (weights)",
    )
    axis = q.quantized_dimension
    channels = f.shape[axis] if 0 <= axis < len(f.shape) else None
    need(
        len(q.scale) == channels,
        "UNSUPPORTED_QUANTIZATION_PARAMETERS",
        f"weights have {len(q.scale)} per-channel scales but {channels} channels on axis {axis}",
        "input 1 (weights)",
    )


def _transpose(sg: Subgraph, op: Operator) -> None:
    """kernels/transpose_common.cc:26-52 — input rank 1-5, a constant 1-D perm of that length, in range."""
    t, perm = sg.tensor(op.inputs[0]), sg.tensor(op.inputs[1])
    if t is None or perm is None:
        return
    rank = len(t.shape)
    need(
        rank <= 5,
        "UNSUPPORTED_OPERAND_RANK",
        f"input has rank {rank}; TFLM's TRANSPOSE only supports 1D-5D input arrays",
        "input 0",
        "reshape to at most 5 dims around the transpose (merge dims that stay adjacent)",
    )
    need(perm.is_constant, "CONSTANT_INPUT_REQUIRED", "perm is computed at run time; TFLM needs a constant", "input 1")
    need(
        list(perm.shape) == [rank],
        "UNSUPPORTED_OPERAND_SIZE",
        f"perm has shape {list(perm.shape)}; TFLM needs a 1-D perm of {rank} values",
        "input 1",
    )
    values = const_values(perm)
    need(
        values is None or all(0 <= v < rank for v in values),
        "UNSUPPORTED_OPERAND_VALUE",
        f"perm {values} does not permute {rank} dims",
        "input 1",
    )


def _conv_types(sg: Subgraph, op: Operator) -> None:
    """kernels/conv_common.cc:158-165, depthwise_conv_common.cc:194-200, transpose_conv.cc:172-176 — no hybrid
    (float input with integer weights): float/float, int8 with int8 or int4 weights, int16 with int8 weights."""
    data = op.inputs[2] if op.builtin == "TRANSPOSE_CONV" else op.inputs[0]
    i, f = _dtype(sg, data), _dtype(sg, op.inputs[1])
    ok = (
        (i == "FLOAT32" and f == "FLOAT32")
        or (i == "INT16" and f == "INT8")
        or (i == "INT8" and f in (("INT8",) if op.builtin == "TRANSPOSE_CONV" else ("INT8", "INT4")))
        or (op.builtin != "CONV_2D" and i == f)
    )
    need(
        ok,
        "UNSUPPORTED_HYBRID_OPERATOR" if i == "FLOAT32" else "UNSUPPORTED_INPUT_TYPE",
        f"input {i} with weights {f}: hybrid models are not supported on TFLite Micro",
        "input 1 (weights)",
        Remedy.FULL_INTEGER_OR_FLOAT,
    )


def _pad(sg: Subgraph, op: Operator) -> None:
    """kernels/pad_common.cc:30-80 — TFLM does not resize: constant paddings, one pair per output dim, and each
    output dim as the file stores it equal to the input dim plus its paddings (a dim unknown at conversion is
    stored as 1 and fails here)."""
    i, pads, o = sg.tensor(op.inputs[0]), sg.tensor(op.inputs[1]), sg.tensor(op.outputs[0])
    if i is None or pads is None or o is None:
        return
    need(len(i.shape) <= 5, "UNSUPPORTED_OPERAND_RANK", f"input has rank {len(i.shape)}; TFLM pads up to 5 dims")
    values = const_values(pads)
    need(values is not None, "CONSTANT_INPUT_REQUIRED", "paddings are computed at run time; TFLM needs them constant")
    assert values is not None
    need(
        len(values) == 2 * len(o.shape),
        "UNSUPPORTED_OPERAND_SIZE",
        f"{len(values)} padding values for a rank-{len(o.shape)} output",
        "input 1",
    )
    expected = [d + values[2 * k] + values[2 * k + 1] for k, d in enumerate(i.shape)]
    need(
        list(o.shape) == expected,
        "DYNAMIC_TENSOR" if i.is_dynamic or o.is_dynamic else "UNSUPPORTED_OPERAND_SIZE",
        f"output shape {list(o.shape)} in the file is not input {list(i.shape)} plus the paddings ({expected}); "
        "TFLM does not resize outputs",
        "output",
        "give the model static input shapes so the converter stores every size" if i.is_dynamic else None,
    )


def _quantize(sg: Subgraph, op: Operator) -> None:
    """kernels/quantize_common.cc:47-53 — the output needs one scale and zero point (per-tensor)."""
    out = sg.tensor(op.outputs[0]) if op.outputs else None
    if out is None:
        return
    q = out.quantization
    need(
        _micro_q(out) is not None and q is not None and len(q.scale) == 1,
        "UNSUPPORTED_QUANTIZATION_PARAMETERS",
        f"output {out.dtype} {_no_params(out) or 'is quantized per channel'}: TFLM's QUANTIZE needs one scale",
        "output",
    )


def _transpose_conv(sg: Subgraph, op: Operator) -> None:
    """kernels/transpose_conv.cc:211-226 — quantized input: weights with one scale or one per output channel."""
    i, f = sg.tensor(op.inputs[2]) if len(op.inputs) > 2 else None, sg.tensor(op.inputs[1])
    if i is None or f is None or i.dtype not in ("INT8", "INT16"):
        return
    q = f.quantization
    need(
        _micro_q(f) is not None and q is not None and len(q.scale) in (1, f.shape[0] if f.shape else 1),
        "UNSUPPORTED_QUANTIZATION_PARAMETERS",
        f"weights {_no_params(f) or f'have {len(q.scale) if q else 0} scales for {f.shape[0]} channels'}",
        "input 1 (weights)",
    )


def _all(*checks: _Check) -> _Check:
    def run(sg: Subgraph, op: Operator) -> None:
        for c in checks:
            c(sg, op)

    return run


CHECKS: dict[str, _Check] = {
    "DEQUANTIZE": _dequantize,
    "FULLY_CONNECTED": _all(_fully_connected, _per_channel_fc, _activation_range),
    "BATCH_MATMUL": _batch_matmul,
    "SPACE_TO_DEPTH": _space_to_depth,
    "BROADCAST_TO": _broadcast_to,
    "SQUEEZE": _squeeze,
    "ADD": _all(_quantized_output, _activation_range),
    "SUB": _all(_quantized_output, _activation_range),
    "MUL": _all(_quantized_output, _activation_range),
    "DIV": _activation_range,
    "CONV_2D": _all(_conv_types, _activation_range),
    "DEPTHWISE_CONV_2D": _all(_conv_types, _activation_range),
    "AVERAGE_POOL_2D": _activation_range,
    "MAX_POOL_2D": _activation_range,
    "TRANSPOSE_CONV": _all(_conv_types, _transpose_conv, _activation_range),
    "UNIDIRECTIONAL_SEQUENCE_LSTM": _lstm,
    "SVDF": _svdf,
    "LOGISTIC": _logistic,
    "SOFTMAX": _softmax,
    "TRANSPOSE": _transpose,
    "QUANTIZE": _quantize,
    "PAD": _pad,
    "PADV2": _pad,
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
