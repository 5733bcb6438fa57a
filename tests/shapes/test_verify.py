"""The interpreter runs in child processes: crashes and endless loops become reports."""

from __future__ import annotations

import pytest

import tfl_inspect
from tests.conftest import corpus_files, needs_corpus, require_corpus
from tfl_inspect.shapes import infer_shapes
from tfl_inspect.shapes.verify import compare, run_batch, verify

pytest.importorskip("ai_edge_litert", reason="ai-edge-litert not installed")


def corpus_path(name: str) -> str:
    require_corpus()
    for p in corpus_files("litert"):
        if p.name == name:
            return str(p)
    pytest.skip(f"{name} not in the corpus")


def _request(path: str, *, invoke: bool = True) -> dict:
    model = tfl_inspect.load(path)
    sg = model.subgraphs[0]
    return {
        "model": path,
        "subgraph": 0,
        "inputs": {str(i): list(sg.tensors[i].shape) for i in sg.inputs},
        "graph_inputs": list(sg.inputs),
        "invoke": invoke,
    }


@needs_corpus
def test_an_aborting_interpreter_is_reported_and_the_batch_goes_on() -> None:
    crashing = corpus_path("blockwise_quantized.tflite")
    fine = corpus_path("add.bin")
    crash, ok = run_batch([_request(crashing), _request(fine)])
    assert crash["stage"] == "crash" and "signal" in crash["error"]
    assert ok["stage"] == "ok" and ok["invoked"] and ok["shapes"]


@needs_corpus
def test_an_endless_invoke_times_out_and_the_batch_goes_on() -> None:
    looping = corpus_path("nested_while.bin")
    fine = corpus_path("add.bin")
    slow, ok = run_batch([_request(looping), _request(fine)], timeout=3)
    assert slow["stage"] == "timeout"
    assert ok["stage"] == "ok"


@needs_corpus
def test_verify_does_not_invoke_while_loops() -> None:
    model = tfl_inspect.load(corpus_path("nested_while.bin"))
    sg = model.subgraphs[0]
    result = infer_shapes(model, {i: sg.tensors[i].shape for i in sg.inputs})
    v = verify(result, timeout=30)
    assert v.interpreter_ok and not v.invoked


def test_tensors_after_the_op_where_the_interpreter_stopped_are_not_compared() -> None:
    from tests.conftest import SAMPLES

    path = SAMPLES / "classifier_flatten.tflite"
    if not path.is_file():
        pytest.skip("sample classifier_flatten not generated")
    model = tfl_inspect.load(path)
    result = infer_shapes(model, {"image": (1, 64, 64, 3)})
    v = verify(result)
    stop = v.failed_op
    producers = {o: op.index for op in model.subgraphs[0].operators for o in op.outputs}
    compared = [i for i, st in enumerate(result.status) if st == "inferred" and producers.get(i, 99) < stop]
    assert v.total == len(compared) and v.agree == v.total
    # Had it stopped at op 1, only what op 0 produced would count.
    error = "Node number 1 (MAX_POOL_2D) failed to invoke."
    report = {"stage": "invoke", "error": error, "invoked": False, "shapes": v.interpreter_shapes}
    early = compare(result, report)
    assert early.failed_op == 1 and early.total == len(model.subgraphs[0].operators[0].outputs)


def test_dense_on_a_larger_image_runs_in_litert_but_is_reported(tmp_path) -> None:
    """FULLY_CONNECTED flattening a 4-D input by itself: LiteRT silently makes more rows."""
    from tests.conftest import SAMPLES
    from tests.modeledit import pack, unpack

    src = SAMPLES / "classifier_flatten.tflite"
    if not src.is_file():
        pytest.skip("sample classifier_flatten not generated")
    m = unpack(src)
    sg = m.subgraphs[0]
    from ai_edge_litert.schema_py_generated import BuiltinOperator as B

    def code(op) -> int:
        c = m.operatorCodes[op.opcodeIndex]
        return max(c.builtinCode, c.deprecatedBuiltinCode)

    reshape = next(op for op in sg.operators if code(op) == B.RESHAPE)
    fc = next(op for op in sg.operators if code(op) == B.FULLY_CONNECTED)
    fc.inputs[0] = reshape.inputs[0]  # Dense straight on the pooled 4-D tensor
    flatten = (B.SHAPE, B.STRIDED_SLICE, B.PACK, B.RESHAPE)
    sg.operators = [op for op in sg.operators if code(op) not in flatten]
    path = tmp_path / "dense_on_4d.tflite"
    path.write_bytes(pack(m))
    model = tfl_inspect.load(path)
    fine = infer_shapes(model, {0: (2, 32, 32, 3)})
    assert fine.ok
    result = infer_shapes(model, {0: (1, 64, 64, 3)})
    f = result.failure
    assert f.opcode == "FULLY_CONNECTED" and not f.runtime_checks
    weights = model.subgraphs[0].tensors[model.subgraphs[0].operators[f.op].inputs[1]].shape
    assert f"expects {weights[1]} input features (weights [{weights[0]}, {weights[1]}])" in f.message
    assert "Flatten before Dense" in f.hint
    v = verify(result)
    assert v.interpreter_ok and v.consistent and "does not check" in v.verdict
