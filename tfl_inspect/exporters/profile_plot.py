"""The memory plot: arena use over the execution order, with the peak marked.

SVG is written directly (no dependency; every name escaped); PNG needs matplotlib (the
``plot`` extra). Both draw the same two series: bytes live at each step and the highest
arena offset in use, against the planned arena size.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .. import escape

if TYPE_CHECKING:
    from ..profiling import Profile

__all__ = ["write_plot", "svg"]

_W, _H, _L, _R, _T, _B = 900, 360, 70, 20, 40, 50


def write_plot(prof: Profile, path: str | Path) -> Path:
    from ..errors import UsageError

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".svg":
        data = svg(prof)
        try:
            path.write_text(data, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
        return path
    if suffix == ".png":
        _png(prof, path)
        return path
    raise UsageError(f"--plot {path}: give a .svg or .png file name")


def _title(prof: Profile) -> str:
    m = prof.memory
    name = Path(prof.source).name if prof.source else "model"
    return f"{name}: {m.planner} arena {m.arena_bytes:,} bytes"


def svg(prof: Profile) -> str:
    pts = prof.memory.timeline
    arena = max(prof.memory.arena_bytes, 1)
    n = max(len(pts), 1)
    pw, ph = _W - _L - _R, _H - _T - _B

    def x(i: int) -> float:
        return _L + pw * (i + 0.5) / n

    def y(v: int) -> float:
        return _T + ph * (1 - min(v, arena) / arena)

    live = " ".join(f"{x(i):.1f},{y(p.live_bytes):.1f}" for i, p in enumerate(pts))
    ext = " ".join(f"{x(i):.1f},{y(p.arena_extent):.1f}" for i, p in enumerate(pts))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" viewBox="0 0 {_W} {_H}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{_W}" height="{_H}" fill="white"/>',
        f'<text x="{_L}" y="22" font-size="14" font-weight="bold">{escape.html_text(_title(prof))}</text>',
        f'<line x1="{_L}" y1="{_T}" x2="{_L}" y2="{_T + ph}" stroke="black"/>',
        f'<line x1="{_L}" y1="{_T + ph}" x2="{_L + pw}" y2="{_T + ph}" stroke="black"/>',
        f'<line x1="{_L}" y1="{y(arena):.1f}" x2="{_L + pw}" y2="{y(arena):.1f}" '
        'stroke="#999" stroke-dasharray="4 3"/>',
        f'<text x="{_L - 6}" y="{y(arena) + 4:.1f}" text-anchor="end">{arena:,}</text>',
        f'<text x="{_L - 6}" y="{_T + ph + 4}" text-anchor="end">0</text>',
        f'<text x="{_L + pw / 2:.0f}" y="{_H - 12}" text-anchor="middle">execution step (allocation scope)</text>',
    ]
    if pts:
        out.append(f'<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="{ext}"/>')
        out.append(f'<polyline fill="none" stroke="#ff7f0e" stroke-width="1.5" points="{live}"/>')
        peak = prof.memory.peak_op
        for i, p in enumerate(pts):
            if peak is not None and (p.subgraph, p.op) == peak and p.live_bytes == prof.memory.peak_live_bytes:
                o = prof.op(*peak)
                label = f"peak: op {peak[0]}:{peak[1]} {o.opcode if o else ''} {p.live_bytes:,} B live"
                out.append(f'<circle cx="{x(i):.1f}" cy="{y(p.live_bytes):.1f}" r="4" fill="red"/>')
                anchor = "end" if x(i) > _L + pw * 0.6 else "start"
                dx = -8 if anchor == "end" else 8
                out.append(
                    f'<text x="{x(i) + dx:.1f}" y="{max(y(p.live_bytes) - 8, _T + 10):.1f}" fill="red" '
                    f'text-anchor="{anchor}">{escape.html_text(label)}</text>'
                )
                break
        out.append(
            f'<text x="{_L + pw - 4}" y="{_T + 14}" text-anchor="end"><tspan fill="#1f77b4">— highest offset in use'
            '</tspan>  <tspan fill="#ff7f0e">— bytes live</tspan></text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _png(prof: Profile, path: Path) -> None:
    from ..errors import UsageError

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("a PNG plot needs matplotlib: pip install 'tfl-inspect[plot]', or use a .svg name") from None
    pts = prof.memory.timeline
    xs = list(range(len(pts)))
    fig, ax = plt.subplots(figsize=(9, 3.6), dpi=100)
    ax.plot(xs, [p.arena_extent for p in pts], label="highest offset in use", color="#1f77b4")
    ax.plot(xs, [p.live_bytes for p in pts], label="bytes live", color="#ff7f0e")
    ax.axhline(prof.memory.arena_bytes, color="#999", linestyle="--", linewidth=1)
    peak = prof.memory.peak_op
    for i, p in enumerate(pts):
        if peak is not None and (p.subgraph, p.op) == peak and p.live_bytes == prof.memory.peak_live_bytes:
            o = prof.op(*peak)
            ax.plot([i], [p.live_bytes], "o", color="red")
            ax.annotate(f"peak: op {peak[0]}:{peak[1]} {o.opcode if o else ''}", (i, p.live_bytes), color="red",
                        textcoords="offset points", xytext=(6, 6))  # fmt: skip
            break
    ax.set_title(escape.text(_title(prof)))
    ax.set_xlabel("execution step (allocation scope)")
    ax.set_ylabel("bytes")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    try:
        fig.savefig(path)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)
