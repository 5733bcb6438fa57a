"""``diff source.tflite compiled.tflite``: where each source op went when a plugin compiled the model for an NPU.

A compiler plugin leaves the ops the NPU does not take in place (the CPU) and replaces each group it
takes by one ``DISPATCH_OP`` reading the group's inputs and writing its outputs; the group's own
ops and tensors are gone from the file (``apply`` removes the partition subgraphs). So a source op
pairs with the compiled op that writes the same tensor (left on the CPU), or belongs to the
partition whose outputs it computes: walking back from a DISPATCH_OP's outputs through the source
graph, stopping at the DISPATCH_OP's inputs, constants and the subgraph's inputs, finds exactly
the ops of that partition. Tensors are matched by the alignment (names first).
"""

from __future__ import annotations

from ..compiled import CompiledModel, compiled
from ..model import Model, Subgraph
from .report import Alignment, CompiledOp, CompiledPairing

__all__ = ["compiled_pairing"]


def compiled_pairing(a: Model, b: Model, al: Alignment) -> CompiledPairing | None:
    """Source op → CPU op or NPU partition, when exactly one of the two models is compiled for an NPU."""
    ca, cb = compiled(a), compiled(b)
    if (ca is None) == (cb is None):
        return None
    if cb is not None:
        return _pair(a, b, cb, {p.a: p.b for p in al.pairs}, al.subgraphs, "b")
    assert ca is not None
    return _pair(b, a, ca, {p.b: p.a for p in al.pairs}, (al.subgraphs[1], al.subgraphs[0]), "a")


def _unique_names(sg: Subgraph) -> dict[str, int]:
    seen: dict[str, int] = {}
    dup = set()
    for t in sg.tensors:
        if t.name:
            if t.name in seen:
                dup.add(t.name)
            seen[t.name] = t.index
    return {k: v for k, v in seen.items() if k not in dup}


def _pair(
    src: Model, out: Model, npu: CompiledModel, to_out: dict[int, int], subgraphs: tuple[int, int], side: str
) -> CompiledPairing:
    gs: Subgraph = src.subgraphs[subgraphs[0]]
    go: Subgraph = out.subgraphs[subgraphs[1]]
    # The plugin keeps the tensors it does not compile away, names and all: match by name first (the
    # alignment may step over a QUANTIZE and pair its input with its output), then by the alignment.
    to_src = {o: s for s, o in to_out.items()}
    by_name = _unique_names(gs)
    for tensor in go.tensors:
        if tensor.name in by_name:
            to_src[tensor.index] = by_name[tensor.name]
    where: dict[int, tuple[str, int, str | None]] = {}  # source op -> (cpu|npu, compiled op, partition)
    parts = [p for p in npu.partitions if p.subgraph == go.index]
    npu_ops = {p.op for p in parts}
    for op in go.operators:  # ops left on the CPU write the same tensors as their source op
        if op.index in npu_ops:
            continue
        for t in op.outputs:
            s = to_src.get(t)
            p = gs.producer(s) if s is not None else -1
            if p >= 0 and p not in where and gs.operators[p].opcode == op.opcode:
                where[p] = ("cpu", op.index, None)
                break
    for part in parts:  # each partition: back from its outputs to its inputs
        stop = {to_src[t] for t in part.inputs if t in to_src}
        todo = [gs.producer(to_src[t]) for t in part.outputs if t in to_src]
        while todo:
            i = todo.pop()
            if i < 0 or i in where:
                continue
            where[i] = ("npu", part.op, part.name)
            for t in gs.operators[i].inputs:
                if t >= 0 and t not in stop and not gs.tensors[t].is_constant:
                    todo.append(gs.producer(t))
    ops = tuple(CompiledOp(op.index, op.opcode, *where.get(op.index, ("unpaired", None, None))) for op in gs.operators)
    taken = {p.op: sum(1 for o in ops if o.where == "npu" and o.compiled_op == p.op) for p in parts}
    return CompiledPairing(
        side,
        npu.vendor,
        npu.soc,
        npu.target,
        subgraphs[0],
        subgraphs[1],
        ops,
        tuple((p.op, p.name, taken[p.op]) for p in parts),
    )
