"""Model Explorer node-data overlay: ``{graph_id: {results: {node_id: {value}}}}``.

Keys match what ``ai_edge_model_explorer_adapter`` (the viewer's TFLite adapter) shows,
checked against it on every corpus model (tests/exporters/test_profile_explorer.py):
a graph's id is the subgraph name, else its signature key, else ``main`` for subgraph 0 and
``subgraph_N`` for the others; an operator's node id is its index as a string.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..model import Model
    from ..profiling import Profile

__all__ = ["graph_id", "overlay", "KINDS"]

KINDS = ("macs", "memory", "params")


def graph_id(model: Model, subgraph: int) -> str:
    sg = model.subgraphs[subgraph]
    if sg.name:
        return sg.name
    for sig in model.signatures:
        if sig.subgraph == subgraph:
            return sig.key
    return "main" if subgraph == 0 else f"subgraph_{subgraph}"


def overlay(model: Model, prof: Profile, kind: str = "macs") -> dict[str, Any]:
    """Per-op values for Model Explorer's "node data" panel (load the file in the viewer)."""
    from ..errors import UsageError

    if kind not in KINDS:
        raise UsageError(f"unknown overlay {kind!r}; choose from {', '.join(KINDS)}")
    out: dict[str, Any] = {}
    for o in prof.operators:
        value = o.macs if kind == "macs" else o.params if kind == "params" else o.live_bytes
        if value is None:
            continue
        gid = graph_id(model, o.subgraph)
        out.setdefault(gid, {"results": {}})["results"][str(o.index)] = {"value": value}
    return out
