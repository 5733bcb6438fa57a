"""--strip-unused: unused buffers, tensors, dead ops and op codes go; nothing that runs changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tfl_inspect
from tests.conftest import needs_corpus, sample
from tests.modeledit import pack, schema, unpack
from tfl_inspect.rewrite import fix


def test_unused_buffer_and_dead_op_are_dropped(tmp_path: Path) -> None:
    m = unpack(sample("dense_float32.tflite"))
    sg = m.subgraphs[0]
    junk = schema.BufferT()
    junk.data = np.arange(4096, dtype=np.uint8)
    m.buffers.append(junk)
    # A dead op: SOFTMAX of the first layer's output, read by nobody.
    first_out = int(sg.operators[0].outputs[0])
    t = schema.TensorT()
    t.name, t.shape, t.type, t.buffer = b"dead", list(sg.tensors[first_out].shape), schema.TensorType.FLOAT32, 0
    sg.tensors.append(t)
    dead = schema.OperatorT()
    dead.opcodeIndex = sg.operators[-1].opcodeIndex  # the model's SOFTMAX code
    dead.inputs, dead.outputs = [first_out], [len(sg.tensors) - 1]
    dead.builtinOptionsType = sg.operators[-1].builtinOptionsType
    dead.builtinOptions = sg.operators[-1].builtinOptions
    sg.operators.append(dead)
    src = tmp_path / "junk.tflite"
    src.write_bytes(pack(m))
    report = fix(src, tmp_path / "o.tflite", strip_unused=True)
    assert report.written and report.verification is not None and report.verification.status == "identical"
    assert [(o.opcode, o.by) for o in report.ops_removed] == [("SOFTMAX", "dead")]
    assert report.buffers_removed >= 1 and report.tensors_removed == 1 and report.bytes_saved >= 4096
    out = tfl_inspect.load(tmp_path / "o.tflite")
    assert len(out.subgraphs[0].operators) == 3
    assert "dead" not in {t.name for t in out.subgraphs[0].tensors}


def test_converter_output_has_nothing_to_strip_but_keeps_metadata(tmp_path: Path) -> None:
    src = sample("dense_int8.tflite")
    report = fix(src, tmp_path / "o.tflite", strip_unused=True)
    assert report.written and not report.ops_removed
    a, b = tfl_inspect.load(src), tfl_inspect.load(tmp_path / "o.tflite")
    assert [(x.name, x.value) for x in b.metadata] == [(x.name, x.value) for x in a.metadata]


def test_stale_signature_entries_survive_stripping(tmp_path: Path) -> None:
    """A signature entry past the last tensor (as modify_model_interface leaves it, NAM005) refers to
    nothing: stripping keeps it as it is rather than failing on it."""
    mmi = pytest.importorskip("ai_edge_litert._pywrap_modify_model_interface", reason="ai-edge-litert not installed")
    src = tmp_path / "mmi.tflite"
    assert mmi.modify_model_interface(str(sample("dense_int8_float_io.tflite")), str(src), 9, 9) == 0
    report = fix(src, tmp_path / "o.tflite", strip_unused=True, rename_io=True)
    assert report.written and report.verification is not None and report.verification.status == "identical"
    (sig,) = tfl_inspect.load(tmp_path / "o.tflite").signatures
    assert sig.dangling == tfl_inspect.load(src).signatures[0].dangling


@needs_corpus
def test_dead_ops_in_other_subgraphs_go_too(tmp_path: Path) -> None:
    """multi_signatures.bin with a dead copy of 'sub''s op in subgraph 1: --strip-unused with the
    default signature (subgraph 0) prunes subgraph 1 as well; LiteRT runs both signatures the same."""
    from tests.conftest import require_corpus

    clean = next(require_corpus().rglob("multi_signatures.bin"))
    m = unpack(clean)
    g = m.subgraphs[1]
    dead_out = schema.TensorT()
    dead_out.name, dead_out.type, dead_out.buffer = b"dead", g.tensors[g.outputs[0]].type, 0
    dead_out.shape = list(g.tensors[g.outputs[0]].shape)
    g.tensors.append(dead_out)
    op = schema.OperatorT()
    first = g.operators[0]
    op.opcodeIndex, op.inputs, op.outputs = first.opcodeIndex, list(first.inputs), [len(g.tensors) - 1]
    op.builtinOptionsType, op.builtinOptions = g.operators[0].builtinOptionsType, g.operators[0].builtinOptions
    g.operators.append(op)
    src = tmp_path / "dead_in_sub.bin"
    src.write_bytes(pack(m))
    report = fix(src, tmp_path / "o.bin", strip_unused=True)
    assert report.written and report.verification is not None and report.verification.status == "identical"
    assert any(o["name"].startswith("sub/") for o in report.verification.outputs)  # subgraph 1 was run
    assert [(o.subgraph, o.op, o.opcode, o.by) for o in report.ops_removed] == [(1, 1, "SUB", "dead")]
    assert report.tensors_removed == 1
    out = tfl_inspect.load(tmp_path / "o.bin")
    before = tfl_inspect.load(clean)
    assert [len(sg.operators) for sg in out.subgraphs] == [len(sg.operators) for sg in before.subgraphs]
