"""GRF rules: ops and bytes a model carries for nothing."""

from __future__ import annotations

import numpy as np
import pytest

import tfl_inspect
from tests.conftest import SAMPLES, sample, sample_models
from tests.rules.helpers import edited, lint, of
from tfl_inspect import load


def test_dead_operator_after_dropping_an_output() -> None:
    path = sample("multi_io.tflite")
    model = load(path)
    dropped = model.subgraphs[0].outputs[1]
    producer = next(o for o in model.subgraphs[0].operators if dropped in o.outputs)

    def drop(m) -> None:
        sg = m.subgraphs[0]
        sg.outputs = [t for t in sg.outputs if t != dropped]
        sig = m.signatureDefs[0]
        sig.outputs = [o for o in sig.outputs if o.tensorIndex != dropped]

    findings = of(lint(edited(path, drop)), "GRF001")
    dead = [f for f in findings if f.op is not None]
    assert len(dead) == 1 and dead[0].op == producer.index and "reach no output" in dead[0].message


def test_unused_buffer() -> None:
    path = sample("dense_float32.tflite")

    def orphan(m) -> None:
        from ai_edge_litert.schema_py_generated import BufferT

        b = BufferT()
        b.data = np.arange(64, dtype=np.uint8)
        m.buffers.append(b)

    found = of(lint(edited(path, orphan)), "GRF001")
    assert any("64 bytes" in f.message and "buffer" in f.message for f in found)


@pytest.mark.parametrize("path", sample_models(), ids=lambda p: p.name)
def test_converted_samples_have_no_dead_code(path) -> None:
    assert of(lint(path), "GRF001") == []


def test_duplicate_constant_buffers() -> None:
    path = sample("dense_float32.tflite")
    model = load(path)
    weights = [t for t in model.subgraphs[0].tensors if t.is_constant]
    a, b = weights[0], weights[1]

    def duplicate(m) -> None:
        m.buffers[b.buffer].data = np.array(m.buffers[a.buffer].data, copy=True)
        m.subgraphs[0].tensors[b.index].shape = list(a.shape)

    (f,) = of(lint(edited(path, duplicate)), "GRF002")
    assert f"{a.nbytes:,} bytes" in f.message and "2 copies" in f.message
    assert of(lint(path), "GRF002") == []


def test_all_zero_weights() -> None:
    path = sample("dense_float32.tflite")
    model = load(path)
    big = max((t for t in model.subgraphs[0].tensors if t.is_constant), key=lambda t: t.nbytes)
    assert big.nbytes >= 1024

    def zero(m) -> None:
        m.buffers[big.buffer].data = np.zeros(big.nbytes, dtype=np.uint8)

    (f,) = of(lint(edited(path, zero)), "GRF003")
    assert f.tensor == big.index and "all zeros" in f.message
    assert of(lint(path), "GRF003") == []


# --- GRF004: channels-first I/O --------------------------------------------------------------
TORCH = SAMPLES / "torch"


def test_channels_first_io_counts_the_boundary_transposes_and_their_share_of_the_bytes_moved() -> None:
    model = load(TORCH / "seg_nchw.tflite")
    (f,) = of(lint(model), "GRF004")
    assert (f.op, f.opcode, f.related) == (0, "TRANSPOSE", ((0, 7),))
    assert "input 'args_0' [1, 3, 64, 64] NCHW and output 'output_0'" in f.message
    prof = tfl_inspect.profile(model)
    moved = sum(o.bytes_moved for o in prof.operators if o.index in (0, 7))
    assert moved == 2 * 64 * 64 * 3 * 4 * 2  # each reads and writes a float32 1x3x64x64 tensor
    assert f"moving {moved / 1024:.1f} KiB per invoke, {100 * moved / prof.totals.bytes_moved:.1f}%" in f.message
    assert "litert_torch.to_channel_last_io(model, args=[0], outputs=[0])" in f.fix
    assert "here args=[0], outputs=[0]" in f.fix


@pytest.mark.parametrize("name", ["seg_nhwc.tflite", "onnx2tf_seg.tflite", "onnx2tf_classifier.tflite"])
def test_channels_last_io_has_no_grf004(name: str) -> None:
    assert of(lint(TORCH / name), "GRF004") == []


def test_no_grf004_on_the_tensorflow_samples() -> None:
    for path in sorted(SAMPLES.glob("*.tflite")):
        assert of(lint(path), "GRF004") == [], path.name


def test_the_fix_keeps_the_outputs_litert_computes() -> None:
    """seg_nhwc is seg_nchw's module wrapped by to_channel_last_io: LiteRT gives the same numbers."""
    pytest.importorskip("ai_edge_litert", reason="the oracle is LiteRT's interpreter")
    from ai_edge_litert.interpreter import Interpreter

    x = np.random.default_rng(0).standard_normal((1, 3, 64, 64)).astype(np.float32)
    nchw = Interpreter(model_path=str(TORCH / "seg_nchw.tflite")).get_signature_runner()(args_0=x)["output_0"]
    runner = Interpreter(model_path=str(TORCH / "seg_nhwc.tflite")).get_signature_runner()
    nhwc = runner(args_0=x.transpose(0, 2, 3, 1))["output_0"]
    np.testing.assert_allclose(nhwc.transpose(0, 3, 1, 2), nchw, rtol=0, atol=1e-6)
