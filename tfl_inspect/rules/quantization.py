"""QNT: dtypes and quantization — wrong parameters give wrong numbers, not crashes."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..dtypes import by_name, is_float, is_integer
from ..fix.hint import command as fix_command
from .base import Finding, Severity, rule
from .context import QUANT_INT_TYPES, Context, View, counts, op_list, qname

if TYPE_CHECKING:
    from ..model import Operator, Tensor

__all__ = ["WEIGHT_OPS", "FIXED_OUTPUT"]

# op -> (activation input slot, weights slot, bias slot)
WEIGHT_OPS: dict[str, tuple[int, int, int]] = {
    "CONV_2D": (0, 1, 2),
    "DEPTHWISE_CONV_2D": (0, 1, 2),
    "CONV_3D": (0, 1, 2),
    "FULLY_CONNECTED": (0, 1, 2),
    "TRANSPOSE_CONV": (2, 1, 3),
    "CONV_3D_TRANSPOSE": (2, 1, 3),
}

# (op, dtype) -> (scale, zero point) the TFLite quantization spec fixes for the output.
FIXED_OUTPUT: dict[tuple[str, str], tuple[float, int]] = {
    ("LOGISTIC", "INT8"): (1 / 256, -128),
    ("LOGISTIC", "UINT8"): (1 / 256, 0),
    ("LOGISTIC", "INT16"): (1 / 32768, 0),
    ("SOFTMAX", "INT8"): (1 / 256, -128),
    ("SOFTMAX", "UINT8"): (1 / 256, 0),
    ("SOFTMAX", "INT16"): (1 / 32768, 0),
    ("TANH", "INT8"): (1 / 128, 0),
    ("TANH", "UINT8"): (1 / 128, 128),
    ("TANH", "INT16"): (1 / 32768, 0),
    ("LOG_SOFTMAX", "INT8"): (16 / 256, 127),
    ("LOG_SOFTMAX", "UINT8"): (16 / 256, 255),
}

# Ops whose integer kernels compute with the scale and zero point of their operands. Ops that
# also work on raw integers (CONCATENATION, pooling, MEAN, RESIZE_*, CAST, ...) are left out.
_NEEDS_PARAMS = frozenset(
    {
        *WEIGHT_OPS,
        "BATCH_MATMUL",
        "ADD",
        "SUB",
        "MUL",
        "DIV",
        "SQUARED_DIFFERENCE",
        "SOFTMAX",
        "LOG_SOFTMAX",
        "LOGISTIC",
        "TANH",
        "HARD_SWISH",
        "LEAKY_RELU",
        "PRELU",
        "ELU",
        "L2_NORMALIZATION",
        "RSQRT",
        "DEQUANTIZE",
        "QUANTIZE",
        "LSTM",
        "UNIDIRECTIONAL_SEQUENCE_LSTM",
        "SVDF",
    }
)

_IO_FIX = (
    "Set `converter.inference_input_type = tf.int8` and `converter.inference_output_type = tf.int8` "
    "(or tf.uint8) together with a representative dataset; the application then quantizes inputs "
    "with the input's scale/zero point and dequantizes outputs itself."
)


# --- QNT001 --------------------------------------------------------------------------------
@rule(
    "QNT001",
    Severity.INFO,
    "float I/O around an integer graph",
    """A float input feeds a QUANTIZE (or a float output comes from a DEQUANTIZE) while the
    graph in between is integer: the converter kept float I/O because inference_input_type /
    inference_output_type were left at float32.""",
)
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
                    "QNT001",
                    Severity.INFO,
                    f"{label} is {t.dtype.lower()} and {verb} {q.dtype.lower()} by {ops[0].opcode} (op {ops[0].index})"
                    " inside the model",
                    view,
                    ops[0],
                    t,
                    signature=sig,
                    io_name=name,
                    explanation=(
                        "Full-integer conversion (`optimizations=[tf.lite.Optimize.DEFAULT]` with a "
                        "representative dataset) keeps float32 I/O unless told otherwise, adding QUANTIZE/"
                        "DEQUANTIZE at the boundaries. Integer-only accelerators (Edge TPU, some NPUs) and "
                        "microcontrollers without float support then cannot run those ops."
                    ),
                    fix=_IO_FIX
                    + " Without the source, rewrite the converted model: `"
                    + fix_command(ctx.model.source, "--io-type int8")
                    + "` (or `--io-type uint8`) drops the boundary ops and keeps their scale and zero point.",
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


@rule(
    "QNT002",
    Severity.WARNING,
    "input and output dtypes differ",
    """A signature's inputs and outputs use different numeric dtypes (int8 in, uint8 out; int8 in,
    float32 out), so the caller must quantize and dequantize with different conventions.""",
)
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
        first = next(t for _, t in tout if t is not None and t.dtype in dout and t.dtype not in din)
        name = next(n for n, t in tout if t is first) if key is not None else None
        yield ctx.at_tensor(
            "QNT002",
            Severity.WARNING,
            f"inputs are {'/'.join(d.lower() for d in din)} but outputs are {'/'.join(d.lower() for d in dout)}",
            first,
            signature=key,
            io_name=name,
            explanation=(
                "`inference_input_type` and `inference_output_type` were set differently (or only one of "
                "them was set), so the model expects one encoding in and produces another out; code that "
                "reuses the input's quantization for the output reads garbage."
            ),
            fix=(
                "Set `converter.inference_input_type` and `converter.inference_output_type` to the same type, "
                "or handle each output with its own dtype, scale and zero point (from `get_output_details()`)."
            ),
        )


# --- QNT003 --------------------------------------------------------------------------------
@rule(
    "QNT003",
    Severity.WARNING,
    "float island in an integer graph",
    """Float ops run between a DEQUANTIZE and a QUANTIZE inside an otherwise integer graph:
    those ops had no integer kernel, so the converter fell back to float for them.""",
)
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
        for group in _components(view, island):
            members = [ops[i] for i in group]
            first = members[0]
            yield ctx.at_op(
                "QNT003",
                Severity.WARNING,
                f"{len(members)} op(s) fell back to float between DEQUANTIZE and QUANTIZE: {op_list(members)}",
                view,
                first,
                view.result(first),
                explanation=(
                    "With `optimizations=[DEFAULT]` and a representative dataset (but without "
                    "`target_spec.supported_ops=[TFLITE_BUILTINS_INT8]`) the converter leaves ops that have no "
                    f"integer kernel in float ({counts([m.opcode for m in members])}) and wraps them in "
                    "DEQUANTIZE/QUANTIZE. They run slower, and integer-only accelerators cannot run them."
                ),
                fix=(
                    "Replace those layers with ones that have int8 kernels, or set "
                    "`converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]` to make the "
                    "conversion fail at them instead of falling back silently."
                ),
                related=tuple((view.index, i) for i in group[1:]),
            )


def _components(view: View, island: list[int]) -> list[list[int]]:
    """Connected groups of island ops (by shared tensors), each in op order."""
    members = set(island)
    parent = {i: i for i in island}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in island:
        for t in view.op(i).outputs:
            for c in view.sg.consumers(t):
                if c in members:
                    parent[find(c)] = find(i)
    groups: dict[int, list[int]] = {}
    for i in island:
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values())


# --- QNT004 --------------------------------------------------------------------------------
@rule(
    "QNT004",
    Severity.ERROR,
    "integer activation without quantization parameters",
    """An int8/uint8/int16 activation read or written by an op whose integer kernel needs a scale
    and zero point has none: the kernel works with garbage parameters or refuses to prepare.""",
)
def qnt004(ctx: Context) -> Iterator[Finding]:
    for view in ctx.views:
        done: set[int] = set()
        for op in view.sg.operators:
            if op.builtin not in _NEEDS_PARAMS:
                continue
            for idx in (*op.inputs, *op.outputs):
                t = view.tensor(idx)
                if t is None or idx in done or t.is_constant or t.dtype not in ("INT8", "UINT8", "INT16"):
                    continue
                if t.is_quantized:
                    continue
                done.add(idx)
                yield ctx.at_op(
                    "QNT004",
                    Severity.ERROR,
                    f"{t.dtype.lower()} tensor {qname(t)} used by {op.opcode} has no scale/zero point",
                    view,
                    op,
                    t,
                    explanation=(
                        "Integer kernels of this op compute with the tensor's scale and zero point. A tensor "
                        "without them usually comes from a hand-edited or partially quantized model, or a "
                        "tool that dropped QuantizationParameters."
                    ),
                    fix="Re-run full-integer conversion with a representative dataset instead of editing the types.",
                )


# --- QNT005 --------------------------------------------------------------------------------
def _qnt005_problems(t: Tensor) -> list[str]:
    q = t.quantization
    if q is None or not q.scale or not is_integer(t.dtype):
        return []  # the runtime ignores parameters on float, string and bool tensors
    problems: list[str] = []
    bad = [s for s in q.scale if not math.isfinite(s) or s <= 0]
    if bad:
        problems.append(
            f"scale {bad[0]!r} is not a positive finite number" + (f" ({len(bad)} channels)" if len(bad) > 1 else "")
        )
    row = by_name(t.dtype)
    if row is not None and row.qmin is not None and q.zero_point:
        out = [z for z in q.zero_point if not row.qmin <= z <= row.qmax]  # type: ignore[operator]
        if out:
            problems.append(f"zero point {out[0]} is outside the {t.dtype.lower()} range [{row.qmin}, {row.qmax}]")
    if q.zero_point and len(q.zero_point) != len(q.scale):
        problems.append(f"{len(q.scale)} scales but {len(q.zero_point)} zero points")
    if t.has_rank and len(q.scale) > 1:
        rank = len(t.shape)
        if not 0 <= q.quantized_dimension < max(rank, 1):
            problems.append(f"quantized_dimension {q.quantized_dimension} is out of range for rank {rank}")
        elif rank and t.shape[q.quantized_dimension] not in (len(q.scale), -1):
            problems.append(
                f"{len(q.scale)} per-channel scales but dim {q.quantized_dimension} has size "
                f"{t.shape[q.quantized_dimension]}"
            )
    return problems


@rule(
    "QNT005",
    Severity.ERROR,
    "invalid quantization parameters",
    """Scale <= 0, NaN or inf; a zero point outside the dtype's range; different numbers of scales
    and zero points; quantized_dimension out of range; per-channel count != that dim's size.""",
)
def qnt005(ctx: Context) -> Iterator[Finding]:
    for view in ctx.views:
        for t in view.sg.tensors:
            for problem in _qnt005_problems(t):
                yield ctx.at_tensor(
                    "QNT005",
                    Severity.ERROR,
                    f"{t.dtype.lower()} tensor {qname(t)}: {problem}",
                    t,
                    explanation=(
                        "The converter never writes such parameters: they come from hand edits, a broken "
                        "exporter or a corrupt file. LiteRT either refuses the model at allocation or computes "
                        "with meaningless values (real = scale × (q − zero_point))."
                    ),
                    fix="Re-convert from the source model; if parameters were edited, keep scale > 0, the zero "
                    "point inside the dtype's range and one scale per channel of quantized_dimension.",
                )


# --- QNT006 --------------------------------------------------------------------------------
@rule(
    "QNT006",
    Severity.WARNING,
    "asymmetric int8 weights",
    """Int8 weights with a non-zero zero point: the TFLite int8 spec wants symmetric weights
    (zero point 0), and optimized kernels and delegates assume it.""",
)
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
                "QNT006",
                Severity.WARNING,
                f"int8 weights {qname(w)} of {op.opcode} have zero point {zps[0]}"
                + (f" ({len(zps)} channels non-zero)" if len(zps) > 1 else ""),
                view,
                op,
                w,
                explanation=(
                    "The int8 quantization spec requires weights with zero point 0 (range [-127, 127]); the "
                    "converter always writes them so. Asymmetric weights come from other quantization tools "
                    "or the legacy uint8 scheme converted to int8; XNNPACK, Edge TPU and NNAPI reject or "
                    "mis-handle them."
                ),
                fix="Quantize with the TFLite converter's int8 scheme (`optimizations=[DEFAULT]` + representative "
                "dataset), or requantize the weights symmetrically.",
            )


# --- QNT007 --------------------------------------------------------------------------------
@rule(
    "QNT007",
    Severity.WARNING,
    "bias scale != input scale × weight scale",
    """An int32 bias whose scale differs from input_scale × weight_scale (per channel) by more
    than 1%: kernels assume the product and silently add a wrongly scaled bias.""",
)
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
                "QNT007",
                Severity.WARNING,
                f"bias {qname(b)} of {op.opcode} has scale {actual:.6g}{chan}, but input scale × weight scale is "
                f"{expected_at:.6g} ({worst:.0%} off)",
                view,
                op,
                b,
                explanation=(
                    "Integer kernels add the int32 bias to the int32 accumulator directly, which is only "
                    "correct when bias_scale = input_scale × weight_scale. The converter guarantees it; a "
                    "mismatch comes from editing scales or from another quantization tool."
                ),
                fix="Re-quantize the bias as round(bias_float / (input_scale × weight_scale)) with that scale, "
                "or re-convert the model.",
            )


# --- QNT008 --------------------------------------------------------------------------------
@rule(
    "QNT008",
    Severity.WARNING,
    "fixed output parameters differ from the spec",
    """LOGISTIC, SOFTMAX, TANH and LOG_SOFTMAX have fixed quantized output parameters (e.g. int8
    LOGISTIC: scale 1/256, zero point -128); other values are rejected or mis-computed.""",
)
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
            "QNT008",
            Severity.WARNING,
            f"{op.opcode} {out.dtype.lower()} output {qname(out)} has scale {scale:.6g} / zero point {zp}; the "
            f"spec fixes {want[0]:.6g} / {want[1]}",
            view,
            op,
            out,
            explanation=(
                "The output range of this op is known in advance, so the TFLite quantization spec fixes its "
                "output parameters; LiteRT's kernel checks them and fails to prepare, or delegates "
                "compute with the spec values while the graph reads yours."
            ),
            fix=f"Set the output to scale {want[0]:.6g} and zero point {want[1]} (the converter does this itself).",
        )


# --- QNT009 --------------------------------------------------------------------------------
@rule(
    "QNT009",
    Severity.INFO,
    "float16 weights dequantized at run time",
    """FLOAT16 constants feed DEQUANTIZE ops: a float16-quantized model
    (`target_spec.supported_types=[tf.float16]`).""",
)
def qnt009(ctx: Context) -> Iterator[Finding]:
    for view in ctx.views:
        deqs = [
            o
            for o in view.sg.operators
            if o.builtin == "DEQUANTIZE"
            and (src := view.operand(o, 0)) is not None
            and src.dtype == "FLOAT16"
            and src.is_constant
        ]
        if not deqs:
            continue
        nbytes = sum(view.operand(o, 0).nbytes for o in deqs)  # type: ignore[union-attr]
        yield ctx.at_op(
            "QNT009",
            Severity.INFO,
            f"{len(deqs)} float16 constant(s) ({nbytes:,} bytes) are dequantized to float32 by DEQUANTIZE",
            view,
            deqs[0],
            view.operand(deqs[0], 0),
            explanation=(
                "float16 quantization halves the file size. On CPU the DEQUANTIZE ops run once and the "
                "weights are held as float32 in memory (no speed-up, the RAM saving is lost); the GPU "
                "delegate drops the DEQUANTIZE ops and computes in float16 directly."
            ),
            fix="Nothing to fix if that is what you wanted; for smaller and faster CPU inference use int8 "
            "(dynamic range or full-integer) quantization instead.",
            related=tuple((view.index, o.index) for o in deqs[1:]),
        )


# --- QNT010 --------------------------------------------------------------------------------
@rule(
    "QNT010",
    Severity.INFO,
    "dynamic-range (hybrid) quantization",
    """Int8 weights feed ops whose activations are float: dynamic-range quantization
    (`optimizations=[DEFAULT]` without a representative dataset).""",
)
def qnt010(ctx: Context) -> Iterator[Finding]:
    for view in ctx.views:
        hybrid: list[Operator] = []
        kinds: set[str] = set()
        for op in view.sg.operators:
            slots = WEIGHT_OPS.get(op.builtin)
            if slots is None and op.builtin not in (
                "BATCH_MATMUL",
                "EMBEDDING_LOOKUP",
                "UNIDIRECTIONAL_SEQUENCE_LSTM",
                "LSTM",
                "SVDF",
                "BIDIRECTIONAL_SEQUENCE_LSTM",
            ):
                continue
            x_slot, w_slot = (slots[0], slots[1]) if slots else (0, 1)
            x, w = view.operand(op, x_slot), view.operand(op, w_slot)
            if op.builtin == "EMBEDDING_LOOKUP":
                x, w = view.result(op), view.operand(op, 1)
            if x is None or w is None or not w.is_constant or w.dtype not in ("INT8", "INT4") or not is_float(x.dtype):
                continue
            hybrid.append(op)
            kinds.add(w.dtype.lower())
        if not hybrid:
            continue
        yield ctx.at_op(
            "QNT010",
            Severity.INFO,
            f"{len(hybrid)} op(s) use {'/'.join(sorted(kinds))} weights with float activations (hybrid): "
            f"{counts([o.opcode for o in hybrid])}",
            view,
            hybrid[0],
            explanation=(
                "Dynamic-range quantization stores weights as int8 (4× smaller) and quantizes activations on "
                "the fly in hybrid CPU kernels. GPU delegates dequantize the weights back to float; "
                "integer-only accelerators (Edge TPU, NPUs) cannot run these ops."
            ),
            fix="For integer accelerators use full-integer quantization: give the converter a "
            "`representative_dataset` (and `inference_input_type/output_type = tf.int8`).",
            related=tuple((view.index, o.index) for o in hybrid[1:]),
        )


# --- QNT011 --------------------------------------------------------------------------------
@rule(
    "QNT011",
    Severity.INFO,
    "redundant QUANTIZE/DEQUANTIZE pair",
    """A QUANTIZE whose result only feeds DEQUANTIZE (or a DEQUANTIZE whose result only feeds
    QUANTIZE): a round trip that costs time and, for QUANTIZE→DEQUANTIZE, precision.""",
)
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
            "QNT011",
            Severity.INFO,
            f"{op.opcode} (op {op.index}) → {other} ({', '.join(f'op {u.index}' for u in users)}) "
            f"on {qname(src)} is {what}",
            view,
            op,
            mid,
            explanation=(
                "Such pairs are left behind by fake-quantization nodes in float models (QAT exports that "
                "were not fully quantized) or by mixing quantized and float subgraphs."
            ),
            fix="Convert the QAT model with `optimizations=[DEFAULT]` so the pairs fold into integer ops, or "
            "remove the quantization nodes from the float model.",
            related=tuple((view.index, u.index) for u in users),
        )
