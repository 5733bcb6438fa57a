"""Diagrams that differ only in numbers are laid out once.

A report embeds the inside of every collapsed box, and a model with repeated blocks (an LLM's
24 decoder layers, in every signature) has hundreds of boxes that are the same drawing with other
op indices and layer numbers: ``#412`` for ``#388``, ``module.7.ff`` for ``module.6.ff``. Laying
out each with Graphviz and reading its JSON back cost seconds; laying out one and putting the
other's words into its drawing costs milliseconds.

Two DOT sources are *twins* when they are equal token for token except for digits in identifiers
(node ids) and in the text of HTML labels, the identifiers map one to one (so the graphs are the
same graph renamed), and every attribute Graphviz sizes or places things by (numbers, quoted
values, HTML tags) is equal. A twin takes the first one's drawing with its own ids and texts. Only
glyph widths can differ (``11`` kerns narrower than ``00``), by under a point per digit; the
drawing stays the first one's.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["scan", "Labels", "remap"]

_TOKEN = re.compile(
    r'<(?:[^<>]|<[^<>]*>)*>|"(?:[^"\\]|\\.)*"|[A-Za-z_\x80-\uffff][\w\x80-\uffff]*|->|--|[-.\d][\w.]*|\S'
)
_DIGIT = re.compile(r"\d")
_TAG = re.compile(r"<[^<>]*>")

Tokens = list[str]


def _is_word(tok: str) -> bool:
    return tok[0].isalpha() or tok[0] == "_" or tok[0] > "\x7f"


def scan(source: str) -> tuple[str, Tokens]:
    """What twins share, and the source's tokens.

    The key is the source with every digit as ``0``, followed by everything whose digits must be
    equal: numbers, quoted values and the tags of HTML labels. So two sources with one key differ
    only in the digits of identifiers and of label texts.
    """
    toks: Tokens = _TOKEN.findall(source)
    exact: list[str] = []
    for tok in toks:
        c = tok[0]
        if c == "<" and len(tok) > 1:
            exact.extend(_TAG.findall(tok, 1, len(tok) - 1))
        elif c == '"' or c.isdigit() or (c in "-." and tok != "->" and tok != "--"):
            exact.append(tok)
    return _DIGIT.sub("0", source) + "\x00" + "\x00".join(exact), toks


@dataclass
class Labels:
    """Where a diagram's identifiers and labels are among its tokens: every identifier in order,
    and each drawn object's label (nodes and clusters by id, edges by ``tail>head`` in order; -1
    when it has none). A twin has its own at the same places."""

    words: list[int] = field(default_factory=list)
    nodes: dict[str, int] = field(default_factory=dict)
    clusters: dict[str, int] = field(default_factory=dict)
    edges: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, toks: Tokens) -> Labels:
        out = cls(words=[i for i, tok in enumerate(toks) if _is_word(tok)])
        open_: list[dict[str, Any] | None] = []  # per open brace: the cluster's name, id and label
        i, n = 0, len(toks)
        while i < n:
            tok = toks[i]
            nxt = toks[i + 1] if i + 1 < n else ""
            word = _is_word(tok)
            if tok == "subgraph" and i + 2 < n and toks[i + 2] == "{":
                open_.append({"name": nxt})
                i += 3
            elif tok == "{":
                open_.append(None)
                i += 1
            elif tok == "}":
                cluster = open_.pop() if open_ else None
                if cluster:
                    out.clusters[cluster.get("id") or cluster["name"]] = cluster.get("label", -1)
                i += 1
            elif word and nxt in ("->", "--") and i + 2 < n:
                head = toks[i + 2]
                attrs, i = _attrs(toks, i + 3)
                out.edges.setdefault(f"{tok}>{head}", []).append(attrs.get("label", -1))
            elif word and nxt == "[":
                attrs, i = _attrs(toks, i + 1)
                if tok == "graph":
                    _cluster_attrs(open_, attrs, toks)
                elif tok not in ("node", "edge"):
                    out.nodes[tok] = attrs.get("label", -1)
            elif word and nxt == "=":
                attrs, i = _attrs(toks, i)  # a bare graph attribute statement
                _cluster_attrs(open_, attrs, toks)
            else:
                i += 1
        return out


def _cluster_attrs(open_: list[dict[str, Any] | None], attrs: dict[str, int], toks: Tokens) -> None:
    if open_ and open_[-1] is not None:
        if "id" in attrs:
            open_[-1]["id"] = toks[attrs["id"]]
        if "label" in attrs:
            open_[-1]["label"] = attrs["label"]


def _attrs(toks: Tokens, i: int) -> tuple[dict[str, int], int]:
    """``[a=b c=d]`` from its ``[`` at token ``i``, or the bare ``a=b c=d`` of a graph attribute line:
    each value's token index, and the next index."""
    attrs: dict[str, int] = {}
    n = len(toks)
    bracket = toks[i] == "["
    if bracket:
        i += 1
    while i < n:
        tok = toks[i]
        if bracket and tok == "]":
            return attrs, i + 1
        if bracket and tok in ",;":
            i += 1
            continue
        if i + 2 < n and toks[i + 1] == "=":
            attrs[tok] = i + 2
            i += 3
            continue
        if not bracket:
            return attrs, i
        i += 1
    return attrs, i


def _text(label: str) -> str:
    """An HTML label's text as Graphviz sets it: tags dropped, entities read."""
    if label.startswith("<") and label.endswith(">"):
        return html.unescape(_TAG.sub("", label[1:-1]))
    if label.startswith('"') and label.endswith('"'):
        return label[1:-1]
    return label


class _MismatchError(Exception):
    """The twin's drawing cannot be made from the first one's: lay it out itself."""


def _rename(first: list[str], twin: list[str]) -> dict[str, str]:
    """Identifier renaming, one to one, or :class:`_MismatchError`."""
    pairs = set(zip(first, twin, strict=True))
    if len(pairs) != len(set(first)) or len(pairs) != len(set(twin)):
        raise _MismatchError
    return dict(pairs)


class _Texts:
    """The twin's text for each text run of one object of the first drawing, in order."""

    def __init__(self, first: str, twin: str) -> None:
        self.first, self.twin = _text(first), _text(twin)
        if len(self.first) != len(self.twin):
            raise _MismatchError
        self.at = 0

    def __call__(self, text: str) -> str:
        pos = self.first.find(text, self.at)
        if pos < 0:
            raise _MismatchError
        self.at = pos + len(text)
        return self.twin[pos : self.at]


def remap(layout: dict[str, Any], where: Labels, first: Tokens, twin: Tokens) -> dict[str, Any] | None:
    """The twin's drawing: the first one's geometry with the twin's ids and texts (None: lay it out).

    ``where`` is :meth:`Labels.of` the first's tokens; the twin's tokens line up with them."""
    if len(first) != len(twin):
        return None

    def texts(at: int) -> _Texts:
        return _Texts(first[at], twin[at]) if at >= 0 else _Texts("", "")

    try:
        names = _rename([first[i] for i in where.words], [twin[i] for i in where.words])
        seen: dict[str, int] = {}
        items: list[list[Any]] = []
        run: _Texts | None = None
        for item in layout["d"]:
            if item[0] == "g":
                kind, name = item[1], item[2]
                if kind == "e":
                    tail, _, head = name.partition(">")
                    k = seen[name] = seen.get(name, -1) + 1
                    new = f"{names.get(tail, tail)}>{names.get(head, head)}"
                    run = texts(where.edges[name][k])
                else:
                    new = names.get(name, name)
                    run = texts((where.clusters if kind == "c" else where.nodes).get(name, -1))
                items.append(["g", kind, new, item[3]])
            elif item[0] == "T":
                if run is None:
                    raise _MismatchError
                items.append([*item[:4], run(item[4])])
            else:
                items.append(item)
        return {"view": layout["view"], "d": items}
    except (_MismatchError, KeyError, IndexError, ValueError):
        return None
