"""--run numbers against two independent oracles on the same inputs.

- ai-edge-quantizer's ``model_validator.compare_model`` (name-matched tensors, MSE and cosine),
  run without XNNPACK like tfl-inspect: our RMSE² and cosine equal its MSE and cosine.
- TensorFlow's ``QuantizationDebugger`` (tests/compare/make_models.py, same representative data):
  its per-layer mean squared error equals our ``local_mse`` (each layer's own error).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tfl_inspect import load
from tfl_inspect.compare import diff

pytest.importorskip("ai_edge_litert")


def _rel(x: float, y: float) -> float:
    return abs(x - y) / max(abs(x), abs(y), 1e-30)


def test_matches_ai_edge_quantizer_compare_model(oracle: Path) -> None:
    validator = pytest.importorskip("ai_edge_quantizer.model_validator")
    from ai_edge_quantizer.utils import validation_utils as vu

    data = np.load(oracle / "repr.npz")["image"]
    a, b = oracle / "float.tflite", oracle / "int8_float_io.tflite"
    theirs = validator.compare_model(
        a.read_bytes(),
        b.read_bytes(),
        {"serving_default": [{"image": x} for x in data]},
        error_metrics=[vu.ValidationErrorMetric.MSE, vu.ValidationErrorMetric.COSINE_SIMILARITY],
        use_xnnpack=False,
        num_threads=1,
    ).get_all_tensor_results()
    ours = diff(a, b, run=True, inputs=oracle / "repr.npz", local=False)
    assert ours.numeric is not None and ours.numeric.samples == len(data)
    names = {p.a for p in ours.alignment.pairs if p.how == "name"}
    compared = 0
    for e in ours.numeric.tensors:
        if e.a_tensor not in names or e.name not in theirs:
            continue
        compared += 1
        mse, cos = theirs[e.name]["mse"], theirs[e.name]["cosine_similarity"]
        if mse == 0:
            assert e.rmse == 0
        else:
            assert _rel(e.rmse**2, mse) <= 1e-6, (e.name, e.rmse**2, mse)
        assert _rel(e.cosine, cos) <= 1e-6, (e.name, e.cosine, cos)
    # Every activation of the float model that compare_model could match by name was compared.
    assert compared >= 8


def _debugger_layers(oracle: Path, stats_file: str) -> dict[int, float]:
    """Float-model tensor index -> QuantizationDebugger MSE of the layer that writes it.

    The k-th NumericVerify op checks the k-th quantized op of the debug model, which is the k-th op
    of the float model (both in execution order); the op types are checked to agree.
    """
    stats = json.loads((oracle / stats_file).read_text())
    debug = load(oracle / "qdebug_model.tflite").subgraphs[0]
    float_ops = load(oracle / "float.tflite").subgraphs[0].operators
    verified = []
    for op in debug.operators:
        if op.opcode == "NumericVerify":
            checked = debug.producer_op(op.inputs[0])
            assert checked is not None
            verified.append((checked.opcode, stats[debug.tensors[op.outputs[0]].name]["mean_squared_error"]))
    assert [o for o, _ in verified] == [op.opcode for op in float_ops]
    return {op.outputs[0]: mse for op, (_, mse) in zip(float_ops, verified, strict=True)}


@pytest.mark.parametrize(("stats_file", "tolerance"), [("qdebug.json", 1e-6), ("qdebug_tf.json", 1e-5)])
def test_layer_error_matches_quantization_debugger(oracle: Path, stats_file: str, tolerance: float) -> None:
    """qdebug.json: the debugger on LiteRT (our runtime); qdebug_tf.json: on TensorFlow's own interpreter,
    whose float kernels round differently in the last bits (hence 1e-5)."""
    layers = _debugger_layers(oracle, stats_file)
    ours = diff(oracle / "float.tflite", oracle / "int8_float_io.tflite", run=True, inputs=oracle / "repr.npz")
    assert ours.numeric is not None
    by_tensor = {e.a_tensor: e for e in ours.numeric.tensors}
    assert set(layers) <= set(by_tensor), set(layers) - set(by_tensor)
    for t, mse in layers.items():
        name = by_tensor[t].name
        got = by_tensor[t].local_mse
        assert got is not None, name
        if mse == 0:
            assert got == 0, name
        else:
            assert _rel(got, mse) <= tolerance, (name, got, mse)


def test_int8_io_sees_the_same_real_inputs(oracle: Path) -> None:
    r = diff(oracle / "float.tflite", oracle / "int8_int8_io.tflite", run=True, samples=3, seed=7)
    n = r.numeric
    assert n is not None and n.samples == 3 and n.inputs_from == "random"
    (inp,) = [e for e in n.tensors if e.name == "serving_default_image:0"]
    assert inp.max_abs < 1e-6  # quantized with the input's own scale: same real values up to float32 rounding
    (out,) = [e for e in n.tensors if e.is_output]
    assert n.tensors[0] is out  # outputs first
    assert out.sqnr_db is not None and out.sqnr_db > 20
    assert out.steps is not None and out.steps < 8
    # The first layer is where quantization error first appears.
    assert n.first_divergence is not None
    assert n.tensors[n.first_divergence].scope == "tiny_1/stem_1"


def test_a_model_against_itself_has_no_error(oracle: Path) -> None:
    r = diff(oracle / "float.tflite", oracle / "float.tflite", run=True, samples=2)
    assert r.numeric is not None
    assert all(e.max_abs == 0 and e.sqnr_db is None and e.cosine == pytest.approx(1.0) for e in r.numeric.tensors)
    assert r.numeric.first_divergence is None


def test_stateful_and_third_party_models_against_themselves() -> None:
    """Real models (streaming wake-word models hold RESOURCE variables, which must not be read)."""
    from tests.conftest import require_thirdparty

    models = [p for p in require_thirdparty() if p.parent.name in ("pymicro-wakeword", "mediapipe")]
    picked = [p for p in models if p.stem in ("alexa", "face_detection_short_range")]
    if not picked:
        pytest.skip("the wake-word / face detection models were not fetched")
    for path in picked:
        r = diff(path, path, run=True)
        assert r.identical
        assert r.numeric is not None and r.numeric.tensors
        assert all(e.max_abs == 0 for e in r.numeric.tensors), path


def test_a_crashed_runtime_is_one_line() -> None:
    """blockwise_quantized.tflite aborts LiteRT inside allocate_tensors: one usage line, no dead CLI."""
    from tests.conftest import corpus_files, require_corpus, run_cli

    require_corpus()
    model = next((p for p in corpus_files("litert") if p.name == "blockwise_quantized.tflite"), None)
    if model is None:
        pytest.skip("blockwise_quantized.tflite is not in the corpus")
    r = run_cli("diff", model, model, "--run")
    lines = r.err.strip().splitlines()
    assert r.code == 2 and len(lines) == 1, r.err
    assert lines[0].startswith("tfl-inspect: error: LiteRT crashed (signal 6, SIGABRT) while running the models")
