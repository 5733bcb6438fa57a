"""Builtin alternatives for ops a target lacks, offered only when the target has the alternative."""

from __future__ import annotations

from collections.abc import Callable

from . import edgetpu, gpu, nnapi, tflm, xnnpack

__all__ = ["ALTERNATIVES", "alternative"]

# op → (alternative builtin the target must support, how to get it)
ALTERNATIVES: dict[str, tuple[str, str]] = {
    "EXPAND_DIMS": ("RESHAPE", "express it as a RESHAPE to the expanded shape (a constant shape tensor)"),
    "SQUEEZE": ("RESHAPE", "express it as a RESHAPE to the squeezed shape (a constant shape tensor)"),
    "TILE": (
        "RESIZE_NEAREST_NEIGHBOR",
        "for nearest-neighbour upsampling use keras.layers.Resizing(interpolation='nearest'), "
        "which converts to RESIZE_NEAREST_NEIGHBOR",
    ),
    "PACK": ("CONCATENATION", "concatenate the inputs (after a RESHAPE adding the axis) instead of stacking"),
    "UNPACK": ("SPLIT", "split along the axis (then RESHAPE) instead of unstacking"),
    "SPLIT_V": ("SPLIT", "use equal-sized splits (SPLIT) where the sizes allow"),
    "LOG_SOFTMAX": ("SOFTMAX", "apply SOFTMAX and take the LOG after the delegated graph"),
}

_SUPPORTS: dict[str, Callable[[str], bool]] = {
    "xnnpack": lambda op: op in xnnpack.VISITORS and op != "EXPAND_DIMS",
    "gpu": lambda op: op in gpu.RULES,
    "tflm": lambda op: op in tflm.BUILTINS,
    "edgetpu": lambda op: op in edgetpu.OPS,
    "nnapi": lambda op: op in nnapi.TABLE,
}


def alternative(target: str, builtin: str, custom: bool = False) -> str | None:
    """A fix naming a builtin the target has, for an op it lacks; None when we know none."""
    if custom and builtin.startswith("Flex"):
        return "rewrite the TensorFlow op with builtin ops and convert without SELECT_TF_OPS"
    alt = ALTERNATIVES.get(builtin)
    supports = _SUPPORTS.get(target)
    if alt is None or supports is None or not supports(alt[0]):
        return None
    return alt[1]
