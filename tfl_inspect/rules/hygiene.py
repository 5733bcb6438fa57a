"""GRF: graph hygiene — bytes and ops the model carries for nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from .. import opdefs
from ..remedies import Cause, Remedy
from .base import Finding, RuleSpec, Severity, check
from .context import Context, counts, dims, qname

if TYPE_CHECKING:
    from ..model import Tensor

__all__ = ["SIDE_EFFECT_OPS", "MIN_DUPLICATE_BYTES", "MIN_ZERO_BYTES"]

# Ops that matter even when nothing reads their outputs (the op table's ``side_effects``).
SIDE_EFFECT_OPS = opdefs.SIDE_EFFECT_OPS
MIN_DUPLICATE_BYTES = 16
MIN_ZERO_BYTES = 1024


GRF001 = RuleSpec(
    "GRF001",
    Severity.INFO,
    "dead operators, unused tensors or buffers",
    """Operators whose results reach no subgraph output (ops with side effects — variables, control
    flow, custom ops — are kept), constant tensors no operator uses, and non-empty buffers no
    tensor or metadata refers to: the file carries them for nothing.""",
    explanation="""Ops left behind by graph surgery or by outputs dropped after conversion; the
    interpreter still runs them on every invoke. Unused tensors and orphaned buffers come from graph
    edits or exporters that keep removed data; their bytes still ship with the model.""",
    fix="""Re-convert from a model whose outputs are exactly the ones you read (the converter prunes dead
    code), or remove the ops and data with a flatbuffer tool.""",
)


@check(GRF001)
def grf001(ctx: Context) -> Iterator[Finding]:
    used_buffers: set[int] = set()
    for view in ctx.views:
        sg = view.sg
        live_t = set(sg.outputs)
        live_ops: set[int] = set()
        for op in reversed(sg.operators):
            if op.index in live_ops:
                continue
            if (
                not op.outputs
                or op.builtin in SIDE_EFFECT_OPS
                or op.custom_code is not None
                or any(t in live_t or (0 <= t < len(sg.tensors) and sg.tensors[t].is_variable) for t in op.outputs)
            ):
                live_ops.add(op.index)
                live_t.update(i for i in op.inputs if i >= 0)
                live_t.update(op.intermediates)
        dead = [op for op in sg.operators if op.index not in live_ops]
        if dead:
            yield ctx.at_op(
                GRF001,
                view,
                dead[0],
                f"{len(dead)} operator(s) compute results that reach no output: {counts([o.opcode for o in dead])}",
                explanation="Ops left behind by graph surgery or by outputs dropped after conversion; the interpreter "
                "still runs them on every invoke.",
                fix="Re-convert from a model whose outputs are exactly the ones you read (the converter prunes "
                "dead code), or remove the ops.",
                related=tuple((view.index, o.index) for o in dead[1:]),
            )
        referenced: set[int] = set(sg.inputs) | set(sg.outputs)
        for op in sg.operators:
            referenced.update(op.inputs)
            referenced.update(op.outputs)
            referenced.update(op.intermediates)
        for t in sg.tensors:
            q = t.quantization
            if q is not None and q.details:
                for key in ("scales", "zero_points"):
                    ref = q.details.get(key)
                    if isinstance(ref, int) and ref >= 0:
                        referenced.add(ref)
        for sig in ctx.model.signatures:
            if sig.subgraph == view.index:
                referenced.update(sig.inputs.values())
                referenced.update(sig.outputs.values())
        # Unused activations cost nothing (never allocated); unused constants ship their bytes.
        unused = [t for t in sg.tensors if t.index not in referenced and t.nbytes > 0]
        for t in sg.tensors:
            if t.buffer:
                used_buffers.add(t.buffer)
        if unused:
            nbytes = sum(t.nbytes for t in unused)
            yield ctx.at_tensor(
                GRF001,
                unused[0],
                f"{len(unused)} constant tensor(s) ({nbytes:,} bytes) are used by no operator, e.g. {qname(unused[0])}",
                explanation="Unused tensors come from graph edits or exporters that keep removed tensors; "
                "their constant data still ships with the model.",
                fix="Re-convert, or strip them with a flatbuffer tool.",
            )
    used_buffers.update(m.buffer for m in ctx.model.metadata if m.buffer is not None)
    # Buffers holding another flatbuffer (detector options, converter command line) are embedded data.
    orphan = [b for b in ctx.model.buffers if b.index and b.size and b.index not in used_buffers and b.embedded is None]
    if orphan:
        total = sum(b.size for b in orphan)
        yield ctx.finding(
            GRF001,
            f"{len(orphan)} buffer(s) ({total:,} bytes) are referenced by no tensor or metadata "
            f"(e.g. buffer {orphan[0].index})",
            explanation="Buffers orphaned by graph edits or by tools that replace constants without removing "
            "the old data; they only make the file bigger.",
            fix="Re-convert, or rewrite the file without them (e.g. `flatbuffer_utils` read/write after removing).",
        )


def _bytes(t: Tensor) -> np.ndarray | None:
    data = t.data()
    if data is None:
        return None
    try:
        return np.ascontiguousarray(data).reshape(-1).view(np.uint8)
    except ValueError:
        return None


GRF002 = RuleSpec(
    "GRF002",
    Severity.INFO,
    "duplicate constant buffers",
    """Different buffers (of at least 16 bytes) holding identical bytes: the model stores the same
    constant twice. One summary finding with the bytes wasted.""",
    explanation=Cause.DUPLICATE_CONSTANTS,
    fix="""Share one buffer between the tensors (re-convert with a current converter, or deduplicate the
    buffers when post-processing the file).""",
)


@check(GRF002)
def grf002(ctx: Context) -> Iterator[Finding]:
    by_size: dict[int, list[Tensor]] = {}
    seen_buffers: set[int] = set()
    for view in ctx.views:
        for t in view.sg.tensors:
            if t.buffer and t.nbytes >= MIN_DUPLICATE_BYTES and not t.external and t.buffer not in seen_buffers:
                seen_buffers.add(t.buffer)
                by_size.setdefault(t.nbytes, []).append(t)
    groups: list[list[Tensor]] = []
    for same_size in by_size.values():
        if len(same_size) < 2:
            continue
        by_hash: dict[bytes, list[Tensor]] = {}
        for t in same_size:
            raw = _bytes(t)
            if raw is None:
                continue
            by_hash.setdefault(hashlib.blake2b(raw.data, digest_size=16).digest(), []).append(t)
        groups.extend(g for g in by_hash.values() if len(g) > 1)
    if not groups:
        return
    groups.sort(key=lambda g: -(len(g) - 1) * g[0].nbytes)
    wasted = sum((len(g) - 1) * g[0].nbytes for g in groups)
    big = groups[0]
    yield ctx.at_tensor(
        GRF002,
        big[0],
        f"{sum(len(g) - 1 for g in groups)} duplicate constant buffer(s) waste {wasted:,} bytes; largest: "
        f"{len(big)} copies of {big[0].nbytes:,} bytes ({', '.join(qname(t) for t in big[:3])})",
    )


GRF003 = RuleSpec(
    "GRF003",
    Severity.INFO,
    "large all-zero constants",
    """Constant buffers of 1 KiB or more that hold only zeros: often weights converted before
    training or loading, pruned weights, or zero state stored as data. Many of them are one entry
    in text output.""",
    explanation="""All-zero weights usually mean the model was converted before training or weight
    loading, a layer was pruned to nothing, or a zero initial state was stored as a constant.""",
    fix=Remedy.STATIC_ZERO_STATE,
)


@check(GRF003)
def grf003(ctx: Context) -> Iterator[Finding]:
    seen: set[int] = set()
    for view in ctx.views:
        for t in view.sg.tensors:
            if not t.buffer or t.nbytes < MIN_ZERO_BYTES or t.external or t.buffer in seen:
                continue
            seen.add(t.buffer)
            raw = _bytes(t)
            if raw is None or raw.any():
                continue
            yield ctx.at_tensor(
                GRF003,
                t,
                f"constant {qname(t)} ({t.dtype.lower()} {list(t.shape)}, {t.nbytes:,} bytes) is all zeros",
                group="constants of 1 KiB or more hold only zeros",
            )


GRF004 = RuleSpec(
    "GRF004",
    Severity.INFO,
    "channels-first I/O with TRANSPOSE ops at the boundary",
    """Inputs or outputs in a channels-first layout (NCHW, NCL, NCDHW), with the TRANSPOSE the
    converter added after each such input and before each such output to reach the channels-last
    layout LiteRT kernels use. The finding counts the bytes those ops move on every invoke and their
    share of the bytes all ops move (`profile`'s `bytes_moved`, at the recorded shapes).""",
    explanation=Cause.CHANNELS_FIRST_IO,
    fix=Remedy.CHANNELS_LAST_IO,
)


def _kib(n: int) -> str:
    return f"{n / 1024:.1f} KiB" if n >= 1024 else f"{n} B"


@check(GRF004)
def grf004(ctx: Context) -> Iterator[Finding]:
    from ..profiling.params import bytes_moved
    from ..shapes.io_layout import boundary_transposes

    for view in ctx.views:
        found = boundary_transposes(view.sg)
        if not found:
            continue
        sig = next((s for s in ctx.model.signatures if s.subgraph == view.index), None)
        names = {**(sig.inputs if sig else {}), **(sig.outputs if sig else {})}
        label = {i: n for n, i in names.items()}
        sides = []
        for role in ("input", "output"):
            mine = [b for b in found if b.role == role]
            if mine:
                shown = ", ".join(
                    f"{label[b.tensor]!r}" if b.tensor in label else qname(view.tensor(b.tensor)) for b in mine
                )
                shapes = ", ".join(dims(t.shape_signature) for b in mine if (t := view.tensor(b.tensor)) is not None)
                layouts = "/".join(dict.fromkeys(b.layout for b in mine))
                sides.append(f"{role}{'s' if len(mine) > 1 else ''} {shown} {shapes} {layouts}")
        ops = sorted({b.op for b in found})
        moved = sum(bytes_moved(view.sg, view.op(i)) for i in ops)
        total = sum(bytes_moved(view.sg, op) for op in view.sg.operators)
        share = (
            f", {100 * moved / total:.1f}% of the {_kib(total)} all {len(view.sg.operators)} ops move" if total else ""
        )
        roles = {b.role for b in found}
        where = (
            "after the inputs and before the outputs"
            if len(roles) == 2
            else "after the input(s)"
            if "input" in roles
            else "before the output(s)"
        )
        message = (
            f"channels-first I/O: {' and '.join(sides)}; the converter added {len(ops)} TRANSPOSE op(s) {where} "
            f"({', '.join(f'op {i}' for i in ops)}), moving {_kib(moved)} per invoke{share}"
        )
        inputs = [
            pos for pos, t in enumerate(view.sg.inputs) if any(b.tensor == t and b.role == "input" for b in found)
        ]
        outputs = [
            pos for pos, t in enumerate(view.sg.outputs) if any(b.tensor == t and b.role == "output" for b in found)
        ]
        fix = ctx.say(Remedy.CHANNELS_LAST_IO, positions=f": here args={inputs}, outputs={outputs}")
        first = view.op(ops[0])
        yield ctx.at_op(
            GRF004,
            view,
            first,
            message,
            signature=sig.key if sig else None,
            fix=fix,
            related=tuple((view.index, i) for i in ops[1:]),
        )
