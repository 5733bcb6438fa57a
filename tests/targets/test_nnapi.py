"""NNAPI Validate table: op version, Android API level and input type, keyed on the level."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import tfl_inspect
from tests.targets.editing import DTYPE, edited, find, op_t, refusal, tensor_t
from tfl_inspect.targets import compat, nnapi


def _code(model: tfl_inspect.Model, opcode: str, level: int = nnapi.DEFAULT_LEVEL) -> str | None:
    return refusal(nnapi.check_op, model, opcode, 0, level)


def test_min_api_level(converted: dict[str, Path]) -> None:
    model = tfl_inspect.load(converted["topk_argmax_cumsum"])
    assert _code(model, "TOPK_V2", 29) is None
    assert _code(model, "TOPK_V2", 28) == "UNSUPPORTED_OPERATOR"  # ExpectMinAndroidSdkVersion(kMinSdkVersionForNNAPI12)


def test_max_op_version(converted: dict[str, Path]) -> None:
    def newer(m: Any) -> None:
        m.operatorCodes[op_t(m, "SOFTMAX").opcodeIndex].version = 3

    assert _code(tfl_inspect.load(converted["cnn_float"]), "SOFTMAX") is None
    assert _code(edited(converted["cnn_float"], newer), "SOFTMAX") == "UNSUPPORTED_OPERATOR_VERSION"


def test_float_or_quant8_input_type(converted: dict[str, Path]) -> None:
    def int32(m: Any) -> None:
        tensor_t(m, op_t(m, "MAX_POOL_2D").inputs[0]).type = DTYPE.INT32

    assert _code(edited(converted["cnn_float"], int32), "MAX_POOL_2D") == "UNSUPPORTED_INPUT_TYPE"


def test_float16_weight_dequantize_stays_on_the_cpu(converted: dict[str, Path]) -> None:
    """Constant float16 weights are not the run-time fp16 case of NNAPI 1.3; DEQUANTIZE v3 fails the version check."""
    model = tfl_inspect.load(converted["cnn_float16"])
    assert find(model, "DEQUANTIZE").version == 3
    assert _code(model, "DEQUANTIZE") == "UNSUPPORTED_OPERATOR_VERSION"


def test_int8_dequantize_needs_symmetric_at_api_29(converted: dict[str, Path]) -> None:
    model = tfl_inspect.load(converted["cnn_int8_float_io"])
    deq = find(model, "DEQUANTIZE")
    zp = model.subgraphs[0].tensors[deq.inputs[0]].quantization.zero_point[0]  # type: ignore[union-attr]
    assert _code(model, "DEQUANTIZE", 30) is None
    assert _code(model, "DEQUANTIZE", 29) == (None if zp == 0 else "UNSUPPORTED_QUANTIZATION_PARAMETERS")
    assert _code(model, "DEQUANTIZE", 28) == "UNSUPPORTED_INPUT_TYPE"  # only UINT8 before NNAPI 1.2


def test_no_mapping_for_an_op(converted: dict[str, Path]) -> None:
    assert _code(tfl_inspect.load(converted["topk_argmax_cumsum"]), "CUMSUM") == "UNSUPPORTED_OPERATOR"


@pytest.mark.parametrize("level", [27, 30])
def test_level_changes_the_verdict(converted: dict[str, Path], level: int) -> None:
    t = compat(tfl_inspect.load(converted["topk_argmax_cumsum"]), targets="nnapi", nnapi_level=level).targets["nnapi"]
    topk = next(v for v in t.operators if v.opcode == "TOPK_V2")
    assert topk.supported == (level >= 29)
