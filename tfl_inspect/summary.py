"""Headline facts about a model: what a deployer asks first.

Which ops, how many weight bytes of which type, and which quantization scheme the
converter applied — recognised from the graph itself, because conversion metadata is
often missing and never says which ops fell back to float.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from . import dtypes
from .model import Model, Subgraph, Tensor

__all__ = ["Summary", "IOEntry", "summarize", "io_contract", "quantize_formula", "dequantize_formula"]

# Ops whose int8 weights with float activations mean dynamic-range ("hybrid") kernels.
_WEIGHTED = {
    "FULLY_CONNECTED",
    "CONV_2D",
    "DEPTHWISE_CONV_2D",
    "TRANSPOSE_CONV",
    "CONV_3D",
    "BATCH_MATMUL",
    "EMBEDDING_LOOKUP",
    "LSTM",
    "UNIDIRECTIONAL_SEQUENCE_LSTM",
    "BIDIRECTIONAL_SEQUENCE_LSTM",
    "SVDF",
    "RNN",
    "UNIDIRECTIONAL_SEQUENCE_RNN",
    "GATHER",
}


@dataclass(frozen=True, slots=True)
class IOEntry:
    """One input or output as a caller sees it: the signature name and the tensor behind it."""

    role: str  # "input" | "output"
    position: int  # position in the signature (or subgraph I/O list)
    name: str  # signature name, or tensor name when there is no signature
    tensor: Tensor
    subgraph_position: int | None  # index in Subgraph.inputs/outputs (get_*_details order)


@dataclass(frozen=True, slots=True)
class Summary:
    op_counts: dict[str, int]
    weight_bytes: dict[str, int]
    scheme: str  # float32 | float16 weights | dynamic range | full integer | full integer (16x8) | mixed
    scheme_detail: str
    input_dtypes: tuple[str, ...]
    output_dtypes: tuple[str, ...]
    n_ops: int
    n_tensors: int
    extras: dict[str, Any] = field(default_factory=dict)


def summarize(model: Model) -> Summary:
    ops: Counter[str] = Counter()
    weight_bytes: Counter[str] = Counter()
    seen_buffers: set[int] = set()
    n_tensors = 0
    for sg in model.subgraphs:
        n_tensors += len(sg.tensors)
        ops.update(op.opcode for op in sg.operators)
        for t in sg.tensors:
            if not t.is_constant:
                continue
            key = t.buffer if t.buffer is not None else -1 - len(seen_buffers)
            if key in seen_buffers:
                continue  # a shared buffer holds its bytes once
            seen_buffers.add(key)
            weight_bytes[t.dtype] += t.nbytes
    main = model.subgraphs[model.signatures[0].subgraph] if model.signatures else model.subgraphs[0]
    ins = tuple(main.tensors[i].dtype for i in main.inputs)
    outs = tuple(main.tensors[i].dtype for i in main.outputs)
    scheme, detail = _scheme(model, ins, outs)
    return Summary(
        op_counts=dict(ops.most_common()),
        weight_bytes=dict(weight_bytes.most_common()),
        scheme=scheme,
        scheme_detail=detail,
        input_dtypes=ins,
        output_dtypes=outs,
        n_ops=sum(ops.values()),
        n_tensors=n_tensors,
    )


def _scheme(model: Model, ins: tuple[str, ...], outs: tuple[str, ...]) -> tuple[str, str]:
    quantized_acts: Counter[str] = Counter()
    float_acts = 0
    hybrid_ops = 0
    fp16_dequant = 0
    for sg in model.subgraphs:
        for op in sg.operators:
            if op.builtin == "DEQUANTIZE":
                src = sg.tensor(op.inputs[0]) if op.inputs else None
                if src is not None and src.is_constant and src.dtype == "FLOAT16":
                    fp16_dequant += 1
                    continue
            for o in op.outputs:
                t = sg.tensor(o)
                if t is None:
                    continue
                if t.is_quantized and dtypes.is_integer(t.dtype):
                    quantized_acts[t.dtype] += 1
                elif dtypes.is_float(t.dtype):
                    float_acts += 1
            if op.builtin in _WEIGHTED and _is_hybrid(sg, op.inputs):
                hybrid_ops += 1
    io = f"inputs {'/'.join(ins) or '-'}, outputs {'/'.join(outs) or '-'}"
    n_quant = sum(quantized_acts.values())
    if n_quant and n_quant >= float_acts:
        if quantized_acts.get("INT16", 0) > quantized_acts.get("INT8", 0) + quantized_acts.get("UINT8", 0):
            scheme = "full integer (16x8)"
        else:
            scheme = "full integer"
        if float_acts:
            return scheme, f"{n_quant} integer and {float_acts} float activations; {io}"
        return scheme, io
    if hybrid_ops:
        return "dynamic range", f"{hybrid_ops} ops with int8 weights and float activations; {io}"
    if fp16_dequant:
        return "float16 weights", f"{fp16_dequant} float16 constants dequantized at run time; {io}"
    if n_quant:
        return "mixed", f"{n_quant} integer and {float_acts} float activations; {io}"
    return "float32", io


def _is_hybrid(sg: Subgraph, inputs: tuple[int, ...]) -> bool:
    tensors = [sg.tensor(i) for i in inputs]
    has_int_weight = any(
        t is not None and t.is_constant and t.dtype in ("INT8", "INT4", "UINT8") for t in tensors
    )
    has_float_act = any(t is not None and not t.is_constant and dtypes.is_float(t.dtype) for t in tensors)
    return has_int_weight and has_float_act


def io_contract(model: Model) -> list[tuple[str | None, int, list[IOEntry], bool]]:
    """Per signature (or per subgraph when there are none): (key, subgraph, entries, order differs).

    ``order differs`` is true when the signature lists inputs or outputs in another order than
    ``Subgraph.inputs``/``outputs`` — the order ``get_input_details()`` uses.
    """
    out: list[tuple[str | None, int, list[IOEntry], bool]] = []
    if model.signatures:
        for sig in model.signatures:
            sg = model.subgraphs[sig.subgraph]
            entries: list[IOEntry] = []
            differs = False
            for role, mapping, sub_list in (
                ("input", sig.inputs, sg.inputs),
                ("output", sig.outputs, sg.outputs),
            ):
                for pos, (name, idx) in enumerate(mapping.items()):
                    t = sg.tensor(idx)
                    if t is None:
                        continue
                    sub_pos = sub_list.index(idx) if idx in sub_list else None
                    differs = differs or sub_pos != pos
                    entries.append(IOEntry(role, pos, name, t, sub_pos))
            out.append((sig.key, sig.subgraph, entries, differs))
        return out
    sg = model.subgraphs[0]
    entries = [IOEntry("input", p, sg.tensors[i].name, sg.tensors[i], p) for p, i in enumerate(sg.inputs)]
    entries += [IOEntry("output", p, sg.tensors[i].name, sg.tensors[i], p) for p, i in enumerate(sg.outputs)]
    out.append((None, 0, entries, False))
    return out


def _num(x: float) -> str:
    return f"{x:.9g}"


def quantize_formula(t: Tensor) -> str | None:
    """How a caller turns real values into this input's integers (per-tensor only)."""
    q = t.quantization
    row = dtypes.by_name(t.dtype)
    if q is None or len(q.scale) != 1 or row is None or row.qmin is None:
        return None
    zp = q.zero_point[0] if q.zero_point else 0
    return f"q = clamp(round(x / {_num(q.scale[0])}) + {zp}, {row.qmin}, {row.qmax})"


def dequantize_formula(t: Tensor) -> str | None:
    """How a caller turns this output's integers back into real values (per-tensor only)."""
    q = t.quantization
    if q is None or len(q.scale) != 1 or not dtypes.is_integer(t.dtype):
        return None
    zp = q.zero_point[0] if q.zero_point else 0
    return f"x = {_num(q.scale[0])} * (q {'+' if zp < 0 else '-'} {abs(zp)})"
