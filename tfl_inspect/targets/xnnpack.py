"""Which ops the XNNPACK delegate takes, ported from its own source as small check functions.

Follows LiteRT ``tflite/delegates/xnnpack/xnnpack_delegate.cc`` at commit
f67457790c9c2ab67347d6fe53270e8d3df20868 (2026-08-21, after tag v2.2.0; the ai-edge-litert 2.3.0
wheel is newer than every tag in the snapshot and is the oracle the tests compare with):
``Delegate::PrepareOpsToDelegate`` (static fp16/int8 DEQUANTIZE and DENSIFY unpacking, variable
ops) and ``Subgraph::VisitNode`` with its ``Visit*Node`` and ``Check*`` helpers, with the
delegate options the Python interpreter uses (QS8 and QU8 on, variable ops on, dynamic
fully-connected off). Checks that only fail inside XNNPACK's own
``xnn_define_*`` calls are not visible here; the delegate test measures what that leaves.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ._tensors import affine, dims, is_constant, option, scale0, slot_name, zp0
from .base import SubgraphCheck, Target
from .policies import EverySupportedRun
from .reasons import Reject

if TYPE_CHECKING:
    from ..model import Operator, Subgraph, Tensor

__all__ = ["SOURCE", "check_subgraph", "SUPPORTED_BUILTINS", "CUSTOM_VISITORS", "TARGET"]

SOURCE = "LiteRT tflite/delegates/xnnpack/xnnpack_delegate.cc @ f67457790c9c (2026-08-21, ai-edge-litert 2.3)"
MAX_DIMS = 6  # XNN_MAX_TENSOR_DIMS

_FLOAT = ("FLOAT32", "FLOAT16")


class _Ctx:
    """The op being visited plus the delegate state VisitNode reads."""

    def __init__(self, sg: Subgraph, op: Operator, quasi_static: set[int], f16_skipped: set[int]) -> None:
        self.sg, self.op, self.quasi_static, self.f16_skipped = sg, op, quasi_static, f16_skipped
        self.caveats: list[str] = []

    def t(self, slot: int) -> Tensor:
        idx = self.op.inputs[slot] if slot < len(self.op.inputs) else -1
        tensor = self.sg.tensor(idx)
        if tensor is None:
            raise Reject("MISSING_REQUIRED_OPERAND", f"{slot_name(self.op, slot)} is omitted", slot_name(self.op, slot))
        return tensor

    def out(self, slot: int = 0) -> Tensor:
        tensor = self.sg.tensor(self.op.outputs[slot]) if slot < len(self.op.outputs) else None
        if tensor is None:
            raise Reject("MISSING_REQUIRED_OPERAND", f"output {slot} is missing")
        return tensor

    def name(self, slot: int, output: bool = False) -> str:
        return slot_name(self.op, slot, output)


# ---- Check* helpers (same names and order as the C++) ---------------------------------------


def _type_fail(ctx: _Ctx, t: Tensor, slot: int, output: bool, allowed: str) -> Reject:
    code = "UNSUPPORTED_OUTPUT_TYPE" if output else "UNSUPPORTED_INPUT_TYPE"
    return Reject(code, f"{ctx.name(slot, output)} is {t.dtype}; XNNPACK takes {allowed} here", ctx.name(slot, output))


def _per_tensor_q(ctx: _Ctx, t: Tensor, slot: int, output: bool, need_zp: bool = False) -> None:
    q = t.quantization
    if (
        not affine(t)
        or q is None
        or q.quantized_dimension != 0
        or len(q.scale) != 1
        or (need_zp and len(q.zero_point) != 1)
    ):
        raise Reject(
            "UNSUPPORTED_QUANTIZATION_PARAMETERS",
            f"{ctx.name(slot, output)} ({t.dtype}) needs one per-tensor scale"
            + (" and zero point" if need_zp else "")
            + f", has {len(q.scale) if q else 0}",
            ctx.name(slot, output),
        )


def float_type(ctx: _Ctx, t: Tensor, slot: int, output: bool = False) -> None:
    if t.dtype not in _FLOAT:
        raise _type_fail(ctx, t, slot, output, "FLOAT32 or FLOAT16")


def float32_type(ctx: _Ctx, t: Tensor, slot: int, output: bool = False) -> None:
    if t.dtype != "FLOAT32":
        raise _type_fail(ctx, t, slot, output, "FLOAT32")


def float_or_qint8(ctx: _Ctx, t: Tensor, slot: int, output: bool = False) -> None:
    if t.dtype in _FLOAT:
        return
    if t.dtype == "INT8":
        _per_tensor_q(ctx, t, slot, output)
        return
    raise _type_fail(ctx, t, slot, output, "FLOAT32, FLOAT16 or per-tensor INT8")


def qint8_or_quint8(ctx: _Ctx, t: Tensor, slot: int, output: bool = False) -> None:
    if t.dtype in ("INT8", "UINT8"):
        _per_tensor_q(ctx, t, slot, output, need_zp=t.dtype == "UINT8")
        return
    raise _type_fail(ctx, t, slot, output, "quantized INT8 or UINT8")


def float32_or_quint8(ctx: _Ctx, t: Tensor, slot: int, output: bool = False) -> None:
    if t.dtype == "FLOAT32":
        return
    if t.dtype in ("INT8", "UINT8"):
        _per_tensor_q(ctx, t, slot, output, need_zp=t.dtype == "UINT8")
        return
    raise _type_fail(ctx, t, slot, output, "FLOAT32 or per-tensor INT8/UINT8")


def float_or_quint8(ctx: _Ctx, t: Tensor, slot: int, output: bool = False) -> None:
    if t.dtype in _FLOAT:
        return
    if t.dtype in ("INT8", "UINT8"):
        _per_tensor_q(ctx, t, slot, output, need_zp=t.dtype == "UINT8")
        return
    raise _type_fail(ctx, t, slot, output, "FLOAT32, FLOAT16 or per-tensor INT8/UINT8")


def _valid_scale(s: float) -> bool:
    return math.isfinite(s) and s > 0 and (s == 0 or abs(s) >= 1.17549435e-38)


def float32_or_qcint8(ctx: _Ctx, t: Tensor, qdim: int, slot: int) -> None:
    if t.dtype in _FLOAT:
        return
    q = t.quantization
    if t.dtype == "INT8":
        if not affine(t) or q is None:
            raise Reject(
                "UNSUPPORTED_QUANTIZATION_TYPE", f"{ctx.name(slot)} (INT8) is not affine-quantized", ctx.name(slot)
            )
        if len(q.scale) > 1 and q.quantized_dimension != qdim:
            raise Reject(
                "UNSUPPORTED_QUANTIZATION_PARAMETERS",
                f"{ctx.name(slot)} is quantized per channel along dimension {q.quantized_dimension}; "
                f"XNNPACK needs dimension {qdim}",
                ctx.name(slot),
            )
        zps = q.zero_point or (0,)
        if len(q.scale) > 1:
            shape = dims(t)
            ok = (
                q.quantized_dimension < len(shape)
                and len(q.scale) == shape[q.quantized_dimension]
                and all(_valid_scale(s) for s in q.scale)
                and zps[0] == 0
            )
        else:
            ok = _valid_scale(q.scale[0]) and -128 <= zps[0] <= 127
        if not ok:
            raise Reject(
                "UNSUPPORTED_QUANTIZATION_PARAMETERS",
                f"{ctx.name(slot)} has quantization XNNPACK rejects",
                ctx.name(slot),
            )
        return
    if t.dtype == "UINT8":
        _per_tensor_q(ctx, t, slot, False, need_zp=True)
        return
    raise _type_fail(ctx, t, slot, False, "FLOAT32, FLOAT16 or per-channel INT8")


def filter_type(ctx: _Ctx, t: Tensor, qdim: int, slot: int) -> None:
    if t.dtype in _FLOAT:
        return
    q = t.quantization
    if t.dtype in ("INT8", "INT4", "INT2"):
        details = q.details if q is not None else None
        if details and details.get("type") == "BlockwiseQuantization":
            if int(details.get("scales", -1)) < 0:
                raise Reject(
                    "UNSUPPORTED_QUANTIZATION_PARAMETERS", f"{ctx.name(slot)} has no block scales", ctx.name(slot)
                )
            if int(details.get("block_size", 0)) % 32:
                raise Reject(
                    "UNSUPPORTED_QUANTIZATION_PARAMETERS",
                    f"{ctx.name(slot)} block size {details.get('block_size')} is not a multiple of 32",
                    ctx.name(slot),
                )
            return
        if affine(t) and q is not None:
            if len(q.scale) > 1 and q.quantized_dimension != qdim:
                raise Reject(
                    "UNSUPPORTED_QUANTIZATION_PARAMETERS",
                    f"{ctx.name(slot)} is quantized along dimension {q.quantized_dimension}; XNNPACK needs {qdim}",
                    ctx.name(slot),
                )
            shape = dims(t)
            if t.dtype == "INT2" and (
                q.quantized_dimension >= len(shape) or len(q.scale) != shape[q.quantized_dimension]
            ):
                raise Reject(
                    "UNSUPPORTED_QUANTIZATION_PARAMETERS", f"{ctx.name(slot)} INT2 needs one scale per channel"
                )
            return
        return  # other quantization types are logged, not rejected
    if t.dtype == "UINT8":
        _per_tensor_q(ctx, t, slot, False, need_zp=True)
        return
    raise _type_fail(ctx, t, slot, False, "FLOAT32, FLOAT16 or quantized INT8/INT4")


def bias_type(ctx: _Ctx, t: Tensor, slot: int) -> None:
    """CheckTensorFloat32OrFloat16OrQCInt32Type."""
    if t.dtype in _FLOAT:
        return
    q = t.quantization
    if t.dtype == "INT32":
        if not affine(t) or q is None or q.quantized_dimension != 0:
            raise Reject(
                "UNSUPPORTED_QUANTIZATION_PARAMETERS",
                f"{ctx.name(slot)} (INT32) is not quantized along dimension 0",
                ctx.name(slot),
            )
        if len(q.scale) > 1:
            shape = dims(t)
            ok = bool(shape) and len(q.scale) == shape[0] and all(_valid_scale(s) for s in q.scale)
        else:
            ok = _valid_scale(q.scale[0]) and (q.zero_point or (0,))[0] == 0
        if not ok:
            raise Reject(
                "UNSUPPORTED_QUANTIZATION_PARAMETERS",
                f"{ctx.name(slot)} has quantization XNNPACK rejects",
                ctx.name(slot),
            )
        return
    raise _type_fail(ctx, t, slot, False, "FLOAT32, FLOAT16 or quantized INT32")


def tensor_shape(ctx: _Ctx, t: Tensor, lo: int, hi: int, slot: int, output: bool = False) -> None:
    shape = dims(t)
    if not lo <= len(shape) <= hi:
        want = f"{lo}" if lo == hi else f"{lo} to {hi}"
        raise Reject(
            "UNSUPPORTED_OPERAND_RANK",
            f"{ctx.name(slot, output)} has rank {len(shape)}; XNNPACK needs {want}",
            ctx.name(slot, output),
        )
    for i, d in enumerate(shape):
        if d <= 0:
            raise Reject(
                "UNSUPPORTED_OPERAND_SIZE", f"{ctx.name(slot, output)} dimension {i} is {d}", ctx.name(slot, output)
            )


def static_alloc(ctx: _Ctx, t: Tensor, slot: int) -> None:
    if not is_constant(t):
        raise Reject(
            "CONSTANT_INPUT_REQUIRED",
            f"{ctx.name(slot)} '{t.name}' is computed at run time; XNNPACK needs it constant in the file",
            ctx.name(slot),
        )


def static_unless_quasi(ctx: _Ctx, slot: int) -> None:
    if ctx.op.inputs[slot] not in ctx.quasi_static:
        static_alloc(ctx, ctx.t(slot), slot)


def shape_tensor_shape(ctx: _Ctx, t: Tensor, squeeze: bool, slot: int) -> None:
    shape = dims(t)
    if len(shape) != 1:
        if squeeze and all(d == 1 for d in shape[:-1]):
            return
        raise Reject(
            "UNSUPPORTED_OPERAND_RANK",
            f"{ctx.name(slot)} has rank {len(shape)}; XNNPACK needs a 1-D shape",
            ctx.name(slot),
        )


def int_type(ctx: _Ctx, t: Tensor, slot: int, allowed: tuple[str, ...] = ("INT32",)) -> None:
    if t.dtype not in allowed:
        raise _type_fail(ctx, t, slot, False, " or ".join(allowed))


def num_io(ctx: _Ctx, ins: tuple[int, int], outs: tuple[int, int]) -> None:
    n_in, n_out = len(ctx.op.inputs), len(ctx.op.outputs)
    if not ins[0] <= n_in <= ins[1]:
        raise Reject("UNSUPPORTED_OPERAND_SIZE", f"{n_in} inputs; XNNPACK expects {ins[0]}..{ins[1]}")
    if not outs[0] <= n_out <= outs[1]:
        raise Reject("UNSUPPORTED_OPERAND_SIZE", f"{n_out} outputs; XNNPACK expects {outs[0]}..{outs[1]}")


def activation(ctx: _Ctx, name: str = "fused_activation_function") -> None:
    act = option(ctx.op, name, "NONE")
    if act not in ("NONE", "RELU", "RELU_N1_TO_1", "RELU6"):
        raise Reject("NO_ACTIVATION_EXPECTED", f"fused activation {act} is not supported by XNNPACK")


def padding(ctx: _Ctx) -> None:
    pad = option(ctx.op, "padding", "SAME")
    if pad not in ("SAME", "VALID"):
        raise Reject("UNSUPPORTED_OPERATOR_VARIANT", f"padding {pad} is not supported")


def _positive(ctx: _Ctx, *names: str) -> None:
    for n in names:
        v = option(ctx.op, n, 0)
        if not isinstance(v, int) or v <= 0:
            raise Reject("INVALID_ARGUMENT", f"option {n} = {v} must be positive")


def scale_ratio(ctx: _Ctx, a: Tensor, out: Tensor, lo: float, hi: float) -> None:
    if a.dtype != out.dtype or a.dtype not in ("INT8", "UINT8"):
        return
    ratio = scale0(a) / scale0(out) if scale0(out) else math.inf
    if ratio < lo or ratio >= hi:
        raise Reject(
            "UNSUPPORTED_QUANTIZATION_PARAMETERS", f"input/output scale ratio {ratio:.3g} is outside [{lo:.3g}, {hi:g})"
        )


# ---- Visit*Node -----------------------------------------------------------------------------


def _unary(ctx: _Ctx) -> None:
    num_io(ctx, (1, 1), (1, 1))
    i, o = ctx.t(0), ctx.out()
    tensor_shape(ctx, i, 0, MAX_DIMS, 0)
    b = ctx.op.builtin
    if b == "DEQUANTIZE":
        qint8_or_quint8(ctx, i, 0)
        float_type(ctx, o, 0, True)
    elif b == "ELU":
        float_or_qint8(ctx, i, 0)
        float_or_qint8(ctx, o, 0, True)
    elif b in ("LOGISTIC", "TANH"):
        float_or_quint8(ctx, i, 0)
        float_or_quint8(ctx, o, 0, True)
    elif b == "LEAKY_RELU":
        float_or_quint8(ctx, i, 0)
        float_or_quint8(ctx, o, 0, True)
        alpha = float(option(ctx.op, "alpha", 0.0))  # type: ignore[arg-type]
        if alpha == 0.0 or not math.isfinite(alpha) or abs(alpha) < 1.17549435e-38:
            raise Reject("UNSUPPORTED_OPERAND_VALUE", f"alpha {alpha} is not a normal number")
        si, so = (scale0(i) if affine(i) else math.nan), (scale0(o) if affine(o) else math.nan)
        if math.isfinite(si) and math.isfinite(so) and si > 0 and so > 0:
            pos = si / so
            neg = pos * alpha
            if pos < 1 / 256 or pos > 128 or neg < -127.99609375 or neg > 128 or abs(neg) < 1 / 256:
                raise Reject(
                    "UNSUPPORTED_QUANTIZATION_PARAMETERS", f"input/output scale ratio {pos:.3g} with alpha {alpha}"
                )
    elif b == "QUANTIZE":
        float_or_quint8(ctx, i, 0)
        float_or_quint8(ctx, o, 0, True)
        if i.dtype not in _FLOAT:
            if i.dtype != o.dtype:
                raise Reject("UNSUPPORTED_OUTPUT_TYPE", f"requantizing {i.dtype} to {o.dtype} is not supported")
            ratio = scale0(i) / scale0(o) if scale0(o) else math.inf
            if not 1 / 256 <= ratio <= 128:
                raise Reject(
                    "UNSUPPORTED_QUANTIZATION_PARAMETERS", f"input/output scale ratio {ratio:.3g} outside [1/256, 128]"
                )
    else:
        float_type(ctx, i, 0)
        float_type(ctx, o, 0, True)


def _binary(ctx: _Ctx) -> None:
    num_io(ctx, (2, 2), (1, 1))
    a, b, o = ctx.t(0), ctx.t(1), ctx.out()
    tensor_shape(ctx, a, 0, MAX_DIMS, 0)
    tensor_shape(ctx, b, 0, MAX_DIMS, 1)
    op = ctx.op.builtin
    if op in ("ADD", "MUL", "SUB"):
        float_or_quint8(ctx, a, 0)
        float_or_quint8(ctx, b, 1)
        float_or_quint8(ctx, o, 0, True)
        if not a.dtype == b.dtype == o.dtype:
            raise Reject("UNSUPPORTED_INPUT_TYPE", f"mixed types {a.dtype}, {b.dtype} → {o.dtype}")
    else:
        float_type(ctx, a, 0)
        float_type(ctx, b, 1)
        float_type(ctx, o, 0, True)
    if op in ("ADD", "SUB"):
        scale_ratio(ctx, a, o, 1 / 1024, 256)
        scale_ratio(ctx, b, o, 1 / 1024, 256)
        activation(ctx)
    elif op == "DIV":
        activation(ctx)
    elif op == "MUL":
        if a.dtype == b.dtype == o.dtype and a.dtype in ("INT8", "UINT8"):
            ratio = scale0(a) * scale0(b) / scale0(o) if scale0(o) else math.inf
            if ratio < 1 / 65536 or ratio >= 256:
                raise Reject(
                    "UNSUPPORTED_QUANTIZATION_PARAMETERS",
                    f"input-product/output scale ratio {ratio:.3g} outside [2^-16, 256)",
                )
        activation(ctx)
    elif op == "PRELU":
        static_unless_quasi(ctx, 1)


def _pool_params(ctx: _Ctx) -> None:
    _positive(ctx, "stride_w", "stride_h", "filter_width", "filter_height")
    sw, sh = option(ctx.op, "stride_w"), option(ctx.op, "stride_h")
    fw, fh = option(ctx.op, "filter_width"), option(ctx.op, "filter_height")
    assert isinstance(sw, int) and isinstance(sh, int) and isinstance(fw, int) and isinstance(fh, int)
    if sw > fw or sh > fh:
        raise Reject("UNSUPPORTED_OPERATOR_VARIANT", f"stride {sh}x{sw} exceeds filter {fh}x{fw}")
    if fw == 1 and fh == 1 and max(sw, sh) > 1:
        raise Reject("UNSUPPORTED_OPERATOR_VARIANT", f"1x1 pooling with stride {sh}x{sw}")


def _avg_pool(ctx: _Ctx) -> None:
    num_io(ctx, (1, 1), (1, 1))
    float_type(ctx, ctx.t(0), 0)
    float_type(ctx, ctx.out(), 0, True)
    _pool_params(ctx)
    padding(ctx)
    activation(ctx)


def _max_pool(ctx: _Ctx) -> None:
    num_io(ctx, (1, 1), (1, 1))
    float32_or_quint8(ctx, ctx.t(0), 0)
    float_or_quint8(ctx, ctx.out(), 0, True)
    _pool_params(ctx)
    padding(ctx)
    activation(ctx)


def _xnn_type(t: Tensor) -> str:
    if t.dtype == "INT8" and t.quantization is not None and len(t.quantization.scale) > 1:
        return "qcint8"
    return t.dtype


def _batch_matmul(ctx: _Ctx) -> None:
    a, b = ctx.t(0), ctx.t(1)
    float_or_quint8(ctx, a, 0)
    adj_y = bool(option(ctx.op, "adj_y", False))
    float32_or_qcint8(ctx, b, len(dims(b)) - 2 if adj_y else len(dims(b)) - 1, 1)
    dynq = a.dtype == "FLOAT32" and b.dtype == "INT8"
    if b.dtype == "INT8" and not dynq and affine(b) and zp0(b) != 0:
        raise Reject(
            "UNSUPPORTED_QUANTIZATION_PARAMETERS", f"input 1 zero point is {zp0(b)}; XNNPACK needs 0", "input 1"
        )
    float_or_quint8(ctx, ctx.out(), 0, True)
    if _xnn_type(a) != _xnn_type(b) and not dynq:
        raise Reject("UNSUPPORTED_INPUT_TYPE", f"inputs differ in type ({a.dtype} and {b.dtype})")
    if len(dims(a)) < 2 or len(dims(b)) < 2:
        raise Reject("UNSUPPORTED_OPERAND_RANK", "both inputs need rank 2 or more")


def _concat(ctx: _Ctx) -> None:
    num_io(ctx, (2, 5), (1, 1))
    o = ctx.out()
    float_or_quint8(ctx, o, 0, True)
    axis = int(option(ctx.op, "axis", 0))  # type: ignore[call-overload]
    ins = [ctx.t(i) for i in range(len(ctx.op.inputs))]
    for t in ins:
        if axis >= len(dims(t)):
            raise Reject("UNSUPPORTED_OPERAND_VALUE", f"axis {axis} is outside the rank of '{t.name}'")
    if o.dtype == "UINT8":
        for t in ins:
            if zp0(t) != zp0(o) or scale0(t) != scale0(o):
                raise Reject(
                    "UNSUPPORTED_QUANTIZATION_PARAMETERS", "UINT8 inputs must share the output's scale and zero point"
                )
    for i, t in enumerate(ins):
        float_or_quint8(ctx, t, i)


def _filter_bias_types(ctx: _Ctx, f: int, b: int) -> None:
    ft = "FLOAT16" if ctx.op.inputs[f] in ctx.f16_skipped else ctx.t(f).dtype
    if ft in _FLOAT:
        bt = "FLOAT16" if ctx.op.inputs[b] in ctx.f16_skipped else ctx.t(b).dtype
        if bt != ft and not (ft == "FLOAT16" and bt == "FLOAT32"):
            raise Reject("UNSUPPORTED_INPUT_TYPE", f"filter is {ft} but bias is {bt}")


def _conv2d(ctx: _Ctx) -> None:
    _positive(ctx, "stride_w", "stride_h", "dilation_w_factor", "dilation_h_factor")
    num_io(ctx, (3, 3), (1, 1))
    i = ctx.t(0)
    float_or_quint8(ctx, i, 0)
    tensor_shape(ctx, i, 4, 4, 0)
    f = ctx.t(1)
    float32_or_qcint8(ctx, f, 0, 1)
    tensor_shape(ctx, f, 4, 4, 1)
    static_unless_quasi(ctx, 1)
    if ctx.op.inputs[2] < 0:
        raise Reject("MISSING_REQUIRED_OPERAND", "CONV_2D without a bias is not delegated", "input 2 (bias)")
    b = ctx.t(2)
    bias_type(ctx, b, 2)
    tensor_shape(ctx, b, 1, 1, 2)
    static_unless_quasi(ctx, 2)
    _filter_bias_types(ctx, 1, 2)
    o = ctx.out()
    float_or_quint8(ctx, o, 0, True)
    tensor_shape(ctx, o, 4, 4, 0, True)
    dynq = i.dtype == "FLOAT32" and f.dtype == "INT8"
    if i.dtype != o.dtype or (i.dtype != f.dtype and not dynq):
        raise Reject("UNSUPPORTED_INPUT_TYPE", f"input {i.dtype}, filter {f.dtype}, output {o.dtype} do not combine")
    if dims(i)[3] // dims(f)[3] == 0:
        raise Reject("UNSUPPORTED_OPERAND_SIZE", "input has fewer channels than the filter")
    padding(ctx)
    activation(ctx)


def _dwconv(ctx: _Ctx) -> None:
    num_io(ctx, (3, 3), (1, 1))
    i = ctx.t(0)
    float_or_quint8(ctx, i, 0)
    tensor_shape(ctx, i, 4, 4, 0)
    f = ctx.t(1)
    float32_or_qcint8(ctx, f, 3, 1)
    tensor_shape(ctx, f, 4, 4, 1)
    static_unless_quasi(ctx, 1)
    if ctx.op.inputs[2] < 0:
        raise Reject("MISSING_REQUIRED_OPERAND", "DEPTHWISE_CONV_2D without a bias is not delegated", "input 2 (bias)")
    b = ctx.t(2)
    bias_type(ctx, b, 2)
    tensor_shape(ctx, b, 1, 1, 2)
    static_unless_quasi(ctx, 2)
    _filter_bias_types(ctx, 1, 2)
    o = ctx.out()
    float_or_quint8(ctx, o, 0, True)
    tensor_shape(ctx, o, 4, 4, 0, True)
    if i.dtype != o.dtype or i.dtype != f.dtype:
        raise Reject("UNSUPPORTED_INPUT_TYPE", f"input {i.dtype}, filter {f.dtype}, output {o.dtype} do not match")
    _positive(ctx, "stride_w", "stride_h", "depth_multiplier")
    dm = int(option(ctx.op, "depth_multiplier", 0))  # type: ignore[call-overload]
    if dims(f)[3] % dm:
        raise Reject("INVALID_ARGUMENT", f"depth multiplier {dm} does not divide {dims(f)[3]} output channels")
    _positive(ctx, "dilation_w_factor", "dilation_h_factor")
    padding(ctx)
    activation(ctx)


def _depth_to_space(ctx: _Ctx) -> None:
    num_io(ctx, (1, 1), (1, 1))
    float_or_quint8(ctx, ctx.t(0), 0)
    float_or_quint8(ctx, ctx.out(), 0, True)
    if int(option(ctx.op, "block_size", 0)) <= 1:  # type: ignore[call-overload]
        raise Reject("UNSUPPORTED_OPERAND_VALUE", "block size must exceed 1")


def _space_to_depth(ctx: _Ctx) -> None:
    num_io(ctx, (1, 1), (1, 1))
    i = ctx.t(0)
    float32_or_quint8(ctx, i, 0)
    float_or_quint8(ctx, ctx.out(), 0, True)
    bs = int(option(ctx.op, "block_size", 0))  # type: ignore[call-overload]
    if bs <= 1:
        raise Reject("UNSUPPORTED_OPERAND_VALUE", "block size must exceed 1")
    d = dims(i)
    if len(d) < 3 or d[1] % bs or d[2] % bs:
        raise Reject("UNSUPPORTED_OPERAND_VALUE", f"input height/width {d[1:3]} are not multiples of block size {bs}")


def _fully_connected(ctx: _Ctx) -> None:
    if ctx.op.version == 8:
        raise Reject("UNSUPPORTED_OPERATOR_VERSION", "FULLY_CONNECTED version 8 (sparse weights) is not delegated")
    if option(ctx.op, "weights_format", "DEFAULT") != "DEFAULT":
        raise Reject("UNSUPPORTED_OPERATOR_VARIANT", "shuffled weights format is not supported")
    num_io(ctx, (2, 3), (1, 1))
    i = ctx.t(0)
    float_or_quint8(ctx, i, 0)
    f = ctx.t(1)
    tensor_shape(ctx, f, 2, 2, 1)
    filter_type(ctx, f, 0, 1)
    static_unless_quasi(ctx, 1)
    out_ch, in_ch = dims(f)
    if len(ctx.op.inputs) >= 3 and ctx.op.inputs[2] >= 0:
        b = ctx.t(2)
        n = math.prod(dims(b))
        if n != out_ch:
            raise Reject(
                "UNSUPPORTED_OPERAND_SIZE", f"bias has {n} elements for {out_ch} output channels", "input 2 (bias)"
            )
        bias_type(ctx, b, 2)
        static_unless_quasi(ctx, 2)
        _filter_bias_types(ctx, 1, 2)
    o = ctx.out()
    float_or_quint8(ctx, o, 0, True)
    ints = ("INT2", "INT4", "INT8")
    dynq = i.dtype in _FLOAT and f.dtype in ints
    srq = i.dtype == "INT8" and f.dtype in ints
    if i.dtype != o.dtype or (i.dtype != f.dtype and not (dynq or srq)):
        raise Reject("UNSUPPORTED_INPUT_TYPE", f"input {i.dtype}, weights {f.dtype}, output {o.dtype} do not combine")
    if not dynq and f.dtype == "INT8" and affine(f) and zp0(f) != 0:
        raise Reject(
            "UNSUPPORTED_QUANTIZATION_PARAMETERS", f"weights zero point is {zp0(f)}; XNNPACK needs 0", "input 1"
        )
    if f.dtype == "INT4" and in_ch % 2:
        raise Reject("UNSUPPORTED_OPERAND_SIZE", f"INT4 weights with an odd input size {in_ch}")
    if f.dtype == "INT2" and in_ch % 4:
        raise Reject("UNSUPPORTED_OPERAND_SIZE", f"INT2 weights with input size {in_ch} not a multiple of 4")
    activation(ctx)


def _reduce(ctx: _Ctx) -> None:
    num_io(ctx, (2, 2), (1, 1))
    i = ctx.t(0)
    float_or_quint8(ctx, i, 0)
    axes = ctx.t(1)
    int_type(ctx, axes, 1)
    if len(dims(axes)) > 1:
        raise Reject("UNSUPPORTED_OPERAND_RANK", "axes must be 0-D or 1-D", "input 1 (axis)")
    static_alloc(ctx, axes, 1)
    n = math.prod(dims(axes))
    first = None
    if n == 1 and len(dims(i)) == 0:  # only then do the values matter (numpy stays unloaded otherwise)
        data = axes.data()
        first = int(data.reshape(-1)[0]) if data is not None and data.size else None
    if n <= 0 or (n == 1 and first == 0) or n > MAX_DIMS:
        raise Reject("UNSUPPORTED_OPERAND_VALUE", f"{n} reduction axes")
    float_or_quint8(ctx, ctx.out(), 0, True)


def _pad(ctx: _Ctx) -> None:
    num_io(ctx, (2, 2), (1, 1))
    i = ctx.t(0)
    float_or_quint8(ctx, i, 0)
    tensor_shape(ctx, i, 1, MAX_DIMS, 0)
    p = ctx.t(1)
    int_type(ctx, p, 1)
    pd = dims(p)
    if len(pd) != 2 or pd[0] != len(dims(i)) or pd[1] != 2:
        raise Reject("UNSUPPORTED_OPERAND_SIZE", f"paddings shape {list(pd)} is not [{len(dims(i))}, 2]", "input 1")
    static_alloc(ctx, p, 1)
    o = ctx.out()
    float_or_quint8(ctx, o, 0, True)
    tensor_shape(ctx, o, 1, MAX_DIMS, 0, True)
    data = p.data()
    if data is not None and (data < 0).any():
        raise Reject("UNSUPPORTED_OPERAND_VALUE", "negative padding")


def _reshape(ctx: _Ctx) -> None:
    num_io(ctx, (1, 2), (1, 1))
    i, o = ctx.t(0), ctx.out()
    float_or_quint8(ctx, i, 0)
    tensor_shape(ctx, i, 0, MAX_DIMS, 0)
    float_or_quint8(ctx, o, 0, True)
    tensor_shape(ctx, o, 0, MAX_DIMS, 0, True)
    if o.dtype in ("UINT8", "INT8") and (zp0(i) != zp0(o) or scale0(i) != scale0(o)):
        raise Reject("UNSUPPORTED_QUANTIZATION_PARAMETERS", "input and output quantization differ")
    if len(ctx.op.inputs) == 2:
        s = ctx.t(1)
        int_type(ctx, s, 1)
        shape_tensor_shape(ctx, s, True, 1)
        static_alloc(ctx, s, 1)
        new = []
        if math.prod(dims(s)) == 1:  # only a 1-element shape can be the rejected [-1]
            data = s.data()
            new = [int(v) for v in data.reshape(-1)] if data is not None else []
    else:
        raw = ctx.op.options.get("new_shape") or []
        new = [int(v) for v in raw]
    if len(new) == 1 and new[0] in (-1, 0):
        raise Reject("UNSUPPORTED_OPERAND_VALUE", "reshape to a 1-D tensor of inferred size")


def _resize_bilinear(ctx: _Ctx) -> None:
    num_io(ctx, (2, 2), (1, 1))
    i = ctx.t(0)
    float32_or_quint8(ctx, i, 0)
    tensor_shape(ctx, i, 4, 4, 0)
    s = ctx.t(1)
    int_type(ctx, s, 1)
    shape_tensor_shape(ctx, s, False, 1)
    static_alloc(ctx, s, 1)
    o = ctx.out()
    float_or_quint8(ctx, o, 0, True)
    tensor_shape(ctx, o, 4, 4, 0, True)
    data = s.data()
    if data is not None and (data.reshape(-1)[: len(dims(s))] <= 0).any():
        raise Reject("UNSUPPORTED_OPERAND_VALUE", "output size must be positive")


def _slice(ctx: _Ctx) -> None:
    i, b, s, o = ctx.t(0), ctx.t(1), ctx.t(2), ctx.out()
    for slot, t in ((1, b), (2, s)):
        shape_tensor_shape(ctx, t, False, slot)
        static_alloc(ctx, t, slot)
        int_type(ctx, t, slot, ("INT32", "INT64"))
    if dims(b)[0] != dims(s)[0]:
        raise Reject("UNSUPPORTED_OPERAND_SIZE", "begin and size differ in length")
    float_or_quint8(ctx, i, 0)
    float_or_quint8(ctx, o, 0, True)
    sd = s.data()
    if sd is not None and (sd.reshape(-1) <= 0).any():
        raise Reject("UNSUPPORTED_OPERAND_VALUE", "slice size must be positive (no -1)", "input 2 (size)")


def _softmax(ctx: _Ctx) -> None:
    beta = float(option(ctx.op, "beta", 0.0))  # type: ignore[arg-type]
    if beta != 1.0:
        raise Reject("UNSUPPORTED_OPERAND_VALUE", f"beta {beta:g}; XNNPACK supports only 1.0")
    num_io(ctx, (1, 1), (1, 1))
    float_type(ctx, ctx.t(0), 0)
    float_type(ctx, ctx.out(), 0, True)


def _split(ctx: _Ctx) -> None:
    if int(option(ctx.op, "num_splits", 0)) != len(ctx.op.outputs):  # type: ignore[call-overload]
        raise Reject("INVALID_ARGUMENT", "num_splits differs from the number of outputs")
    num_io(ctx, (2, 2), (2, 4))
    a = ctx.t(0)
    int_type(ctx, a, 0)
    static_alloc(ctx, a, 0)
    float_or_quint8(ctx, ctx.t(1), 1)
    for k in range(len(ctx.op.outputs)):
        float_or_quint8(ctx, ctx.out(k), k, True)


def _transpose(ctx: _Ctx) -> None:
    num_io(ctx, (2, 2), (1, 1))
    i = ctx.t(0)
    float_or_quint8(ctx, i, 0)
    tensor_shape(ctx, i, 1, MAX_DIMS, 0)
    static_alloc(ctx, ctx.t(1), 1)


def _strided_slice(ctx: _Ctx) -> None:
    for m in ("ellipsis_mask", "new_axis_mask", "shrink_axis_mask"):
        if option(ctx.op, m, 0):
            raise Reject(
                "UNSUPPORTED_OPERATOR_VARIANT", f"{m} is set; XNNPACK supports none of ellipsis/new-axis/shrink masks"
            )
    st = ctx.t(3)
    shape_tensor_shape(ctx, st, False, 3)
    static_alloc(ctx, st, 3)
    int_type(ctx, st, 3)
    data = st.data()
    if data is not None and (data.reshape(-1) != 1).any():
        raise Reject("UNSUPPORTED_OPERAND_VALUE", "strides other than 1", "input 3 (strides)")
    i, b, e, o = ctx.t(0), ctx.t(1), ctx.t(2), ctx.out()
    for slot, t in ((1, b), (2, e)):
        shape_tensor_shape(ctx, t, False, slot)
        static_alloc(ctx, t, slot)
        int_type(ctx, t, slot)
    for slot, t in ((1, b), (2, e), (3, st)):
        if len(dims(t)) != 1 or dims(t)[0] != len(dims(i)):
            raise Reject(
                "UNSUPPORTED_OPERAND_SIZE", f"{ctx.name(slot)} length differs from the input rank", ctx.name(slot)
            )
    float_or_quint8(ctx, i, 0)
    float_or_quint8(ctx, o, 0, True)


def _transpose_conv(ctx: _Ctx) -> None:
    num_io(ctx, (3, 4), (1, 1))
    s = ctx.t(0)
    int_type(ctx, s, 0)
    shape_tensor_shape(ctx, s, False, 0)
    static_alloc(ctx, s, 0)
    if dims(s)[0] != 4:
        raise Reject("UNSUPPORTED_OPERAND_SIZE", "output shape must have 4 dimensions", "input 0")
    f = ctx.t(1)
    tensor_shape(ctx, f, 4, 4, 1)
    static_unless_quasi(ctx, 1)
    i = ctx.t(2)
    float32_or_quint8(ctx, i, 2)
    tensor_shape(ctx, i, 4, 4, 2)
    float32_or_qcint8(ctx, f, 0, 1)
    if len(ctx.op.inputs) >= 4 and ctx.op.inputs[3] >= 0:
        b = ctx.t(3)
        bias_type(ctx, b, 3)
        tensor_shape(ctx, b, 1, 1, 3)
        static_unless_quasi(ctx, 3)
    o = ctx.out()
    float32_or_quint8(ctx, o, 0, True)
    tensor_shape(ctx, o, 4, 4, 0, True)
    sd = s.data()
    shape = [int(v) for v in sd.reshape(-1)] if sd is not None else list(dims(o))
    fd, idims = dims(f), dims(i)
    if fd[0] != shape[3]:
        raise Reject("UNSUPPORTED_OPERAND_VALUE", "filter output channels differ from the output shape")
    if fd[3] != idims[3]:
        raise Reject("UNSUPPORTED_OPERAND_VALUE", "filter input channels differ from the input")
    kh, kw = fd[1], fd[2]
    oh, ow = shape[1], shape[2]
    sh, sw = int(option(ctx.op, "stride_h", 0)), int(option(ctx.op, "stride_w", 0))  # type: ignore[call-overload]
    pad = option(ctx.op, "padding", "SAME")
    if pad == "VALID":
        if kh > oh or kw > ow:
            raise Reject("UNSUPPORTED_OPERAND_VALUE", "kernel larger than the output")
    elif pad == "SAME":
        if sh <= 0 or sw <= 0:
            raise Reject("INVALID_ARGUMENT", "strides must be positive")
        exp_h, exp_w = (oh + sh - 1) // sh, (ow + sw - 1) // sw
        if (exp_h, exp_w) != (idims[1], idims[2]):
            raise Reject(
                "UNSUPPORTED_OPERAND_VALUE", f"input {idims[1]}x{idims[2]} does not match SAME padding of the output"
            )
        if kh < sh or kw < sw:
            raise Reject("UNSUPPORTED_OPERATOR_VARIANT", f"kernel {kh}x{kw} smaller than stride {sh}x{sw}")
    else:
        raise Reject("UNSUPPORTED_OPERATOR_VARIANT", f"padding {pad}")
    activation(ctx)


def _sdpa(ctx: _Ctx) -> None:
    n = len(ctx.op.inputs)
    for k in range(min(n, 4)):
        float32_type(ctx, ctx.t(k), k)
    float32_type(ctx, ctx.out(), 0, True)
    q, k_, v = dims(ctx.t(0)), dims(ctx.t(1)), dims(ctx.t(2))
    if not q or not k_ or not v or q[-1] != k_[-1] or q[-1] != v[-1]:
        raise Reject("UNSUPPORTED_OPERAND_SIZE", "query, key and value head sizes differ")
    if n > 3:
        m = dims(ctx.t(3))
        if len(k_) < 2 or len(v) < 2 or not m or k_[1] != m[-1] or v[1] != m[-1]:
            raise Reject("UNSUPPORTED_OPERAND_SIZE", "mask length differs from the key/value length")
    if len(q) != 4 or len(k_) != 4 or q[2] % k_[2]:
        raise Reject("UNSUPPORTED_OPERAND_RANK", "query and key must be 4-D with heads divisible")


def _composite(ctx: _Ctx) -> None:
    name = option(ctx.op, "name", "")
    if name != "odml.scaled_dot_product_attention":
        raise Reject("UNSUPPORTED_OPERATOR", f"stablehlo.composite '{name}' has no XNNPACK lowering")
    _sdpa(ctx)


_RAW_OPTIONS = (
    "its options are a raw C struct (padding, strides) that is not decoded here; the delegate also needs them valid"
)


def _mp_deconv(ctx: _Ctx) -> None:
    """VisitMediaPipeDeconvolutionNode (options checks left as a caveat)."""
    num_io(ctx, (3, 3), (1, 1))
    for slot, rank in ((0, 4), (1, 4), (2, 1)):
        float32_type(ctx, ctx.t(slot), slot)
        tensor_shape(ctx, ctx.t(slot), rank, rank, slot)
        if slot:
            static_unless_quasi(ctx, slot)
    float32_type(ctx, ctx.out(), 0, True)
    tensor_shape(ctx, ctx.out(), 4, 4, 0, True)
    ctx.caveats.append(_RAW_OPTIONS)


def _mp_pool(ctx: _Ctx) -> None:
    """VisitMediaPipeMaxPoolingNode / VisitMediaPipeUnpoolingNode (options left as a caveat)."""
    unpool = ctx.op.custom_code == "MaxUnpooling2D"
    num_io(ctx, (2, 2) if unpool else (1, 1), (1, 1) if unpool else (2, 2))
    float32_type(ctx, ctx.t(0), 0)
    tensor_shape(ctx, ctx.t(0), 4, 4, 0)
    if unpool:
        tensor_shape(ctx, ctx.t(1), 4, 4, 1)
    float32_type(ctx, ctx.out(0), 0, True)
    for k in range(len(ctx.op.outputs)):
        tensor_shape(ctx, ctx.out(k), 4, 4, k, True)
    ctx.caveats.append(_RAW_OPTIONS + " (filter equal to stride)")


# The checks of the custom ops the catalogue (custom_ops) says XNNPACK runs; a test keeps both in step.
CUSTOM_VISITORS: dict[str, Callable[[_Ctx], None]] = {
    "Convolution2DTransposeBias": _mp_deconv,
    "MaxPoolingWithArgmax2D": _mp_pool,
    "MaxUnpooling2D": _mp_pool,
    "odml.scaled_dot_product_attention": _sdpa,
}


def _custom(ctx: _Ctx) -> None:
    from ..custom_ops import runs_on  # custom ops only: the catalogue is big to import

    code = ctx.op.custom_code or ""
    if not runs_on(code, "xnnpack"):
        raise Reject("UNSUPPORTED_OPERATOR", f"custom op '{code}' has no XNNPACK kernel")
    CUSTOM_VISITORS[code](ctx)


def _variable(ctx: _Ctx) -> None:
    """Handled by the resource pass in :func:`check_subgraph`; here only the type checks."""
    if ctx.op.builtin == "ASSIGN_VARIABLE":
        float_or_quint8(ctx, ctx.t(1), 1)
    elif ctx.op.builtin == "READ_VARIABLE":
        o = ctx.out()
        if len(dims(o)) == 0:
            raise Reject("UNSUPPORTED_OPERAND_RANK", "scalar variables are not delegated", "output")
        float_or_quint8(ctx, o, 0, True)


def _expand_dims(ctx: _Ctx) -> None:
    raise Reject(
        "UNSUPPORTED_OPERATOR", "EXPAND_DIMS is disabled in this XNNPACK version (VisitExpandDimsNode returns early)"
    )


_UNARY = (
    "ABS CEIL COS DEQUANTIZE ELU EXP FLOOR GELU HARD_SWISH LEAKY_RELU LOGISTIC LOG NEG QUANTIZE RELU RELU6 "
    "RELU_N1_TO_1 ROUND RSQRT SIN SQRT SQUARE TANH"
).split()
_BINARY = "ADD DIV MAXIMUM MINIMUM MUL PRELU SQUARED_DIFFERENCE SUB".split()

VISITORS: dict[str, Callable[[_Ctx], None]] = {
    **{n: _unary for n in _UNARY},
    **{n: _binary for n in _BINARY},
    "AVERAGE_POOL_2D": _avg_pool,
    "MAX_POOL_2D": _max_pool,
    "BATCH_MATMUL": _batch_matmul,
    "CONCATENATION": _concat,
    "CONV_2D": _conv2d,
    "DEPTHWISE_CONV_2D": _dwconv,
    "DEPTH_TO_SPACE": _depth_to_space,
    "SPACE_TO_DEPTH": _space_to_depth,
    "EXPAND_DIMS": _expand_dims,
    "FULLY_CONNECTED": _fully_connected,
    "REDUCE_MIN": _reduce,
    "REDUCE_MAX": _reduce,
    "SUM": _reduce,
    "MEAN": _reduce,
    "PAD": _pad,
    "RESHAPE": _reshape,
    "RESIZE_BILINEAR": _resize_bilinear,
    "SLICE": _slice,
    "SOFTMAX": _softmax,
    "SPLIT": _split,
    "STRIDED_SLICE": _strided_slice,
    "TRANSPOSE": _transpose,
    "TRANSPOSE_CONV": _transpose_conv,
    "STABLEHLO_COMPOSITE": _composite,
    "CUSTOM": _custom,
    "ASSIGN_VARIABLE": _variable,
    "READ_VARIABLE": _variable,
}
SUPPORTED_BUILTINS = frozenset(VISITORS) | {"VAR_HANDLE", "DENSIFY"}


def _visit(ctx: _Ctx) -> None:
    visitor = VISITORS.get(ctx.op.builtin)
    if visitor is None:
        raise Reject("UNSUPPORTED_OPERATOR", f"XNNPACK has no kernel for {ctx.op.opcode}")
    try:
        visitor(ctx)
    except (IndexError, ValueError, TypeError) as exc:  # malformed operands: the delegate refuses too
        raise Reject("INVALID_ARGUMENT", f"malformed operands ({exc})") from None


class _Prepare:
    """``Delegate::PrepareOpsToDelegate`` over one subgraph: the walk's state and its three steps."""

    def __init__(self, sg: Subgraph) -> None:
        self.sg = sg
        self.quasi_static: set[int] = set()
        self.producers: dict[int, int] = {}
        self.static_unpack: set[int] = set()
        self.f16_skipped: set[int] = set()
        self.delegated: set[int] = set()
        self.rejected: dict[int, Reject] = {}
        self.caveats: dict[int, list[str]] = {}
        # resource tensor → [var_handle op, proxy (dtype, shape) or None, failed]
        self.resources: dict[int, list[object]] = {}

    def unpacks_constant(self, op: Operator) -> bool:
        """A DEQUANTIZE of fp16/int8 or a DENSIFY of static weights: delegated as part of its consumer."""
        sg, ins, outs = self.sg, op.inputs, op.outputs
        if op.builtin not in ("DEQUANTIZE", "DENSIFY") or len(ins) != 1 or len(outs) != 1 or ins[0] < 0:
            return False
        i, o = sg.tensors[ins[0]], sg.tensors[outs[0]]
        if op.builtin == "DEQUANTIZE":
            int8ok = i.dtype == "INT8" and affine(i)
            if not (
                i.sparsity is None
                and (is_constant(i) or ins[0] in self.quasi_static)
                and (i.dtype == "FLOAT16" or int8ok)
                and o.dtype == "FLOAT32"
            ):
                return False
            if i.dtype == "FLOAT16" and self._only_weights_of_fc_or_conv(outs[0]):
                self.f16_skipped.add(outs[0])
        elif not (
            is_constant(i)
            and i.sparsity is not None
            and i.dtype in ("FLOAT16", "INT8", "FLOAT32")
            and o.dtype == i.dtype
        ):
            return False
        self.static_unpack.add(op.index)
        self.producers[outs[0]] = op.index
        self.quasi_static.add(outs[0])
        return True

    def _only_weights_of_fc_or_conv(self, t: int) -> bool:
        for c in self.sg.consumer_ops(t):
            if c.builtin not in ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D") or (c.inputs and c.inputs[0] == t):
                return False
        return True

    def visit(self, op: Operator) -> None:
        """Check one op; variable ops also record the type and shape their resource is used with."""
        ins, outs = op.inputs, op.outputs
        if op.builtin == "VAR_HANDLE":
            self.resources.setdefault(outs[0] if outs else -1, [None, None, False])[0] = op.index
            raise Reject("UNSUPPORTED_OPERAND_VALUE", "variable type unknown until a READ/ASSIGN_VARIABLE is delegated")
        ctx = _Ctx(self.sg, op, self.quasi_static, self.f16_skipped)
        _visit(ctx)
        if op.builtin in ("ASSIGN_VARIABLE", "READ_VARIABLE"):
            value = self.sg.tensors[ins[1] if op.builtin == "ASSIGN_VARIABLE" else outs[0]]
            info = self.resources.setdefault(ins[0], [None, None, False])
            if info[0] is None:
                raise Reject("UNSUPPORTED_OPERAND_VALUE", "its VAR_HANDLE is not in this subgraph")
            sig = (value.dtype, dims(value))
            if info[1] is None:
                info[1] = sig
            elif info[1] != sig:
                raise Reject("UNSUPPORTED_OPERAND_VALUE", f"variable used with {info[1]} and {sig}")
        self.delegated.add(op.index)
        if ctx.caveats:
            self.caveats[op.index] = ctx.caveats

    def reject(self, op: Operator, rej: Reject) -> None:
        """The op stays on the CPU, and so do the constant unpackings that fed it."""
        self.rejected[op.index] = rej
        for t in op.inputs:
            if t in self.producers and self.producers[t] in self.static_unpack:
                self.static_unpack.discard(self.producers[t])
                self.rejected[self.producers[t]] = Reject(
                    "OUTSIDE_PARTITION", f"unpacks a constant for {op.opcode} #{op.index}, which stays on the CPU"
                )

    def finish(self) -> tuple[set[int], dict[int, Reject], dict[int, list[str]]]:
        """Variable handles go with their delegated users; unpackings nothing delegated reads stay."""
        for handle, proxy, _ in self.resources.values():
            if isinstance(handle, int) and proxy is not None:
                self.delegated.add(handle)
                self.rejected.pop(handle, None)
        self.delegated |= self.static_unpack
        for k in self.static_unpack:
            self.rejected.pop(k, None)
        for op in self.sg.operators:
            if op.index not in self.delegated and op.index not in self.rejected:
                self.rejected[op.index] = Reject("OUTSIDE_PARTITION", "unpacks a constant nothing delegated reads")
        return self.delegated, self.rejected, self.caveats


def check_subgraph(sg: Subgraph) -> tuple[set[int], dict[int, Reject], dict[int, list[str]]]:
    """``PrepareOpsToDelegate``: (ops the delegate takes, why each other op stays on the CPU,
    conditions we could not check for ops we say it takes)."""
    walk = _Prepare(sg)
    for op in sg.operators:
        if walk.unpacks_constant(op):
            continue
        try:
            walk.visit(op)
        except Reject as rej:
            walk.reject(op, rej)
    return walk.finish()


class Xnnpack(Target):
    name = "xnnpack"
    title = "XNNPACK"
    source = SOURCE
    summary = "LiteRT's default CPU delegate"
    verified = "checked op for op against the real delegate (ai-edge-litert)"
    policy = EverySupportedRun()

    def check_subgraph(self, sg: Subgraph, options: Mapping[str, Any]) -> SubgraphCheck:
        taken, rejected, caveats = check_subgraph(sg)
        return SubgraphCheck(taken, {i: r for i, r in rejected.items() if i not in taken}, caveats)

    def supports_builtin(self, builtin: str) -> bool:
        return builtin in VISITORS and builtin != "EXPAND_DIMS"


TARGET = Xnnpack()
