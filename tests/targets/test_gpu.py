"""The GPU accelerator's rules (ML Drift's op parsers, tensor filter, float16 helper, refusal), case by case.

test_gpu_oracle.py checks every model against the accelerator itself; these cases pin each ported rule on
a converter-made or corpus model (edited where the converter does not produce the case), so a regression
names the rule, and run where the accelerator cannot.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import tfl_inspect
from tests.conftest import require_corpus, sample
from tests.targets.editing import drop_constant, edited, op_t, refusal, set_options
from tfl_inspect.targets import compat, gpu
from tfl_inspect.targets.reasons import Reject

_code = partial(refusal, gpu.check_op)  # (model, opcode[, nth]) -> the reason code, or None


def _report(model: tfl_inspect.Model | Path) -> Any:
    m = model if isinstance(model, tfl_inspect.Model) else tfl_inspect.load(model)
    return compat(m, targets="gpu").targets["gpu"]


def _on_gpu(report: Any) -> list[str]:
    return [v.opcode for v in report.operators if v.supported]


def _corpus(name: str) -> Path:
    return next(require_corpus().rglob(name))


def _version(opcode: str, version: int) -> Callable[[Any], None]:
    def change(m: Any) -> None:
        m.operatorCodes[op_t(m, opcode).opcodeIndex].version = version

    return change


# (fixture, opcode, edit, reason code): the parsers' own checks and the gpu_compatibility.cc ones they call.
CASES = [
    ("cnn_float", "CONV_2D", set_options("CONV_2D", strideH=0), "INVALID_ARGUMENT"),
    ("cnn_float", "CONV_2D", set_options("CONV_2D", fusedActivationFunction=5), "NO_ACTIVATION_EXPECTED"),
    ("cnn_float", "CONV_2D", _version("CONV_2D", 7), "UNSUPPORTED_OPERATOR_VERSION"),  # max_version 6
    ("cnn_float", "SOFTMAX", set_options("SOFTMAX", beta=2.0), "UNSUPPORTED_OPERAND_VALUE"),
    ("cnn_float", "FULLY_CONNECTED", set_options("FULLY_CONNECTED", weightsFormat=1), "UNSUPPORTED_OPERATOR_VARIANT"),
    ("cnn_float", "MEAN", drop_constant("MEAN", 1), "CONSTANT_INPUT_REQUIRED"),  # constant axes
    ("cnn_float", "MAX_POOL_2D", set_options("MAX_POOL_2D", filterWidth=0), "INVALID_ARGUMENT"),
    ("cnn_float", "DEPTHWISE_CONV_2D", set_options("DEPTHWISE_CONV_2D", depthMultiplier=2), "UNSUPPORTED_OPERAND_SIZE"),
    ("topk_argmax_cumsum", "TOPK_V2", drop_constant("TOPK_V2", 1), "UNSUPPORTED_OPERAND_SIZE"),  # k: 2 runtime
]


@pytest.mark.parametrize(("fixture", "opcode", "change", "code"), CASES, ids=[f"{c[1]}-{c[3]}" for c in CASES])
def test_rule(converted: dict[str, Path], fixture: str, opcode: str, change: Callable[[Any], None], code: str) -> None:
    assert _code(tfl_inspect.load(converted[fixture]), opcode) is None
    assert _code(edited(converted[fixture], change), opcode) == code


def test_ops_without_a_parser_are_not_supported(converted: dict[str, Path]) -> None:
    """NewOperationParser has no case for SHAPE, EXPAND_DIMS, ...: "Operation is not supported."."""
    report = _report(sample("upsampling_static.tflite"))
    shape = next(v for v in report.operators if v.opcode == "SHAPE")
    assert shape.reasons[0].code == "UNSUPPORTED_OPERATOR"
    assert shape.reasons[0].message == "Operation is not supported."
    assert shape.reasons[0].fix  # fold the SHAPE chain


def test_types_are_filtered_on_run_time_tensors_only() -> None:
    """IsAllAllowedTensors checks the type of kTfLiteArenaRw tensors: the INT32 shape STRIDED_SLICE reads
    is computed at Prepare (SHAPE's output), so the slice and the CONCATENATION after it pass; the RESHAPE
    then has two run-time inputs (a Prepare-computed shape is not a constant), one too many."""
    report = _report(sample("upsampling_static.tflite"))
    assert _on_gpu(report) == ["STRIDED_SLICE", "CONCATENATION"]
    reshape = next(v for v in report.operators if v.opcode == "RESHAPE")
    assert "Expected 1 runtime input tensor(s), but node has 2" in reshape.reasons[0].message
    tile = next(v for v in report.operators if v.opcode == "TILE")
    assert tile.reasons[0].message.startswith("Tensor dimensions must be less than 5.")
    assert not report.model_reasons  # the SHAPE chain leaves no dynamic-sized tensor


def test_int32_operands_of_integer_ops(gpu_fixtures: dict[str, Path]) -> None:
    """IsIntSupportedOp / compare ops take INT32; CAST and RESHAPE take every type (SupportAllPrecisionOp)."""
    report = _report(gpu_fixtures["int32_arith"])
    assert not [v for v in report.operators if not v.supported]
    assert len(report.partitions) == 1


def test_int16_operands(gpu_fixtures: dict[str, Path]) -> None:
    """16x8 quantization: ADD and MUL take INT16, CONV_2D and QUANTIZE do not."""
    report = _report(gpu_fixtures["int16_a16w8"])
    assert set(_on_gpu(report)) == {"ADD", "MUL"}
    conv = next(v for v in report.operators if v.opcode == "CONV_2D")
    assert conv.reasons[0].code == "UNSUPPORTED_INPUT_TYPE" and "Tensor type(INT16)" in conv.reasons[0].message


def test_rank_2_slice(gpu_fixtures: dict[str, Path]) -> None:
    """SliceOperationParser turns gpu_compatibility.cc off: a rank-2 SLICE is taken (gpu-classic refuses it)."""
    model = tfl_inspect.load(gpu_fixtures["slice_rank2"])
    assert _on_gpu(_report(model)) == ["SLICE", "MUL"]
    classic = compat(model, targets="gpu-classic").targets["gpu-classic"]
    assert classic.operators[0].reasons[0].code == "UNSUPPORTED_OPERAND_RANK"


def test_dynamic_update_slice_with_run_time_indices(gpu_fixtures: dict[str, Path]) -> None:
    """The output keeps the operand's shape: run-time indices leave no dynamic-sized tensor."""
    report = _report(gpu_fixtures["dus_runtime_index"])
    assert not report.model_reasons
    assert {"PACK", "DYNAMIC_UPDATE_SLICE"} <= set(_on_gpu(report))


def test_dequantize_fed_by_densify(gpu_fixtures: dict[str, Path]) -> None:
    """Sparse float16 weights: DENSIFY has no parser, and a DEQUANTIZE of its output has no quantization."""
    report = _report(gpu_fixtures["sparse_fp16"])
    by_op = {v.index: v for v in report.operators}
    model = tfl_inspect.load(gpu_fixtures["sparse_fp16"])
    for op in model.subgraphs[0].operators:
        v = by_op[op.index]
        if op.opcode == "DENSIFY":
            assert v.reasons[0].message == "Operation is not supported."
        elif op.opcode == "DEQUANTIZE" and model.subgraphs[0].producer(op.inputs[0]) >= 0:
            assert v.reasons[0].message.startswith("Dequantize for Densify is not supported")
    assert _on_gpu(report) == ["CONV_2D", "CONV_2D"]


def test_float16_weights_whole_model(converted: dict[str, Path]) -> None:
    """FP16GraphPartitionHelper scenario 1: every other op taken, so the DEQUANTIZE ops join the partition."""
    report = _report(converted["cnn_float16"])
    assert report.whole_model and len(report.partitions) == 1
    assert {0, 1, 2, 3} <= set(report.partitions[0].ops)


def test_float16_weights_partly_delegated(gpu_fixtures: dict[str, Path]) -> None:
    """Scenario 2: the DEQUANTIZE ops stay on the CPU and are left out of the partitioning, which keeps
    the PAD in the partition with the convolution reading the float16 constant."""
    report = _report(gpu_fixtures["fp16_pad_partial"])
    deq = [v for v in report.operators if v.opcode == "DEQUANTIZE"]
    assert deq and all(v.reasons[0].code == "OUTSIDE_PARTITION" for v in deq)
    assert "float16" in deq[0].reasons[0].message
    assert _on_gpu(report) == ["CONV_2D", "PAD", "MAX_POOL_2D"]


def test_unrolled_recurrent_layers(gpu_fixtures: dict[str, Path]) -> None:
    for name in ("lstm_unrolled", "gru_unrolled"):
        report = _report(gpu_fixtures[name])
        assert len(report.partitions) == 1, name


def test_refusal_is_model_level_and_names_the_tensor() -> None:
    """A RESHAPE whose new shape is built by PACK at run time: Prepare cannot size it, TFLite refuses the
    static-shape delegate for the whole model (every op stays on the CPU, no partition)."""
    report = _report(sample("classifier_flatten.tflite"))
    (reason,) = report.model_reasons
    assert reason.code == "DYNAMIC_TENSOR"
    assert reason.message.startswith("the GPU accelerator refuses this model: tensor #12 ")
    assert "(subgraph 0) is dynamic-sized: RESHAPE #5 takes its new shape from input 1" in reason.message
    assert reason.fix and "batch_size=1" in reason.fix
    assert report.supported_ops == 0 and not report.partitions


def test_string_tensors_refuse_the_model() -> None:
    report = _report(_corpus("string.bin"))
    assert "is a STRING tensor" in report.model_reasons[0].message


def test_resource_variables_refuse_through_read_variable() -> None:
    """VAR_HANDLE's RESOURCE output is persistent after Prepare; a READ_VARIABLE of unknown shape is dynamic."""
    report = _report(_corpus("call_once_mul.bin"))
    assert "READ_VARIABLE #2" in report.model_reasons[0].message


def test_zero_size_constant_is_a_constant() -> None:
    """A buffer with an empty data vector makes a read-only tensor (InterpreterBuilder): one run-time input."""
    path = _corpus("zero_size_constant.bin")
    model = tfl_inspect.load(path)
    shape = model.subgraphs[0].tensors[model.subgraphs[0].operators[0].inputs[1]]
    assert shape.is_constant and shape.nbytes == 0
    assert _report(model).whole_model


def test_composite_decomposition_is_not_run() -> None:
    """odml.group_norm is lowered by the accelerator; its decomposition subgraph is marked skippable."""
    report = _report(_corpus("simple_group_norm_op.tflite"))
    assert [(v.subgraph, v.opcode, v.supported) for v in report.operators] == [(0, "STABLEHLO_COMPOSITE", True)]
    assert report.whole_model  # the decomposition's ops never run anywhere: not counted
    assert any("takes whole (odml.group_norm) do not run: their 11 ops are not counted" in n for n in report.notes)


def test_unknown_composite_is_named() -> None:
    report = _report(_corpus("l2_norm_composite.tflite"))
    comp = next(v for v in report.operators if v.opcode == "STABLEHLO_COMPOSITE")
    assert comp.reasons[0].code == "UNSUPPORTED_OPERATOR" and "odml.l2_norm" in comp.reasons[0].message


def test_same_tensor_twice_in_sub() -> None:
    """ElementwiseOperationParser: only ADD and MUL take one tensor as both inputs (group_norm's decomposition)."""
    model = tfl_inspect.load(_corpus("group_norm_2_groups_op.tflite"))
    sub = next(op for op in model.subgraphs[1].operators if op.opcode == "SUB" and op.inputs[0] == op.inputs[1])
    with pytest.raises(Reject, match="No support of few identical inputs"):
        gpu.check_op(model.subgraphs[1], sub)


def test_check_subgraph_alone() -> None:
    """The per-subgraph check (no model around it) gives the same per-op verdicts for a one-subgraph model."""
    model = tfl_inspect.load(sample("upsampling_static.tflite"))
    check = gpu.TARGET.check_subgraph(model.subgraphs[0], {})
    assert check.taken == {3, 4, 9, 10, 12}  # before the largest partition is chosen
