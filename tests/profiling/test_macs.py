"""MAC / FLOP formulas, one hand-computed case per op family (docs/profile.md has the formulas)."""

from __future__ import annotations

import pytest

from tfl_inspect.profiling.macs import FORMULAS, arith, compute

from .helpers import one_op

F, I8, I32 = "FLOAT32", "INT8", "INT32"


def test_conv2d() -> None:
    # 1x8x8x3 -> 1x6x6x4 with a 3x3 kernel: 6*6*4 outputs x 3*3*3 = 3888 MACs.
    sg, op = one_op(
        "CONV_2D", [((1, 8, 8, 3), F, False), ((4, 3, 3, 3), F, True), ((4,), F, True)], [((1, 6, 6, 4), F)]
    )
    c = compute(sg, op)
    assert (c.macs, c.flops) == (3888, 7776)


def test_grouped_conv2d_uses_filter_input_channels() -> None:
    # groups=2: filter holds Ci/2 = 2 channels: 4*4*6 outputs x 3*3*2.
    sg, op = one_op("CONV_2D", [((1, 6, 6, 4), F, False), ((6, 3, 3, 2), F, True)], [((1, 4, 4, 6), F)])
    assert compute(sg, op).macs == 4 * 4 * 6 * 18


def test_depthwise() -> None:
    # 1x10x10x8 output, 3x3 kernel: 800 x 9.
    sg, op = one_op(
        "DEPTHWISE_CONV_2D", [((1, 12, 12, 8), I8, False), ((1, 3, 3, 8), I8, True)], [((1, 10, 10, 8), I8)]
    )
    assert compute(sg, op).macs == 7200
    assert arith(sg, op) == "int8"


def test_transpose_conv() -> None:
    # input 1x4x4x2, filter [Co=3, 3, 3, Ci=2]: 32 input values x 3*3*3.
    sg, op = one_op(
        "TRANSPOSE_CONV",
        [((4,), I32, True), ((3, 3, 3, 2), F, True), ((1, 4, 4, 2), F, False)],
        [((1, 8, 8, 3), F)],
    )
    assert compute(sg, op).macs == 32 * 27


def test_conv3d() -> None:
    # output 1x2x2x2x4, filter [2,2,2,Ci=3,Co=4]: 32 x 24.
    sg, op = one_op("CONV_3D", [((1, 3, 3, 3, 3), F, False), ((2, 2, 2, 3, 4), F, True)], [((1, 2, 2, 2, 4), F)])
    assert compute(sg, op).macs == 32 * 24


def test_conv3d_transpose() -> None:
    # input 1x2x2x2x3 (24 values), filter [2,2,2,Co=4,Ci=3]: 24 x 32.
    sg, op = one_op(
        "CONV_3D_TRANSPOSE",
        [((5,), I32, True), ((2, 2, 2, 4, 3), F, True), ((1, 2, 2, 2, 3), F, False)],
        [((1, 4, 4, 4, 4), F)],
    )
    assert compute(sg, op).macs == 24 * 32


@pytest.mark.parametrize(
    ("x", "w", "kernel"),
    [(F, F, "float32"), (I8, I8, "int8"), (F, I8, "hybrid"), (I8, "INT4", "int4"), ("INT16", I8, "int16x8")],
)
def test_fully_connected_any_dtype(x: str, w: str, kernel: str) -> None:
    # batch 3, 20 -> 7: 21 outputs x 20.
    sg, op = one_op("FULLY_CONNECTED", [((3, 20), x, False), ((7, 20), w, True)], [((3, 7), x)])
    assert compute(sg, op).macs == 420
    assert arith(sg, op) == kernel


@pytest.mark.parametrize(("adj_x", "macs"), [(False, 2 * 4 * 6 * 5), (True, 2 * 4 * 6 * 3)])
def test_batch_matmul(adj_x: bool, macs: int) -> None:
    # x [2, 3, 5] (adj_x: [2, 5?]) — K is x's last dim, or its second last when adjointed.
    shape = (2, 4, 5) if not adj_x else (2, 3, 4)
    sg, op = one_op("BATCH_MATMUL", [(shape, F, False), ((2, 5, 6), F, False)], [((2, 4, 6), F)], {"adj_x": adj_x})
    assert compute(sg, op).macs == macs


def test_pooling_counts_window_visits() -> None:
    opts = {"filter_height": 2, "filter_width": 3}
    sg, op = one_op("MAX_POOL_2D", [((1, 4, 6, 2), F, False)], [((1, 2, 2, 2), F)], opts)
    assert (compute(sg, op).macs, compute(sg, op).flops) == (0, 8 * 6)
    sg, op = one_op("L2_POOL_2D", [((1, 4, 6, 2), F, False)], [((1, 2, 2, 2), F)], opts)
    assert compute(sg, op).flops == 8 * 6 * 2


def test_elementwise_and_broadcast_count_outputs() -> None:
    # Broadcasting [4,1] + [1,5] produces 20 values: 20 operations, no MACs.
    sg, op = one_op("ADD", [((4, 1), F, False), ((1, 5), F, False)], [((4, 5), F)])
    assert (compute(sg, op).macs, compute(sg, op).flops) == (0, 20)
    sg, op = one_op("SQUARED_DIFFERENCE", [((4, 5), F, False), ((4, 5), F, False)], [((4, 5), F)])
    assert compute(sg, op).flops == 40


def test_reductions_count_inputs() -> None:
    sg, op = one_op("MEAN", [((1, 7, 7, 16), F, False), ((2,), I32, True)], [((1, 16), F)])
    assert compute(sg, op).flops == 7 * 7 * 16


def test_softmax_five_per_element() -> None:
    sg, op = one_op("SOFTMAX", [((2, 10), F, False)], [((2, 10), F)])
    assert compute(sg, op).flops == 100


def test_resize_bilinear_four_macs_per_output() -> None:
    sg, op = one_op("RESIZE_BILINEAR", [((1, 4, 4, 3), F, False), ((2,), I32, True)], [((1, 8, 8, 3), F)])
    assert compute(sg, op).macs == 4 * 192
    sg, op = one_op("RESIZE_NEAREST_NEIGHBOR", [((1, 4, 4, 3), F, False), ((2,), I32, True)], [((1, 8, 8, 3), F)])
    assert compute(sg, op).macs == 0


def test_unidirectional_lstm() -> None:
    # T=5, B=2, I=3, cell 4, no peephole/projection: per step 4*(3*4) + 4*(4*4) = 112 MACs.
    inputs: list[tuple[tuple[int, ...], str, bool]] = [((5, 2, 3), F, False)]
    inputs += [((4, 3), F, True)] * 4  # input_to_* (slot 1 is input_to_input)
    inputs += [((4, 4), F, True)] * 4  # recurrent_to_*
    inputs += [((4,), F, True)] * 3  # peephole slots 9-11: give them as absent below
    inputs += [((4,), F, True)] * 4  # gate biases
    sg, op = one_op("UNIDIRECTIONAL_SEQUENCE_LSTM", inputs, [((5, 2, 4), F)], {"time_major": True})
    # Drop the peephole operands (slots 9-11) to -1 as the converter writes them when absent.
    op2 = type(op)(0, 0, op.opcode, op.builtin, 1, tuple(-1 if 9 <= i <= 11 else t for i, t in enumerate(op.inputs)),
                   op.outputs, (), op.options)  # fmt: skip
    assert compute(sg, op2).macs == 5 * 2 * 112
    # With peepholes (3 vectors of 4): +12 per step.
    assert compute(sg, op).macs == 5 * 2 * (112 + 12)


def test_rnn_and_svdf() -> None:
    # RNN: B=2, I=3, units 5: 5*3 + 5*5 = 40 per batch row.
    sg, op = one_op(
        "RNN",
        [((2, 3), F, False), ((5, 3), F, True), ((5, 5), F, True), ((5,), F, True), ((2, 5), F, False)],
        [((2, 5), F)],
    )
    assert compute(sg, op).macs == 80
    # SVDF: B=1, I=10, filters 8 (rank 2), memory 4: 8*10 + 8*4 = 112.
    sg, op = one_op(
        "SVDF",
        [
            ((1, 10), I8, False),
            ((8, 10), I8, True),
            ((8, 4), "INT16", True),
            ((4,), I32, True),
            ((1, 32), "INT16", False),
        ],
        [((1, 4), I8)],
        {"rank": 2},
    )
    assert compute(sg, op).macs == 112


def test_data_movement_is_free() -> None:
    sg, op = one_op("RESHAPE", [((2, 6), F, False), ((2,), I32, True)], [((3, 4), F)])
    assert compute(sg, op).macs == compute(sg, op).flops == 0


def test_every_formula_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "profile.md").read_text()
    missing = [name for name in FORMULAS if f"`{name}`" not in doc]
    assert not missing, f"docs/profile.md does not give the formula of {missing}"
