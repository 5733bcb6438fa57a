"""What LiteRT's Google Tensor compiler plugin selects for the Tensor TPU, from its source only.

Source: LiteRT ``litert/vendors/google_tensor/compiler/compiler_plugin.cc`` at
f67457790c9c2ab67347d6fe53270e8d3df20868: with the static fallback (the public build: the input
validator is Google-internal) ``IsOpSupported`` selects every op that is not in the deny list
``kUnSupportedOps``, and of the composites ``odml.rms_norm``, ``odml.group_norm`` and
``odml.scaled_dot_product_attention`` (``kSupportedStableHloCompositeOps``); user op filters
(``--google_tensor_op_filters_proto``) can move more ops to the CPU. Unverified: the plugin needs
Google's compiler library (``liblitert_plugin_compiler.so``), which cannot be had here. SoCs:
``kPluginSocModels`` and ``ai_edge_litert/aot/vendors/google_tensor/target.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .npu import NpuTarget, composite_name, no_kernel_fix
from .reasons import Reject

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..model import Operator, Subgraph

__all__ = ["SOURCE", "SOCS", "DENIED", "TARGET", "select"]

SOURCE = "LiteRT litert/vendors/google_tensor/compiler/compiler_plugin.cc (kUnSupportedOps, IsOpSupported) @ f67457790"
SOCS = {"Tensor_G3": "Pixel 8", "Tensor_G4": "Pixel 9", "Tensor_G5": "Pixel 10", "Tensor_G6": ""}
DENIED = frozenset(
    """ASSIGN_VARIABLE BIDIRECTIONAL_SEQUENCE_LSTM BROADCAST_ARGS BUCKETIZE CALL_ONCE COMPLEX_ABS CONV_3D_TRANSPOSE
    DENSIFY FAKE_QUANT HASHTABLE HASHTABLE_FIND HASHTABLE_IMPORT HASHTABLE_SIZE IMAG LOCAL_RESPONSE_NORMALIZATION
    MATRIX_DIAG MATRIX_SET_DIAG MULTINOMIAL NON_MAX_SUPPRESSION_V4 NON_MAX_SUPPRESSION_V5 RANDOM_STANDARD_NORMAL
    RANDOM_UNIFORM RANK READ_VARIABLE REAL REDUCE_PROD REVERSE_SEQUENCE RFFT2D SEGMENT_SUM SHAPE SPARSE_TO_DENSE SVDF
    UNIDIRECTIONAL_SEQUENCE_RNN UNIQUE UNSORTED_SEGMENT_MAX UNSORTED_SEGMENT_MIN UNSORTED_SEGMENT_PROD
    UNSORTED_SEGMENT_SUM VAR_HANDLE WHERE CUSTOM STABLEHLO_SCATTER STABLEHLO_REDUCE_WINDOW""".split()
)
COMPOSITES = ("odml.rms_norm", "odml.group_norm", "odml.scaled_dot_product_attention")


def select(sg: Subgraph, op: Operator) -> None:
    """Raise :class:`Reject` when ``IsOpSupported`` says no (deny list, composite names)."""
    if op.builtin == "STABLEHLO_COMPOSITE":
        name = composite_name(op)
        if name not in COMPOSITES:
            raise Reject(
                "UNSUPPORTED_OPERATOR", f"composite '{name}': the Google Tensor plugin takes {', '.join(COMPOSITES)}"
            )
        return
    b = "CUSTOM" if op.is_custom else op.builtin
    if b in DENIED:
        what = f"custom op {op.opcode}" if op.is_custom else b
        why = f"{what} is in the Google Tensor plugin's list of unsupported ops"
        raise Reject("UNSUPPORTED_OPERATOR", why, None, no_kernel_fix(b))


class GoogleTensor(NpuTarget):
    name = "google-tensor"
    title = "Google Tensor TPU"
    source = SOURCE
    summary = "Google Tensor TPU through LiteRT's Google Tensor compiler plugin, per SoC (--soc); unverified"
    verified = (
        "unverified: ported from the plugin's source; the plugin needs Google's compiler library, which cannot be "
        "had here"
    )
    vendor = "Google"
    socs = SOCS
    default_soc = "Tensor_G4"
    caveats = ("a deny list: the compiler may still refuse an op at compilation; user op filters are not applied",)

    def select(self, sg: Subgraph, op: Operator, soc: str) -> None:
        select(sg, op)

    def selected_unseen(self, sg: Subgraph) -> Callable[[Operator], bool]:
        """A deny list: every builtin off it (composites and custom ops are looked at)."""
        return lambda op: op.builtin not in DENIED and op.builtin != "STABLEHLO_COMPOSITE" and op.custom_code is None

    def supports_builtin(self, builtin: str) -> bool:
        return builtin not in DENIED


TARGET = GoogleTensor()
