"""Diagrams that differ only in numbers are laid out once: each twin keeps its own ids and texts."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

import tfl_inspect
from tests.conftest import sample
from tfl_inspect.exporters import dot_layout
from tfl_inspect.exporters.dot import levels
from tfl_inspect.exporters.dot_layout import lay_out
from tfl_inspect.exporters.dot_twins import scan

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' not installed")

_HEAD = 'digraph g {\n\tnode [fontname="Liberation Sans" shape=box]\n'


def _graph(*lines: str) -> str:
    return _HEAD + "".join(f"\t{line}\n" for line in lines) + "}\n"


A = _graph("n1 [label=<<B>ADD</B> #1>]", "n2 [label=<<B>MUL</B> #2>]", "n1 -> n2 [label=<float32[12]>]")
B = _graph("n3 [label=<<B>ADD</B> #3>]", "n4 [label=<<B>MUL</B> #4>]", "n3 -> n4 [label=<float32[34]>]")
SWAPPED = _graph("n1 [label=<<B>ADD</B> #1>]", "n2 [label=<<B>MUL</B> #2>]", "n2 -> n1 [label=<float32[12]>]")
WIDER = _graph("n3 [label=<<B>ADD</B> #3> penwidth=9]", "n4 [label=<<B>MUL</B> #4>]", "n3 -> n4 [label=<float32[34]>]")


def _texts(layout: dict[str, Any]) -> list[str]:
    return [it[4] for it in layout["d"] if it[0] == "T"]


def _groups(layout: dict[str, Any]) -> list[list[Any]]:
    return [it for it in layout["d"] if it[0] == "g"]


def _numbers(layout: dict[str, Any]) -> list[int]:
    out: list[int] = []
    for it in layout["d"]:
        if it[0] in "gT":
            continue
        for v in it[1:]:
            out.extend(v if isinstance(v, list) else [v] if isinstance(v, int) else [])
    return out


def test_a_twin_has_its_own_names_and_texts_on_the_first_ones_drawing() -> None:
    assert scan(A)[0] == scan(B)[0]
    first, twin = lay_out([A, B])
    own = lay_out([B])[0]
    assert _texts(twin) == _texts(own)
    assert {"float32[34]", "ADD", "MUL"} <= set(_texts(twin)) and {"#3", "#4"} <= {t.strip() for t in _texts(twin)}
    assert _groups(twin) == _groups(own)
    assert [it for it in twin["d"] if it[0] not in "gT"] == [it for it in first["d"] if it[0] not in "gT"]


def test_a_graph_wired_otherwise_is_not_a_twin() -> None:
    """Same text with every digit as 0, but n1 → n2 is not n2 → n1: the renaming is not one to one."""
    assert scan(A)[0] == scan(SWAPPED)[0]
    assert lay_out([A, SWAPPED])[1] == lay_out([SWAPPED])[0]


def test_numbers_graphviz_sizes_by_make_another_drawing() -> None:
    assert scan(B)[0] != scan(WIDER)[0]
    assert lay_out([A, WIDER])[1] == lay_out([WIDER])[0]


def test_a_twin_that_cannot_be_remapped_is_laid_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dot_layout, "remap", lambda *a: None)
    assert lay_out([A, B]) == [lay_out([A])[0], lay_out([B])[0]]


@pytest.mark.parametrize("name", ["torch/lstm_gru.tflite", "torch/gen_decoder_f32.tflite"])
def test_real_twins_match_their_own_layout(name: str) -> None:
    """Boxes of repeated layers: every twin names the same ops, tensors and texts as its own layout,
    and its drawing is within the glyph widths of its digits (kerning: under a point per digit)."""
    sources = [lv.diagram.source for lv in levels(tfl_inspect.load(sample(name)), max_nodes=40)]
    keys = [scan(s)[0] for s in sources]
    assert len(set(keys)) < len(keys), "the fixture has no repeated boxes any more"
    shared = lay_out(sources)
    own = [lay_out([s])[0] for s in sources]
    for a, b in zip(shared, own, strict=True):
        assert _groups(a) == _groups(b)
        assert _texts(a) == _texts(b)
        na, nb = _numbers(a), _numbers(b)
        assert len(na) == len(nb)
        assert max((abs(x - y) for x, y in zip(na, nb, strict=True)), default=0) <= 30  # tenths of a point
