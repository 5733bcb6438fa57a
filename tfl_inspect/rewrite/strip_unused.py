"""``--strip-unused``: drop ops nobody reads, tensors nothing names, buffers and operator codes no one uses,
in every subgraph.

Converters and hand edits leave unused weight buffers behind (GRF/hygiene findings, and bytes
on the device). Ops with side effects (variables, control flow, custom ops) are never
dropped; buffer 0, the empty sentinel, and metadata buffers always stay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .passes import Option, Pass, PassResult

if TYPE_CHECKING:
    from .edit import Rewrite

__all__ = ["StripUnused"]


class StripUnused(Pass):
    """Finishes the rewrite with everything unused dropped (so it runs last). Other subgraphs
    (signatures', control-flow bodies) are pruned first, so the buffers their dropped tensors
    held are collected with the rest."""

    name = "strip-unused"
    options = (
        Option(
            "--strip-unused", "drop unused ops, tensors, buffers and op codes", {"action": "store_true"}, default=False
        ),
    )

    def __call__(self, rw: Rewrite) -> PassResult:
        from .edit import Rewrite

        before = (len(rw.report.ops_removed), rw.report.tensors_removed, rw.report.buffers_removed)
        for s in range(len(rw.fb.subgraphs or [])):
            if s != rw.subgraph:
                Rewrite(rw.fb, rw.model, s, None, rw.report).prune()
        rw.finish(strip=True)
        after = (len(rw.report.ops_removed), rw.report.tensors_removed, rw.report.buffers_removed)
        return PassResult(after != before)
