"""NAM rules: the I/O contract as application code sees it."""

from __future__ import annotations

import pytest

from tests.conftest import sample
from tests.rules.helpers import edited, lint, of
from tfl_inspect import load
from tfl_inspect.rules import Severity


def test_generated_names_with_mapping() -> None:
    (f,) = of(lint(sample("dense_float32.tflite")), "NAM001")
    assert f.signature == "serving_default" and f.severity is Severity.INFO
    assert "features → tensor 0 'serving_default_features:0'" in f.message
    assert "output_0 → tensor" in f.message and "get_signature_runner('serving_default')" in f.fix


def test_meaningful_names_have_no_nam001() -> None:
    path = sample("dense_float32.tflite")

    def rename(m) -> None:
        sg = m.subgraphs[0]
        sg.tensors[sg.inputs[0]].name = b"features"
        sg.tensors[sg.outputs[0]].name = b"probabilities"
        m.signatureDefs[0].outputs[0].name = b"probabilities"

    assert of(lint(edited(path, rename)), "NAM001") == []


def test_signature_order_differs_from_subgraph_order() -> None:
    model = load(sample("multi_io.tflite"))
    found = of(lint(model), "NAM002")
    assert len(found) == 2  # inputs and outputs
    inputs = next(f for f in found if "get_input_details" in f.message)
    assert "get_input_details()[0] is zeta [?, 4], not alpha [?, 4]" in inputs.message
    assert "(signature inputs in order: alpha, zeta)" in inputs.message
    assert inputs.severity is Severity.WARNING
    # What sits at each position, with shapes, so the mix-up is visible (issue 10).
    outputs = next(f for f in found if "get_output_details" in f.message)
    assert "get_output_details()[0] is score [?, 1], not aux [?, 3]" in outputs.message
    assert "get_output_details()[1] is aux [?, 3], not score [?, 1]" in outputs.message


def test_single_io_has_no_nam002() -> None:
    assert of(lint(sample("dense_float32.tflite")), "NAM002") == []


def test_duplicate_and_empty_io_names() -> None:
    path = sample("multi_io.tflite")

    def clash(m) -> None:
        sg = m.subgraphs[0]
        sg.tensors[sg.inputs[1]].name = sg.tensors[sg.inputs[0]].name
        sg.tensors[sg.outputs[0]].name = b""

    found = of(lint(edited(path, clash)), "NAM003")
    messages = " | ".join(f.message for f in found)
    assert len(found) == 2 and "same name" in messages and "empty name" in messages
    assert of(lint(path), "NAM003") == []


def test_model_without_signatures() -> None:
    path = sample("dense_float32.tflite")

    def strip(m) -> None:
        m.signatureDefs = []

    (f,) = of(lint(edited(path, strip)), "NAM004")
    assert f.severity is Severity.INFO and "from_saved_model" in f.fix
    assert of(lint(path), "NAM004") == []


def test_nam002_positions_and_shapes_agree_with_the_interpreter() -> None:
    # The oracle: what LiteRT's get_*_details() returns at each position, and its shape_signature.
    interpreter_mod = pytest.importorskip("ai_edge_litert.interpreter")
    path = sample("multi_io.tflite")
    interp = interpreter_mod.Interpreter(model_path=str(path))
    runner = interp.get_signature_list()["serving_default"]
    sig = interp._get_full_signature_list()["serving_default"]
    by_index = {i: n for n, i in {**sig["inputs"], **sig["outputs"]}.items()}
    found = of(lint(path), "NAM002")
    checked = 0
    for label, details in (("input", interp.get_input_details()), ("output", interp.get_output_details())):
        message = next(f.message for f in found if f"get_{label}_details" in f.message)
        names = runner[f"{label}s"]
        for k, d in enumerate(details):
            shape = "[" + ", ".join("?" if x < 0 else str(x) for x in d["shape_signature"]) + "]"
            actual = by_index[d["index"]]
            if actual != names[k]:
                assert f"get_{label}_details()[{k}] is {actual} {shape}, not {names[k]} " in message
                checked += 1
    assert checked == 4  # both positions of the inputs and of the outputs are swapped


def _modify_model_interface(tmp_path, name: str = "dense_int8_float_io.tflite"):  # type: ignore[no-untyped-def]
    """The sample after LiteRT's own C++ ``modify_model_interface`` to int8 I/O (INT8 = 9)."""
    mmi = pytest.importorskip("ai_edge_litert._pywrap_modify_model_interface", reason="ai-edge-litert not installed")
    out = tmp_path / "mmi_int8.tflite"
    assert mmi.modify_model_interface(str(sample(name)), str(out), 9, 9) == 0
    return out


def test_signature_left_stale_by_modify_model_interface(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """LiteRT loads the file and runs it positionally; only its signature runner fails. We read it,
    leave the stale entries out of the model's I/O and say so in NAM005."""
    import numpy as np

    interpreter = pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert not installed")
    path = _modify_model_interface(tmp_path)
    it = interpreter.Interpreter(model_path=str(path))
    it.allocate_tensors()
    (d,) = it.get_input_details()
    it.set_tensor(d["index"], np.zeros(d["shape"], np.int8))
    it.invoke()  # positionally the model works
    with pytest.raises(ValueError):
        it.get_signature_runner("serving_default").get_output_details()  # the stale output index

    model = load(path)
    (sig,) = model.signatures
    assert dict(sig.inputs) == {} and dict(sig.outputs) == {}
    assert sig.dangling == (("input", "features", 0), ("output", "output_0", 7))
    assert any("names tensor 7, but subgraph 0 has 7 tensors" in n for n in model.notes)
    found = of(lint(model), "NAM005")
    assert [f.severity for f in found] == [Severity.ERROR] * 2
    assert {f.io_name for f in found} == {"features", "output_0"}
    assert "not an input of subgraph 0 (its inputs: 3 'tfl.quantize')" in next(
        f.message for f in found if f.io_name == "features"
    )
    assert not of(lint(model), "DYN001")  # the stale float input is not taken for the model's input
    assert all(f.rule != "NAM005" for f in lint(load(sample("dense_int8_float_io.tflite"))))


def test_stale_signature_entries_are_in_the_inspect_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    import jsonschema

    from tfl_inspect import schemas
    from tfl_inspect.exporters.model_json import model_to_dict

    doc = json.loads(json.dumps(model_to_dict(load(_modify_model_interface(tmp_path)))))
    jsonschema.validate(doc, schemas.load("inspect"))
    assert doc["signatures"][0]["dangling"] == [
        {"role": "input", "name": "features", "tensor": 0},
        {"role": "output", "name": "output_0", "tensor": 7},
    ]
