"""How TFLite groups the ops a delegate claims into delegate kernels (partitions).

Port of ``PartitionGraphIntoIndependentNodeSubsetsImpl`` in LiteRT ``tflite/graph_info.cc``
(commit f67457790c9c2ab67347d6fe53270e8d3df20868): greedy, in execution order, a node joins the
current subset when all its inputs are ready and its kind (delegated or not) matches; ops
with side effects (resource tensors, IF/WHILE/CALL_ONCE) keep their order through control
edges (``Subgraph::OpMightHaveSideEffect``). The result is the runtime's own partition list,
which a plain "maximal runs" count gets wrong when independent branches interleave.
"""

from __future__ import annotations

import heapq
import itertools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Collection

    from ..model import Subgraph

__all__ = ["tflite_partitions", "transitions", "largest", "PartitionCache"]


def _side_effect_ops(sg: Subgraph) -> list[int]:
    """Ops with side effects, in order (``Subgraph::OpMightHaveSideEffect``)."""
    resources = {t.index for t in sg.tensors if t.dtype == "RESOURCE"}
    out = []
    for i, op in enumerate(sg.operators):
        if op.builtin in ("IF", "WHILE", "CALL_ONCE") or (
            resources and any(t in resources for t in (*op.inputs, *op.outputs))
        ):
            out.append(i)
    return out


def tflite_partitions(sg: Subgraph, delegated: Collection[int]) -> list[tuple[bool, tuple[int, ...]]]:
    """Every node subset in order as ``(delegated?, op indices)``.

    Same membership as the runtime's repeated scans, computed with ready queues so 10k-op
    graphs stay linear: a subset takes the kind of the lowest-index ready op, then absorbs
    every op of that kind that becomes ready.
    """
    ops = sg.operators
    n = len(ops)
    taken = set(delegated)
    kind = [i in taken for i in range(n)]
    incoming = [0] * n
    edges: dict[int, list[int]] = {}
    chain = _side_effect_ops(sg)
    for a, b in itertools.pairwise(chain):
        edges.setdefault(a, []).append(b)
        incoming[b] += 1
    produced = {t for op in ops for t in op.outputs if t >= 0}
    waiting: dict[int, list[int]] = {}
    pending = [0] * n
    for i, op in enumerate(ops):
        for t in set(op.inputs):
            if t in produced:
                pending[i] += 1
                waiting.setdefault(t, []).append(i)
    ready: dict[bool, list[int]] = {True: [], False: []}
    for i in range(n):
        if not pending[i] and not incoming[i]:
            heapq.heappush(ready[kind[i]], i)
    subsets: list[tuple[bool, tuple[int, ...]]] = []
    while ready[True] or ready[False]:
        tops = [h[0] for h in ready.values() if h]
        ctype = kind[min(tops)]
        queue = ready[ctype]
        members: list[int] = []
        while queue:
            i = heapq.heappop(queue)
            members.append(i)
            woken = []
            for t in ops[i].outputs:
                for j in waiting.pop(t, ()) if t >= 0 else ():
                    pending[j] -= 1
                    if not pending[j] and not incoming[j]:
                        woken.append(j)
            for j in edges.get(i, ()):
                incoming[j] -= 1
                if not pending[j] and not incoming[j]:
                    woken.append(j)
            for j in woken:
                heapq.heappush(ready[kind[j]], j)
        subsets.append((ctype, tuple(sorted(members))))
    return subsets


class PartitionCache:
    """Targets often take the same ops (every op, on a clean model): partition each set once per report."""

    def __init__(self) -> None:
        self._memo: dict[tuple[int, frozenset[int]], list[tuple[bool, tuple[int, ...]]]] = {}

    def __call__(self, sg: Subgraph, delegated: Collection[int]) -> list[tuple[bool, tuple[int, ...]]]:
        key = (sg.index, frozenset(delegated))
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = tflite_partitions(sg, key[1])
        return hit


def transitions(subsets: list[tuple[bool, tuple[int, ...]]]) -> int:
    """CPU ↔ target hand-overs along the execution order of the subsets."""
    return sum(1 for a, b in itertools.pairwise(subsets) if a[0] != b[0])


def largest(parts: list[tuple[int, ...]]) -> tuple[int, ...] | None:
    """The partition with the most ops (the first of equals), as the GPU delegate keeps by default."""
    best: tuple[int, ...] | None = None
    for p in parts:
        if best is None or len(p) > len(best):
            best = p
    return best
