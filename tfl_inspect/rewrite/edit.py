"""The shared state of one rewrite, and the edits every pass needs (remove ops, drop tensors/buffers).

Passes decide on the *original* model (the :class:`~tfl_inspect.model.Model` read by our reader,
with its use-def index) and edit the object tree (``ModelT``) whose tensor and op indices are
still those of the file. Ops are only marked for removal; :meth:`Rewrite.finish` removes them,
drops what became dead, and renumbers tensors and buffers once at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..model import Model
from .report import FixReport

if TYPE_CHECKING:
    from ..shapes import ShapeResult

__all__ = ["Rewrite", "ints", "tensor_name", "NUMPY_TYPES", "STATEFUL"]

# Ops that must never be dropped as dead: they change state or call other subgraphs.
STATEFUL = frozenset(
    {
        "ASSIGN_VARIABLE",
        "READ_VARIABLE",
        "VAR_HANDLE",
        "CALL_ONCE",
        "WHILE",
        "IF",
        "CALL",
        "CUSTOM",
        "DELEGATE",
        "HASHTABLE",
        "HASHTABLE_IMPORT",
        "HASHTABLE_FIND",
        "HASHTABLE_SIZE",
        "RANDOM_STANDARD_NORMAL",
        "RANDOM_UNIFORM",
        "MULTINOMIAL",
    }
)

NUMPY_TYPES = {"INT32": np.int32, "INT64": np.int64}


def ints(values: Any) -> list[int]:
    """An index vector of the object tree (None, a list or a numpy array) as a list of ints."""
    return [] if values is None else [int(v) for v in values]


def tensor_name(t: Any) -> str:
    name = t.name
    return name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name or "")


@dataclass
class Rewrite:
    """One model being rewritten: the object tree, the original for analysis, and the report."""

    fb: Any  # schema.ModelT
    model: Model
    subgraph: int
    signature: str | None
    report: FixReport
    removed_ops: dict[int, str] = field(default_factory=dict)  # original op index -> pass
    orphaned: set[int] = field(default_factory=set)  # buffers a pass stopped using (dedup)
    source: Any = None  # the writer's Source: where external data lies (dedup hashes it in place)
    shapes: ShapeResult | None = None  # shape inference at the inputs the passes fix (their requirement)
    finished: bool = False

    @property
    def sg(self) -> Any:
        return self.fb.subgraphs[self.subgraph]

    def remove_op(self, index: int, pass_name: str) -> None:
        self.removed_ops.setdefault(index, pass_name)

    def add_constant(self, tensor: Any, data: np.ndarray) -> None:
        """Give ``tensor`` its own new buffer holding ``data`` (little-endian, as the format is)."""
        s = _schema()
        buf = s.BufferT()
        buf.data = np.frombuffer(np.ascontiguousarray(data).astype(data.dtype.newbyteorder("<")).tobytes(), np.uint8)
        if not self.fb.buffers:
            self.fb.buffers = [s.BufferT()]
        self.fb.buffers.append(buf)
        tensor.buffer = len(self.fb.buffers) - 1

    def replace_tensor(self, old: int, new: int) -> None:
        """Every op operand, subgraph I/O and signature entry naming ``old`` names ``new`` instead."""
        sg = self.sg
        for op in sg.operators or []:
            for attr in ("inputs", "outputs"):
                vals = getattr(op, attr)
                if vals is not None and old in list(vals):
                    setattr(op, attr, [new if v == old else int(v) for v in vals])
        for attr in ("inputs", "outputs"):
            vals = getattr(sg, attr)
            if vals is not None:
                setattr(sg, attr, [new if v == old else int(v) for v in vals])
        for sig in self.fb.signatureDefs or []:
            if sig.subgraphIndex == self.subgraph:
                for tm in (sig.inputs or []) + (sig.outputs or []):
                    if tm.tensorIndex == old:
                        tm.tensorIndex = new

    # --- finishing ---------------------------------------------------------------------------

    def finish(self, strip: bool) -> None:
        """Remove marked ops and what became dead with them; renumber tensors and buffers.

        Without ``strip`` only the buffers of tensors that went with removed ops are dropped;
        with it, every unused op, tensor, buffer and operator code goes.
        """
        self.finished = True
        if strip or self.removed_ops:
            self._dead_code()
        if not self.removed_ops and not strip:
            if self.orphaned:
                self.report.buffers_removed += _compact_buffers(self.fb, self.orphaned)
            return
        before = {int(t.buffer) for t in self.sg.tensors or []}
        self._drop_ops_and_tensors()
        after = {int(t.buffer) for t in self.sg.tensors or []}
        self.report.buffers_removed += _compact_buffers(self.fb, None if strip else (before - after) | self.orphaned)
        if strip:
            _compact_opcodes(self.fb)

    def prune(self) -> None:
        """Drop this subgraph's dead ops and the tensors nothing names any more; the buffers they
        leave are collected when the main rewrite finishes (``--strip-unused`` on the other
        subgraphs)."""
        self._dead_code()
        if self.removed_ops:
            self._drop_ops_and_tensors(label=self.subgraph)
        else:
            self.report.tensors_removed += _compact_tensors(self.fb, self.subgraph)

    def _drop_ops_and_tensors(self, label: int | None = None) -> None:
        sg_model = self.model.subgraphs[self.subgraph]
        keep = []
        for i, op in enumerate(self.sg.operators or []):
            if i in self.removed_ops:
                self.report.add_removed_op(i, sg_model.operators[i].opcode, self.removed_ops[i], label)
            else:
                keep.append(op)
        self.sg.operators = keep
        self.report.tensors_removed += _compact_tensors(self.fb, self.subgraph)

    def _dead_code(self) -> None:
        """Mark ops whose every output is now unread (and not a graph output) as removed.

        The original use-def index proposes candidates; the object tree, where passes may have
        rewired operands, has the last word.
        """
        sg = self.model.subgraphs[self.subgraph]
        live = set(ints(self.sg.outputs))
        for sig in self.fb.signatureDefs or []:
            if sig.subgraphIndex == self.subgraph:
                live.update(int(tm.tensorIndex) for tm in sig.outputs or [])
        changed = True
        while changed:
            changed = False
            for op in reversed(sg.operators):
                if op.index in self.removed_ops or op.builtin in STATEFUL or not op.outputs:
                    continue
                if any(sg.tensors[t].is_variable for t in op.inputs if t >= 0):
                    continue
                if not all(all(c in self.removed_ops for c in sg.consumers(t)) for t in op.outputs):
                    continue
                if self._unread(op.index, live):
                    self.removed_ops[op.index] = "dead"
                    changed = True

    def _unread(self, index: int, live: set[int]) -> bool:
        outs = set(ints(self.sg.operators[index].outputs))
        if outs & live:
            return False
        for i, op in enumerate(self.sg.operators or []):
            if i not in self.removed_ops and op.inputs is not None and outs & {int(t) for t in op.inputs}:
                return False
        return True


def _schema() -> Any:
    from .writer import schema

    return schema()


def _tensor_refs(fb: Any, s: int) -> set[int]:
    sg = fb.subgraphs[s]
    used: set[int] = set()
    for op in sg.operators or []:
        for attr in ("inputs", "outputs", "intermediates"):
            vals = getattr(op, attr)
            if vals is not None:
                used.update(int(v) for v in vals if v >= 0)
    used.update(ints(sg.inputs))
    used.update(ints(sg.outputs))
    n = len(sg.tensors or [])
    for sig in fb.signatureDefs or []:
        if sig.subgraphIndex == s:  # a stale entry past the end (NAM005) refers to nothing
            used.update(int(tm.tensorIndex) for tm in (sig.inputs or []) + (sig.outputs or []) if tm.tensorIndex < n)
    # Blockwise quantization names its scale / zero-point tensors by index.
    for t in list(sg.tensors or []):
        d = getattr(t.quantization, "details", None) if t.quantization is not None else None
        for attr in ("scales", "zeroPoints"):
            v = getattr(d, attr, None)
            if isinstance(v, int) and v >= 0:
                used.add(v)
    return used


def _compact_tensors(fb: Any, s: int) -> int:
    """Drop tensors nothing refers to; renumber every reference. Returns how many went."""
    sg = fb.subgraphs[s]
    used = _tensor_refs(fb, s)
    n = len(sg.tensors or [])
    if len(used) == n:
        return 0
    remap = {}
    kept: list[Any] = []
    for i, t in enumerate(sg.tensors):
        if i in used:
            remap[i] = len(kept)
            kept.append(t)
    sg.tensors = kept

    def m(v: Any) -> int:
        v = int(v)
        return remap[v] if v >= 0 else v

    for op in sg.operators or []:
        for attr in ("inputs", "outputs", "intermediates"):
            vals = getattr(op, attr)
            if vals is not None and len(vals):
                setattr(op, attr, [m(v) for v in vals])
    sg.inputs = [m(v) for v in ints(sg.inputs)]
    sg.outputs = [m(v) for v in ints(sg.outputs)]
    for sig in fb.signatureDefs or []:
        if sig.subgraphIndex == s:
            for tm in (sig.inputs or []) + (sig.outputs or []):
                if tm.tensorIndex < n:  # one past the end stays past the end: still stale, as given
                    tm.tensorIndex = m(tm.tensorIndex)
    for t in kept:
        d = getattr(t.quantization, "details", None) if t.quantization is not None else None
        for attr in ("scales", "zeroPoints"):
            v = getattr(d, attr, None)
            if isinstance(v, int) and v >= 0:
                setattr(d, attr, m(v))
    return n - len(kept)


def _compact_buffers(fb: Any, candidates: set[int] | None = None) -> int:
    """Drop buffers no tensor or metadata entry uses (buffer 0, the empty sentinel, stays).

    ``candidates`` limits the drop to those buffers (the ones whose tensors just went).
    """
    bufs = fb.buffers or []
    used = {0}
    if candidates is not None:
        used.update(i for i in range(len(bufs)) if i not in candidates)
    for sg in fb.subgraphs or []:
        used.update(int(t.buffer) for t in sg.tensors or [])
    used.update(int(md.buffer) for md in fb.metadata or [])
    used.update(int(b) for b in (fb.metadataBuffer if fb.metadataBuffer is not None else []))
    if all(i in used for i in range(len(bufs))):
        return 0
    remap = {}
    kept: list[Any] = []
    for i, b in enumerate(bufs):
        if i in used:
            remap[i] = len(kept)
            kept.append(b)
    fb.buffers = kept
    for sg in fb.subgraphs or []:
        for t in sg.tensors or []:
            t.buffer = remap[int(t.buffer)]
    for md in fb.metadata or []:
        md.buffer = remap[int(md.buffer)]
    if fb.metadataBuffer is not None:
        fb.metadataBuffer = [remap[int(b)] for b in fb.metadataBuffer]
    return len(bufs) - len(kept)


def _compact_opcodes(fb: Any) -> int:
    """Drop operator codes no op uses; renumber ``opcode_index``."""
    codes = fb.operatorCodes or []
    used = {int(op.opcodeIndex) for sg in fb.subgraphs or [] for op in sg.operators or []}
    if len(used) == len(codes):
        return 0
    remap = {}
    kept: list[Any] = []
    for i, c in enumerate(codes):
        if i in used:
            remap[i] = len(kept)
            kept.append(c)
    fb.operatorCodes = kept
    for sg in fb.subgraphs or []:
        for op in sg.operators or []:
            op.opcodeIndex = remap[int(op.opcodeIndex)]
    return len(codes) - len(kept)
