"""Edge TPU rules (Coral's requirements and supported-operations table), one case per rule.

No Edge TPU compiler runs here: each case shows a rule firing on a converter-made (or edited) model.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import tfl_inspect
from tests.conftest import needs_corpus
from tests.targets.editing import DTYPE, edited, find, op_t, refusal, set_options, tensor_t
from tfl_inspect.targets import compat, edgetpu
from tfl_inspect.targets.reasons import Reject

_code = partial(refusal, edgetpu.check_op)  # (model, opcode[, nth]) -> the reason code, or None


def _axes(values: list[int]) -> Callable[[Any], None]:
    def change(m: Any) -> None:
        import numpy as np

        buf = m.buffers[tensor_t(m, op_t(m, "MEAN").inputs[1]).buffer]
        buf.data = np.array(values, dtype="<i4").view(np.uint8)
        tensor_t(m, op_t(m, "MEAN").inputs[1]).shape = [len(values)]

    return change


def _big_leading_dim(m: Any) -> None:
    t = tensor_t(m, op_t(m, "CONV_2D").inputs[0])
    t.shape = [2, *t.shape[1:]]
    t.shapeSignature = list(t.shape)


def _runtime_filter(m: Any) -> None:
    tensor_t(m, op_t(m, "CONV_2D").inputs[1]).buffer = 0


def _float_tensor(m: Any) -> None:
    tensor_t(m, op_t(m, "SOFTMAX").outputs[0]).type = DTYPE.FLOAT32


CASES = [
    ("MAX_POOL_2D", set_options("MAX_POOL_2D", fusedActivationFunction=1), "NO_ACTIVATION_EXPECTED"),
    ("AVERAGE_POOL_2D", set_options("AVERAGE_POOL_2D", fusedActivationFunction=3), "NO_ACTIVATION_EXPECTED"),
    ("CONCATENATION", set_options("CONCATENATION", fusedActivationFunction=1), "NO_ACTIVATION_EXPECTED"),
    ("FULLY_CONNECTED", set_options("FULLY_CONNECTED", weightsFormat=1), "UNSUPPORTED_OPERATOR_VARIANT"),
    ("MEAN", _axes([3]), "UNSUPPORTED_OPERAND_VALUE"),  # x/y reduction only
    ("CONV_2D", _big_leading_dim, "UNSUPPORTED_OPERAND_RANK"),  # at most 3 innermost dims above 1
    ("CONV_2D", _runtime_filter, "CONSTANT_INPUT_REQUIRED"),  # parameters constant at compile time
    ("SOFTMAX", _float_tensor, "UNSUPPORTED_OUTPUT_TYPE"),  # 8-bit tensors only
]


@pytest.mark.parametrize(("opcode", "change", "code"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_rule(converted: dict[str, Path], opcode: str, change: Callable[[Any], None], code: str) -> None:
    assert _code(tfl_inspect.load(converted["cnn_int8"]), opcode) is None
    assert _code(edited(converted["cnn_int8"], change), opcode) == code


def test_full_int8_model_maps_in_one_partition(converted: dict[str, Path]) -> None:
    t = compat(tfl_inspect.load(converted["cnn_int8"]), targets="edgetpu").targets["edgetpu"]
    assert t.whole_model and len(t.partitions) == 1 and t.transitions == 0


def test_float_io_stops_at_the_first_op_with_a_fix(converted: dict[str, Path]) -> None:
    t = compat(tfl_inspect.load(converted["cnn_int8_float_io"]), targets="edgetpu").targets["edgetpu"]
    first = t.operators[0]
    assert first.opcode == "QUANTIZE" and first.reasons[0].code == "UNSUPPORTED_OPERATOR"
    assert "inference_input_type" in (first.reasons[0].fix or "")
    assert all(v.reasons[0].code == "OUTSIDE_PARTITION" for v in t.operators[1:])


def test_everything_after_the_first_unmapped_op_runs_on_the_cpu(converted: dict[str, Path]) -> None:
    model = edited(converted["cnn_int8"], set_options("MAX_POOL_2D", fusedActivationFunction=1))
    t = compat(model, targets="edgetpu").targets["edgetpu"]
    stop = find(model, "MAX_POOL_2D").index
    assert t.partitions[0].ops == tuple(range(stop)) and t.transitions == 1
    assert all(not v.supported for v in t.operators[stop:])


def test_dynamic_batch_is_not_mapped() -> None:
    """dense_int8 is fully int8 but keeps Keras' dynamic batch: sizes must be static."""
    from tests.conftest import sample

    t = compat(tfl_inspect.load(sample("dense_int8.tflite")), targets="edgetpu").targets["edgetpu"]
    first = t.operators[0].reasons[0]
    assert t.supported_ops == 0 and first.code == "DYNAMIC_TENSOR"
    assert "batch_size=1" in (first.fix or "")


def test_dynamic_range_weights_are_not_8bit_activations(converted: dict[str, Path]) -> None:
    t = compat(tfl_inspect.load(converted["lstm_dynamic_range"]), targets="edgetpu").targets["edgetpu"]
    assert not t.whole_model


@needs_corpus
def test_one_subgraph_only() -> None:
    from tests.conftest import require_corpus

    path = next(require_corpus().rglob("multi_subgraphs_while.bin"))
    t = compat(tfl_inspect.load(path), targets="edgetpu").targets["edgetpu"]
    assert t.model_reasons[0].code == "MODEL_LIMIT"
    assert all(v.reasons[0].code == "MODEL_LIMIT" for v in t.operators if v.subgraph > 0)


def _limit(model: tfl_inspect.Model, opcode: str) -> str | None:
    """The op's own 'known limitations' check from the table, without the tensor requirements."""
    op = find(model, opcode)
    try:
        edgetpu.OPS[opcode](model.subgraphs[0], op)
    except Reject as rej:
        return rej.reason.code
    return None


def test_softmax_limits(converted: dict[str, Path]) -> None:
    assert _limit(tfl_inspect.load(converted["cnn_int8"]), "SOFTMAX") is None  # [1, 10]: effectively 1-D

    def two_d(m: Any) -> None:
        tensor_t(m, op_t(m, "SOFTMAX").inputs[0]).shape = [2, 10]

    def huge(m: Any) -> None:
        tensor_t(m, op_t(m, "SOFTMAX").inputs[0]).shape = [1, 16001]

    assert _limit(edited(converted["cnn_int8"], two_d), "SOFTMAX") == "UNSUPPORTED_OPERAND_RANK"
    assert _limit(edited(converted["cnn_int8"], huge), "SOFTMAX") == "UNSUPPORTED_OPERAND_SIZE"


def test_concatenation_constant_input_must_be_zeros(converted: dict[str, Path]) -> None:
    def const_input(m: Any) -> None:
        import numpy as np

        t = tensor_t(m, op_t(m, "CONCATENATION").inputs[1])
        t.buffer = len(m.buffers)
        buf = type(m.buffers[0])()
        n = 1
        for d in t.shape:
            n *= d
        buf.data = np.ones(n, dtype=np.int8).view(np.uint8)
        m.buffers.append(buf)

    assert _limit(tfl_inspect.load(converted["cnn_int8"]), "CONCATENATION") is None
    assert _limit(edited(converted["cnn_int8"], const_input), "CONCATENATION") == "UNSUPPORTED_OPERAND_VALUE"


@needs_corpus
def test_strided_slice_strides_must_be_1() -> None:
    from tests.conftest import require_corpus

    path = next(require_corpus().rglob("dynamic_shapes.bin"))
    model = tfl_inspect.load(path)
    assert _limit(model, "STRIDED_SLICE") is None

    def stride2(m: Any) -> None:
        import numpy as np

        t = tensor_t(m, op_t(m, "STRIDED_SLICE").inputs[3])
        m.buffers[t.buffer].data = np.array([1, 2, 1], dtype="<i4").view(np.uint8)

    assert _limit(edited(path, stride2), "STRIDED_SLICE") == "UNSUPPORTED_OPERAND_VALUE"
