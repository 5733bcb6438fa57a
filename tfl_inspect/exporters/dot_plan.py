"""What a diagram draws: which subgraphs, which ops one by one, which inside boxes.

``dot`` slows down sharply with node count, so above a node budget the ops of a subgraph are
grouped by tensor-name namespace (``functional_1/conv2d_1_2/convolution`` belongs to
``functional_1/conv2d_1_2``), walking up the hierarchy until the count fits, the way Model
Explorer groups layers. Models with flat Keras layer names (``conv2d_21``, ``p_re_lu_12``) have no
namespaces: their ops are cut into runs at the points where the fewest tensors flow past (block
boundaries), and each box is named after the layers it starts and ends with. A DEQUANTIZE of a
constant (float16 weights) is folded into the op that reads it unless asked for, and so is a
DENSIFY of sparse constants. Whatever is drawn, :class:`Accounting` says where every op went, so a
reader (and a test) can check that nothing silently disappeared. Data flow comes from the model's use-def index
(``sg.producer``/``sg.consumers``) and, for reachability, :func:`tfl_inspect.graph.op_graph`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .. import naming
from ..composites import composites
from ..errors import UsageError

if TYPE_CHECKING:
    from ..model import Model, Operator, Subgraph

__all__ = ["Box", "Accounting", "SubgraphPlan", "Plan", "plan", "namespace", "layer_name", "op_node", "box_node"]

# A coarse level with fewer units than this reads as "one box" — chunk the finer level instead.
_MIN_USEFUL_UNITS = 16
# Runs of ops cut without names to guide them: a few dozen boxes of whole blocks read better than
# filling the node budget with boxes of three ops (judged on a 712-op MediaPipe model).
_MAX_RUNS = 40


@dataclass(frozen=True, slots=True)
class Box:
    """Several ops drawn as one node."""

    id: str
    subgraph: int
    title: str  # namespace ("stage_0/block_3") or "first layer … last layer"; untrusted text
    ops: tuple[int, ...]
    namespaced: bool = True  # False when the box is a run of consecutive ops, not one namespace


@dataclass(frozen=True, slots=True)
class Accounting:
    """Where every op of the model went in one diagram.

    ``placement`` maps (subgraph, op index) to the node that draws it (``op_S_I``), the box that
    counts it (``box_S_K``), or the marker that counts it as not shown (outside a ``--focus``
    neighbourhood: ``hidden_S_0`` for ops upstream of it, ``hidden_S_1`` for the rest;
    ``stub_S`` for a called subgraph that is not drawn; ``""`` for a subgraph left out by
    ``--subgraph``/``--signature``). A folded DEQUANTIZE is placed on the node of the op that
    reads its output (where its ``fp16 const`` line is drawn) and counted in ``folded_ops``.
    """

    total_ops: int
    drawn_ops: int
    boxed_ops: int
    hidden_ops: int
    boxes: int
    nodes: int
    placement: Mapping[tuple[int, int], str]
    folded_ops: int = 0
    composite_ops: int = 0  # ops of a composite's decomposition, placed on the composite's node (or its box)

    @property
    def complete(self) -> bool:
        """Every op is drawn, boxed, folded, inside a drawn composite or counted as hidden — exactly once."""
        return (
            self.drawn_ops + self.boxed_ops + self.hidden_ops + self.folded_ops + self.composite_ops == self.total_ops
            and len(self.placement) == self.total_ops
        )


@dataclass(slots=True)
class SubgraphPlan:
    """One drawn subgraph: its visible ops and the nodes that stand for them."""

    index: int
    ops: tuple[int, ...]  # visible ops, in execution order
    unit: dict[int, str]  # visible op → node id (op node or box)
    boxes: dict[str, Box]
    hidden: tuple[int, ...]  # ops outside the focus neighbourhood
    hidden_at: dict[int, str]  # hidden op → its marker: upstream (hidden_S_0) or the rest (hidden_S_1)
    inputs: tuple[int, ...]  # tensors drawn as input nodes
    outputs: tuple[int, ...]  # tensors drawn as output nodes
    orphans: tuple[int, ...]  # non-constant tensors nothing produces (variables, dangling)
    const_nodes: tuple[int, ...] = ()  # constants drawn as their own nodes
    folded: dict[int, int] = field(default_factory=dict)  # DEQUANTIZE of a constant → the op reading it
    box_prefix: str = ""  # ids of boxes made here: box_S_K, or PREFIX_K inside the box PREFIX


@dataclass(frozen=True, slots=True)
class Context:
    """A node of a box's inner diagram standing for an op or box outside it that feeds or reads it."""

    target: str  # the node that draws it in an enclosing diagram: op_S_I or a box id
    title: str  # "CONV_2D #17" or the box's title; untrusted text


@dataclass(slots=True)
class Plan:
    subgraphs: dict[int, SubgraphPlan]
    stubs: tuple[int, ...]  # subgraphs called by drawn ops but not drawn themselves
    focus: tuple[int, frozenset[int]] | None
    accounting: Accounting
    signature: str | None = None
    extra_nodes: int = 1  # the legend
    notes: list[str] = field(default_factory=list)
    box: str | None = None  # the box whose inside this plan draws (None: the model)
    context: dict[str, Context] = field(default_factory=dict)  # marker node (ctx_…) → what it stands for


def op_node(subgraph: int, index: int) -> str:
    return f"op_{subgraph}_{index}"


def box_node(subgraph: int, k: int) -> str:
    return f"box_{subgraph}_{k}"


def namespace(name: str, producer: str | None = None) -> tuple[str, ...]:
    """The layer path of a tensor name (:func:`tfl_inspect.naming.layer`), outermost scope first.

    ``a/b/MatMul;a/b/Relu`` → ``(a, b)``; a flat name has none.
    """
    return naming.layer(name, producer).path


def plan(
    model: Model,
    *,
    subgraph: int | None = None,
    signature: str | None = None,
    focus: str | int | None = None,
    depth: int = 3,
    max_nodes: int = 300,
    show_constants: bool = False,
    show_dequantize: bool = False,
) -> Plan:
    """Decide what to draw; raises :class:`UsageError` for a subgraph/signature/focus that is not there."""
    if max_nodes < 1:
        raise UsageError(f"--max-nodes must be at least 1, not {max_nodes}")
    if depth < 0:
        raise UsageError(f"--depth must be 0 or more, not {depth}")
    n_sub = len(model.subgraphs)
    chosen: int | None = None
    if signature is not None:
        chosen = model.require_signature(signature).subgraph
    if subgraph is not None:
        if not 0 <= subgraph < n_sub:
            raise UsageError(f"no subgraph {subgraph}: the model has {n_sub} (0..{n_sub - 1})")
        if chosen is not None and chosen != subgraph:
            raise UsageError(f"signature {signature!r} is subgraph {chosen}, not {subgraph}")
        chosen = subgraph

    focus_at: tuple[int, frozenset[int]] | None = None
    if focus is not None:
        s, centre = _resolve_focus(model, focus, chosen)
        chosen = s
        focus_at = (s, frozenset(centre))

    # A composite's decomposition is the body of one layer: the composite op's node stands for it (its ops are
    # placed there), not another subgraph of the model; --subgraph N draws it.
    comp = composites(model)
    drawn = [chosen] if chosen is not None else [s for s in range(n_sub) if not comp.is_decomposition(s)]
    plans: dict[int, SubgraphPlan] = {}
    for s in drawn:
        sg = model.subgraphs[s]
        visible: set[int] | None = None
        if focus_at is not None and focus_at[0] == s:
            visible = _neighbourhood(model, s, focus_at[1], depth)
        plans[s] = _subgraph_plan(model, sg, visible, show_constants, show_dequantize)

    stubs = sorted(
        {
            target
            for s, sp in plans.items()
            for i in sp.ops
            for _, target in model.subgraphs[s].operators[i].called()
            if 0 <= target < n_sub and target not in plans and not comp.is_decomposition(target)
        }
    )
    extra = 1 + len(stubs)
    _fit(model, plans, max_nodes - extra, show_constants)
    if show_constants:
        for s, sp in plans.items():
            sp.const_nodes = _constants(model.subgraphs[s], sp)
    return Plan(
        subgraphs=plans,
        stubs=tuple(stubs),
        focus=focus_at,
        accounting=_account(model, plans, stubs, extra),
        signature=signature,
        extra_nodes=extra,
    )


def _resolve_focus(model: Model, focus: str | int, chosen: int | None) -> tuple[int, set[int]]:
    text = str(focus).strip()
    if isinstance(focus, int) or text.isdigit():
        s = chosen if chosen is not None else 0
        i = int(text)
        n = len(model.subgraphs[s].operators)
        if not 0 <= i < n:
            raise UsageError(f"--focus {i}: subgraph {s} has {n} ops (0..{n - 1})")
        return s, {i}
    # A tensor name: the ops that write or read it.
    candidates = [chosen] if chosen is not None else range(len(model.subgraphs))
    for s in candidates:
        sg = model.subgraphs[s]
        for t in sg.tensors:
            if t.name == text:
                ops = set(sg.consumers(t.index))
                if sg.producer(t.index) >= 0:
                    ops.add(sg.producer(t.index))
                if not ops:
                    raise UsageError(f"--focus: tensor {text!r} is not used by any op")
                return s, ops
    raise UsageError(f"--focus: no op index or tensor named {text!r}")


def _neighbourhood(model: Model, s: int, centre: frozenset[int], depth: int) -> set[int]:
    """Ops within ``depth`` data-flow hops of ``centre`` (either direction): BFS layers of the op graph."""
    import networkx as nx

    from ..graph import op_graph

    seen: set[int] = set()
    for d, layer in enumerate(nx.bfs_layers(op_graph(model, s).to_undirected(as_view=True), sorted(centre))):
        if d > depth:
            break
        seen.update(layer)
    return seen


def _foldable(sg: Subgraph) -> dict[int, int]:
    """Ops that only prepare a constant → the first op that reads the prepared tensor.

    A DEQUANTIZE of a constant (float16 weights), a DENSIFY of a constant (sparse weights) and
    the DENSIFY → DEQUANTIZE chain of sparse float16 weights: drawn as a ``const`` line on the
    op that reads them. Not folded: one whose result is a subgraph output or read by nothing.
    """
    outputs = set(sg.outputs)

    def prepares(op: Operator, kind: str) -> bool:
        if op.builtin != kind or len(op.inputs) != 1 or len(op.outputs) != 1:
            return False
        return bool(sg.consumers(op.outputs[0])) and op.outputs[0] not in outputs

    def constant(t: int) -> bool:
        src = sg.tensor(t)
        return src is not None and src.is_constant and sg.producer(t) < 0

    densify = {op.index for op in sg.operators if prepares(op, "DENSIFY") and constant(op.inputs[0])}
    out: dict[int, int] = {}
    for op in sg.operators:
        if not prepares(op, "DEQUANTIZE"):
            continue
        p = sg.producer(op.inputs[0])
        if constant(op.inputs[0]) or (p in densify and sg.consumers(op.inputs[0]) == (op.index,)):
            out[op.index] = sg.consumers(op.outputs[0])[0]
    for d in densify:
        reader = sg.consumers(sg.operators[d].outputs[0])[0]
        out[d] = out.get(reader, reader)  # through a folded DEQUANTIZE to the op that reads it
    return out


def _subgraph_plan(
    model: Model, sg: Subgraph, visible: set[int] | None, show_constants: bool, show_dequantize: bool
) -> SubgraphPlan:
    folded = {} if show_dequantize else _foldable(sg)
    if visible is not None:  # fold only where the reader is drawn too
        folded = {d: c for d, c in folded.items() if d in visible and c in visible}
    every = range(len(sg.operators)) if visible is None else sorted(visible)
    ops = tuple(i for i in every if i not in folded)
    shown = set(ops) | set(folded)
    hidden = () if visible is None else tuple(i for i in range(len(sg.operators)) if i not in shown)
    inputs_set = set(sg.inputs)

    def near(t: int) -> bool:
        if visible is None:
            return True
        return sg.producer(t) in shown or any(c in shown for c in sg.consumers(t))

    inputs = tuple(dict.fromkeys(t for t in sg.inputs if near(t)))
    outputs = tuple(dict.fromkeys(t for t in sg.outputs if near(t)))
    orphans: dict[int, None] = {}
    const_nodes: dict[int, None] = {}
    for t in [*(t for i in ops for t in sg.operators[i].inputs), *outputs]:
        if t < 0 or sg.producer(t) >= 0 or t in inputs_set:
            continue
        if sg.tensors[t].is_constant:
            if t in outputs:
                const_nodes[t] = None  # a constant output has no consumer to fold into
        else:
            orphans[t] = None
    sp = SubgraphPlan(
        index=sg.index,
        ops=ops,
        unit={i: op_node(sg.index, i) for i in ops},
        boxes={},
        hidden=hidden,
        hidden_at=_markers(model, sg, hidden, shown),
        inputs=inputs,
        outputs=outputs,
        orphans=tuple(orphans),
        const_nodes=tuple(const_nodes),
        folded=folded,
    )
    if show_constants:
        sp.const_nodes = _constants(sg, sp)
    return sp


def _markers(model: Model, sg: Subgraph, hidden: tuple[int, ...], shown: set[int]) -> dict[int, str]:
    """Split hidden ops into those that feed the drawn ones (drawn above them) and the rest.

    Upstream = hidden ops with a path of hidden ops into a drawn op: BFS over the reversed op
    graph restricted to the hidden ops, from the hidden direct feeders of the drawn ones.
    """
    if not hidden:
        return {}
    import networkx as nx

    from ..graph import op_graph

    g = op_graph(model, sg.index)
    feeders = sorted({p for i in shown for p in g.predecessors(i)} - shown)
    upstream: set[int] = set()
    if feeders:
        back = g.reverse(copy=False).subgraph(hidden)
        for layer in nx.bfs_layers(back, feeders):
            upstream.update(layer)
    return {i: f"hidden_{sg.index}_{0 if i in upstream else 1}" for i in hidden}


def _constants(sg: Subgraph, sp: SubgraphPlan) -> tuple[int, ...]:
    """Constants to draw as nodes: inputs of ops drawn one by one, plus constant outputs."""
    out = dict.fromkeys(t for t in sp.outputs if sg.producer(t) < 0 and sg.tensors[t].is_constant)
    for i in sp.ops:
        if not sp.unit[i].startswith("op_"):
            continue
        for t in sg.operators[i].inputs:
            if t >= 0 and sg.producer(t) < 0 and sg.tensors[t].is_constant:
                out[t] = None
    return tuple(out)


def _fixed(sp: SubgraphPlan) -> int:
    return (
        len(sp.inputs)
        + len(sp.outputs)
        + len(sp.orphans)
        + len(set(sp.hidden_at.values()))
        + (
            0 if sp.ops or sp.inputs or sp.outputs else 1  # an empty subgraph gets a placeholder
        )
    )


def _count(sg: Subgraph, sp: SubgraphPlan, show_constants: bool) -> int:
    n = len(set(sp.unit.values())) + _fixed(sp)
    if show_constants:
        n += len(_constants(sg, sp))
    else:
        n += len(sp.const_nodes)
    return n


def _fit(model: Model, plans: dict[int, SubgraphPlan], budget: int, show_constants: bool) -> None:
    """Share ``budget`` nodes between subgraphs (small ones keep full detail) and collapse."""
    natural = {s: _count(model.subgraphs[s], sp, show_constants) for s, sp in plans.items()}
    if sum(natural.values()) <= budget:
        return
    remaining, left = budget, len(plans)
    for s in sorted(plans, key=lambda k: natural[k]):
        share = max(remaining // max(left, 1), _fixed(plans[s]) + 1)
        if natural[s] > share:
            _collapse(model, model.subgraphs[s], plans[s], share, show_constants)
            used = _count(model.subgraphs[s], plans[s], show_constants)
        else:
            used = natural[s]
        remaining -= used
        left -= 1


def _op_name(sg: Subgraph, i: int) -> str:
    """The name that tells which layer an op belongs to: its first non-constant named tensor."""
    op = sg.operators[i]
    for t in (*op.outputs, *op.inputs):
        tensor = sg.tensor(t)
        if tensor is not None and not tensor.is_constant and tensor.name:
            return tensor.name
    return ""


def layer_name(name: str, producer: str | None = None) -> str:
    """The layer a tensor name belongs to, for box titles (:func:`tfl_inspect.naming.layer`).

    ``model/block_3/conv/Conv2D`` → ``model/block_3/conv``; a flat Keras name (``conv2d_21``,
    ``add_17__xeno_compat__1`` from MediaPipe's converter) is the layer itself; a PyTorch module
    path its ``named_modules()`` name, the root module ``(root)``.
    """
    return _label(naming.layer(name, producer))


def _label(found: naming.Layer) -> str:
    return naming.scope_label(naming.scope(found), found.scheme in naming.MODULE_SCHEMES)


def _op_layer(sg: Subgraph, i: int, producer: str | None) -> naming.Layer:
    """The layer an op belongs to: for litert-torch models the module :func:`naming.op_layer`
    places it in, otherwise the layer its first non-constant named tensor shows."""
    if producer == "litert-torch":
        return naming.op_layer(sg, sg.operators[i], producer)
    return naming.layer(_op_name(sg, i), producer)


def _collapse(model: Model, sg: Subgraph, sp: SubgraphPlan, budget: int, show_constants: bool) -> None:
    producer = model.producer.id
    names = {i: _op_layer(sg, i, producer) for i in sp.ops}
    ns = {i: n.path for i, n in names.items()}
    max_depth = max((len(v) for v in ns.values()), default=0)
    levels: list[list[list[int]]] = []  # finest first; each level is a list of units (op lists)
    last = -1
    for d in range(max_depth, 0, -1):
        groups: dict[tuple[str, ...] | int, list[int]] = {}
        for i in sp.ops:
            key: tuple[str, ...] | int = ns[i][:d] if ns[i] else i
            groups.setdefault(key, []).append(i)
        if len(groups) != last:
            levels.append(list(groups.values()))
            last = len(groups)

    def apply(units: list[list[int]], chunked: bool) -> None:
        sp.boxes.clear()
        units = sorted(units, key=lambda u: u[0])
        k = 0
        for unit in units:
            if len(unit) == 1:
                sp.unit[unit[0]] = op_node(sg.index, unit[0])
                continue
            box = f"{sp.box_prefix}_{k}" if sp.box_prefix else box_node(sg.index, k)
            k += 1
            sp.boxes[box] = Box(box, sg.index, "", tuple(sorted(unit)), not chunked)  # titled once it fits
            for i in unit:
                sp.unit[i] = box

    def fits() -> bool:
        return _count(sg, sp, show_constants) <= budget

    def titled() -> None:
        for key, box in sp.boxes.items():
            sp.boxes[key] = replace(box, title=_title(sg, list(box.ops), ns, names, not box.namespaced))

    for pos, units in enumerate(levels):
        apply(units, chunked=False)
        if fits():
            if len(units) < min(_MIN_USEFUL_UNITS, budget // 4) and pos > 0:
                break  # too coarse to be useful: chunk the finer level below
            titled()
            return
    else:
        pos = len(levels)
    finer = levels[pos - 1] if 0 < pos <= len(levels) else [[i] for i in sp.ops]
    runs = _chunk(finer, min(budget - _fixed(sp), _MAX_RUNS), _widths(sg, sp))
    branches = _branches(model, sg.index, runs)
    apply(branches if len(branches) <= budget - _fixed(sp) else runs, chunked=True)
    titled()


def _widths(sg: Subgraph, sp: SubgraphPlan) -> list[int]:
    """For each op index, how many tensors flow past it: written at or before it, read after it.

    Narrow points (a residual block's end, a bottleneck) are where a run of ops reads best cut.
    Subgraph inputs count from the start; folded DEQUANTIZE ops do not count. One pass over the
    use-def index and a prefix sum.
    """
    n = len(sg.operators)
    diff = [0] * (n + 1)
    inputs = dict.fromkeys(sg.inputs)  # a tensor listed twice (or written in place) flows past once
    for t in inputs:
        readers = sg.consumers(t)
        if readers:
            diff[0] += 1
            diff[readers[-1]] -= 1
    for i in sp.ops:
        for t in sg.operators[i].outputs:
            if t in inputs:
                continue
            readers = sg.consumers(t)
            if readers and readers[-1] > i:
                diff[i] += 1
                diff[readers[-1]] -= 1
    widths, live = [], 0
    for i in range(n):
        live += diff[i]
        widths.append(live)
    return widths


def _chunk(units: list[list[int]], target: int, widths: list[int]) -> list[list[int]]:
    """Merge runs of consecutive units (execution order) into at most ``target`` runs.

    Each run ends at the narrowest point (fewest tensors flowing past, :func:`_widths`) between
    half and twice the average run length, so boxes hold whole blocks rather than cutting one.
    """
    units = sorted(units, key=lambda u: u[0])
    target = max(target, 1)
    size = max(1, math.ceil(len(units) / target))
    merged: list[list[int]] = []
    while size < len(units):
        merged, k = [], 0
        lo, hi = max(1, size // 2), size * 2
        while k < len(units):
            if len(units) - k <= hi:
                end = len(units) - 1
            else:
                end = min(
                    range(k + lo - 1, k + hi),
                    key=lambda j: (widths[max(units[j])], abs(j - k - size + 1)),
                )
            merged.append([i for u in units[k : end + 1] for i in u])
            k = end + 1
        if len(merged) <= target:
            return merged
        size += max(1, size // 4)
    # plain runs of equal length
    size = max(1, math.ceil(len(units) / target))
    return [[i for u in units[k : k + size] for i in u] for k in range(0, len(units), size)]


def _branches(model: Model, s: int, runs: list[list[int]]) -> list[list[int]]:
    """Split each run into its parallel branches (weakly connected parts of the op graph).

    Branches a model runs one after the other in execution order (a landmark model's eye, lips
    and iris heads) would otherwise share boxes and read as one chain.
    """
    import networkx as nx

    from ..graph import op_graph

    g = op_graph(model, s)
    out: list[list[int]] = []
    for run in runs:
        parts = list(nx.weakly_connected_components(g.subgraph(run)))
        if len(parts) == 1:
            out.append(run)
            continue
        out.extend(sorted(sorted(p) for p in parts))
    return out


def _title(
    sg: Subgraph, unit: list[int], ns: dict[int, tuple[str, ...]], names: dict[int, naming.Layer], chunked: bool
) -> str:
    """A namespace shared by the ops, else the first and last layer: never a bare op range."""
    first, last = min(unit), max(unit)
    if not chunked:
        common = ns[first]
        for i in unit:
            common = _common(common, ns[i])
        if common:
            return names[first].join(common)
    a, b = _label(names[first]), _label(names[last])
    if not a or not b:  # unnamed tensors: say which ops start and end the run
        a = a or sg.operators[first].opcode
        b = b or sg.operators[last].opcode
    return a if a == b else f"{a} … {b}"


def _common(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[:n]


def _account(model: Model, plans: dict[int, SubgraphPlan], stubs: list[int], extra: int) -> Accounting:
    placement: dict[tuple[int, int], str] = {}
    drawn = boxed = hidden = folded = inside = 0
    nodes = extra
    comp = composites(model)
    for sg in model.subgraphs:
        s = sg.index
        sp = plans.get(s)
        if sp is None:
            marker = f"stub_{s}" if s in stubs else ""
            top = comp.top(s) if not marker else None
            caller = plans.get(top.subgraph) if top is not None else None
            if top is not None and caller is not None and top.op in caller.unit:
                marker = caller.unit[top.op]  # a decomposition: on its composite's node (or box)
                inside += len(sg.operators)
            else:
                hidden += len(sg.operators)
            for op in sg.operators:
                placement[(s, op.index)] = marker
            continue
        for i in sp.ops:
            node = sp.unit[i]
            placement[(s, i)] = node
            if node.startswith("op_"):
                drawn += 1
            else:
                boxed += 1
        for d, reader in sp.folded.items():
            placement[(s, d)] = sp.unit[reader]
        folded += len(sp.folded)
        for i in sp.hidden:
            placement[(s, i)] = sp.hidden_at[i]
        hidden += len(sp.hidden)
        nodes += len(set(sp.unit.values())) + _fixed(sp) + len(sp.const_nodes)
    return Accounting(
        total_ops=sum(len(sg.operators) for sg in model.subgraphs),
        drawn_ops=drawn,
        boxed_ops=boxed,
        hidden_ops=hidden,
        boxes=sum(len(sp.boxes) for sp in plans.values()),
        nodes=nodes,
        placement=placement,
        folded_ops=folded,
        composite_ops=inside,
    )
