"""Heat colours for ``graph --color macs|memory``: values from :func:`tfl_inspect.profiling.heat`
mapped to fill colours, so the diagram code only sets ``fillcolor``.

MACs span orders of magnitude (a 1×1 ADD next to a 3×3 conv), so the scale is logarithmic:
white for zero, through yellow, to a light red for the largest value (light enough that the
black op labels stay readable on it).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

__all__ = ["heat_colours"]

_STOPS = ((255, 255, 255), (255, 237, 160), (254, 196, 110), (250, 140, 90), (240, 95, 80))


def _mix(t: float) -> str:
    t = min(max(t, 0.0), 1.0) * (len(_STOPS) - 1)
    i = min(int(t), len(_STOPS) - 2)
    f = t - i
    a, b = _STOPS[i], _STOPS[i + 1]
    r, g, bl = (round(a[k] + (b[k] - a[k]) * f) for k in range(3))
    return f"#{r:02x}{g:02x}{bl:02x}"


def heat_colours(values: Mapping[K, float]) -> dict[K, str]:
    """Key → ``#rrggbb``: zero is white, the maximum is dark red, log-scaled in between."""
    top = max(values.values(), default=0.0)
    if top <= 0:
        return {k: _mix(0.0) for k in values}
    scale = math.log1p(top)
    return {k: _mix(math.log1p(max(v, 0.0)) / scale) for k, v in values.items()}
