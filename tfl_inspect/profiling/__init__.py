"""``tfl-inspect profile``: activation memory, MACs and parameters per op, and where the peak is.

:func:`profile` is the one entry point; it returns typed dataclasses that every renderer
(text, JSON, CSV, SVG plot, Model Explorer overlay) and :func:`heat` read. The default
planner is TFLite Micro's, ported exactly (:mod:`.tflm_planner`); ``planner="litert"`` is a
model of LiteRT's CPU arena (:mod:`.litert_planner`) and says so in ``Memory.planner``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .records import (
    Group,
    KVCache,
    LiveTensor,
    Memory,
    OpProfile,
    Profile,
    Reorder,
    SignatureMemory,
    TimelinePoint,
    Totals,
)

if TYPE_CHECKING:
    from ..model import Model

__all__ = [
    "PLANNERS",
    "OpProfile",
    "LiveTensor",
    "TimelinePoint",
    "SignatureMemory",
    "KVCache",
    "Memory",
    "Totals",
    "Group",
    "Reorder",
    "Profile",
    "profile",
    "heat",
    "default_planner",
]

PLANNERS = ("tflm", "litert")


def default_planner(model: Model) -> tuple[str, str]:
    """(planner, why) when none is asked for: LiteRT's for a generative model (only LiteRT runs one:
    STABLEHLO_COMPOSITE, DYNAMIC_UPDATE_SLICE on an external cache), TFLite Micro's otherwise."""
    from ..generative import generative

    if generative(model) is not None:
        return "litert", "LiteRT's planner: the default for a generative model (TFLite Micro cannot run one)"
    return "tflm", ""


def profile(
    model: Model,
    planner: str | None = None,
    signature: str | None = None,
    *,
    pointer_bytes: int = 4,
    reorder: bool = True,
) -> Profile:
    """Profile ``model``: MACs, parameters, and the activation arena under ``planner``
    (None: :func:`default_planner`, TFLite Micro's unless the model is generative).

    ``signature`` starts execution at that signature's subgraph (default: subgraph 0, as
    TFLM does). ``pointer_bytes`` sizes the pointer arrays some TFLM kernels request as
    scratch (4 on 32-bit microcontrollers, 8 on a 64-bit host such as the tflite_micro
    Python package).
    """
    from ..errors import UsageError
    from .build import build

    reason = ""
    if planner is None:
        planner, reason = default_planner(model)
    if planner not in PLANNERS:
        raise UsageError(f"unknown planner {planner!r}; choose from {', '.join(PLANNERS)}")
    entry = 0
    if signature is not None:
        entry = model.require_signature(signature).subgraph
    if not model.subgraphs:
        raise UsageError("the model has no subgraphs: nothing to profile")
    prof = build(model, planner, entry, signature, pointer_bytes, reorder)
    if reason:
        prof = replace(prof, memory=replace(prof.memory, planner_reason=reason))
    return prof


def heat(model: Model, kind: str, planner: str = "tflm") -> dict[tuple[int, int], float]:
    """Per-op values for colouring a diagram: ``kind`` ``macs`` or ``memory`` (live bytes).

    Keys are (subgraph, op index); ops that never run under the planner get 0. Values are
    raw (MACs, bytes): the caller scales them to colours.
    """
    from ..errors import UsageError

    if kind not in ("macs", "memory"):
        raise UsageError(f"unknown heat kind {kind!r}; choose macs or memory")
    prof = profile(model, planner=planner, reorder=False)
    if kind == "macs":
        return {(o.subgraph, o.index): float(o.macs) for o in prof.operators}
    return {(o.subgraph, o.index): float(o.live_bytes or 0) for o in prof.operators}
