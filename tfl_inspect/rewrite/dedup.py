"""``--dedup``: constant tensors with byte-identical data share one buffer.

Converters write one buffer per constant, so a model that repeats a weight (tied embeddings,
the same bias in every block) stores it many times. Tensors of variables and metadata
buffers are left alone (variables are written at run time). External (> 2 GB) buffers are
compared by streaming hashes, never loaded whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .passes import Option, Pass, PassResult

if TYPE_CHECKING:
    from .edit import Rewrite
    from .writer import Source

__all__ = ["Dedup"]

_CHUNK = 8 << 20


class Dedup(Pass):
    name = "dedup"
    options = (
        Option("--dedup", "constants with identical bytes share one buffer", {"action": "store_true"}, default=False),
    )

    def __call__(self, rw: Rewrite) -> PassResult:
        assert rw.source is not None
        before = rw.report.buffers_merged
        _merge(rw, rw.source)
        return PassResult(rw.report.buffers_merged > before)


def _digest(buf: Any, src: Source) -> tuple[int, str] | None:
    import hashlib

    import numpy as np

    where = src.external.get(id(buf))
    h = hashlib.sha256()
    if where is not None:
        off, size = where
        with src.path.open("rb") as f:
            f.seek(off)
            left = size
            while left:
                chunk = f.read(min(_CHUNK, left))
                if not chunk:
                    return None
                h.update(chunk)
                left -= len(chunk)
        return size, h.hexdigest()
    if buf.data is None or len(buf.data) == 0:
        return None
    data = np.asarray(buf.data, dtype=np.uint8)
    h.update(np.ascontiguousarray(data).tobytes())
    return int(data.size), h.hexdigest()


def _merge(rw: Rewrite, src: Source) -> None:
    fb = rw.fb
    bufs = fb.buffers or []
    protected = {0} | {int(md.buffer) for md in fb.metadata or []}
    users: dict[int, list[Any]] = {}
    for sg in fb.subgraphs or []:
        for t in sg.tensors or []:
            b = int(t.buffer)
            if t.isVariable:
                protected.add(b)
            users.setdefault(b, []).append(t)
    first: dict[tuple[int, str], int] = {}
    for b in sorted(users):
        if b in protected or not 0 <= b < len(bufs):
            continue
        key = _digest(bufs[b], src)
        if key is None:
            continue
        keep = first.setdefault(key, b)
        if keep != b:
            for t in users[b]:
                t.buffer = keep
            rw.report.buffers_merged += 1
            rw.orphaned.add(b)
