"""`tfl_inspect.convert` on real failures: the diagnosis, then its fix applied, then success.

Three real failures: UpSampling2D on a fully dynamic input before a Conv2D (the sample), an
LSTM with a dynamic batch, and tf.linalg.det (no TFLite kernel). For each, the proposed fix is
applied to the Keras model and the conversion must then succeed.

All TensorFlow work happens once, in one subprocess running this file as a script (TF's
import and its C++ logging stay out of the test process); the tests read its JSON report.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None, reason="converting needs TensorFlow"),
]


# --------------------------------------------------------------------------------------------
# The script part (runs in the subprocess)


def _fill(shape: list[Any], size: int) -> tuple[int | None, ...]:
    """A static_input fix's per-example shape with its placeholders (None) set to ``size``."""
    return tuple(size if d is None else d for d in shape)


def _scenarios(out_dir: Path) -> dict[str, Any]:
    import io
    from contextlib import redirect_stdout

    import keras
    import tensorflow as tf

    import tfl_inspect
    from tfl_inspect.cli import main as cli_main
    from tfl_inspect.converter import ConversionError, try_convert, with_static_inputs
    from tfl_inspect.errors import TflInspectError, UsageError
    from tfl_inspect.exporters.diagnosis import to_json_dict

    sys.path.insert(0, str(ROOT / "tests" / "fixtures_mlir"))
    from generate import lstm_dynamic_batch, matrix_determinant

    report: dict[str, Any] = {}

    def fail(name: str, model: Any, **options: Any) -> dict[str, Any]:
        try:
            tfl_inspect.convert(model, **options)
        except ConversionError as exc:
            return {
                "is_tfl_inspect_error": isinstance(exc, TflInspectError),
                "cause": type(exc.__cause__).__name__,
                "text": str(exc),
                "converter_message": exc.converter_message,
                "diagnosis": to_json_dict(exc.diagnosis),
            }
        raise AssertionError(f"{name}: expected the conversion to fail")

    def ops_of(flatbuffer: bytes) -> dict[str, Any]:
        model = tfl_inspect.load(flatbuffer)
        sg = model.subgraphs[0]
        return {
            "bytes": len(flatbuffer),
            "ops": [o.opcode for o in sg.operators],
            "input_shape": list(sg.tensors[sg.inputs[0]].shape_signature),
        }

    # 1. UpSampling2D on a fully dynamic input, then Conv2D.
    upsampling = keras.models.load_model(ROOT / "samples" / "upsampling_dynamic.keras", compile=False)
    case = fail("upsampling", upsampling)
    static = next(f for f in case["diagnosis"]["failures"][0]["fixes"] if f["id"] == "static_input")
    (inp,) = static["params"]["inputs"]
    fixed = with_static_inputs(upsampling, {inp["name"]: _fill(inp["shape"], 32)}, batch_size=inp["batch_size"])
    case["fixed"] = ops_of(tfl_inspect.convert(fixed))
    report["upsampling"] = case

    # 2. LSTM with a dynamic batch (and time) axis.
    lstm = lstm_dynamic_batch()
    case = fail("lstm", lstm)
    static = next(f for f in case["diagnosis"]["failures"][0]["fixes"] if f["id"] == "static_input")
    (inp,) = static["params"]["inputs"]
    fixed = with_static_inputs(lstm, {inp["name"]: tuple(inp["shape"])}, batch_size=inp["batch_size"])
    case["fixed"] = ops_of(tfl_inspect.convert(fixed))
    report["lstm"] = case

    # 3. tf.linalg.det: no TFLite kernel.
    det = matrix_determinant()
    case = fail("det", det)
    select = next(f for f in case["diagnosis"]["failures"][0]["fixes"] if f["id"] == "select_tf_ops")
    assert "SELECT_TF_OPS" in select["code"]
    flatbuffer, diagnosis = try_convert(
        det, supported_ops=[tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
    )
    case["fixed"] = ops_of(flatbuffer) if flatbuffer else None
    case["fixed_diagnosis_ok"] = diagnosis.ok
    report["det"] = case

    # API edges: the non-raising form, and a misspelt option.
    flatbuffer, diagnosis = try_convert(lstm)
    report["try_convert"] = {"bytes": flatbuffer, "ok": diagnosis.ok, "layer": diagnosis.failures[0].layer}
    try:
        tfl_inspect.convert(det, supported_opps=[])
    except UsageError as exc:
        report["bad_option"] = str(exc)

    # The CLI converts a .keras file itself and diagnoses it with the Keras model as context.
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = cli_main(["diagnose", str(ROOT / "samples" / "upsampling_dynamic.keras"), "--format", "json"])
    report["cli"] = {"code": code, "json": json.loads(buf.getvalue())}
    return report


# --------------------------------------------------------------------------------------------
# The tests


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("convert")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run(
        [sys.executable, __file__, str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads((out / "report.json").read_text())


def _failure(case: dict[str, Any]) -> dict[str, Any]:
    (failure,) = case["diagnosis"]["failures"]
    return failure


def test_failure_raises_a_readable_conversion_error(report: dict[str, Any]) -> None:
    case = report["upsampling"]
    assert case["is_tfl_inspect_error"] and case["cause"] == "ConverterError"
    assert "Keras layer 'conv' (Conv2D)" in case["text"]
    assert "func.func" not in case["text"], "the exception text is the diagnosis, not the MLIR"
    assert "func.func" in case["converter_message"], "the converter's own text stays available"


def test_upsampling_diagnosis_names_layers_and_dims_then_the_static_fix_converts(report: dict[str, Any]) -> None:
    case = report["upsampling"]
    f = _failure(case)
    assert (f["op"], f["layer"], f["layer_class"]) == ("tf.Conv2D", "conv", "Conv2D")
    (channel,) = [u for u in f["unknown_dims"] if u["matters"]]
    assert (channel["dim"], channel["axis"]) == (3, "channels")
    origin = f["origin"][channel["origin"]]
    assert origin["kind"] == "runtime_reshape" and origin["op"] == "RESHAPE"
    assert (origin["layer"], origin["layer_class"]) == ("upsample", "UpSampling2D")
    ids = [x["id"] for x in f["fixes"] if x["applies"]]
    assert ids[:2] == ["static_input", "resize_instead_of_upsampling"] and "select_tf_ops" in ids
    fixed = case["fixed"]
    assert fixed["input_shape"] == [1, 32, 32, 3]
    assert "CONV_2D" in fixed["ops"] and not any(op.startswith("tf.") for op in fixed["ops"])


def test_lstm_diagnosis_asks_for_a_static_batch_and_that_converts(report: dict[str, Any]) -> None:
    case = report["lstm"]
    f = _failure(case)
    assert (f["op"], f["layer"], f["layer_class"]) == ("tf.TensorListReserve", "lstm", "LSTM")
    mattering = [(u["value"], u["dim"], u["axis"]) for u in f["unknown_dims"] if u["matters"]]
    assert mattering == [("seq", 0, "batch")]
    static = next(x for x in f["fixes"] if x["id"] == "static_input")
    assert static["code"] == "keras.Input(shape=(None, 8), batch_size=1, name='seq')"
    fixed = case["fixed"]
    assert fixed["input_shape"] == [1, -1, 8], "the time axis may stay dynamic"
    assert "UNIDIRECTIONAL_SEQUENCE_LSTM" in fixed["ops"] or "WHILE" in fixed["ops"]


def test_op_without_kernel_is_fixed_by_select_tf_ops(report: dict[str, Any]) -> None:
    case = report["det"]
    f = _failure(case)
    assert (f["op"], f["layer"]) == ("tf.MatrixDeterminant", "det")
    assert f["fixes"][0]["id"] == "select_tf_ops" and f["fixes"][0]["recommended"]
    assert case["fixed_diagnosis_ok"]
    assert case["fixed"]["ops"] == ["FULLY_CONNECTED", "FlexMatrixDeterminant"]


def test_try_convert_returns_the_diagnosis_instead_of_raising(report: dict[str, Any]) -> None:
    assert report["try_convert"] == {"bytes": None, "ok": False, "layer": "lstm"}


def test_unknown_converter_option_is_a_usage_error(report: dict[str, Any]) -> None:
    assert "unknown converter option 'supported_opps'" in report["bad_option"]
    assert "supported_ops" in report["bad_option"]


def test_cli_converts_and_diagnoses_a_keras_file(report: dict[str, Any]) -> None:
    cli = report["cli"]
    assert cli["code"] == 1
    data = cli["json"]
    assert data["status"] == "failed" and data["source"].endswith("upsampling_dynamic.keras")
    assert data["failures"][0]["layer"] == "conv"
    assert stdout_is_clean(data)


def test_diagnoses_with_keras_context_follow_the_json_schema(report: dict[str, Any]) -> None:
    import jsonschema

    from tfl_inspect.schemas import load as load_schema

    schema = load_schema("diagnose")
    for name in ("upsampling", "lstm", "det"):
        jsonschema.validate(report[name]["diagnosis"], schema)
    jsonschema.validate(report["cli"]["json"], schema)
    origins = _failure(report["lstm"])["origin"]
    assert [o["kind"] for o in origins] == ["keras_input"] and origins[0]["type"] == "(None, None, 8)"


def stdout_is_clean(data: dict[str, Any]) -> bool:
    """The JSON parsed, so Keras' 'Saved artifact at ...' did not leak into stdout."""
    return data["tool"]["name"] == "tfl-inspect"


if __name__ == "__main__":
    out_dir = Path(sys.argv[1])
    result = _scenarios(out_dir)
    (out_dir / "report.json").write_text(json.dumps(result, default=str))
