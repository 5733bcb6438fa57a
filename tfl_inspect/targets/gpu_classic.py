"""Which ops the classic GPU delegate (``TfLiteGpuDelegateV2``) takes, ported from LiteRT's GPU compatibility rules.

This is the delegate of the Interpreter API (``GpuDelegate`` on Android, OpenCL/OpenGL); LiteRT 2.x's
``CompiledModel`` GPU accelerator is the ``gpu`` target (:mod:`.gpu`), which decides differently
(its own op parsers, DENSIFY, SLICE ranks, integer operands, composites, what counts as dynamic).

Follows LiteRT commit f67457790c9c2ab67347d6fe53270e8d3df20868 (2026-08-21):
``tflite/tools/versioning/gpu_compatibility.cc`` ``CheckGpuDelegateCompatibility`` (per-op
rules, enhanced broadcast) and, from ``tflite/delegates/gpu/common/model_builder.cc``,
``GetOpsToReplace``: the tensor type/rank filter ``IsAllAllowedTensors`` (quantized ops allowed,
as the default options enable) and the ``FP16GraphPartitionHelper`` that takes the float16
weight DEQUANTIZE ops into the partition; only the largest partition is delegated
(``max_delegated_partitions`` = 1 by default). A graph with tensors whose size is computed at
run time is refused as a whole (TFLite refuses static-shape delegates on such graphs).
The classic delegate is not in the ai-edge-litert wheel: these rules are checked by unit tests only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..opdefs import INDEX_ROLES, opdef
from ..remedies import Remedy
from ._tensors import dynamic_inputs, is_constant, need, option
from .base import SubgraphCheck, Target
from .policies import KeepLargest
from .reasons import Reason, Reject

if TYPE_CHECKING:
    from ..model import Model, Operator, Subgraph, Tensor

__all__ = ["SOURCE", "check_op", "dynamic_ops", "RULES", "TARGET"]

SOURCE = (
    "LiteRT tflite/tools/versioning/gpu_compatibility.cc + delegates/gpu/common/model_builder.cc "
    "@ f67457790c9c (2026-08-21)"
)


class _Sig:
    """The ``OpSignature`` view gpu_compatibility.cc works on."""

    def __init__(self, sg: Subgraph, op: Operator, folded: frozenset[int] = frozenset()) -> None:
        self.op = op
        self.inputs: list[Tensor | None] = [sg.tensor(t) for t in op.inputs]
        self.outputs: list[Tensor | None] = [sg.tensor(t) for t in op.outputs]
        self.folded = folded

    def is_const(self, t: Tensor | None) -> bool:
        """Constant in the file, or the output of a float16-weight DEQUANTIZE the partition helper folds."""
        return t is not None and (is_constant(t) or t.index in self.folded)

    def runtime_inputs(self) -> int:
        return sum(1 for t in self.inputs if t is not None and not self.is_const(t))

    def const_inputs(self) -> int:
        return sum(1 for t in self.inputs if self.is_const(t))

    def dims(self, i: int, output: bool = False) -> tuple[int, ...]:
        t = (self.outputs if output else self.inputs)[i]
        return t.shape if t is not None else ()

    def type(self, i: int, output: bool = False) -> str:
        t = (self.outputs if output else self.inputs)[i]
        return t.dtype if t is not None else "NOTYPE"


def _io(s: _Sig, runtime: int, outputs: int, consts: int | None = None) -> None:
    if consts is not None and s.const_inputs() != consts:
        raise Reject(
            "INPUT_TENSOR_SHOULD_HAVE_CONSTANT_SHAPE",
            f"expected {consts} constant input(s), node has {s.const_inputs()}",
        )
    need(
        s.runtime_inputs() == runtime,
        "UNSUPPORTED_OPERAND_SIZE",
        f"expected {runtime} runtime input(s), node has {s.runtime_inputs()}",
    )
    need(
        len(s.outputs) == outputs,
        "UNSUPPORTED_OPERAND_SIZE",
        f"expected {outputs} output(s), node has {len(s.outputs)}",
    )


def _activation(s: _Sig) -> None:
    act = option(s.op, "fused_activation_function", "NONE")
    need(act != "SIGN_BIT", "NO_ACTIVATION_EXPECTED", "fused activation SIGN_BIT is not supported")


def _strides(s: _Sig, *names: str) -> None:
    for n in names:
        v = option(s.op, n, 0)
        need(isinstance(v, int) and v > 0, "INVALID_ARGUMENT", f"{n} = {v} must be positive")


def _conv_io(s: _Sig) -> None:
    r = s.runtime_inputs()
    need(1 <= r <= 2, "UNSUPPORTED_OPERAND_SIZE", f"expected 1 or 2 runtime inputs, node has {r}")
    need(len(s.outputs) == 1, "UNSUPPORTED_OPERAND_SIZE", "expected 1 output")
    if r == 1:
        need(len(s.inputs) > 1, "MISSING_REQUIRED_OPERAND", "the filter is missing")


def _broadcastable(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """CheckIsBroadcastable (kEnhancedBroadcast)."""
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y and x != 1 and y != 1:
            return False
    return True


def _add_mul(s: _Sig) -> None:
    need(len(s.inputs) == 2, "UNSUPPORTED_OPERAND_SIZE", f"{s.op.builtin} requires two input tensors")
    a, b = s.dims(0), s.dims(1)
    if len(a) > 1 and len(b) > 1 and len(a) != len(b):
        need(_broadcastable(a, b), "UNSUPPORTED_OPERAND_SIZE", f"cannot broadcast {list(a)} with {list(b)}")
    if s.op.builtin == "MUL":
        _activation(s)


def _pool(s: _Sig) -> None:
    _io(s, 1, 1)
    _strides(s, "filter_height", "filter_width", "stride_h", "stride_w")
    _activation(s)


def _conv(s: _Sig) -> None:
    _conv_io(s)
    _strides(s, "stride_h", "stride_w", "dilation_h_factor", "dilation_w_factor")
    _activation(s)


def _dwconv(s: _Sig) -> None:
    _conv_io(s)
    _strides(s, "stride_h", "stride_w", "dilation_h_factor", "dilation_w_factor")
    _activation(s)
    i, f, o = s.dims(0), s.dims(1), s.dims(0, True)
    need(
        len(i) == 4 and len(f) == 4 and len(o) == 4, "UNSUPPORTED_OPERAND_RANK", "input, filter and output must be 4-D"
    )
    need(i[0] == o[0], "UNSUPPORTED_OPERAND_SIZE", "input and output batch differ")
    need(f[3] == o[3], "UNSUPPORTED_OPERAND_SIZE", "filter channels differ from output channels")
    dm = int(option(s.op, "depth_multiplier", 1) or 1)  # type: ignore[call-overload]
    need(o[3] == i[3] * dm, "UNSUPPORTED_OPERAND_SIZE", "output channels != input channels * depth_multiplier")
    if len(s.inputs) > 2 and s.inputs[2] is not None:
        n = 1
        for d in s.dims(2):
            n *= d
        need(n == o[3], "UNSUPPORTED_OPERAND_SIZE", "bias size differs from output channels")


def _fully_connected(s: _Sig) -> None:
    need(bool(s.inputs), "MISSING_REQUIRED_OPERAND", "no inputs")
    need(
        option(s.op, "weights_format", "DEFAULT") == "DEFAULT",
        "UNSUPPORTED_OPERATOR_VARIANT",
        "shuffled weights format",
    )
    need(s.runtime_inputs() <= 2, "UNSUPPORTED_OPERAND_SIZE", "more than 2 runtime inputs")
    need(
        s.inputs[0] is None or not is_constant(s.inputs[0]),
        "UNSUPPORTED_OPERAND_VALUE",
        "constant input 0 is not supported",
    )
    if option(s.op, "keep_num_dims", False):
        need(
            len(s.dims(0)) == len(s.dims(0, True)),
            "UNSUPPORTED_OPERAND_RANK",
            "keep_num_dims with different input/output ranks",
        )


def _axes_const(s: _Sig, idx: int) -> None:
    t = s.inputs[idx] if idx < len(s.inputs) else None
    need(s.is_const(t), "CONSTANT_INPUT_REQUIRED", f"{s.op.builtin} needs constant axes", f"input {idx}")
    need(
        t is not None and t.dtype == "INT32",
        "UNSUPPORTED_INPUT_TYPE",
        f"{s.op.builtin} needs INT32 axes",
        f"input {idx}",
    )


def _reduce(s: _Sig) -> None:
    _io(s, 1, 1, consts=1)
    _axes_const(s, 1)


def _pad(s: _Sig) -> None:
    if s.op.builtin == "MIRROR_PAD":
        need(
            option(s.op, "mode", "REFLECT") == "REFLECT", "UNSUPPORTED_OPERATOR_VARIANT", "only REFLECT mirror padding"
        )
    _io(s, 1, 1)
    p = s.dims(1)
    need(
        len(p) == 2 and p[0] in (3, 4) and p[1] == 2,
        "UNSUPPORTED_OPERAND_SIZE",
        f"paddings shape {list(p)}; expected 4x2 or 3x2",
        "input 1",
    )


def _elementwise_unary(s: _Sig) -> None:
    _io(s, 1, 1, consts=0)


def _elementwise_binary(s: _Sig) -> None:
    ok = (s.runtime_inputs() == 2 and s.const_inputs() == 0) or (s.runtime_inputs() == 1 and s.const_inputs() == 1)
    need(ok and len(s.outputs) == 1, "UNSUPPORTED_OPERAND_SIZE", "op can only handle 1 or 2 operand(s)")
    if s.op.builtin in ("DIV", "SUB"):
        _activation(s)


def _slice_rank(s: _Sig) -> None:
    need(len(s.inputs) >= 3, "UNSUPPORTED_OPERAND_SIZE", "SLICE requires 3 inputs")
    r = len(s.dims(0))
    need(
        r in (3, 4),
        "UNSUPPORTED_OPERAND_RANK",
        f"input has rank {r}; the GPU slices 3-D or 4-D tensors only",
        "input 0",
    )


def _strided_slice(s: _Sig) -> None:
    for m in ("ellipsis_mask", "new_axis_mask", "shrink_axis_mask"):
        need(not option(s.op, m, 0), "UNSUPPORTED_OPERATOR_VARIANT", f"{m} is not supported")
    need(len(s.inputs) >= 4, "UNSUPPORTED_OPERAND_SIZE", "STRIDED_SLICE requires 4 inputs")
    r = len(s.dims(0))
    need(r in (3, 4), "UNSUPPORTED_OPERAND_RANK", f"input has rank {r}; 3-D or 4-D only", "input 0")


def _softmax(s: _Sig) -> None:
    beta = float(option(s.op, "beta", 1.0))  # type: ignore[arg-type]
    need(beta == 1.0, "UNSUPPORTED_OPERAND_VALUE", f"beta {beta:g} != 1")


def _block(s: _Sig) -> None:
    _io(s, 1, 1)
    bs = int(option(s.op, "block_size", 0) or 0)  # type: ignore[call-overload]
    need(bs > 1, "UNSUPPORTED_OPERAND_VALUE", f"block_size {bs} must be > 1")


def _resize(s: _Sig) -> None:
    _io(s, 1, 1)
    if s.op.builtin == "RESIZE_BILINEAR":
        need(
            not (option(s.op, "align_corners", False) and option(s.op, "half_pixel_centers", False)),
            "UNSUPPORTED_OPERATOR_VARIANT",
            "align_corners and half_pixel_centers both set",
        )


def _transpose_conv(s: _Sig) -> None:
    _conv_io(s)
    _strides(s, "stride_h", "stride_w")


def _cast(s: _Sig) -> None:
    _io(s, 1, 1)
    i, o = s.type(0), s.type(0, True)
    ok = (
        (i == "BOOL" and o in ("FLOAT16", "FLOAT32"))
        or (i in ("FLOAT16", "FLOAT32") and o == "BOOL")
        or (i in ("FLOAT32", "INT32") and o in ("FLOAT32", "INT32"))
    )
    need(ok, "UNSUPPORTED_INPUT_TYPE", f"CAST {i} → {o} is not supported")


def _cumsum(s: _Sig) -> None:
    need(len(s.inputs) == 2 and len(s.outputs) == 1, "UNSUPPORTED_OPERAND_SIZE", "expects 2 inputs and 1 output")
    a = s.inputs[1]
    ok = (
        s.type(0) in ("FLOAT16", "FLOAT32")
        and s.type(0, True) == s.type(0)
        and a is not None
        and a.dtype == "INT32"
        and is_constant(a)
    )
    need(ok, "CONSTANT_INPUT_REQUIRED", "input/output must be float and the axis a constant INT32", "input 1 (axis)")


def _dequantize(s: _Sig) -> None:
    need(len(s.inputs) == 1 and len(s.outputs) == 1, "UNSUPPORTED_OPERAND_SIZE", "expected 1 input and 1 output")
    need(s.type(0) != "INT16", "UNSUPPORTED_INPUT_TYPE", "INT16 dequantization is not supported", "input 0")


def _gather(s: _Sig) -> None:
    _elementwise_binary(s)
    need(len(s.dims(1)) == 1, "UNSUPPORTED_OPERAND_RANK", "only 1-D indices", "input 1 (indices)")
    need(s.type(1) == "INT32", "UNSUPPORTED_INPUT_TYPE", "only INT32 indices", "input 1 (indices)")


def _batch_matmul(s: _Sig) -> None:
    need(len(s.inputs) == 2 and len(s.outputs) == 1, "UNSUPPORTED_OPERAND_SIZE", "expected 2 inputs and 1 output")


def _io11(s: _Sig) -> None:
    _io(s, 1, 1)


def _topk(s: _Sig) -> None:
    _io(s, 1, 2)


def _ok(s: _Sig) -> None:
    return None


def _add_n(s: _Sig) -> None:
    need(len(s.inputs) == 2, "UNSUPPORTED_OPERAND_SIZE", "ADD_N only supports 2 inputs")


def _custom(s: _Sig) -> None:
    from ..custom_ops import runs_on  # custom ops only: the catalogue is big to import

    code = s.op.custom_code or ""
    need(
        runs_on(code, "gpu"),
        "UNSUPPORTED_OPERATOR",
        f"custom op '{code}' is not supported by the GPU delegate",
    )


_Rule = Callable[[_Sig], None]
RULES: dict[str, _Rule] = {
    "ADD": _add_mul,
    "MUL": _add_mul,
    "ADD_N": _add_n,
    "AVERAGE_POOL_2D": _pool,
    "MAX_POOL_2D": _pool,
    "BATCH_MATMUL": _batch_matmul,
    "CAST": _cast,
    "CONCATENATION": _ok,
    "CONV_2D": _conv,
    "CUMSUM": _cumsum,
    "DENSIFY": lambda s: _io(s, 0, 1),
    "DEPTHWISE_CONV_2D": _dwconv,
    "DEPTH_TO_SPACE": _block,
    "SPACE_TO_DEPTH": _block,
    "DEQUANTIZE": _dequantize,
    "FULLY_CONNECTED": _fully_connected,
    "GATHER": _gather,
    "HARD_SWISH": _io11,
    "MEAN": _reduce,
    "PACK": _ok,
    "QUANTIZE": _io11,
    "RELU_N1_TO_1": _ok,
    "PRELU": _ok,
    "RESHAPE": _io11,
    "SELECT": _ok,
    "SELECT_V2": _ok,
    "SLICE": _slice_rank,
    "SOFTMAX": _softmax,
    "SPLIT": _ok,
    "SPLIT_V": _ok,
    "STRIDED_SLICE": _strided_slice,
    "TILE": _io11,
    "TOPK_V2": _topk,
    "TRANSPOSE": _io11,
    "TRANSPOSE_CONV": _transpose_conv,
    "RESIZE_BILINEAR": _resize,
    "RESIZE_NEAREST_NEIGHBOR": _resize,
    "RELU": _ok,
    "RELU6": _ok,
    "LEAKY_RELU": _ok,
    **{
        n: _reduce for n in ("REDUCE_ALL", "REDUCE_ANY", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_PROD", "SUM", "REVERSE_V2")
    },
    **{n: _pad for n in ("PAD", "PADV2", "MIRROR_PAD")},
    **{
        n: _elementwise_unary
        for n in (
            "ABS CEIL COS ELU EXP FLOOR GELU LOG LOGICAL_NOT LOGISTIC NEG ROUND RSQRT SIGN SIN SQRT SQUARE TANH"
        ).split()
    },
    **{
        n: _elementwise_binary
        for n in (
            "ATAN2 DIV EQUAL FLOOR_DIV FLOOR_MOD GREATER GREATER_EQUAL LOGICAL_AND LOGICAL_OR LESS LESS_EQUAL "
            "MAXIMUM MINIMUM NOT_EQUAL POW RIGHT_SHIFT SQUARED_DIFFERENCE SUB"
        ).split()
    },
    "CUSTOM": _custom,
}

_LOGICAL = {
    "EQUAL",
    "NOT_EQUAL",
    "GREATER",
    "GREATER_EQUAL",
    "LESS",
    "LESS_EQUAL",
    "LOGICAL_AND",
    "LOGICAL_OR",
    "LOGICAL_NOT",
}
_BASE = ("FLOAT32", "FLOAT16", "INT8", "UINT8")


@functools.cache
def _allowed_types(builtin: str) -> tuple[frozenset[str], frozenset[str]]:
    """``GetOpsToReplace``'s per-op additions to the allowed tensor types."""
    ins, outs = set(_BASE), set(_BASE)
    if builtin in _LOGICAL:
        outs.add("BOOL")
    if builtin == "CAST":
        ins |= {"BOOL", "INT32"}
        outs |= {"INT32", "BOOL"}
    if builtin in ("ONE_HOT", "GATHER"):
        ins.add("INT32")
    if builtin in ("SELECT", "SELECT_V2", "LOGICAL_AND"):
        ins.add("BOOL")
    if builtin == "LOGICAL_AND":
        outs.add("BOOL")
    return frozenset(ins), frozenset(outs)


def _tensor_filter(sg: Subgraph, op: Operator) -> None:
    """IsAllAllowedTensors: rank below 5; run-time tensors of an allowed type."""
    ins, outs = _allowed_types(op.builtin)
    tensors = sg.tensors
    for role, idx, allowed in (("input", op.inputs, ins), ("output", op.outputs, outs)):
        for slot, t in enumerate(idx):
            if t < 0:
                continue
            tensor = tensors[t]
            if len(tensor.shape) >= 5:
                raise Reject(
                    "UNSUPPORTED_OPERAND_RANK",
                    f"{role} {slot} '{tensor.name}' has rank {len(tensor.shape)}; the GPU delegate takes at most 4",
                    f"{role} {slot}",
                )
            if tensor.dtype not in allowed and not is_constant(tensor):
                raise Reject(
                    "UNSUPPORTED_OUTPUT_TYPE" if role == "output" else "UNSUPPORTED_INPUT_TYPE",
                    f"{role} {slot} '{tensor.name}' is {tensor.dtype}; "
                    f"the GPU delegate takes {', '.join(sorted(allowed))} here",
                    f"{role} {slot}",
                )


def check_op(sg: Subgraph, op: Operator, folded: frozenset[int] = frozenset()) -> None:
    """Raise Reject when the GPU delegate would leave ``op`` on the CPU.

    ``folded``: outputs of float16-weight DEQUANTIZE ops, which ``FP16GraphPartitionHelper``
    replaces by their constant inputs before the rules see the op.
    """
    rule = RULES.get(op.builtin)
    if rule is None:
        fix = None
        if op.builtin in ("SHAPE", "ARG_MAX", "ARG_MIN"):
            fix = (
                Remedy.STATIC_SHAPES_FOLD
                if op.builtin == "SHAPE"
                else "move ARG_MAX/ARG_MIN to post-processing on the CPU, after the delegated graph"
            )
        raise Reject("UNSUPPORTED_OPERATOR", f"the GPU delegate has no kernel for {op.opcode}", fix=fix)
    try:
        rule(_Sig(sg, op, folded))
    except IndexError:
        raise Reject("MISSING_REQUIRED_OPERAND", "an operand the rule reads is missing") from None
    _tensor_filter(sg, op)


def dynamic_ops(sg: Subgraph) -> list[Operator]:
    """Ops whose output size comes from a run-time value: a shape/size-like operand computed by another op.

    TFLite marks such outputs dynamic, and a delegate without dynamic-tensor support (GPU,
    and the Edge TPU compiler) then takes nothing.
    """
    out = []
    for op in sg.operators:
        operands = opdef(op.builtin).operands
        for slot, t in enumerate(op.inputs):
            o = operands[slot] if slot < len(operands) else None
            if o is None or o.role not in INDEX_ROLES or o.role == "indices":
                continue
            if t >= 0 and sg.producer(t) >= 0:
                out.append(op)
                break
    return out


_DYNAMIC_FIX = (
    Remedy.STATIC_INPUT_SHORT,
    " or apply the static-shape rewrite so the converter folds the shape computation",
)


class GpuClassic(Target):
    name = "gpu-classic"
    title = "GPU delegate (classic)"
    source = SOURCE
    summary = "the classic TfLiteGpuDelegateV2 of the Interpreter API (OpenCL/OpenGL/Metal); LiteRT 2.x's GPU is gpu"
    verified = "unit-tested only (the classic delegate is not in the ai-edge-litert wheel)"
    policy = KeepLargest(
        1,
        "the GPU delegate keeps only the largest partition",
        "the GPU delegate keeps only the largest partition (max_delegated_partitions = 1)",
    )

    def check_subgraph(self, sg: Subgraph, options: Mapping[str, Any]) -> SubgraphCheck:
        check = SubgraphCheck()
        dynamic = dynamic_ops(sg)
        if dynamic:
            first = dynamic[0]
            msg = (
                f"subgraph {sg.index}: {first.opcode} #{first.index} sizes its output from a run-time value, so the "
                "graph has dynamic tensors and the GPU delegate (static shapes only) is not applied"
            )
            check.reasons.append(Reason("DYNAMIC_TENSOR", msg, fix=_DYNAMIC_FIX))
            for op in sg.operators:
                check.rejected[op.index] = Reject("DYNAMIC_TENSOR", msg, fix=_DYNAMIC_FIX)
            return check
        folded: set[int] = set()
        for op in sg.operators:
            t = sg.tensor(op.inputs[0]) if op.inputs else None
            if op.builtin == "DEQUANTIZE" and t is not None and t.dtype == "FLOAT16" and t.is_constant:
                check.taken.add(op.index)  # FP16GraphPartitionHelper folds float16 weights into the partition
                folded.update(op.outputs)
                continue
            try:
                check_op(sg, op, frozenset(folded))
                check.taken.add(op.index)
            except Reject as rej:
                check.rejected[op.index] = rej
        return check

    def supports_builtin(self, builtin: str) -> bool:
        return builtin in RULES

    def target_caveats(self, model: Model, subgraphs: tuple[int, ...], options: Mapping[str, Any]) -> list[str]:
        caveats = []
        dyn = dynamic_inputs(model, subgraphs)
        if dyn:
            caveats.append(
                f"input '{dyn[0]}' has a dynamic dimension: the delegate compiles for the shape at delegation time; "
                "resizing later re-applies it (use a static input to avoid this)"
            )
        caveats.append(
            "per-op checks of model_builder.cc beyond gpu_compatibility.cc (e.g. backend limits) are not ported"
        )
        return caveats


TARGET = GpuClassic()
