"""Defaults of the Graphviz diagrams, importable by the CLI without loading the renderer."""

from __future__ import annotations

__all__ = ["DEFAULT_MAX_NODES", "DEFAULT_DEPTH", "DEFAULT_TIMEOUT", "FORMATS"]

#: Nodes handed to ``dot`` before ops collapse into namespace boxes: layouts stay in seconds.
DEFAULT_MAX_NODES = 300
#: Data-flow steps around ``--focus``.
DEFAULT_DEPTH = 3
#: Seconds before a ``dot`` layout is abandoned with a clean error.
DEFAULT_TIMEOUT = 120.0
FORMATS: tuple[str, ...] = ("svg", "png", "pdf", "dot")
