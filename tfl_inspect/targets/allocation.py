"""Where TFLite puts each tensor once every kernel's Prepare has run: its allocation class.

A delegate that only takes static-sized tensors (LiteRT's GPU accelerator) is refused by
``Subgraph::ModifyGraphWithDelegateImpl`` when Prepare leaves a dynamic-sized tensor, and its op
checks ask whether an operand is a constant (``kTfLiteMmapRo``), computed at Prepare
(``kTfLitePersistentRo``) or a run-time arena tensor (``kTfLiteArenaRw``). Which one a tensor is
depends on the kernels, not on the file alone: SHAPE's output is computed at Prepare, a RESHAPE of
it is too, a RESHAPE whose new shape comes from an arena tensor cannot size its output.

Ported from LiteRT ``tflite/kernels/*.cc`` Prepare functions at f67457790c9c (2026-08-21):
``SetTensorToPersistentRo`` callers (shape, rank, reshape, strided_slice, gather, mul, concatenation,
range, tile, broadcast_args, reduce_prod) and ``SetTensorToDynamic`` / ``kTfLiteOutputShapeNotKnown``
callers (the table below), ``subgraph.cc`` (STRING/RESOURCE/VARIANT tensors are always dynamic,
``PrepareOpsStartingAt`` stops at the first dynamic output) and the control-flow kernels (while.cc,
if.cc, stablehlo_composite.cc: outputs are dynamic when a called subgraph has dynamic tensors or
its output shapes differ from what the loop feeds back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model import Model, Operator, Subgraph

__all__ = ["CONSTANT", "PERSISTENT", "ARENA", "VARIABLE", "DYNAMIC", "Allocation", "Allocations", "allocation"]

CONSTANT = "constant"  # kTfLiteMmapRo: data in the file
PERSISTENT = "persistent"  # kTfLitePersistentRo: computed by its kernel's Prepare
ARENA = "arena"  # kTfLiteArenaRw: written at run time
VARIABLE = "variable"  # kTfLiteArenaRwPersistent: a variable tensor
DYNAMIC = "dynamic"  # kTfLiteDynamic: sized at run time

_ALWAYS_DYNAMIC = frozenset({"STRING", "RESOURCE", "VARIANT"})
_KNOWN = (CONSTANT, PERSISTENT)


@dataclass(frozen=True, slots=True)
class Allocation:
    """One subgraph: the class of every tensor and the first dynamic-sized tensor Prepare meets.

    ``dynamic`` = (tensor index, why) or None. Prepare stops there (``PrepareOpsStartingAt``), so the
    classes of tensors written after it are their initial ones.
    """

    subgraph: int
    classes: tuple[str, ...]
    dynamic: tuple[int, str] | None = None

    def known(self, t: int) -> bool:
        """Constant or computed at Prepare (``IsConstantOrPersistentTensor``); -1 is not."""
        return 0 <= t < len(self.classes) and self.classes[t] in _KNOWN

    def of(self, t: int) -> str | None:
        return self.classes[t] if 0 <= t < len(self.classes) else None


# A kernel's Prepare: given its op and the classes so far, (class of every output, why when dynamic).
_Rule = Callable[["_Op"], tuple[str, str]]


class _Op:
    def __init__(
        self,
        sg: Subgraph,
        op: Operator,
        classes: list[str],
        called: Callable[[int], Allocation | None],
        model: Model | None,
    ) -> None:
        self.sg, self.op, self.classes, self.called, self.model = sg, op, classes, called, model

    def known(self, slot: int) -> bool:
        ins = self.op.inputs
        return slot < len(ins) and 0 <= ins[slot] and self.classes[ins[slot]] in _KNOWN

    def all_known(self, *slots: int) -> bool:
        return all(self.known(s) for s in (slots or range(len(self.op.inputs))))

    def unspecified(self, slot: int) -> bool:
        """``HasUnspecifiedDimension``: the tensor's shape signature has a -1."""
        ins = self.op.inputs
        return slot < len(ins) and ins[slot] >= 0 and -1 in self.sg.tensors[ins[slot]].shape_signature

    def name(self, slot: int) -> str:
        ins = self.op.inputs
        if slot >= len(ins) or ins[slot] < 0:
            return f"input {slot}"
        t = self.sg.tensors[ins[slot]]
        p = self.sg.producer(t.index)
        src = f"{self.sg.operators[p].opcode} #{p}" if p >= 0 else "a subgraph input"
        return f"input {slot} '{t.name}' (from {src})"


def _runtime(o: _Op, slot: int, what: str) -> tuple[str, str]:
    return DYNAMIC, f"{o.op.opcode} #{o.op.index} sizes its output from {what}, {o.name(slot)}, known only at run time"


def _needs(*slots: int, what: str) -> _Rule:
    """Dynamic unless every slot is constant or computed at Prepare; else an arena tensor."""

    def rule(o: _Op) -> tuple[str, str]:
        for s in slots:
            if s < len(o.op.inputs) and o.op.inputs[s] >= 0 and not o.known(s):
                return _runtime(o, s, what)
        return ARENA, ""

    return rule


def _folds(*slots: int) -> _Rule:
    """Computed at Prepare when every input is (mul.cc, gather.cc, concatenation.cc)."""

    def rule(o: _Op) -> tuple[str, str]:
        return (PERSISTENT if o.all_known(*slots) else ARENA), ""

    return rule


def _reshape(o: _Op) -> tuple[str, str]:
    """reshape.cc:119-157: the new shape must be known at Prepare, else kTfLiteOutputShapeNotKnown."""
    ins = o.op.inputs
    if len(ins) < 2 or ins[1] < 0 or o.known(1):
        return (PERSISTENT if o.known(0) else ARENA), ""
    return DYNAMIC, (
        f"RESHAPE #{o.op.index} takes its new shape from {o.name(1)}, known only at run time "
        "(Prepare returns kTfLiteOutputShapeNotKnown)"
    )


def _strided_slice(o: _Op) -> tuple[str, str]:
    """strided_slice.cc:327-339."""
    offset = bool(o.op.options.get("offset", False))
    if not o.known(3):
        return _runtime(o, 3, "its strides")
    if not offset and not o.all_known(1, 2):
        return _runtime(o, 1 if not o.known(1) else 2, "its begin/end")
    return (PERSISTENT if o.all_known(0, 1, 2) else ARENA), ""


def _tile(o: _Op) -> tuple[str, str]:
    if not o.known(1):
        return _runtime(o, 1, "its multiples")
    return (PERSISTENT if o.known(0) else ARENA), ""


def _range(o: _Op) -> tuple[str, str]:
    for s in (0, 1, 2):
        if not o.known(s):
            return _runtime(o, s, "its start/limit/delta")
    return PERSISTENT, ""


def _slice(o: _Op) -> tuple[str, str]:
    """slice.cc:153-156: begin and size known, and the input's shape fully specified."""
    for s in (1, 2):
        if not o.known(s):
            return _runtime(o, s, "its begin/size")
    if o.unspecified(0):
        return DYNAMIC, f"SLICE #{o.op.index} slices {o.name(0)}, whose shape has an unknown (-1) dimension"
    return ARENA, ""


def _topk(o: _Op) -> tuple[str, str]:
    """topk_v2.cc:275: k known and the input's shape fully specified."""
    if not o.known(1):
        return _runtime(o, 1, "its k")
    if o.unspecified(0):
        return DYNAMIC, f"TOPK_V2 #{o.op.index} reads {o.name(0)}, whose shape has an unknown (-1) dimension"
    return ARENA, ""


def _pad(o: _Op) -> tuple[str, str]:
    """pad.cc:425: paddings known and the input not of rank 0."""
    ins = o.op.inputs
    if ins and ins[0] >= 0 and not o.sg.tensors[ins[0]].shape:
        return DYNAMIC, f"{o.op.opcode} #{o.op.index} pads a rank-0 input, sized at run time"
    return _needs(1, what="its paddings")(o)


def _reduce(o: _Op) -> tuple[str, str]:
    """reduce.cc:440 (axis); REDUCE_PROD folds small constant reductions at Prepare (559-561)."""
    if not o.known(1):
        return _runtime(o, 1, "its axis")
    if o.op.builtin == "REDUCE_PROD" and o.all_known(0, 1):
        outs = [o.sg.tensors[t] for t in o.op.outputs if t >= 0]
        n = 1
        for d in outs[0].shape if outs else ():
            n *= d
        if n <= 8:
            return PERSISTENT, ""
    return ARENA, ""


def _transpose_conv(o: _Op) -> tuple[str, str]:
    """transpose_conv.cc:401: output_shape must be a constant in the file (persistent is not enough)."""
    ins = o.op.inputs
    if ins and ins[0] >= 0 and o.classes[ins[0]] != CONSTANT:
        return _runtime(o, 0, "its output_shape")
    return ARENA, ""


def _unsorted_segment(o: _Op) -> tuple[str, str]:
    return _needs(1, 2, what="its segment ids / number of segments")(o)


def _read_variable(o: _Op) -> tuple[str, str]:
    outs = [o.sg.tensors[t] for t in o.op.outputs if t >= 0]
    if outs and not outs[0].shape:
        return DYNAMIC, f"READ_VARIABLE #{o.op.index} reads a variable whose shape the file does not give"
    return ARENA, ""


def _control_flow(roles: tuple[str, ...], compare: tuple[str, str] | None) -> _Rule:
    """while.cc / if.cc / stablehlo_composite.cc: outputs are dynamic when a called subgraph has a dynamic
    tensor, or (WHILE) the body's output shapes differ from its inputs, (IF) the branches' output shapes differ.
    """

    def rule(o: _Op) -> tuple[str, str]:
        refs = {role.split("[")[0]: s for role, s in o.op.called()}
        for role in roles:
            s = refs.get(role)
            if s is None:
                continue
            inner = o.called(s)
            if inner is not None and inner.dynamic is not None:
                return DYNAMIC, (
                    f"{o.op.opcode} #{o.op.index} calls subgraph {s}, which has a dynamic-sized tensor "
                    f"(#{inner.dynamic[0]}: {inner.dynamic[1]})"
                )
        if compare is not None:
            a, b = refs.get(compare[0]), refs.get(compare[1])
            model = o.model
            if a is not None and b is not None and model is not None and max(a, b) < len(model.subgraphs):
                sa, sb = model.subgraphs[a], model.subgraphs[b]
                loop = compare[0] == compare[1]
                for x, y in zip(sa.inputs if loop else sa.outputs, sb.outputs, strict=False):
                    da, db = sa.tensors[x].shape, sb.tensors[y].shape
                    # while.cc: a scalar against a [1] tensor is not a change of size
                    if da != db and not (loop and (da[:1] or (0,))[0] + (db[:1] or (0,))[0] == 1):
                        return DYNAMIC, (
                            f"{o.op.opcode} #{o.op.index}: subgraph {b} gives '{sb.tensors[y].name}' shape "
                            f"{list(db)} where {list(da)} goes in, so the output size changes at run time"
                        )
        return ARENA, ""

    return rule


RULES: dict[str, _Rule] = {
    "SHAPE": lambda o: (PERSISTENT, ""),  # shape.cc:63-66
    "RANK": lambda o: (PERSISTENT, ""),  # rank.cc:41-44
    "RESHAPE": _reshape,
    "STRIDED_SLICE": _strided_slice,
    "GATHER": _folds(0, 1),
    "MUL": _folds(0, 1),
    "CONCATENATION": _folds(),
    "BROADCAST_ARGS": _folds(0, 1),
    "TILE": _tile,
    "RANGE": _range,
    "SLICE": _slice,
    "TOPK_V2": _topk,
    "PAD": _pad,
    "PADV2": _pad,
    "MIRROR_PAD": _needs(1, what="its paddings"),
    "ARG_MAX": _needs(1, what="its axis"),
    "ARG_MIN": _needs(1, what="its axis"),
    "BATCH_TO_SPACE_ND": _needs(1, 2, what="its block shape / crops"),
    "SPACE_TO_BATCH_ND": _needs(1, 2, what="its block shape / paddings"),
    "BROADCAST_TO": _needs(1, what="its shape"),
    "EXPAND_DIMS": _needs(1, what="its axis"),
    "FILL": _needs(0, what="its dims"),
    "ONE_HOT": _needs(1, what="its depth"),
    "RESIZE_BILINEAR": _needs(1, what="its size"),
    "RESIZE_NEAREST_NEIGHBOR": _needs(1, what="its size"),
    "SCATTER_ND": _needs(2, what="its shape"),
    "SEGMENT_SUM": _needs(0, 1, what="its data / segment ids"),
    "SPLIT": _needs(0, what="its axis"),
    "SPLIT_V": _needs(1, 2, what="its size_splits / axis"),
    "SPARSE_TO_DENSE": _needs(1, what="its output_shape"),
    "TRANSPOSE": _needs(1, what="its perm"),
    "TRANSPOSE_CONV": _transpose_conv,
    "CONV_3D_TRANSPOSE": _needs(0, what="its output_shape"),
    "WHERE": _needs(0, what="its condition"),
    "UNIQUE": lambda o: (DYNAMIC, f"UNIQUE #{o.op.index} has as many outputs as distinct values, known at run time"),
    "UNSORTED_SEGMENT_MAX": _unsorted_segment,
    "UNSORTED_SEGMENT_MIN": _unsorted_segment,
    "UNSORTED_SEGMENT_PROD": _unsorted_segment,
    "UNSORTED_SEGMENT_SUM": _unsorted_segment,
    "NON_MAX_SUPPRESSION_V4": _needs(2, what="its max_output_size"),
    "NON_MAX_SUPPRESSION_V5": _needs(2, what="its max_output_size"),
    "RANDOM_STANDARD_NORMAL": _needs(0, what="its shape"),
    "RANDOM_UNIFORM": _needs(0, what="its shape"),
    "MULTINOMIAL": _needs(0, 1, what="its logits / sample count"),
    "RFFT2D": _needs(1, what="its fft_length"),
    "READ_VARIABLE": _read_variable,
    "REDUCE_ALL": _reduce,
    "REDUCE_ANY": _reduce,
    "REDUCE_MAX": _reduce,
    "REDUCE_MIN": _reduce,
    "REDUCE_PROD": _reduce,
    "SUM": _reduce,
    "MEAN": _reduce,
    "WHILE": _control_flow(("cond_subgraph_index", "body_subgraph_index"), ("body_subgraph_index",) * 2),
    "IF": _control_flow(("then_subgraph_index", "else_subgraph_index"), ("then_subgraph_index", "else_subgraph_index")),
    "STABLEHLO_COMPOSITE": _control_flow(("decomposition_subgraph_index",), None),
}


class Allocations:
    """Allocation classes of a model's subgraphs, computed once each (control flow reads its callees)."""

    def __init__(self, model: Model | None) -> None:
        self.model = model
        self._done: dict[int, Allocation] = {}
        self._busy: set[int] = set()

    def __call__(self, s: int) -> Allocation | None:
        if self.model is None or not 0 <= s < len(self.model.subgraphs) or s in self._busy:
            return None
        hit = self._done.get(s)
        if hit is None:
            self._busy.add(s)
            try:
                hit = self._done[s] = allocation(self.model.subgraphs[s], self, self.model)
            finally:
                self._busy.discard(s)
        return hit


def allocation(
    sg: Subgraph, called: Callable[[int], Allocation | None] | None = None, model: Model | None = None
) -> Allocation:
    """Run the Prepare order of ``sg``: each tensor's class and the first dynamic-sized tensor.

    ``called(s)`` gives the allocation of a subgraph a control-flow op calls (None: unknown, taken as static).
    """
    classes: list[str] = []
    for t in sg.tensors:
        if t.is_constant:
            classes.append(CONSTANT)
        elif t.dtype in _ALWAYS_DYNAMIC:
            classes.append(DYNAMIC)
        else:
            classes.append(VARIABLE if t.is_variable else ARENA)
    for out in sg.outputs:  # PrepareOpsStartingAt looks at the subgraph's outputs first
        if classes[out] == DYNAMIC:
            return Allocation(sg.index, tuple(classes), (out, _why_type(sg, out)))
    lookup = called or (lambda s: None)
    for op in sg.operators:
        rule = RULES.get(op.builtin)
        cls, why = rule(_Op(sg, op, classes, lookup, model)) if rule is not None else (ARENA, "")
        outs = [o for o in op.outputs if o >= 0]
        if op.builtin == "VAR_HANDLE":  # var_handle.cc Prepare: its RESOURCE output becomes kTfLiteArenaRwPersistent
            for o in outs:
                classes[o] = VARIABLE
            continue
        for o in outs:
            if classes[o] == DYNAMIC:  # a STRING/RESOURCE/VARIANT output: HasDynamicTensor(node.outputs)
                why = f"{op.opcode} #{op.index} writes it; {_why_type(sg, o)}"
                return Allocation(sg.index, tuple(classes), (o, why))
        for o in outs:
            if classes[o] != CONSTANT:
                classes[o] = cls
        if cls == DYNAMIC:
            return Allocation(sg.index, tuple(classes), (outs[0] if outs else -1, why))
    return Allocation(sg.index, tuple(classes))


def _why_type(sg: Subgraph, t: int) -> str:
    dtype = sg.tensors[t].dtype
    what = {"STRING": "strings", "RESOURCE": "resource handles", "VARIANT": "variant tensors"}[dtype]
    return f"it is a {dtype} tensor (TFLite sizes {what} at run time)"
