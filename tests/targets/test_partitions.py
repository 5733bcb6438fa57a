"""TFLite's delegate partitioning (graph_info.cc): greedy subsets in execution order, side-effect order kept."""

from __future__ import annotations

import tfl_inspect
from tests.conftest import needs_corpus, sample
from tfl_inspect.targets.partitions import largest, tflite_partitions, transitions


def test_one_run_is_one_partition() -> None:
    sg = tfl_inspect.load(sample("dense_float32.tflite")).subgraphs[0]
    subsets = tflite_partitions(sg, set(range(len(sg.operators))))
    assert subsets == [(True, tuple(range(len(sg.operators))))]
    assert transitions(subsets) == 0


def test_a_cpu_op_in_the_middle_splits_the_run() -> None:
    sg = tfl_inspect.load(sample("dense_float32.tflite")).subgraphs[0]
    n = len(sg.operators)
    subsets = tflite_partitions(sg, set(range(n)) - {1})
    assert [k for k, _ in subsets] == [True, False, True]
    assert transitions(subsets) == 2
    assert largest([ops for k, ops in subsets if k]) == (0,)


@needs_corpus
def test_independent_branches_merge_into_one_subset() -> None:
    """Ready ops of the same kind join the current subset even when a CPU op sits between them in order."""
    from tests.conftest import require_corpus

    path = next(require_corpus().rglob("topo_sort_interleaved.tflite"))
    sg = tfl_inspect.load(path).subgraphs[0]
    kinds = {i: sg.operators[i].opcode != "ADD" for i in range(len(sg.operators))}
    taken = {i for i, k in kinds.items() if k}
    subsets = tflite_partitions(sg, taken)
    covered = sorted(i for _, ops in subsets for i in ops)
    assert covered == list(range(len(sg.operators)))
    runs = 1 + sum(1 for i in range(1, len(sg.operators)) if kinds[i] != kinds[i - 1])
    assert len(subsets) <= runs
