"""QNT rules: converter-produced quantized models, and the same models with parameters broken on purpose."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import corpus_files, needs_corpus, require_thirdparty, sample, sample_models, thirdparty_models
from tests.rules.helpers import edited, lint, of
from tfl_inspect import load, opdefs
from tfl_inspect.errors import TflInspectError
from tfl_inspect.rules import Severity
from tfl_inspect.summary import summarize


@pytest.fixture(scope="module")
def conv_int8(converted):
    return converted("conv_int8")


def _conv_slots(path) -> tuple[int, int, int, int]:
    """(input, filter, bias, output) tensor indices of the first CONV_2D."""
    op = next(o for o in load(path).subgraphs[0].operators if o.opcode == "CONV_2D")
    return op.inputs[0], op.inputs[1], op.inputs[2], op.outputs[0]


def test_float_io_around_int8_graph() -> None:
    model = load(sample("dense_int8_float_io.tflite"))
    found = of(lint(model), "QNT001")
    assert {f.io_name for f in found} == {"features", "output_0"}
    assert {f.opcode for f in found} == {"QUANTIZE", "DEQUANTIZE"}
    assert all(f.severity is Severity.INFO and "inference_input_type" in f.fix for f in found)


@pytest.mark.parametrize("name", ["dense_int8.tflite", "dense_float32.tflite", "dense_dynamic_range.tflite"])
def test_no_qnt001_without_float_io_around_integers(name: str) -> None:
    assert of(lint(sample(name)), "QNT001") == []


def test_int8_in_uint8_probability_out_is_info() -> None:
    # The sample's uint8 output is its SOFTMAX probability with scale 1/256, zero point 0: the
    # keyword-spotter convention (issue 10), so it is info and says how to read the value.
    path = sample("dense_int8_in_uint8_out.tflite")
    out = load(path).subgraphs[0].outputs[0]
    q = load(path).tensor(0, out).quantization
    assert math.isclose(q.scale[0], 1 / 256) and q.zero_point == (0,)
    (f,) = of(lint(path), "QNT002")
    assert f.severity is Severity.INFO and "read it as q / 256" in f.message and f.io_name == "output_0"
    assert "q ≥ 128" in f.fix


def test_int8_in_uint8_out_with_other_params_warns() -> None:
    path = sample("dense_int8_in_uint8_out.tflite")
    out = load(path).subgraphs[0].outputs[0]
    (f,) = of(lint(edited(path, _set_quant(lambda m: out, scale=np.array([0.02], np.float32)))), "QNT002")
    assert f.severity is Severity.WARNING and f.message == "inputs are int8 but outputs are uint8"
    assert f.io_name == "output_0" and "inference_output_type" in f.fix


def test_keyword_spotters_uint8_probability_is_info() -> None:
    models = [p for p in require_thirdparty() if p.parent.name == "pymicro-wakeword"]
    if not models:
        pytest.skip("no pymicro-wakeword models downloaded")
    for path in models:
        found = of(lint(path), "QNT002")
        assert [f.severity for f in found] == [Severity.INFO], path


def test_outputs_in_one_of_the_input_dtypes_have_no_qnt002() -> None:
    # Found by fuzzing (tests/fuzz.py): int8 and float32 inputs, int8 outputs crashed QNT002 (exit 3).
    def edit(m) -> None:
        for t in (0, 7, 8):  # input zeta, both outputs
            m.subgraphs[0].tensors[t].type = 9  # INT8

    model = load(edited(sample("multi_io.tflite"), edit))
    assert {model.tensor(0, t).dtype for t in (0, 1)} == {"INT8", "FLOAT32"}
    assert of(lint(model), "QNT002") == []


@pytest.mark.parametrize("name", ["dense_int8.tflite", "dense_uint8_io.tflite", "dense_float32.tflite"])
def test_matching_io_dtypes_have_no_qnt002(name: str) -> None:
    assert of(lint(sample(name)), "QNT002") == []


def test_float_island_lists_the_float_ops() -> None:
    model = load(sample("float_island_int8.tflite"))
    (f,) = of(lint(model), "QNT003")
    assert f.opcode == "SIN" and "SIN" in f.message and f.severity is Severity.WARNING
    assert "TFLITE_BUILTINS_INT8" in f.fix


def test_boundary_dequantize_is_not_an_island() -> None:
    assert of(lint(sample("dense_int8_float_io.tflite")), "QNT003") == []


def test_int8_activation_without_params() -> None:
    path = sample("dense_int8.tflite")
    model = load(path)
    fc = next(o for o in model.subgraphs[0].operators if o.opcode == "FULLY_CONNECTED")
    target = fc.outputs[0]

    def drop(m) -> None:
        m.subgraphs[0].tensors[target].quantization = None

    (f,) = of(lint(edited(path, drop)), "QNT004")
    assert f.severity is Severity.ERROR and f.tensor == target
    assert of(lint(path), "QNT004") == []


def _set_quant(tensor_of, **fields):
    def edit(m) -> None:
        q = m.subgraphs[0].tensors[tensor_of(m)].quantization
        for key, value in fields.items():
            setattr(q, key, value)

    return edit


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"scale": np.array([0.0], np.float32)}, "not a positive finite number"),
        ({"scale": np.array([float("nan")], np.float32)}, "not a positive finite number"),
        ({"zeroPoint": np.array([300])}, "outside the int8 range"),
        ({"zeroPoint": np.array([0, 0])}, "1 scales but 2 zero points"),
    ],
)
def test_invalid_activation_params(fields: dict, expected: str) -> None:
    path = sample("dense_int8.tflite")
    act = load(path).subgraphs[0].operators[0].outputs[0]
    found = of(lint(edited(path, _set_quant(lambda m: act, **fields))), "QNT005")
    assert [f.tensor for f in found] == [act]
    assert expected in found[0].message and found[0].severity is Severity.ERROR


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"quantizedDimension": 5}, "quantized_dimension 5 is out of range"),
        ({"quantizedDimension": 1}, "per-channel scales but dim 1"),
    ],
)
def test_invalid_per_channel_params(fields: dict, expected: str) -> None:
    path = sample("dense_int8.tflite")
    weights = load(path).subgraphs[0].operators[0].inputs[1]
    found = of(lint(edited(path, _set_quant(lambda m: weights, **fields))), "QNT005")
    assert [f.tensor for f in found] == [weights] and expected in found[0].message


def _qd3(path) -> tuple[bytes, list[int]]:
    """``path`` with quantized_dimension 3 on its per-tensor quantized rank-2 activations."""
    model = load(path)
    targets = [
        t.index
        for t in model.subgraphs[0].tensors
        if t.quantization is not None and len(t.quantization.scale) == 1 and len(t.shape) == 2 and not t.is_constant
    ]

    def edit(m) -> None:
        for i in targets:
            m.subgraphs[0].tensors[i].quantization.quantizedDimension = 3

    return edited(path, edit), targets


_LITERT_LOAD = """
import sys
from ai_edge_litert.interpreter import Interpreter
try:
    Interpreter(model_content=open(sys.argv[1], "rb").read()).allocate_tensors()
    print("loaded")
except Exception as exc:
    print("refused:", exc)
"""
_TFLM_RUN = """
import sys
import numpy as np
from tflite_micro.python.tflite_micro import runtime
i = runtime.Interpreter.from_bytes(open(sys.argv[1], "rb").read())
d = i.get_input_details(0)
i.set_input(np.zeros(d["shape"], dtype=d["dtype"]), 0)
i.invoke()
print("ran", i.get_output(0).shape)
"""


def _child(code: str, path) -> str:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else f"exit {done.returncode}: {done.stderr}"


def test_per_tensor_quantized_dimension_out_of_range(tmp_path) -> None:
    data, targets = _qd3(sample("dense_int8.tflite"))
    found = of(lint(data), "QNT005")
    assert [f.tensor for f in found] == targets and len(targets) == 4  # input, 2 activations, output
    assert all(f.severity is Severity.ERROR for f in found)
    assert all("quantized_dimension 3, out of range for rank 2" in f.message for f in found)
    assert all("refuses the model at load" in f.message and "TFLite Micro runs it" in f.message for f in found)
    assert all("TOCO" in f.explanation and "quantized_dimension to 0" in f.fix for f in found)
    assert len({f.group for f in found}) == 1  # one reason: one entry in text output
    # The oracles: current LiteRT refuses the file at load, TFLite Micro runs it.
    path = tmp_path / "qd3.tflite"
    path.write_bytes(data)
    pytest.importorskip("tflite_micro")
    assert _child(_LITERT_LOAD, path).startswith("refused: quantized_dimension must be in range [0, 2). Was 3.")
    assert _child(_TFLM_RUN, path) == "ran (1, 16)"


@pytest.mark.parametrize("name", ["dense_int8.tflite", "dense_int8_float_io.tflite", "dense_uint8_io.tflite"])
def test_converter_params_are_valid(name: str) -> None:
    assert of(lint(sample(name)), "QNT005") == []


@pytest.mark.slow
def test_asymmetric_int8_weights(conv_int8) -> None:
    _, filt, _, _ = _conv_slots(conv_int8)
    assert of(lint(conv_int8), "QNT006") == []

    def shift(m) -> None:
        q = m.subgraphs[0].tensors[filt].quantization
        q.zeroPoint = np.full(len(q.scale), 3, dtype=np.int64)

    (f,) = of(lint(edited(conv_int8, shift)), "QNT006")
    assert f.tensor == filt and "zero point 3" in f.message and f.group == "int8 weights have a non-zero zero point"


@pytest.mark.slow
def test_bias_scale_must_be_input_times_weight_scale(conv_int8) -> None:
    x, w, b, _ = _conv_slots(conv_int8)
    model = load(conv_int8)
    expected = model.tensor(0, x).quantization.scale[0] * np.array(model.tensor(0, w).quantization.scale)
    assert np.allclose(model.tensor(0, b).quantization.scale, expected, rtol=1e-3)  # the converter's own
    assert of(lint(model), "QNT007") == []

    def double(m) -> None:
        q = m.subgraphs[0].tensors[b].quantization
        q.scale = np.asarray(q.scale) * 2

    (f,) = of(lint(edited(conv_int8, double)), "QNT007")
    assert f.tensor == b and f.opcode == "CONV_2D" and "100% off" in f.message


@pytest.mark.slow
def test_logistic_output_params_fixed_by_spec(conv_int8) -> None:
    model = load(conv_int8)
    logistic = next(o for o in model.subgraphs[0].operators if o.opcode == "LOGISTIC")
    out = logistic.outputs[0]
    q = model.tensor(0, out).quantization
    assert math.isclose(q.scale[0], 1 / 256) and q.zero_point[0] == -128
    assert of(lint(model), "QNT008") == []

    (f,) = of(lint(edited(conv_int8, _set_quant(lambda m: out, scale=np.array([0.01], np.float32)))), "QNT008")
    assert f.op == logistic.index and "0.00390625 / -128" in f.message


def test_softmax_output_of_converter_matches_spec() -> None:
    assert of(lint(sample("dense_int8.tflite")), "QNT008") == []


def test_float16_weights() -> None:
    (f,) = of(lint(sample("dense_float16.tflite")), "QNT009")
    assert f.opcode == "DEQUANTIZE" and "2 float16 constant(s)" in f.message and "GPU" in f.explanation
    assert of(lint(sample("dense_float32.tflite")), "QNT009") == []


def test_sparse_float16_weights_are_counted_through_densify() -> None:
    models = [p for p in require_thirdparty() if p.name == "face_detection_full_range_sparse.tflite"]
    if not models:
        pytest.skip("face_detection_full_range_sparse.tflite not downloaded")
    from tfl_inspect.summary import float16_weights

    model = load(models[0])
    sg = model.subgraphs[0]
    weights = float16_weights(model)
    consts = [sg.tensors[t] for _, _, t in weights.dequantize_ops]
    sparse = [t for t in consts if t.sparsity is not None]
    assert len(sparse) == weights.through_densify > 0
    for _, o, t in weights.dequantize_ops:
        deq = sg.operators[o]
        if sg.tensors[t].sparsity is not None:
            assert sg.producer_op(deq.inputs[0]).builtin == "DENSIFY"
    # Every float16 constant of the file reaches a DEQUANTIZE, directly or through DENSIFY.
    fp16 = [t for t in sg.tensors if t.dtype == "FLOAT16" and t.is_constant]
    assert sorted(t.index for t in consts) == sorted(t.index for t in fp16)
    total = sum(t.nbytes for t in fp16)
    assert weights.stored_bytes == total and weights.dense_bytes > total
    (f,) = of(lint(model), "QNT009")
    assert f"{len(fp16)} float16 constant(s) ({total:,} bytes)" in f.message
    assert f"{len(sparse)} of them sparse, through DENSIFY" in f.message


def _hybrid_ops_counted_alike(paths: list[Path]) -> int:
    # One definition (opdefs.hybrid_weights) for both: the summary's "N ops with int8 weights" (or the INT4 /
    # blockwise kind) and the ops QNT010 lists are the same ops. Returns the dynamic-range models checked.
    checked = 0
    for path in paths:
        try:
            model = load(path)
        except TflInspectError:
            continue
        listed = sum(1 + len(f.related) for f in lint(model, select="QNT010"))
        hybrid = sum(1 for sg in model.subgraphs for op in sg.operators if opdefs.is_hybrid(sg, op))
        assert listed == hybrid, path
        s = summarize(model)
        if s.scheme == "dynamic range":
            assert s.scheme_detail.startswith(f"{listed} ops with "), path
            kinds = {w.dtype for sg in model.subgraphs for op in sg.operators for w in opdefs.hybrid_weights(sg, op)}
            if kinds == {"INT8"}:
                assert s.scheme_detail.startswith(f"{listed} ops with int8 weights"), path
            checked += 1
    return checked


def test_summary_and_qnt010_count_the_same_hybrid_ops() -> None:
    assert _hybrid_ops_counted_alike([*sample_models(), *thirdparty_models()]) >= 1  # dense_dynamic_range


@needs_corpus
def test_summary_and_qnt010_count_the_same_hybrid_ops_on_the_corpus() -> None:
    assert _hybrid_ops_counted_alike(corpus_files()) >= 1  # the corpus' hybrid models


def test_dynamic_range_quantization() -> None:
    (f,) = of(lint(sample("dense_dynamic_range.tflite")), "QNT010")
    assert "FULLY_CONNECTED ×2" in f.message and "representative_dataset" in f.fix
    assert of(lint(sample("dense_int8.tflite")), "QNT010") == []


@pytest.mark.slow
def test_quantize_dequantize_round_trip(converted) -> None:
    (f,) = of(lint(converted("fake_quant")), "QNT011")
    assert f.opcode == "QUANTIZE" and "round trip" in f.message and len(f.related) == 1
    # The round trip is not "float I/O around an integer graph".
    assert of(lint(converted("fake_quant")), "QNT001") == []


def test_boundary_quantize_is_not_redundant() -> None:
    assert of(lint(sample("dense_int8_float_io.tflite")), "QNT011") == []
