"""Graphviz diagrams of real models: every op accounted for, findings drawn, names escaped."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import (
    INTERPRETER_REFUSES,
    ROOT,
    SAMPLES,
    corpus_files,
    needs_corpus,
    needs_dot,
    require_corpus,
    sample,
    sample_models,
)
from tfl_inspect.composites import composites
from tfl_inspect.errors import ModelFormatError, TflInspectError, UsageError
from tfl_inspect.exporters import dot
from tfl_inspect.exporters.dot_defaults import DEFAULT_MAX_NODES
from tfl_inspect.exporters.dot_marks import Mark
from tfl_inspect.rules.base import Severity

pytestmark = needs_dot

SVG = "{http://www.w3.org/2000/svg}"
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"
SAFE_ID = re.compile(r"^(op|box|in|out|const|t|hidden|stub|empty)_\d+(_\d+)?$|^legend$|^cluster_\d+(_part_\d+)?$")


def mark(
    rule: str,
    severity: str,
    message: str,
    subgraph: int | None = None,
    op: int | None = None,
    tensor: int | None = None,
    related: tuple[tuple[int, int], ...] = (),
) -> Mark:
    """A finding-like mark, so drawing does not depend on which rules exist."""
    return Mark(
        subgraph,
        op,
        tensor,
        Severity(severity),
        label=rule,
        tooltip=f"{rule} ({severity}): {message}",
        related=related,
    )


def load(name: str) -> tfl_inspect.Model:
    return tfl_inspect.load(sample(name))


def corpus_model(name: str) -> tfl_inspect.Model:
    require_corpus()
    matches = [p for p in corpus_files("litert") if p.name == name]
    assert matches, f"{name} missing from the corpus"
    return tfl_inspect.load(matches[0])


def svg_of(model: tfl_inspect.Model, **options) -> tuple[dot.Diagram, ET.Element, str]:
    diagram = dot.build(model, **options)
    text = dot.pipe(diagram.source, "svg").decode("utf-8")
    return diagram, ET.fromstring(text), text


def node_groups(root: ET.Element) -> dict[str, ET.Element]:
    """SVG ``<g class="node ...">`` elements by id."""
    return {g.get("id", ""): g for g in root.iter(f"{SVG}g") if "node" in (g.get("class") or "").split()}


def node_text(group: ET.Element) -> str:
    """The label as one string, whitespace dropped (Graphviz splits text at every font change)."""
    return flat(node_lines(group))


def node_lines(group: ET.Element) -> str:
    return "\n".join("".join(t.itertext()) for t in group.iter(f"{SVG}text"))


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def node_tooltip(group: ET.Element) -> str:
    return next((a.get(XLINK_TITLE, "") for a in group.iter(f"{SVG}a")), "")


def check_every_op_accounted_for(model: tfl_inspect.Model, diagram: dot.Diagram, root: ET.Element) -> None:
    acc = diagram.accounting
    assert acc.complete
    assert acc.total_ops == sum(len(sg.operators) for sg in model.subgraphs)
    nodes = node_groups(root)
    assert len(nodes) == acc.nodes  # the budget counts what dot is really handed
    boxed = 0
    comp = composites(model)
    for (s, i), where in acc.placement.items():
        assert where in nodes, f"op {s}:{i} placed on {where!r}, which the SVG does not draw"
        top = comp.top(s) if s not in diagram.plan.subgraphs else None
        if top is not None and where:  # inside a composite's decomposition: on the composite's node (or box)
            assert where == diagram.plan.subgraphs[top.subgraph].unit[top.op]
            continue
        if where.startswith("op_") and where != f"op_{s}_{i}":  # folded into the op that reads it
            assert model.subgraphs[s].operators[i].builtin in ("DEQUANTIZE", "DENSIFY")
        elif where.startswith("op_"):
            assert model.subgraphs[s].operators[i].index == i
    for box_id, group in nodes.items():
        if box_id.startswith("box_"):
            m = re.search(r"^(\d+) ops · #", node_lines(group), re.M)
            assert m, node_lines(group)
            boxed += int(m.group(1))
    # what the drawing itself says adds up to the model's op count
    drawn = sum(1 for n in nodes if n.startswith("op_"))
    for s, sp in diagram.plan.subgraphs.items():  # a folded DEQUANTIZE sits on the node of its reader
        for d, reader in sp.folded.items():
            assert acc.placement[(s, d)] == sp.unit[reader]
            assert model.subgraphs[s].operators[d].builtin in ("DEQUANTIZE", "DENSIFY")
    assert acc.folded_ops == sum(len(sp.folded) for sp in diagram.plan.subgraphs.values())
    assert drawn + boxed + acc.folded_ops + acc.hidden_ops + acc.composite_ops == acc.total_ops
    drawn_subgraphs = diagram.plan.subgraphs
    inside = [
        sg for sg in model.subgraphs if sg.index not in drawn_subgraphs and (top := comp.top(sg.index)) is not None
        and top.subgraph in drawn_subgraphs
    ]  # fmt: skip
    assert acc.composite_ops == sum(len(sg.operators) for sg in inside)


def _render_one(path: Path) -> tuple[Path, str]:
    try:
        model = tfl_inspect.load(path)
    except ModelFormatError:
        return path, "unreadable"
    diagram, root, _ = svg_of(model)  # defaults; dot must exit 0 (pipe raises otherwise)
    check_every_op_accounted_for(model, diagram, root)
    assert diagram.accounting.hidden_ops == 0
    assert diagram.accounting.nodes <= DEFAULT_MAX_NODES
    return path, "ok"


@pytest.mark.parametrize("part", ["samples", pytest.param("corpus", marks=needs_corpus)])
def test_every_sample_and_corpus_model_renders_and_accounts_for_every_op(part: str) -> None:
    paths = corpus_files("litert") if part == "corpus" else sample_models()
    # dot runs as a subprocess, so threads overlap the layouts on the available cores.
    with ThreadPoolExecutor(max_workers=min(4, (os.cpu_count() or 2) + 1)) as pool:
        results = dict(pool.map(_render_one, paths))
    unreadable = {path.name for path, status in results.items() if status == "unreadable"}
    assert unreadable <= INTERPRETER_REFUSES, unreadable  # only files LiteRT refuses too
    assert all(status == "ok" for path, status in results.items() if path.name not in INTERPRETER_REFUSES)


def test_small_budget_collapses_by_namespace_and_boxes_say_what_they_hold() -> None:
    model = load("upsampling_static.tflite")
    diagram, root, _ = svg_of(model, max_nodes=8)
    check_every_op_accounted_for(model, diagram, root)
    boxes = {g: node_text(n) for g, n in node_groups(root).items() if g.startswith("box_")}
    titles = sorted(b.title for b in diagram.plan.subgraphs[0].boxes.values())
    assert titles == ["upsample_conv_1/upsample_1/Repeat", "upsample_conv_1/upsample_1/Repeat_1"]
    assert all("6ops" in text and "SHAPE" in text for text in boxes.values())
    assert "op_0_12" in node_groups(root)  # the lone CONV_2D stays an op node
    assert diagram.accounting.nodes <= 8


def test_edges_between_boxes_are_deduplicated() -> None:
    model = load("upsampling_static.tflite")
    source = dot.to_dot(model, max_nodes=8)
    edges = re.findall(r"^\s*(\w+) -> (\w+)", source, re.M)
    assert len(edges) == len(set(edges))


def test_budget_too_small_for_namespaces_falls_back_to_runs_of_ops() -> None:
    model = load("upsampling_static.tflite")
    diagram, root, _ = svg_of(model, max_nodes=3)
    check_every_op_accounted_for(model, diagram, root)
    (box,) = diagram.plan.subgraphs[0].boxes.values()
    assert len(box.ops) == 13 and not box.namespaced


def test_ten_thousand_op_benchmark_model_collapses_to_the_default_budget() -> None:
    path = ROOT / "benchmarks" / "models" / "ops10k.tflite"
    if not path.exists():
        pytest.skip("benchmarks/models/ops10k.tflite not generated (benchmarks/make_models.py)")
    model = tfl_inspect.load(path)
    diagram, root, _ = svg_of(model)
    check_every_op_accounted_for(model, diagram, root)
    assert diagram.accounting.nodes <= DEFAULT_MAX_NODES
    assert diagram.accounting.boxes >= 16  # stage boxes, not one box for everything


def test_ops_show_index_and_options_and_edges_show_dtype_and_dynamic_shape() -> None:
    model = load("upsampling_static.tflite")
    _, root, _ = svg_of(model)
    nodes = node_groups(root)
    assert "CONV_2D#12" in node_text(nodes["op_0_12"])
    assert "SAME" in node_text(nodes["op_0_12"])
    assert "constfloat32[8,3,3,3]" in node_text(nodes["op_0_12"])  # folded weights
    assert "image" in node_text(nodes["in_0_0"]) and "float32[?,32,32,3]" in node_text(nodes["in_0_0"])
    edge_labels = [node_text(g) for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]
    assert "float32[?,?,64,3]" in edge_labels  # the RESHAPE → CONV_2D tensor, H lost
    # the unknown dims are drawn in red
    red = [t for t in root.iter(f"{SVG}text") if t.get("fill") == "#d62728"]
    assert red and all("".join(t.itertext()) in ("?", "[*]") for t in red)


def test_signature_names_label_inputs_and_outputs() -> None:
    model = load("multi_io.tflite")
    _, root, _ = svg_of(model)
    nodes = node_groups(root)
    labels = {k: node_text(v) for k, v in nodes.items() if k.startswith(("in_", "out_"))}
    assert any("zeta" in v for v in labels.values()) and any("alpha" in v for v in labels.values())
    assert any("score" in v for k, v in labels.items() if k.startswith("out_"))
    assert any("aux" in v for k, v in labels.items() if k.startswith("out_"))


def test_quantized_tensors_show_scale_zero_point_and_per_channel_summary() -> None:
    model = load("dense_int8.tflite")
    _, root, _ = svg_of(model)
    nodes = node_groups(root)
    assert "s=0.0273zp=15" in node_text(nodes["in_0_0"])
    assert re.search(r"constint8\[64,32\]64ch\(axis0\)s=\S+…\S+zp=0", node_text(nodes["op_0_0"]))
    edge_labels = " ".join(node_text(g) for g in root.iter(f"{SVG}g") if g.get("class") == "edge")
    assert re.search(r"int8\[\?,64\]s=\S+zp=-128", edge_labels)


def test_constants_are_folded_by_default_and_drawn_on_request() -> None:
    model = load("dense_int8.tflite")
    assert "const_" not in dot.to_dot(model)
    diagram, root, _ = svg_of(model, show_constants=True, tensor_names=True)
    consts = {k: node_text(v) for k, v in node_groups(root).items() if k.startswith("const_")}
    assert len(consts) == 2
    assert all("constant" in text and "int8[" in text for text in consts.values())
    assert re.search(r"const_0_\d+ -> op_0_0", diagram.source)
    assert "constint8" not in node_text(node_groups(root)["op_0_0"])  # not also folded


def test_findings_draw_severity_border_rule_ids_and_tooltip() -> None:
    model = load("upsampling_static.tflite")
    findings = [
        mark("DYN002", "error", "RESHAPE <target> from SHAPE", subgraph=0, op=5, related=((0, 0),)),
        mark("DYN001", "info", "input 'image' has a dynamic batch", subgraph=0, tensor=0),
        mark("NAM004", "warning", "model-level: no signatures", subgraph=None),
    ]
    _, root, text = svg_of(model, marks=findings)
    nodes = node_groups(root)
    reshape = nodes["op_0_5"]
    assert "finding" in reshape.get("class", "") and "error" in reshape.get("class", "")
    assert "DYN002" in node_text(reshape)
    assert "DYN002 (error): RESHAPE <target> from SHAPE" in node_tooltip(reshape)
    assert "&lt;target&gt;" in text  # escaped in the SVG source
    border = {p.get("stroke") for p in reshape.iter() if p.get("stroke")}
    assert "#d62728" in border
    assert "DYN001" in node_text(nodes["in_0_0"])
    assert "related to DYN002" in node_tooltip(nodes["op_0_0"])
    legend = node_text(nodes["legend"])
    assert "NAM004" in legend and "1error" in legend and "1warning" in legend


def test_real_lint_findings_are_drawn() -> None:
    pytest.importorskip("tfl_inspect.rules", reason="lint rules not available")
    model = load("upsampling_static.tflite")
    findings = tfl_inspect.lint(model)
    diagram, root, _ = svg_of(model, findings=findings)
    nodes = node_groups(root)
    on_ops = [f for f in findings if f.op is not None]
    assert any(f.rule.startswith("DYN") for f in on_ops)  # the dynamic RESHAPE chain
    for f in on_ops:
        node = nodes[diagram.accounting.placement[(f.subgraph, f.op)]]
        assert f.rule in node_text(node) and f.severity.value in node.get("class", "")


def test_focus_draws_a_neighbourhood_and_counts_the_rest() -> None:
    model = load("classifier_flatten.tflite")
    diagram, root, _ = svg_of(model, focus="5", depth=1)  # the Flatten RESHAPE
    sp = diagram.plan.subgraphs[0]
    assert set(sp.ops) == {1, 4, 5, 6}  # its producers and its consumer
    assert diagram.accounting.hidden_ops == 4
    check_every_op_accounted_for(model, diagram, root)
    nodes = node_groups(root)
    # CONV_2D, SHAPE and STRIDED_SLICE feed the drawn ops; SOFTMAX comes after them
    assert "3opsupstream" in node_text(nodes["hidden_0_0"])
    assert "1opdownstream" in node_text(nodes["hidden_0_1"])
    assert {diagram.accounting.placement[(0, i)] for i in (0, 2, 3)} == {"hidden_0_0"}
    by_name = dot.build(model, focus="classifier_1/flatten_1/Reshape", depth=0)
    assert set(by_name.plan.subgraphs[0].ops) == {5, 6}  # its producer and consumer


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"focus": "99"}, "has 8 ops"),
        ({"focus": "no such tensor"}, "no op index or tensor"),
        ({"subgraph": 3}, "no subgraph 3"),
        ({"signature": "nope"}, "no signature 'nope'"),
        ({"max_nodes": 0}, "at least 1"),
    ],
)
def test_bad_selection_is_a_usage_error(options: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        dot.build(load("classifier_flatten.tflite"), **options)


@needs_corpus
def test_subgraphs_are_clusters_and_control_flow_points_to_them() -> None:
    model = corpus_model("nested_while.bin")
    diagram, root, _ = svg_of(model)
    clusters = {g.get("id") for g in root.iter(f"{SVG}g") if g.get("class") == "cluster"}
    assert clusters == {f"cluster_{s}" for s in range(5)}
    for caller, (cond, body) in {"op_0_0": (1, 2), "op_2_0": (3, 4)}.items():
        for target, role in ((cond, "cond"), (body, "body")):
            assert re.search(rf"{caller} -> in_{target}_0 \[.*label=<{role}>.*lhead=cluster_{target}", diagram.source)


@needs_corpus
def test_one_subgraph_leaves_called_ones_as_stubs() -> None:
    model = corpus_model("nested_while.bin")
    findings = [
        mark("AAA001", "error", "in the main graph", subgraph=0, op=0),
        mark("BBB002", "warning", "in the inner body", subgraph=4, op=0),
    ]
    diagram, root, _ = svg_of(model, subgraph=2, marks=findings)
    assert list(diagram.plan.subgraphs) == [2]
    assert diagram.plan.stubs == (3, 4)
    nodes = node_groups(root)
    assert "while2_body" in node_text(nodes["stub_4"]) and "notdrawn" in node_text(nodes["stub_4"])
    assert "BBB002" in node_text(nodes["stub_4"]) and "warning" in nodes["stub_4"].get("class", "")
    assert "AAA001" not in node_text(nodes["legend"])  # not a model-level finding...
    assert "1insubgraphsnotdrawn" in node_text(nodes["legend"])  # ...but counted
    acc = diagram.accounting
    assert acc.drawn_ops == 1 and acc.hidden_ops == 6 and acc.complete


@needs_corpus
def test_signature_selects_its_subgraph_and_names() -> None:
    model = corpus_model("multi_signature_model.tflite")
    for sig in model.signatures:
        diagram, root, _ = svg_of(model, signature=sig.key)
        assert list(diagram.plan.subgraphs) == [sig.subgraph]
        io_text = " ".join(node_text(g) for k, g in node_groups(root).items() if k.startswith(("in_", "out_")))
        for name in [*sig.inputs, *sig.outputs]:
            assert name in io_text


def test_shape_overrides_replace_shape_signature_in_labels() -> None:
    model = load("upsampling_static.tflite")
    _, root, _ = svg_of(model, shapes={(0, 0): (1, 32, 32, 3), (0, 24): (1, 64, 64, 3)})
    nodes = node_groups(root)
    assert "float32[1,32,32,3]" in node_text(nodes["in_0_0"])
    edge_labels = [node_text(g) for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]
    assert "float32[1,64,64,3]" in edge_labels


# -- hostile names ----------------------------------------------------------------------------

HOSTILE = (
    'q"uote\\"',
    "</text><script>alert(1)</script>",
    "new\nline\r\n",
    "}; digraph evil { x -> y",
    "back\\slash\\N\\",
    "<!-- &amp; ]]>",
)


@pytest.fixture
def hostile_model(tmp_path: Path) -> Path:
    """A converter-made model whose every name (tensors, custom op, signature, subgraph) is hostile."""
    from tests.modeledit import pack, unpack

    source = SAMPLES / "flex_select_tf.tflite"
    if not source.exists():
        pytest.skip("sample flex_select_tf.tflite not generated yet")
    m = unpack(source)
    for code in m.operatorCodes:
        if code.customCode:
            code.customCode = b"Flex" + HOSTILE[1].encode()
    sg = m.subgraphs[0]
    sg.name = HOSTILE[3].encode()
    for i, tensor in enumerate(sg.tensors):
        tensor.name = f"{HOSTILE[i % len(HOSTILE)]}/{HOSTILE[(i + 1) % len(HOSTILE)]}#{i}".encode()
    sig = m.signatureDefs[0]
    sig.signatureKey = HOSTILE[0].encode()
    for j, item in enumerate([*sig.inputs, *sig.outputs]):
        item.name = HOSTILE[(j + 2) % len(HOSTILE)].encode()
    path = tmp_path / "hostile.tflite"
    path.write_bytes(pack(m))
    return path


def test_hostile_names_cannot_break_or_inject_into_dot_or_svg(hostile_model: Path, tmp_path: Path) -> None:
    model = tfl_inspect.load(hostile_model)
    assert any("<script>" in t.name for t in model.subgraphs[0].tensors)
    findings = [
        mark("DYN001", "warning", f"tensor {t.name!s} is odd", subgraph=0, tensor=t.index)
        for t in model.subgraphs[0].tensors
    ] + [mark("NAM001", "info", HOSTILE[1] + HOSTILE[2])]
    options = {"marks": findings, "tensor_names": True, "show_constants": True}
    dot_path = dot.render(model, tmp_path / "hostile.dot", **options)
    svg_path = dot.render(model, tmp_path / "hostile.svg", **options)

    # The DOT parses, and has exactly the nodes we meant (nothing injected by `}; digraph ...`).
    layout = subprocess.run(["dot", "-Tjson"], input=dot_path.read_bytes(), capture_output=True, check=True)
    names = {obj["name"] for obj in json.loads(layout.stdout).get("objects", [])}
    assert names and all(SAFE_ID.match(n) for n in names), names

    # The SVG is well-formed XML with no markup of ours beyond Graphviz's own elements.
    text = svg_path.read_text("utf-8")
    assert "<script" not in text.lower()
    comments = re.findall(r"<!--(.*?)-->", text, re.S)[1:]  # after Graphviz's "Generated by" line
    assert all(re.fullmatch(r" (Title: model Pages: 1|[\w&#;]+) ", c) for c in comments), comments
    root = ET.fromstring(text)
    allowed = {"svg", "g", "title", "polygon", "polyline", "path", "ellipse", "text", "a"}
    assert {el.tag.replace(SVG, "") for el in root.iter()} <= allowed
    for el in root.iter():
        assert not any(k.lower().startswith("on") for k in el.attrib)
        if "id" in el.attrib:
            assert re.match(r"^(a_)?[\w]+$", el.attrib["id"]), el.attrib["id"]
    # ...and the hostile text comes back as text: in tooltips and in labels.
    titles = " ".join(a.get(XLINK_TITLE, "") for a in root.iter(f"{SVG}a"))
    assert "</text><script>alert(1)</script>" in titles
    labels = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "<script>" in labels and "digraph evil" in labels


# -- output and Graphviz ----------------------------------------------------------------------


def test_dot_output_works_without_graphviz_and_other_formats_explain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = load("dense_float32.tflite")
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere
    out = dot.render(model, tmp_path / "m.dot")
    assert out.read_text("utf-8").startswith("digraph model {")
    with pytest.raises(TflInspectError, match="apt-get install graphviz"):
        dot.render(model, tmp_path / "m.svg")
    assert not (tmp_path / "m.svg").exists()


def test_dot_that_hangs_is_stopped_by_the_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "dot"
    fake.write_text(f"#!/bin/sh\nexec {shutil.which('sleep')} 30\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(TflInspectError, match=r"did not finish within 0\.3 s"):
        dot.render(load("dense_float32.tflite"), tmp_path / "m.svg", timeout=0.3)


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_each_format_is_written(tmp_path: Path, fmt: str) -> None:
    out = dot.render(load("dense_float32.tflite"), tmp_path / f"m.{fmt}")
    magic = {"svg": b"<?xml", "png": b"\x89PNG", "pdf": b"%PDF"}[fmt]
    assert out.read_bytes().startswith(magic)


def test_unknown_suffix_and_missing_directory_are_usage_errors(tmp_path: Path) -> None:
    model = load("dense_float32.tflite")
    with pytest.raises(UsageError, match="cannot tell the output format"):
        dot.render(model, tmp_path / "m.jpg")
    with pytest.raises(UsageError, match="does not exist"):
        dot.render(model, tmp_path / "missing" / "m.svg")


def test_notebook_repr_is_an_svg() -> None:
    svg = load("dense_float32.tflite")._repr_svg_()
    assert svg is not None and "<svg" in svg and "FULLY_CONNECTED" in svg


def test_top_level_render_api(tmp_path: Path) -> None:
    out = tfl_inspect.render(load("dense_float32.tflite"), tmp_path / "m.svg", tensor_names=True)
    assert "serving_default_features:0" in out.read_text("utf-8")


def overlay(model: tfl_inspect.Model, image: str) -> dot.ShapeOverlay:
    return dot.shape_overlay(tfl_inspect.infer_shapes(model, inputs={"image": image}), f"image={image}")


def test_input_shapes_are_inferred_and_the_failing_op_shows_why_on_the_node() -> None:
    model = load("classifier_flatten.tflite")
    _, root, _ = svg_of(model, overlay=overlay(model, "1x64x64x3"))
    nodes = node_groups(root)
    assert "float32[1,64,64,3]" in node_text(nodes["in_0_0"])
    reshape = nodes["op_0_5"]  # Flatten's RESHAPE: 2048 values into [1, 512]
    assert "error" in reshape.get("class", "")
    assert "cannotreshape1x16x16x8(2048values)" in node_text(reshape)  # the reason, on the node itself
    assert "cannot reshape" in node_tooltip(reshape) and "Flatten" in node_tooltip(reshape)  # and the hint
    edge_labels = [node_text(g) for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]
    assert "float32[1,16,16,8]" in edge_labels
    legend = node_text(nodes["legend"])
    assert "theyfailatop#5" in legend and "shapefailures:1error" in legend
    assert "whytheopcannottakethegiveninputshapes" in legend


def test_input_shapes_that_fit_draw_no_failure() -> None:
    model = load("classifier_flatten.tflite")
    diagram, root, _ = svg_of(model, overlay=overlay(model, "8x32x32x3"))
    assert "finding" not in diagram.source
    assert "float32[8,10]" in node_text(node_groups(root)["out_0_14"])
    assert "theyfit" in node_text(node_groups(root)["legend"])


def test_top_level_render_runs_lint_and_inference_for_the_caller(tmp_path: Path) -> None:
    model = load("classifier_flatten.tflite")
    out = tfl_inspect.render(model, tmp_path / "m.dot", lint=True, inputs={"image": (1, 64, 64, 3)})
    text = out.read_text("utf-8")
    assert "image=1x64x64x3" in text and "cannot reshape" in text
    assert all(f.rule in text for f in tfl_inspect.lint(model) if f.op is not None)


def test_notebook_display_goes_through_the_core_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    from tfl_inspect import hooks

    model = load("dense_float32.tflite")
    monkeypatch.setattr(hooks, "_svg", [lambda m: f"<svg>{len(m.subgraphs)}</svg>"])
    assert model._repr_svg_() == "<svg>1</svg>"
    monkeypatch.setattr(hooks, "_svg", [])
    assert model._repr_svg_() is None
