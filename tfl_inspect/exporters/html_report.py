"""One self-contained HTML page per model (and an index per folder): no network, same bytes for the same input.

The page is static HTML for what must be readable without scripts (summary, I/O contract, sections),
plus the report's data as JSON in ``<script type="application/json">`` that the inline, vanilla script
reads to draw the interactive parts (findings filters, pan/zoom/search/select on the diagram, name
scopes). Every model string is escaped for its context: :func:`escape.html_text` in HTML and SVG,
:func:`escape.script_json` in the JSON block; the script only ever sets ``textContent``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..escape import html_text as h
from ..escape import script_json
from ..naming import layer
from ..summary import dequantize_formula, io_contract, quantize_formula, summarize

if TYPE_CHECKING:
    from ..compare.report import DiffReport
    from ..model import Model, Operator, Subgraph
    from ..rules.base import Finding
    from .blocks import Block
    from .dot_plan import Box, Plan

__all__ = [
    "Drawing",
    "ReportInput",
    "DiffInput",
    "diff_page",
    "diff_data",
    "report_data",
    "model_page",
    "index_page",
    "scope_of",
    "compat_verdict",
]


@dataclass(frozen=True)
class Drawing:
    """One diagram of the page, laid out when the report was made: the model's (``box`` None) or a box's inside.

    ``plan`` says which ops it draws (and which box holds the rest); ``layout`` is the compact
    drawing of :mod:`.dot_layout`; ``parent`` is the box whose diagram draws ``box``.
    """

    box: Box | None
    parent: str | None
    plan: Plan
    layout: Mapping[str, Any]


@dataclass(frozen=True)
class ReportInput:
    """What the command ran for one model; sections with no data are left out of the page."""

    model: Model
    findings: Sequence[Finding] = ()
    drawings: Sequence[Drawing] = ()  # the model's diagram first, then every box's inside
    svg_note: str | None = None  # why there is no diagram (Graphviz missing, …)
    sections: Mapping[str, Any] = field(default_factory=dict)  # extra analyses as JSON-able data


def _asset(name: str) -> str:
    return (resources.files(__package__) / "report_assets" / name).read_text(encoding="utf-8")


def scope_of(name: str, producer: str | None = None) -> str:
    """The layer scope ops are grouped by: ``model/block_3/conv/Conv2D`` → ``model/block_3/conv``;
    ``""`` for names without one (flat names, a PyTorch model's root module)."""
    found = layer(name, producer)
    return found.name if found.path else ""


def _shape(dims: Sequence[int], has_rank: bool = True) -> str:
    return "[" + ",".join("?" if d < 0 else str(d) for d in dims) + "]" if has_rank else "unranked"


def _tensor_label(sg: Subgraph, t: int) -> str:
    tensor = sg.tensor(t)
    if tensor is None:
        return "(omitted)"
    const = " const" if tensor.is_constant else ""
    return f"#{t} {tensor.name} {tensor.dtype.lower()}{_shape(tensor.shape_signature, tensor.has_rank)}{const}"


def _op_entry(
    sg: Subgraph, op: Operator, notes: Mapping[tuple[int, int], list[list[str]]], producer: str | None = None
) -> dict[str, Any]:
    out_name = sg.tensors[op.outputs[0]].name if op.outputs else ""
    options = {k: v for k, v in op.options.items() if isinstance(v, str | int | float | bool | list)}
    return {
        "id": f"op_{sg.index}_{op.index}",
        "s": sg.index,
        "i": op.index,
        "opcode": op.opcode,
        "scope": scope_of(out_name, producer),
        "inputs": [_tensor_label(sg, t) for t in op.inputs],
        "outputs": [_tensor_label(sg, t) for t in op.outputs],
        "options": options,
        "findings": notes.get((sg.index, op.index), []),
    }


def _placement(drawings: Sequence[Drawing]) -> dict[tuple[int, int], tuple[str, str | None]]:
    """Op → (the op node that draws it, the box whose diagram holds that node; None: the model's).

    A folded DEQUANTIZE is drawn on the node of the op that reads it.
    """
    out: dict[tuple[int, int], tuple[str, str | None]] = {}
    for d in drawings:
        where = d.box.id if d.box is not None else None
        for key, node in d.plan.accounting.placement.items():
            if node.startswith("op_"):
                out[key] = (node, where)
    return out


def _graph_data(drawings: Sequence[Drawing]) -> dict[str, Any]:
    """The model's diagram and what the page needs to open a box: title, parent, ops inside."""
    boxes = {}
    for d in drawings:
        b = d.box
        if b is not None:
            boxes[b.id] = {"title": b.title, "parent": d.parent, "s": b.subgraph, "n": len(b.ops)}
    return {"top": drawings[0].layout, "boxes": boxes}


def _target_notes(sections: Mapping[str, Any]) -> tuple[dict[tuple[int, int], list[list[Any]]], list[list[str]]]:
    """Per op, the targets that do not simply take it: [target, status, reason index] and the reasons."""
    compat = sections.get("compat") or {}
    reasons: dict[tuple[str, str], int] = {}
    per_op: dict[tuple[int, int], list[list[Any]]] = {}
    for name, t in (compat.get("targets") or {}).items():
        for o in t.get("operators") or ():
            if o["status"] == "supported":
                continue
            r = o["reasons"][0] if o["reasons"] else {"code": "CAVEAT", "message": "; ".join(o["caveats"])}
            k = reasons.setdefault((r["code"], r["message"]), len(reasons))
            per_op.setdefault((o["subgraph"], o["index"]), []).append([name, o["status"], k])
    return per_op, [list(r) for r in reasons]


def _embedded_sections(sections: Mapping[str, Any]) -> dict[str, Any]:
    """The sections as the page's JSON carries them: per-op lists go on the ops, plots stay in the HTML."""
    out = dict(sections)
    if "compat" in out:
        compat = dict(out["compat"])
        compat["targets"] = {
            n: {k: v for k, v in t.items() if k != "operators"} for n, t in (compat.get("targets") or {}).items()
        }
        out["compat"] = compat
    if "profile" in out:
        out["profile"] = {k: v for k, v in out["profile"].items() if k not in ("operators", "plot_svg")}
    return out


def report_data(inp: ReportInput) -> dict[str, Any]:
    """The JSON embedded in the page: also what a script scraping the page would read."""
    model = inp.model
    notes: dict[tuple[int, int], list[list[str]]] = {}
    for f in inp.findings:
        if f.subgraph is not None and f.op is not None:
            notes.setdefault((f.subgraph, f.op), []).append([f.severity.value, f.rule, f.message])
    placed = _placement(inp.drawings)
    targets, reasons = _target_notes(inp.sections)
    ops = []
    for sg in model.subgraphs:
        for op in sg.operators:
            entry = _op_entry(sg, op, notes, model.producer.id)
            key = (sg.index, op.index)
            if key in placed:
                entry["at"], entry["box"] = placed[key]
            if key in targets:
                entry["targets"] = targets[key]
            ops.append(entry)
    summary = summarize(model)
    return {
        "tool": {"name": "tfl-inspect", "version": __version__},
        "source": model.source,
        "summary": {
            "ops": summary.n_ops,
            "decomposition_ops": summary.decomposition_ops,
            "tensors": summary.n_tensors,
            "scheme": summary.scheme,
            "scheme_detail": summary.scheme_detail,
            "op_counts": summary.op_counts,
            "weight_bytes": summary.weight_bytes,
            "size": model.size,
        },
        "findings": [
            {
                "rule": f.rule,
                "severity": f.severity.value,
                "message": f.message,
                "where": f.location(),
                "subgraph": f.subgraph,
                "op": f.op,
                "explanation": f.explanation,
                "fix": f.fix,
            }
            for f in inp.findings
        ],
        "ops": ops,
        "reasons": reasons,
        "graph": _graph_data(inp.drawings) if inp.drawings else None,
        "sections": _embedded_sections(inp.sections),
    }


_XML_PROLOG = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", re.S)


def _inline_svg(svg: str) -> str:
    """Graphviz's SVG without prolog, doctype and comments (comments repeat node names verbatim)."""
    return _XML_PROLOG.sub("", svg).strip()


def _summary_html(model: Model, data: Mapping[str, Any]) -> str:
    s = data["summary"]
    counts = ", ".join(f"{h(k)} ×{v}" for k, v in sorted(s["op_counts"].items(), key=lambda kv: (-kv[1], kv[0])))
    weights = ", ".join(f"{h(k.lower())} {v:,} B" for k, v in sorted(s["weight_bytes"].items()))
    rows = [
        ("file", h(model.source or "")),
        ("size", f"{model.size:,} bytes"),
        ("format", h(f"{model.format} (schema {model.version})")),
        ("converter", h(model.converter_version or "unknown")),
        ("min runtime", h(model.min_runtime_version or "not recorded")),
        ("subgraphs", str(len(model.subgraphs))),
        (
            "operators",
            f"{s['ops']:,}"
            + (
                f" (+{s['decomposition_ops']:,} inside the decomposition subgraphs of composites)"
                if s.get("decomposition_ops")
                else ""
            ),
        ),
        ("quantization", h(f"{s['scheme']} — {s['scheme_detail']}")),
        ("op types", counts),
        ("weights", weights or "none"),
    ]
    body = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="kv">{body}</table>'


def _io_html(model: Model) -> str:
    parts = []
    for key, sub, entries, differs in io_contract(model):
        title = f"Signature {key!r} (subgraph {sub})" if key is not None else "Inputs and outputs of subgraph 0"
        rows = []
        for e in entries:
            t = e.tensor
            formula = quantize_formula(t) if e.role == "input" else dequantize_formula(t)
            q = t.quantization
            quant = ""
            if q is not None and q.scale:
                quant = f"scale {q.scale[0]:.6g}, zero point {q.zero_point[0] if q.zero_point else 0}"
                if q.per_channel:
                    quant = f"per-channel ({len(q.scale)} scales, axis {q.quantized_dimension})"
            rows.append(
                "<tr>"
                f"<td>{h(e.role)}</td><td><code>{h(e.name)}</code></td><td class='num'>{t.index}</td>"
                f"<td><code>{h(t.name)}</code></td><td>{h(t.dtype.lower())}</td>"
                f"<td><code>{h(_shape(t.shape, t.has_rank))}</code></td>"
                f"<td><code>{h(_shape(t.shape_signature, t.has_rank))}</code></td>"
                f"<td>{h(quant)}{'<br><code>' + h(formula) + '</code>' if formula else ''}</td>"
                "</tr>"
            )
        note = (
            "<p class='sev-warning'>The signature lists inputs/outputs in another order than "
            "get_input_details(): index by signature name.</p>"
            if differs
            else ""
        )
        parts.append(
            f"<h3>{h(title)}</h3><table class='io'><tr><th>role</th><th>name</th><th>tensor</th>"
            "<th>tensor name</th><th>dtype</th><th>shape</th><th>shape_signature</th><th>quantization</th></tr>"
            + "".join(rows)
            + f"</table>{note}"
        )
    return "".join(parts)


def _section_html(name: str, value: Any) -> str:
    """Extra analyses (compat, profile) rendered by their own small functions when known."""
    render = _SECTIONS.get(name)
    return render(value) if render is not None else ""


def _blocker_text(t: Mapping[str, Any]) -> str:
    """``op 192 Landmarks2TransformMatrix: custom op … is not registered``, else the first model-wide reason."""
    b = t.get("first_blocker")
    if b:
        where = f"op {b['index']}" if not b["subgraph"] else f"subgraph {b['subgraph']} op {b['index']}"
        reason = b.get("reason") or {}
        text = f"{where} {b.get('opcode') or ''}".rstrip()
        return f"{text}: {reason['message']}" if reason.get("message") else text
    reasons = t.get("model_reasons") or []
    return str(reasons[0]["message"]) if reasons else ""


def compat_verdict(t: Mapping[str, Any]) -> tuple[bool, str]:
    """(good, text) for one target of the compat JSON, worded as the runtime behaves.

    A runtime that loads the whole model or nothing (``loads_whole``: TFLite Micro) either loads
    or names the op the load stops at; one that falls back to the CPU takes the whole model or
    part of it. Whole-model comes from the target report (``whole_model``), never recomputed.
    """
    whole = bool(t.get("whole_model"))
    if t.get("loads_whole"):
        return (True, "loads") if whole else (False, "won't load: " + (_blocker_text(t) or "refused"))
    if whole:
        return True, "whole model"
    n = len(t.get("partitions") or [])
    text = f"partial: {t.get('supported_ops')} of {t.get('total_ops')} ops in {n} partition{'s' if n != 1 else ''}"
    first = _blocker_text(t)
    return False, text + (f"; first on the CPU: {first}" if first else "")


def _compat_html(value: Mapping[str, Any]) -> str:
    rows = []
    for target, t in (value.get("targets") or {}).items():
        good, text = compat_verdict(t)
        verdict = f"<span class='{'verdict-yes' if good else 'verdict-no'}'>{h(text)}</span>"
        rows.append(
            f"<tr><td>{h(target)}</td><td>{h(t.get('title') or '')}</td>"
            f"<td class='num'>{t.get('supported_ops')}/{t.get('total_ops')}</td>"
            f"<td class='num'>{'—' if t.get('loads_whole') else len(t.get('partitions') or [])}</td>"
            f"<td>{verdict}</td></tr>"
        )
    return (
        "<table class='compat'><tr><th>target</th><th>runtime</th><th>ops</th><th>partitions</th><th>verdict</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _profile_html(value: Mapping[str, Any]) -> str:
    totals, memory = value.get("totals") or {}, value.get("memory") or {}
    rows = [
        ("MACs", f"{totals.get('macs', 0):,}"),
        ("parameters", f"{totals.get('params', 0):,}"),
        ("weight bytes", f"{totals.get('weight_bytes', 0):,}"),
        ("arena bytes", f"{memory.get('arena_bytes', 0):,} ({h(str(memory.get('planner', '')))})"),
        ("persistent bytes", f"{memory.get('persistent_bytes', 0):,}"),
    ]
    for m in memory.get("signatures") or []:
        at = m.get("peak_op") or {}
        rows.append(
            (
                f"signature {h(str(m.get('key')))}",
                f"arena {m.get('arena_bytes', 0):,} bytes ({len(m.get('subgraphs') or [])} subgraph arenas), "
                f"peak {m.get('peak_live_bytes', 0):,} bytes live"
                + (f" at op {at.get('subgraph')}:{at.get('index')}" if at else ""),
            )
        )
    if memory.get("kv_cache_bytes") is not None:
        per = memory.get("kv_cache_bytes_per_token")
        rows.append(
            (
                "KV cache",
                f"{memory['kv_cache_bytes']:,} bytes at {memory.get('kv_cache_length')} tokens"
                + (f"; {per:,} bytes per token of context" if isinstance(per, int) else ""),
            )
        )
    table = "<table class='kv'>" + "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in rows) + "</table>"
    top = sorted(value.get("operators") or [], key=lambda o: -(o.get("macs") or 0))[:15]
    peak = max((o.get("macs") or 0 for o in top), default=0) or 1

    def where(o: Mapping[str, Any]) -> str:
        c = o.get("composite")
        return f"{o.get('subgraph')}:{o.get('index')}" + (f" in {c['subgraph']}:{c['index']}" if c else "")

    ops = "".join(
        f"<tr><td class='num'>{where(o)}</td><td>{h(str(o.get('opcode')))}</td>"
        f"<td class='num'>{o.get('macs', 0):,}</td>"
        f"<td><span class='bar' style='width:{int(200 * (o.get('macs') or 0) / peak)}px'></span></td></tr>"
        for o in top
    )
    plot = value.get("plot_svg")
    return (
        table
        + (f"<h3>Top ops by MACs</h3><table><tr><th>op</th><th>opcode</th><th>MACs</th><th></th></tr>{ops}</table>")
        + (f"<h3>Arena use over the execution order</h3><div class='plot'>{_inline_svg(plot)}</div>" if plot else "")
    )


def _generative_html(value: Mapping[str, Any]) -> str:
    sigs = "; ".join(
        f"{s.get('key')}: {s.get('kind')} {s.get('tokens')} token(s)" for s in value.get("signatures") or []
    )
    per_token = value.get("cache_bytes_per_token")
    rows = [
        ("layers", f"{value.get('layers')}"),
        ("KV heads × head dim", f"{value.get('kv_heads')} × {value.get('head_dim')}"),
        ("cache", f"{value.get('cache_length')} tokens, {value.get('cache_dtype')}"),
        ("cache bytes", f"{value.get('cache_bytes_per_layer', 0):,} per layer, {value.get('cache_bytes', 0):,} in all"),
        ("per token", f"{per_token:,} bytes" if isinstance(per_token, int) else "unknown"),
        ("signatures", sigs),
        ("vocabulary", f"{value.get('vocab_size')}"),
        ("weight block size", f"{value.get('weight_block_size') or 'none'}"),
    ]
    return "<table class='kv'>" + "".join(f"<tr><td>{k}</td><td>{h(v)}</td></tr>" for k, v in rows) + "</table>"


def _attr(v: object) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def _composites_html(value: Sequence[Mapping[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td class='num'>{c.get('subgraph')}:{c.get('op')}</td><td><code>{h(str(c.get('name')))}</code></td>"
        f"<td>{h(str(c.get('layer')))}</td>"
        f"<td>{h(', '.join(f'{k} {_attr(v)}' for k, v in (c.get('attributes') or {}).items()))}</td>"
        f"<td>#{c.get('decomposition')} <code>{h(str(c.get('decomposition_name') or ''))}</code></td>"
        f"<td class='num'>{c.get('decomposition_operators')}</td></tr>"
        for c in value
    )
    return (
        "<p>Each STABLEHLO_COMPOSITE is one layer; its decomposition subgraph holds the ops that compute it and "
        "belongs to it, not to the model's list of entry points.</p><table><tr><th>op</th><th>composite</th>"
        "<th>layer</th><th>attributes</th><th>decomposition subgraph</th><th>ops</th></tr>" + rows + "</table>"
    )


_SECTIONS: dict[str, Callable[[Any], str]] = {
    "generative": _generative_html,
    "composites": _composites_html,
    "compat": _compat_html,
    "profile": _profile_html,
}


_CSP = (
    "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; "
    "script-src 'unsafe-inline'; img-src data:\">"
)


def _head(title: str, kind: str = "model") -> str:
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        # No network at all: the policy makes a stray reference fail closed instead of fetching.
        f"{_CSP}<title>{h(title)}</title><style>{_asset('report.css')}</style></head><body class='{kind}'>"
    )


def _graph_section(drawings: Sequence[Drawing], note: str | None, title: str = "Graph") -> str:
    """The diagram viewer: toolbar with the way back, the drawing area, search and details beside it."""
    if drawings:
        area = "<div id='graph' tabindex='0'><noscript>The diagram is drawn by the page's script.</noscript></div>"
    else:
        area = f"<div id='graph-missing' class='muted'>{h(note or 'no diagram')}</div>"
    return (
        f"<section id='graph-section'><h2 id='graph-title'>{h(title)}</h2><div class='toolbar'>"
        "<button id='back' type='button' disabled title='back to the enclosing diagram (Esc)'>← back</button>"
        "<span id='crumbs'></span><span class='grow'></span>"
        "<button id='zoom-out' type='button' title='zoom out'>−</button>"
        "<button id='zoom-in' type='button' title='zoom in'>+</button>"
        "<button id='zoom-reset' type='button' title='fit the width, labels readable'>fit width</button>"
        "<button id='zoom-all' type='button' title='the whole diagram'>whole</button></div>"
        "<div class='muted hint'>scroll to move · ctrl + wheel to zoom · drag to pan · "
        "click an op for its details, a double-bordered box to open it</div>"
        f"<div id='graph-wrap'>{area}"
        "<div id='side'><input id='search' type='search' placeholder='search ops and tensors' autocomplete='off'>"
        "<div class='muted' id='search-count'></div><ul id='results'></ul><div id='details' class='muted'>"
        "Click an op or a search result for its details.</div></div></div></section>"
    )


def _scripts(data: Mapping[str, Any], drawings: Sequence[Drawing]) -> str:
    """The page's data, the inside of every box (parsed when a box is first opened) and the script."""
    inner = {d.box.id: d.layout for d in drawings[1:] if d.box is not None}
    return (
        f"<script type='application/json' id='report-data'>{script_json(data)}</script>"
        f"<script type='application/json' id='report-boxes'>{script_json(inner)}</script>"
        f"<script>{_asset('report.js')}</script></body></html>\n"
    )


def model_page(inp: ReportInput) -> str:
    model = inp.model
    data = report_data(inp)
    counts = {s: sum(1 for f in inp.findings if f.severity.value == s) for s in ("error", "warning", "info")}
    title = model.source or "model"
    nav = ["summary", "io", "findings", *[k for k in inp.sections if k in _SECTIONS], "graph", "operators"]
    sections = "".join(
        f"<section id='{name}'><h2>{h(name.capitalize())}</h2>{_section_html(name, inp.sections[name])}</section>"
        for name in inp.sections
        if name in _SECTIONS
    )
    return (
        _head(f"{title} — tfl-inspect report")
        + f"<header><h1>{h(title)}</h1><div class='sub'>tfl-inspect {h(__version__)} · "
        f"{data['summary']['ops']:,} ops · <span class='sev-error'>{counts['error']} errors</span> · "
        f"<span class='sev-warning'>{counts['warning']} warnings</span> · "
        f"<span class='sev-info'>{counts['info']} info</span></div></header>"
        "<nav>"
        + "".join(f"<a href='#{'graph-section' if n == 'graph' else n}'>{h(n)}</a>" for n in nav)
        + "</nav><main>"
        f"<section id='summary'><h2>Summary</h2>{_summary_html(model, data)}</section>"
        f"<section id='io'><h2>Inputs and outputs</h2>{_io_html(model)}</section>"
        "<section id='findings'><h2>Findings</h2><div class='filters' id='findings-filters'></div>"
        "<div class='muted' id='findings-count'></div><div id='findings-list'></div></section>"
        f"{sections}"
        + _graph_section(inp.drawings, inp.svg_note)
        + "<section id='operators'><h2>Operators by name scope</h2><div id='scopes'></div></section></main>"
        + _scripts(data, inp.drawings)
    )


def index_page(title: str, rows: Sequence[Mapping[str, Any]]) -> str:
    """The folder index: one row per model (``page`` is None for an unreadable one, with its ``error``)."""
    head = ("model", "ops", "size", "scheme", "errors", "warnings", "whole-model targets")
    body = []
    for r in rows:
        name = h(r["name"])
        link = f"<a href='{h(r['page'])}'>{name}</a>" if r.get("page") else name
        if r.get("error"):
            body.append(f"<tr><td>{link}</td><td colspan='6' class='sev-error'>{h(r['error'])}</td></tr>")
            continue
        body.append(
            f"<tr><td>{link}</td><td class='num' data-v='{r['ops']}'>{r['ops']:,}</td>"
            f"<td class='num' data-v='{r['size']}'>{r['size']:,}</td><td>{h(r['scheme'])}</td>"
            f"<td class='num' data-v='{r['errors']}'>{r['errors']}</td>"
            f"<td class='num' data-v='{r['warnings']}'>{r['warnings']}</td>"
            f"<td>{h(', '.join(r.get('targets') or [])) or '—'}</td></tr>"
        )
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'\">"
        f"<title>{h(title)} — tfl-inspect</title><style>{_asset('report.css')}</style></head><body>"
        f"<header><h1>{h(title)}</h1><div class='sub'>{len(rows)} models · tfl-inspect {h(__version__)}</div>"
        "</header><main><table id='models'><tr>"
        + "".join(f"<th class='sortable'>{c}</th>" for c in head)
        + "</tr>"
        + "".join(body)
        + f"</table></main><script>{_asset('index.js')}</script></body></html>\n"
    )


# ---- two models, one page: report A --diff B ---------------------------------------------------------


@dataclass(frozen=True)
class DiffInput:
    """What ``report A --diff B`` ran: both models, the diff (with numbers after ``--run``), A's diagrams."""

    a: Model
    b: Model
    report: DiffReport
    drawings: Sequence[Drawing] = ()  # model A's, coloured by what changed or by the SQNR of each output
    svg_note: str | None = None


def _row_html(cells: Sequence[str], a_op: int | None, subgraph: int | None) -> str:
    attr = f" data-a-op='op_{subgraph}_{a_op}'" if a_op is not None and subgraph is not None else ""
    return f"<tr{attr}>" + "".join(f"<td>{h(c)}</td>" for c in cells) + "</tr>"


def _blocks_html(blocks: Sequence[Block], subgraph: int | None = None) -> str:
    """The diff's own blocks (what ``diff`` prints) as HTML: key/value lists, tables and notes, escaped.

    Rows of a table with an "A op" column (of the compared ``subgraph``) show that op when clicked.
    """
    from .blocks import KeyValues, Table

    out = []
    for b in blocks:
        if isinstance(b, KeyValues):
            title = f"<h3>{h(b.title)}</h3>" if b.title else ""
            rows = "".join(f"<tr><td>{h(k)}</td><td>{h(v)}</td></tr>" for k, v in b.rows)
            out.append(f"{title}<table class='kv'>{rows}</table>")
        elif isinstance(b, Table):
            col = b.headers.index("A op") if "A op" in b.headers and "A/B" not in b.headers else None
            head = "".join(f"<th>{h(c)}</th>" for c in b.headers)
            rows = "".join(
                _row_html(r, int(r[col]) if col is not None and r[col].isdigit() else None, subgraph) for r in b.rows
            )
            out.append(f"<h3>{h(b.title)}</h3><table class='diff-table'><tr>{head}</tr>{rows}</table>")
        else:
            cls = "sev-warning" if b.level == "warning" else "note"
            out.append(f"<p class='{cls}'>{h(b.text)}</p>")
    return "".join(out)


def _models_html(inp: DiffInput) -> str:
    rows = []
    for side, m in (("A", inp.a), ("B", inp.b)):
        s = summarize(m)
        rows.append(
            f"<tr><td>{side}</td><td><code>{h(m.source or '(bytes)')}</code></td><td class='num'>{m.size:,}</td>"
            f"<td class='num'>{s.n_ops:,}</td><td>{h(s.scheme)}</td></tr>"
        )
    return (
        "<table><tr><th></th><th>model</th><th>bytes</th><th>ops</th><th>quantization</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _cell(value: float | None, spec: str) -> str:
    if value is None:
        return "<td class='num' data-v='Infinity'>inf</td>" if spec == "sqnr" else "<td class='num'></td>"
    text = f"{value:.1f}" if spec == "sqnr" else format(value, spec)
    return f"<td class='num' data-v='{value!r}'>{h(text)}</td>"


def _layers_html(r: DiffReport) -> str:
    """Every compared tensor in A's execution order: the per-layer error table (sortable, rows open the op)."""
    from .diff_json import tensor_row

    n = r.numeric
    if n is None:
        return ""
    s = r.alignment.subgraphs[0]
    first = n.tensors[n.first_divergence] if n.first_divergence is not None else None
    order = sorted(n.tensors, key=lambda e: (e.a_op if e.a_op is not None else -1, e.a_tensor))
    heads = ["A op", "layer", "tensor", "SQNR dB", "jump dB", "max |Δ|", "RMSE", "cosine", "steps", "own MSE"]
    rows = []
    for e in order:
        row = tensor_row(e)
        op = f"op_{s}_{e.a_op}" if e.a_op is not None else ""
        cls = " class='first'" if e is first else ""
        tag = " <span class='badge'>output</span>" if e.is_output else ""
        rows.append(
            f"<tr{cls} data-a-op='{op}'><td class='num' data-v='{e.a_op if e.a_op is not None else -1}'>"
            f"{'' if e.a_op is None else e.a_op}</td><td>{h(e.scope)}</td><td><code>{h(e.name)}</code>{tag}</td>"
            + _cell(row["sqnr_db"], "sqnr")
            + _cell(row["jump_db"], ".1f")
            + _cell(row["max_abs"], ".4g")
            + _cell(row["rmse"], ".4g")
            + _cell(row["cosine"], ".6f")
            + _cell(row["steps"], ".2f")
            + _cell(row["local_mse"], ".3g")
            + "</tr>"
        )
    return (
        f"<h3>Per-layer error ({len(order)} tensors)</h3><p class='muted'>B against A, dequantized; "
        "click a column to sort, a row to show its op in the diagram"
        + (" · the first divergence is highlighted" if first is not None else "")
        + "</p><table class='layers sortable-table'><tr>"
        + "".join(f"<th class='sortable'>{h(c)}</th>" for c in heads)
        + "</tr>"
        + "".join(rows)
        + "</table>"
    )


def _numbers_html(r: DiffReport) -> str:
    from .diff_plot import svg as sqnr_plot
    from .diff_text import numeric_blocks

    if r.numeric is None:
        return (
            "<p class='muted'>Not run: <code>report A --diff B --run</code> runs both models with LiteRT on the "
            "same inputs and adds the per-layer error table and the SQNR plot.</p>"
        )
    plot = f"<div class='plot'>{_inline_svg(sqnr_plot(r))}</div>"
    return _blocks_html(numeric_blocks(r, None, ranking=False)) + plot + _layers_html(r)


def diff_data(inp: DiffInput) -> dict[str, Any]:
    """The page's JSON: model A's ops (with what changed in B and the error of their outputs), B's paired ops."""
    from ..compare import diff_marks
    from .diff_json import diff_to_dict, tensor_row

    r = inp.report
    data = report_data(ReportInput(inp.a, (), inp.drawings))
    sa, sb = r.alignment.subgraphs
    marks = diff_marks(r)["a"]
    changes = {c.a_op: c for c in r.structure.ops if c.a_op is not None}
    errors: dict[int, list[dict[str, Any]]] = {}
    for e in r.numeric.tensors if r.numeric is not None else ():
        if e.a_op is not None:
            errors.setdefault(e.a_op, []).append(tensor_row(e))
    sg_b = inp.b.subgraphs[sb]
    b_ops: dict[str, Any] = {}
    for entry in data["ops"]:
        if entry["s"] != sa:
            continue
        i = entry["i"]
        j = r.alignment.op_pairs.get(i)
        change = changes.get(i)
        entry["diff"] = {
            "mark": marks.get(i),
            "b": j,
            "kind": change.kind if change is not None else ("same" if j is not None else None),
            "details": list(change.details) if change is not None else [],
            "errors": errors.get(i, []),
        }
        if j is not None and 0 <= j < len(sg_b.operators):
            b_ops[str(j)] = _op_entry(sg_b, sg_b.operators[j], {}, inp.b.producer.id)
    data["b_ops"] = b_ops
    data["diff"] = diff_to_dict(r)
    data["source_b"] = inp.b.source
    return data


def diff_page(inp: DiffInput) -> str:
    """``report A --diff B``: the diff's contract, op and weight changes, the numbers, A's diagram coloured."""
    from .diff_text import diff_blocks

    r = inp.report
    data = diff_data(inp)
    a, b = r.a or "A", r.b or "B"
    changes = _blocks_html(diff_blocks(r, None, numbers=False), r.alignment.subgraphs[0])
    nav = ["models", "changes", "numbers", "graph", "operators"]
    worst = [e.sqnr_db for e in r.numeric.tensors if e.is_output] if r.numeric is not None else []
    sub = f"{len(r.contract)} contract change(s) · {len(r.structure.ops)} op change(s) · "
    sub += f"{len(r.structure.weights)} weight change(s)"
    if worst:
        low = min((w for w in worst if w is not None), default=None)
        sub += " · worst output SQNR " + ("inf (no error)" if low is None else f"{low:.1f} dB")
    return (
        _head(f"{a} vs {b} — tfl-inspect report", "diff")
        + f"<header><h1>{h(a)} <span class='muted'>vs</span> {h(b)}</h1><div class='sub'>tfl-inspect "
        f"{h(__version__)} · {h(sub)}</div></header><nav>"
        + "".join(f"<a href='#{'graph-section' if n == 'graph' else n}'>{h(n)}</a>" for n in nav)
        + "</nav><main>"
        f"<section id='models'><h2>Models</h2>{_models_html(inp)}</section>"
        f"<section id='changes'><h2>What changed</h2>{changes}</section>"
        f"<section id='numbers'><h2>Numbers</h2>{_numbers_html(r)}</section>"
        + _graph_section(inp.drawings, inp.svg_note, "Graph of A, coloured by what changed in B")
        + "<section id='operators'><h2>Operators of A by name scope</h2><div id='scopes'></div></section></main>"
        + _scripts(data, inp.drawings)
    )
