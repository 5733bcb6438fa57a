"""What LiteRT's MediaTek compiler plugin selects for the MediaTek APU (NeuroPilot), from its source only.

Source: LiteRT ``litert/vendors/mediatek/compiler/compiler_plugin.cc`` at
f67457790c9c2ab67347d6fe53270e8d3df20868: without the SDK feature ``NEURON_FEATURE_UNKNOWN_OP`` the
partition call selects each op whose code is in ``kSupportedOps`` and that passes ``VerifyCommonOp``
(``legalizations/common_op_legalization.cc``): every input and output maps to a Neuron tensor type
(``GetNeuronTensorType``, ``legalizations/neuron_utils.cc``) and a composite is ``odml.rms_norm`` or
``odml.l2_norm``. Unverified: the plugin needs MediaTek's SDK library
(``libneuronusdk_adapter.mtk.so``), which cannot be had here, and with newer SDKs it asks the SDK per
op instead. SoCs: ``ai_edge_litert/aot/vendors/mediatek/target.py`` (``kPluginSocModels``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..remedies import Remedy
from .npu import NpuTarget, composite_name, no_kernel_fix
from .reasons import Reject

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..model import Operator, Subgraph, Tensor

__all__ = ["SOURCE", "SOCS", "SUPPORTED", "TARGET", "select", "neuron_type_error"]

SOURCE = (
    "LiteRT litert/vendors/mediatek/compiler (compiler_plugin.cc kSupportedOps, VerifyCommonOp, "
    "GetNeuronTensorType) @ f67457790"
)
SOCS = {
    s: ""
    for s in (
        "MT6853 MT6877 MT6878 MT6879 MT6886 MT6893 MT6895 MT6897 MT6983 MT6985 MT6989 MT6991 MT6993 MT8171 MT8188 "
        "MT8189"
    ).split()
}
SUPPORTED = frozenset(
    """ADD MUL BATCH_MATMUL FULLY_CONNECTED RESHAPE TRANSPOSE RSQRT CONCATENATION QUANTIZE SLICE STRIDED_SLICE SPLIT SUB
    TANH SOFTMAX MEAN GELU PAD LOGISTIC SUM CONV_2D DEPTHWISE_CONV_2D SQUARED_DIFFERENCE RESIZE_BILINEAR
    RESIZE_NEAREST_NEIGHBOR TRANSPOSE_CONV MAX_POOL_2D DEQUANTIZE PADV2 HARD_SWISH AVERAGE_POOL_2D REDUCE_MAX SQRT DIV
    CAST PRELU LEAKY_RELU MAXIMUM RELU ABS GREATER MINIMUM LESS STABLEHLO_COMPOSITE L2_NORMALIZATION""".split()
)
COMPOSITES = ("odml.rms_norm", "odml.l2_norm")


def _zero_points(t: Tensor) -> bool:
    q = t.quantization
    return q is None or not any(q.zero_point)


def neuron_type_error(t: Tensor) -> str | None:
    """Why ``GetNeuronTensorType`` has no Neuron type for ``t`` (None: it has one)."""
    q = t.quantization
    per_channel = q is not None and q.per_channel
    per_tensor = q is not None and len(q.scale) == 1
    d = t.dtype
    if d in ("FLOAT32", "FLOAT16", "UINT8", "BOOL"):
        return None
    if d == "INT32":
        return "int32 per-channel quantization needs zero points of 0" if per_channel and not _zero_points(t) else None
    if d in ("INT16", "UINT16"):
        return None if per_tensor else f"{d} is supported only per-tensor quantized"
    if d in ("INT8", "INT4"):
        return None if per_tensor or per_channel else f"{d} is supported only quantized"
    if d == "INT64":
        return None if t.is_constant else "INT64 is supported only for constants"
    return f"element type {d} has no Neuron tensor type"


def select(sg: Subgraph, op: Operator) -> None:
    """Raise :class:`Reject` when ``IsOpSupported`` (list + ``VerifyCommonOp``) says no."""
    b = "CUSTOM" if op.is_custom else op.builtin
    if b not in SUPPORTED:
        what = f"custom op {op.opcode}" if op.is_custom else b
        why = f"{what} is not in the MediaTek plugin's supported ops"
        raise Reject("UNSUPPORTED_OPERATOR", why, None, no_kernel_fix(b))
    for role, idx in (("input", op.inputs), ("output", op.outputs)):
        for k, i in enumerate(idx):
            t = sg.tensor(i)
            error = neuron_type_error(t) if t is not None else None
            if error is not None and t is not None:
                raise Reject(
                    "UNSUPPORTED_INPUT_TYPE" if role == "input" else "UNSUPPORTED_OUTPUT_TYPE",
                    f"{role} {k} '{t.name}': {error}",
                    f"{role} {k}",
                    Remedy.NPU_FULL_INTEGER if t.dtype in ("INT8", "INT16", "INT4") else None,
                )
    name = composite_name(op)
    if b == "STABLEHLO_COMPOSITE" and name not in COMPOSITES:
        raise Reject("UNSUPPORTED_OPERATOR", f"composite '{name}': the MediaTek plugin takes {', '.join(COMPOSITES)}")


class MediaTek(NpuTarget):
    name = "mediatek"
    title = "MediaTek NPU"
    source = SOURCE
    summary = "MediaTek APU (NeuroPilot) through LiteRT's MediaTek compiler plugin, per SoC (--soc); unverified"
    verified = (
        "unverified: ported from the plugin's source; the plugin needs MediaTek's SDK library, which cannot be had here"
    )
    vendor = "MediaTek"
    socs = SOCS
    default_soc = "MT6989"
    caveats = (
        "the op list and type mapping of an SDK without NEURON_FEATURE_UNKNOWN_OP; newer SDKs decide per op themselves",
    )

    def select(self, sg: Subgraph, op: Operator, soc: str) -> None:
        select(sg, op)

    def selected_unseen(self, sg: Subgraph) -> Callable[[Operator], bool]:
        """An op of the list whose operands all have a Neuron type."""
        fine = {"FLOAT32", "FLOAT16", "UINT8", "BOOL"}
        untyped = {t.index for t in sg.tensors if t.dtype not in fine}
        plain = SUPPORTED - {"STABLEHLO_COMPOSITE"}
        return lambda op: (
            op.builtin in plain
            and op.custom_code is None
            and (not untyped or (untyped.isdisjoint(op.inputs) and untyped.isdisjoint(op.outputs)))
        )

    def supports_builtin(self, builtin: str) -> bool:
        return builtin in SUPPORTED


TARGET = MediaTek()
