"""--io-type: integer I/O for full-integer models, as LiteRT's modify_model_interface does (QNT001)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tfl_inspect
from tests.conftest import needs_corpus, sample
from tests.rewrite.helpers import Interpreter, run
from tfl_inspect.errors import UsageError
from tfl_inspect.rewrite import fix


def _io(path: Path) -> tuple[list, list]:
    it = Interpreter(model_path=str(path))
    return it.get_input_details(), it.get_output_details()


def _quantize(x: np.ndarray, scale: float, zp: int, dtype: type) -> np.ndarray:
    info = np.iinfo(dtype)
    return np.clip(np.round(x / scale) + zp, info.min, info.max).astype(dtype)


@pytest.mark.parametrize("target, dtype", [("int8", np.int8), ("uint8", np.uint8)])
def test_float_io_becomes_integer_io(tmp_path: Path, target: str, dtype: type) -> None:
    src, out = sample("dense_int8_float_io.tflite"), tmp_path / f"{target}.tflite"
    report = fix(src, out, io_type=target)
    assert report.written and report.verification is not None and report.verification.status == "identical"
    (fin,), (fout,) = _io(src)
    (qin,), (qout,) = _io(out)
    assert qin["dtype"] == dtype and qout["dtype"] == dtype
    assert qin["name"] == fin["name"] and qout["name"] == fout["name"]  # names and indices stay
    ops = [op.opcode for op in tfl_inspect.load(out).subgraphs[0].operators]
    if target == "int8":
        assert ops == ["FULLY_CONNECTED", "FULLY_CONNECTED", "SOFTMAX"]
        assert {c.removed_op for c in report.io_changes} == {"QUANTIZE", "DEQUANTIZE"}
    else:
        assert ops == ["QUANTIZE", "FULLY_CONNECTED", "FULLY_CONNECTED", "SOFTMAX", "QUANTIZE"]
    # The inner scale and zero point, moved by 128 for uint8.
    shift = 128 if target == "uint8" else 0
    inner = tfl_inspect.load(src).subgraphs[0]
    q_in = inner.tensors[inner.operators[0].outputs[0]].quantization
    assert q_in is not None and qin["quantization"] == pytest.approx((q_in.scale[0], q_in.zero_point[0] + shift))
    # Same real inputs, quantized with the same parameters: equal outputs after quantizing.
    qx = np.random.default_rng(3).integers(-128, 128, (5, 32)).astype(np.int8).astype(dtype if shift == 0 else np.int16)
    qx = (qx + shift).astype(dtype) if shift else qx.astype(dtype)
    scale, zp = qin["quantization"]
    x = (scale * (qx.astype(np.float64) - zp)).astype(np.float32)
    y = run(src, [x])[0]
    oscale, ozp = qout["quantization"]
    np.testing.assert_array_equal(run(out, [qx])[0], _quantize(y, oscale, ozp, dtype))
    assert report.lint is not None and report.lint.removed.get("QNT001", 0) >= 1 and not report.lint.added


def test_uint8_io_becomes_int8(tmp_path: Path) -> None:
    report = fix(sample("dense_uint8_io.tflite"), tmp_path / "o.tflite", io_type="int8")
    assert report.written and report.verification is not None and report.verification.status == "identical"
    (qin,), (qout,) = _io(tmp_path / "o.tflite")
    assert qin["dtype"] == np.int8 and qout["dtype"] == np.int8


def test_float_island_model_keeps_its_inner_dequantize(tmp_path: Path) -> None:
    report = fix(sample("float_island_int8.tflite"), tmp_path / "o.tflite", io_type="int8")
    assert report.written and report.verification is not None and report.verification.status == "identical"
    ops = [op.opcode for op in tfl_inspect.load(tmp_path / "o.tflite").subgraphs[0].operators]
    assert ops == ["FULLY_CONNECTED", "DEQUANTIZE", "SIN", "QUANTIZE", "FULLY_CONNECTED"]


def test_a_float_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a full-integer model"):
        fix(sample("dense_float32.tflite"), tmp_path / "o.tflite", io_type="int8")
    assert not (tmp_path / "o.tflite").exists()


@needs_corpus
@pytest.mark.parametrize("name", ["lstm_quantized.bin", "unidirectional_sequence_lstm_quantized.bin"])
def test_corpus_lstm_models_take_int8_io(tmp_path: Path, name: str) -> None:
    """Outputs with no recorded shape (LSTM test models) keep what the inner tensor records."""
    from tests.conftest import require_corpus

    src = next(require_corpus().rglob(name))
    report = fix(src, tmp_path / "o.tflite", io_type="int8")
    assert report.written and report.verification is not None and report.verification.status == "identical"
    assert [(c.role, c.after) for c in report.io_changes] == [("input", "int8"), ("output", "int8")]


def test_integer_io_already_is_a_no_op(tmp_path: Path) -> None:
    """Idempotent, so a pipeline can run the same fix on every model."""
    report = fix(sample("dense_int8.tflite"), tmp_path / "o.tflite", io_type="int8")
    assert report.written and not report.io_changes and report.ops_after == report.ops_before
    assert any("already int8" in n for n in report.notes)


_MMI_TYPES = {"int8": 9, "uint8": 3}  # TensorType values modify_model_interface takes


@pytest.mark.parametrize("target", ["int8", "uint8"])
@pytest.mark.parametrize("name", ["dense_int8_float_io.tflite", "float_island_int8.tflite"])
def test_same_model_as_litert_modify_model_interface(tmp_path: Path, name: str, target: str) -> None:
    """The reference: LiteRT's C++ modify_model_interface. Same ops, I/O types, scales and zero
    points, and bit-identical outputs on the same integer inputs; only our signature stays valid
    (the reference's names the tensors it removed, NAM005)."""
    mmi = pytest.importorskip("ai_edge_litert._pywrap_modify_model_interface", reason="ai-edge-litert not installed")
    src, ours, ref = sample(name), tmp_path / "ours.tflite", tmp_path / "ref.tflite"
    assert mmi.modify_model_interface(str(src), str(ref), _MMI_TYPES[target], _MMI_TYPES[target]) == 0
    assert fix(src, ours, io_type=target).written
    a, b = tfl_inspect.load(ref), tfl_inspect.load(ours)
    assert [op.opcode for op in a.subgraphs[0].operators] == [op.opcode for op in b.subgraphs[0].operators]
    ref_io, our_io = _io(ref), _io(ours)
    for side in (0, 1):
        for x, y in zip(ref_io[side], our_io[side], strict=True):
            facts = ("dtype", "quantization")
            assert [x[k] for k in facts] + [list(x["shape"])] == [y[k] for k in facts] + [list(y["shape"])]
    dtype = np.int8 if target == "int8" else np.uint8
    info = np.iinfo(dtype)
    feeds = [
        np.random.default_rng(5).integers(info.min, info.max, d["shape"], endpoint=True).astype(dtype)
        for d in our_io[0]
    ]
    for x, y in zip(run(ref, feeds), run(ours, feeds), strict=True):
        np.testing.assert_array_equal(x, y)
    assert not any(f.rule == "NAM005" for f in tfl_inspect.lint(b))
    sig = Interpreter(model_path=str(ours)).get_signature_runner("serving_default")
    assert sig(**{k: feeds[0] for k in sig.get_input_details()})  # the signature runner works on ours


def test_16x8_float_io_becomes_int16_as_modify_model_interface_does(tmp_path: Path, int16_float_io: Path) -> None:
    """The 16x8 scheme's boundary: int16 inner tensors. Reference: modify_model_interface(INT16)."""
    mmi = pytest.importorskip("ai_edge_litert._pywrap_modify_model_interface", reason="ai-edge-litert not installed")
    src, ours, ref = int16_float_io, tmp_path / "ours.tflite", tmp_path / "ref.tflite"
    assert mmi.modify_model_interface(str(src), str(ref), 7, 7) == 0  # TensorType.INT16
    report = fix(src, ours, io_type="int16")
    assert report.written and report.verification is not None and report.verification.status == "identical"
    assert [(c.role, c.before, c.after, c.removed_op) for c in report.io_changes] == [
        ("input", "float32", "int16", "QUANTIZE"),
        ("output", "float32", "int16", "DEQUANTIZE"),
    ]
    a, b = tfl_inspect.load(ref), tfl_inspect.load(ours)
    assert [op.opcode for op in b.subgraphs[0].operators] == [op.opcode for op in a.subgraphs[0].operators]
    ref_io, our_io = _io(ref), _io(ours)
    for side in (0, 1):
        for x, y in zip(ref_io[side], our_io[side], strict=True):
            assert (x["dtype"], x["quantization"], list(x["shape"])) == (
                y["dtype"],
                y["quantization"],
                list(y["shape"]),
            )
    feeds = [
        np.random.default_rng(9).integers(-32768, 32767, d["shape"], endpoint=True).astype(np.int16) for d in our_io[0]
    ]
    for x, y in zip(run(ref, feeds), run(ours, feeds), strict=True):
        np.testing.assert_array_equal(x, y)
    assert any(f.rule == "NAM005" for f in tfl_inspect.lint(a))  # the reference's stale signature
    assert not any(f.rule in ("NAM005", "QNT001") for f in tfl_inspect.lint(b))


def test_16x8_model_asked_for_int8_is_pointed_to_int16(tmp_path: Path, int16_float_io: Path) -> None:
    with pytest.raises(UsageError, match=r"int8 tensor .*a 16x8 model takes --io-type int16"):
        fix(int16_float_io, tmp_path / "o.tflite", io_type="int8")
    (finding, *_) = [f for f in tfl_inspect.lint(tfl_inspect.load(int16_float_io)) if f.rule == "QNT001"]
    assert "--io-type int16" in finding.fix and "--io-type int8" not in finding.fix
