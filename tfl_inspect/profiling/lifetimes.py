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
    walk = _Walk(model)
    if not 0 <= entry < len(model.subgraphs):
        return Lifetimes(walk.steps, walk.first, walk.last, walk.op_span, tuple(range(len(model.subgraphs))))
    # One frame per running subgraph: the next op to run, and the control-flow op (if any)
    # whose callees are still being walked: (op index, its scope, callees left).
    walk.enter(entry)
    stack: list[_Frame] = [_Frame(entry)]
    active = {entry}
    while stack:
        frame = stack[-1]
        if frame.pending is not None:
            callee = walk.resume(frame)
            if callee is not None:
                if callee in active:
                    continue  # a subgraph calling itself is not entered: no step, so no scope
                walk.scope += 1  # scopes number the steps
                walk.enter(callee)
                active.add(callee)
                stack.append(_Frame(callee))
        elif frame.next_op < len(model.subgraphs[frame.subgraph].operators):
            walk.start_op(frame)
        else:
            walk.leave(frame.subgraph)
            active.discard(frame.subgraph)
            stack.pop()
    unreached = tuple(s for s in range(len(model.subgraphs)) if s not in walk.reached)
    return Lifetimes(walk.steps, walk.first, walk.last, walk.op_span, unreached)


class _Walk:
    """The scope counter and what the walk has recorded so far."""

    def __init__(self, model: Model) -> None:
        self.sgs = model.subgraphs
        self.first = [[-1] * len(sg.tensors) for sg in self.sgs]
        self.last = [[-1] * len(sg.tensors) for sg in self.sgs]
        self.steps: list[Step] = []
        self.op_span: dict[tuple[int, int], tuple[int, int]] = {}
        self.reached: set[int] = set()
        self.scope = 0

    def enter(self, s: int) -> None:
        self.reached.add(s)
        self.steps.append(Step(self.scope, s, -1))
        f, la = self.first[s], self.last[s]
        for t in self.sgs[s].inputs:
            if f[t] < 0:
                f[t] = self.scope
            la[t] = self.scope

    def leave(self, s: int) -> None:
        f, la = self.first[s], self.last[s]
        for t in self.sgs[s].outputs:
            if f[t] < 0:
                f[t] = self.scope
            la[t] = self.scope

    def start_op(self, frame: _Frame) -> None:
        """A new scope for the frame's next op; its outputs are born, its callees queued."""
        s, i = frame.subgraph, frame.next_op
        frame.next_op = i + 1
        self.scope += 1
        self.steps.append(Step(self.scope, s, i))
        op = self.sgs[s].operators[i]
        f = self.first[s]
        for t in op.outputs:
            if f[t] < 0:
                f[t] = self.scope
        callees = called_subgraphs(op.options, op.builtin, len(self.sgs)) if op.builtin in CALLS else []
        frame.pending = (i, self.scope, callees)

    def resume(self, frame: _Frame) -> int | None:
        """The next callee of the frame's control-flow op, or None once the op is done."""
        assert frame.pending is not None
        i, start, callees = frame.pending
        if callees:
            return callees.pop(0)  # the caller counts the scope when it enters the callee
        s = frame.subgraph
        op = self.sgs[s].operators[i]
        la = self.last[s]
        for t in op.inputs:
            if t >= 0:
                la[t] = self.scope
        for t in op.outputs:
            la[t] = self.scope
        prev = self.op_span.get((s, i))
        self.op_span[(s, i)] = (prev[0] if prev else start, self.scope)
        frame.pending = None
        return None
