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
    from ..model import Model, Operator, Subgraph
    from ..rules.base import Finding

__all__ = ["ReportInput", "report_data", "model_page", "index_page", "scope_of"]


@dataclass(frozen=True)
class ReportInput:
    """What the command ran for one model; sections with no data are left out of the page."""

    model: Model
    findings: Sequence[Finding] = ()
    svg: str | None = None
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


def _op_entry(sg: Subgraph, op: Operator, notes: Mapping[tuple[int, int], list[list[str]]]) -> dict[str, Any]:
    out_name = sg.tensors[op.outputs[0]].name if op.outputs else ""
    options = {k: v for k, v in op.options.items() if isinstance(v, str | int | float | bool | list)}
    return {
        "id": f"op_{sg.index}_{op.index}",
        "s": sg.index,
        "i": op.index,
        "opcode": op.opcode,
        "scope": scope_of(out_name),
        "inputs": [_tensor_label(sg, t) for t in op.inputs],
        "outputs": [_tensor_label(sg, t) for t in op.outputs],
        "options": options,
        "findings": notes.get((sg.index, op.index), []),
    }


def report_data(inp: ReportInput) -> dict[str, Any]:
    """The JSON embedded in the page: also what a script scraping the page would read."""
    model = inp.model
    notes: dict[tuple[int, int], list[list[str]]] = {}
    for f in inp.findings:
        if f.subgraph is not None and f.op is not None:
            notes.setdefault((f.subgraph, f.op), []).append([f.severity.value, f.rule, f.message])
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
        "ops": [_op_entry(sg, op, notes) for sg in model.subgraphs for op in sg.operators],
        "sections": dict(inp.sections),
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


def _compat_html(value: Mapping[str, Any]) -> str:
    rows = []
    for target, t in (value.get("targets") or {}).items():
        whole = bool(t.get("whole_model"))
        verdict = "<span class='verdict-yes'>whole model</span>" if whole else "<span class='verdict-no'>partial</span>"
        rows.append(
            f"<tr><td>{h(target)}</td><td class='num'>{t.get('supported_ops')}/{t.get('total_ops')}</td>"
            f"<td class='num'>{len(t.get('partitions') or [])}</td><td>{verdict}</td></tr>"
        )
    return "<table><tr><th>target</th><th>ops</th><th>partitions</th><th>verdict</th></tr>" + "".join(rows) + "</table>"


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
    graph = (
        "<div id='graph-wrap'><div id='graph'>" + _inline_svg(inp.svg) + "</div>"
        if inp.svg
        else f"<div id='graph-wrap'><div id='graph-missing' class='muted'>{h(inp.svg_note or 'no diagram')}</div>"
    )
    graph += (
        "<div id='side'><input id='search' type='search' placeholder='search ops and tensors' autocomplete='off'>"
        "<div class='muted' id='search-count'></div><ul id='results'></ul><div id='details' class='muted'>"
        "Click an op or a search result for its details.</div></div></div>"
    )
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        # No network at all: the policy makes a stray reference fail closed instead of fetching.
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; img-src data:\">"
        f"<title>{h(title)} — tfl-inspect report</title><style>{_asset('report.css')}</style></head><body>"
        f"<header><h1>{h(title)}</h1><div class='sub'>tfl-inspect {h(__version__)} · "
        f"{data['summary']['ops']:,} ops · <span class='sev-error'>{counts['error']} errors</span> · "
        f"<span class='sev-warning'>{counts['warning']} warnings</span> · "
        f"<span class='sev-info'>{counts['info']} info</span></div></header>"
        "<nav>" + "".join(f"<a href='#{n}'>{h(n)}</a>" for n in nav) + "</nav><main>"
        f"<section id='summary'><h2>Summary</h2>{_summary_html(model, data)}</section>"
        f"<section id='io'><h2>Inputs and outputs</h2>{_io_html(model)}</section>"
        "<section id='findings'><h2>Findings</h2><div class='filters' id='findings-filters'></div>"
        "<div class='muted' id='findings-count'></div><div id='findings-list'></div></section>"
        f"{sections}"
        "<section id='graph-section'><h2 id='graph-title'>Graph</h2><div class='toolbar'>"
        "<button id='zoom-in' type='button'>+</button><button id='zoom-out' type='button'>−</button>"
        "<button id='zoom-reset' type='button'>fit</button><span class='muted'>wheel to zoom, drag to pan, "
        f"click an op</span></div>{graph}</section>"
        "<section id='operators'><h2>Operators by name scope</h2><div id='scopes'></div></section>"
        f"</main><script type='application/json' id='report-data'>{script_json(data)}</script>"
        f"<script>{_asset('report.js')}</script></body></html>\n"
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
