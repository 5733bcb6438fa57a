"""The one op table: what each builtin's operands mean, as data (Netron-style op metadata).

Rules, the summary, diagnosis, exporters, compat and profile read these facts here instead of
keeping their own sets of op names, so two modules cannot disagree about the same op. Operand
layouts follow ``tflite/core/kernels/*.cc`` (the ``kInputTensor``/``kWeightsTensor`` constants)
and the option defaults follow ``schema.fbs``.

Roles: ``input`` (activation), ``filter`` / ``bias`` / ``weights`` (constant parameters),
``shape``, ``axis``, ``begin``/``end``/``strides``/``size`` (index operands), ``state`` (a
variable tensor), ``condition``, ``indices``, ``other`` for what needs no name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .dtypes import is_float

if TYPE_CHECKING:
    from .model import Operator, Subgraph, Tensor

__all__ = [
    "Operand",
    "OpDef",
    "OPS",
    "opdef",
    "operand",
    "weight_slots",
    "filter_slots",
    "slot",
    "slot_of",
    "hybrid_weights",
    "is_hybrid",
    "HYBRID_OPS",
    "SIDE_EFFECT_OPS",
    "HYBRID_WEIGHT_TYPES",
    "WEIGHT_ROLES",
    "INDEX_ROLES",
]

WEIGHT_ROLES = frozenset({"filter", "bias", "weights"})
INDEX_ROLES = frozenset(
    {"shape", "axis", "begin", "end", "strides", "size", "paddings", "multiples", "perm", "indices"}
)


@dataclass(frozen=True, slots=True)
class Operand:
    name: str
    role: str = "input"
    optional: bool = False


@dataclass(frozen=True, slots=True)
class OpDef:
    """Facts about one builtin.

    ``hybrid``: with int8/int4 weights and float activations the kernel runs dynamic-range
    ("hybrid") quantized. ``needs_qparams``: the integer kernel computes with operand scales
    and zero points (ops that also work on raw integers, like CONCATENATION, do not).
    ``static_operands``: operand slots whose values the kernel needs at prepare time.
    ``static_dims``: ``(slot, dim, what)`` — a dim of an operand (negative: from the end) that
    must be known because the weights fix it (the channel dim of a CONV_2D input).
    ``side_effects``: the op matters even when nothing reads its results (variables, control
    flow, calls, custom ops). ``fixed_output``: output dtype → (scale, zero point) that the
    quantization spec fixes for the op's quantized output.
    """

    operands: tuple[Operand, ...] = ()
    elementwise: bool = False
    hybrid: bool = False
    needs_qparams: bool = False
    static_operands: tuple[int, ...] = ()
    option_defaults: Mapping[str, Any] = field(default_factory=dict)
    static_dims: tuple[tuple[int, int, str], ...] = ()
    side_effects: bool = False
    fixed_output: Mapping[str, tuple[float, int]] = field(default_factory=dict)


def _ops(*spec: str) -> tuple[Operand, ...]:
    """``"input"``, ``"filter:filter"``, ``"bias:bias?"`` → operands (``?`` = optional)."""
    out = []
    for s in spec:
        name, _, role = s.partition(":")
        optional = (role or name).endswith("?")
        name, role = name.rstrip("?"), (role or "input").rstrip("?")
        out.append(Operand(name, role, optional))
    return tuple(out)


_UNARY = _ops("input")
_BINARY = _ops("x", "y")
_LSTM = _ops(
    "input",
    "input_to_input_weights:weights?",
    "input_to_forget_weights:weights",
    "input_to_cell_weights:weights",
    "input_to_output_weights:weights",
    "recurrent_to_input_weights:weights?",
    "recurrent_to_forget_weights:weights",
    "recurrent_to_cell_weights:weights",
    "recurrent_to_output_weights:weights",
    "cell_to_input_weights:weights?",
    "cell_to_forget_weights:weights?",
    "cell_to_output_weights:weights?",
    "input_gate_bias:bias?",
    "forget_gate_bias:bias",
    "cell_gate_bias:bias",
    "output_gate_bias:bias",
    "projection_weights:weights?",
    "projection_bias:bias?",
    "output_state:state",
    "cell_state:state",
    "input_layer_norm_coefficients:weights?",
    "forget_layer_norm_coefficients:weights?",
    "cell_layer_norm_coefficients:weights?",
    "output_layer_norm_coefficients:weights?",
)

_ELEMENTWISE_UNARY = (
    "ABS RELU RELU6 RELU_N1_TO_1 RELU_0_TO_1 LOGISTIC TANH EXP LOG SQRT RSQRT SQUARE SIN COS NEG FLOOR CEIL ROUND "
    "SIGN HARD_SWISH ELU GELU LEAKY_RELU LOGICAL_NOT CAST QUANTIZE DEQUANTIZE ZEROS_LIKE ONES_LIKE BITCAST "
    "BITWISE_XOR RIGHT_SHIFT"
).split()
_ELEMENTWISE_BINARY = (
    "ADD SUB MUL DIV FLOOR_DIV FLOOR_MOD POW MAXIMUM MINIMUM SQUARED_DIFFERENCE LESS LESS_EQUAL GREATER "
    "GREATER_EQUAL EQUAL NOT_EQUAL LOGICAL_AND LOGICAL_OR ATAN2"
).split()
# Integer kernels that rescale with operand scales/zero points (see module doc).
_NEEDS_QPARAMS = (
    "ADD SUB MUL DIV SQUARED_DIFFERENCE SOFTMAX LOG_SOFTMAX LOGISTIC TANH HARD_SWISH LEAKY_RELU PRELU ELU "
    "L2_NORMALIZATION RSQRT DEQUANTIZE QUANTIZE BATCH_MATMUL"
).split()

OPS: dict[str, OpDef] = {
    "CONV_2D": OpDef(
        _ops("input", "filter:filter", "bias:bias?"),
        hybrid=True,
        needs_qparams=True,
        static_operands=(1,),
        static_dims=((0, -1, "channel"),),
    ),
    "DEPTHWISE_CONV_2D": OpDef(
        _ops("input", "filter:filter", "bias:bias?"),
        hybrid=True,
        needs_qparams=True,
        static_operands=(1,),
        static_dims=((0, -1, "channel"),),
    ),
    "CONV_3D": OpDef(
        _ops("input", "filter:filter", "bias:bias?"), hybrid=True, needs_qparams=True, static_dims=((0, -1, "channel"),)
    ),
    "CONV_3D_TRANSPOSE": OpDef(_ops("output_shape:shape", "filter:filter", "input", "bias:bias?"), needs_qparams=True),
    "TRANSPOSE_CONV": OpDef(
        _ops("output_shape:shape", "filter:filter", "input", "bias:bias?"),
        hybrid=True,
        needs_qparams=True,
        static_operands=(1,),
        static_dims=((2, -1, "channel"),),
    ),
    "FULLY_CONNECTED": OpDef(
        _ops("input", "weights:filter", "bias:bias?"),
        hybrid=True,
        needs_qparams=True,
        option_defaults={"fused_activation_function": "NONE", "keep_num_dims": False},
        static_dims=((0, -1, "feature"),),
    ),
    "BATCH_MATMUL": OpDef(_ops("x", "y"), hybrid=True, needs_qparams=True),
    "EMBEDDING_LOOKUP": OpDef(_ops("ids:indices", "params:weights"), hybrid=True),
    "GATHER": OpDef(_ops("params", "indices:indices"), hybrid=True),
    "GATHER_ND": OpDef(_ops("params", "indices:indices")),
    "LSTM": OpDef(_LSTM, hybrid=True, needs_qparams=True),
    "UNIDIRECTIONAL_SEQUENCE_LSTM": OpDef(_LSTM, hybrid=True, needs_qparams=True),
    "BIDIRECTIONAL_SEQUENCE_LSTM": OpDef(_ops("input"), hybrid=True),
    "SVDF": OpDef(
        _ops("input", "feature_weights:weights", "time_weights:weights", "bias:bias?", "state:state"),
        hybrid=True,
        needs_qparams=True,
    ),
    "RNN": OpDef(
        _ops("input", "input_weights:weights", "recurrent_weights:weights", "bias:bias", "state:state"), hybrid=True
    ),
    "UNIDIRECTIONAL_SEQUENCE_RNN": OpDef(
        _ops("input", "input_weights:weights", "recurrent_weights:weights", "bias:bias", "state:state"), hybrid=True
    ),
    "BIDIRECTIONAL_SEQUENCE_RNN": OpDef(_ops("input"), hybrid=True),
    "RESHAPE": OpDef(_ops("input", "shape:shape?")),
    "BROADCAST_TO": OpDef(_ops("input", "shape:shape")),
    "EXPAND_DIMS": OpDef(_ops("input", "axis:axis")),
    "SQUEEZE": OpDef(_ops("input")),
    "TRANSPOSE": OpDef(_ops("input", "perm:perm"), static_operands=(1,)),
    "SLICE": OpDef(_ops("input", "begin:begin", "size:size")),
    "STRIDED_SLICE": OpDef(_ops("input", "begin:begin", "end:end", "strides:strides")),
    "PAD": OpDef(_ops("input", "paddings:paddings"), static_operands=(1,)),
    "PADV2": OpDef(_ops("input", "paddings:paddings", "constant_values")),
    "MIRROR_PAD": OpDef(_ops("input", "paddings:paddings")),
    "TILE": OpDef(_ops("input", "multiples:multiples")),
    "MEAN": OpDef(_ops("input", "axis:axis"), static_operands=(1,)),
    "SUM": OpDef(_ops("input", "axis:axis")),
    "REDUCE_MAX": OpDef(_ops("input", "axis:axis")),
    "REDUCE_MIN": OpDef(_ops("input", "axis:axis")),
    "REDUCE_PROD": OpDef(_ops("input", "axis:axis")),
    "REDUCE_ANY": OpDef(_ops("input", "axis:axis")),
    "REDUCE_ALL": OpDef(_ops("input", "axis:axis")),
    "ARG_MAX": OpDef(_ops("input", "axis:axis")),
    "ARG_MIN": OpDef(_ops("input", "axis:axis")),
    "CUMSUM": OpDef(_ops("input", "axis:axis")),
    "SPLIT": OpDef(_ops("axis:axis", "input")),
    "SPLIT_V": OpDef(_ops("input", "size_splits:size", "axis:axis")),
    "RESIZE_BILINEAR": OpDef(_ops("input", "size:size")),
    "RESIZE_NEAREST_NEIGHBOR": OpDef(_ops("input", "size:size")),
    "SPACE_TO_BATCH_ND": OpDef(_ops("input", "block_shape:shape", "paddings:paddings")),
    "BATCH_TO_SPACE_ND": OpDef(_ops("input", "block_shape:shape", "crops:paddings")),
    "SELECT": OpDef(_ops("condition:condition", "x", "y"), elementwise=True),
    "SELECT_V2": OpDef(_ops("condition:condition", "x", "y"), elementwise=True),
    "PRELU": OpDef(_ops("input", "alpha:weights"), needs_qparams=True),
    "TOPK_V2": OpDef(_ops("input", "k:size")),
    "ONE_HOT": OpDef(_ops("indices:indices", "depth:size", "on_value", "off_value")),
    "FILL": OpDef(_ops("dims:shape", "value")),
    "RANGE": OpDef(_ops("start", "limit", "delta")),
    "SCATTER_ND": OpDef(_ops("indices:indices", "updates", "shape:shape")),
    "DENSIFY": OpDef(_ops("input:weights")),
    "ASSIGN_VARIABLE": OpDef(_ops("resource:state", "value")),
    "READ_VARIABLE": OpDef(_ops("resource:state")),
    "VAR_HANDLE": OpDef(),
    "CALL_ONCE": OpDef(),
    "SOFTMAX": OpDef(_UNARY, needs_qparams=True, option_defaults={"beta": 1.0}),
    "LOG_SOFTMAX": OpDef(_UNARY, needs_qparams=True),
    "L2_NORMALIZATION": OpDef(_UNARY, needs_qparams=True),
    "AVERAGE_POOL_2D": OpDef(_UNARY),
    "MAX_POOL_2D": OpDef(_UNARY),
    "L2_POOL_2D": OpDef(_UNARY),
    "CONCATENATION": OpDef(),
    "PACK": OpDef(),
    "UNPACK": OpDef(_UNARY),
    "SHAPE": OpDef(_UNARY),
    "RANK": OpDef(_UNARY),
    "DEPTH_TO_SPACE": OpDef(_UNARY),
    "SPACE_TO_DEPTH": OpDef(_UNARY),
    "LOCAL_RESPONSE_NORMALIZATION": OpDef(_UNARY),
    "WHERE": OpDef(_ops("condition:condition")),
    "SEGMENT_SUM": OpDef(_ops("data", "segment_ids:indices")),
    "UNSORTED_SEGMENT_SUM": OpDef(_ops("data", "segment_ids:indices", "num_segments:size")),
    "UNSORTED_SEGMENT_MAX": OpDef(_ops("data", "segment_ids:indices", "num_segments:size")),
    "UNSORTED_SEGMENT_MIN": OpDef(_ops("data", "segment_ids:indices", "num_segments:size")),
    "UNSORTED_SEGMENT_PROD": OpDef(_ops("data", "segment_ids:indices", "num_segments:size")),
    "REVERSE_V2": OpDef(_ops("input", "axis:axis")),
    "REVERSE_SEQUENCE": OpDef(_ops("input", "seq_lengths:size")),
    "DYNAMIC_UPDATE_SLICE": OpDef(_ops("operand:input", "update", "start_indices:begin")),
    "BROADCAST_ARGS": OpDef(_ops("s0:shape", "s1:shape")),
    "MATRIX_DIAG": OpDef(_ops("diagonal:input")),
    "MATRIX_SET_DIAG": OpDef(_ops("input", "diagonal")),
    "SPARSE_TO_DENSE": OpDef(_ops("indices:indices", "output_shape:shape", "values", "default_value")),
    "RFFT2D": OpDef(_ops("input", "fft_length:size")),
    "NON_MAX_SUPPRESSION_V4": OpDef(
        _ops("boxes:input", "scores", "max_output_size:size", "iou_threshold", "score_threshold")
    ),
    "NON_MAX_SUPPRESSION_V5": OpDef(
        _ops("boxes:input", "scores", "max_output_size:size", "iou_threshold", "score_threshold", "sigma")
    ),
}
for _name in _ELEMENTWISE_UNARY:
    OPS.setdefault(_name, OpDef(_UNARY, elementwise=True))
for _name in _ELEMENTWISE_BINARY:
    OPS.setdefault(_name, OpDef(_BINARY, elementwise=True))
for _name in _NEEDS_QPARAMS:
    _d = OPS[_name]
    if not _d.needs_qparams:
        OPS[_name] = replace(_d, needs_qparams=True)

# Ops that matter even when nothing reads their outputs.
_SIDE_EFFECTS = (
    "ASSIGN_VARIABLE CALL_ONCE VAR_HANDLE READ_VARIABLE WHILE IF CALL CUSTOM HASHTABLE HASHTABLE_IMPORT "
    "STABLEHLO_COMPOSITE"
).split()
for _name in _SIDE_EFFECTS:
    OPS[_name] = replace(OPS.get(_name, OpDef()), side_effects=True)
# Output parameters the TFLite quantization spec fixes (and the LiteRT kernels check at prepare).
_FIXED_OUTPUT: dict[str, dict[str, tuple[float, int]]] = {
    "LOGISTIC": {"INT8": (1 / 256, -128), "UINT8": (1 / 256, 0), "INT16": (1 / 32768, 0)},
    "SOFTMAX": {"INT8": (1 / 256, -128), "UINT8": (1 / 256, 0), "INT16": (1 / 32768, 0)},
    "TANH": {"INT8": (1 / 128, 0), "UINT8": (1 / 128, 128), "INT16": (1 / 32768, 0)},
    "LOG_SOFTMAX": {"INT8": (16 / 256, 127), "UINT8": (16 / 256, 255)},
}
for _name, _fixed in _FIXED_OUTPUT.items():
    OPS[_name] = replace(OPS[_name], fixed_output=_fixed)

_EMPTY = OpDef()

# Builtins that run dynamic-range ("hybrid") kernels when given integer weights and float inputs.
HYBRID_OPS = frozenset(name for name, d in OPS.items() if d.hybrid)
SIDE_EFFECT_OPS = frozenset(name for name, d in OPS.items() if d.side_effects)


def opdef(builtin: str) -> OpDef:
    """Facts for a builtin name; an empty definition for ops the table does not describe."""
    return OPS.get(builtin, _EMPTY)


def operand(builtin: str, slot: int) -> Operand | None:
    """The named operand at ``slot``; variadic ops (CONCATENATION, PACK) have none."""
    ops = opdef(builtin).operands
    return ops[slot] if 0 <= slot < len(ops) else None


def weight_slots(op: Operator) -> tuple[int, ...]:
    """Operand slots of ``op`` that hold parameters (filter, bias, weights) by the table."""
    ops = opdef(op.builtin).operands
    return tuple(i for i, o in enumerate(ops) if o.role in WEIGHT_ROLES and i < len(op.inputs) and op.inputs[i] >= 0)


def slot(builtin: str, role: str) -> int | None:
    """The slot of the first operand of ``builtin`` with ``role`` (``"input"``, ``"shape"``, …)."""
    return next((i for i, o in enumerate(opdef(builtin).operands) if o.role == role), None)


def slot_of(builtin: str, role: str) -> int:
    """:func:`slot` for tables built at import time: a role the table lacks is a KeyError there."""
    found = slot(builtin, role)
    if found is None:
        raise KeyError(f"the op table has no {role!r} operand for {builtin}")
    return found


def filter_slots(builtin: str) -> tuple[int, int, int] | None:
    """(activation input, filter, bias) slots of a convolution-like op (one with a ``filter``
    operand: CONV_*, DEPTHWISE_CONV_2D, TRANSPOSE_CONV, FULLY_CONNECTED), else None. The bias slot
    is reported even though the operand is optional."""
    ops = opdef(builtin).operands
    roles = [o.role for o in ops]
    if "filter" not in roles:
        return None
    return (roles.index("input"), roles.index("filter"), roles.index("bias") if "bias" in roles else -1)


# Integer weight types a hybrid kernel dequantizes on the fly (uint8: the legacy TOCO scheme).
HYBRID_WEIGHT_TYPES = frozenset({"INT8", "INT4", "UINT8"})


def hybrid_weights(sg: Subgraph, op: Operator) -> list[Tensor]:
    """The integer constant weights of ``op`` when it runs a dynamic-range ("hybrid") kernel —
    a HYBRID_OPS builtin with integer constant operands and float activations — else [].

    The one definition the summary's scheme and QNT010 share. Activations are looked for among
    the outputs too: lookups (EMBEDDING_LOOKUP) read integer ids and produce float rows.
    """
    if op.builtin not in HYBRID_OPS:
        return []
    weights: list[Tensor] = []
    float_act = False
    for i in op.inputs:
        t = sg.tensor(i)
        if t is None:
            continue
        if t.is_constant:
            if t.dtype in HYBRID_WEIGHT_TYPES:
                weights.append(t)
        elif is_float(t.dtype):
            float_act = True
    if weights and not float_act:
        float_act = any((t := sg.tensor(o)) is not None and is_float(t.dtype) for o in op.outputs)
    return weights if float_act else []


def is_hybrid(sg: Subgraph, op: Operator) -> bool:
    return bool(hybrid_weights(sg, op))
