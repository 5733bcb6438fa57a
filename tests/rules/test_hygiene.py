"""GRF rules: ops and bytes a model carries for nothing."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import sample, sample_models
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
