"""Builtin alternatives for ops a target lacks, offered only when the target has the alternative."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..remedies import Remedy, Text

if TYPE_CHECKING:
    from .base import Target

__all__ = ["ALTERNATIVES", "alternative"]

# op → (alternative builtin the target must support, how to get it)
ALTERNATIVES: dict[str, tuple[str, Text]] = {
    "EXPAND_DIMS": ("RESHAPE", "express it as a RESHAPE to the expanded shape (a constant shape tensor)"),
    "SQUEEZE": ("RESHAPE", "express it as a RESHAPE to the squeezed shape (a constant shape tensor)"),
    "TILE": ("RESIZE_NEAREST_NEIGHBOR", Remedy.NEAREST_RESIZE_LAYER),
    "PACK": ("CONCATENATION", "concatenate the inputs (after a RESHAPE adding the axis) instead of stacking"),
    "UNPACK": ("SPLIT", "split along the axis (then RESHAPE) instead of unstacking"),
    "SPLIT_V": ("SPLIT", "use equal-sized splits (SPLIT) where the sizes allow"),
    "LOG_SOFTMAX": ("SOFTMAX", "apply SOFTMAX and take the LOG after the delegated graph"),
}


def alternative(target: Target, builtin: str, custom: bool = False) -> Text | None:
    """A fix naming a builtin the target has, for an op it lacks; None when we know none."""
    if custom and builtin.startswith("Flex"):
        return Remedy.NO_FLEX
    alt = ALTERNATIVES.get(builtin)
    if alt is None or not target.supports_builtin(alt[0]):
        return None
    return alt[1]
