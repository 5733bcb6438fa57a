"""What the Edge TPU compiler maps, from Coral's published requirements and supported-operations table.

Source: the "Supported operations" table and model requirements of
https://coral.ai/docs/edgetpu/models-intro/ as mirrored in dgist-datalab/Datalab_Intern
``Edge_TPU/convert_model_for_Edge_TPU.md`` (the table of Edge TPU compiler 2.x; ops added by
later compilers are not in it and are reported unsupported). Requirements: tensors 8-bit
quantized, sizes constant at compile time, parameters (weights, bias) constant, at most the 3
innermost dimensions above 1, one subgraph. The compiler maps one partition: the first op it
cannot map and every op after it run on the CPU. No compiler runs here: unit tests check the rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..opdefs import WEIGHT_ROLES, opdef
from ..remedies import Remedy
from ._tensors import const_values, is_constant, need, option
from .base import SubgraphCheck, Target
from .policies import PrefixUntilUnmapped
from .reasons import Reason, Reject

if TYPE_CHECKING:
    from ..model import Model, Operator, Subgraph

__all__ = ["SOURCE", "OPS", "check_op", "TARGET"]

SOURCE = "coral.ai/docs/edgetpu/models-intro supported operations (Edge TPU compiler 2.x table) + model requirements"

_INT8 = ("INT8", "UINT8")


def _no_activation(sg: Subgraph, op: Operator) -> None:
    act = option(op, "fused_activation_function", "NONE")
    need(act == "NONE", "NO_ACTIVATION_EXPECTED", f"fused activation {act} is not supported on the Edge TPU")


def _concat(sg: Subgraph, op: Operator) -> None:
    _no_activation(sg, op)
    consts = [t for t in op.inputs if (x := sg.tensor(t)) is not None and is_constant(x)]
    if consts:
        need(len(op.inputs) == 2, "UNSUPPORTED_OPERAND_VALUE", "a constant input is allowed only with exactly 2 inputs")
        values = const_values(sg.tensors[consts[0]])
        need(values is not None and not any(values), "UNSUPPORTED_OPERAND_VALUE", "a constant input must be all zeros")


def _fully_connected(sg: Subgraph, op: Operator) -> None:
    need(
        option(op, "weights_format", "DEFAULT") == "DEFAULT",
        "UNSUPPORTED_OPERATOR_VARIANT",
        "only the default weights format",
    )


def _xy_only(sg: Subgraph, op: Operator) -> None:
    """Mean / Pad: along x and/or y only (NHWC dims 1 and 2)."""
    t = sg.tensor(op.inputs[0])
    rank = len(t.shape) if t is not None else 0
    other = sg.tensor(op.inputs[1]) if len(op.inputs) > 1 else None
    values = const_values(other) if other is not None else None
    need(values is not None, "CONSTANT_INPUT_REQUIRED", "axes/paddings must be constant", "input 1")
    assert values is not None
    if op.builtin == "MEAN":
        axes = {v % rank if rank else v for v in values}
        need(rank == 4 and axes <= {1, 2}, "UNSUPPORTED_OPERAND_VALUE", f"reduces axes {sorted(axes)}; only x/y (1, 2)")
    else:
        pairs = [values[i : i + 2] for i in range(0, len(values), 2)]
        padded = {i for i, p in enumerate(pairs) if any(p)}
        need(
            rank == 4 and padded <= {1, 2}, "UNSUPPORTED_OPERAND_VALUE", f"pads dims {sorted(padded)}; only x/y (1, 2)"
        )


def _softmax(sg: Subgraph, op: Operator) -> None:
    t = sg.tensor(op.inputs[0])
    shape = t.shape if t is not None else ()
    n = math.prod(shape)
    need(sum(1 for d in shape if d > 1) <= 1, "UNSUPPORTED_OPERAND_RANK", f"input {list(shape)} is not 1-D")
    need(n <= 16000, "UNSUPPORTED_OPERAND_SIZE", f"input has {n} elements; at most 16,000")


def _squeeze(sg: Subgraph, op: Operator) -> None:
    """Only leading 1s may be squeezed (no relayout): [1,1,10] and [1,5,10] yes, [5,1,10] no."""
    t = sg.tensor(op.inputs[0])
    shape = list(t.shape) if t is not None else []
    lead = 0
    while lead < len(shape) and shape[lead] == 1:
        lead += 1
    need(1 not in shape[lead:], "UNSUPPORTED_OPERAND_VALUE", f"squeezes a 1 after a dimension above 1 in {shape}")


def _strided_slice(sg: Subgraph, op: Operator) -> None:
    for m in ("ellipsis_mask", "new_axis_mask"):
        need(not option(op, m, 0), "UNSUPPORTED_OPERATOR_VARIANT", f"{m} must be 0")
    strides = const_values(sg.tensors[op.inputs[3]]) if len(op.inputs) > 3 and op.inputs[3] >= 0 else None
    need(strides is not None and all(s == 1 for s in strides), "UNSUPPORTED_OPERAND_VALUE", "strides must all be 1")


def _ok(sg: Subgraph, op: Operator) -> None:
    return None


_Check = Callable[["Subgraph", "Operator"], None]
OPS: dict[str, _Check] = {
    **{
        n: _ok
        for n in (
            "LOGISTIC RELU RELU6 RELU_N1_TO_1 TANH ADD MAXIMUM MINIMUM MUL SUB CONV_2D DEPTHWISE_CONV_2D "
            "L2_NORMALIZATION RESHAPE SLICE SPACE_TO_DEPTH SPLIT"
        ).split()
    },
    "AVERAGE_POOL_2D": _no_activation,
    "MAX_POOL_2D": _no_activation,
    "CONCATENATION": _concat,
    "FULLY_CONNECTED": _fully_connected,
    "MEAN": _xy_only,
    "PAD": _xy_only,
    "RESIZE_BILINEAR": _ok,
    "RESIZE_NEAREST_NEIGHBOR": _ok,
    "SOFTMAX": _softmax,
    "SQUEEZE": _squeeze,
    "STRIDED_SLICE": _strided_slice,
}
_RESIZE_CAVEAT = "input/output must be 3-D after squeezing; the compiler may keep it on the CPU for precision"
CAVEATS = {"RESIZE_BILINEAR": _RESIZE_CAVEAT, "RESIZE_NEAREST_NEIGHBOR": _RESIZE_CAVEAT}


def check_op(sg: Subgraph, op: Operator) -> None:
    """Raise Reject when the compiler would not map ``op`` (ignoring the one-partition rule)."""
    if sg.index != 0:
        raise Reject("MODEL_LIMIT", "the Edge TPU compiler maps only the first subgraph")
    check = OPS.get(op.builtin)
    if check is None or op.is_custom:
        fix = None
        if op.builtin in ("QUANTIZE", "DEQUANTIZE"):
            fix = Remedy.INTEGER_IO_SHORT
        elif op.builtin == "SHAPE":
            fix = Remedy.STATIC_BATCH_FOLDS_SHAPES
        raise Reject("UNSUPPORTED_OPERATOR", f"{op.opcode} is not in the Edge TPU supported-operations table", fix=fix)
    weights = {i for i, o in enumerate(opdef(op.builtin).operands) if o.role in WEIGHT_ROLES}
    for role, idx in (("input", op.inputs), ("output", op.outputs)):
        for slot, t in enumerate(idx):
            tensor = sg.tensor(t)
            if tensor is None:
                continue
            name = f"{role} {slot}"
            if role == "input" and slot in weights:
                need(is_constant(tensor), "CONSTANT_INPUT_REQUIRED", f"{name} '{tensor.name}' must be a constant", name)
            if tensor.dtype == "INT32" and role == "input" and (slot in weights or is_constant(tensor)):
                continue  # int32 bias / shape operands
            need(
                tensor.dtype in _INT8,
                "UNSUPPORTED_INPUT_TYPE" if role == "input" else "UNSUPPORTED_OUTPUT_TYPE",
                f"{name} '{tensor.name}' is {tensor.dtype}; the Edge TPU needs 8-bit quantized tensors",
                name,
                Remedy.FULL_INTEGER_SHORT,
            )
            need(
                -1 not in tensor.shape_signature and tensor.has_rank,
                "DYNAMIC_TENSOR",
                f"{name} '{tensor.name}' has a size only known at run time ({list(tensor.shape_signature)})",
                name,
                Remedy.STATIC_BATCH,
            )
            big = [d for d in tensor.shape[:-3] if d > 1] if not is_constant(tensor) else []
            need(
                not big,
                "UNSUPPORTED_OPERAND_RANK",
                f"{name} '{tensor.name}' {list(tensor.shape)} has a dimension above 1 outside the 3 innermost",
                name,
            )
    check(sg, op)


class EdgeTpu(Target):
    name = "edgetpu"
    title = "Edge TPU"
    source = SOURCE
    summary = "Coral Edge TPU (edgetpu_compiler)"
    caveats = ("the compiler may still decline an op for unpublished reasons ('some unspecified limitation')",)
    policy = PrefixUntilUnmapped()

    def check_subgraph(self, sg: Subgraph, options: Mapping[str, Any]) -> SubgraphCheck:
        """Ops in order until the first one the compiler cannot map (the policy places the rest on the CPU)."""
        check = SubgraphCheck()
        check.caveats = {op.index: [CAVEATS[op.builtin]] for op in sg.operators if op.builtin in CAVEATS}
        if sg.index != 0:
            only_first = Reject("MODEL_LIMIT", "the Edge TPU compiler maps only the first subgraph")
            check.rejected = dict.fromkeys(range(len(sg.operators)), only_first)
            return check
        for op in sg.operators:
            try:
                check_op(sg, op)
            except Reject as rej:
                check.rejected[op.index] = rej
                break
            check.taken.add(op.index)
        return check

    def supports_builtin(self, builtin: str) -> bool:
        return builtin in OPS

    def model_reasons(self, model: Model, subgraphs: tuple[int, ...], options: Mapping[str, Any]) -> list[Reason]:
        if len(model.subgraphs) > 1:
            return [Reason("MODEL_LIMIT", f"the model has {len(model.subgraphs)} subgraphs; only the first is mapped")]
        return []


TARGET = EdgeTpu()
