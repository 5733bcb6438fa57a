"""STRIDED_SLICE follows NumPy slicing exactly: masks, shrink, ellipsis, new axes, offset."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import deadline
from tests.shapes.helpers import apply_rule
from tfl_inspect.shapes.types import ShapeError


def _random_spec(rng: np.random.Generator, shape: tuple[int, ...]):
    """A random strided slice as (numpy index, begin, end, strides, masks) over ``shape``."""
    rank = len(shape)
    n_new = int(rng.integers(0, 2))
    use_ellipsis = bool(rng.integers(0, 2))
    # LiteRT's ellipsis always covers at least one axis (NumPy's may cover none).
    n_consume = int(rng.integers(0, rank)) if use_ellipsis else rank - int(rng.integers(0, 2))
    kinds = ["axis"] * n_consume + ["new"] * n_new + (["ellipsis"] if use_ellipsis else [])
    rng.shuffle(kinds)
    index, begin, end, strides = [], [], [], []
    masks = dict.fromkeys(("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"), 0)
    # Which input axis each consuming position reads: leading ones before the ellipsis,
    # trailing ones after it.
    before = kinds.index("ellipsis") if use_ellipsis else len(kinds)
    n_before = sum(1 for k in kinds[:before] if k == "axis")
    n_after = sum(1 for k in kinds[before:] if k == "axis")
    axes = list(range(n_before)) + list(range(rank - n_after, rank))
    ax_iter = iter(axes)
    for pos, kind in enumerate(kinds):
        bit = 1 << pos
        if kind == "ellipsis":
            masks["ellipsis_mask"] |= bit
            index.append(Ellipsis)
            begin.append(0), end.append(0), strides.append(1)
            continue
        if kind == "new":
            masks["new_axis_mask"] |= bit
            index.append(np.newaxis)
            begin.append(0), end.append(0), strides.append(1)
            continue
        size = shape[next(ax_iter)]
        if size > 0 and rng.random() < 0.25:
            b = int(rng.integers(-size, size))
            masks["shrink_axis_mask"] |= bit
            index.append(b)
            begin.append(b), end.append(b + 1), strides.append(1)
            continue
        stride = int(rng.choice([-3, -2, -1, 1, 1, 2, 3]))
        b = int(rng.integers(-size - 2, size + 3))
        e = int(rng.integers(-size - 2, size + 3))
        bm, em = rng.random() < 0.3, rng.random() < 0.3
        masks["begin_mask"] |= bit if bm else 0
        masks["end_mask"] |= bit if em else 0
        index.append(slice(None if bm else b, None if em else e, stride))
        begin.append(b), end.append(e), strides.append(stride)
    return tuple(index), begin, end, strides, masks


@pytest.mark.parametrize("seed", range(12))
def test_strided_slice_matches_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    checked = 0
    for _ in range(150):
        rank = int(rng.integers(1, 5))
        shape = tuple(int(d) for d in rng.integers(0, 6, size=rank))
        index, begin, end, strides, masks = _random_spec(rng, shape)
        if not begin:
            continue
        data = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
        expected = data[index]
        if data.size > 64:
            continue
        vec = (len(begin),)
        (out,), values = apply_rule(
            "STRIDED_SLICE",
            [(shape, data), (vec, np.array(begin)), (vec, np.array(end)), (vec, np.array(strides))],
            {**masks, "offset": False},
        )
        assert out == expected.shape, (shape, index)
        if expected.size:
            assert 0 in values, (shape, index)
            np.testing.assert_array_equal(values[0].data, expected, err_msg=str((shape, index)))
            assert values[0].complete
        checked += 1
    assert checked > 100


def test_offset_reads_end_as_a_size() -> None:
    data = np.arange(10).reshape(2, 5)
    vec = (2,)
    (out,), values = apply_rule(
        "STRIDED_SLICE",
        [((2, 5), data), (vec, np.array([0, 1])), (vec, np.array([2, 3])), (vec, np.array([1, 1]))],
        {"offset": True},
    )
    assert out == (2, 3)
    np.testing.assert_array_equal(values[0].data, data[0:2, 1:4])


def test_unknown_dims_stay_unknown_and_shrink_keeps_rank() -> None:
    vec = (3,)
    (out,), _ = apply_rule(
        "STRIDED_SLICE",
        [((-1, 7, 5), None), (vec, np.array([0, 1, 0])), (vec, np.array([0, 7, 1])), (vec, np.ones(3, int))],
        {"begin_mask": 1, "end_mask": 1, "shrink_axis_mask": 4},
    )
    assert out == (-1, 6)


def test_zero_stride_is_a_failure() -> None:
    vec = (1,)
    with pytest.raises(ShapeError, match="stride"):
        apply_rule(
            "STRIDED_SLICE",
            [((4,), None), (vec, np.array([0])), (vec, np.array([4])), (vec, np.array([0]))],
        )


def test_shape_vector_element_is_followed_through_a_partially_known_shape() -> None:
    from tfl_inspect.shapes.types import PVal

    shape_value = PVal(np.array([0, 16, 16, 8]), np.array([False, True, True, True]))
    vec = (1,)
    (out,), values = apply_rule(
        "STRIDED_SLICE",
        [((4,), shape_value), (vec, np.array([1])), (vec, np.array([3])), (vec, np.array([1]))],
    )
    assert out == (2,)
    assert values[0].ints() == [16, 16]
    (out,), values = apply_rule(
        "STRIDED_SLICE",
        [((4,), shape_value), (vec, np.array([0])), (vec, np.array([1])), (vec, np.array([1]))],
        {"shrink_axis_mask": 1},
    )
    assert out == ()
    assert not values[0].complete


def test_unknown_bounds_of_a_huge_length_give_the_rank_without_looping_over_it() -> None:
    # Found by fuzzing (tests/fuzz.py): an MLIR begin operand of 2^32+1 elements (values not read)
    # made the rank count loop over every position: a hang.
    vec = (2**32 + 1,)
    with deadline(10):
        (out,), _ = apply_rule(
            "STRIDED_SLICE", [((4, 5), None), (vec, None), (vec, None), (vec, None)], {"new_axis_mask": 1}
        )
    assert out == (-1, -1, -1)
