"""Per-tensor error as Model Explorer node data: ``{graph_id: {"results": {node_id: {"value": v}}}}``.

Keys follow what ``ai_edge_model_explorer_adapter`` produces for a ``.tflite``: the graph id is
the subgraph's name (``main`` for an unnamed subgraph 0) and an op's node id is its operator index
as a string, so the file loads as a node-data overlay on either model.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..diff.report import DiffReport
from ..errors import UsageError
from ..model import Model

__all__ = ["overlay", "METRICS", "graph_id"]

METRICS = ("sqnr_db", "max_abs", "rmse", "cosine", "steps", "local_mse")


def graph_id(model: Model, subgraph: int) -> str:
    name = model.subgraphs[subgraph].name
    if name:
        return name
    return "main" if subgraph == 0 else f"subgraph_{subgraph}"


def overlay(r: DiffReport, model: Model, side: str = "b", metric: str = "sqnr_db") -> dict[str, Any]:
    """Node data for ``model`` (A when ``side`` is "a", else B): each op's output error ``metric``."""
    if r.numeric is None:
        raise UsageError("--overlay needs --run (there are no numbers to show)")
    if metric not in METRICS:
        raise UsageError(f"--overlay-metric {metric}: choose from {', '.join(METRICS)}")
    s = r.alignment.subgraphs[0 if side == "a" else 1]
    results: dict[str, dict[str, float]] = {}
    for e in r.numeric.tensors:
        op = e.a_op if side == "a" else e.b_op
        value = getattr(e, metric)
        if metric == "sqnr_db" and value is None:
            value = 200.0  # no error: shown as the best value
        if op is None or value is None or not math.isfinite(value):
            continue
        results.setdefault(str(op), {"value": float(value)})
    return {graph_id(model, s): {"results": results}}


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1)
