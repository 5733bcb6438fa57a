"""QNT: dtypes and quantization — wrong parameters give wrong numbers, not crashes."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .. import opdefs
from ..dtypes import by_name, is_float, is_integer
from ..remedies import Cause, Remedy
from ..rewrite.hint import command as fix_command
from .base import Finding, RuleSpec, Severity, check
from .context import QUANT_INT_TYPES, Context, counts, op_list, qname

if TYPE_CHECKING:
    from ..model import Operator, Tensor

__all__ = ["WEIGHT_OPS", "FIXED_OUTPUT"]

# op -> (activation input slot, weights slot, bias slot) for ops with a filter, from the op table.
WEIGHT_OPS: dict[str, tuple[int, int, int]] = {
    name: slots for name in opdefs.OPS if (slots := opdefs.filter_slots(name)) is not None
}

# (op, dtype) -> (scale, zero point) the TFLite quantization spec fixes for the output (op table).
FIXED_OUTPUT: dict[tuple[str, str], tuple[float, int]] = {
    (name, dtype): params for name, d in opdefs.OPS.items() for dtype, params in d.fixed_output.items()
}

# --- QNT001 --------------------------------------------------------------------------------
QNT001 = RuleSpec(
    "QNT001",
    Severity.INFO,
    "float I/O around an integer graph",
    (
        "A float input feeds a QUANTIZE (or a float output comes from a DEQUANTIZE) while the graph in between "
        "does integer work: ",
        Cause.FLOAT_IO_DOC,
    ),
    explanation=Cause.FLOAT_IO,
    fix=Remedy.INTEGER_IO,
)


@check(QNT001)
def qnt001(ctx: Context) -> Iterator[Finding]:
    for view in ctx.views:
        if view.index != 0 and not any(s.subgraph == view.index for s in ctx.model.signatures):
            continue
        for role, tensors in (("input", view.sg.inputs), ("output", view.sg.outputs)):
            for idx in tensors:
                t = view.tensor(idx)
                if t is None or not is_float(t.dtype):
                    continue
                # The integer side must do integer work: not just a QUANTIZE→DEQUANTIZE round trip (QNT011).
                if role == "input":
                    ops = [
                        o
                        for o in view.consumer_ops(idx)
                        if o.builtin == "QUANTIZE"
                        and o.outputs
                        and any(c.builtin != "DEQUANTIZE" for c in view.consumer_ops(o.outputs[0]))
                    ]
                    other = [view.result(o) for o in ops]
                else:
                    p = view.producer_op(idx)
                    src = view.producer_op(p.inputs[0]) if p is not None and p.inputs else None
                    integer_work = src is not None and src.builtin != "QUANTIZE"
                    ops = [p] if p is not None and p.builtin == "DEQUANTIZE" and integer_work else []
                    other = [view.operand(o, 0) for o in ops]
                q = next((x for x in other if x is not None and x.dtype in QUANT_INT_TYPES), None)
                if q is None:
                    continue
                sig, name = ctx.io_label(t)
                label = f"{role} {name!r}" if name else f"{role} {qname(t)}"
                verb = "is quantized to" if role == "input" else "is dequantized from"
                yield ctx.at_op(
                    QNT001,
                    view,
                    ops[0],
                    f"{label} is {t.dtype.lower()} and {verb} {q.dtype.lower()} by {ops[0].opcode} (op {ops[0].index})"
                    " inside the model",
                    t,
                    signature=sig,
                    io_name=name,
                    fix=ctx.say(Remedy.INTEGER_IO)
                    + " Without the source, rewrite the converted model: `"
                    + fix_command(ctx.model.source, "--io-type int16" if q.dtype == "INT16" else "--io-type int8")
                    + ("`" if q.dtype == "INT16" else "` (or `--io-type uint8`)")
                    + " drops the boundary ops and keeps their scale and zero point.",
                )


# --- QNT002 --------------------------------------------------------------------------------
_NUMERIC = frozenset({"FLOAT32", "FLOAT16", "INT8", "UINT8", "INT16"})


def _io_sets(ctx: Context) -> Iterator[tuple[str | None, int, list[tuple[str, int]], list[tuple[str, int]]]]:
    if ctx.model.signatures:
        for sig in ctx.model.signatures:
            yield sig.key, sig.subgraph, list(sig.inputs.items()), list(sig.outputs.items())
    elif ctx.views:
        sg = ctx.views[0].sg
        yield None, 0, [(str(i), i) for i in sg.inputs], [(str(i), i) for i in sg.outputs]


QNT002 = RuleSpec(
    "QNT002",
    Severity.WARNING,
    "input and output dtypes differ",
    """A signature's inputs and outputs use different numeric dtypes, at least one of them integer
    (int8 in / uint8 out, int8 in / float32 out); index-like types (int32, int64, bool, string) are
    not compared. One uint8 output with scale 1/256 and zero point 0 next to int8 inputs is a
    probability written that way on purpose (streaming keyword spotters such as microWakeWord):
    info, with how to read it.""",
    explanation=Cause.MIXED_IO,
    fix=(
        Remedy.SAME_IO_TYPE,
        " or handle each output with its own dtype, scale and zero point (from `get_output_details()`).",
    ),
)


def _probability_output(t: Tensor) -> bool:
    """uint8 with scale 1/256 and zero point 0: q / 256 is a probability in [0, 1)."""
    q = t.quantization
    return (
        t.dtype == "UINT8"
        and q is not None
        and len(q.scale) == 1
        and math.isclose(q.scale[0], 1 / 256, rel_tol=1e-6)
        and list(q.zero_point or [0]) == [0]
    )


@check(QNT002)
def qnt002(ctx: Context) -> Iterator[Finding]:
    for key, sub, ins, outs in _io_sets(ctx):
        tin = [(n, ctx.model.tensor(sub, i)) for n, i in ins]
        tout = [(n, ctx.model.tensor(sub, i)) for n, i in outs]
        din = sorted({t.dtype for _, t in tin if t is not None and t.dtype in _NUMERIC})
        dout = sorted({t.dtype for _, t in tout if t is not None and t.dtype in _NUMERIC})
        if not din or not dout or din == dout:
            continue
        if not any(d in QUANT_INT_TYPES for d in (*din, *dout)):
            continue
        odd = [(n, t) for n, t in tout if t is not None and t.dtype in dout and t.dtype not in din]
        if not odd:
            continue  # mixed inputs, and every output dtype is one of theirs: no output changes encoding
        first = odd[0][1]
        name = odd[0][0] if key is not None else None
        message = f"inputs are {'/'.join(d.lower() for d in din)} but outputs are {'/'.join(d.lower() for d in dout)}"
        if din == ["INT8"] and len(odd) == 1 and _probability_output(first):
            label = repr(name) if name is not None else qname(first)
            yield ctx.at_tensor(
                QNT002,
                first,
                f"{message}: output {label} is a uint8 probability (scale 1/256, zero point 0), read it as q / 256",
                severity=Severity.INFO,
                signature=key,
                io_name=name,
                explanation=Cause.PROBABILITY_OUTPUT,
                fix=(
                    "Nothing to fix. Read the output as probability = q / 256 (q = 0…255, e.g. a detection "
                    "threshold of 0.5 is q ≥ 128); quantize the inputs with their own scale and zero point "
                    "(`get_input_details()[i]['quantization']`)."
                ),
            )
            continue
        yield ctx.at_tensor(QNT002, first, message, signature=key, io_name=name)


# --- QNT003 --------------------------------------------------------------------------------
QNT003 = RuleSpec(
    "QNT003",
    Severity.WARNING,
    "float island in an integer graph",
    """Float ops run between a DEQUANTIZE of an integer activation and a QUANTIZE inside an
    otherwise integer graph: those ops had no integer kernel, so the converter fell back to float
    for them. One finding per connected group, listing the ops.""",
    explanation=Cause.FLOAT_FALLBACK,
    fix=Remedy.FAIL_ON_FLOAT_FALLBACK,
)


@check(QNT003)
def qnt003(ctx: Context) -> Iterator[Finding]:
    if not ctx.integer_graph:
        return
    for view in ctx.views:
        ops = view.sg.operators
        # Forward from DEQUANTIZE of an integer activation, through float ops.
        fwd: set[int] = set()
        stack = [
            o.outputs[0]
            for o in ops
            if o.builtin == "DEQUANTIZE"
            and o.outputs
            and (src := view.operand(o, 0)) is not None
            and src.dtype in QUANT_INT_TYPES
            and not src.is_constant
        ]
        seen_t: set[int] = set()
        while stack:
            t = stack.pop()
            if t in seen_t:
                continue
            seen_t.add(t)
            for o in view.consumer_ops(t):
                if o.builtin in ("QUANTIZE", "DEQUANTIZE") or o.index in fwd:
                    continue
                if not any(is_float(x.dtype) for x in (view.tensor(i) for i in o.outputs) if x is not None):
                    continue
                fwd.add(o.index)
                stack.extend(o.outputs)
        if not fwd:
            continue
        # Backward from QUANTIZE of a float value, through float ops.
        bwd: set[int] = set()
        stack = [o.inputs[0] for o in ops if o.builtin == "QUANTIZE" and o.inputs and o.inputs[0] >= 0]
        seen_t = set()
        while stack:
            t = stack.pop()
            if t in seen_t:
                continue
            seen_t.add(t)
            p = view.producer_op(t)
            if p is None or p.builtin in ("QUANTIZE", "DEQUANTIZE") or p.index in bwd or p.index not in fwd:
                continue
            bwd.add(p.index)
            stack.extend(i for i in p.inputs if i >= 0)
        island = sorted(fwd & bwd)
        for group in _components(ctx, view.index, island):
            members = [ops[i] for i in group]
            first = members[0]
            yield ctx.at_op(
                QNT003,
                view,
                first,
                f"{len(members)} op(s) fell back to float between DEQUANTIZE and QUANTIZE: {op_list(members)}",
                view.result(first),
                explanation=ctx.say(Cause.FLOAT_FALLBACK, ops=f" ({counts([m.opcode for m in members])})"),
                related=tuple((view.index, i) for i in group[1:]),
            )


def _components(ctx: Context, subgraph: int, island: list[int]) -> list[list[int]]:
    """Connected groups of island ops (an edge: one op's result feeds the other), each in op order."""
    import networkx as nx

    from ..graph import op_graph

    groups = nx.weakly_connected_components(op_graph(ctx.model, subgraph).subgraph(island))
    return sorted(sorted(g) for g in groups)


# --- QNT004 --------------------------------------------------------------------------------
QNT004 = RuleSpec(
    "QNT004",
    Severity.ERROR,
    "integer activation without quantization parameters",
    """An int8 / uint8 / int16 activation read or written by an op whose integer kernel needs a
    scale and zero point (CONV_2D, FULLY_CONNECTED, ADD, MUL, SOFTMAX, LOGISTIC, QUANTIZE,
    DEQUANTIZE, …: `needs_qparams` in the op table) has none: the kernel works with garbage
    parameters or refuses to prepare. Raw integer data that only goes through CAST, GATHER and the
    like is not flagged. Tensors of one dtype and op without parameters are one entry in text
    output.""",
    explanation="""Integer kernels of this op compute with the tensor's scale and zero point. A tensor
    without them usually comes from a hand-edited or partially quantized model, or a tool that
    dropped QuantizationParameters.""",
    fix=Remedy.FULL_INTEGER_RERUN,
)


@check(QNT004)
def qnt004(ctx: Context) -> Iterator[Finding]:
    for view in ctx.views:
        done: set[int] = set()
        for op in view.sg.operators:
            if not opdefs.opdef(op.builtin).needs_qparams:
                continue
            for idx in (*op.inputs, *op.outputs):
                t = view.tensor(idx)
                if t is None or idx in done or t.is_constant or t.dtype not in ("INT8", "UINT8", "INT16"):
                    continue
                if t.is_quantized:
                    continue
                done.add(idx)
                yield ctx.at_op(
                    QNT004,
                    view,
                    op,
                    f"{t.dtype.lower()} tensor {qname(t)} used by {op.opcode} has no scale/zero point",
                    t,
                    group=f"{t.dtype.lower()} tensors used by {op.opcode} have no scale/zero point",
                )


# --- QNT005 --------------------------------------------------------------------------------
_QD_EXPLANATION = (
    "Old TOCO converters write quantized_dimension 3 on rank-1 biases with per-tensor parameters. Current "
    "LiteRT checks quantized_dimension on every quantized tensor, per-tensor ones too, and refuses the model "
    "at load ('quantized_dimension must be in range [0, rank)', tflite/core/interpreter_builder.cc), while "
    "TFLite Micro ignores the dimension of per-tensor parameters and runs the model."
)
_QD_FIX = (
    "Set quantized_dimension to 0 on these tensors (it changes no value: per-tensor parameters do not use it), "
    "or re-convert with a current converter; the file as it is runs only on TFLite Micro and old runtimes."
)


def _qnt005_problems(t: Tensor) -> list[tuple[str, str, bool]]:
    """(problem, reason shared by tensors with the same problem, per-tensor dimension problem)."""
    q = t.quantization
    if q is None or not q.scale:
        return []
    problems: list[tuple[str, str, bool]] = []
    rank = len(t.shape) if t.has_rank else 0
    blockwise = q.details is not None and q.details.get("type") in ("BlockwiseQuantization", "MultiAxisQuantization")
    if len(q.scale) == 1 and rank and not blockwise and not 0 <= q.quantized_dimension < rank:
        # LiteRT's loader (ParseQuantization) checks this for every tensor with a scale, whatever its
        # dtype; blockwise and multi-axis details return before the check.
        problems.append(
            (
                f"per-tensor parameters with quantized_dimension {q.quantized_dimension}, out of range for rank "
                f"{rank}: current LiteRT refuses the model at load ('quantized_dimension must be in range "
                f"[0, {rank}). Was {q.quantized_dimension}.'), TFLite Micro runs it",
                f"per-tensor parameters with quantized_dimension {q.quantized_dimension} out of range for the "
                "tensor's rank: current LiteRT refuses the model at load, TFLite Micro runs it",
                True,
            )
        )
    if not is_integer(t.dtype):
        return problems  # the runtime ignores the values of parameters on float, string and bool tensors
    bad = [s for s in q.scale if not math.isfinite(s) or s <= 0]
    if bad:
        problems.append(
            (
                f"scale {bad[0]!r} is not a positive finite number"
                + (f" ({len(bad)} channels)" if len(bad) > 1 else ""),
                "scale is not a positive finite number",
                False,
            )
        )
    row = by_name(t.dtype)
    if row is not None and row.qmin is not None and row.qmax is not None and q.zero_point:
        out = [z for z in q.zero_point if not row.qmin <= z <= row.qmax]
        if out:
            problems.append(
                (
                    f"zero point {out[0]} is outside the {t.dtype.lower()} range [{row.qmin}, {row.qmax}]",
                    f"zero point outside the {t.dtype.lower()} range",
                    False,
                )
            )
    if q.zero_point and len(q.zero_point) != len(q.scale):
        problems.append(
            (f"{len(q.scale)} scales but {len(q.zero_point)} zero points", "scale and zero point counts differ", False)
        )
    if t.has_rank and len(q.scale) > 1:
        if not 0 <= q.quantized_dimension < max(rank, 1):
            problems.append(
                (
                    f"quantized_dimension {q.quantized_dimension} is out of range for rank {rank}",
                    "per-channel quantized_dimension out of range",
                    False,
                )
            )
        elif rank and t.shape[q.quantized_dimension] not in (len(q.scale), -1):
            problems.append(
                (
                    f"{len(q.scale)} per-channel scales but dim {q.quantized_dimension} has size "
                    f"{t.shape[q.quantized_dimension]}",
                    "per-channel scale count differs from the size of quantized_dimension",
                    False,
                )
            )
    return problems


QNT005 = RuleSpec(
    "QNT005",
    Severity.ERROR,
    "invalid quantization parameters",
    """On integer tensors: scale <= 0, NaN or inf; a zero point outside the dtype's range; different
    numbers of scales and zero points; a per-channel `quantized_dimension` out of range; a
    per-channel scale count different from that dim's size. On any tensor with a scale: a
    per-tensor `quantized_dimension` out of range for the tensor's rank (old TOCO files write 3 on
    rank-1 biases), which current LiteRT refuses at load while TFLite Micro runs it. Many tensors
    with the same problem are one entry in text output.""",
    explanation="""The converter never writes such parameters: they come from hand edits, a broken
    exporter or a corrupt file. LiteRT either refuses the model at allocation or computes with
    meaningless values (real = scale × (q − zero_point)).""",
    fix="""Re-convert from the source model; if parameters were edited, keep scale > 0, the zero point
    inside the dtype's range and one scale per channel of quantized_dimension.""",
)


@check(QNT005)
def qnt005(ctx: Context) -> Iterator[Finding]:
    for view in ctx.views:
        for t in view.sg.tensors:
            for problem, reason, per_tensor_dim in _qnt005_problems(t):
                yield ctx.at_tensor(
                    QNT005,
                    t,
                    f"{t.dtype.lower()} tensor {qname(t)}: {problem}",
                    group=reason,
                    **({"explanation": _QD_EXPLANATION, "fix": _QD_FIX} if per_tensor_dim else {}),
                )


# --- QNT006 --------------------------------------------------------------------------------
QNT006 = RuleSpec(
    "QNT006",
    Severity.WARNING,
    "asymmetric int8 weights",
    """Int8 weights (the filter of CONV / DEPTHWISE_CONV / FULLY_CONNECTED / TRANSPOSE_CONV) with a
    non-zero zero point: the TFLite int8 spec wants symmetric weights (zero point 0, range
    [-127, 127]), and optimized kernels and delegates assume it.""",
    explanation="""The int8 quantization spec requires weights with zero point 0 (range [-127, 127]);
    the converter always writes them so. Asymmetric weights come from other quantization tools or
    the legacy uint8 scheme converted to int8; XNNPACK, Edge TPU and NNAPI reject or mis-handle
    them.""",
    fix=Remedy.SYMMETRIC_INT8,
)


@check(QNT006)
def qnt006(ctx: Context) -> Iterator[Finding]:
    for view in ctx.views:
        seen: set[int] = set()
        for op in view.sg.operators:
            slots = WEIGHT_OPS.get(op.builtin)
            if slots is None:
                continue
            w = view.operand(op, slots[1])
            if w is None or w.index in seen or w.dtype != "INT8" or not w.is_quantized:
                continue
            zps = [z for z in w.quantization.zero_point if z != 0]  # type: ignore[union-attr]
            if not zps:
                continue
            seen.add(w.index)
            yield ctx.at_op(
                QNT006,
                view,
                op,
                f"int8 weights {qname(w)} of {op.opcode} have zero point {zps[0]}"
                + (f" ({len(zps)} channels non-zero)" if len(zps) > 1 else ""),
                w,
                group="int8 weights have a non-zero zero point",
            )


# --- QNT007 --------------------------------------------------------------------------------
QNT007 = RuleSpec(
    "QNT007",
    Severity.WARNING,
    "bias scale != input scale × weight scale",
    """An int32 bias (of CONV / FULLY_CONNECTED / TRANSPOSE_CONV) whose scale differs from
    input_scale × weight_scale (per channel) by more than 1%: kernels assume the product and
    silently add a wrongly scaled bias.""",
    explanation="""Integer kernels add the int32 bias to the int32 accumulator directly, which is only
    correct when bias_scale = input_scale × weight_scale. The converter guarantees it; a mismatch
    comes from editing scales or from another quantization tool.""",
    fix="""Re-quantize the bias as round(bias_float / (input_scale × weight_scale)) with that scale, or
    re-convert the model.""",
)


@check(QNT007)
def qnt007(ctx: Context) -> Iterator[Finding]:
    for view in ctx.views:
        for op in view.sg.operators:
            slots = WEIGHT_OPS.get(op.builtin)
            if slots is None:
                continue
            x, w, b = (view.operand(op, s) for s in slots)
            if x is None or w is None or b is None:
                continue
            if b.dtype not in ("INT32", "INT64") or not (x.is_quantized and w.is_quantized and b.is_quantized):
                continue
            xs, ws, bs = x.quantization.scale, w.quantization.scale, b.quantization.scale  # type: ignore[union-attr]
            if not xs or not ws or not bs or (len(ws) > 1 and len(bs) > 1 and len(ws) != len(bs)):
                continue
            worst, worst_c, expected_at = 0.0, 0, 0.0
            for c in range(max(len(ws), len(bs))):
                expected = xs[0] * ws[c if len(ws) > 1 else 0]
                actual = bs[c if len(bs) > 1 else 0]
                if expected <= 0 or not math.isfinite(expected) or not math.isfinite(actual):
                    continue
                err = abs(actual - expected) / expected
                if err > worst:
                    worst, worst_c, expected_at = err, c, expected
            if worst <= 0.01:
                continue
            actual = bs[worst_c if len(bs) > 1 else 0]
            chan = f" (channel {worst_c})" if max(len(ws), len(bs)) > 1 else ""
            yield ctx.at_op(
                QNT007,
                view,
                op,
                f"bias {qname(b)} of {op.opcode} has scale {actual:.6g}{chan}, but input scale × weight scale is "
                f"{expected_at:.6g} ({worst:.0%} off)",
                b,
                group="bias scale differs from input scale × weight scale by more than 1%",
            )


# --- QNT008 --------------------------------------------------------------------------------
QNT008 = RuleSpec(
    "QNT008",
    Severity.WARNING,
    "fixed output parameters differ from the spec",
    """LOGISTIC, SOFTMAX, TANH and LOG_SOFTMAX have fixed quantized output parameters: int8
    LOGISTIC / SOFTMAX scale 1/256 and zero point -128, int8 TANH 1/128 and 0, uint8 LOGISTIC /
    SOFTMAX 1/256 and 0, uint8 TANH 1/128 and 128, int16 1/32768 and 0, LOG_SOFTMAX 16/256 and 127
    (int8) / 255 (uint8); other values are rejected or mis-computed.""",
    explanation="""The output range of this op is known in advance, so the TFLite quantization spec
    fixes its output parameters; LiteRT's kernel checks them and fails to prepare, or delegates
    compute with the spec values while the graph reads yours.""",
    fix="Set the output to the spec's scale and zero point (the converter does this itself).",
)


@check(QNT008)
def qnt008(ctx: Context) -> Iterator[Finding]:
    for view, op in ctx.iter_ops():
        out = view.result(op)
        if out is None or not out.is_quantized:
            continue
        want = FIXED_OUTPUT.get((op.builtin, out.dtype))
        if want is None:
            continue
        q = out.quantization
        scale, zp = q.scale[0] if q.scale else 0.0, q.zero_point[0] if q.zero_point else 0  # type: ignore[union-attr]
        if math.isclose(scale, want[0], rel_tol=1e-3) and zp == want[1]:
            continue
        yield ctx.at_op(
            QNT008,
            view,
            op,
            f"{op.opcode} {out.dtype.lower()} output {qname(out)} has scale {scale:.6g} / zero point {zp}; the "
            f"spec fixes {want[0]:.6g} / {want[1]}",
            out,
            fix=f"Set the output to scale {want[0]:.6g} and zero point {want[1]} (the converter does this itself).",
        )


# --- QNT009 --------------------------------------------------------------------------------
QNT009 = RuleSpec(
    "QNT009",
    Severity.INFO,
    "float16 weights dequantized at run time",
    Cause.FLOAT16_DOC,
    explanation="""float16 quantization halves the file size. On CPU the DEQUANTIZE ops run once and
    the weights are held as float32 in memory (no speed-up, the RAM saving is lost); the GPU delegate
    drops the DEQUANTIZE ops and computes in float16 directly.""",
    fix="""Nothing to fix if that is what you wanted; for smaller and faster CPU inference use int8
    (dynamic range or full-integer) quantization instead.""",
)


@check(QNT009)
def qnt009(ctx: Context) -> Iterator[Finding]:
    from ..summary import float16_weights

    weights = float16_weights(ctx.model)
    for view in ctx.views:
        found = [(view.op(o), view.tensor(t)) for s, o, t in weights.dequantize_ops if s == view.index]
        if not found:
            continue
        nbytes = sum(t.nbytes for _, t in found if t is not None)
        sparse = sum(1 for op, t in found if t is not None and op.inputs[0] != t.index)
        through = f" ({sparse} of them sparse, through DENSIFY)" if sparse else ""
        deq, src = found[0]
        yield ctx.at_op(
            QNT009,
            view,
            deq,
            f"{len(found)} float16 constant(s) ({nbytes:,} bytes) are dequantized to float32 by DEQUANTIZE{through}",
            src,
            related=tuple((view.index, op.index) for op, _ in found[1:]),
        )


# --- QNT010 --------------------------------------------------------------------------------
QNT010 = RuleSpec(
    "QNT010",
    Severity.INFO,
    "dynamic-range (hybrid) quantization",
    (
        "Integer constant weights feed ops whose activations are float — the builtins with hybrid kernels in the "
        "op table (`opdefs.HYBRID_OPS`: CONV, FULLY_CONNECTED, BATCH_MATMUL, LSTM/RNN, SVDF, EMBEDDING_LOOKUP, "
        "GATHER, …): dynamic-range quantization",
        Cause.DYNAMIC_RANGE_DOC,
        ". Counted exactly as the summary's scheme counts them.",
    ),
    explanation="""Dynamic-range quantization stores weights as int8 (4× smaller) and quantizes
    activations on the fly in hybrid CPU kernels. GPU delegates dequantize the weights back to
    float; integer-only accelerators (Edge TPU, NPUs) cannot run these ops.""",
    fix=("For integer accelerators use full-integer quantization: ", Remedy.FULL_INTEGER),
)


@check(QNT010)
def qnt010(ctx: Context) -> Iterator[Finding]:
    for view in ctx.views:
        hybrid: list[Operator] = []
        kinds: set[str] = set()
        for op in view.sg.operators:
            weights = opdefs.hybrid_weights(view.sg, op)
            if weights:
                hybrid.append(op)
                kinds.update(w.dtype.lower() for w in weights)
        if not hybrid:
            continue
        yield ctx.at_op(
            QNT010,
            view,
            hybrid[0],
            f"{len(hybrid)} op(s) use {'/'.join(sorted(kinds))} weights with float activations (hybrid): "
            f"{counts([o.opcode for o in hybrid])}",
            related=tuple((view.index, o.index) for o in hybrid[1:]),
        )


# --- QNT011 --------------------------------------------------------------------------------
QNT011 = RuleSpec(
    "QNT011",
    Severity.INFO,
    "redundant QUANTIZE/DEQUANTIZE pair",
    """A QUANTIZE whose result only feeds DEQUANTIZE (or a DEQUANTIZE whose result only feeds
    QUANTIZE): a round trip that costs time and, for QUANTIZE→DEQUANTIZE, precision.""",
    explanation="""Such pairs are left behind by fake-quantization nodes in float models (QAT exports
    that were not fully quantized) or by mixing quantized and float subgraphs.""",
    fix=Remedy.FOLD_QAT,
)


@check(QNT011)
def qnt011(ctx: Context) -> Iterator[Finding]:
    for view, op in ctx.iter_ops():
        if op.builtin not in ("QUANTIZE", "DEQUANTIZE") or not op.outputs:
            continue
        other = "DEQUANTIZE" if op.builtin == "QUANTIZE" else "QUANTIZE"
        out = op.outputs[0]
        users = view.consumer_ops(out)
        if not users or out in view.io or any(u.builtin != other for u in users):
            continue
        src, mid = view.operand(op, 0), view.result(op)
        if src is None or src.is_constant or mid is None:
            continue
        ends = [view.result(u) for u in users]
        if op.builtin == "DEQUANTIZE":
            same = all(e is not None and e.dtype == src.dtype and e.quantization == src.quantization for e in ends)
            what = "a no-op (same dtype and parameters)" if same else "a requantization a single QUANTIZE can do"
        else:
            what = "a lossy round trip through " + mid.dtype.lower()
        yield ctx.at_op(
            QNT011,
            view,
            op,
            f"{op.opcode} (op {op.index}) → {other} ({', '.join(f'op {u.index}' for u in users)}) "
            f"on {qname(src)} is {what}",
            mid,
            related=tuple((view.index, u.index) for u in users),
        )
