"""The label and escaping helpers every diagram's model text goes through."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.conftest import needs_dot
from tfl_inspect.exporters.dot_plan import namespace
from tfl_inspect.exporters.dot_style import (
    family,
    h,
    options_text,
    quant_text,
    shape_html,
    shape_text,
    shorten,
    shorten_path,
    tooltip,
)
from tfl_inspect.model import Operator, Quantization, Tensor

pytestmark = needs_dot

HOSTILE = [
    'quote " and \\" escaped',
    "</text><script>alert(1)</script>",
    "line1\nline2\r\n",
    "}; digraph evil { x",
    "back\\slash \\N \\G \\",
    "&amp; &#10; <!-- -->",
    "\x1b[31mred\x00",
]


def _tensor(shape_signature: tuple[int, ...], has_rank: bool = True, **kw) -> Tensor:
    shape = tuple(max(d, 1) for d in shape_signature)
    return Tensor(0, 0, "t", kw.pop("dtype", "FLOAT32"), shape, shape_signature, has_rank, **kw)


@pytest.mark.parametrize("text", HOSTILE)
def test_h_leaves_no_markup_backslash_or_control_character(text: str) -> None:
    out = h(text)
    assert not re.search(r"[<>\"\\\x00-\x1f]", out)
    # only the entities we put there: &amp; &lt; &gt; &quot; &#x27; &#92;
    assert set(re.findall(r"&[#\w]+;", out)) <= {"&amp;", "&lt;", "&gt;", "&quot;", "&#x27;", "&#92;"}


def test_h_of_empty_text_is_visible_because_graphviz_rejects_empty_elements() -> None:
    assert h("") == "(empty)"


@pytest.mark.parametrize("text", HOSTILE)
def test_tooltip_cannot_end_the_quoted_dot_string(text: str) -> None:
    out = tooltip([text, "second line"])
    # no raw quote, no odd run of backslashes that could escape the closing quote
    assert '"' not in out and "<" not in out
    assert all(len(run) % 2 == 0 for run in re.findall(r"\\+", out))
    assert "&#10;" in out  # lines joined with an XML newline, not a raw newline
    assert "\n" not in out


def test_hostile_labels_and_tooltips_parse_as_dot() -> None:
    """Each helper's output, put where the renderer puts it, is one node for dot."""
    import graphviz

    g = graphviz.Digraph()
    for i, text in enumerate(HOSTILE):
        g.node(f"n{i}", label=f"<<B>{h(text)}</B>>", tooltip=tooltip([text]))
    proc = subprocess.run(["dot", "-Tcanon"], input=g.source, capture_output=True, text=True, check=True)
    assert len(re.findall(r"^\s*n\d+\s+\[", proc.stdout, re.M)) == len(HOSTILE)


def test_shorten_keeps_both_ends() -> None:
    name = "functional_1/" + "x" * 80 + "/convolution"
    short = shorten(name, 30)
    assert len(short) == 30 and short.startswith("functional_1") and short.endswith("convolution")


def test_shorten_path_keeps_the_layer_name() -> None:
    path = "torchaudio.models.conformer.ConformerLayer/torch.nn.modules.container.Sequential_sequential/LayerNorm_0"
    out = shorten_path(path, 48)
    assert out.startswith("…/") and out.endswith("LayerNorm_0") and len(out) <= 48


def test_dynamic_dims_and_unknown_rank_are_red() -> None:
    assert shape_text(_tensor((-1, 32, 32, 3))) == "[?,32,32,3]"
    assert shape_html(_tensor((-1, 4))).count('<FONT COLOR="#d62728"><B>?</B></FONT>') == 1
    assert "[*]" in shape_html(_tensor((), has_rank=False))
    assert shape_text(_tensor((), has_rank=True)) == "[]"  # a scalar, not unknown


def test_shape_override_replaces_the_signature() -> None:
    t = _tensor((-1, 32))
    assert shape_text(t, (8, 32)) == "[8,32]"
    assert "?" not in shape_html(t, (8, 32))


def test_per_tensor_quantization_shows_scale_and_zero_point() -> None:
    assert quant_text(Quantization(scale=(0.02732,), zero_point=(15,))) == "s=0.0273 zp=15"


def test_per_channel_quantization_is_summarised_as_count_and_range() -> None:
    q = Quantization(scale=tuple(0.001 * (i + 1) for i in range(64)), zero_point=(0,) * 64, quantized_dimension=0)
    assert quant_text(q) == "64 ch (axis 0) s=0.001…0.064 zp=0"


def test_calibration_only_min_max_is_not_quantization() -> None:
    assert quant_text(Quantization(min=(-1.0,), max=(1.0,))) == ""


def test_blockwise_quantization_names_its_block_size() -> None:
    q = Quantization(details={"type": "BlockwiseQuantization", "scales": 3, "zero_points": -1, "block_size": 32})
    assert quant_text(q) == "BlockwiseQuantization 32"


def test_options_show_what_changes_the_computation_and_skip_defaults() -> None:
    conv = Operator(
        0,
        0,
        "CONV_2D",
        "CONV_2D",
        options={
            "padding": "SAME",
            "stride_w": 2,
            "stride_h": 2,
            "dilation_w_factor": 1,
            "dilation_h_factor": 1,
            "fused_activation_function": "RELU6",
        },
    )
    assert options_text(conv) == ["stride 2×2", "SAME", "RELU6"]
    plain = Operator(0, 1, "ADD", "ADD", options={"fused_activation_function": "NONE", "pot_scale_int16": True})
    assert options_text(plain) == []
    concat = Operator(0, 2, "CONCATENATION", "CONCATENATION", options={"axis": -1})
    assert options_text(concat) == ["axis -1"]


def test_dtype_families_follow_the_legend() -> None:
    assert [family(d) for d in ("FLOAT32", "FLOAT16", "INT8", "UINT8", "INT16", "INT32", "FLOAT64", "BOGUS")] == [
        "float32",
        "float16",
        "int8",
        "int8",
        "int16",
        "other",
        "other",
        "other",
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("functional_1/conv2d_1_2/convolution", ("functional_1", "conv2d_1_2")),
        ("stage_0/block_3/MatMul;stage_0/block_3/relu;stage_0/block_3/add", ("stage_0", "block_3")),
        ("StatefulPartitionedCall_1:0", ()),
        ("model/dense/BiasAdd:0", ("model", "dense")),
        ("", ()),
    ],
)
def test_namespace_is_the_layer_path_of_the_first_fused_name(name: str, expected: tuple[str, ...]) -> None:
    assert namespace(name) == expected


@pytest.mark.parametrize("name", ["back\\slash", "node\\N name\\G", "trailing\\", 'quote\\"d'])
def test_backslashes_come_out_of_dot_as_written(name: str) -> None:
    """Graphviz expands \\N, \\G, \\\\ in labels and tooltips; the helpers undo that exactly."""
    import xml.etree.ElementTree as ET

    import graphviz

    g = graphviz.Digraph()
    g.node("n", label=f"<{h(name)}>", tooltip=tooltip([name]))
    svg = ET.fromstring(subprocess.run(["dot", "-Tsvg"], input=g.source, capture_output=True, text=True).stdout)
    ns = "{http://www.w3.org/2000/svg}"
    assert [t.text for t in svg.iter(f"{ns}text")] == [name]
    titles = [a.get("{http://www.w3.org/1999/xlink}title") for a in svg.iter(f"{ns}a")]
    assert titles == [name]
