"""The DOT writer: the legend explains what the picture uses; handles, fills and partitions draw as data."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import corpus_files, needs_corpus, needs_dot, require_corpus, sample, thirdparty_models
from tfl_inspect.exporters import dot
from tfl_inspect.exporters.dot_marks import Mark
from tfl_inspect.exporters.dot_style import FAMILY_STYLE, FONT, heat_color
from tfl_inspect.rules.base import Severity


def legend(source: str) -> str:
    line = next(x for x in source.splitlines() if x.strip().startswith("legend ["))
    return re.sub(r"<[^>]+>", "", line)


def corpus_model(name: str) -> tfl_inspect.Model:
    require_corpus()
    (path,) = [p for p in corpus_files("litert") if p.name == name]
    return tfl_inspect.load(path)


def test_a_plain_model_legend_explains_only_what_it_draws() -> None:
    source = dot.to_dot(tfl_inspect.load(sample("dense_float32.tflite")))
    text = legend(source)
    assert "unknown dim" in text and "float32" in text
    for absent in ("float16", "int8", "double border", "fp16 const", "dashed coloured border", "resource", "border:"):
        assert absent not in text, absent


def test_float16_weights_fold_into_fp16_const_lines_and_the_legend_shows_float16() -> None:
    model = tfl_inspect.load(sample("dense_float16.tflite"))
    source = dot.to_dot(model)
    assert "DEQUANTIZE" not in re.sub(r"tooltip=\"[^\"]*\"", "", source.split("legend [")[0])
    fc = next(x for x in source.splitlines() if x.strip().startswith("op_0_2 ["))
    assert "fp16 const</B> [64,32]" in fc and FAMILY_STYLE["float16"][1] in fc
    assert "DEQUANTIZE #1, folded" in fc  # the tooltip says which op was folded
    text = legend(source)
    assert "float16" in text and "fp16 const: float16 weights" in text and "--show-dequantize" in text
    assert "2 DEQUANTIZE/DENSIFY of constants folded into their readers" in text
    drawn = dot.to_dot(model, show_dequantize=True)
    assert "op_0_0 [" in drawn and "fp16 const" not in drawn


def test_sparse_float16_weights_fold_densify_and_dequantize_into_one_line() -> None:
    paths = [p for p in thirdparty_models() if p.name == "face_detection_full_range_sparse.tflite"]
    if not paths:
        pytest.skip("MediaPipe's sparse face detector not fetched (tests/fetch_models.py)")
    model = tfl_inspect.load(paths[0])
    sg = model.subgraphs[0]
    p = dot.build(model).plan
    densify = [op.index for op in sg.operators if op.builtin == "DENSIFY"]
    assert densify and all(d in p.subgraphs[0].folded for d in densify)
    assert not any(
        op.builtin in ("DENSIFY", "DEQUANTIZE")
        for op in sg.operators
        if f"op_0_{op.index}" in p.subgraphs[0].unit.values()
    )
    source = dot.to_dot(model)
    assert "fp16 sparse const</B>" in source and "DENSIFY #" in source
    assert "sparse const: weights stored sparse that a DENSIFY expands at load" in legend(source)


def test_findings_and_related_nodes_are_explained_in_the_legend() -> None:
    model = tfl_inspect.load(sample("upsampling_static.tflite"))
    marks = [Mark(0, op=5, severity=Severity.ERROR, label="DYN002", tooltip="DYN002 (error): x", related=((0, 0),))]
    text = legend(dot.to_dot(model, marks=marks))
    assert "thick coloured border" in text and "dashed coloured border: related to a finding" in text
    assert "lint findings: 1 error" in text


def test_collapsed_boxes_are_explained() -> None:
    text = legend(dot.to_dot(tfl_inspect.load(sample("upsampling_static.tflite")), max_nodes=8))
    assert "double border: ops collapsed into one box, named after their layer or name scope" in text


@needs_corpus
def test_resource_handles_say_resource_and_the_variable_not_an_unknown_rank() -> None:
    model = corpus_model("call_once_mul.bin")
    source = dot.to_dot(model)
    handle_edges = [x for x in source.splitlines() if "-> op_0_2" in x or "-> op_0_3" in x]
    resource = [x for x in handle_edges if "resource" in x]
    assert resource and all("<I>Variable</I>" in x and "[*]" not in x for x in resource)
    assert "resource handle of variable Variable" in " ".join(resource)
    assert "resource NAME: a handle to the resource variable NAME" in legend(source)
    assert re.search(r"op_0_1 \[label=<<B>VAR_HANDLE</B>.*Variable", source)  # the handle op names it too


def test_heat_and_fill_marks_recolour_ops_and_clusters_outline_partitions() -> None:
    model = tfl_inspect.load(sample("upsampling_static.tflite"))
    marks = [
        Mark(0, op=1, heat=1.0, cluster="GPU partition 0"),
        Mark(0, op=2, fill="#abcdef", cluster="GPU partition 0"),
        Mark(0, op=3, cluster="CPU"),
    ]
    source = dot.to_dot(model, marks=marks)
    assert re.search(r'op_0_1 \[.*fillcolor="' + heat_color(1.0), source)
    assert re.search(r'op_0_2 \[.*fillcolor="#abcdef"', source)
    part = source.split("subgraph cluster_0_part_0 {")[1].split("}")[0]
    assert "GPU partition 0" in part and "op_0_1 [" in part and "op_0_2 [" in part and "op_0_3 [" not in part
    assert "op_0_3 [" in source.split("subgraph cluster_0_part_1 {")[1].split("}")[0]
    assert "dashed outline: ops of one partition" in legend(source)
    assert heat_color(0.0) == "#ffffff" and heat_color(5) == heat_color(1.0) != heat_color(0.5)


def test_a_long_reason_wraps_on_the_node_and_short_ids_share_a_line() -> None:
    model = tfl_inspect.load(sample("upsampling_static.tflite"))
    reason = "cannot broadcast 1x16x16x8 against 1x32x32x8: dims 1 and 2 differ and neither is 1"
    marks = [
        Mark(0, op=5, severity=Severity.WARNING, label="AAA001"),
        Mark(0, op=5, severity=Severity.WARNING, label="AAA001"),
        Mark(0, op=5, severity=Severity.ERROR, label=reason, kind="shape"),
    ]
    node = next(x for x in dot.to_dot(model, marks=marks).splitlines() if x.strip().startswith("op_0_5 ["))
    label = node.split(" class=")[0]
    assert "AAA001×2" in label and "cannot broadcast" in label and label.count("<BR/>") >= 4
    assert "finding error" in node


@needs_dot
def test_png_is_drawn_by_cairo_with_the_font_the_layout_measured(tmp_path: Path) -> None:
    assert FONT.startswith("Liberation Sans,")
    fc_match = shutil.which("fc-match")
    if fc_match:  # the first family is installed, so cairo draws with the metrics dot measured
        found = subprocess.run([fc_match, "-f", "%{family}", FONT.split(",")[0]], capture_output=True, text=True)
        if "Liberation Sans" not in found.stdout:
            pytest.skip("Liberation Sans is not installed here (fonts-liberation)")
    model = tfl_inspect.load(sample("multi_io.tflite"))
    source = dot.to_dot(model)
    svg = dot.pipe(source, "svg").decode()
    png = dot.pipe(source, "png")
    width_pt, height_pt = (float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())
    w, h = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert abs(w - width_pt * 96 / 72) <= 2 and abs(h - height_pt * 96 / 72) <= 2  # the same layout, at 96 dpi
    assert 'font-family="Liberation Sans,Arial,Helvetica,sans-serif"' in svg


def test_io_boxes_show_what_the_metadata_says() -> None:
    from tests.conftest import require_thirdparty

    models = [p for p in require_thirdparty() if p.name == "palm_detection_full.tflite"]
    if not models:
        pytest.skip("palm_detection_full.tflite not fetched")
    from tfl_inspect.exporters import dot

    text = dot.build(tfl_inspect.load(models[0])).source
    assert "x = (v - 0) / 255 (v in [0, 255] → x in [0, 1])" in text  # the input's normalization
    assert "1 labels (labels.txt): palm" in text
    assert "grey lines in an I/O box" in text


def test_a_hub_inside_a_box_is_drawn_as_references_beside_its_readers() -> None:
    """A node feeding many others inside a box (a recurrent layer's shared state here; an LLM's positions,
    mask and RoPE tables) becomes a 'from …' reference beside each reader instead of edges across the box:
    those edges made Graphviz spend seconds per box. The model's own diagram keeps its edges."""
    from tests.conftest import SAMPLES
    from tfl_inspect.exporters.dot import iter_levels

    model = tfl_inspect.load(SAMPLES / "torch" / "lstm_gru.tflite")
    levels = list(iter_levels(model, max_nodes=300))
    assert "class=ref" not in levels[0].diagram.source
    boxed = [lv for lv in levels[1:] if "class=ref" in lv.diagram.source]
    assert boxed
    for lv in boxed:
        src = lv.diagram.source
        refs = set(re.findall(r"^\s*(ref_\S+) \[", src, re.M))
        assert refs and all(re.search(rf"^\s*{re.escape(r)} -> ", src, re.M) for r in refs)
        # no edge leaves a hub any more: each of its readers has its own reference
        hubs = {r.removeprefix("ref_").rsplit("_", 1)[0] for r in refs}
        assert not any(re.search(rf"^\s*{re.escape(h)} -> ", src, re.M) for h in hubs)
