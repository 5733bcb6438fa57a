"""Which tensor of B is which tensor of A: by name, then signature I/O, then graph structure.

Names survive most re-conversions and quantization; when they do not (other generated names,
inserted QUANTIZE/DEQUANTIZE, DENSIFY, activations fused into the producer), the structure
pass walks A in execution order (the order ops are stored in) and pairs each op with a B
consumer of the same type reading the same aligned input.
"""

from __future__ import annotations

from math import prod

from ..model import Model, Operator, Subgraph, Tensor
from .report import Alignment, Pair

__all__ = ["align", "align_subgraphs", "main_subgraph", "STEP_OPS", "ACTIVATIONS"]

# Ops a converter inserts without changing what a value means: stepped over when matching.
STEP_OPS = frozenset({"QUANTIZE", "DEQUANTIZE", "DENSIFY"})
# Standalone activation op -> the fused_activation_function value that replaces it.
ACTIVATIONS = {"RELU": "RELU", "RELU6": "RELU6", "RELU_N1_TO_1": "RELU_N1_TO_1", "TANH": "TANH"}


def main_subgraph(model: Model, signature: str | None = None) -> int:
    """The subgraph compared: the named (or first) signature's, else subgraph 0."""
    if signature is not None:
        sig = model.signature(signature)
        return sig.subgraph if sig is not None else 0
    return model.signatures[0].subgraph if model.signatures else 0


def _elements(t: Tensor) -> int | None:
    return None if t.is_dynamic else prod(t.shape)


def _compatible(ta: Tensor, tb: Tensor) -> bool:
    """Could these hold the same value? Equal element counts, or for dynamic shapes equal known dims."""
    if not ta.has_rank or not tb.has_rank:
        return True
    ea, eb = _elements(ta), _elements(tb)
    if ea is not None and eb is not None:
        return ea == eb
    sa, sb = ta.shape_signature, tb.shape_signature
    if len(sa) != len(sb):
        # A batch dim may be added or dropped (a reshape folded away): compare what both know.
        return prod(d for d in sa if d > 0) == prod(d for d in sb if d > 0)
    return all(x == y or x < 0 or y < 0 for x, y in zip(sa, sb, strict=True))


class _Aligner:
    def __init__(self, a: Model, b: Model, sa: int, sb: int) -> None:
        self.a, self.b = a, b
        self.ga: Subgraph = a.subgraphs[sa]
        self.gb: Subgraph = b.subgraphs[sb]
        self.sa, self.sb = sa, sb
        self.amap: dict[int, int] = {}
        self.bmap: dict[int, int] = {}
        self.how: dict[int, str] = {}
        self.op_pairs: dict[int, int] = {}
        self.b_paired: set[int] = set()
        # Producer per tensor, read once from the use-def index (looked up tens of thousands of times).
        self.pa = [self.ga.producer(t) for t in range(len(self.ga.tensors))]
        self.pb = [self.gb.producer(t) for t in range(len(self.gb.tensors))]

    def prod_a(self, t: int) -> Operator | None:
        p = self.pa[t] if 0 <= t < len(self.pa) else -1
        return self.ga.operators[p] if p >= 0 else None

    def prod_b(self, t: int) -> Operator | None:
        p = self.pb[t] if 0 <= t < len(self.pb) else -1
        return self.gb.operators[p] if p >= 0 else None

    def link(self, ta: int, tb: int, how: str) -> bool:
        if ta in self.amap or tb in self.bmap:
            return False
        self.amap[ta], self.bmap[tb], self.how[ta] = tb, ta, how
        return True

    def pair_ops(self, oa: int, ob: int) -> None:
        if oa not in self.op_pairs and ob not in self.b_paired:
            self.op_pairs[oa] = ob
            self.b_paired.add(ob)

    # -- passes ---------------------------------------------------------------------------
    def by_name(self) -> None:
        def unique(sg: Subgraph) -> dict[str, int]:
            seen: dict[str, int] = {}
            dup: set[str] = set()
            for t in sg.tensors:
                if t.is_constant or not t.name:
                    continue
                if t.name in seen:
                    dup.add(t.name)
                seen[t.name] = t.index
            for name in dup:
                del seen[name]
            return seen

        names_b = unique(self.gb)
        for name, ia in unique(self.ga).items():
            ib = names_b.get(name)
            if ib is not None and _compatible(self.ga.tensors[ia], self.gb.tensors[ib]):
                self.link(ia, ib, "name")

    def by_signature(self) -> None:
        sigs_a = [s for s in self.a.signatures if s.subgraph == self.sa]
        if sigs_a:
            for sig in sigs_a:
                other = self.b.signature(sig.key)
                if other is None and len(self.b.signatures) == 1 and len(sigs_a) == 1:
                    other = self.b.signatures[0]
                if other is None or other.subgraph != self.sb:
                    continue
                for mine, theirs in ((sig.inputs, other.inputs), (sig.outputs, other.outputs)):
                    for name, ia in mine.items():
                        ib = theirs.get(name)
                        if ib is not None:
                            self.link(ia, ib, "signature")
            return
        # No signatures: subgraph I/O by position when the counts agree.
        for la, lb in ((self.ga.inputs, self.gb.inputs), (self.ga.outputs, self.gb.outputs)):
            if len(la) == len(lb):
                for ia, ib in zip(la, lb, strict=True):
                    self.link(ia, ib, "signature")

    def _b_readers(self, tb: int) -> list[int]:
        """B ops reading tb, looking through inserted QUANTIZE/DEQUANTIZE/DENSIFY chains."""
        out: list[int] = []
        todo, seen = [tb], {tb}
        while todo:
            t = todo.pop()
            for c in self.gb.consumers(t):
                op = self.gb.operators[c]
                if op.builtin in STEP_OPS:
                    for o in op.outputs:
                        if o not in seen:
                            seen.add(o)
                            todo.append(o)
                else:
                    out.append(c)
        return sorted(set(out))

    def _a_source(self, ta: int) -> int | None:
        """The B partner of A tensor ta, stepping back over A's own inserted ops."""
        seen = 0
        while ta not in self.amap and seen < 8:
            op = self.prod_a(ta)
            if op is None or op.builtin not in STEP_OPS or not op.inputs or op.inputs[0] < 0:
                return None
            ta, seen = op.inputs[0], seen + 1
        return self.amap.get(ta)

    def _b_unstep(self, tb: int) -> int:
        """The B tensor itself, or the input of the QUANTIZE/DEQUANTIZE chain producing it."""
        for _ in range(8):
            op = self.prod_b(tb)
            if op is None or op.builtin not in STEP_OPS or not op.inputs or op.inputs[0] < 0:
                break
            tb = op.inputs[0]
        return tb

    def by_structure(self) -> None:
        ga, gb = self.ga, self.gb
        # Ops already tied by aligned outputs of the same type.
        for op in ga.operators:
            for t in op.outputs:
                tb = self.amap.get(t)
                if tb is None:
                    continue
                pb = self.prod_b(tb)
                if pb is not None and pb.builtin == op.builtin:
                    self.pair_ops(op.index, pb.index)
                    break
        for op in ga.operators:
            if op.builtin in STEP_OPS:
                self._step_a(op.index)
                continue
            if op.index in self.op_pairs:
                self._link_outputs(op.index, self.op_pairs[op.index])
                continue
            candidates: list[int] = []
            for t in op.inputs:
                if t < 0 or ga.tensors[t].is_constant:
                    continue
                tb = self._a_source(t)
                if tb is None:
                    continue
                candidates.extend(c for c in self._b_readers(self._b_unstep(tb)) if c not in self.b_paired)
            same = [c for c in dict.fromkeys(candidates) if gb.operators[c].builtin == op.builtin]
            if same:
                self.pair_ops(op.index, same[0])
                self._link_outputs(op.index, same[0])
                continue
            self._fused(op.index)
        self._sources()

    def _sources(self) -> None:
        """Ops nothing aligned flows into (CALL_ONCE, constant-fed ops): paired in order by type."""

        def free(sg: Subgraph, op_index: int) -> bool:
            op = sg.operators[op_index]
            return all(t < 0 or sg.tensors[t].is_constant for t in op.inputs)

        waiting: dict[str, list[int]] = {}
        for op in self.gb.operators:
            if op.index not in self.b_paired and free(self.gb, op.index):
                waiting.setdefault(op.opcode, []).append(op.index)
        for op in self.ga.operators:
            if op.index in self.op_pairs or not free(self.ga, op.index):
                continue
            queue = waiting.get(op.opcode)
            if queue:
                ob = queue.pop(0)
                self.pair_ops(op.index, ob)
                self._link_outputs(op.index, ob)

    def _step_a(self, oa: int) -> None:
        """A's own QUANTIZE/DEQUANTIZE output stands for the same value as its input's partner."""
        op = self.ga.operators[oa]
        if not op.outputs or op.outputs[0] in self.amap or not op.inputs or op.inputs[0] < 0:
            return
        tb = self._a_source(op.inputs[0])
        if tb is not None:
            # Many-to-one on purpose: B has no separate tensor for this value.
            self.amap[op.outputs[0]], self.how[op.outputs[0]] = tb, "step"

    def _link_outputs(self, oa: int, ob: int) -> None:
        opa, opb = self.ga.operators[oa], self.gb.operators[ob]
        for ta, tb in zip(opa.outputs, opb.outputs, strict=False):
            if ta in self.amap:
                continue
            if not _compatible(self.ga.tensors[ta], self.gb.tensors[tb]):
                continue
            if not self.link(ta, tb, "structure") and tb in self.bmap:
                # B's output is already A's QUANTIZE/DEQUANTIZE of this value (A converts after the op,
                # B does not): the same value, so both A tensors stand for it.
                op = self.prod_a(self.bmap[tb])
                if op is not None and op.builtin in STEP_OPS and op.inputs and op.inputs[0] == ta:
                    self.amap[ta], self.how[ta] = tb, "step"

    def _fused(self, oa: int) -> None:
        """A standalone activation in A that B fused into the producer: pair it with that output."""
        op = self.ga.operators[oa]
        act = ACTIVATIONS.get(op.builtin)
        if act is None or not op.inputs or op.inputs[0] < 0:
            return
        pa = self.pa[op.inputs[0]]
        pb = self.op_pairs.get(pa) if pa >= 0 else None
        if pb is None:
            return
        opb = self.gb.operators[pb]
        if opb.options.get("fused_activation_function") != act:
            return
        for tb in opb.outputs:
            if tb in self.bmap:
                # B's fused output was first tied to A's pre-activation tensor: move it here.
                prev = self.bmap.pop(tb)
                self.amap.pop(prev, None)
                self.how.pop(prev, None)
            self.link(op.outputs[0], tb, "fused")

    def result(self) -> Alignment:
        acts_a = [t.index for t in self.ga.tensors if not t.is_constant and self._used(self.ga, self.pa, t.index)]
        acts_b = [t.index for t in self.gb.tensors if not t.is_constant and self._used(self.gb, self.pb, t.index)]
        pairs = tuple(Pair(ta, self.amap[ta], self.how[ta]) for ta in sorted(self.amap, key=self._order))
        targets = set(self.amap.values())
        return Alignment(
            subgraphs=(self.sa, self.sb),
            pairs=pairs,
            unaligned_a=tuple(t for t in acts_a if t not in self.amap),
            unaligned_b=tuple(t for t in acts_b if t not in targets),
            op_pairs=dict(self.op_pairs),
            n_activations_a=len(acts_a),
            n_aligned_a=sum(1 for t in acts_a if t in self.amap),
            unaligned_a_names=tuple(self.ga.tensors[t].name for t in acts_a if t not in self.amap),
            unaligned_b_names=tuple(self.gb.tensors[t].name for t in acts_b if t not in targets),
        )

    def _order(self, ta: int) -> tuple[int, int]:
        return (self.pa[ta], ta)

    @staticmethod
    def _used(sg: Subgraph, producers: list[int], t: int) -> bool:
        """Activation tensors that take part in the graph: not dangling, and not a weight the runtime
        materialises (DENSIFY of a sparse constant, DEQUANTIZE of a float16/int8 constant)."""
        op = sg.operators[producers[t]] if producers[t] >= 0 else None
        if op is not None and op.builtin in ("DENSIFY", "DEQUANTIZE") and op.inputs and op.inputs[0] >= 0:
            if sg.tensors[op.inputs[0]].is_constant:
                return False
        return op is not None or bool(sg.consumers(t)) or t in sg.inputs or t in sg.outputs


def align(a: Model, b: Model, signature: str | None = None) -> Alignment:
    """Pair A's activation tensors with B's (subgraph of ``signature``, else the first signature's)."""
    return align_subgraphs(a, b, main_subgraph(a, signature), main_subgraph(b, signature))


def align_subgraphs(a: Model, b: Model, sa: int, sb: int) -> Alignment:
    """Pair the activation tensors of A's subgraph ``sa`` with those of B's ``sb``."""
    al = _Aligner(a, b, sa, sb)
    al.by_name()
    al.by_signature()
    al.by_structure()
    return al.result()
