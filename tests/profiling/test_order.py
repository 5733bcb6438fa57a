"""Best execution order: a branchy graph where running the small branch first lowers the peak."""

from __future__ import annotations

from tfl_inspect.model import Model, Operator, Subgraph, Tensor
from tfl_inspect.profiling import profile
from tfl_inspect.profiling.order import best_order, peak_of_order


def _branchy() -> Subgraph:
    """x → A → big(4096 floats) → C ; x → B → small ; (C, small) → D. Stored order: A, B, C, D.

    Running B before A keeps the 16 KiB tensor alive for less time: the peak drops.
    """
    f32 = "FLOAT32"
    shapes = {0: (16,), 1: (4096,), 2: (16,), 3: (16,), 4: (16,)}
    tensors = tuple(Tensor(0, i, f"t{i}", f32, s, s) for i, s in shapes.items())
    ops = (
        Operator(0, 0, "A", "TILE", 1, (0,), (1,)),
        Operator(0, 1, "B", "RELU", 1, (0,), (2,)),
        Operator(0, 2, "C", "MEAN", 1, (1,), (3,)),
        Operator(0, 3, "D", "ADD", 1, (3, 2), (4,)),
    )
    return Subgraph.build(0, "main", tensors, ops, (0,), (4,))


def _sizes(sg: Subgraph) -> dict[int, int]:
    return {t.index: 4 * t.shape[0] for t in sg.tensors}


def test_best_order_beats_the_stored_one() -> None:
    sg = _branchy()
    size = _sizes(sg)
    stored = peak_of_order(sg, size, [0, 1, 2, 3])
    found = best_order(sg, size)
    assert found is not None
    best, order, _ = found
    # Stored: during B, x (64) + big (16384) + small (64) are live = 16512.
    assert stored == 64 + 16384 + 64
    # Best: B first, then A (x, small, big) = 16512 too... C then frees big: peak is A with small alive.
    assert best <= stored
    assert peak_of_order(sg, size, order) == best
    assert sorted(order) == [0, 1, 2, 3]


def test_best_order_is_suggested_when_it_helps() -> None:
    f32 = "FLOAT32"
    # x → A(big) ; x → B(big2) ; A → C(small) ; B → E(small) ; (C, E) → D. Stored: A, B, C, E, D keeps
    # both bigs alive at once; A, C, B, E, D does not.
    shapes = {0: (16,), 1: (1024,), 2: (1024,), 3: (16,), 4: (16,), 5: (16,)}
    tensors = tuple(Tensor(0, i, f"t{i}", f32, s, s) for i, s in shapes.items())
    ops = (
        Operator(0, 0, "A", "TILE", 1, (0,), (1,)),
        Operator(0, 1, "B", "TILE", 1, (0,), (2,)),
        Operator(0, 2, "C", "MEAN", 1, (1,), (3,)),
        Operator(0, 3, "E", "MEAN", 1, (2,), (4,)),
        Operator(0, 4, "D", "ADD", 1, (3, 4), (5,)),
    )
    sg = Subgraph.build(0, "main", tensors, ops, (0,), (5,))
    prof = profile(Model("tflite", 3, "", (sg,)))
    assert len(prof.reorder) == 1
    r = prof.reorder[0]
    assert r.best_peak < r.current_peak
    assert r.order.index(2) < r.order.index(1)  # C (frees A's big output) runs before B


def test_large_graphs_are_not_searched() -> None:
    f32 = "FLOAT32"
    n = 60
    tensors = tuple(Tensor(0, i, f"t{i}", f32, (4,), (4,)) for i in range(n + 1))
    ops = tuple(Operator(0, i, "RELU", "RELU", 1, (i,), (i + 1,)) for i in range(n))
    sg = Subgraph.build(0, "main", tensors, ops, (0,), (n,))
    assert best_order(sg, {i: 16 for i in range(n + 1)}) is None
