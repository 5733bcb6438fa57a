"""The HTML report page: self-contained, deterministic, and hostile names stay inert text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import tfl_inspect
from tfl_inspect.escape import script_json
from tfl_inspect.exporters.html_report import ReportInput, index_page, model_page, report_data, scope_of

from ..conftest import sample


def _page(name: str) -> str:
    model = tfl_inspect.load(sample(name))
    return model_page(ReportInput(model, tfl_inspect.lint(model)))


def test_embedded_json_cannot_end_its_script_block() -> None:
    hostile = {"name": "</script><script>alert(1)</script><!--", "sep": "\u2028", "amp": "&"}
    text = script_json(hostile)
    assert "</" not in text and "<!--" not in text and "\u2028" not in text and "&" not in text
    assert json.loads(text) == hostile


def test_page_has_no_external_reference() -> None:
    page = _page("upsampling_static.tflite")
    # Only the SVG/XLink namespace names may look like URLs; nothing is fetched from them.
    urls = set(re.findall(r"(?:https?:)?//[^\s\"'<>)]+", page)) - {
        "//www.w3.org/2000/svg",
        "//www.w3.org/1999/xlink",
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }
    assert not urls, urls
    assert not re.search(r"<(?:link|img|iframe|object|embed)\b", page)
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert "default-src 'none'" in page


def test_same_input_gives_the_same_bytes() -> None:
    assert _page("multi_io.tflite") == _page("multi_io.tflite")


def test_data_lists_every_op_and_finding() -> None:
    model = tfl_inspect.load(sample("upsampling_static.tflite"))
    findings = tfl_inspect.lint(model)
    data = report_data(ReportInput(model, findings))
    assert [o["id"] for o in data["ops"]] == [f"op_0_{i}" for i in range(len(model.subgraphs[0].operators))]
    assert [f["rule"] for f in data["findings"]] == [f.rule for f in findings]
    assert data["ops"][0]["scope"] == "upsample_conv_1/upsample_1/Repeat"


@pytest.mark.parametrize(
    ("name", "scope"),
    [
        ("model/block_3/conv/Conv2D", "model/block_3/conv"),
        ("x", ""),
        ("a/b;a/c", "a"),
        ("", ""),
        ("/layer1/layer1.0/relu/Relu", "layer1.0.relu"),
        ("torchaudio.models.conformer.ConformerLayer;4", ""),  # a PyTorch model's root module
    ],
)
def test_scope_of(name: str, scope: str) -> None:
    assert scope_of(name) == scope


def test_index_escapes_names_and_sorts_numerically() -> None:
    page = index_page(
        "</title><script>",
        [
            {
                "name": "<b>x</b>.tflite",
                "page": "x.html",
                "ops": 12,
                "size": 3,
                "scheme": "float32",
                "errors": 0,
                "warnings": 1,
                "targets": [],
            },
            {"name": "bad.tflite", "page": None, "error": "<img src=x onerror=alert(1)>"},
        ],
    )
    assert "<script>" not in page.split("<script>", 1)[0] + page.rsplit("</script>", 1)[-1]
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "&lt;img src=x" in page
    assert "data-v='12'" in page


def test_every_sample_renders(tmp_path: Path) -> None:
    from ..conftest import sample_models

    for path in sample_models():
        model = tfl_inspect.load(path)
        page = model_page(ReportInput(model, tfl_inspect.lint(model)))
        assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")


@pytest.mark.parametrize("name", ["flex_select_tf.tflite", "dense_float16.tflite", "dense_int8.tflite"])
def test_whole_or_nothing_targets_load_or_name_the_op_the_load_stops_at(name: str) -> None:
    from tfl_inspect.exporters.compat_json import to_json_dict
    from tfl_inspect.exporters.html_report import compat_verdict
    from tfl_inspect.targets import compat

    report = compat(tfl_inspect.load(sample(name)))
    doc = to_json_dict(report)
    for target, t in report.targets.items():
        good, text = compat_verdict(doc["targets"][target])
        assert good == t.whole_model
        if not t.loads_whole:
            assert text == "whole model" if good else text.startswith("partial: ")
            continue
        if t.whole_model:
            assert text == "loads"
            continue
        s, i = t.first_blocker or (None, None)
        verdict = t.verdict(s, i) if s is not None and i is not None else None
        assert verdict is not None and "partial" not in text
        assert text == f"won't load: op {i} {verdict.opcode}: {verdict.reasons[0].message}"
