"""Graphviz layouts compacted for the report: what dot laid out, in order, names as plain text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import sample
from tfl_inspect.exporters.dot import levels
from tfl_inspect.exporters.dot_layout import compact, lay_out

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' not installed")


def _groups(layout: dict, kind: str) -> list[str]:
    return [it[2] for it in layout["d"] if it[0] == "g" and it[1] == kind]


def test_each_diagram_keeps_its_nodes_in_order() -> None:
    model = tfl_inspect.load(sample("upsampling_static.tflite"))
    drawn = levels(model, max_nodes=6)
    assert len(drawn) > 2
    layouts = lay_out([lv.diagram.source for lv in drawn], jobs=2)
    assert len(layouts) == len(drawn)
    for lv, layout in zip(drawn, layouts, strict=True):
        sp = next(iter(lv.diagram.plan.subgraphs.values()))
        nodes = set(_groups(layout, "n"))
        assert {n for n in sp.unit.values()} <= nodes  # every op node and box of this diagram
        assert {f"ctx_{c.target}" for c in lv.diagram.plan.context.values()} <= nodes
        x, y, w, h = layout["view"]
        for it in layout["d"]:
            if it[0] == "T":
                assert x <= it[1] <= x + w and y <= it[2] <= y + h
        texts = [it[4] for it in layout["d"] if it[0] == "T"]
        for i in sp.ops:
            if sp.unit[i].startswith("op_"):
                assert model.subgraphs[0].operators[i].opcode in texts and f"#{i}" in texts


def test_same_layout_twice_and_whole_numbers() -> None:
    model = tfl_inspect.load(sample("multi_io.tflite"))
    source = levels(model)[0].diagram.source
    a, b = lay_out([source]), lay_out([source])
    assert a == b
    for it in a[0]["d"]:
        if it[0] in ("P", "B"):
            assert all(isinstance(v, int) for v in it[2])


def test_names_arrive_as_the_text_graphviz_laid_out(tmp_path: Path) -> None:
    """Escaped for DOT on the way in, plain text on the way out: the page sets it with textContent."""
    from tests.exporters.test_dot import HOSTILE
    from tests.modeledit import pack, unpack

    m = unpack(sample("flex_select_tf.tflite"))
    for code in m.operatorCodes:
        if code.customCode:
            code.customCode = b"Flex" + HOSTILE[1].encode()
    path = tmp_path / "hostile.tflite"
    path.write_bytes(pack(m))
    model = tfl_inspect.load(path)
    texts = [it[4] for it in lay_out([levels(model)[0].diagram.source])[0]["d"] if it[0] == "T"]
    assert "Flex" + HOSTILE[1] in texts


def test_compact_reads_state_shapes_and_text() -> None:
    doc = {
        "bb": "0,0,100,50",
        "pad": "0",
        "_subgraph_cnt": 0,
        "objects": [
            {
                "_gvid": 0,
                "name": "op_0_1",
                "class": "op",
                "style": "rounded,filled",
                "_draw_": [
                    {"op": "S", "style": "dashed"},
                    {"op": "c", "grad": "none", "color": "#2f6fa8"},
                    {"op": "C", "grad": "none", "color": "javascript:alert(1)"},
                    {"op": "E", "rect": [50, 25, 10, 5]},
                ],
                "_ldraw_": [
                    {"op": "F", "size": 11.0, "face": "x"},
                    {"op": "t", "fontchar": 1},
                    {"op": "T", "pt": [40, 20], "align": "c", "width": 10, "text": "<b>"},
                    {"op": "T", "pt": [40, 20], "align": "c", "width": 10, "text": " "},
                ],
            }
        ],
    }
    out = compact(doc)
    assert out["view"] == [0, 0, 1000, 500]
    assert out["d"] == [
        ["g", "n", "op_0_1", "op"],
        ["c", "#2f6fa8"],
        ["s", "50,20"],
        ["E", 1, 500, 250, 100, 50],  # filled with the default: what is not a colour never reaches the page
        ["c", "#000000"],  # text starts from the default pen, solid
        ["F", 110],
        ["t", 1],
        ["T", 400, 300, "c", "<b>"],
    ]
    assert "javascript" not in str(out)
