"""The Keras model as context for a diagnosis (duck-typed); node name → layer: :func:`..naming.keras_layer`."""

from __future__ import annotations

from typing import Any

from ..naming import keras_layer

__all__ = ["keras_layer", "KerasContext"]


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
