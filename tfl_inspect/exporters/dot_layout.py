"""Graphviz layouts as compact drawing lists that a page draws itself, many diagrams per ``dot`` run.

The report embeds every diagram a viewer can open (the model's and the inside of each collapsed
box), laid out by Graphviz when the report is made. Graphviz's SVG costs about 2.5 kB per op;
its ``-Tjson`` output carries the same drawing as xdot operations, which this module reduces to
what a browser needs, in SVG coordinates (y down) and tenths of a point (whole numbers)::

    {"view": [x, y, w, h], "d": [item, ...]}

with items, in drawing order (clusters, edges, nodes):

- ``["g", kind, name, class]``: a new group: kind ``c`` cluster, ``e`` edge, ``n`` node;
- state, kept until changed: ``["c", pen]``, ``["C", fill]``, ``["w", width]``, ``["s", dasharray]``,
  ``["F", font size]``, ``["t", font flags]`` (1 bold, 2 italic);
- shapes: ``["P", filled, [x, y, …]]`` polygon, ``["B", filled, [x, y, …]]`` cubic bezier,
  ``["L", [x, y, …]]`` polyline, ``["E", filled, cx, cy, rx, ry]`` ellipse,
  ``["R", filled, x, y, w, h]`` rounded box;
- ``["T", x, y, anchor, text]``: a line of text (anchor ``l``, ``c``, ``r``).

Text is the label text Graphviz laid out (model names included); the page sets it with
``textContent``, and the whole document is embedded with :func:`tfl_inspect.escape.script_json`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ..errors import TflInspectError
from .dot_defaults import DEFAULT_TIMEOUT
from .dot_render import pipe
from .dot_twins import Labels, Tokens, remap, scan

__all__ = ["lay_out", "Layouts", "compact"]

_COLOUR = re.compile(r"#[0-9a-fA-F]{6}(?:[0-9a-fA-F]{2})?|[a-z]+")
_DEFAULT: dict[str, Any] = {"c": "#000000", "C": "#000000", "w": 10, "s": "", "F": 140, "t": 0}
_DASH = {"solid": "", "dashed": "50,20", "dotted": "10,50"}
_SHAPES = {"P": "P", "p": "P", "B": "B", "b": "B", "E": "E", "e": "E", "L": "L"}
_ROUNDED_POINTS = 13  # a rounded box is a bezier of 25 points; an edge-like shape has fewer


def _num(v: float) -> int:
    """Coordinates and sizes in tenths of a point: whole numbers, short in JSON."""
    return round(v * 10)


class _Stream:
    """Turns xdot operation lists into items, emitting a state change only when it differs."""

    def __init__(self, height: float) -> None:
        self.height = height
        self.items: list[list[Any]] = []
        self.state = dict(_DEFAULT)

    def _pts(self, points: Sequence[Sequence[float]]) -> list[int]:
        h = self.height
        return [v for x, y in points for v in (round(x * 10), round((h - y) * 10))]

    def _need(self, cur: dict[str, Any], keys: str) -> None:
        for k in keys:
            if self.state[k] != cur[k]:
                self.state[k] = cur[k]
                self.items.append([k, cur[k]])

    def group(self, kind: str, name: str, cls: str) -> None:
        self.items.append(["g", kind, name, cls])

    def draw(self, ops: Sequence[dict[str, Any]], rounded: bool = False) -> None:
        cur = dict(_DEFAULT)  # xdot starts every attribute's operations from the defaults
        for op in ops:
            kind = op.get("op")
            if kind in ("c", "C"):
                colour = str(op.get("color", ""))
                cur[kind] = colour if _COLOUR.fullmatch(colour) else "#000000"
            elif kind == "S":
                self._style(cur, str(op.get("style", "")))
            elif kind == "F":
                cur["F"] = _num(op.get("size", 14))
            elif kind == "t":
                cur["t"] = int(op.get("fontchar", 0)) & 3
            elif kind == "T":
                text = str(op.get("text", ""))
                if not text.strip():
                    continue  # the space between two runs of a label: drawing it shows nothing
                self._need(cur, "cFt")
                x, y = op["pt"]
                self.items.append(["T", _num(x), _num(self.height - y), op.get("align", "l"), text])
            elif kind in _SHAPES:
                self._shape(cur, kind, op, rounded)

    def _style(self, cur: dict[str, Any], style: str) -> None:
        if style.startswith("setlinewidth("):
            try:
                cur["w"] = _num(float(style[len("setlinewidth(") : -1]))
            except ValueError:
                pass
        elif style == "bold":
            cur["w"] = 20
        elif style in _DASH:
            cur["s"] = _DASH[style]

    def _shape(self, cur: dict[str, Any], kind: str, op: dict[str, Any], rounded: bool) -> None:
        filled = 1 if kind in "PBE" else 0
        self._need(cur, "cws" + ("C" if filled else ""))
        if kind in "Ee":
            (cx, cy), (rx, ry) = op["rect"][:2], op["rect"][2:]
            self.items.append(["E", filled, _num(cx), _num(self.height - cy), _num(rx), _num(ry)])
            return
        points = op.get("points") or []
        if kind in "Bb" and rounded and len(points) >= _ROUNDED_POINTS:
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            x0, y1 = min(xs), max(ys)
            w, h = max(xs) - x0, y1 - min(ys)
            self.items.append(["R", filled, _num(x0), _num(self.height - y1), _num(w), _num(h)])
            return
        if kind == "L":
            self.items.append(["L", self._pts(points)])
        else:
            self.items.append([_SHAPES[kind], filled, self._pts(points)])


def compact(doc: dict[str, Any]) -> dict[str, Any]:
    """One graph of ``dot -Tjson`` as ``{"view", "d"}`` (see the module docstring)."""
    x0, y0, x1, y1 = (float(v) for v in str(doc.get("bb", "0,0,0,0")).split(","))
    try:
        pad = float(doc.get("pad", 0.0555)) * 72
    except ValueError:
        pad = 4.0
    out = _Stream(y1)
    objects = doc.get("objects") or []
    n_clusters = int(doc.get("_subgraph_cnt", 0))
    names = {o.get("_gvid"): str(o.get("name", "")) for o in objects[n_clusters:]}
    for o in objects[:n_clusters]:
        out.group("c", str(o.get("id") or o.get("name", "")), "cluster")
        out.draw(o.get("_draw_") or [])
        out.draw(o.get("_ldraw_") or [])
    for e in doc.get("edges") or []:
        out.group("e", f"{names.get(e.get('tail'), '')}>{names.get(e.get('head'), '')}", "edge")
        for key in ("_draw_", "_hdraw_", "_tdraw_", "_ldraw_", "_hldraw_", "_tldraw_"):
            out.draw(e.get(key) or [])
    for o in objects[n_clusters:]:
        rounded = "rounded" in str(o.get("style", ""))
        out.group("n", str(o.get("name", "")), str(o.get("class", "")))
        out.draw(o.get("_draw_") or [], rounded)
        out.draw(o.get("_ldraw_") or [])
    view = [_num(x0 - pad), _num(-pad), _num(x1 - x0 + 2 * pad), _num(y1 - y0 + 2 * pad)]
    return {"view": view, "d": out.items}


def _docs(text: str) -> list[dict[str, Any]]:
    """The JSON documents ``dot`` writes one after another for a multi-graph input."""
    decoder = json.JSONDecoder()
    out: list[dict[str, Any]] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            return out
        doc, i = decoder.raw_decode(text, i)
        out.append(doc)


_CHUNK = 1 << 18  # characters of DOT per ``dot`` run: several runs in parallel, started while writing the rest


def lay_out(
    sources: Iterable[str], *, timeout: float = DEFAULT_TIMEOUT, jobs: int | None = None
) -> list[dict[str, Any]]:
    """Lay out every DOT source (``dot -Tjson``) and compact each graph, in order."""
    return Layouts(sources, timeout=timeout, jobs=jobs).result()


class Layouts:
    """Diagrams being laid out: made from the sources, read with :meth:`result`.

    Sources are handed to up to ``jobs`` ``dot`` processes in runs of about 256 kB as they come,
    so the diagrams still being written overlap with the layout of the first ones, and whatever
    the caller does before :meth:`result` overlaps with the last. A source that is the twin of an
    earlier one (:mod:`.dot_twins`: the same drawing with other numbers) is not laid out again:
    it takes the earlier drawing with its own ids and texts.
    """

    def __init__(self, sources: Iterable[str], *, timeout: float = DEFAULT_TIMEOUT, jobs: int | None = None) -> None:
        self.timeout = timeout
        self.firsts: dict[str, tuple[int, Tokens]] = {}  # twin key -> the source laid out for it (its slot, tokens)
        self.slots: list[int | tuple[int, Tokens, str]] = []  # per source: its slot, or (first's slot, itself)
        self.pool = ThreadPoolExecutor(max_workers=max(1, min(jobs or os.cpu_count() or 1, 8)))
        self.futures: list[Future[list[dict[str, Any]]]] = []
        try:
            self._submit(sources)
        except BaseException:
            self.pool.shutdown(wait=True, cancel_futures=True)
            raise

    def _submit(self, sources: Iterable[str]) -> None:
        chunk: list[str] = []
        size = laid = 0
        for source in sources:
            key, toks = scan(source)
            if key in self.firsts:
                self.slots.append((self.firsts[key][0], toks, source))
                continue
            self.firsts[key] = (laid, toks)
            self.slots.append(laid)
            laid += 1
            chunk.append(source)
            size += len(source)
            if size >= _CHUNK:
                self.futures.append(self.pool.submit(self._run, chunk))
                chunk, size = [], 0
        if chunk:
            self.futures.append(self.pool.submit(self._run, chunk))

    def _run(self, chunk: list[str]) -> list[dict[str, Any]]:
        docs = _docs(pipe("\n".join(chunk), "json", timeout=self.timeout).decode("utf-8"))
        if len(docs) != len(chunk):
            raise TflInspectError(f"Graphviz 'dot' laid out {len(docs)} of {len(chunk)} diagrams")
        return [compact(d) for d in docs]  # Graphviz's verbose JSON is dropped as soon as it is read

    def result(self) -> list[dict[str, Any]]:
        """Every source's drawing, in order (waits for ``dot``; raises what it raised)."""
        try:
            layouts = [layout for f in self.futures for layout in f.result()]
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
        first_tokens = {slot: toks for slot, toks in self.firsts.values()}
        return _with_twins(layouts, self.slots, first_tokens, self._run)


def _with_twins(
    layouts: list[dict[str, Any]],
    slots: Sequence[int | tuple[int, Tokens, str]],
    first_tokens: dict[int, Tokens],
    run: Callable[[list[str]], list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """Every source's drawing in order: twins remapped from their first, or laid out where that fails."""
    labels: dict[int, Labels] = {}
    out: list[dict[str, Any] | None] = []
    retry: list[tuple[int, str]] = []
    for slot in slots:
        if isinstance(slot, int):
            out.append(layouts[slot])
            continue
        first, toks, source = slot
        if first not in labels:
            labels[first] = Labels.of(first_tokens[first])
        twin = remap(layouts[first], labels[first], first_tokens[first], toks)
        if twin is None:
            retry.append((len(out), source))
        out.append(twin)
    if retry:  # not a twin after all (a label Graphviz sets otherwise): its own layout
        for (i, _), layout in zip(retry, run([source for _, source in retry]), strict=True):
            out[i] = layout
    return [layout for layout in out if layout is not None]
