"""`tfl-inspect inspect`: the summary and I/O contract a deployer reads first."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import SAMPLES, run_cli
from tests.modeledit import pack, unpack
from tfl_inspect.exporters.blocks import emit
from tfl_inspect.exporters.model_text import inspect_blocks


def test_summary_names_ops_weights_scheme_and_converter() -> None:
    out = run_cli("inspect", SAMPLES / "dense_int8.tflite").out
    assert "FULLY_CONNECTED ×2" in out
    assert "INT8" in out and "full integer" in out
    assert "TensorFlow 2." in out and "PTQ_FULL_INTEGER" in out
    assert "Min runtime" in out


def test_io_contract_shows_dynamic_dims_and_formulas() -> None:
    out = run_cli("inspect", SAMPLES / "dense_int8.tflite").out
    assert "[1, 32]" in out and "[-1, 32]  (dim 0 dynamic)" in out
    assert "q = clamp(round(x / " in out and "-128, 127)" in out  # quantize the input
    assert "x = 0.00390625 * (q + 128)" in out  # dequantize the softmax output
    assert "resize_tensor_input" in out


def test_signature_order_difference_is_said() -> None:
    out = run_cli("inspect", SAMPLES / "multi_io.tflite").out
    lines = [line for line in out.splitlines() if line.startswith(("input", "output"))]
    assert [line.split()[1] for line in lines] == ["alpha", "zeta", "aux", "score"]
    assert "another order than the subgraph" in out
    assert "get_input_details(): 'serving_default_zeta:0', 'serving_default_alpha:0'" in out


def test_show_tables_and_subgraph_selection() -> None:
    out = run_cli("inspect", SAMPLES / "flex_select_tf.tflite", "--show", "all").out
    for title in ("Operators of subgraph 0", "Tensors of subgraph 0", "Buffers (non-empty)", "Metadata"):
        assert title in out
    assert "TF op MatrixDeterminant" in out
    assert "CONVERSION_METADATA" in out
    only_ops = run_cli("inspect", SAMPLES / "dense_float32.tflite", "--show", "ops", "--subgraph", "0").out
    assert "Operators of subgraph 0" in only_ops and "Tensors of subgraph" not in only_ops


def test_plain_when_piped_rich_on_a_terminal() -> None:
    model = tfl_inspect.load(SAMPLES / "multi_io.tflite")
    plain, rich = io.StringIO(), io.StringIO()
    emit(inspect_blocks(model, {"ops"}), plain, rich=False)
    emit(inspect_blocks(model, {"ops"}), rich, rich=True)
    assert "serving_default_alpha:0" in plain.getvalue() and "serving_default_alpha:0" in rich.getvalue()
    assert "━" in rich.getvalue() or "─" in rich.getvalue()  # rich draws table rules
    assert "─" not in plain.getvalue() and "━" not in plain.getvalue()


HOSTILE = 'evil"\n\x1b[31m[bold]<script>alert(1)</script>}{\\'


def test_hostile_names_are_escaped_in_text(tmp_path: Path) -> None:
    m = unpack(SAMPLES / "multi_io.tflite")
    m.subgraphs[0].tensors[0].name = HOSTILE.encode()
    m.signatureDefs[0].inputs[0].name = HOSTILE.encode()
    path = tmp_path / "hostile.tflite"
    path.write_bytes(pack(m))
    model = tfl_inspect.load(path)
    assert model.subgraphs[0].tensors[0].name == HOSTILE
    for rich in (False, True):
        buf = io.StringIO()
        emit(inspect_blocks(model, {"ops", "tensors"}), buf, rich=rich)
        text = buf.getvalue()
        assert "\x1b[31m" not in text  # no terminal escape from the model reaches the terminal
        assert "\\x1b[31m[bold]<script>" in text  # shown, escaped, markup not interpreted
        assert 'evil"\n' not in text


def test_json_escapes_by_construction(tmp_path: Path) -> None:
    import json

    m = unpack(SAMPLES / "multi_io.tflite")
    m.subgraphs[0].tensors[0].name = HOSTILE.encode()
    path = tmp_path / "hostile.tflite"
    path.write_bytes(pack(m))
    result = run_cli("inspect", path, "--format", "json")
    assert "\x1b" not in result.out and json.loads(result.out)["subgraphs"][0]["tensors"][0]["name"] == HOSTILE


def test_list_valued_options_are_shown(corpus: Path) -> None:
    """TOCO-era RESHAPE keeps new_shape in its options: --show ops used to crash hashing the list."""
    model = corpus / "litert/tflite/converter/quantization/lite/testdata/mixed.bin"
    result = run_cli("inspect", model, "--show", "ops")
    assert result.code == 0, result.err
    assert "new_shape=[" in result.out and "squeeze_dims=[" in result.out


def test_streaming_model_shows_state_and_persistence() -> None:
    from tests.conftest import thirdparty_models

    models = [p for p in thirdparty_models() if p.parent.name == "pymicro-wakeword"]
    if not models:
        pytest.skip("pymicro-wakeword models not fetched: run python tests/fetch_models.py")
    out = run_cli("inspect", models[0]).out
    assert "State: 6 resource variable(s)" in out and "init subgraph #1" in out
    assert "state persists across invoke() calls" in out
