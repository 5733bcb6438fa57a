"""What LiteRT's Intel OpenVINO compiler plugin selects for the Intel NPU (Lunar Lake, Panther Lake).

Source: LiteRT ``litert/vendors/intel_openvino/compiler/openvino_compiler_plugin.cc`` at
f67457790c9c2ab67347d6fe53270e8d3df20868: ``LiteRtCompilerPluginPartition`` refuses the whole
subgraph (and with it the partition call: nothing compiles) when an input has rank 6 or more, then
selects each op whose code is in ``kSupportedOps`` (``IsOpSupported``; TOPK_V2 only with a constant
k), and of the composites only ``odml.rms_norm`` (``IsCompositeOpSupported``). It checks no type or
shape at this step: what OpenVINO cannot compile fails later, at compilation. SoCs:
``ai_edge_litert/aot/vendors/intel_openvino/target.py`` and ``intel_openvino/supported_soc.csv``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..readers.opcodes import BUILTIN_NAMES
from .npu import NpuTarget, composite_name, no_kernel_fix
from .reasons import Reason, Reject

if TYPE_CHECKING:
    from ..model import Model, Operator, Subgraph

__all__ = ["SOURCE", "SOCS", "SUPPORTED", "TARGET", "select"]

SOURCE = (
    "LiteRT litert/vendors/intel_openvino/compiler/openvino_compiler_plugin.cc (kSupportedOps, IsOpSupported) "
    "@ f67457790"
)
SOCS = {"LNL": "NPU4000, Lunar Lake", "PTL": "NPU5010, Panther Lake"}
MAX_INPUT_RANK = 5

SUPPORTED = frozenset(
    """CONV_2D DEPTHWISE_CONV_2D SPLIT FULLY_CONNECTED ADD RESHAPE MEAN RESIZE_BILINEAR RESIZE_NEAREST_NEIGHBOR
    CONCATENATION MAX_POOL_2D AVERAGE_POOL_2D MUL TRANSPOSE_CONV SOFTMAX MIRROR_PAD STRIDED_SLICE DEPTH_TO_SPACE GATHER
    BATCH_MATMUL LEAKY_RELU PACK CAST DIV CUMSUM SUB GELU GATHER_ND SUM REDUCE_MAX EMBEDDING_LOOKUP CONV_3D ARG_MAX
    ONE_HOT UNPACK REDUCE_ALL STABLEHLO_COMPOSITE DEQUANTIZE LOGISTIC RELU TANH PAD TRANSPOSE SLICE QUANTIZE RANGE
    BROADCAST_TO PADV2 EQUAL NOT_EQUAL EXP REVERSE_V2 MAXIMUM LOGICAL_OR EXPAND_DIMS LOG SIN POW FLOOR_DIV COS MINIMUM
    SQUARED_DIFFERENCE RSQRT ABS LESS SELECT SELECT_V2 HARD_SWISH PRELU SQRT GREATER_EQUAL LESS_EQUAL LOGICAL_AND
    LOGICAL_NOT L2_NORMALIZATION GREATER RELU_0_TO_1 SQUARE FLOOR_MOD SIGN TILE TOPK_V2""".split()
)
COMPOSITES = ("odml.rms_norm",)
_CODES = {name: code for code, name in BUILTIN_NAMES.items()}


def select(sg: Subgraph, op: Operator) -> None:
    """Raise :class:`Reject` when ``IsOpSupported``/``IsCompositeOpSupported`` say no."""
    b = "CUSTOM" if op.is_custom else op.builtin
    if b == "TOPK_V2":
        k = sg.tensor(op.inputs[1]) if len(op.inputs) > 1 else None
        if k is None or not k.is_constant:
            raise Reject(
                "CONSTANT_INPUT_REQUIRED",
                "TOPK_V2 with a non-constant k is not supported on the NPU (its output size would be dynamic)",
                "input 1",
            )
        return
    if b not in SUPPORTED:
        what = f"custom op {op.opcode}" if op.is_custom else b
        raise Reject(
            "UNSUPPORTED_OPERATOR",
            f"{what} (op type {_CODES.get(b, '?')}) is not in the Intel plugin's supported ops",
            None,
            no_kernel_fix(b),
        )
    name = composite_name(op)
    if b == "STABLEHLO_COMPOSITE" and name not in COMPOSITES:
        raise Reject("UNSUPPORTED_OPERATOR", f"composite '{name}': the Intel plugin takes odml.rms_norm only")


class Intel(NpuTarget):
    name = "intel"
    title = "Intel NPU"
    source = SOURCE
    summary = "Intel NPU (OpenVINO) through LiteRT's Intel OpenVINO compiler plugin, per SoC (--soc)"
    verified = "checked per op against the plugin's partition (apply_plugin_main, ai-edge-litert 2.3.0) on LNL"
    vendor = "IntelOpenVINO"
    socs = SOCS
    default_soc = "LNL"
    plain = SUPPORTED - {"TOPK_V2", "STABLEHLO_COMPOSITE"}
    caveats = (
        "the partition step checks op types only: an op OpenVINO cannot compile for the NPU (a type, shape or "
        "attribute) fails later, at compilation",
    )

    def select(self, sg: Subgraph, op: Operator, soc: str) -> None:
        select(sg, op)

    def stops(self, model: Model, visited: Iterable[int], soc: str) -> Reason | None:
        for s in visited:
            sg = model.subgraphs[s]
            for k, t in enumerate(sg.inputs):
                x = sg.tensors[t]
                if len(x.shape_signature) > MAX_INPUT_RANK:
                    return Reason(
                        "MODEL_LIMIT",
                        f"the Intel plugin stops on this model (nothing is compiled): input {k} '{x.name}' of "
                        f'subgraph {s} has rank {len(x.shape_signature)} ("Model not supported": rank 6 or more)',
                        f"input {k}",
                    )
        return None

    def supports_builtin(self, builtin: str) -> bool:
        return builtin in SUPPORTED


TARGET = Intel()
