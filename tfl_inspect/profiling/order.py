"""The execution order of a small subgraph that minimises peak live memory.

Like tflite-tools' reordering search: any topological order of the ops is valid, and the
peak is the largest sum of live tensor bytes while an op runs (its inputs and outputs both
live). A memoised search over the sets of ops already run (each set is a state) finds the
best order exactly; it gives up past ``max_states`` so large graphs cost nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model import Subgraph

__all__ = ["peak_of_order", "best_order", "MAX_OPS"]

MAX_OPS = 40


def _setup(sg: Subgraph, size: dict[int, int]) -> tuple[list[int], list[int], list[list[int]], dict[int, int], int]:
    """Per op: predecessor mask, output tensors; per tensor: consumer mask; always-live bytes."""
    n = len(sg.operators)
    preds = [0] * n
    outs: list[list[int]] = [[] for _ in range(n)]
    cons: dict[int, int] = {}
    for op in sg.operators:
        for t in op.inputs:
            if t >= 0 and t in size:
                p = sg.producer(t)
                if p >= 0 and p != op.index:
                    preds[op.index] |= 1 << p
                cons[t] = cons.get(t, 0) | (1 << op.index)
        outs[op.index] = [t for t in op.outputs if t in size]
    produced = {t for o in outs for t in o}
    # Graph inputs are live from the start; graph outputs stay live to the end.
    base = sum(size[t] for t in set(sg.inputs) if t in size and t not in produced)
    return preds, [sum(size[t] for t in o) for o in outs], outs, cons, base


def _live(mask: int, outs: list[list[int]], cons: dict[int, int], size: dict[int, int], keep: set[int]) -> int:
    live = 0
    for i, ts in enumerate(outs):
        if mask >> i & 1:
            for t in ts:
                c = cons.get(t, 0)
                if t in keep or (c & ~mask):
                    live += size[t]
    return live


def peak_of_order(sg: Subgraph, size: dict[int, int], order: list[int]) -> int:
    """Peak live bytes when ``sg``'s ops run in ``order``; ``size``: planned bytes per tensor."""
    _, out_bytes, outs, cons, base = _setup(sg, size)
    keep = set(sg.outputs)
    inputs_live = {t for t in sg.inputs if t in size}
    mask, peak = 0, 0
    for i in order:
        live_in = sum(size[t] for t in inputs_live if (cons.get(t, 0) & ~mask) or t in keep)
        peak = max(peak, _live(mask, outs, cons, size, keep) + live_in + out_bytes[i])
        mask |= 1 << i
    return max(peak, base)


def best_order(sg: Subgraph, size: dict[int, int], max_states: int = 10_000) -> tuple[int, list[int], int] | None:
    """(best peak, order, states searched), or None when the graph is too big to search."""
    n = len(sg.operators)
    if n == 0 or n > MAX_OPS:
        return None
    preds, out_bytes, outs, cons, _ = _setup(sg, size)
    keep = set(sg.outputs)
    inputs = [t for t in set(sg.inputs) if t in size]
    full = (1 << n) - 1
    memo: dict[int, tuple[int, int]] = {}  # mask -> (best peak of the rest, next op)
    budget = [max_states]

    def live(mask: int) -> int:
        return _live(mask, outs, cons, size, keep) + sum(
            size[t] for t in inputs if (cons.get(t, 0) & ~mask) or t in keep
        )

    # Iterative DFS with an explicit stack: masks are solved after all their successors.
    stack = [(0, False)]
    while stack:
        mask, expanded = stack.pop()
        if mask in memo:
            continue
        ready = [i for i in range(n) if not mask >> i & 1 and preds[i] & ~mask == 0]
        if mask == full or not ready:
            memo[mask] = (0, -1)
            continue
        if not expanded:
            budget[0] -= 1
            if budget[0] < 0:
                return None
            stack.append((mask, True))
            stack.extend((mask | 1 << i, False) for i in ready if (mask | 1 << i) not in memo)
            continue
        here = live(mask)
        best, pick = None, -1
        for i in ready:
            cost = max(here + out_bytes[i], memo[mask | 1 << i][0])
            if best is None or cost < best:
                best, pick = cost, i
        memo[mask] = (best or 0, pick)
    order, mask = [], 0
    while mask != full:
        nxt = memo[mask][1]
        if nxt < 0:
            break
        order.append(nxt)
        mask |= 1 << nxt
    return memo[0][0], order, max_states - budget[0]
