"""--rename-io: signature I/O tensors take their signature names; nothing else changes (NAM001)."""

from __future__ import annotations

from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import sample
from tests.modeledit import pack, unpack
from tests.rewrite.helpers import Interpreter
from tfl_inspect.rewrite import fix


def test_generated_names_become_signature_names(tmp_path: Path) -> None:
    src, out = sample("multi_io.tflite"), tmp_path / "named.tflite"
    report = fix(src, out, rename_io=True)
    assert report.written and report.verification is not None and report.verification.status == "identical"
    it = Interpreter(model_path=str(out))
    assert [d["name"] for d in it.get_input_details()] == ["zeta", "alpha"]
    assert sorted(d["name"] for d in it.get_output_details()) == ["aux", "score"]
    assert it.get_signature_list() == Interpreter(model_path=str(src)).get_signature_list()
    a, b = tfl_inspect.load(src), tfl_inspect.load(out)
    renamed = {r.tensor for r in report.renamed}
    for ta, tb in zip(a.subgraphs[0].tensors, b.subgraphs[0].tensors, strict=True):
        assert (ta.shape_signature, ta.dtype, ta.buffer) == (tb.shape_signature, tb.dtype, tb.buffer)
        assert (ta.name == tb.name) == (ta.index not in renamed)
    assert [op.inputs for op in a.subgraphs[0].operators] == [op.inputs for op in b.subgraphs[0].operators]
    assert report.lint is not None and report.lint.removed == {"NAM001": 1} and not report.lint.added


def test_names_are_made_unique(tmp_path: Path) -> None:
    """An inner tensor already called 'alpha' keeps its name; the input becomes 'alpha_1'."""
    m = unpack(sample("multi_io.tflite"))
    inner = int(m.subgraphs[0].operators[0].outputs[0])  # the CONCATENATION output
    m.subgraphs[0].tensors[inner].name = b"alpha"
    src = tmp_path / "clash.tflite"
    src.write_bytes(pack(m))
    report = fix(src, tmp_path / "out.tflite", rename_io=True)
    names = {t.index: t.name for t in tfl_inspect.load(tmp_path / "out.tflite").subgraphs[0].tensors}
    assert names[1] == "alpha_1" and names[inner] == "alpha"
    assert len(set(names.values())) == len(names)
    assert report.written


def test_keras_path_outputs_get_output_k(tmp_path: Path) -> None:
    report = fix(sample("multi_io_keras.tflite"), tmp_path / "k.tflite", rename_io=True)
    assert {r.new for r in report.renamed} == {"zeta", "alpha", "output_0", "output_1"}
    assert report.written


def test_a_model_without_signatures_is_left_as_is(tmp_path: Path) -> None:
    m = unpack(sample("dense_float32.tflite"))
    m.signatureDefs = []
    src = tmp_path / "nosig.tflite"
    src.write_bytes(pack(m))
    report = fix(src, tmp_path / "o.tflite", rename_io=True)
    assert report.written and not report.renamed and any("no signatures" in n for n in report.notes)


def test_stale_signature_entries_are_left_alone(tmp_path: Path) -> None:
    """LiteRT's modify_model_interface leaves the signature naming the float input it bypassed and
    an output index past the end (NAM005): renaming must not move 'features' onto that dead tensor."""
    mmi = pytest.importorskip("ai_edge_litert._pywrap_modify_model_interface", reason="ai-edge-litert not installed")
    src = tmp_path / "mmi.tflite"
    assert mmi.modify_model_interface(str(sample("dense_int8_float_io.tflite")), str(src), 9, 9) == 0
    report = fix(src, tmp_path / "o.tflite", rename_io=True)
    assert report.written and report.renamed == []
    assert sum("(NAM005): left alone" in n for n in report.notes) == 2
    before, after = tfl_inspect.load(src).subgraphs[0], tfl_inspect.load(tmp_path / "o.tflite").subgraphs[0]
    assert [t.name for t in after.tensors] == [t.name for t in before.tensors]
