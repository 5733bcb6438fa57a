"""The diagram's legend: what was drawn, and exactly the conventions the picture uses.

The writer records what it drew (dtype families, collapsed boxes, folded constants, resource
handles, marks...) while writing nodes and edges; the legend explains those and nothing else,
so a reader never has to guess what a dashed border or a green line means.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .dot_marks import Mark
from .dot_plan import Plan
from .dot_style import DYNAMIC_COLOR, FAMILIES, FAMILY_STYLE, SEVERITY_COLOR, h, tooltip

if TYPE_CHECKING:
    import graphviz  # type: ignore[import-untyped]

    from ..model import Model

__all__ = ["Legend", "draw_legend"]


@dataclass(frozen=True, slots=True)
class Legend:
    """What the writer drew, for the legend to explain."""

    plan: Plan
    families: set[str]  # dtype families of the nodes and edges drawn
    used: set[str]  # conventions used: "finding", "related", "box", "folded", "resource", ...
    notes: Sequence[str]
    model_level: Sequence[Mark]  # marks no node carries
    elsewhere: int  # marks in subgraphs not drawn


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _sev(m: Mark) -> str:
    return m.severity.value if m.severity is not None else "info"


def _conventions(used: set[str]) -> list[str]:
    """One line per drawing convention the picture uses (HTML-like text, already escaped)."""
    red = f'<FONT COLOR="{DYNAMIC_COLOR}"><B>{{}}</B></FONT>'
    out = [
        f"{red.format('?')} unknown dim (-1) · {red.format('[*]')} unknown rank · "
        "s/zp: quantization scale / zero point · edge colour: dtype of the tensor"
    ]
    if "op" in used:
        out.append("OPCODE #N: an op and its index (as in inspect --show ops); fill: dtype family of its output")
    if "io" in used:
        out.append("bold box: a model input or output, its signature name in bold, the tensor name in italics")
    if "metadata" in used:
        out.append("grey lines in an I/O box: what the model's TFLite Metadata says (preprocessing, labels)")
    if "const" in used:
        out.append("const dtype[shape]: constant inputs of the op (--show-constants draws them as nodes)")
    if "fill:heat" in used:
        out.append("fill: heat from white (low) through yellow to red (high), log scale; the value in the tooltip")
    if "fill:target" in used:
        out.append("fill: green runs on the target, yellow with caveats, red stays on the CPU (reason in the tooltip)")
    if "fill:diff" in used:
        out.append(
            "fill: orange changed, red removed in the other model; with --diff-run the output's SQNR: "
            "green ≥ 40 dB, yellow 20–40 dB, red &lt; 20 dB"
        )
    if "fill" in used and not any(u.startswith("fill:") and u[5:] in ("heat", "target", "diff") for u in used):
        out.append("fill set by the overlay: a colour per op, or heat from white (low) to red (high)")
    if "finding" in used:
        sev = " · ".join(f'<FONT COLOR="{SEVERITY_COLOR[k]}"><B>{k}</B></FONT>' for k in ("error", "warning", "info"))
        out.append(f"thick coloured border: something found on this node ({sev}); its id below the name")
    if "reason" in used:
        out.append("coloured text on a node: why the op cannot take the given input shapes")
    if "related" in used:
        out.append("dashed coloured border: related to a finding on another node (see the tooltip)")
    if "box" in used:
        out.append("double border: ops collapsed into one box, named after their layer or name scope")
    if "folded" in used:
        out.append(
            f'<FONT COLOR="{FAMILY_STYLE["float16"][1]}"><B>fp16 const</B></FONT>: float16 weights that a '
            "DEQUANTIZE turns into float32 at load; those DEQUANTIZE ops are folded in "
            "(--show-dequantize draws them)"
        )
    if "sparse" in used:
        out.append("sparse const: weights stored sparse that a DENSIFY expands at load; folded in the same way")
    if "constant" in used:
        out.append("folded-corner node: a constant drawn on its own (--show-constants)")
    if "variable" in used or "tensor" in used:
        out.append("dashed ellipse: a variable or a tensor no op writes")
    if "resource" in used:
        out.append("resource NAME: a handle to the resource variable NAME (state kept between invokes)")
    if "bundle" in used:
        out.append("N tensors: several tensors flow between the same two boxes")
    if "calls" in used:
        out.append("dashed grey arrow: an op calls a subgraph (cond, body, branch, init)")
    if "cluster" in used:
        out.append("dashed outline: ops of one partition (one delegate call)")
    if "npu" in used:
        out.append("3-D box: an NPU partition compiled ahead of time (DISPATCH_OP, ethos-u): vendor, SoC, bytecode")
    return out


def draw_legend(g: graphviz.Digraph, model: Model, legend: Legend, marks: Sequence[Mark]) -> None:
    """The legend node: what was drawn, the dtype colours used, every convention used, the marks."""
    acc = legend.plan.accounting
    source = Path(model.source).name if model.source else "model"
    n_sub = len(model.subgraphs)
    head = f"<B>{h(source, 60)}</B> · {_count(acc.total_ops, 'op')} · {_count(n_sub, 'subgraph')}"
    families = [f for f in FAMILIES if f in legend.families] or ["other"]
    span = len(families)
    rows = [f'<TR><TD COLSPAN="{span}" ALIGN="LEFT">{head}</TD></TR>']
    parts = [f"{_count(acc.drawn_ops, 'op')} drawn"]
    if acc.boxed_ops:
        parts.append(f"{acc.boxed_ops} in {acc.boxes} collapsed boxes")
    if acc.folded_ops:
        parts.append(f"{acc.folded_ops} DEQUANTIZE/DENSIFY of constants folded into their readers")
    if acc.composite_ops:
        parts.append(f"{acc.composite_ops} inside composites (their decomposition subgraphs)")
    if acc.hidden_ops:
        parts.append(f"{acc.hidden_ops} not shown")
    if legend.plan.signature is not None:
        parts.append(f"signature {h(legend.plan.signature, 40)}")
    if len(legend.plan.subgraphs) == 1 and n_sub > 1:
        parts.append(f"subgraph {next(iter(legend.plan.subgraphs))}")

    def wide(text: str) -> str:
        return f'<TR><TD COLSPAN="{span}" ALIGN="LEFT"><FONT POINT-SIZE="9">{text}</FONT></TD></TR>'

    rows.append(wide(" · ".join(parts)))
    for note in legend.notes:
        rows.append(wide(h(note, 120)))
    cells = "".join(
        f'<TD BGCOLOR="{FAMILY_STYLE[f][0]}"><FONT COLOR="{FAMILY_STYLE[f][1]}">{f}</FONT></TD>' for f in families
    )
    rows.append(f"<TR>{cells}</TR>")
    rows.extend(wide(line) for line in _conventions(legend.used))
    problems = [m for m in marks if m.severity is not None]
    if problems:
        for kind, what in (("finding", "lint findings"), ("shape", "shape failures")):
            counts = Counter(_sev(m) for m in problems if m.kind == kind)
            if counts:
                text = " · ".join(
                    f'<FONT COLOR="{SEVERITY_COLOR[k]}"><B>{counts[k]} {k}</B></FONT>'
                    for k in ("error", "warning", "info")
                    if counts.get(k)
                )
                rows.append(wide(f"{what}: {text}"))
        for m in legend.model_level[:5]:
            rows.append(wide(h(m.tooltip or m.label, 90)))
        if len(legend.model_level) > 5:
            rows.append(wide(f"… {len(legend.model_level) - 5} more model-level findings"))
        if legend.elsewhere:
            rows.append(wide(f"{legend.elsewhere} in subgraphs not drawn"))
    table = '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3" COLOR="#bbbbbb">'
    table += "".join(rows) + "</TABLE>"
    tip = [m.tooltip or m.label for m in legend.model_level]
    g.node(
        "legend",
        label=f"<{table}>",
        shape="plaintext",
        style="",
        id="legend",
        tooltip=tooltip(tip or ["legend"]),
    )
