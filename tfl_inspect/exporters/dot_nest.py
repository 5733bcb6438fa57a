"""What a collapsed box holds, as a diagram of its own: the plan that opens a box.

A box of :mod:`.dot_plan` stands for a run of ops or a name scope. Its inner plan draws those ops
one by one (or, above the node budget, in nested boxes whose ids extend the box's:
``box_0_3`` holds ``box_0_3_0``, ``box_0_3_1``...), the subgraph inputs and outputs they touch,
and one *context* node per op or box around it that feeds or reads it, so the inside reads in its
surroundings and a viewer can step to the neighbour. Every op is drawn in exactly one plan of the
tree — the model's or the innermost box holding it — and :func:`nest` checks that.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .dot_plan import _MAX_RUNS, Accounting, Box, Context, Plan, SubgraphPlan, _chunk, _fit, _fixed, _widths, op_node

if TYPE_CHECKING:
    from ..model import Model, Subgraph

__all__ = ["Opened", "inside", "nest"]


@dataclass(frozen=True, slots=True)
class Opened:
    """One box and the plan of what it holds; ``parent`` is the box whose diagram draws it (None: the model's)."""

    box: Box
    parent: str | None
    plan: Plan


def _folded_here(sg: Subgraph, outer: SubgraphPlan, own: set[int]) -> dict[int, int]:
    """Folded DEQUANTIZE/DENSIFY ops whose result an op of ``own`` reads (their const line is drawn on it)."""
    out = {
        d: r
        for d, r in outer.folded.items()
        if r in own or any(c in own for c in sg.consumers(sg.operators[d].outputs[0]))
    }
    todo = list(out)
    while todo:  # the DENSIFY before a folded DEQUANTIZE
        p = sg.producer(sg.operators[todo.pop()].inputs[0])
        if p >= 0 and p in outer.folded and p not in out:
            out[p] = outer.folded[p]
            todo.append(p)
    return out


def _context(parent: Plan, outer: SubgraphPlan, model: Model, o: int) -> Context | None:
    """What stands for op ``o`` in the diagram around the box: its node there, or that diagram's context."""
    node = outer.unit.get(o)
    if node is not None:
        if node.startswith("op_"):
            return Context(node, f"{model.subgraphs[outer.index].operators[o].opcode} #{o}")
        box = outer.boxes[node]
        return Context(node, f"{box.title} ({len(box.ops)} ops)")
    marker = outer.hidden_at.get(o)
    return parent.context.get(marker) if marker is not None else None


def inside(model: Model, parent: Plan, box: Box, *, max_nodes: int = 300) -> Plan:
    """The plan of what ``box`` (a box of ``parent``) holds, collapsed again above ``max_nodes`` nodes."""
    s = box.subgraph
    sg = model.subgraphs[s]
    outer = parent.subgraphs[s]
    own = set(box.ops)
    folded = _folded_here(sg, outer, own)
    shown = own | {d for d, r in folded.items() if r in own}
    hidden_at: dict[int, str] = {}
    context: dict[str, Context] = {}

    def neighbour(o: int) -> None:
        if o in shown or o in folded or o in hidden_at:
            return
        ctx = _context(parent, outer, model, o)
        if ctx is not None:
            marker = "ctx_" + ctx.target
            hidden_at[o] = marker
            context.setdefault(marker, ctx)

    inputs_set = set(sg.inputs)
    orphans: dict[int, None] = {}
    for i in box.ops:
        op = sg.operators[i]
        for t in op.inputs:
            if t < 0:
                continue
            p = sg.producer(t)
            if p >= 0:
                neighbour(p)
            elif t not in inputs_set and not sg.tensors[t].is_constant:
                orphans[t] = None
        for t in op.outputs:
            for c in sg.consumers(t):
                neighbour(c)
    sp = SubgraphPlan(
        index=s,
        ops=box.ops,
        unit={i: op_node(s, i) for i in box.ops},
        boxes={},
        hidden=(),
        hidden_at=hidden_at,
        inputs=tuple(dict.fromkeys(t for t in sg.inputs if any(c in shown for c in sg.consumers(t)))),
        outputs=tuple(dict.fromkeys(t for t in sg.outputs if sg.producer(t) in shown)),
        orphans=tuple(orphans),
        folded=folded,
        box_prefix=box.id,
    )
    _fit(model, {s: sp}, max_nodes, False)
    if any(len(b.ops) == len(box.ops) for b in sp.boxes.values()):
        _runs(sg, sp, max_nodes)  # one scope holds every op: cut it into runs, or it would nest forever
    return Plan(
        subgraphs={s: sp},
        stubs=(),
        focus=None,
        accounting=_account(sp, {d: r for d, r in folded.items() if r in own}, len(context)),
        signature=parent.signature,
        extra_nodes=0,
        box=box.id,
        context=context,
    )


def _runs(sg: Subgraph, sp: SubgraphPlan, max_nodes: int) -> None:
    """Cut the box's ops into at least two runs at the narrowest points (as :mod:`.dot_plan` chunks)."""
    target = max(2, min(max_nodes - _fixed(sp), _MAX_RUNS))
    sp.boxes.clear()
    runs = _chunk([[i] for i in sp.ops], target, _widths(sg, sp))
    if len(runs) < 2:
        runs = [[i] for i in sp.ops]  # over the budget, but every box gets smaller than its parent
    for k, run in enumerate(runs):
        if len(run) == 1:
            sp.unit[run[0]] = op_node(sp.index, run[0])
            continue
        box = Box(f"{sp.box_prefix}_{k}", sp.index, "", tuple(run), False)
        sp.boxes[box.id] = replace(box, title=_run_title(sg, box.ops))
        for i in run:
            sp.unit[i] = box.id


def _run_title(sg: Subgraph, ops: tuple[int, ...]) -> str:
    a, b = sg.operators[ops[0]], sg.operators[ops[-1]]
    return f"{a.opcode} #{a.index} … {b.opcode} #{b.index}"


def _account(sp: SubgraphPlan, folded: dict[int, int], n_context: int) -> Accounting:
    """The box's ops only: each drawn here, in a nested box, or folded into one of them."""
    s = sp.index
    placement = {(s, i): sp.unit[i] for i in sp.ops}
    placement.update({(s, d): sp.unit[r] for d, r in folded.items()})
    drawn = sum(1 for i in sp.ops if sp.unit[i].startswith("op_"))
    return Accounting(
        total_ops=len(placement),
        drawn_ops=drawn,
        boxed_ops=len(sp.ops) - drawn,
        hidden_ops=0,
        boxes=len(sp.boxes),
        nodes=len(set(sp.unit.values())) + len(sp.inputs) + len(sp.outputs) + len(sp.orphans) + n_context,
        placement=placement,
        folded_ops=len(folded),
    )


def nest(model: Model, top: Plan, *, max_nodes: int = 300) -> Iterator[Opened]:
    """Every box of ``top``, then every box inside those, breadth first: the plans a viewer can open."""
    todo: list[tuple[Plan, str | None]] = [(top, None)]
    while todo:
        plan, parent = todo.pop(0)
        for sp in plan.subgraphs.values():
            for box in sp.boxes.values():
                opened = Opened(box, parent, inside(model, plan, box, max_nodes=max_nodes))
                yield opened
                todo.append((opened.plan, box.id))
