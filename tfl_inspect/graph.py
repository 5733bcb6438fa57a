"""Model → ``networkx.MultiDiGraph``: the structure analyses and drawings walk.

Node ids are public API and stable:

- ``"op:S:I"`` — operator I of subgraph S. Attributes: ``kind="op"``, ``subgraph``, ``index``,
  ``opcode``, ``builtin``, ``version``, ``options``, ``custom_code``, ``flex_op``.
- ``"tensor:S:I"`` — tensor I of subgraph S. Attributes: ``kind="tensor"``, ``subgraph``,
  ``index``, ``name``, ``dtype``, ``shape``, ``shape_signature``, ``quantization``
  (:class:`~tfl_inspect.model.Quantization` or None), ``constant``, ``bytes``, ``variable``,
  ``graph_input``/``graph_output`` (subgraph I/O), ``signature_names`` (``[(key, role, name)]``).
- ``"subgraph:S"`` — one per subgraph: ``kind="subgraph"``, ``index``, ``name``.

Edges: tensor → op (``role="input"`` or ``"intermediate"``, ``slot`` = operand position;
omitted optional inputs have no edge), op → tensor (``role="output"``, ``slot``), and
op → subgraph (``role="calls"``, ``field`` = option that names it, e.g. ``body_subgraph_index``).
Every tensor is a node even when nothing uses it, so dead tensors stay visible.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

    from .model import Model

__all__ = ["to_networkx", "op_graph", "op_id", "tensor_id", "subgraph_id"]


def op_id(subgraph: int, index: int) -> str:
    return f"op:{subgraph}:{index}"


def tensor_id(subgraph: int, index: int) -> str:
    return f"tensor:{subgraph}:{index}"


def subgraph_id(subgraph: int) -> str:
    return f"subgraph:{subgraph}"


def to_networkx(model: Model) -> nx.MultiDiGraph:
    """The model's graph, built once per model from its use-def index and cached.

    The cached graph is shared: callers that need to change it work on ``.copy()``.
    """
    g: nx.MultiDiGraph | None = model._cache.get("networkx")
    if g is None:
        g = model._cache["networkx"] = _build(model)
    return g


def _build(model: Model) -> nx.MultiDiGraph:
    import networkx as nx

    g: nx.MultiDiGraph[str] = nx.MultiDiGraph(source=model.source, format=model.format)
    n_sub = len(model.subgraphs)
    for sg in model.subgraphs:
        s = sg.index
        g.add_node(subgraph_id(s), kind="subgraph", index=s, name=sg.name)
        inputs, outputs = set(sg.inputs), set(sg.outputs)
        io_names = model.io_names(s)
        for t in sg.tensors:
            g.add_node(
                tensor_id(s, t.index),
                kind="tensor",
                subgraph=s,
                index=t.index,
                name=t.name,
                dtype=t.dtype,
                shape=t.shape,
                shape_signature=t.shape_signature,
                quantization=t.quantization,
                constant=t.is_constant,
                bytes=t.nbytes,
                variable=t.is_variable,
                graph_input=t.index in inputs,
                graph_output=t.index in outputs,
                signature_names=[(n.signature, n.role, n.name) for n in io_names.get(t.index, ())],
            )
        for op in sg.operators:
            oid = op_id(s, op.index)
            g.add_node(
                oid,
                kind="op",
                subgraph=s,
                index=op.index,
                opcode=op.opcode,
                builtin=op.builtin,
                version=op.version,
                options=op.options,
                custom_code=op.custom_code,
                flex_op=op.flex_op,
            )
            # Operand indices were range-checked by Subgraph.build; -1 marks an omitted input.
            for slot, i in enumerate(op.inputs):
                if i >= 0:
                    g.add_edge(tensor_id(s, i), oid, role="input", slot=slot)
            for slot, i in enumerate(op.intermediates):
                g.add_edge(tensor_id(s, i), oid, role="intermediate", slot=slot)
            for slot, i in enumerate(op.outputs):
                g.add_edge(oid, tensor_id(s, i), role="output", slot=slot)
            for field, target in op.called():
                if 0 <= target < n_sub:
                    g.add_edge(oid, subgraph_id(target), role="calls", field=field)
    return g


def op_graph(model: Model, subgraph: int) -> nx.DiGraph:
    """Ops of one subgraph as a DiGraph (edge = a tensor flows from one op to the next), cached.

    What graph algorithms (reachability, components, topological orders) want: tensors and
    constants are left out, the use-def index gives the edges in one pass.
    """
    key = f"op_graph:{subgraph}"
    g: nx.DiGraph | None = model._cache.get(key)
    if g is None:
        import networkx as nx

        sg = model.subgraphs[subgraph]
        g = nx.DiGraph()
        g.add_nodes_from(range(len(sg.operators)))
        for op in sg.operators:
            for t in op.outputs:
                for c in sg.consumers(t):
                    g.add_edge(op.index, c, tensor=t)
        model._cache[key] = g
    return g
