"""The op table against real files: every operand layout it states matches the ops converters wrote."""

from __future__ import annotations

import pytest

from tests.conftest import corpus_files, needs_corpus, sample, sample_models, thirdparty_models
from tfl_inspect import load, opdefs
from tfl_inspect.errors import TflInspectError


def _models(part: str):
    for path in corpus_files() if part == "corpus" else [*sample_models(), *thirdparty_models()]:
        try:
            yield path, load(path)
        except TflInspectError:
            continue


@pytest.mark.parametrize("part", ["samples+thirdparty", pytest.param("corpus", marks=needs_corpus)])
def test_operand_layouts_match_every_readable_model(part: str) -> None:
    checked: set[str] = set()
    for path, model in _models(part):
        for sg in model.subgraphs:
            for op in sg.operators:
                operands = opdefs.opdef(op.builtin).operands
                if not operands:
                    continue
                required = [i for i, o in enumerate(operands) if not o.optional]
                assert len(op.inputs) <= len(operands), (path, op.index, op.builtin)
                assert all(i < len(op.inputs) and op.inputs[i] >= 0 for i in required), (path, op.index, op.builtin)
                checked.add(op.builtin)
    assert len(checked) >= (40 if part == "corpus" else 15)  # the corpus exercises most of the table


def test_filter_and_weight_slots() -> None:
    assert opdefs.filter_slots("CONV_2D") == (0, 1, 2)
    assert opdefs.filter_slots("TRANSPOSE_CONV") == (2, 1, 3)  # output_shape, filter, input, bias
    assert opdefs.filter_slots("ADD") is None
    assert opdefs.slot_of("RESHAPE", "shape") == 1 and opdefs.slot("RESHAPE", "filter") is None
    with pytest.raises(KeyError):
        opdefs.slot_of("ADD", "shape")
    model = load(sample("dense_dynamic_range.tflite"))
    sg = model.subgraphs[0]
    fcs = [op for op in sg.operators if op.builtin == "FULLY_CONNECTED"]
    # Keras Dense without bias: the bias slot is -1 (omitted), so only the weights count.
    assert [op.inputs[2] for op in fcs] == [-1, -1] and [opdefs.weight_slots(op) for op in fcs] == [(1,), (1,)]
    assert all(opdefs.is_hybrid(sg, op) for op in fcs)
    assert all(w.dtype == "INT8" for op in fcs for w in opdefs.hybrid_weights(sg, op))


def test_full_integer_and_float_models_have_no_hybrid_ops() -> None:
    for name in ("dense_int8.tflite", "dense_float32.tflite", "dense_float16.tflite"):
        model = load(sample(name))
        assert not any(opdefs.is_hybrid(sg, op) for sg in model.subgraphs for op in sg.operators), name


def test_columns_used_by_rules() -> None:
    assert {"VAR_HANDLE", "CALL_ONCE", "WHILE", "CUSTOM"} <= opdefs.SIDE_EFFECT_OPS
    assert opdefs.opdef("LOGISTIC").fixed_output["INT8"] == (1 / 256, -128)
    assert opdefs.opdef("CONV_2D").static_dims == ((0, -1, "channel"),)
    assert opdefs.opdef("ADD").needs_qparams and not opdefs.opdef("CONCATENATION").needs_qparams
    assert {"GATHER", "RNN", "EMBEDDING_LOOKUP"} <= opdefs.HYBRID_OPS
