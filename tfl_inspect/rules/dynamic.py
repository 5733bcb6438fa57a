"""DYN: dynamic shapes — what GPU/NNAPI/Edge TPU delegates and fixed-size buffers trip over."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import opdefs
from ..remedies import Cause, Remedy
from ..rewrite.hint import command as fix_command
from .base import Finding, RuleSpec, Severity, check
from .context import Context, View, dims, qname

if TYPE_CHECKING:
    from ..model import Operator, Tensor
    from ..shapes.pinning import Pin, Pinned
    from ..shapes.types import ShapeResult, Src

__all__ = ["SHAPE_OPERANDS", "user_inputs", "shape_value"]

# Operand slots that define an output shape: op -> ((slot, operand name), ...); data slot for slicing ops.
SHAPE_OPERANDS: dict[str, tuple[tuple[int, str], ...]] = {
    "RESHAPE": ((1, "new_shape"),),
    "RESIZE_BILINEAR": ((1, "size"),),
    "RESIZE_NEAREST_NEIGHBOR": ((1, "size"),),
    "TRANSPOSE_CONV": ((0, "output_shape"),),
    "BROADCAST_TO": ((1, "shape"),),
    "FILL": ((0, "dims"),),
    "TILE": ((1, "multiples"),),
    "SLICE": ((1, "begin"), (2, "size")),
    "STRIDED_SLICE": ((1, "begin"), (2, "end"), (3, "strides")),
    "PAD": ((1, "paddings"),),
    "PADV2": ((1, "paddings"),),
    "MIRROR_PAD": ((1, "paddings"),),
    "SPLIT_V": ((1, "size_splits"),),
    "SCATTER_ND": ((2, "shape"),),
    "RANDOM_UNIFORM": ((0, "shape"),),
    "RANDOM_STANDARD_NORMAL": ((0, "shape"),),
}
# Ops whose data operand is slot 0: when that operand is itself a shape vector, the op is part
# of a shape computation, not a consumer of one.
_DATA_SLOT = {
    name: opdefs.slot_of(name, "input")
    for name in ("RESHAPE", "SLICE", "STRIDED_SLICE", "TILE", "PAD", "PADV2", "BROADCAST_TO")
}

_DELEGATES = (
    "The CPU kernels handle this, but GPU, NNAPI and Edge TPU delegates need static shapes: they reject these ops "
    "or the tensors "
    "behind them, so the graph is split and falls back to the CPU (or the delegate refuses the model)."
)


def user_inputs(ctx: Context) -> Iterator[tuple[Tensor, str | None, str | None]]:
    """(tensor, signature key, input name) for every input a user feeds: signature inputs, or
    subgraph 0's inputs when the model has no signatures."""
    seen: set[tuple[int, int]] = set()
    for sig in ctx.model.signatures:
        for name, idx in sig.inputs.items():
            t = ctx.model.tensor(sig.subgraph, idx)
            if t is not None and (t.subgraph, t.index) not in seen:
                seen.add((t.subgraph, t.index))
                yield t, sig.key, name
    if not ctx.model.signatures and ctx.views:
        sg = ctx.views[0].sg
        for idx in sg.inputs:
            t = sg.tensor(idx)
            if t is not None:
                yield t, None, None


@dataclass(frozen=True, slots=True)
class Value:
    """A shape vector as the engine evaluated it: ints, and :class:`Src` where known only at run time."""

    elems: tuple[int | Src, ...]

    @property
    def static(self) -> bool:
        return all(isinstance(e, int) for e in self.elems)

    def sym_dims(self) -> frozenset[tuple[int, int]]:
        out: frozenset[tuple[int, int]] = frozenset()
        for e in self.elems:
            if not isinstance(e, int):
                out |= e.dims
        return out

    def text(self) -> str:
        return "[" + ", ".join(str(e) if isinstance(e, int) else e.text for e in self.elems) + "]"


def _result(ctx: Context, view: View) -> ShapeResult:
    """The shape engine's cached result for this subgraph (imported here: ``rules`` lists rules without numpy)."""
    from ..shapes.engine import result_for

    return result_for(ctx.model, view.index)


def shape_value(res: ShapeResult, t: int) -> Value | None:
    """Tensor ``t``'s value from the engine, when every unknown element has a known origin."""
    v = res.value(t)
    if v is None or v.data.dtype.kind not in "iu":
        return None
    elems = v.symbolic()
    return None if elems is None else Value(tuple(elems))


def _shape_arg(example: list[int | str]) -> str:
    """``[N, 32]`` → ``1x32``: a ``--static NAME=SHAPE`` example that runs as given (unknown dims as 1)."""
    return "x".join(str(x) if isinstance(x, int) else "1" for x in example)


def _dynamic_inputs(ctx: Context, key: str | None) -> list[tuple[Tensor, str | None]]:
    return [(t, name) for t, sig, name in user_inputs(ctx) if sig == key and t.has_rank and -1 in t.shape_signature]


def _static_args(ctx: Context, key: str | None) -> list[str]:
    """``--static NAME=SHAPE`` for every dynamic input of the signature (1 in each unknown dim): fix
    refuses a model whose inputs it leaves dynamic, so the quoted command names them all."""
    args = []
    if key is not None and ctx.model.signatures and key != ctx.model.signatures[0].key:
        args.append(f"--signature {shlex.quote(key)}")
    for t, name in _dynamic_inputs(ctx, key):
        names = _axis_names(ctx, t)
        accepted = _accepted(ctx, t)
        example = [d if d >= 0 else accepted.get(k, names.get(k, f"D{k}")) for k, d in enumerate(t.shape_signature)]
        args.append(f"--static {shlex.quote(str(name or t.index))}=" + _shape_arg(example))
    return args


def _accepted(ctx: Context, t: Tensor) -> dict[int, int]:
    """dim → the size the graph fixes it at (DYN005), for an input that is dynamic in name only."""
    from ..shapes.pinning import pinned

    found = pinned(ctx.model, t.subgraph)
    return {p.dim: p.sizes[-1] for p in found.pins if p.tensor == t.index} if found is not None else {}


def _axis_names(ctx: Context, t: Tensor) -> dict[int, str]:
    """Letters for an input's dims (``N``, ``H``, ``W``; NCHW inputs read by a TRANSPOSE as such)."""
    from ..shapes.io_layout import axis_names

    names = axis_names(ctx.model.subgraphs[t.subgraph], t.index)
    return {d: a for d, a in names.items() if a != "C"}


def _beyond_batch(ctx: Context, key: str | None) -> bool:
    return any(-1 in t.shape_signature[1:] for t, _ in _dynamic_inputs(ctx, key))


# --- DYN001 --------------------------------------------------------------------------------
DYN001 = RuleSpec(
    "DYN001",
    Severity.WARNING,
    "dynamic input",
    """A signature (or subgraph) input has -1 in shape_signature. Info when only the batch
    dim is dynamic, warning otherwise. The file's `shape` holds 1 in those dims, so the
    interpreter allocates for size 1 until `resize_tensor_input` + `allocate_tensors`.""",
    explanation=(Cause.DYNAMIC_DIMS, " ", Cause.DYNAMIC_BATCH_NOTE),
    fix=(
        "Before invoking: `interpreter.resize_tensor_input(index, shape)` with the real sizes, then "
        "`interpreter.allocate_tensors()` (a signature runner resizes from its arguments). To remove it, ",
        Remedy.STATIC_INPUT,
    ),
)


@check(DYN001)
def dyn001(ctx: Context) -> Iterator[Finding]:
    for t, sig, name in user_inputs(ctx):
        if not t.has_rank:
            continue  # DYN003
        dyn = [d for d, s in enumerate(t.shape_signature) if s == -1]
        if not dyn:
            continue
        batch_only = dyn == [0]
        names = _axis_names(ctx, t)
        example = [s if s >= 0 else names.get(d, f"D{d}") for d, s in enumerate(t.shape_signature)]
        example_txt = "[" + ", ".join(str(x) for x in example) + "]"
        label = f"input {name!r}" if name is not None else f"input {qname(t)}"
        which = "a dynamic batch dim (0)" if batch_only else f"dynamic dims {dyn}"
        message = (
            f"{label} has {which}: shape_signature {dims(t.shape_signature)}, "
            f"but `shape` records {dims(t.shape)} until resized"
        )
        accepted = _accepted(ctx, t)
        if accepted:
            fixed = ", ".join(f"{names.get(d, f'dim {d}')}={n}" for d, n in accepted.items())
            message += f" (yet the graph accepts only {fixed}: DYN005)"
        explanation = Cause.DYNAMIC_BATCH if batch_only else Cause.DYNAMIC_DIMS
        fix = (
            f"Before invoking: `interpreter.resize_tensor_input({t.index}, {example_txt})` "
            "with the real sizes, then `interpreter.allocate_tensors()` (a signature runner resizes from "
            "its arguments). To remove it, "
            + ctx.say(Remedy.STATIC_INPUT)
            + " Without the source, rewrite the converted model: `"
            + fix_command(ctx.model.source, *_static_args(ctx, sig))
            + "` (with the real sizes; `--static-batch 1` for the batch alone)."
        )
        yield ctx.at_tensor(
            DYN001,
            t,
            message,
            severity=Severity.INFO if batch_only else None,
            signature=sig,
            io_name=name,
            explanation=explanation,
            fix=fix,
        )


# --- DYN002 --------------------------------------------------------------------------------
def _producer(view: View, t: int, *builtins: str) -> Operator | None:
    op = view.producer_op(t)
    return op if op is not None and op.builtin in builtins else None


def _pattern(view: View, op: Operator, operand: Tensor, value: Value | None) -> str | None:
    if op.builtin == "RESHAPE" and op.inputs:
        tile = _producer(view, op.inputs[0], "TILE")
        if tile is not None and tile.inputs and _producer(view, tile.inputs[0], "EXPAND_DIMS"):
            return "upsampling"
        # Flatten: new_shape = PACK(dim 0 of the data itself, constant)
        if (
            value is not None
            and _producer(view, operand.index, "PACK") is not None
            and len(value.elems) == 2
            and isinstance(value.elems[1], int)
            and not isinstance(value.elems[0], int)
            and value.elems[0].dims == {(op.inputs[0], 0)}
        ):
            return "flatten"
    if op.builtin == "TRANSPOSE_CONV" and _producer(view, operand.index, "PACK"):
        return "conv_transpose"
    return None


# pattern → (message lead, cause, fix), each in the producer's terms
_PATTERN_TEXT: dict[str, tuple[Cause, Cause, Remedy]] = {
    "upsampling": (Cause.UPSAMPLING_LEAD, Cause.UPSAMPLING, Remedy.RESIZE_NOT_UPSAMPLING),
    "conv_transpose": (Cause.CONV_TRANSPOSE_LEAD, Cause.CONV_TRANSPOSE, Remedy.STATIC_INPUT_OUTPUT_SHAPE),
    "flatten": (Cause.FLATTEN_LEAD, Cause.FLATTEN, Remedy.STATIC_BATCH_FOLDS_RESHAPE),
}


def _severity_for(value: Value | None, out: Tensor | None) -> tuple[Severity, bool]:
    """(severity, batch_only)."""
    if value is None:
        return Severity.WARNING, False
    sym = value.sym_dims()
    batch_only = all(d == 0 for _, d in sym)
    if out is not None and out.has_rank and any(s == -1 for s in out.shape_signature[1:]):
        batch_only = False
    return (Severity.INFO if batch_only else Severity.WARNING), batch_only


DYN002 = RuleSpec(
    "DYN002",
    Severity.WARNING,
    "run-time shape computation",
    (
        """A shape-defining operand (RESHAPE new_shape, RESIZE size, TRANSPOSE_CONV output_shape,
    BROADCAST_TO/FILL shape, TILE multiples, SLICE/STRIDED_SLICE bounds, PAD paddings, SPLIT_V
    sizes, ...) is computed at run time from SHAPE. Warning, since static-shape delegates reject
    it; info when only the batch dim flows through. The finding names the SHAPE sources
    (`related`) and evaluates the shape vector symbolically.""",
        " ",
        Cause.DYN002_DOC,
    ),
    explanation=Cause.RUNTIME_SHAPE,
    fix=Remedy.STATIC_SIZES_NOT_RUNTIME_SHAPE,
)


@check(DYN002)
def dyn002(ctx: Context) -> Iterator[Finding]:
    for view in ctx.views:
        res: ShapeResult | None = None
        for op in view.sg.operators:
            slots = SHAPE_OPERANDS.get(op.builtin)
            if not slots:
                continue
            if res is None:
                res = _result(ctx, view)
            data_slot = _DATA_SLOT.get(op.builtin)
            if data_slot is not None and data_slot < len(op.inputs) and op.inputs[data_slot] >= 0:
                if res.sources(op.inputs[data_slot]):
                    continue  # part of the shape computation itself
            for slot, role in slots:
                operand = view.operand(op, slot)
                if operand is None or operand.is_constant:
                    continue
                sources = res.sources(operand.index)
                if not sources:
                    continue
                yield _dyn002_finding(ctx, view, op, operand, role, sorted(sources), shape_value(res, operand.index))


def _dyn002_finding(
    ctx: Context, view: View, op: Operator, operand: Tensor, role: str, sources: list[int], value: Value | None
) -> Finding:
    out = view.result(op)
    severity, batch_only = _severity_for(value, out)
    src_txt = ", ".join(f"SHAPE (op {s}) of {qname(view.operand(view.op(s), 0))}" for s in sources[:4]) + (
        f" +{len(sources) - 4} more" if len(sources) > 4 else ""
    )
    if value is None:
        dims_txt = "its value could not be evaluated statically"
    elif value.static:
        dims_txt = f"it evaluates to the static {value.text()} (the converter did not fold it)"
    else:
        run_dims = [i for i, e in enumerate(value.elems) if not isinstance(e, int)]
        dims_txt = f"= {value.text()}; element(s) {run_dims} known only at run time"
    pattern = _pattern(view, op, operand, value)
    lead = ctx.say(_PATTERN_TEXT[pattern][0]) + ": " if pattern else ""
    message = f"{lead}{op.opcode} {role} {qname(operand)} is computed at run time from {src_txt}; {dims_txt}"
    if out is not None and out.has_rank and -1 in out.shape_signature:
        message += f"; result shape_signature {dims(out.shape_signature)}"
    if pattern:
        _, cause_text, fix_text = _PATTERN_TEXT[pattern]
        cause, fix = ctx.say(cause_text), ctx.say(fix_text)
    else:
        cause, fix = ctx.say(Cause.RUNTIME_SHAPE), ctx.say(Remedy.STATIC_SIZES_NOT_RUNTIME_SHAPE)
    key = next((sig.key for sig in ctx.model.signatures if sig.subgraph == view.index), None)
    args = _static_args(ctx, key)
    if _beyond_batch(ctx, key):  # --static-batch would leave dims unknown, and fix would refuse
        fix += (
            " Without the source, fold the chain in the converted model: `"
            + fix_command(ctx.model.source, *args, "--fold-shapes")
            + "` (with the real sizes)."
        )
    else:
        fix += (
            " Without the source, fold the chain in the converted model: `"
            + fix_command(ctx.model.source, "--static-batch 1", "--fold-shapes")
            + "` (or `--static NAME=SHAPE` per input)."
        )
    if batch_only:
        cause += " Only the batch dim flows through it, so most delegates still accept fixed-batch use."
    else:
        cause += " " + _DELEGATES
    return ctx.at_op(
        DYN002,
        view,
        op,
        message,
        operand,
        severity=severity,
        explanation=cause,
        fix=fix,
        related=tuple((view.index, s) for s in sources),
    )


# --- DYN003 --------------------------------------------------------------------------------
# Ops whose operand must have a static dim: op -> ((slot, dim (negative from the end), what)).
_STATIC_DIMS: dict[str, tuple[tuple[int, int, str], ...]] = {
    name: d.static_dims for name, d in opdefs.OPS.items() if d.static_dims
}


# Resource handles are scalar ids, not data: their rank says nothing (streaming state uses them).
_HANDLES = frozenset({"RESOURCE"})


def _state_read(ctx: Context, view: View, t: int) -> bool:
    """A READ_VARIABLE result whose shape the engine knows (the init subgraph assigns it)."""
    op = view.producer_op(t)
    return op is not None and op.opcode == "READ_VARIABLE" and _result(ctx, view).shape(t) is not None


DYN003 = RuleSpec(
    "DYN003",
    Severity.WARNING,
    "unknown rank or unknown required dim",
    """A tensor has no rank at all, or a dim that an op needs static is unknown (the channel
    dim of a CONV_2D input, the feature dim of a FULLY_CONNECTED input: `static_dims` in the op
    table).""",
    explanation="""Unranked tensors come from inputs or ops whose rank the converter could not infer
    (shape=None specs, loop-carried values of WHILE bodies, custom ops); kernels resolve them at run
    time only and delegates skip them. An unknown required dim appears after a run-time RESHAPE the
    converter could not infer.""",
    fix=Remedy.KNOWN_RANK,
)


@check(DYN003)
def dyn003(ctx: Context) -> Iterator[Finding]:
    reported: set[tuple[int, int]] = set()
    for t, sig, name in user_inputs(ctx):
        if not t.has_rank and t.dtype not in _HANDLES:
            reported.add((t.subgraph, t.index))
            yield ctx.at_tensor(
                DYN003,
                t,
                f"input {repr(name) if name else qname(t)} has unknown rank",
                signature=sig,
                io_name=name,
                explanation=Cause.UNRANKED_INPUT,
                fix=Remedy.KNOWN_RANK_SPEC,
            )
    for view in ctx.views:
        unranked = [
            (op, t)
            for op in view.sg.operators
            for t in (view.tensor(i) for i in op.inputs)
            if t is not None
            and not t.has_rank
            and not t.is_constant
            and t.dtype not in _HANDLES
            and not _state_read(ctx, view, t.index)
            and (t.subgraph, t.index) not in reported
        ]
        if unranked:
            op, first = unranked[0]
            names = list(dict.fromkeys(qname(x) for _, x in unranked))
            yield ctx.at_op(
                DYN003,
                view,
                op,
                f"{len(names)} tensor(s) in subgraph {view.index} have unknown rank, first {qname(first)} read by "
                f"{op.opcode} (op {op.index})",
                first,
                explanation="Unranked tensors come from inputs or ops whose rank the converter could not infer "
                "(shape=None specs, loop-carried values of WHILE bodies, resource variables, custom ops); "
                "kernels resolve them at run time only and delegates skip them.",
                fix=Remedy.KNOWN_RANK,
                related=tuple(dict.fromkeys((view.index, o.index) for o, _ in unranked[1:])),
            )
    for view, op in ctx.iter_ops():
        for slot, dim, what in _STATIC_DIMS.get(op.builtin, ()):
            operand = view.operand(op, slot)
            if (
                operand is None
                or not operand.has_rank
                or not operand.shape_signature
                or operand.shape_signature[dim] != -1
            ):
                continue
            d = len(operand.shape_signature) + dim
            yield ctx.at_op(
                DYN003,
                view,
                op,
                f"{op.opcode} input {qname(operand)} has an unknown {what} dim (dim {d}, shape_signature "
                f"{dims(operand.shape_signature)}); it must be static",
                operand,
                explanation=Cause.LOST_DIM,
                fix="Convert with static input shapes, or replace the op that loses the dim (see DYN002).",
            )


# --- DYN004 --------------------------------------------------------------------------------
# op -> (shape operand slot, data operand slot), from the op table's operand roles.
_BATCH_OPERANDS = {
    name: (opdefs.slot_of(name, "shape"), opdefs.slot_of(name, "input"))
    for name in ("RESHAPE", "BROADCAST_TO", "TRANSPOSE_CONV")
}


DYN004 = RuleSpec(
    "DYN004",
    Severity.WARNING,
    "batch baked into a constant",
    """A constant shape operand (RESHAPE / BROADCAST_TO shape, TRANSPOSE_CONV output_shape) fixes
    dim 0 while the data's batch is dynamic, so resizing the batch fails (or silently folds the
    batch) at that op.""",
    explanation=Cause.LITERAL_BATCH,
    fix=Remedy.BATCH_NOT_LITERAL,
)


@check(DYN004)
def dyn004(ctx: Context) -> Iterator[Finding]:
    for view in ctx.views:
        if not any(
            (t := view.tensor(i)) is not None and t.has_rank and t.shape_signature[:1] == (-1,) for i in view.sg.inputs
        ):
            continue
        for op in view.sg.operators:
            slots = _BATCH_OPERANDS.get(op.builtin)
            if slots is None:
                continue
            shape_t, data_t = view.operand(op, slots[0]), view.operand(op, slots[1])
            if shape_t is None or data_t is None or not shape_t.is_constant or shape_t.dtype not in ("INT32", "INT64"):
                continue
            if not data_t.has_rank or data_t.shape_signature[:1] != (-1,):
                continue
            value = _result(ctx, view).value(shape_t.index)  # the engine's constant
            if value is None or value.data.ndim != 1 or value.data.size == 0 or not value.complete:
                continue
            target = value.ints()
            if target[0] < 0:
                continue
            folds = -1 in target
            consequence = (
                f"a batch other than {target[0]} gets folded into the -1 dim"
                if folds and op.builtin == "RESHAPE"
                else f"any batch other than {target[0]} fails at this op"
            )
            yield ctx.at_op(
                DYN004,
                view,
                op,
                f"{op.opcode} has the constant shape {dims(tuple(target))} with dim 0 = {target[0]}, but its "
                f"input {qname(data_t)} has a dynamic batch ({dims(data_t.shape_signature)}): {consequence}",
                shape_t,
            )


# --- DYN005 --------------------------------------------------------------------------------
DYN005 = RuleSpec(
    "DYN005",
    Severity.WARNING,
    "dynamic in name only",
    """An input's dims are recorded as dynamic (-1), but the graph fixes them: an op was fixed at
    the size of the sample the model was converted with (a resize to a constant size, an operand
    of constant shape it must match), so LiteRT fails to prepare that op at any other size. The
    shape engine finds the sizes the model accepts, the op that fails at other sizes and the op
    where the size stopped following the input. Error when even the recorded `shape` (1 in each
    dynamic dim, what `allocate_tensors()` prepares before any resize) fails; warning otherwise.""",
    explanation=Cause.PINNED_SIZE,
    fix=Remedy.PINNED_SIZE,
)


def _pinned(ctx: Context, view: View) -> Pinned | None:
    from ..shapes.pinning import pinned

    return pinned(ctx.model, view.index)


def _size_text(pin: Pin) -> str:
    if len(pin.sizes) == 1:
        return str(pin.sizes[0])
    if pin.sizes == tuple(range(pin.sizes[0], pin.sizes[-1] + 1)):
        return f"{pin.sizes[0]}..{pin.sizes[-1]}"
    return " or ".join(map(str, pin.sizes))


def _op_text(ctx: Context, view: View, index: int) -> str:
    op = view.op(index)
    return f"{op.opcode} (op {index}){ctx.module_text(view.sg, op)}"


def _pinning_text(ctx: Context, view: View, pin: Pin) -> str:
    """Where the size stopped following the input: ``RESIZE_NEAREST_NEIGHBOR (op 5) in `up` has the
    constant size [64, 48]``, or the constant operand the input must match."""
    if pin.pinning_op is not None:
        op = view.op(pin.pinning_op)
        text = _op_text(ctx, view, pin.pinning_op)
        size = view.operand(op, 1) if op.builtin in ("RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR") else None
        if size is not None and size.is_constant:
            value = _result(ctx, view).value(size.index)
            if value is not None and value.complete and value.data.ndim == 1:
                data, out = view.operand(op, 0), view.result(op)
                grows = (
                    data is not None
                    and out is not None
                    and len(data.shape) == len(out.shape) == 4
                    and out.shape[1] * out.shape[2] > data.shape[1] * data.shape[2]
                )
                return f"{'the upsample ' if grows else ''}{text} has the constant size {dims(tuple(value.ints()))}"
        out = view.result(op)
        shape = _result(ctx, view).shape(out.index) if out is not None else None
        return f"{text} makes a result of fixed size {dims(shape)}" if shape else f"{text} fixes its result's size"
    if pin.constant is not None:
        t = view.tensor(pin.constant)
        return f"the constant operand {qname(t)} of shape {dims(t.shape)}" if t is not None else "a constant operand"
    return f"operand {pin.static_operand} of {view.op(pin.op).opcode} (op {pin.op}), whose size is fixed"


@check(DYN005)
def dyn005(ctx: Context) -> Iterator[Finding]:
    for view in ctx.views:
        if not any(
            (t := view.tensor(i)) is not None and t.has_rank and -1 in t.shape_signature for i in view.sg.inputs
        ):
            continue
        found = _pinned(ctx, view)
        if found is None:
            continue
        for index in dict.fromkeys(p.tensor for p in found.pins):
            t = view.tensor(index)
            if t is not None:
                yield _dyn005_finding(ctx, view, t, [p for p in found.pins if p.tensor == index], found)


def _dyn005_finding(ctx: Context, view: View, t: Tensor, pins: list[Pin], found: Pinned) -> Finding:
    sig, name = ctx.io_label(t)
    names = _axis_names(ctx, t)
    label = f"input {name!r}" if name is not None else f"input {qname(t)}"
    sizes = ", ".join(f"{names.get(p.dim, f'dim {p.dim}')}={_size_text(p)}" for p in pins)
    free = [d for i, d in found.free if i == t.index]
    vary = ", ".join(names.get(d, f"dim {d}") for d in free)
    message = (
        f"{label} {dims(t.shape_signature)} is dynamic in name only: it works only at {sizes}"
        + (f" ({vary} may vary)" if vary else "")
        + ": "
    )
    causes = []
    for key in dict.fromkeys((p.pinning_op, p.constant, p.op) for p in pins):
        pin = next(p for p in pins if (p.pinning_op, p.constant, p.op) == key)
        if pin.pinning_op == pin.op and view.op(pin.op).builtin == "RESHAPE":
            target = view.result(view.op(pin.op))
            shape = f" {dims(target.shape_signature)}" if target is not None and target.has_rank else ""
            causes.append(
                f"{_op_text(ctx, view, pin.op)} reshapes to the constant{shape}"
                f"{ctx.say(Cause.PINNED_SIZE_LEAD)}, so the input's element count must match it"
            )
            continue
        causes.append(
            f"{_pinning_text(ctx, view, pin)}{ctx.say(Cause.PINNED_SIZE_LEAD)}, and "
            f"{_op_text(ctx, view, pin.op)} needs the input's size to match it"
        )
    message += "; ".join(causes)
    outputs = [o for i in view.sg.outputs if (o := view.tensor(i)) is not None and o.has_rank]
    if outputs and all(-1 not in o.shape_signature for o in outputs):
        message += f" (the outputs are recorded as static: {', '.join(dims(o.shape_signature) for o in outputs)})"
    severity = None
    if found.at_recorded_shape is not None:
        severity = Severity.ERROR
        message += (
            f". At its recorded shape {dims(t.shape)}, `allocate_tensors()` fails before any resize: "
            f"{found.at_recorded_shape.message}"
        )
    if found.unresolved is not None:
        message += f". Other sizes still fail here: {found.unresolved.message}"
    accepted = list(t.shape)
    for p in pins:
        accepted[p.dim] = p.sizes[-1]
    for d in free:
        accepted[d] = max(accepted[d], 1)
    fix = ctx.say(
        Remedy.PINNED_SIZE,
        shape=f" ({dims(tuple(accepted))})",
        free=f" ({', '.join(f'dim {d}' for d in free) or 'none'})",
    )
    arg = f"{shlex.quote(str(name if name is not None else t.index))}=" + "x".join(map(str, accepted))
    flags = [f"--signature {shlex.quote(sig)}"] if sig is not None and sig != ctx.model.signatures[0].key else []
    fix += (
        " Without the source, make the accepted size the recorded one, so `allocate_tensors()` works without a "
        "resize and static-shape delegates accept the model: `"
        + fix_command(ctx.model.source, *flags, f"--static {arg}")
        + "`."
    )
    return ctx.at_tensor(
        DYN005,
        t,
        message,
        severity=severity,
        signature=sig,
        io_name=name,
        fix=fix,
        related=tuple(dict.fromkeys((view.index, o) for p in pins for o in (p.pinning_op, p.op) if o is not None)),
    )
