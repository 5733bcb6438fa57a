"""Keras layers from TensorFlow node names, and the Keras model as context (duck-typed)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = ["keras_layer", "KerasContext"]

_UNIQUIFY = re.compile(r"^(.*\D.*?)_(\d+)$")


def _strip_suffix(name: str) -> str | None:
    m = _UNIQUIFY.match(name)
    return m.group(1) if m else None


def keras_layer(tf_node: str | None, layer_names: Sequence[str] | None = None) -> tuple[str | None, tuple[str, ...]]:
    """(Keras layer, layer path) for a TF node name such as ``functional_1/conv2d_1_2/convolution``.

    The node name is ``<model scope>/<layer scope>/.../<op>``. Keras 3 opens a TF name scope
    per layer while the model is traced for export, and TensorFlow makes scope names unique
    by appending ``_N`` — so a layer named ``conv`` shows up as ``conv_1``, and ``conv2d_1`` as
    ``conv2d_1_1`` or ``conv2d_1_2``. The heuristic therefore removes exactly one trailing
    ``_N`` (``conv2d_1_2`` → ``conv2d_1``, never down to ``conv2d``). When the model's layer
    names are known, the first of (one suffix removed, as printed, more suffixes removed)
    that is a real layer wins, which settles the cases a name alone cannot (a layer that
    really is called ``conv_1``). The path is every scope between the model and the op.
    """
    if not tf_node:
        return None, ()
    parts = [p for p in tf_node.split("@", 1)[0].split("/") if p]
    if len(parts) < 3:
        return None, ()
    scopes = parts[1:-1]
    path = tuple(_layer_from_scope(s, layer_names) for s in scopes)
    return path[0], path


def _layer_from_scope(scope: str, layer_names: Sequence[str] | None) -> str:
    once = _strip_suffix(scope)
    if layer_names:
        names = set(layer_names)
        candidates = [c for c in (once, scope) if c]
        more = once
        while more and (more := _strip_suffix(more)):
            candidates.append(more)
        for c in candidates:
            if c in names:
                return c
    return once or scope


class KerasContext:
    def __init__(self, model: Any) -> None:
        self.model = model
        self.layers = {getattr(layer, "name", ""): layer for layer in getattr(model, "layers", []) or []}

    @property
    def names(self) -> list[str]:
        return list(self.layers)

    def layer_class(self, name: str | None) -> str | None:
        layer = self.layers.get(name or "")
        return type(layer).__name__ if layer is not None else None

    def upstream(self, name: str | None) -> list[Any]:
        """Layers feeding ``name``, nearest first (breadth-first over inbound nodes)."""
        layer = self.layers.get(name or "")
        if layer is None:
            return []
        out: list[Any] = []
        todo = [layer]
        seen = {id(layer)}
        while todo:
            cur = todo.pop(0)
            for node in getattr(cur, "_inbound_nodes", []) or []:
                for parent in getattr(node, "parent_nodes", []) or []:
                    op = getattr(parent, "operation", None)
                    if op is not None and id(op) not in seen:
                        seen.add(id(op))
                        out.append(op)
                        todo.append(op)
        return out

    def inputs(self) -> list[tuple[str, tuple[int | None, ...]]]:
        out = []
        for t in getattr(self.model, "inputs", []) or []:
            shape = tuple(getattr(t, "shape", ()) or ())
            out.append((str(getattr(t, "name", "input")), shape))
        return out
