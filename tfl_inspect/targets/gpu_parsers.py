"""The GPU accelerator's op parsers: which parser ``NewOperationParser`` gives an op and its ``IsSupported``.

Ported from LiteRT f67457790c9c (2026-08-21) ``ml_drift_delegate/tflite/model_builder.cc``
(the parser classes, 572-6720; the switch, 6766-7115: an op with no case is "Operation is not
supported."), the StableHLO composites by name (7071-7112) and the factory of
``ml_drift_delegate/delegate/composite/custom_parsers.cc`` with its parsers
(``add_values_to_cache_parser.cc``, ``runtime_batched_matmul_parser.cc``, ``sdpa_transposed_parser.cc``,
``rope_parser.cc``; ``moe_experts_parser.cc`` only for its input count). The custom op names not
listed here go to a parser that is not in the public source; they are reported unsupported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .gpu_checks import (
    BINARY,
    F16,
    F32,
    UNARY,
    Node,
    affine,
    bhwc,
    broadcastable,
    check_axis,
    check_output,
    check_outputs,
    check_shape,
    check_version,
    counts,
    fail,
    fuse_activation,
    get_input,
    get_output,
    gpu_compatibility,
    numel,
    opt,
    passes,
    qtype,
    read_tensor,
    read_value,
    runtime_or_constant,
    select_compatibility,
    tensor_id,
    tflite_shape,
    validate,
)
from .reasons import Reject

if TYPE_CHECKING:
    from ..model import Operator, Tensor

__all__ = ["PARSERS", "FACTORY", "FACTORY_BOOL", "parser_for"]


def _p_arg_max(n: Node) -> None:
    validate(n, num_outputs=1, runtime=1, consts=1, compat=False)
    axis = read_tensor(n, 1, "scalar", "int32")
    src, dst = get_input(n, 0), get_output(n, 0)
    if axis:
        check_axis(src, axis[0])
    read_value(n, 0)
    check_shape(src)
    check_shape(dst)


def _p_batch_matmul(n: Node) -> None:
    validate(n, num_outputs=1)
    r = n.runtime_inputs()
    if r == 1:
        read_value(n, 0)
        second = get_input(n, 1)
        if not n.is_const(second):
            raise fail("CONSTANT_INPUT_REQUIRED", "Not supported batched mat mul case: non-constant tensor")
        if len(second.shape) == 2:
            read_tensor(n, 1, "hw", "float")
        elif len(second.shape) in (3, 4):
            read_tensor(n, 1, "bhwc", "float")
        else:
            raise fail(
                "UNSUPPORTED_OPERAND_RANK", "Not supported batched mat mul case: second input has unsupported rank"
            )
    elif r == 2:
        read_value(n, 0)
        read_value(n, 1)
    else:
        raise fail("UNSUPPORTED_OPERAND_SIZE", "Not supported batched mat mul case: too many inputs")
    check_outputs(n)


def _p_bitcast(n: Node) -> None:
    validate(n)
    src, dst = get_input(n, 0), get_output(n, 0)
    read_value(n, 0)
    if len(src.shape) != len(dst.shape):
        check_shape(dst)


def _p_broadcast_in_dim(n: Node) -> None:
    validate(n)
    src, dst = get_input(n, 0), get_output(n, 0)
    if not 0 < len(src.shape) < 5:
        raise fail("UNSUPPORTED_OPERAND_RANK", "Only supports 1D-4D input tensor.")
    if not 0 < len(dst.shape) < 5:
        raise fail("UNSUPPORTED_OPERAND_RANK", "Only supports 1D-4D output tensor.")
    idx = read_tensor(n, 1, "linear", "int32") or []
    for d, v in enumerate(idx):
        if not 0 <= v < len(dst.shape):
            raise fail("INVALID_ARGUMENT", "Require 0 <= index val < rank(result)")
        if d < len(src.shape) and src.shape[d] != 1 and src.shape[d] != dst.shape[v]:
            raise fail("INVALID_ARGUMENT", "Requires dim(input, d) = 1 || dim(input, d) = dim(output, index[d])")
    if len(set(idx)) != len(idx):
        raise fail("INVALID_ARGUMENT", "Index values must be unique")
    read_value(n, 0)
    check_shape(dst)


def _p_cast(n: Node) -> None:
    validate(n, min_inputs=1, max_inputs=1, num_outputs=1, runtime=1, consts=0, compat=False)
    read_value(n, 0)


def _p_read0(n: Node) -> None:  # Cbrt, Cumsum(v1), DepthToSpace, SpaceToDepth after their own validation
    validate(n)
    read_value(n, 0)


def _p_clamp(n: Node) -> None:
    validate(n)
    for s in (0, 1, 2):
        read_value(n, s)


def _concat_axis_ok(shapes: list[tuple[int, int, int, int]]) -> bool:
    """``ConcatenationOperationParser::GetAxis`` != UNKNOWN."""
    first = shapes[0]

    def differs(i: int, *axes: int) -> bool:
        return all(first[a] != shapes[i][a] for a in axes)

    if not any(differs(i, 1, 2, 3) for i in range(1, len(shapes))):
        return True  # BATCH
    if any(differs(i, 0, 2, 3) for i in range(1, len(shapes))):
        pass  # HEIGHT fails; try WIDTH
    else:
        return True
    if not any(differs(i, 0, 1, 3) for i in range(1, len(shapes))):
        return True
    return not any(differs(i, 0, 2, 1) for i in range(1, len(shapes)))


def _p_concatenation(n: Node) -> None:
    validate(n, max_version=6)
    shapes = []
    for slot in range(len(n.inputs)):
        t = get_input(n, slot)
        read_value(n, slot)
        shapes.append(bhwc(t.shape))
    if shapes and not _concat_axis_ok(shapes):
        raise fail("UNSUPPORTED_OPERAND_SIZE", "Couldn't find an axis to concatenate by.")
    fuse_activation(n, opt(n, "fused_activation_function"))


def _convertible_to_fc(t: Tensor) -> bool:
    return len(t.shape) == 4 and t.shape[1] == 1 and t.shape[2] == 1 and affine(t) and t.dtype in ("INT4", "INT8")


def _quantized_weights(n: Node, slot: int) -> None:
    """``PreCheckReadQuantizedValueByTensorIdx``."""
    t = tensor_id(n, slot)
    what = f"input {slot}"
    if qtype(t) is None:
        raise fail("UNSUPPORTED_QUANTIZATION_PARAMETERS", f"Empty quantization params: {t.index}", what)
    if qtype(t) not in ("affine", "blockwise"):
        raise fail("UNSUPPORTED_QUANTIZATION_TYPE", f"Tensor is not quantized: {t.index}", what)
    if t.dtype not in ("INT8", "INT4", "INT2"):
        raise fail("UNSUPPORTED_INPUT_TYPE", f"Expected Int8, Int4, or Int2 quantized tensor: {t.index}", what)
    if len(t.shape) not in (2, 4):
        raise fail("UNSUPPORTED_OPERAND_RANK", f"Expected 2D or 4D quantized tensor: {t.index}", what)
    if len(t.shape) == 4 and (t.shape[1] != 1 or t.shape[2] != 1):
        raise fail(
            "UNSUPPORTED_OPERAND_SIZE", f"Expected 4D quantized tensor with height of 1 and width of 1: {t.index}", what
        )


def _p_conv2d(n: Node) -> None:
    validate(n, max_version=6)
    src = get_input(n, 0)
    read_value(n, 0)
    if n.is_const(src):
        raise fail("UNSUPPORTED_OPERAND_VALUE", "input must be a runtime tensor", "input 0")
    weights = get_input(n, 1)
    if _convertible_to_fc(weights):
        _quantized_weights(n, 1)
    if n.runtime_inputs() == 2:
        read_value(n, 1)
    bias = n.tin(2)
    if bias is not None and bias.is_variable:  # GetVariableInput: only a variable bias is read as a value
        read_value(n, 2)
    fuse_activation(n, opt(n, "fused_activation_function"))


def _p_cumsum(n: Node) -> None:
    validate(n, max_version=1)
    read_value(n, 0)


def _p_depthwise(n: Node) -> None:
    validate(n, max_version=6)
    read_value(n, 0)
    r = n.runtime_inputs()
    if r == 2:
        read_value(n, 1)
    elif r == 1:
        read_tensor(n, 1, "ohwi", "float")
    else:
        raise fail("UNSUPPORTED_OPERAND_SIZE", "Unsupported Depthwise Convolution case.")
    fuse_activation(n, opt(n, "fused_activation_function"))


def _p_dequantize(n: Node) -> None:
    validate(n, max_version=3)
    r = n.runtime_inputs()
    src = get_input(n, 0)
    if r == 0:
        rank = len(src.shape)
        if not 2 <= rank <= 4:
            raise fail(
                "UNSUPPORTED_OPERAND_RANK", f"Unsupported dims for tensor: {src.name} Got dims:{rank}", "input 0"
            )
        read_tensor(n, 0, {2: "hw", 3: "hwc"}.get(rank, "bhwc"), "float")
        return
    q = src.quantization
    if qtype(src) is None or q is None:
        if r == 1:
            p = n.sg.producer(src.index)
            by = f" ('{src.name}' is written by {n.sg.operators[p].opcode} #{p})" if p >= 0 else ""
            raise fail("UNSUPPORTED_OPERATOR_VARIANT", f"Dequantize for Densify is not supported{by}", "input 0")
        raise fail(
            "UNSUPPORTED_QUANTIZATION_PARAMETERS", "Encountered Dequantize input with no quant params", "input 0"
        )
    if len(q.scale) > 1:
        raise fail("UNSUPPORTED_QUANTIZATION_PARAMETERS", "Unsupported quantization scale size", "input 0")
    read_value(n, 0)


def _map_axis_ok(t: Tensor) -> bool:
    return 0 < len(t.shape) < 5


def _map_axis(t: Tensor) -> tuple[int, int, int, int]:
    d = t.shape
    if len(d) < 4:
        return bhwc((1,) * (4 - len(d)) + d)
    return (d[0], d[1], d[2], d[3])


def _p_dynamic_update_slice(n: Node) -> None:
    validate(n)
    operand, update, start, output = get_input(n, 0), get_input(n, 1), get_input(n, 2), get_output(n, 0)
    if n.is_const(start):
        raise fail("UNSUPPORTED_OPERAND_VALUE", "start_indices must be a runtime tensor", "input 2")
    read_value(n, 0)
    if not _map_axis_ok(operand):
        raise fail("UNSUPPORTED_OPERAND_RANK", "operand dims must be 1D-4D.", "input 0")
    read_value(n, 1)
    if not _map_axis_ok(update):
        raise fail("UNSUPPORTED_OPERAND_RANK", "update dims must be 1D-4D.", "input 1")
    if any(u > o for u, o in zip(_map_axis(update), _map_axis(operand), strict=True)):
        raise fail("UNSUPPORTED_OPERAND_SIZE", "Updated_slice shape must be less or equal to the array to update")
    read_value(n, 2)
    if not _map_axis_ok(start):
        raise fail("UNSUPPORTED_OPERAND_RANK", "start_indices dims must be 1D-4D.", "input 2")
    check_output(n, 0)
    if not _map_axis_ok(output):
        raise fail("UNSUPPORTED_OPERAND_RANK", "output dims must be 1D-4D.", "output 0")


_ELEMENTWISE_VERSION = {"ABS": 5, "FLOOR_DIV": 3, "MAXIMUM": 4, "MINIMUM": 4, "MUL": 8, "ADD": 6, "ADD_N": 6, "GELU": 3}
_ONE_ARG = UNARY
_TWO_ARG = (BINARY - {"STABLEHLO_REMAINDER"}) | {"ADD", "ADD_N", "MUL", "BITWISE_XOR"}
_FLOAT32_CONVERTIBLE = (F32, F16, "INT4", "INT8", "UINT8", "INT32")


def _const_operand_ok(n: Node) -> bool:
    """``ElementwiseOperationParser::CanParseInputsWithConstTensor``."""
    a, b = n.tin(0), n.tin(1)
    if a is None or b is None:
        return False
    ca, cb = n.is_const(a), n.is_const(b)
    if ca and cb:
        return False
    if not ca and not cb:
        return True
    c = a if ca else b
    if c.sparsity is not None:
        return False
    to_f32 = c.dtype in (F32, F16) or (affine(c) and c.dtype in ("INT8", "UINT8", "INT4"))
    count = numel(c.shape)
    if count == 1:
        if to_f32:
            return c.dtype in _FLOAT32_CONVERTIBLE
        if c.dtype == "INT32":
            return True
        return False
    if not to_f32:
        return True
    if c.shape and all(d == 1 for d in c.shape[:-1]):
        return c.dtype in _FLOAT32_CONVERTIBLE
    return c.dtype in _FLOAT32_CONVERTIBLE and len(c.shape) < 5


def _p_elementwise(n: Node) -> None:
    b = n.op.builtin
    validate(n, max_version=_ELEMENTWISE_VERSION.get(b, 2), enhanced=True)
    broadcast = False
    if b in _ONE_ARG:
        counts(n, 1, 1, 0)
        read_value(n, 0)
    elif b in _TWO_ARG and passes(lambda: counts(n, 2, 1, 0)):
        if len(n.inputs) != 2:
            raise fail("UNSUPPORTED_OPERAND_SIZE", "Applies only two input tensors")
        a, c = get_input(n, 0), get_input(n, 1)
        if a.index == c.index:
            if b not in ("MUL", "ADD", "ADD_N"):
                raise fail(
                    "UNSUPPORTED_OPERATOR_VARIANT",
                    f"No support of few identical inputs in the same operation ('{a.name}' is both inputs).",
                )
            read_value(n, 0)
        else:
            if b in ("MUL", "ADD", "ADD_N"):
                check_shape(a)
                check_shape(c)
            read_value(n, 0)
            read_value(n, 1)
            if len(a.shape) != len(c.shape):
                broadcast = broadcastable(a.shape, c.shape)
                if not broadcast:
                    raise fail(
                        "UNSUPPORTED_OPERAND_SIZE",
                        "Inputs dimensions sizes don't match, broadcasting isn't applicable.",
                    )
            if broadcast:
                tflite_shape(a)
                tflite_shape(c)
    elif b in _TWO_ARG:
        counts(n, 1, 1, 1)
        if not _const_operand_ok(n):
            raise fail("UNSUPPORTED_OPERAND_VALUE", "Can't parse inputs with const tensors.")
    else:
        raise fail("UNSUPPORTED_OPERATOR", "Incorrect operation type passed")
    if broadcast:
        check_output(n, 0)
        tflite_shape(get_output(n, 0))
    if b in ("MUL", "ADD", "ADD_N", "SUB", "DIV"):
        act = opt(n, "fused_activation_function")
        if act not in (None, "NONE"):
            fuse_activation(n, act)


def _p_embedding_lookup(n: Node) -> None:
    value = get_input(n, 1)
    if qtype(value) is None and value.dtype != F32:
        raise fail("UNSUPPORTED_QUANTIZATION_PARAMETERS", "EMBEDDING_LOOKUP: Empty quantization params.", "input 1")
    if value.dtype in ("INT8", "INT4", "INT2"):
        if qtype(value) is None:
            raise fail("UNSUPPORTED_QUANTIZATION_PARAMETERS", "EMBEDDING_LOOKUP: Empty quantization params.", "input 1")
        _quantized_weights(n, 1)
    elif value.dtype != F32:
        raise fail("UNSUPPORTED_INPUT_TYPE", "EMBEDDING_LOOKUP: Unsupported weights type.", "input 1")
    read_value(n, 0)
    validate(n)
    check_output(n, 0)


def _p_fully_connected(n: Node) -> None:
    validate(n, max_version=14)
    get_input(n, 0)
    read_value(n, 0)
    weights = get_input(n, 1)
    if affine(weights):
        _quantized_weights(n, 1)
    elif qtype(weights) == "blockwise":
        pass
    else:
        read_value(n, 1)
    bias = n.tin(2)
    if bias is not None and bias.is_variable:  # GetVariableInput: only a variable bias is read as a value
        read_value(n, 2)
    get_output(n, 0)
    check_outputs(n)
    if opt(n, "weights_format", "DEFAULT") != "DEFAULT":
        raise fail("UNSUPPORTED_OPERATOR_VARIANT", "Unsupported fully connected weights format.")
    fuse_activation(n, opt(n, "fused_activation_function"))


def _p_gather(n: Node) -> None:
    gpu_compatibility(n)
    read_value(n, 0)
    read_value(n, 1)
    src = get_input(n, 0)
    check_outputs(n)
    if src.dtype != get_output(n, 0).dtype:
        raise fail("UNSUPPORTED_INPUT_TYPE", "Input / output dtype mismatch.")


def _p_compat_read0_outputs(n: Node) -> None:  # HardSwish, Tile
    gpu_compatibility(n)
    read_value(n, 0)
    check_outputs(n)


def _p_lstm(n: Node) -> None:
    validate(n, max_version=4)
    kernel = opt(n, "kernel_type", "FULL")
    if kernel == "BASIC":
        if len(n.inputs) != 5:
            raise fail("UNSUPPORTED_OPERAND_SIZE", "LSTM should have 5 input tensors")
        if len(n.outputs) != 4:
            raise fail("UNSUPPORTED_OPERAND_SIZE", "LSTM should have 4 output tensors")
        read_tensor(n, 2, "hw", "float")
        for i in (2, 3, 0, 1):
            check_output(n, i)
        for s in (0, 1, 4):
            read_value(n, s)
        return
    # full kernel: lstm.h input slots
    read_value(n, 19)  # cell state
    read_value(n, 18)  # output state
    has = lambda i: i < len(n.inputs) and n.inputs[i] >= 0  # noqa: E731
    peephole = has(10)
    gates = [(2, 6, 10, 13, 21), (2, 6, 10, 13, 21)]
    if has(1):
        gates.append((1, 5, 9, 12, 20))
    gates += [(3, 7, -1, 14, 22), (4, 8, 11, 15, 23)]
    for k, (w, rw, cw, bias, norm) in enumerate(gates):
        for s in (w, rw):
            t = tensor_id(n, s)
            if not (t.dtype == "INT8" and t.quantization is not None and len(t.quantization.scale) == 1):
                read_tensor(n, s, "hw", "float")
        if peephole and cw >= 0 and k != 3:
            read_tensor(n, cw, "linear", "float")
        read_tensor(n, norm, "linear", "float")
        read_tensor(n, bias, "linear", "float")
    check_output(n, 0)
    act = opt(n, "fused_activation_function")
    if act not in ("SIGMOID", "TANH"):
        raise fail("UNSUPPORTED_OPERATOR_VARIANT", "Only sigmoid or tanh activation is supported.")


def _p_one_hot(n: Node) -> None:
    validate(n, max_version=1, min_inputs=4, num_outputs=1, compat=False)
    idx = get_input(n, 0)
    d = idx.shape
    axis = opt(n, "axis", -1)
    if axis != -1 and (not d or axis != d[-1]):
        raise fail("UNSUPPORTED_OPERAND_VALUE", "OneHot axis must be -1 or the last dimension.")
    if len(d) >= 4 and d[3] != 1:
        raise fail("UNSUPPORTED_OPERAND_SIZE", "OneHot indices channel dimension must be 1.")
    read_value(n, 0)


def _p_pack(n: Node) -> None:
    gpu_compatibility(n)
    if len(n.inputs) == 1:
        read_value(n, 0)
        check_outputs(n)
        return
    validate(n)
    for s in range(len(n.inputs)):
        runtime_or_constant(n, s)
    out = get_output(n, 0)
    check_axis(out, int(opt(n, "axis", 0)))
    check_shape(out)


def _p_prelu(n: Node) -> None:
    check_version(n, 1)
    src = get_input(n, 0)
    read_value(n, 0)
    shape = bhwc(src.shape)
    try:
        read_tensor(n, 1, "linear", "float")
        alpha = get_input(n, 1)
        if alpha.shape[-1] != shape[3]:
            raise fail("UNSUPPORTED_OPERAND_SIZE", "Linear alpha shape does not match the number of input channels.")
    except Reject as rej:
        if rej.reason.message.startswith("Linear alpha"):
            raise
        read_tensor(n, 1, "hwc", "float")
        a = get_input(n, 1).shape
        hwc = a if len(a) == 3 else a[1:]
        if (hwc[0], hwc[1], hwc[2]) != (shape[1], shape[2], shape[3]):
            raise fail("UNSUPPORTED_OPERAND_SIZE", "Alpha shape does not match input shape.") from None
    check_outputs(n)


def _p_pad(n: Node) -> None:
    validate(n, max_version=5)
    read_value(n, 0)
    read_tensor(n, 1, "hw", "int32")
    if n.op.builtin == "PADV2" and len(n.inputs) == 3:
        read_tensor(n, 2, "scalar", "float")
    p = n.dims(1)
    if p not in ((4, 2), (3, 2)):
        raise fail("UNSUPPORTED_OPERAND_SIZE", "Paddings tensor has unexpected shape.", "input 1")


def _p_pool(n: Node) -> None:
    validate(n, max_version=2)
    read_value(n, 0)
    if not n.op.is_custom:
        fuse_activation(n, opt(n, "fused_activation_function"), skip_size=True)


def _p_reduce(n: Node) -> None:
    gpu_compatibility(n)
    read_value(n, 0)
    src = get_input(n, 0)
    get_input(n, 1)
    for a in n.values(1) or []:
        check_axis(src, a)
    if not opt(n, "keep_dims", False):
        check_shape(get_output(n, 0))
    check_outputs(n)


def _p_quantize(n: Node) -> None:
    check_version(n, 2)
    gpu_compatibility(n)
    read_value(n, 0)
    out = get_output(n, 0)
    if qtype(out) is None:
        raise fail(
            "UNSUPPORTED_QUANTIZATION_PARAMETERS", "Encountered Quantize output with no quant params", "output 0"
        )
    check_outputs(n)


def _p_relu(n: Node) -> None:
    validate(n, max_version=2, num_outputs=1, runtime=1, consts=0)
    read_value(n, 0)


def _p_compat_read01_outputs(n: Node) -> None:  # Remainder, Resampler, Unpooling2D
    gpu_compatibility(n)
    read_value(n, 0)
    read_value(n, 1)
    check_outputs(n)


def _p_reshape(n: Node) -> None:
    check_version(n, 1)
    gpu_compatibility(n)
    read_value(n, 0)
    check_outputs(n)


def _p_resize(n: Node) -> None:
    check_version(n, 3)
    gpu_compatibility(n)
    read_value(n, 0)
    check_outputs(n)
    if n.op.builtin == "RESIZE_BILINEAR" and opt(n, "align_corners", False) and opt(n, "half_pixel_centers", False):
        raise fail("UNSUPPORTED_OPERATOR_VARIANT", "If half_pixel_centers is True, align_corners must be False.")


def _p_reverse(n: Node) -> None:
    gpu_compatibility(n)
    read_value(n, 0)
    check_outputs(n)
    src = get_input(n, 0)
    get_input(n, 1)
    for a in n.values(1) or []:
        check_axis(src, a)


def _p_select(n: Node) -> None:
    check_version(n, 1)
    select_compatibility(n, strict=False)
    for s in (0, 1, 2):
        runtime_or_constant(n, s)
    check_outputs(n)


def _p_slice(n: Node) -> None:
    validate(n, max_version=8, min_inputs=3, compat=False)
    read_value(n, 0)
    src = get_input(n, 0)
    if n.is_const(src):
        raise fail("UNSUPPORTED_OPERAND_VALUE", "Constant input is not supported.", "input 0")
    starts = read_tensor(n, 1, "linear", "int32")
    sizes = read_tensor(n, 2, "linear", "int32")
    if starts is None or sizes is None:
        return  # computed at Prepare: the values are not in the file
    if len(starts) != len(sizes):
        raise fail(
            "UNSUPPORTED_OPERAND_SIZE",
            f"The dimensionality of `starts` ({len(starts)}D) must match `sizes` ({len(sizes)}D).",
        )
    rank = len(src.shape)
    shape = list(bhwc(src.shape))
    b0 = [0, 0, 0, 0]
    bs = list(shape)
    axes: dict[int, dict[int, tuple[int, ...]]] = {
        4: {4: (0, 1, 2, 3), 3: (1, 2, 3)},
        3: {3: (0, 2, 3)},
        2: {2: (0, 3)},
        1: {1: (0,)},
    }
    if rank > 4:
        raise fail("UNSUPPORTED_OPERAND_RANK", "Slicing is unsupported for input with rank > 4", "input 0")
    layout = axes.get(rank, {}).get(len(starts))
    if layout is None:
        want = {4: "3 or 4", 3: "3", 2: "2", 1: "1"}.get(rank, "?")
        raise fail(
            "UNSUPPORTED_OPERAND_SIZE", f"Slicing starts count must be {want} for {rank}d input", "input 1 (begin)"
        )
    for k, a in enumerate(layout):
        b0[a], bs[a] = starts[k], sizes[k]
    for a in range(4):
        if bs[a] == -1:
            bs[a] = shape[a] - b0[a]
    ends = [b0[a] + bs[a] for a in range(4)]
    for a in range(4):  # UpdateIfNegative
        if ends[a] < 0:
            ends[a] += shape[a]
        if b0[a] < 0:
            b0[a] += shape[a]
    out = bhwc(get_output(n, 0).shape)
    for a, what in enumerate(
        (
            "Output batch don't match",
            "Output height doesn't match",
            "Output width doesn't match",
            "Output channels don't match",
        )
    ):
        if ends[a] - b0[a] != out[a]:
            raise fail("UNSUPPORTED_OPERAND_SIZE", what)


def _p_softmax(n: Node) -> None:
    validate(n, max_version=4, num_outputs=1, runtime=1, consts=0)
    read_value(n, 0)
    if float(opt(n, "beta", 1.0)) != 1.0:
        raise fail("UNSUPPORTED_OPERAND_VALUE", "Softmax.beta != 1 is not supported.")


def _p_space_to_depth(n: Node) -> None:
    validate(n, max_version=2, num_outputs=1, runtime=1, consts=0)
    read_value(n, 0)


def _p_split(n: Node) -> None:
    gpu_compatibility(n)
    if opt(n, "num_splits", 0) == 1:
        validate(n)
        read_value(n, 0)
        return
    src = get_input(n, 1)
    get_input(n, 0)
    axis = n.values(0)
    if axis:
        check_axis(src, axis[0])
    read_value(n, 1)
    for i in range(len(n.outputs)):
        check_output(n, i)


def _p_split_v(n: Node) -> None:
    validate(n, runtime=1, consts=2)
    read_value(n, 0)
    if opt(n, "num_splits", 0) == 1:
        return
    src = get_input(n, 0)
    get_input(n, 2)
    axis = n.values(2)
    if axis:
        check_axis(src, axis[0])


def _div_up(a: int, b: int) -> int:
    return -(-a // b)


def _p_strided_slice(n: Node) -> None:
    check_version(n, 2)
    # the parser's own CheckGpuDelegateCompatibility (model_builder.cc:5334): no rank limit
    for m in ("ellipsis_mask", "new_axis_mask"):
        if opt(n, m, 0):
            raise fail("UNSUPPORTED_OPERATOR_VARIANT", f"Slice does not support {m}.")
    if opt(n, "shrink_axis_mask", 0):
        raise fail("UNSUPPORTED_OPERATOR_VARIANT", "Slice does not support shrink_axis_mask parameter.")
    if len(n.inputs) < 4:
        raise fail("UNSUPPORTED_OPERAND_SIZE", "STRIDED_SLICE requires 4 inputs.")
    src = get_input(n, 0)
    rank = len(src.shape)
    begin_len = n.dims(1)[0] if n.dims(1) else 0
    if rank not in (begin_len, begin_len + 1):
        raise fail("UNSUPPORTED_OPERAND_SIZE", "STRIDED_SLICE input/params dimensions mismatch.")
    starts_sizes = read_tensor(n, 1, "linear", "int32")
    if starts_sizes is None:
        return
    with_batch = rank == len(starts_sizes)
    if rank != len(starts_sizes) + 1 and not with_batch:
        raise fail("UNSUPPORTED_OPERAND_SIZE", "STRIDED_SLICE input/params dimensions mismatch.")
    shape = bhwc(src.shape)
    starts, ends, strides = [0, 0, 0, 0], list(shape), [1, 1, 1, 1]
    for slot, target in ((1, starts), (2, ends), (3, strides)):
        v = read_tensor(n, slot, "linear", "int32")
        if v is None:
            return
        if with_batch:
            axes = {4: (0, 1, 2, 3), 3: (0, 2, 3), 2: (0, 3), 1: (0,)}.get(len(v), ())
        else:
            axes = {3: (1, 2, 3), 2: (2, 3), 1: (3,)}.get(len(v), ())
        for k, a in enumerate(axes):
            target[a] = v[k]
    for a in range(4):
        if ends[a] < 0:
            ends[a] += shape[a]
        if starts[a] < 0:
            starts[a] += shape[a]

    def mask(m: int) -> int:
        if rank == 3:
            return ((m & 4) << 1) | ((m & 2) << 1) | (m & 1)
        if rank == 2:
            return ((m & 2) << 2) | (m & 1)
        return m

    bm, em = mask(int(opt(n, "begin_mask", 0))), mask(int(opt(n, "end_mask", 0)))
    for a in range(4):
        if bm & (1 << a):
            starts[a] = 0
        if em & (1 << a):
            ends[a] = shape[a]
    if 0 in strides:
        raise fail("INVALID_ARGUMENT", "stride values must be non-zero")
    if any(s < 0 for s in strides):
        raise fail("UNSUPPORTED_OPERAND_VALUE", "Reverse slices are not supported.")
    ref = tuple(_div_up(ends[a] - starts[a], strides[a]) for a in range(4))
    if ref != bhwc(get_output(n, 0).shape):
        raise fail("UNSUPPORTED_OPERAND_SIZE", "Output shape mismatch")
    check_outputs(n)


def _p_topk(n: Node) -> None:
    check_version(n, 1)
    gpu_compatibility(n)
    read_value(n, 0)
    k = get_input(n, 1)
    if not n.is_const(k):
        raise fail("CONSTANT_INPUT_REQUIRED", "TopK k must be constant tensor.", "input 1 (k)")
    if numel(k.shape) != 1:
        raise fail("UNSUPPORTED_OPERAND_SIZE", "TopK k must be scalar.", "input 1 (k)")
    if len(n.outputs) != 2:
        raise fail("UNSUPPORTED_OPERAND_SIZE", "TopK requires 2 output tensors")
    check_outputs(n)


def _p_transpose_conv(n: Node) -> None:
    check_version(n, 3)
    gpu_compatibility(n)
    read_value(n, 2)
    check_outputs(n)
    if n.runtime_inputs() == 2:
        read_value(n, 1)
    else:
        read_tensor(n, 1, "ohwi", "float")


def _p_transpose_conv_custom(n: Node) -> None:
    gpu_compatibility(n)
    read_value(n, 0)
    check_outputs(n)
    read_tensor(n, 1, "ohwi", "float")


def _p_transpose(n: Node) -> None:
    check_version(n, 9)
    gpu_compatibility(n)
    read_value(n, 0)
    check_outputs(n)
    perm = read_tensor(n, 1, "linear", "int32")
    if perm is not None and not 2 <= len(perm) <= 4:
        raise fail("UNSUPPORTED_OPERAND_RANK", f"Permutation for transpose is invalid ({len(perm)} axes).")


def _p_unpack(n: Node) -> None:
    if opt(n, "num", 0) == 1:
        read_value(n, 0)
        check_outputs(n)
        return
    src = get_input(n, 0)
    check_shape(src)
    check_axis(src, int(opt(n, "axis", 0)))
    read_value(n, 0)
    for i in range(len(n.outputs)):
        check_shape(get_output(n, 0))
        check_output(n, i)


def _p_unsupported(n: Node) -> None:
    raise fail("UNSUPPORTED_OPERATOR", "Operation is not supported.")


# -- composites and custom ops by name -----------------------------------------------------------------


def _attrs(n: Node) -> Mapping[str, Any]:
    a = opt(n, "composite_attributes")
    return a if isinstance(a, Mapping) else {}


def _norm_inputs(n: Node, what: str, second: str, third: str) -> None:
    src = n.tin(0)
    if src is None or len(src.shape) > 4:
        got = ", ".join(map(str, src.shape)) if src is not None else ""
        raise fail(
            "UNSUPPORTED_OPERAND_RANK", f"{what} has bad input tensor dims. Expected at most 4D input, got {got}"
        )
    for slot, name in ((1, second), (2, third)):
        t = n.tin(slot) if len(n.inputs) > slot else None
        if t is None:
            continue
        if len(t.shape) != 1:
            raise fail("UNSUPPORTED_OPERAND_RANK", f"{what} has bad {name} tensor dims.")
        if src.shape and src.shape[-1] != t.shape[0]:
            label = "Scale" if slot == 1 else ("Bias" if what == "LayerNorm" else "Beta")
            raise fail("UNSUPPORTED_OPERAND_SIZE", f"{label} tensor channels don't match input tensor channels.")


def _reduction_axes(attrs: Mapping[str, Any]) -> list[int] | None:
    v = attrs.get("_TENSOR_V1_reduction_axes")
    if v is None:
        return None
    data = v.get("TENSOR_DATA") if isinstance(v, Mapping) else None
    return [int(x) for x in data] if isinstance(data, (list, tuple)) else []


def _p_composite_group_norm(n: Node) -> None:
    _norm_inputs(n, "GroupNorm", "gamma", "beta")
    a = _attrs(n)
    rank = len(n.dims(0))
    axes = _reduction_axes(a)
    if axes is not None:
        want = list(range(1, rank)) if "sub_type" in a else [rank - 1]
        if axes != want:
            raise fail(
                "UNSUPPORTED_OPERAND_VALUE",
                f"GroupNorm has unexpected reduction axes. Expected axes {want} but got {axes}",
            )
    if "channel_axis" in a and a["channel_axis"] != rank - 1:
        raise fail(
            "UNSUPPORTED_OPERAND_VALUE",
            "Only channel-last tensor is supported for GroupNorm. "
            f"Expected axis {rank - 1} but got {a['channel_axis']}",
        )
    for key in ("num_groups", "epsilon"):
        if key not in a:
            raise fail("MISSING_REQUIRED_OPERAND", f"GroupNorm is missing {key}.")


def _p_composite_layer_norm(n: Node) -> None:
    _norm_inputs(n, "LayerNorm", "scale", "beta")
    a = _attrs(n)
    if "epsilon" not in a:
        raise fail("MISSING_REQUIRED_OPERAND", "LayerNorm is missing epsilon.")
    axes = _reduction_axes(a)
    rank = len(n.dims(0))
    if axes is not None and axes != [rank - 1]:
        raise fail(
            "UNSUPPORTED_OPERAND_VALUE",
            f"LayerNorm has unexpected reduction axes. Expected axes [{rank - 1}] but got {axes}",
        )


def _p_rms_norm(n: Node) -> None:
    read_value(n, 0)
    check_outputs(n)
    src = get_input(n, 0)
    if len(n.inputs) > 1:
        read_tensor(n, 1, "linear", "float")
        scale = get_input(n, 1)
        if bhwc(src.shape)[3] != scale.shape[-1]:
            raise fail("UNSUPPORTED_OPERAND_SIZE", "Scale tensor channels don't match input tensor channels.")


def _p_norm_custom(n: Node) -> None:  # custom_call.GroupNorm / LayerNorm
    read_value(n, 0)
    check_outputs(n)
    c = bhwc(get_input(n, 0).shape)[3]
    for slot in (1, 2):
        if len(n.inputs) > slot:
            read_tensor(n, slot, "linear", "float")
            v = get_input(n, slot).shape[-1]
            if v != c and not (slot == 2 and v == 0):
                label = "Scale" if slot == 1 else "Bias"
                raise fail("UNSUPPORTED_OPERAND_SIZE", f"{label} tensor channels don't match input tensor channels.")


def _p_read0_outputs(n: Node) -> None:  # custom_call.PixelShuffle
    read_value(n, 0)
    check_outputs(n)


def _p_positional_embedding(n: Node) -> None:
    if len(n.inputs) != 2:
        raise fail("UNSUPPORTED_OPERAND_SIZE", f"Invalid number of inputs: {len(n.inputs)}, while expected 2.")
    if len(n.outputs) != 1:
        raise fail("UNSUPPORTED_OPERAND_SIZE", f"Invalid number of outputs: {len(n.outputs)}, while expected 1.")
    if bhwc(get_input(n, 0).shape)[2] != bhwc(get_input(n, 1).shape)[2]:
        raise fail("UNSUPPORTED_OPERAND_SIZE", "src and pos must have the same width for PositionalEmbedding.")
    read_value(n, 0)
    read_value(n, 1)
    check_outputs(n)


def _rope_counts(n: Node) -> None:
    k, o = len(n.inputs), len(n.outputs)
    if k not in (2, 3):
        raise fail("UNSUPPORTED_OPERAND_SIZE", f"Invalid number of inputs: {k}, while expected 2 or 3.")
    want = 1 if k == 2 else 2
    if o != want:
        raise fail("UNSUPPORTED_OPERAND_SIZE", f"Invalid number of outputs: {o}, while expected {want}.")


def _p_rope(n: Node) -> None:  # custom_call.rotary_positional_embedding (RoPEParser)
    _rope_counts(n)
    pos = 1 if len(n.inputs) == 2 else 2
    if bhwc(get_input(n, 0).shape)[2] != bhwc(get_input(n, pos).shape)[2]:
        raise fail("UNSUPPORTED_OPERAND_SIZE", "src and pos must have the same width for PositionalEmbedding.")
    for s in range(len(n.inputs)):
        runtime_or_constant(n, s)
    check_outputs(n)


def _p_odml_rope(n: Node) -> None:  # odml.rope (composite/rope_parser.cc)
    _rope_counts(n)
    for s in range(len(n.inputs)):
        runtime_or_constant(n, s)
    check_outputs(n)


def _p_sdpa(n: Node) -> None:
    k = len(n.inputs)
    if not 3 <= k <= 4:
        raise fail("UNSUPPORTED_OPERAND_SIZE", f"Invalid number of inputs: {k}, while expected 3 or 4.")
    q, kk, v = (bhwc(n.dims(i)) for i in range(3))
    if not q[3] == kk[3] == v[3]:
        raise fail(
            "UNSUPPORTED_OPERAND_SIZE",
            f"Q, K and V tensors' channels must match, but they are: Q.c = {q[3]}, K.c = {kk[3]}, and V.c = {v[3]}.",
        )
    if kk != v:
        raise fail("UNSUPPORTED_OPERAND_SIZE", "K and V tensors' shapes must identical.")
    if k == 4 and kk[1] != bhwc(n.dims(3))[3]:
        raise fail("UNSUPPORTED_OPERAND_SIZE", "K tensor's height must match Mask tensor's channels.")


def _p_cache_update(n: Node) -> None:
    if n.runtime_inputs() not in (3, 7):
        raise fail("UNSUPPORTED_OPERAND_SIZE", "odml.cache_update expects 3 or 7 inputs.")
    for s in (0, 1, 2):
        read_value(n, s)
    check_outputs(n)
    if len(n.outputs) != 2:
        raise fail("UNSUPPORTED_OPERAND_SIZE", "odml.cache_update expects 2 outputs.")
    a = _attrs(n)
    for key in ("kv_cache_batch_size", "cache_size", "head_size"):
        if n.op.builtin == "STABLEHLO_COMPOSITE" and key not in a:
            raise fail("MISSING_REQUIRED_OPERAND", f"odml.cache_update is missing {key}.")


def _p_runtime_bmm(n: Node) -> None:
    if n.runtime_inputs() != 3:
        raise fail("UNSUPPORTED_OPERAND_SIZE", "Runtime BatchedMatMul expects 3 inputs.")
    for s in (0, 1, 2):
        read_value(n, s)
    check_outputs(n)
    if bhwc(n.dims(0))[3] != bhwc(n.dims(1))[3]:
        raise fail("UNSUPPORTED_OPERAND_SIZE", "Input tensors' channels must match.")
    if bhwc(n.dims(2)) != (1, 1, 1, 7):
        raise fail("UNSUPPORTED_OPERAND_SIZE", "Param tensor shape expected to be [1, 1, 1, 7].")
    a = _attrs(n)
    for key in ("is_global", "is_src"):
        if key not in a:
            raise fail("MISSING_REQUIRED_OPERAND", f"Runtime BatchedMatMul is missing {key}.")


def _p_sdpa_transposed(n: Node) -> None:
    r = n.runtime_inputs()
    if not 3 <= r <= 5:
        raise fail("UNSUPPORTED_OPERAND_SIZE", "SDPA transposed expects between 3 and 5 inputs.")
    for s in range(r):
        read_value(n, s)
    check_outputs(n)


def _p_moe(n: Node) -> None:
    # moe_experts_parser.cc reads attributes (or infers them) and wants 5 (float) or more (int8) inputs;
    # only the count is ported here.
    if len(n.inputs) < 5:
        raise fail("UNSUPPORTED_OPERAND_SIZE", f"moe expects at least 5 inputs, node has {len(n.inputs)}.")


# The factory (composite/custom_parsers.cc): names taking INT32 inputs, and BOOL ones.
FACTORY: dict[str, Callable[[Node], None]] = {
    "odml.cache_update": _p_cache_update,
    "odml.runtime_bmm": _p_runtime_bmm,
    "odml.sdpa_transposed": _p_sdpa_transposed,
    "moe": _p_moe,
    "odml.rope": _p_odml_rope,
}
FACTORY_BOOL = frozenset({"odml.sdpa_transposed"})

_CUSTOM: dict[str, Callable[[Node], None]] = {
    "custom_call.GroupNorm": _p_norm_custom,
    "custom_call.LayerNorm": _p_norm_custom,
    "custom_call.RmsNorm": _p_rms_norm,
    "custom_call.PixelShuffle": _p_read0_outputs,
    "custom_call.absolute_positional_embedding": _p_positional_embedding,
    "custom_call.rotary_positional_embedding": _p_rope,
    "Convolution2DTransposeBias": _p_transpose_conv_custom,
    "MaxPoolingWithArgmax2D": _p_pool,
    "MaxUnpooling2D": _p_compat_read01_outputs,
    "Resampler": _p_compat_read01_outputs,
}


def _composite_parser(name: str, attrs: Mapping[str, Any]) -> Callable[[Node], None] | None:
    """model_builder.cc:7071-7112: the StableHLO composites the accelerator lowers itself, by name."""
    if name == "odml.group_norm":
        if "sub_type" in attrs:
            return _p_composite_group_norm if attrs["sub_type"] == 0 else _p_composite_layer_norm
        return _p_composite_layer_norm if "_TENSOR_V1_reduction_axes" not in attrs else _p_composite_group_norm
    if name == "odml.rms_norm":
        return _p_rms_norm
    if name == "custom_call.rotary_positional_embedding":
        return _p_rope
    if name == "odml.scaled_dot_product_attention":
        return _p_sdpa
    return FACTORY.get(name)


_E = _p_elementwise
PARSERS: dict[str, Callable[[Node], None]] = {
    **{b: _E for b in UNARY | BINARY | {"ADD", "ADD_N", "MUL", "BITWISE_XOR"} if b != "STABLEHLO_REMAINDER"},
    "ARG_MAX": _p_arg_max,
    "AVERAGE_POOL_2D": _p_pool,
    "MAX_POOL_2D": _p_pool,
    "BATCH_MATMUL": _p_batch_matmul,
    "BITCAST": _p_bitcast,
    "STABLEHLO_BROADCAST_IN_DIM": _p_broadcast_in_dim,
    "CAST": _p_cast,
    "STABLEHLO_CBRT": _p_read0,
    "CONCATENATION": _p_concatenation,
    "CONV_2D": _p_conv2d,
    "CUMSUM": _p_cumsum,
    "DEPTHWISE_CONV_2D": _p_depthwise,
    "DEPTH_TO_SPACE": _p_read0,
    "DEQUANTIZE": _p_dequantize,
    "DYNAMIC_UPDATE_SLICE": _p_dynamic_update_slice,
    "EMBEDDING_LOOKUP": _p_embedding_lookup,
    "FULLY_CONNECTED": _p_fully_connected,
    "GATHER": _p_gather,
    "HARD_SWISH": _p_compat_read0_outputs,
    "LSTM": _p_lstm,
    "MEAN": _p_reduce,
    "MIRROR_PAD": _p_pad,
    "ONE_HOT": _p_one_hot,
    "PACK": _p_pack,
    "PAD": _p_pad,
    "PADV2": _p_pad,
    "REDUCE_ALL": _p_reduce,
    "REDUCE_ANY": _p_reduce,
    "REDUCE_MAX": _p_reduce,
    "REDUCE_MIN": _p_reduce,
    "REDUCE_PROD": _p_reduce,
    "SUM": _p_reduce,
    "QUANTIZE": _p_quantize,
    "RELU": _p_relu,
    "RELU6": _p_relu,
    "RELU_0_TO_1": _p_relu,
    "RELU_N1_TO_1": _p_relu,
    "LEAKY_RELU": _p_relu,
    "PRELU": _p_prelu,
    "STABLEHLO_REMAINDER": _p_compat_read01_outputs,
    "RESHAPE": _p_reshape,
    "RESIZE_BILINEAR": _p_resize,
    "RESIZE_NEAREST_NEIGHBOR": _p_resize,
    "REVERSE_V2": _p_reverse,
    "SELECT": _p_select,
    "SELECT_V2": _p_select,
    "SLICE": _p_slice,
    "SOFTMAX": _p_softmax,
    "SPACE_TO_DEPTH": _p_space_to_depth,
    "SPLIT": _p_split,
    "SPLIT_V": _p_split_v,
    "STRIDED_SLICE": _p_strided_slice,
    "TILE": _p_compat_read0_outputs,
    "TOPK_V2": _p_topk,
    "TRANSPOSE": _p_transpose,
    "TRANSPOSE_CONV": _p_transpose_conv,
    "UNPACK": _p_unpack,
    "STABLEHLO_CLAMP": _p_clamp,
}


def parser_for(op: Operator) -> tuple[Callable[[Node], None], str]:
    """``NewOperationParser``: the parser and the name the log gives the op's type."""
    if op.builtin == "CUSTOM":
        code = op.custom_code or ""
        p = _CUSTOM.get(code) or FACTORY.get(code)
        if p is not None:
            return p, code

        def custom(n: Node) -> None:
            raise fail("UNSUPPORTED_OPERATOR", f"custom op '{code}' is not supported by the GPU accelerator")

        return custom, code
    if op.builtin == "STABLEHLO_COMPOSITE":
        name = str(op.options.get("name", ""))
        attrs = op.options.get("composite_attributes")
        p = _composite_parser(name, attrs if isinstance(attrs, Mapping) else {})
        if p is not None:
            return p, name

        def composite(n: Node) -> None:
            raise fail("UNSUPPORTED_OPERATOR", f"{name} (a StableHLO composite the GPU accelerator does not lower)")

        return composite, name
    return PARSERS.get(op.builtin, _p_unsupported), op.builtin
