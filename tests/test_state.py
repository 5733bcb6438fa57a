"""Resource-variable state agrees with the LiteRT interpreter, tensor for tensor.

Oracle: ``get_tensor_details()`` after ``allocate_tensors()`` — each READ_VARIABLE result has the
variable's shape and dtype, and the init subgraph's constants (``get_tensor_details(subgraph_index)``)
hold its first value. Fixtures: a converter-made stateful ``tf.Module`` (converted once, in a
subprocess, so TensorFlow stays out of the test process) and the third-party streaming models.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import run_cli, thirdparty_models
from tfl_inspect import schemas
from tfl_inspect.readers.flatbuffer import read_flatbuffer
from tfl_inspect.state import model_state

litert = pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert not installed")

_CONVERT = r"""
import sys, tensorflow as tf

class Streaming(tf.Module):
    def __init__(self):
        self.state = tf.Variable(tf.zeros([1, 4, 3]), trainable=False)
        self.count = tf.Variable(tf.zeros([2], tf.int32), trainable=False)

    @tf.function(input_signature=[tf.TensorSpec([1, 1, 3], tf.float32)])
    def __call__(self, frame):
        window = tf.concat([self.state[:, 1:, :], frame], axis=1)
        self.state.assign(window)
        self.count.assign_add(tf.ones([2], tf.int32))
        return {"mean": tf.reduce_mean(window, axis=1), "count": self.count.read_value()}

m = Streaming()
conv = tf.lite.TFLiteConverter.from_concrete_functions([m.__call__.get_concrete_function()], m)
open(sys.argv[1], "wb").write(conv.convert())
"""


@pytest.fixture(scope="module")
def stateful_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("tensorflow") is None:
        pytest.skip("converting the stateful fixture needs TensorFlow")
    path = tmp_path_factory.mktemp("state") / "streaming.tflite"
    proc = subprocess.run([sys.executable, "-c", _CONVERT, str(path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return path


def _streaming_models() -> list[Path]:
    return [p for p in thirdparty_models() if model_state(read_flatbuffer(p)) is not None]


def _agree_with_interpreter(path: Path) -> None:
    model = read_flatbuffer(path)
    state = model_state(model)
    assert state is not None and state.variables
    interp = litert.Interpreter(model_path=str(path))
    interp.allocate_tensors()
    details = {
        s: {d["index"]: d for d in interp.get_tensor_details(subgraph_index=s)} for s in range(len(model.subgraphs))
    }
    total = 0
    for v in state.variables:
        assert v.shape is not None and v.dtype is not None and v.bytes is not None, v
        witnesses = list(v.reads) + ([v.initial_value] if v.initial_value else [])
        assert witnesses, f"{v.name}: neither read nor initialised"
        for s, t in witnesses:
            d = details[s][t]
            assert tuple(d["shape"]) == v.shape, (v.name, s, t, d["shape"])
            assert np.dtype(d["dtype"]).name == np.dtype(read_dtype(v.dtype)).name, (v.name, d["dtype"])
            assert int(np.prod(d["shape"])) * np.dtype(d["dtype"]).itemsize == v.bytes
            if v.quantization is not None and v.quantization.scale:
                assert d["quantization"][0] == pytest.approx(v.quantization.scale[0])
        total += v.bytes
    assert state.bytes == total


def read_dtype(name: str) -> str:
    from tfl_inspect import dtypes

    row = dtypes.by_name(name)
    assert row is not None and row.numpy is not None
    return row.numpy


def test_converter_made_state_agrees_with_interpreter(stateful_model: Path) -> None:
    model = read_flatbuffer(stateful_model)
    ops = {op.builtin for sg in model.subgraphs for op in sg.operators}
    assert {"CALL_ONCE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE"} <= ops
    state = model_state(model)
    assert state is not None
    assert sorted((v.shape, v.dtype) for v in state.variables) == [((1, 4, 3), "FLOAT32"), ((2,), "INT32")]
    assert state.bytes == 4 * 12 + 4 * 2
    assert len(state.init_subgraphs) == 1
    _agree_with_interpreter(stateful_model)


def test_streaming_third_party_models_agree_with_interpreter() -> None:
    models = _streaming_models()
    if not models:
        pytest.skip("no third-party streaming models: run python tests/fetch_models.py")
    for path in models:
        _agree_with_interpreter(path)


def test_inspect_shows_state_in_text_and_json(stateful_model: Path) -> None:
    text = run_cli("inspect", stateful_model)
    assert text.code == 0
    assert "State: 2 resource variable(s), 56 B" in text.out
    assert "reset_all_variables() does not reset resource variables" in text.out
    result = run_cli("inspect", stateful_model, "--format", "json")
    doc = json.loads(result.out)
    import jsonschema

    jsonschema.validate(doc, schemas.load("inspect"))
    state = doc["state"]
    assert state["bytes"] == 56 and state["init_subgraph"] is not None
    assert sorted(v["shape"] for v in state["variables"]) == [[1, 4, 3], [2]]


def test_no_state_means_null() -> None:
    from tests.conftest import sample

    doc = json.loads(run_cli("inspect", sample("dense_float32.tflite"), "--format", "json").out)
    assert doc["state"] is None


def test_reset_all_variables_does_not_reset_resource_variables() -> None:
    """The persistence note's claim, checked on a real streaming model with the real interpreter."""
    models = _streaming_models()
    if not models:
        pytest.skip("no third-party streaming models: run python tests/fetch_models.py")
    path = models[0]
    model = read_flatbuffer(path)
    state = model_state(model)
    assert state is not None
    read = next(v.reads[0] for v in state.variables if v.reads and v.reads[0][0] == 0)

    def reads(interp: object, x: np.ndarray) -> np.ndarray:
        inp = interp.get_input_details()[0]  # type: ignore[attr-defined]
        interp.set_tensor(inp["index"], x)  # type: ignore[attr-defined]
        interp.invoke()  # type: ignore[attr-defined]
        return interp.get_tensor(read[1]).copy()  # type: ignore[attr-defined,no-any-return]

    with pytest.warns(UserWarning):
        interp = litert.Interpreter(model_path=str(path), experimental_preserve_all_tensors=True)
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    rng = np.random.default_rng(0)
    info = np.iinfo(inp["dtype"]) if np.issubdtype(inp["dtype"], np.integer) else None
    xs = [
        rng.integers(info.min, info.max, size=inp["shape"], dtype=inp["dtype"])
        if info
        else rng.standard_normal(inp["shape"]).astype(inp["dtype"])
        for _ in range(8)
    ]
    first = reads(interp, xs[0])
    later = [reads(interp, x) for x in xs[1:]]
    assert any(not np.array_equal(first, r) for r in later), "state never changed: pick another variable"
    interp.reset_all_variables()
    assert not np.array_equal(reads(interp, xs[0]), first)
