"""Tensor lifetimes in execution order over all subgraphs, counted the way TFLite Micro counts.

TFLM (``tensorflow/lite/micro/micro_allocation_info.cc``, tflite-micro commit 90b983c2) numbers
"allocation scopes": scope 0 is the entry of subgraph 0, every operator opens a new scope,
and a control-flow op (IF, WHILE, CALL_ONCE) walks the subgraphs it calls in place, one new
scope per called subgraph, before its own inputs are released. A tensor lives from the scope
that creates it to the last scope that reads it. Both planners and the memory plot read these
numbers, so "where is the peak" means the same thing everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model import Model

__all__ = ["Step", "Lifetimes", "lifetimes", "CALLS"]

# The ops TFLM steps into, with the option fields in the order it walks them.
CALLS: dict[str, tuple[str, ...]] = {
    "IF": ("then_subgraph_index", "else_subgraph_index"),
    "CALL_ONCE": ("init_subgraph_index",),
    "WHILE": ("cond_subgraph_index", "body_subgraph_index"),
}


@dataclass(frozen=True, slots=True)
class Step:
    """One allocation scope: an operator run, or the entry of a subgraph (``op == -1``)."""

    scope: int
    subgraph: int
    op: int


@dataclass(slots=True)
class Lifetimes:
    """``first[s][t]`` / ``last[s][t]``: scopes of tensor ``t`` of subgraph ``s`` (-1: never touched).

    ``op_span[(s, i)]`` is (first scope the op starts in, last scope it ends in) over every time
    it runs, which is also the lifetime TFLM gives the op's scratch buffers.
    """

    steps: list[Step]
    first: list[list[int]]
    last: list[list[int]]
    op_span: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    unreached: tuple[int, ...] = ()  # subgraphs no call from subgraph 0 reaches


@dataclass(slots=True)
class _Frame:
    subgraph: int
    next_op: int = 0
    pending: tuple[int, int, list[int]] | None = None


def called_subgraphs(op_options: dict[str, object] | object, builtin: str, n_subgraphs: int) -> list[int]:
    """Subgraphs a control-flow op runs, in TFLM's order; out-of-range indices are dropped."""
    out = []
    options = op_options if isinstance(op_options, dict) else dict(op_options)  # type: ignore[call-overload]
    for name in CALLS.get(builtin, ()):
        ref = options.get(name)
        if isinstance(ref, int) and 0 <= ref < n_subgraphs:
            out.append(ref)
    return out


def lifetimes(model: Model, entry: int = 0) -> Lifetimes:
    """Walk ``model`` from subgraph ``entry`` as TFLM's ``MarkAllocationLifetimes`` does.

    Iterative (an explicit stack) so deep call chains cannot exhaust Python's recursion; a
    subgraph that calls itself again while running is not re-entered (TFLM would recurse
    forever), which only malformed models do.
    """
    sgs = model.subgraphs
    first = [[-1] * len(sg.tensors) for sg in sgs]
    last = [[-1] * len(sg.tensors) for sg in sgs]
    steps: list[Step] = []
    op_span: dict[tuple[int, int], tuple[int, int]] = {}
    reached: set[int] = set()
    if not 0 <= entry < len(sgs):
        return Lifetimes(steps, first, last, op_span, tuple(range(len(sgs))))

    scope = 0

    def enter(s: int) -> None:
        reached.add(s)
        steps.append(Step(scope, s, -1))
        f, la = first[s], last[s]
        for t in sgs[s].inputs:
            if f[t] < 0:
                f[t] = scope
            la[t] = scope

    def finish_op(s: int, i: int, start: int) -> None:
        op = sgs[s].operators[i]
        la = last[s]
        for t in op.inputs:
            if t >= 0:
                la[t] = scope
        for t in op.outputs:
            la[t] = scope
        prev = op_span.get((s, i))
        op_span[(s, i)] = (prev[0] if prev else start, scope)

    def leave(s: int) -> None:
        f, la = first[s], last[s]
        for t in sgs[s].outputs:
            if f[t] < 0:
                f[t] = scope
            la[t] = scope

    # One frame per running subgraph: the next op to run, and the control-flow op (if any)
    # whose callees are still being walked: (op index, its scope, callees left).
    enter(entry)
    stack: list[_Frame] = [_Frame(entry)]
    active = {entry}
    while stack:
        frame = stack[-1]
        s = frame.subgraph
        if frame.pending is not None:
            i, start, callees = frame.pending
            if callees:
                callee = callees.pop(0)
                if callee in active:
                    continue  # no step, so no scope: scopes number the steps
                scope += 1
                enter(callee)
                active.add(callee)
                stack.append(_Frame(callee))
                continue
            finish_op(s, i, start)
            frame.pending = None
            continue
        i = frame.next_op
        ops = sgs[s].operators
        if i >= len(ops):
            leave(s)
            active.discard(s)
            stack.pop()
            continue
        frame.next_op = i + 1
        scope += 1
        steps.append(Step(scope, s, i))
        op = ops[i]
        f = first[s]
        for t in op.outputs:
            if f[t] < 0:
                f[t] = scope
        callees = called_subgraphs(op.options, op.builtin, len(sgs)) if op.builtin in CALLS else []
        frame.pending = (i, scope, callees)
    unreached = tuple(s for s in range(len(sgs)) if s not in reached)
    return Lifetimes(steps, first, last, op_span, unreached)
