"""Classic GPU delegate rules (gpu_compatibility.cc + model_builder.cc type filter), one case per ported rule.

No GPU delegate runs here: each case shows the rule firing on a converter-made model, edited
where the converter would not produce the case, and (where it makes sense) not firing on the original.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import tfl_inspect
from tests.targets.editing import DTYPE, drop_constant, edited, find, op_t, refusal, set_options, tensor_t
from tfl_inspect.targets import compat
from tfl_inspect.targets import gpu_classic as gpu
from tfl_inspect.targets.reasons import Reject

_code = partial(refusal, gpu.check_op)  # (model, opcode[, nth]) -> the reason code, or None


# (fixture, opcode, edit, expected reason code) — each row is one ported rule.
CASES = [
    ("cnn_float", "CONV_2D", set_options("CONV_2D", strideH=0), "INVALID_ARGUMENT"),  # CheckStridesAndDilation
    ("cnn_float", "CONV_2D", set_options("CONV_2D", dilationWFactor=0), "INVALID_ARGUMENT"),
    ("cnn_float", "CONV_2D", set_options("CONV_2D", fusedActivationFunction=5), "NO_ACTIVATION_EXPECTED"),  # SIGN_BIT
    ("cnn_float", "DEPTHWISE_CONV_2D", set_options("DEPTHWISE_CONV_2D", depthMultiplier=2), "UNSUPPORTED_OPERAND_SIZE"),
    # CheckKernelsAndStrides
    ("cnn_float", "MAX_POOL_2D", set_options("MAX_POOL_2D", filterWidth=0), "INVALID_ARGUMENT"),
    ("cnn_float", "AVERAGE_POOL_2D", set_options("AVERAGE_POOL_2D", strideW=0), "INVALID_ARGUMENT"),
    ("cnn_float", "SOFTMAX", set_options("SOFTMAX", beta=2.0), "UNSUPPORTED_OPERAND_VALUE"),
    ("cnn_float", "FULLY_CONNECTED", set_options("FULLY_CONNECTED", weightsFormat=1), "UNSUPPORTED_OPERATOR_VARIANT"),
    (
        "cnn_float",
        "RESIZE_BILINEAR",
        set_options("RESIZE_BILINEAR", alignCorners=True, halfPixelCenters=True),
        "UNSUPPORTED_OPERATOR_VARIANT",
    ),
    ("cnn_float", "MEAN", drop_constant("MEAN", 1), "INPUT_TENSOR_SHOULD_HAVE_CONSTANT_SHAPE"),  # constant axes
    ("topk_argmax_cumsum", "CUMSUM", drop_constant("CUMSUM", 1), "CONSTANT_INPUT_REQUIRED"),
]


@pytest.mark.parametrize(("fixture", "opcode", "change", "code"), CASES, ids=[f"{c[1]}-{c[3]}" for c in CASES])
def test_rule(converted: dict[str, Path], fixture: str, opcode: str, change: Callable[[Any], None], code: str) -> None:
    original = tfl_inspect.load(converted[fixture])
    assert _code(original, opcode) is None
    assert _code(edited(converted[fixture], change), opcode) == code


def test_unsupported_op_with_fix(converted: dict[str, Path]) -> None:
    model = tfl_inspect.load(converted["topk_argmax_cumsum"])
    op = find(model, "ARG_MAX")
    with pytest.raises(Reject) as err:
        gpu.check_op(model.subgraphs[0], op)
    assert err.value.reason.code == "UNSUPPORTED_OPERATOR" and err.value.reason.fix


def test_type_filter_rejects_int32_outputs(converted: dict[str, Path]) -> None:
    """IsAllAllowedTensors: TOPK_V2 passes its rule but its INT32 indices output is not a GPU type."""
    assert _code(tfl_inspect.load(converted["topk_argmax_cumsum"]), "TOPK_V2") == "UNSUPPORTED_OUTPUT_TYPE"


def test_type_filter_rejects_rank_5(converted: dict[str, Path]) -> None:
    def rank5(m: Any) -> None:
        t = tensor_t(m, op_t(m, "SOFTMAX").outputs[0])
        t.shape = [1, 1, 1, 1, *t.shape[1:]]

    assert _code(edited(converted["cnn_float"], rank5), "SOFTMAX") == "UNSUPPORTED_OPERAND_RANK"


def test_type_filter_allows_quantized_ops(converted: dict[str, Path]) -> None:
    report = compat(tfl_inspect.load(converted["cnn_int8"]), targets="gpu-classic").targets["gpu-classic"]
    assert report.whole_model


def test_float16_weights_join_the_partition(converted: dict[str, Path]) -> None:
    report = compat(tfl_inspect.load(converted["cnn_float16"]), targets="gpu-classic").targets["gpu-classic"]
    assert report.whole_model and len(report.partitions) == 1
    assert {0, 1, 2, 3} <= set(report.partitions[0].ops)  # the four DEQUANTIZE ops


def test_only_the_largest_partition_is_kept(converted: dict[str, Path]) -> None:
    """An unsupported op in the middle splits the graph; the smaller side stays on the CPU."""
    model = edited(converted["cnn_float"], drop_constant("MEAN", 1))
    report = compat(model, targets="gpu-classic").targets["gpu-classic"]
    assert len(report.partitions) == 1
    outside = [v for v in report.operators if v.reasons and v.reasons[0].code == "OUTSIDE_PARTITION"]
    assert outside and all(v.index > find(model, "MEAN").index for v in outside)
    assert report.transitions >= 1


def test_dynamic_shape_chain_refuses_the_graph(converted: dict[str, Path]) -> None:
    dyn = compat(tfl_inspect.load(converted["upsampling_dynamic_batch"]), targets="gpu-classic").targets["gpu-classic"]
    assert dyn.supported_ops == 0 and dyn.model_reasons[0].code == "DYNAMIC_TENSOR"
    assert "batch_size=1" in (dyn.model_reasons[0].fix or "")
    static = compat(tfl_inspect.load(converted["upsampling_batch1"]), targets="gpu-classic").targets["gpu-classic"]
    assert not static.model_reasons
    # with batch 1 the chain folds to RESHAPE/TILE on 5-D tensors: the GPU takes the CONV_2D only
    assert {v.reasons[0].code for v in static.operators if not v.supported} == {"UNSUPPORTED_OPERAND_RANK"}
    assert [v.opcode for v in static.operators if v.supported] == ["CONV_2D"]


def test_int16_dequantize_is_rejected(converted: dict[str, Path]) -> None:
    def int16(m: Any) -> None:
        tensor_t(m, op_t(m, "DEQUANTIZE").inputs[0]).type = DTYPE.INT16

    assert _code(edited(converted["cnn_float16"], int16), "DEQUANTIZE") == "UNSUPPORTED_INPUT_TYPE"


def _corpus_model(name: str) -> Path:
    from tests.conftest import require_corpus

    return next(require_corpus().rglob(name))


def _bool_out(opcode: str) -> Callable[[Any], None]:
    def change(m: Any) -> None:
        tensor_t(m, op_t(m, opcode).outputs[0]).type = DTYPE.BOOL

    return change


def _rank3(opcode: str, slot: int) -> Callable[[Any], None]:
    def change(m: Any) -> None:
        tensor_t(m, op_t(m, opcode).inputs[slot]).shape = [3, 4, 5]

    return change


@pytest.mark.parametrize(
    ("name", "opcode", "change", "code"),
    [
        ("add_10x10.tflite", "ADD", _rank3("ADD", 1), "UNSUPPORTED_OPERAND_SIZE"),  # CheckAddMulBroadcastCompatibility
        ("rope.tflite", "SLICE", _rank3("SLICE", 0), None),  # 3-D input is still sliced
        ("mixed_input_model.tflite", "CAST", _bool_out("CAST"), "UNSUPPORTED_INPUT_TYPE"),  # INT32→BOOL
        (
            "simple_mirror_pad_reflect_op.tflite",
            "MIRROR_PAD",
            set_options("MIRROR_PAD", mode=1),
            "UNSUPPORTED_OPERATOR_VARIANT",
        ),
        ("float32.bin", "SPACE_TO_DEPTH", set_options("SPACE_TO_DEPTH", blockSize=1), "UNSUPPORTED_OPERAND_VALUE"),
        ("delegate_compatibility_test.tflite", "BATCH_MATMUL", drop_constant("BATCH_MATMUL", 0), None),
    ],
    ids=[
        "add-broadcast",
        "slice-3d",
        "cast-int32-bool",
        "mirror-pad-symmetric",
        "space-to-depth-block",
        "bmm",
    ],
)
def test_rule_on_corpus(name: str, opcode: str, change: Callable[[Any], None], code: str | None) -> None:
    path = _corpus_model(name)
    original = tfl_inspect.load(path)
    before = _code(original, opcode)
    after = _code(edited(path, change), opcode)
    if code is None:
        assert after == before  # the edit stays inside what the rule accepts
    else:
        assert before != code and after == code


def test_strided_slice_masks() -> None:
    """dynamic_shapes.bin slices with shrink_axis_mask set: the GPU rule refuses it; without it, it passes."""
    path = _corpus_model("dynamic_shapes.bin")
    assert _code(tfl_inspect.load(path), "STRIDED_SLICE") == "UNSUPPORTED_OPERATOR_VARIANT"
    assert _code(edited(path, set_options("STRIDED_SLICE", shrinkAxisMask=0)), "STRIDED_SLICE") is None


def test_slice_needs_3d_or_4d() -> None:
    path = _corpus_model("rope.tflite")

    def rank2(m: Any) -> None:
        tensor_t(m, op_t(m, "SLICE").inputs[0]).shape = [8, 100]

    assert _code(edited(path, rank2), "SLICE") == "UNSUPPORTED_OPERAND_RANK"


def test_transpose_conv_strides(converted: dict[str, Path]) -> None:
    assert _code(tfl_inspect.load(converted["conv2d_transpose"]), "TRANSPOSE_CONV") is None
    model = edited(converted["conv2d_transpose"], set_options("TRANSPOSE_CONV", strideW=0))
    assert _code(model, "TRANSPOSE_CONV") == "INVALID_ARGUMENT"


def test_custom_ops_outside_the_gpu_list() -> None:
    model = tfl_inspect.load(_corpus_model("custom_sinh.bin"))
    op = next(o for o in model.subgraphs[0].operators if o.is_custom)
    with pytest.raises(Reject) as err:
        gpu.check_op(model.subgraphs[0], op)
    assert err.value.reason.code == "UNSUPPORTED_OPERATOR"
