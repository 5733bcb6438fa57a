"""The modelled LiteRT arena: 64-byte alignment, refcounted frees, in-place sharing."""

from __future__ import annotations

from tfl_inspect.model import Model, Operator, Subgraph, Tensor
from tfl_inspect.profiling.litert_planner import plan


def _t(i: int, n: int) -> Tensor:
    return Tensor(0, i, f"t{i}", "FLOAT32", (n,), (n,))


def test_chain_reuses_freed_memory_and_reshape_shares() -> None:
    # t0 -RELU-> t1 -RESHAPE-> t2 -RELU-> t3 -RELU-> t4 (all 100 floats = 400 B → 448 aligned)
    tensors = tuple(_t(i, 100) for i in range(5))
    ops = (
        Operator(0, 0, "RELU", "RELU", 1, (0,), (1,)),
        Operator(0, 1, "RESHAPE", "RESHAPE", 1, (1,), (2,)),
        Operator(0, 2, "RELU", "RELU", 1, (2,), (3,)),
        Operator(0, 3, "RELU", "RELU", 1, (3,), (4,)),
    )
    sg = Subgraph.build(0, "main", tensors, ops, (0,), (4,))
    p = plan(Model("tflite", 3, "", (sg,)))
    assert (0, 2, 1) in p.shared  # RESHAPE output uses its input's buffer
    offsets = {t: off for _, t, _, _, _, off in p.allocations}
    assert all(off % 64 == 0 for off in offsets.values())
    # Input (never freed) + at most two live intermediates: 3 × 448 bytes.
    assert p.arena_bytes == 448 * 2 + 400


def test_string_and_resource_tensors_stay_out_of_the_arena() -> None:
    """subgraph.cc SetTensorParametersReadWrite: STRING/RESOURCE/VARIANT tensors are kTfLiteDynamic."""
    tensors = (
        Tensor(0, 0, "s", "STRING", (3,), (3,)),
        Tensor(0, 1, "h", "RESOURCE", (), ()),
        _t(2, 10),
        _t(3, 10),
    )
    ops = (Operator(0, 0, "RELU", "RELU", 1, (2,), (3,)),)
    sg = Subgraph.build(0, "main", tensors, ops, (0, 2), (3,))
    p = plan(Model("tflite", 3, "", (sg,)))
    assert {t for _, t, _, _, _, _ in p.allocations} == {2, 3}
    assert p.arena_bytes == 64 + 40
