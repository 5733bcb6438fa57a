"""`inspect --format json` is the whole model and always validates against schema/."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

import tfl_inspect
from tests.conftest import SAMPLES, corpus_files, run_cli, sample_models
from tfl_inspect.schemas import load as load_schema

SCHEMA = load_schema("inspect")
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _json(path: Path, *extra: str) -> dict:
    result = run_cli("inspect", path, "--format", "json", *extra)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_schema_is_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", sample_models() + [p for p in corpus_files("litert")], ids=lambda p: p.name)
def test_output_validates(path: Path) -> None:
    try:
        tfl_inspect.load(path)
    except tfl_inspect.ModelFormatError:
        pytest.skip("not a readable model (covered by the bad-input tests)")
    data = _json(path)
    VALIDATOR.validate(data)


def test_json_carries_the_io_contract() -> None:
    data = _json(SAMPLES / "multi_io.tflite")
    sig = data["signatures"][0]
    assert list(sig["inputs"]) == ["alpha", "zeta"]
    assert sig["order_differs"] is True
    sub = data["subgraphs"][0]
    zeta = sub["tensors"][sig["inputs"]["zeta"]]
    assert zeta["shape"] == [1, 4] and zeta["shape_signature"] == [-1, 4]
    assert sub["inputs"][0] == sig["inputs"]["zeta"]


def test_json_quantization_and_scheme() -> None:
    data = _json(SAMPLES / "dense_int8.tflite")
    assert data["summary"]["quantization"]["scheme"] == "full integer"
    t_in = data["subgraphs"][0]["tensors"][data["subgraphs"][0]["inputs"][0]]
    assert t_in["dtype"] == "INT8"
    assert len(t_in["quantization"]["scale"]) == 1 and t_in["quantization"]["quantized_dimension"] == 0
    ops = data["subgraphs"][0]["operators"]
    assert {"index", "opcode", "version", "inputs", "outputs", "options"} <= set(ops[0])


@pytest.mark.parametrize(
    ("sample", "scheme"),
    [
        ("dense_float32", "float32"),
        ("dense_float16", "float16 weights"),
        ("dense_dynamic_range", "dynamic range"),
        ("dense_int8_float_io", "full integer"),
        ("dense_uint8_io", "full integer"),
    ],
)
def test_quantization_scheme_detection(sample: str, scheme: str) -> None:
    s = tfl_inspect.summarize(tfl_inspect.load(SAMPLES / f"{sample}.tflite"))
    assert s.scheme == scheme, s.scheme_detail
