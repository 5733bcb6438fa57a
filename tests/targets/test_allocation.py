"""Allocation classes after Prepare: constant, computed at Prepare, run-time arena, dynamic-sized.

The GPU accelerator's refusal and op checks read these (test_gpu_oracle.py checks the refusals against
the runtime); here each kernel rule is pinned on a model that exercises it.
"""

from __future__ import annotations

from pathlib import Path

import tfl_inspect
from tests.conftest import require_corpus, sample
from tfl_inspect.targets.allocation import (
    ARENA,
    CONSTANT,
    DYNAMIC,
    PERSISTENT,
    VARIABLE,
    Allocations,
    allocation,
)


def _corpus(name: str) -> Path:
    return next(require_corpus().rglob(name))


def _classes(model: tfl_inspect.Model, s: int = 0) -> dict[str, str]:
    a = allocation(model.subgraphs[s])
    return {t.name: a.classes[t.index] for t in model.subgraphs[s].tensors}


def test_shape_chain_is_computed_at_prepare() -> None:
    """SHAPE's output is known at Prepare; STRIDED_SLICE and CONCATENATION of known values are too (their
    kernels compute them in Prepare), so the RESHAPE after them can size its output: nothing is dynamic."""
    model = tfl_inspect.load(sample("upsampling_static.tflite"))
    sg = model.subgraphs[0]
    a = allocation(sg)
    assert a.dynamic is None
    by_op = {op.opcode: op for op in sg.operators}
    for opcode in ("SHAPE", "STRIDED_SLICE", "CONCATENATION"):
        assert a.classes[by_op[opcode].outputs[0]] == PERSISTENT, opcode
    assert a.classes[by_op["CONV_2D"].outputs[0]] == ARENA
    assert a.classes[by_op["CONV_2D"].inputs[1]] == CONSTANT


def test_pack_does_not_fold_so_reshape_is_dynamic() -> None:
    """PACK's kernel never computes at Prepare: the RESHAPE reading it returns kTfLiteOutputShapeNotKnown."""
    model = tfl_inspect.load(sample("classifier_flatten.tflite"))
    a = allocation(model.subgraphs[0])
    assert a.dynamic is not None
    t, why = a.dynamic
    assert model.subgraphs[0].tensors[t].name.endswith("Reshape")
    assert why.startswith("RESHAPE #5 takes its new shape from input 1") and "PACK #4" in why


def test_transpose_conv_wants_a_constant_output_shape() -> None:
    """transpose_conv.cc checks IsConstantTensor (a Prepare-computed output_shape is not enough)."""
    a = allocation(tfl_inspect.load(sample("conv2d_transpose_dynamic.tflite")).subgraphs[0])
    assert a.dynamic is not None and a.dynamic[1].startswith("TRANSPOSE_CONV #7 sizes its output from its output_shape")


def test_strings_are_dynamic() -> None:
    a = allocation(tfl_inspect.load(_corpus("string.bin")).subgraphs[0])
    assert a.dynamic is not None and "STRING tensor" in a.dynamic[1]


def test_var_handle_is_not_dynamic_read_variable_of_unknown_shape_is() -> None:
    model = tfl_inspect.load(_corpus("call_once_mul.bin"))
    a = allocation(model.subgraphs[0])
    handle = next(op for op in model.subgraphs[0].operators if op.opcode == "VAR_HANDLE")
    assert a.classes[handle.outputs[0]] == VARIABLE
    assert a.dynamic == (2, a.dynamic[1]) and "READ_VARIABLE #2" in a.dynamic[1]  # type: ignore[index]


def test_resource_variables_of_known_shape_are_static() -> None:
    """pymicro-wakeword-style streaming state: READ_VARIABLE of a variable with a shape is an arena tensor."""
    model = tfl_inspect.load(_corpus("resource_vars_calibrated.bin"))
    allocs = Allocations(model)
    assert all(allocs(s.index).dynamic is None for s in model.subgraphs)  # type: ignore[union-attr]


def test_while_body_with_a_string_makes_the_loop_dynamic() -> None:
    model = tfl_inspect.load(_corpus("while_op_with_forwarding_input.bin"))
    first = Allocations(model)(0)
    assert first is not None and first.dynamic is not None


def test_runtime_k_makes_topk_dynamic() -> None:
    a = allocation(tfl_inspect.load(_corpus("simple_topk_op_runtime_k.tflite")).subgraphs[0])
    assert a.dynamic is not None and a.dynamic[1].startswith("TOPK_V2 #0 sizes its output from its k")


def test_classes_of_a_plain_model() -> None:
    classes = _classes(tfl_inspect.load(sample("dense_float32.tflite")))
    assert set(classes.values()) == {ARENA, CONSTANT}
    assert DYNAMIC not in classes.values()
