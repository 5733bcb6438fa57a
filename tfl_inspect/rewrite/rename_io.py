"""``--rename-io``: signature inputs and outputs take their signature names (NAM001).

The converter names them ``serving_default_x:0`` / ``StatefulPartitionedCall_1:0``; users and
runtimes that look tensors up by name want ``x`` / ``output_0``. Names are made unique within
the subgraph (``name_1``…); nothing else in the model changes. Tensors are found through the
signature's tensor index, never by guessing from buffer numbers.
"""

from __future__ import annotations

from .edit import Rewrite, tensor_name
from .report import Renamed

__all__ = ["apply"]

NAME = "rename-io"


def apply(rw: Rewrite) -> None:
    fb = rw.fb
    if not fb.signatureDefs:
        rw.report.notes.append("rename-io: the model has no signatures, so there are no names to take")
        return
    done: set[tuple[int, int]] = set()
    taken: dict[int, dict[str, int]] = {}
    for sig in fb.signatureDefs:
        s = int(sig.subgraphIndex)
        tensors = fb.subgraphs[s].tensors
        io = {int(i) for i in fb.subgraphs[s].inputs}, {int(o) for o in fb.subgraphs[s].outputs}
        names = taken.setdefault(s, {})
        if not names:
            for i, t in enumerate(tensors):
                names.setdefault(tensor_name(t), i)
        entries = [(tm, io[0]) for tm in sig.inputs or []] + [(tm, io[1]) for tm in sig.outputs or []]
        for tm, own in entries:
            t = int(tm.tensorIndex)
            if t not in own:  # a stale entry (NAM005): the tensor it names is not this subgraph's I/O
                key = (
                    sig.signatureKey.decode("utf-8", "replace")
                    if isinstance(sig.signatureKey, bytes)
                    else sig.signatureKey
                )
                rw.report.notes.append(
                    f"rename-io: signature {key!r} entry {_text(tm.name)!r} names tensor {t}, which is not an input or "
                    "output of its subgraph (NAM005): left alone"
                )
                continue
            if (s, t) in done:
                continue
            done.add((s, t))
            want = _text(tm.name)
            old = tensor_name(tensors[t])
            if old == want:
                continue
            new, k = want, 0
            while names.get(new, t) != t:
                k += 1
                new = f"{want}_{k}"
            if names.get(old) == t:
                del names[old]
            names[new] = t
            tensors[t].name = new.encode("utf-8")
            rw.report.renamed.append(Renamed(t, old, new))


def _text(value: bytes | str | None) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value or "")
