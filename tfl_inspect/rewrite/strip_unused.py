"""``--strip-unused``: drop ops nobody reads, tensors nothing names, buffers and operator codes no one uses,
in every subgraph.

Converters and hand edits leave unused weight buffers behind (GRF/hygiene findings, and bytes
on the device). Ops with side effects (variables, control flow, custom ops) are never
dropped; buffer 0, the empty sentinel, and metadata buffers always stay.
"""

from __future__ import annotations

from .edit import Rewrite

__all__ = ["apply", "finish"]

NAME = "strip-unused"


def apply(rw: Rewrite) -> None:
    """Finish the rewrite with everything unused dropped, in every subgraph (call last, instead
    of :func:`finish`). Other subgraphs (signatures', control-flow bodies) are pruned first, so
    the buffers their dropped tensors held are collected with the rest."""
    for s in range(len(rw.fb.subgraphs or [])):
        if s != rw.subgraph:
            Rewrite(rw.fb, rw.model, s, None, rw.report).prune()
    rw.finish(strip=True)


def finish(rw: Rewrite) -> None:
    """Finish without stripping: only what the passes removed, and what fed only that, goes."""
    rw.finish(strip=False)
