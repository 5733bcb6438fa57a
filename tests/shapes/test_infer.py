"""infer_shapes / check_ops on real models: naming inputs, run-time shape chains, failures."""

from __future__ import annotations

from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import SAMPLES, corpus_files, needs_corpus, require_corpus, thirdparty_models
from tests.conftest import sample as sample_path
from tfl_inspect.errors import UsageError
from tfl_inspect.shapes import TensorStatus, check_op, check_ops, infer_shapes
from tfl_inspect.shapes.types import num_elements


def sample(name: str) -> tfl_inspect.Model:
    return tfl_inspect.load(sample_path(name))


def corpus_model(name: str) -> Path:
    require_corpus()
    for p in corpus_files("litert"):
        if p.name == name:
            return p
    pytest.skip(f"{name} not in the corpus")


def _op(model: tfl_inspect.Model, opcode: str, sg: int = 0):
    return next(op for op in model.subgraphs[sg].operators if op.opcode == opcode)


# -- the acceptance case: a fixed-size classifier -------------------------------------------


def test_larger_image_fails_at_the_flatten_reshape_with_the_explanation() -> None:
    model = sample("classifier_flatten.tflite")
    image = model.subgraphs[0].tensors[model.signatures[0].inputs["image"]]
    _, h, w, c = image.shape_signature
    result = tfl_inspect.infer_shapes(model, {"image": (1, 2 * h, 2 * w, c)})
    assert not result.ok
    f = result.failure
    reshape = _op(model, "RESHAPE")
    dense = _op(model, "FULLY_CONNECTED")
    assert (f.op, f.opcode) == (reshape.index, "RESHAPE")
    assert reshape.outputs[0] in dense.inputs  # the Flatten that feeds Dense
    assert f.message.startswith(f"RESHAPE #{reshape.index} cannot reshape")
    fed = result.shape(reshape.inputs[0])
    assert f"({num_elements(fed)} values)" in f.message
    assert "a Flatten before Dense fixes the image size" in f.hint
    assert f"resize inputs to {h}x{w}" in f.hint and "GlobalAveragePooling2D" in f.hint
    assert dict(f.inputs)[reshape.inputs[0]] == fed
    assert result.status[reshape.outputs[0]] == TensorStatus.FAILED


def test_batch_8_works_and_every_dim_follows_the_batch() -> None:
    model = sample("classifier_flatten.tflite")
    sig = model.signatures[0]
    image = model.subgraphs[0].tensors[sig.inputs["image"]]
    result = tfl_inspect.infer_shapes(model, {"image": (8, *image.shape_signature[1:])})
    assert result.ok and result.failure is None
    units = model.subgraphs[0].tensors[_op(model, "FULLY_CONNECTED").inputs[1]].shape[0]
    out = next(iter(sig.outputs.values()))
    assert result.shape(out) == (8, units)
    produced = [t for t, _, st in result.tensor_rows() if st == TensorStatus.INFERRED]
    assert produced and all(-1 not in result.shape(t.index) for t in produced)
    assert set(result.inferred_ops) == {op.index for op in model.subgraphs[0].operators}


def test_without_inputs_unknown_dims_stay_unknown_but_nothing_fails() -> None:
    model = sample("classifier_flatten.tflite")
    result = infer_shapes(model)
    sig = model.signatures[0]
    out = next(iter(sig.outputs.values()))
    assert result.ok
    assert result.shape(out)[0] == -1
    assert result.shape(out)[1:] == model.subgraphs[0].tensors[out].shape_signature[1:]


# -- naming inputs ---------------------------------------------------------------------------


def test_inputs_can_be_named_by_signature_name_tensor_name_or_index() -> None:
    model = sample("classifier_flatten.tflite")
    idx = model.signatures[0].inputs["image"]
    tname = model.subgraphs[0].tensors[idx].name
    shapes = set()
    for key in ("image", tname, idx, str(idx)):
        for spec in ((4, 32, 32, 3), "4x32x32x3", "4,32,32,3", "[4, 32, 32, 3]"):
            shapes.add(infer_shapes(model, {key: spec}, signature="serving_default").shapes)
    assert len(shapes) == 1


@pytest.mark.parametrize(
    ("inputs", "signature", "match"),
    [
        ({"nope": "1x2"}, None, "no input 'nope'"),
        ({"image": "1x32x32"}, None, "has rank 4"),
        ({"image": "1xAx32x3"}, None, "not a shape"),
        ({"image": "1x-3x32x3"}, None, "negative"),
        ({99: "1x32x32x3"}, None, "no input '99'"),
        (None, "missing", "no signature 'missing'"),
    ],
)
def test_bad_requests_are_usage_errors(inputs, signature, match) -> None:
    model = sample("classifier_flatten.tflite")
    with pytest.raises(UsageError, match=match):
        infer_shapes(model, inputs, signature=signature)


@needs_corpus
def test_signature_picks_its_subgraph() -> None:
    path = corpus_model("multi_signature_model.tflite")
    model = tfl_inspect.load(path)
    for sig in model.signatures:
        result = infer_shapes(model, signature=sig.key)
        assert result.subgraph == sig.subgraph and result.signature == sig.key
        assert set(result.inputs) == set(model.subgraphs[sig.subgraph].inputs)


# -- run-time shape chains -------------------------------------------------------------------


def test_conv2d_transpose_output_shape_chain_is_evaluated() -> None:
    model = sample("conv2d_transpose_dynamic.tflite")
    tc = _op(model, "TRANSPOSE_CONV")
    result = infer_shapes(model, {0: (2, 10, 12, 3)})
    value = result.value(tc.inputs[0])
    assert value is not None and value.complete
    assert result.shape(tc.outputs[0]) == tuple(value.ints())
    assert result.shape(tc.outputs[0])[0] == 2


def test_upsampling_chain_resolves_dims_the_converter_left_unknown() -> None:
    model = sample("upsampling_static.tflite")
    out = model.subgraphs[0].outputs[0]
    recorded = model.subgraphs[0].tensors[out].shape_signature
    result = infer_shapes(model)
    assert -1 in recorded[1:]  # the file says H is unknown ...
    assert -1 not in result.shape(out)[1:]  # ... it is not


def test_op_without_a_rule_keeps_its_recorded_shape_and_the_run_goes_on() -> None:
    model = sample("flex_select_tf.tflite")
    flex = next(op for op in model.subgraphs[0].operators if op.is_custom)
    result = infer_shapes(model)
    assert flex.index in result.not_inferred_ops
    out = flex.outputs[0]
    assert result.status[out] == TensorStatus.NOT_INFERRED
    assert result.shape(out) == model.subgraphs[0].tensors[out].shape_signature
    assert result.ok


@needs_corpus
def test_while_loop_is_not_inferred() -> None:
    model = tfl_inspect.load(corpus_model("multi_subgraphs_while.bin"))
    result = infer_shapes(model)
    assert [model.subgraphs[0].operators[i].opcode for i in result.not_inferred_ops] == ["WHILE"]


@needs_corpus
def test_composite_is_inferred_through_its_decomposition_subgraph() -> None:
    model = tfl_inspect.load(corpus_model("odml_sdpa_composite_mha.tflite.bin"))
    sg = model.subgraphs[0]
    comp = _op(model, "STABLEHLO_COMPOSITE")
    ok = infer_shapes(model)
    assert comp.index in ok.inferred_ops
    assert ok.shape(comp.outputs[0]) == sg.tensors[comp.outputs[0]].shape_signature
    first = sg.inputs[0]
    bigger = {first: (2, *sg.tensors[first].shape[1:])}
    failed = infer_shapes(model, bigger)
    assert failed.failure.op == comp.index
    assert "inside its subgraph" in failed.failure.message and "RESHAPE" in failed.failure.message


@needs_corpus
def test_lstm_state_fixed_at_conversion_explains_a_batch_change() -> None:
    model = tfl_inspect.load(corpus_model("unidirectional_sequence_lstm.bin"))
    x = model.subgraphs[0].inputs[0]
    shape = model.subgraphs[0].tensors[x].shape
    result = infer_shapes(model, {x: (shape[0] + 1, *shape[1:])})
    assert not result.ok and "state" in result.failure.message


# -- check_op / check_ops (what lint's SHP001 calls) ----------------------------------------


def test_check_ops_is_silent_on_converter_output() -> None:
    for path in sorted(SAMPLES.glob("*.tflite")):
        assert check_ops(tfl_inspect.load(path)) == [], path.name


@needs_corpus
def test_squeeze_of_an_axis_the_input_lacks_fails_as_in_litert() -> None:
    # The file records the input as unranked; LiteRT allocates its shape [] (a scalar).
    model = tfl_inspect.load(corpus_model("simple_squeeze.tflite"))
    x = model.subgraphs[0].inputs[0]
    assert infer_shapes(model).ok  # nothing to say about an unknown rank
    result = infer_shapes(model, {x: model.subgraphs[0].tensors[x].shape})
    assert result.failure.opcode == "SQUEEZE" and "out of range" in result.failure.message


def test_check_op_reports_a_recorded_output_that_contradicts_the_rule(tmp_path: Path) -> None:
    from tests.modeledit import pack, unpack

    src = SAMPLES / "dense_float32.tflite"
    if not src.is_file():
        pytest.skip("sample dense_float32 not generated")
    m = unpack(src)
    fc_out = m.subgraphs[0].operators[0].outputs[0]
    m.subgraphs[0].tensors[fc_out].shape = [1, 63]
    m.subgraphs[0].tensors[fc_out].shapeSignature = [-1, 63]
    model = tfl_inspect.load(pack(m))
    msg = check_op(model, 0, 0)
    assert msg is not None and "records output 0 as ?x63" in msg
    assert [c.op for c in check_ops(model)] == [0]


def test_constant_reshape_target_explains_a_fixed_batch() -> None:
    model = sample("upsampling_static_batch1.tflite")
    x = model.subgraphs[0].inputs[0]
    shape = model.subgraphs[0].tensors[x].shape_signature
    assert shape[0] == 1
    result = infer_shapes(model, {x: (2, *shape[1:])})
    assert result.failure.opcode == "RESHAPE"
    assert "converted with a fixed batch of 1" in result.failure.hint
    assert "batch_size=None" in result.failure.hint


@pytest.mark.parametrize("part", ["samples+thirdparty", pytest.param("corpus", marks=needs_corpus)])
def test_no_rule_raises_on_any_model_with_unknown_dims(monkeypatch, part: str) -> None:
    """With the recorded signatures (-1 dims), every rule copes with unknowns: no bug hidden."""
    from tfl_inspect.shapes import engine

    monkeypatch.setattr(engine, "_STRICT", True)
    paths = corpus_files("litert") if part == "corpus" else [*sorted(SAMPLES.glob("*.tflite")), *thirdparty_models()]
    seen = 0
    for path in paths:
        try:
            model = tfl_inspect.load(path)
        except tfl_inspect.ModelFormatError:
            continue
        for s in range(len(model.subgraphs)):
            engine.run(model, s, {})
        check_ops(model)
        seen += 1
    assert seen > (150 if part == "corpus" else len(paths) - 1)
