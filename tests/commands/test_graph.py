"""``tfl-inspect graph``: files written, options passed through, errors as one line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import needs_dot, run_cli, run_cli_process, sample

pytestmark = needs_dot


def test_writes_svg_and_says_where_every_op_went(tmp_path: Path) -> None:
    out = tmp_path / "up.svg"
    r = run_cli("graph", sample("upsampling_static.tflite"), "-o", out)
    assert r.code == 0, r.err
    assert r.out.strip() == f"wrote {out}: 13 ops (13 drawn)"
    assert "<svg" in out.read_text("utf-8")


def test_default_output_is_the_model_name_as_svg_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = run_cli("graph", sample("dense_int8.tflite"))
    assert r.code == 0, r.err
    assert (tmp_path / "dense_int8.svg").read_bytes().startswith(b"<?xml")


def test_lint_draws_findings_in_the_svg(tmp_path: Path) -> None:
    out = tmp_path / "up.svg"
    r = run_cli("graph", sample("upsampling_static.tflite"), "--lint", "-o", out)
    assert r.code == 0, r.err  # drawing findings is not a failed check
    svg = out.read_text("utf-8")
    assert re.search(r'class="node op finding (warning|error|info)"', svg)
    assert "DYN002" in svg


def test_dot_to_stdout_with_the_drawing_options(tmp_path: Path) -> None:
    r = run_cli(
        "graph",
        sample("classifier_flatten.tflite"),
        "-o",
        "-",
        "--format",
        "dot",
        "--focus",
        "5",
        "--depth",
        "1",
        "--show-constants",
        "--tensor-names",
    )
    assert r.code == 0, r.err
    assert r.out.startswith("digraph model {")
    assert "op_0_5 [" in r.out and "op_0_0 [" not in r.out  # outside the neighbourhood
    assert "hidden_0_0 [" in r.out and "const_0_" in r.out
    assert "classifier_1/flatten_1/Reshape" in r.out  # tensor names drawn


def test_collapse_option_reaches_the_layout(tmp_path: Path) -> None:
    out = tmp_path / "up.dot"
    r = run_cli("graph", sample("upsampling_static.tflite"), "--max-nodes", "8", "-o", out)
    assert r.code == 0, r.err
    assert r.out.strip().endswith("13 ops (1 drawn, 12 in 2 boxes)")
    assert out.read_text("utf-8").count("box_0_") >= 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-o", "x.jpg"), "cannot tell the output format"),
        (("--focus", "nope", "-o", "x.svg"), "no op index or tensor named 'nope'"),
        (("--signature", "nope", "-o", "x.svg"), "no signature 'nope'"),
        (("--subgraph", "7", "-o", "x.svg"), "no subgraph 7"),
        (("--select", "NOPE1", "-o", "x.svg"), "unknown rule or family"),
        (("-o", "missing-dir/x.svg"), "does not exist"),
    ],
)
def test_bad_requests_are_one_line_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    r = run_cli("graph", sample("classifier_flatten.tflite"), *args)
    assert r.code == 2
    assert r.err.count("\n") == 1 and message in r.err and "Traceback" not in r.err


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_max_nodes_must_be_a_positive_number(value: str) -> None:
    r = run_cli("graph", sample("dense_float32.tflite"), "--max-nodes", value)
    assert r.code == 2 and "--max-nodes" in r.err


def test_unreadable_model_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"\x00" * 64)
    r = run_cli("graph", bad, "-o", tmp_path / "x.svg")
    assert r.code == 2 and r.err.startswith("tfl-inspect: error:") and "Traceback" not in r.err


def test_without_graphviz_dot_output_works_and_svg_explains(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    ok = run_cli("graph", sample("dense_float32.tflite"), "-o", tmp_path / "m.dot")
    assert ok.code == 0 and (tmp_path / "m.dot").exists()
    r = run_cli("graph", sample("dense_float32.tflite"), "-o", tmp_path / "m.svg")
    assert r.code == 2
    assert "install Graphviz (apt-get install graphviz, brew install graphviz)" in r.err


def test_installed_command_writes_png(tmp_path: Path) -> None:
    out = tmp_path / "m.png"
    r = run_cli_process("graph", sample("multi_io.tflite"), "-o", out)
    assert r.code == 0, r.err
    assert out.read_bytes().startswith(b"\x89PNG")


def test_input_shape_option_marks_the_failing_op_with_its_reason(tmp_path: Path) -> None:
    r = run_cli(
        "graph", sample("classifier_flatten.tflite"), "--input", "image=1x64x64x3", "-o", "-", "--format", "dot"
    )
    assert r.code == 0, r.err
    line = next(x for x in r.out.splitlines() if x.strip().startswith("op_0_5 ["))
    assert "finding error" in line and "cannot reshape 1x16x16x8" in line.split("tooltip=")[0]
    assert "SHAPE_FAIL" not in r.out  # no fake rule id


@pytest.mark.parametrize(("value", "message"), [("image", "expected NAME=SHAPE"), ("nope=1x2", "nope")])
def test_bad_input_option_is_a_one_line_error(value: str, message: str) -> None:
    r = run_cli("graph", sample("classifier_flatten.tflite"), "--input", value, "-o", "-", "--format", "dot")
    assert r.code == 2 and message in r.err and "Traceback" not in r.err


def test_color_macs_fills_ops_by_their_profile(tmp_path: Path) -> None:
    from tfl_inspect.profiling import heat

    out = tmp_path / "heat.dot"
    result = run_cli("graph", sample("classifier_flatten.tflite"), "--color", "macs", "-o", out)
    assert result.code == 0, result.err
    text = out.read_text()
    values = heat(tfl_inspect.load(sample("classifier_flatten.tflite")), "macs")
    top = max(values, key=lambda k: values[k])
    assert top == (0, 0)  # the convolution does most of the work
    assert f"{values[top]:,.0f} MACs" in text
    assert "heat from white (low) through yellow to red (high)" in text


def test_diff_colours_ops_by_what_changed_and_by_error(tmp_path: Path) -> None:
    out = tmp_path / "diff.dot"
    a, b = sample("dense_float32.tflite"), sample("dense_int8_float_io.tflite")
    result = run_cli("graph", a, "--diff", b, "-o", out)
    assert result.code == 0, result.err
    assert out.read_text().count(f"changed in {b}") == 3  # every float op became an int8 op
    result = run_cli("graph", a, "--diff", b, "--diff-run", "-o", out)
    assert result.code == 0, result.err
    assert len(re.findall(r"output SQNR \d+\.\d dB", out.read_text())) == 3
    assert run_cli("graph", a, "--diff-run", "-o", out).code == 2
    if shutil.which("dot") is not None:  # the legend's "red < 20 dB" is escaped: Graphviz lays it out
        svg = tmp_path / "diff.svg"
        result = run_cli("graph", a, "--diff", b, "-o", svg)
        assert result.code == 0, result.err
        assert "red &lt; 20 dB" in svg.read_text()


def test_target_colours_verdicts_and_outlines_partitions(tmp_path: Path) -> None:
    out = tmp_path / "xnnpack.dot"
    result = run_cli("graph", sample("upsampling_static_batch1.tflite"), "--target", "xnnpack", "-o", out)
    assert result.code == 0, result.err
    text = out.read_text()
    # XNNPACK takes RESHAPE and CONV_2D but not TILE: three partitions around two CPU ops
    assert len(set(re.findall(r"xnnpack partition (\d+)", text))) == 3
    assert text.count("xnnpack: unsupported (runs on the CPU)") == 2
    assert "green runs on the target" in text
    bad = run_cli("graph", sample("upsampling_static_batch1.tflite"), "--target", "tpu", "-o", out)
    assert bad.code == 2 and "known targets are" in bad.err
