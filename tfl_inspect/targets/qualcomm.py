"""What LiteRT's Qualcomm compiler plugin puts on the Hexagon NPU (QNN HTP), per op and per SoC.

Source: LiteRT ``litert/vendors/qualcomm`` at f67457790c9c2ab67347d6fe53270e8d3df20868 (the nearest
public commit to the ai-edge-litert 2.3.0 wheel): ``compiler/qnn_compiler_plugin.cc``
``LiteRtCompilerPluginPartition``, ``compiler/qnn_compose_graph.cc`` (``ConvertTensor``,
``ConvertDataType``, the builder table ``GetOpBuilders``, ``BuildShloCompositeOp``, ``BuildCustomOp``)
and ``core/builders/*.cc``. Per op the plugin converts every operand (a type QNN has no datatype for,
or blockwise quantization, fails the whole partition call), runs the op's builder (no builder: "not
supported in Qualcomm Compiler"; a builder check that fails: no QNN op, the op stays on the CPU) and
validates every QNN op it built with the HTP backend (:mod:`._qnn`, checks observed, not ported).
The 2.3.0 wheel is newer than that commit: it also builds SQUEEZE and ADD_N and refuses a float
FULLY_CONNECTED with per-tensor int8 weights (its "[Qnn]" messages, read from the shipped library).
SoCs: ``ai_edge_litert/aot/vendors/qualcomm/target.py`` with the HTP generation of
``litert/vendors/qualcomm/supported_soc.csv``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from ..readers.opcodes import BUILTIN_NAMES
from ..remedies import Remedy
from . import _qnn
from ._tensors import need, option
from .npu import NpuTarget, composite_name, no_kernel_fix
from .reasons import Reason, Reject

if TYPE_CHECKING:
    from ..model import Model, Operator, Subgraph, Tensor

__all__ = ["SOURCE", "SOCS", "BUILDERS", "COMPOSITES", "TARGET", "select"]

SOURCE = (
    "LiteRT litert/vendors/qualcomm (qnn_compiler_plugin.cc, qnn_compose_graph.cc, core/builders) @ f67457790 "
    "+ QNN HTP validation observed with apply_plugin_main (ai-edge-litert 2.3.0)"
)

# target.py's SocModel, with the HTP generation from supported_soc.csv
SOCS = {
    "SA8255": "HTP v73",
    "SA8295": "HTP v68",
    "SM8350": "HTP v68",
    "SM8450": "HTP v69",
    "SM8475": "HTP v69",
    "SM8550": "HTP v73",
    "SM8650": "HTP v75",
    "SM8750": "HTP v79",
    "SM8845": "HTP v81",
    "SM8850": "HTP v81",
}
DEFAULT_SOC = "SM8650"

# GetOpBuilders() (qnn_compose_graph.cc) plus SQUEEZE and ADD_N, which the 2.3.0 library also builds.
BUILDERS = frozenset(
    """ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE EMBEDDING_LOOKUP FLOOR
    FULLY_CONNECTED L2_NORMALIZATION L2_POOL_2D LOGISTIC MAX_POOL_2D MUL RELU RELU_N1_TO_1 RELU6 RESHAPE
    RESIZE_BILINEAR SOFTMAX SPACE_TO_DEPTH BATCH_TO_SPACE_ND SPACE_TO_BATCH_ND TANH PAD GATHER TRANSPOSE MEAN SUB DIV
    STRIDED_SLICE EXP TOPK_V2 SPLIT SPLIT_V LOG_SOFTMAX CAST PRELU MAXIMUM ARG_MAX MINIMUM LESS NEG PADV2 GREATER
    GREATER_EQUAL LESS_EQUAL SELECT SLICE SIN TRANSPOSE_CONV TILE EQUAL NOT_EQUAL LOG SUM SQRT RSQRT POW ARG_MIN
    REDUCE_MAX PACK LOGICAL_OR ONE_HOT LOGICAL_AND LOGICAL_NOT UNPACK REDUCE_MIN FLOOR_DIV FLOOR_MOD REDUCE_ANY SQUARE
    RESIZE_NEAREST_NEIGHBOR LEAKY_RELU SQUARED_DIFFERENCE MIRROR_PAD ABS CEIL REVERSE_V2 GATHER_ND COS ELU QUANTIZE
    ROUND HARD_SWISH SCATTER_ND SELECT_V2 BATCH_MATMUL CUMSUM BROADCAST_TO CONV_3D REDUCE_ALL GELU
    DYNAMIC_UPDATE_SLICE RELU_0_TO_1 SIGN STABLEHLO_COMPOSITE SQUEEZE ADD_N""".split()
)
COMPOSITES = ("odml.rms_norm", "odml.group_norm", "odml.l2_norm")  # BuildShloCompositeOp

# ConvertDataType: LiteRT element types with a QNN datatype; any other operand type fails the partition call.
QNN_TYPES = frozenset(
    "BOOL INT2 INT4 INT8 INT16 INT32 INT64 UINT8 UINT16 UINT32 UINT64 FLOAT16 FLOAT32 FLOAT64".split()
)
_CODES = {name: code for code, name in BUILTIN_NAMES.items()}


def _in(sg: Subgraph, op: Operator, slot: int) -> Tensor | None:
    return sg.tensor(op.inputs[slot]) if slot < len(op.inputs) else None


def _static(sg: Subgraph, op: Operator, slot: int, what: str, message: str) -> None:
    """``IsTensorStatic``: a constant in the file (a builder's operand QNN takes as a parameter)."""
    t = _in(sg, op, slot)
    if t is None or not t.is_constant:
        raise Reject(
            "CONSTANT_INPUT_REQUIRED",
            f"op builder: {message} ({what} '{t.name if t else '?'}' is computed at run time)",
            f"input {slot}",
            _fold_fix(sg, t),
        )


def _fold_fix(sg: Subgraph, t: Tensor | None) -> Remedy | None:
    """Static shapes fold a run-time operand when it is computed from a SHAPE (the usual case)."""
    seen = 0
    todo = [t.index] if t is not None else []
    while todo and seen < 16:
        seen += 1
        p = sg.producer_op(todo.pop())
        if p is None:
            continue
        if p.builtin == "SHAPE":
            return Remedy.STATIC_SHAPES_FOLD
        todo.extend(i for i in p.inputs if i >= 0)
    return None


def _builder_refuses(sg: Subgraph, op: Operator) -> None:
    """The checks of the op's builder (``core/builders``) that return no QNN op ("[Qnn]" log lines)."""
    check = _BUILDER_CHECKS.get(op.builtin)
    if check is not None:
        check(sg, op)


def _axis0(sg: Subgraph, op: Operator) -> None:  # ARG_MAX/ARG_MIN, CUMSUM
    _static(sg, op, 1, "axis", "the axis must be static")


def _reduce(sg: Subgraph, op: Operator) -> None:
    t = _in(sg, op, 1)
    _static(sg, op, 1, "axis", "the axis tensor must be static")
    need(
        t is None or len(t.shape_signature) <= 1,
        "UNSUPPORTED_OPERAND_RANK",
        "op builder: the axis tensor must have rank 1",
        "input 1",
    )


def _pad(sg: Subgraph, op: Operator) -> None:
    _static(sg, op, 1, "paddings", "QNN only supports a static pad amount tensor")
    if op.builtin == "PADV2" and len(op.inputs) > 2:
        src, value = _in(sg, op, 0), _in(sg, op, 2)
        if src is not None and value is not None and src.is_quantized:
            need(
                value.dtype == src.dtype,
                "UNSUPPORTED_INPUT_TYPE",
                f"op builder: the pad value is {value.dtype}, the quantized input {src.dtype}",
                "input 2",
            )


def _gather(sg: Subgraph, op: Operator) -> None:
    batch = op.options.get("batch_dims") or 0
    need(batch == 0, "UNSUPPORTED_OPERATOR_VARIANT", f"op builder: batch_dims {batch}; QNN's Gather takes 0 only")


def _strided_slice(sg: Subgraph, op: Operator) -> None:
    need(
        not option(op, "ellipsis_mask", 0),
        "UNSUPPORTED_OPERATOR_VARIANT",
        "op builder: only ellipsis_mask 0 is supported",
    )
    for slot, what in ((1, "begin"), (2, "end"), (3, "strides")):
        _static(sg, op, slot, what, "only static tensors are accepted for begin, end and strides")


def _topk(sg: Subgraph, op: Operator) -> None:
    k = _in(sg, op, 1)
    _static(sg, op, 1, "k", "the param 'k' of TopK must be static")
    need(
        k is None or k.dtype in ("INT32", "UINT32"),
        "UNSUPPORTED_INPUT_TYPE",
        f"op builder: k is {k.dtype if k else '?'}; QNN's TopK takes an int32 k",
        "input 1",
    )


def _tile(sg: Subgraph, op: Operator) -> None:
    _static(sg, op, 1, "multiples", "the multiples param of Tile must be static")


def _transpose(sg: Subgraph, op: Operator) -> None:
    _static(sg, op, 1, "perm", "the param 'perm' of Transpose must be static")
    src, perm = _in(sg, op, 0), _in(sg, op, 1)
    if src is not None and perm is not None:
        n = perm.shape[0] if len(perm.shape) == 1 else 1
        need(
            n == len(_qnn.qdims(src)),
            "UNSUPPORTED_OPERAND_VALUE",
            f"the permutation has {n} entries for an input of rank {len(_qnn.qdims(src))} (QNN's Transpose refuses it)",
            "input 1",
        )


def _slice(sg: Subgraph, op: Operator) -> None:
    _static(sg, op, 1, "begin", "the begin and size tensors of Slice must be static")
    _static(sg, op, 2, "size", "the begin and size tensors of Slice must be static")


def _split(sg: Subgraph, op: Operator) -> None:
    _static(sg, op, 0, "axis", "the axis of Split must be static")


def _split_v(sg: Subgraph, op: Operator) -> None:
    _static(sg, op, 1, "size_splits", "SplitV axis and size_splits tensors must be static")
    _static(sg, op, 2, "axis", "SplitV axis and size_splits tensors must be static")


def _reverse(sg: Subgraph, op: Operator) -> None:
    axis = _in(sg, op, 1)
    _static(sg, op, 1, "axis", "ReverseV2 axis tensor must be static")
    need(
        axis is None or axis.shape in ((1,), ()),
        "UNSUPPORTED_OPERAND_SIZE",
        "op builder: QNN supports ReverseV2 with a single axis",
        "input 1",
    )


def _spatial(sg: Subgraph, op: Operator) -> None:  # BATCH_TO_SPACE_ND / SPACE_TO_BATCH_ND
    _static(sg, op, 1, "block_shape", "QNN only supports static block_shape and crops/paddings")
    _static(sg, op, 2, "crops/paddings", "QNN only supports static block_shape and crops/paddings")


def _scatter_nd(sg: Subgraph, op: Operator) -> None:
    _static(sg, op, 2, "shape", "the shape tensor of scatterNd must be static")


def _one_hot(sg: Subgraph, op: Operator) -> None:
    for slot, what in ((1, "depth"), (2, "on_value"), (3, "off_value")):
        _static(sg, op, slot, what, "depth, on value and off value must be static scalars")
    on, off, out = _in(sg, op, 2), _in(sg, op, 3), sg.tensor(op.outputs[0]) if op.outputs else None
    types = {t.dtype for t in (on, off, out) if t is not None}
    need(len(types) <= 1, "UNSUPPORTED_INPUT_TYPE", "op builder: on value, off value and output types differ")


def _dynamic_update_slice(sg: Subgraph, op: Operator) -> None:
    """The builder's decomposition (``dynamic_update_slice_op_builder.cc``, "only supports Gemma2 use case"):
    ElementWiseSelect(NotEqual(iota(operand.dim1), sum(indices)) as [N, 1, 1], operand, update)."""
    operand, update, idx = _in(sg, op, 0), _in(sg, op, 1), _in(sg, op, 2)
    if operand is None or update is None or idx is None:
        return
    a, u = _qnn.qdims(operand), _qnn.qdims(update)
    need(len(a) == len(u), "UNSUPPORTED_OPERAND_RANK", "op builder: operand and update must have the same rank")
    need(idx.dtype == "INT32", "UNSUPPORTED_INPUT_TYPE", f"op builder: start indices are {idx.dtype}, not INT32")
    need(len(a) >= 2, "UNSUPPORTED_OPERAND_RANK", "op builder: the operand needs rank 2 or more")
    cond = (a[1], 1, 1)
    rank = max(len(a), len(cond))
    out = sg.tensor(op.outputs[0]) if op.outputs else None
    shape: list[int] = []
    for d in range(rank, 0, -1):
        sizes = {s[-d] for s in (cond, a, u) if d <= len(s)}
        need(
            len(sizes - {1}) <= 1,
            "UNSUPPORTED_OPERAND_SIZE",
            f"the plugin writes the update with a select broadcast over the operand's dim 1 only; update "
            f"{'x'.join(map(str, u))} does not broadcast to the operand {'x'.join(map(str, a))} "
            "(QNN's ElementWiseSelect refuses it)",
            "input 1",
        )
        shape.append(max(sizes))
    need(
        out is None or tuple(shape) == _qnn.qdims(out),
        "UNSUPPORTED_OPERAND_RANK",
        f"the plugin writes the update with a select whose condition has shape {a[1]}x1x1; with operand "
        f"{'x'.join(map(str, a))} it yields {'x'.join(map(str, shape))}, not the output's shape "
        "(QNN's ElementWiseSelect refuses it)",
        "input 0",
    )


def _fully_connected(sg: Subgraph, op: Operator) -> None:
    src, w = _in(sg, op, 0), _in(sg, op, 1)
    if src is None or w is None:
        return
    if w.dtype == "INT8" and src.dtype in ("FLOAT32", "FLOAT16") and w.is_quantized:
        need(
            bool(w.quantization and w.quantization.per_channel),
            "UNSUPPORTED_QUANTIZATION_PARAMETERS",
            "op builder: a float FULLY_CONNECTED with int8 weights needs per-channel quantized weights",
            "input 1",
            Remedy.NPU_FULL_INTEGER,
        )


def _add_n(sg: Subgraph, op: Operator) -> None:
    need(len(op.inputs) >= 2, "MISSING_REQUIRED_OPERAND", "op builder: AddN expects at least 2 inputs")
    tensors = [sg.tensor(t) for t in (*op.inputs, *op.outputs)]
    need(
        not any(t is not None and t.is_quantized for t in tensors),
        "UNSUPPORTED_QUANTIZATION_TYPE",
        "op builder: AddN does not support quantized inputs or outputs",
    )


_BUILDER_CHECKS: dict[str, Callable[[Subgraph, Operator], None]] = {
    "ARG_MAX": _axis0,
    "ARG_MIN": _axis0,
    "CUMSUM": _axis0,
    "SUM": _reduce,
    "MEAN": _reduce,
    "REDUCE_MAX": _reduce,
    "REDUCE_MIN": _reduce,
    "REDUCE_ANY": _reduce,
    "REDUCE_ALL": _reduce,
    "PAD": _pad,
    "PADV2": _pad,
    "MIRROR_PAD": _pad,
    "GATHER": _gather,
    "STRIDED_SLICE": _strided_slice,
    "TOPK_V2": _topk,
    "TILE": _tile,
    "TRANSPOSE": _transpose,
    "SLICE": _slice,
    "SPLIT": _split,
    "SPLIT_V": _split_v,
    "REVERSE_V2": _reverse,
    "BATCH_TO_SPACE_ND": _spatial,
    "SPACE_TO_BATCH_ND": _spatial,
    "SCATTER_ND": _scatter_nd,
    "ONE_HOT": _one_hot,
    "DYNAMIC_UPDATE_SLICE": _dynamic_update_slice,
    "FULLY_CONNECTED": _fully_connected,
    "ADD_N": _add_n,
}


def _htp(soc: str) -> int:
    return int(SOCS[soc].rsplit("v", 1)[1])


def select(sg: Subgraph, op: Operator, htp: int = 75) -> None:
    """Raise :class:`Reject` when the plugin does not select ``op`` for an HTP of generation ``htp``."""
    if op.is_custom:
        raise Reject(
            "UNSUPPORTED_OPERATOR",
            f"custom op {op.opcode}: no QNN custom op package is registered (the plugin's default), so no QNN op "
            "is created",
        )
    b = op.builtin
    if b not in BUILDERS:
        raise Reject(
            "UNSUPPORTED_OPERATOR",
            f"{b} (code {_CODES.get(b, '?')}) has no op builder in the Qualcomm plugin "
            '("is not supported in Qualcomm Compiler")',
            None,
            no_kernel_fix(b),
        )
    if b == "STABLEHLO_COMPOSITE":
        name = composite_name(op)
        need(
            name in COMPOSITES,
            "UNSUPPORTED_OPERATOR",
            f"composite '{name}': the plugin builds QNN ops for {', '.join(COMPOSITES)} only",
        )
        return
    _builder_refuses(sg, op)
    _qnn.validate(sg, op, htp)


def _unconvertible(t: Tensor) -> bool:
    q = t.quantization
    blockwise = q is not None and q.details is not None and q.details.get("type") == "BlockwiseQuantization"
    return blockwise or t.dtype not in QNN_TYPES


def _operand_types(model: Model, visited: Iterable[int]) -> Reason | None:
    """``ConvertTensor`` fails the whole partition call (apply_plugin exits): a type QNN lacks, blockwise scales."""
    for s in visited:
        sg = model.subgraphs[s]
        bad = {t.index for t in sg.tensors if t.dtype not in QNN_TYPES or t.quantization is not None}
        bad = {i for i in bad if _unconvertible(sg.tensors[i])}
        if not bad:
            continue
        for op in sg.operators:
            for t in (*op.inputs, *op.outputs):
                if t not in bad:
                    continue
                x = sg.tensors[t]
                if x.dtype not in QNN_TYPES:
                    fix = Remedy.STATE_AS_IO if x.dtype == "RESOURCE" else None
                    return Reason(
                        "MODEL_LIMIT",
                        f"the Qualcomm plugin stops on this model (nothing is compiled): op #{op.index} "
                        f"({op.opcode}, subgraph {s}) uses '{x.name}' of type {x.dtype}, which QNN has no datatype "
                        'for ("QNN Unsupported data type")',
                        None,
                        fix,
                    )
                q = x.quantization
                if q is not None and q.details is not None and q.details.get("type") == "BlockwiseQuantization":
                    return Reason(
                        "MODEL_LIMIT",
                        f"the Qualcomm plugin stops on this model (nothing is compiled): '{x.name}' (op #{op.index} "
                        f'{op.opcode}, subgraph {s}) has blockwise quantization ("Unsupported quantization type")',
                    )
    return None


# Ops QNN validates by rules beyond the operand flags of :func:`_flags` (see :mod:`._qnn`).
_LOOK = frozenset({"ARG_MAX", "ARG_MIN", "SPACE_TO_DEPTH", "GATHER", "SQUEEZE", "BATCH_MATMUL", *_qnn.HYBRID_REFUSED})
_RANK, _DYNAMIC, _QUANT, _FLOATING, _PLAIN = 1, 2, 4, 8, 16
_NARROW = frozenset({"INT8", "UINT8", "INT16", "UINT16"})


def _flags(sg: Subgraph) -> list[int]:
    """Per tensor: rank over 5 or a 0 dim; run-time tensor with unknown dims or no dims; quantized; float."""
    out = []
    floats = _qnn.FLOAT
    for t in sg.tensors:
        sig = t.shape_signature
        f = _RANK if len(sig) > _qnn.MAX_RANK or 0 in sig else 0
        if not t.nbytes and not t.external and (not sig or -1 in sig or not t.has_rank):
            f |= _DYNAMIC
        q = t.quantization
        if t.dtype in floats:
            f |= _FLOATING
        elif q is not None and (q.scale or q.zero_point or q.details is not None):
            f |= _QUANT
        elif t.dtype in _NARROW:
            f |= _PLAIN
        out.append(f)
    return out


class Qualcomm(NpuTarget):
    name = "qualcomm"
    title = "Qualcomm NPU"
    source = SOURCE
    summary = "Qualcomm Hexagon NPU (QNN HTP) through LiteRT's Qualcomm compiler plugin, per SoC (--soc)"
    verified = (
        "checked per op against the plugin's partition (apply_plugin_main, ai-edge-litert 2.3.0) on SM8650, "
        "SM8450 and SM8850"
    )
    vendor = "Qualcomm"
    socs = SOCS
    default_soc = DEFAULT_SOC
    caveats = ("partition only: whether QNN then compiles each partition (graph finalization) is not checked",)

    def select(self, sg: Subgraph, op: Operator, soc: str) -> None:
        select(sg, op, _htp(soc))

    def refusals(self, sg: Subgraph, soc: str) -> dict[int, Reject]:
        """:func:`select` for every op, with the operand checks skipped where the operands' flags clear them."""
        htp = _htp(soc)
        flags = _flags(sg)
        binary = _qnn.BINARY
        fast = BUILDERS - _LOOK - {"STABLEHLO_COMPOSITE"}
        both = _QUANT | _FLOATING
        out: dict[int, Reject] = {}
        for op in sg.operators:
            b = op.builtin
            if b in fast and op.custom_code is None:
                m = 0
                for i in op.inputs:
                    if i >= 0:
                        m |= flags[i]
                for i in op.outputs:
                    m |= flags[i]
                mixed = m & (_QUANT | _PLAIN) == _QUANT | _PLAIN or (b in binary and m & both == both)
                if not m & (_RANK | _DYNAMIC) and not mixed:
                    check = _BUILDER_CHECKS.get(b)
                    if check is not None:
                        try:
                            check(sg, op)
                        except Reject as rej:
                            out[op.index] = rej
                    continue
            try:
                select(sg, op, htp)
            except Reject as rej:
                out[op.index] = rej
        return out

    def stops(self, model: Model, visited: Iterable[int], soc: str) -> Reason | None:
        return _operand_types(model, visited)

    def supports_builtin(self, builtin: str) -> bool:
        return builtin in BUILDERS


TARGET = Qualcomm()
