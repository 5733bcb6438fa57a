"""The per-layer SQNR plot of ``diff --run``: SVG written directly, PNG through matplotlib.

One point per compared tensor in A's execution order, outputs marked, the first divergence
highlighted; a reader sees at a glance where the numbers fall off.
"""

from __future__ import annotations

import os
from pathlib import Path

from .. import escape
from ..diff.report import DiffReport, TensorError
from ..errors import UsageError

__all__ = ["write_plot", "svg"]

_CAP = 120.0  # dB shown for "no error"


def _series(r: DiffReport) -> tuple[list[TensorError], int | None]:
    n = r.numeric
    if n is None:
        raise UsageError("--plot needs --run (there are no numbers to plot)")
    order = sorted(range(len(n.tensors)), key=lambda i: (n.tensors[i].a_op if n.tensors[i].a_op is not None else -1, i))
    first = n.tensors[n.first_divergence] if n.first_divergence is not None else None
    items = [n.tensors[i] for i in order]
    return items, (items.index(first) if first is not None else None)


def _y(e: TensorError) -> float:
    return _CAP if e.sqnr_db is None else max(min(e.sqnr_db, _CAP), -20.0)


def svg(r: DiffReport) -> str:
    items, first = _series(r)
    # Labels are rotated 45° to the right: keep room for the last one past the plot.
    right = 160
    w, h, left, bottom, top = max(520, 32 * len(items) + 60 + right), 420, 60, 160, 30
    plot_h = h - bottom - top
    lo = min([0.0, *(_y(e) for e in items)])
    hi = max([10.0, *(_y(e) for e in items)])

    def ypos(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / (hi - lo))

    step = (w - left - right) / max(1, len(items))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">',
        f'<text x="{left}" y="18" font-size="13">'
        f"SQNR per tensor, B against A (dB; higher is better; {_CAP:.0f} = no error)</text>",
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#333"/>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{w - right}" y2="{top + plot_h}" stroke="#333"/>',
    ]
    for tick in range(int(lo // 20) * 20, int(hi) + 1, 20):
        if lo <= tick <= hi:
            y = ypos(tick)
            parts.append(f'<line x1="{left - 4}" y1="{y:.1f}" x2="{w - right}" y2="{y:.1f}" stroke="#ddd"/>')
            parts.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    points = []
    for i, e in enumerate(items):
        x = left + step * (i + 0.5)
        y = ypos(_y(e))
        points.append(f"{x:.1f},{y:.1f}")
        colour = "#d62728" if i == first else ("#1f77b4" if not e.is_output else "#2ca02c")
        label = escape.html_text(e.scope or e.name)
        title = escape.html_text(f"{e.name}: {'inf' if e.sqnr_db is None else f'{e.sqnr_db:.1f}'} dB")
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"><title>{title}</title></circle>')
        ly = top + plot_h + 10
        parts.append(
            f'<text x="{x:.1f}" y="{ly}" transform="rotate(45 {x:.1f} {ly})" fill="{colour}">{label[:40]}</text>'
        )
    if points:
        parts.insert(4, f'<polyline points="{" ".join(points)}" fill="none" stroke="#999"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_plot(r: DiffReport, path: str | os.PathLike[str]) -> Path:
    """Write ``path`` (.svg, or .png with matplotlib installed)."""
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix == ".svg":
        out.write_text(svg(r), encoding="utf-8")
        return out
    if suffix != ".png":
        raise UsageError(f"--plot {out}: use a .svg or .png file name")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("--plot .png needs matplotlib (pip install matplotlib); .svg needs nothing") from None
    items, first = _series(r)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.35 * len(items) + 2), 4.5))
    xs = list(range(len(items)))
    ax.plot(xs, [_y(e) for e in items], color="#999", marker="o", markersize=4)
    if first is not None:
        ax.plot([first], [_y(items[first])], "o", color="#d62728", markersize=8, label="first divergence")
        ax.legend()
    ax.set_xticks(xs)
    ax.set_xticklabels([escape.text(e.scope or e.name)[:40] for e in items], rotation=60, ha="right", fontsize=7)
    ax.set_ylabel(f"SQNR dB ({_CAP:.0f} = no error)")
    ax.set_title("SQNR per tensor, B against A")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
