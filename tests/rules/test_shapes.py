"""SHP001: shapes recorded in converted models agree with their ops until someone edits them."""

from __future__ import annotations

import pytest

from tests.conftest import sample, sample_models
from tests.rules.helpers import edited, lint, of
from tfl_inspect import load
from tfl_inspect.rules import Severity


def _set_shape(tensor: int, shape: list[int]):
    def edit(m) -> None:
        t = m.subgraphs[0].tensors[tensor]
        t.shape = shape
        t.shapeSignature = shape

    return edit


def _first(path, opcode: str):
    return next(o for o in load(path).subgraphs[0].operators if o.opcode == opcode)


def test_fully_connected_features_vs_weights() -> None:
    path = sample("multi_io.tflite")
    fc = _first(path, "FULLY_CONNECTED")
    (f,) = of(lint(edited(path, _set_shape(fc.inputs[1], [8, 5]))), "SHP001")
    assert f.op == fc.index and f.severity is Severity.ERROR and "features" in f.message


def test_conv_channels_vs_filter() -> None:
    path = sample("upsampling_static_batch1.tflite")
    conv = _first(path, "CONV_2D")
    (f,) = of(lint(edited(path, _set_shape(conv.inputs[1], [8, 3, 3, 5]))), "SHP001")
    assert f.op == conv.index and "channels" in f.message


def test_concatenation_sizes() -> None:
    path = sample("multi_io.tflite")
    cat = _first(path, "CONCATENATION")
    found = of(lint(edited(path, _set_shape(cat.outputs[0], [1, 9]))), "SHP001")
    (f,) = [f for f in found if f.op == cat.index]
    assert "records output 0 as 1x9, but its operands give ?x8 (dim 1 is 9, not 8)" in f.message
    # LiteRT recomputes the output as 8 wide at allocation, so the FULLY_CONNECTED reading it
    # still fits its weights: one finding, not a cascade from the edited record.
    assert [f.opcode for f in found] == ["CONCATENATION"]


def test_reshape_element_count() -> None:
    path = sample("upsampling_static_batch1.tflite")
    reshape = _first(path, "RESHAPE")
    (f,) = of(lint(edited(path, _set_shape(reshape.outputs[0], [1, 32, 1, 32, 4]))), "SHP001")
    assert f.op == reshape.index and "operands give 1x32x1x32x3 (dim 4 is 4, not 3)" in f.message


@pytest.mark.slow
def test_elementwise_broadcast(converted) -> None:
    path = converted("batch_reshape")
    mul = _first(path, "MUL")
    (f,) = of(lint(edited(path, _set_shape(mul.outputs[0], [-1, 5]))), "SHP001")
    assert f.op == mul.index and "records output 0 as ?x5, but its operands give ?x4" in f.message


@pytest.mark.parametrize("path", sample_models(), ids=lambda p: p.name)
def test_converted_samples_are_consistent(path) -> None:
    assert of(lint(path), "SHP001") == []


def test_shp001_follows_shape_inference_to_the_op_litert_refuses(corpus) -> None:
    """A rank-1 tensor reaching CONV_2D: no local check sees it, propagation does, LiteRT agrees."""
    litert = pytest.importorskip("ai_edge_litert.interpreter")
    path = corpus / "litert/tflite/testdata/test_model.bin"
    findings = [f for f in lint(load(path)) if f.rule == "SHP001"]
    assert [(f.op, f.opcode) for f in findings] == [(0, "CONV_2D")]
    assert "rank-4" in findings[0].message
    with pytest.raises(RuntimeError, match="CONV_2D"):
        litert.Interpreter(model_path=str(path)).allocate_tensors()
