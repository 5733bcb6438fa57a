"""Headline facts about a model: what a deployer asks first.

Which ops, how many weight bytes of which type, and which quantization scheme the
converter applied — recognised from the graph itself, because conversion metadata is
often missing and never says which ops fell back to float.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from . import dtypes, opdefs
from .composites import composites
from .model import Model, Subgraph, Tensor

__all__ = [
    "Summary",
    "IOEntry",
    "summarize",
    "io_contract",
    "quantize_formula",
    "dequantize_formula",
    "SparsityInfo",
    "sparsity_info",
    "sparse_tensors",
    "Float16Weights",
    "float16_weights",
    "DetectionHead",
    "detection_head",
    "io_metadata",
    "converter_command",
    "weight_kind",
]


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
    """Headline counts. ``op_counts``/``n_ops`` are the model's ops: a STABLEHLO_COMPOSITE counts once, as
    the layer it is; the ops of its decomposition subgraph are counted apart (``decomposition_*``)."""

    op_counts: dict[str, int]
    weight_bytes: dict[str, int]
    scheme: str  # float32 | float16 weights | dynamic range | full integer | full integer (16x8) | mixed
    scheme_detail: str
    input_dtypes: tuple[str, ...]
    output_dtypes: tuple[str, ...]
    n_ops: int
    n_tensors: int
    extras: dict[str, Any] = field(default_factory=dict)
    decomposition_op_counts: dict[str, int] = field(default_factory=dict)
    decomposition_ops: int = 0
    decomposition_subgraphs: int = 0


@dataclass(frozen=True, slots=True)
class SparsityInfo:
    """What a sparse constant costs and saves: formats per traversal dim, blocks, stored vs dense."""

    formats: tuple[str, ...]  # per traversed dim (DENSE / SPARSE_CSR), block dims last
    traversal_order: tuple[int, ...]
    block_map: tuple[int, ...]  # tensor dims that are blocked
    block_size: tuple[int, ...]  # dense size of each block dim
    stored_values: int
    dense_values: int
    stored_bytes: int  # the values buffer (index arrays live in the flatbuffer)
    dense_bytes: int
    index_entries: int  # array_segments + array_indices entries

    @property
    def density(self) -> float:
        return self.stored_values / self.dense_values if self.dense_values else 1.0

    def text(self) -> str:
        fmt = "/".join("S" if f == "SPARSE_CSR" else "D" for f in self.formats)
        block = ""
        if self.block_map:
            block = f", block {'x'.join(map(str, self.block_size))} on dims {list(self.block_map)}"
        return (
            f"{fmt}{block}: {self.stored_values:,} of {self.dense_values:,} values stored "
            f"({self.density:.1%}), {self.stored_bytes:,} B stored / {self.dense_bytes:,} B dense"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "formats": list(self.formats),
            "traversal_order": list(self.traversal_order),
            "block_map": list(self.block_map),
            "block_size": list(self.block_size),
            "stored_values": self.stored_values,
            "dense_values": self.dense_values,
            "stored_bytes": self.stored_bytes,
            "dense_bytes": self.dense_bytes,
            "index_entries": self.index_entries,
            "density": round(self.density, 6),
        }


def sparsity_info(t: Tensor) -> SparsityInfo | None:
    """Sparsity figures of a constant stored in TACO format (``Tensor.sparsity``), else None."""
    sp = t.sparsity
    if sp is None:
        return None
    row = dtypes.by_name(t.dtype)
    bits = row.bits if row is not None and row.bits else 8
    dense_values = 1
    for d in t.shape:
        dense_values *= max(d, 0)
    rank = len(t.shape)
    formats = tuple(str(d.get("format", "DENSE")) for d in sp.dim_metadata)
    block_size = tuple(int(d.get("dense_size", 0)) for d in sp.dim_metadata[rank:])
    index_entries = sum(len(d.get("array_segments", ())) + len(d.get("array_indices", ())) for d in sp.dim_metadata)
    stored_values = (t.nbytes * 8) // bits
    return SparsityInfo(
        formats=formats,
        traversal_order=tuple(sp.traversal_order),
        block_map=tuple(sp.block_map),
        block_size=block_size,
        stored_values=stored_values,
        dense_values=dense_values,
        stored_bytes=t.nbytes,
        dense_bytes=(dense_values * bits + 7) // 8,
        index_entries=index_entries,
    )


def sparse_tensors(model: Model) -> list[tuple[int, Tensor, SparsityInfo]]:
    """Every sparse constant of the model: (subgraph, tensor, figures)."""
    out = []
    for sg in model.subgraphs:
        for t in sg.tensors:
            info = sparsity_info(t)
            if info is not None:
                out.append((sg.index, t, info))
    return out


@dataclass(frozen=True, slots=True)
class Float16Weights:
    """float16 constants that DEQUANTIZE turns into float32, directly or through DENSIFY (sparse).

    ``dequantize_ops`` lists (subgraph, DEQUANTIZE op, the float16 constant) — the constant is the
    DENSIFY's input where the weight is sparse. QNT009 and the summary read this one count.
    """

    count: int
    stored_bytes: int  # bytes the constants take in the file
    dense_bytes: int  # bytes once densified (float16)
    through_densify: int
    dequantize_ops: tuple[tuple[int, int, int], ...]


def float16_weights(model: Model) -> Float16Weights:
    """Count float16 weights the way the runtime sees them: DEQUANTIZE(const) or DEQUANTIZE(DENSIFY(const))."""
    found: list[tuple[int, int, int]] = []
    stored = dense = via = 0
    for sg in model.subgraphs:
        for op in sg.operators:
            if op.builtin != "DEQUANTIZE" or not op.inputs:
                continue
            src = sg.tensor(op.inputs[0])
            if src is None or src.dtype != "FLOAT16":
                continue
            const, densified = src, False
            if not src.is_constant:
                producer = sg.producer_op(src.index)
                if producer is None or producer.builtin != "DENSIFY" or not producer.inputs:
                    continue
                inner = sg.tensor(producer.inputs[0])
                if inner is None or not inner.is_constant or inner.dtype != "FLOAT16":
                    continue
                const, densified = inner, True
            info = sparsity_info(const)
            found.append((sg.index, op.index, const.index))
            stored += const.nbytes
            dense += info.dense_bytes if info is not None else const.nbytes
            via += densified
    return Float16Weights(len(found), stored, dense, via, tuple(found))


@dataclass(frozen=True, slots=True)
class DetectionHead:
    """Outputs that look like a raw SSD-style detection head: per-anchor box regressors and scores."""

    subgraph: int
    anchors: int
    boxes: int  # tensor index of [1, anchors, k>=4]
    scores: int  # tensor index of [1, anchors, classes]
    box_values: int
    classes: int

    def text(self) -> str:
        extra = self.box_values - 4
        keypoints = f" (4 box values + {extra // 2} keypoints)" if extra > 0 and extra % 2 == 0 else ""
        return (
            f"outputs look like a raw detection head: {self.anchors} anchors × {self.box_values} box values"
            f"{keypoints} and × {self.classes} score(s), with no post-processing op in the model: anchor "
            "decoding, score sigmoid/thresholding and non-max suppression happen outside the model (e.g. "
            "MediaPipe's TensorsToDetectionsCalculator + NonMaxSuppressionCalculator); the anchors are not in the file."
        )


_POSTPROCESS = {"NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5", "TFLite_Detection_PostProcess"}


def detection_head(model: Model) -> DetectionHead | None:
    """A raw detection head among the main subgraph's outputs, when no op does NMS in the model."""
    if any(op.opcode in _POSTPROCESS for sg in model.subgraphs for op in sg.operators):
        return None
    main = model.signatures[0].subgraph if model.signatures else 0
    sg = model.subgraphs[main]
    rank3 = [sg.tensors[i] for i in sg.outputs if len(sg.tensors[i].shape) == 3 and sg.tensors[i].shape[0] == 1]
    for boxes in rank3:
        n, k = boxes.shape[1], boxes.shape[2]
        if n < 100 or k < 4:
            continue
        for scores in rank3:
            if scores is not boxes and scores.shape[1] == n and 1 <= scores.shape[2] < k:
                return DetectionHead(main, n, boxes.index, scores.index, k, scores.shape[2])
    return None


def summarize(model: Model) -> Summary:
    ops: Counter[str] = Counter()
    inner: Counter[str] = Counter()
    weight_bytes: Counter[str] = Counter()
    seen_buffers: set[int] = set()
    n_tensors = 0
    comp = composites(model)
    for sg in model.subgraphs:
        n_tensors += len(sg.tensors)
        (inner if comp.is_decomposition(sg.index) else ops).update(op.opcode for op in sg.operators)
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
        decomposition_op_counts=dict(inner.most_common()),
        decomposition_ops=sum(inner.values()),
        decomposition_subgraphs=len(comp.callers),
    )


def weight_kind(sg: Subgraph, t: Tensor) -> str:
    """How a quantized weight is stored, as a noun phrase: ``INT4 weights in blocks of 32 (blockwise, FLOAT16 scales)``.

    litert-torch's blockwise INT4 keeps no scale array on the tensor: ``BlockwiseQuantization`` details
    name a separate tensor holding one scale per block.
    """
    q = t.quantization
    details = q.details if q is not None else None
    if details and details.get("type") == "BlockwiseQuantization":
        scales = sg.tensor(int(details.get("scales", -1)))
        where = f", {scales.dtype} scales" if scales is not None else ""
        return f"{t.dtype} weights in blocks of {details.get('block_size')} (blockwise{where})"
    return f"{t.dtype.lower() if t.dtype == 'INT8' else t.dtype} weights"


def _scheme(model: Model, ins: tuple[str, ...], outs: tuple[str, ...]) -> tuple[str, str]:
    quantized_acts: Counter[str] = Counter()
    float_acts = 0
    hybrid_ops = 0
    hybrid_kinds: Counter[str] = Counter()
    fp16 = float16_weights(model)
    fp16_dequant = fp16.count
    fp16_ops = {(s, o) for s, o, _ in fp16.dequantize_ops}
    for sg in model.subgraphs:
        for op in sg.operators:
            if (sg.index, op.index) in fp16_ops:
                continue
            for o in op.outputs:
                t = sg.tensor(o)
                if t is None:
                    continue
                if t.is_quantized and dtypes.is_integer(t.dtype):
                    quantized_acts[t.dtype] += 1
                elif dtypes.is_float(t.dtype):
                    float_acts += 1
            hybrid = opdefs.hybrid_weights(sg, op)
            if hybrid:
                hybrid_ops += 1
                hybrid_kinds[weight_kind(sg, hybrid[0])] += 1
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
        if len(hybrid_kinds) == 1:
            kinds = next(iter(hybrid_kinds))
        else:
            kinds = "quantized weights (" + ", ".join(f"{n} {k}" for k, n in hybrid_kinds.most_common()) + ")"
        return "dynamic range", f"{hybrid_ops} ops with {kinds} and float activations; {io}"
    if fp16_dequant:
        via = f" ({fp16.through_densify} sparse, through DENSIFY)" if fp16.through_densify else ""
        return "float16 weights", f"{fp16_dequant} float16 constants{via} dequantized at run time; {io}"
    if n_quant:
        return "mixed", f"{n_quant} integer and {float_acts} float activations; {io}"
    return "float32", io


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


def io_metadata(model: Model) -> list[dict[str, Any]]:
    """TFLite Metadata per input/output of subgraph 0, joined with the tensor it describes.

    TFLite Support pairs ``input_tensor_metadata[i]`` with the subgraph's i-th input (the
    ``get_input_details()`` order), and likewise for outputs. Label files get their line count and
    first entries from the appended ZIP when it is there.
    """
    meta = model.metadata_value("TFLITE_METADATA")
    if not isinstance(meta, dict) or not meta.get("subgraphs"):
        return []
    from .readers.attachments import attachments

    files = {a.name: a for a in attachments(model) or ()}
    sub = meta["subgraphs"][0]
    sg = model.subgraphs[0]
    out = []
    sides = (("input", sub.get("inputs") or [], sg.inputs), ("output", sub.get("outputs") or [], sg.outputs))
    for role, entries, indices in sides:
        for pos, tm in enumerate(entries):
            tensor = indices[pos] if pos < len(indices) else None
            assoc = []
            for f in tm.get("associated_files") or ():
                a = files.get(str(f.get("name")))
                assoc.append(
                    {
                        "name": f.get("name"),
                        "type": f.get("type"),
                        "description": f.get("description"),
                        "lines": a.lines if a else None,
                        "first": list(a.first) if a else [],
                        "in_file": a is not None,
                    }
                )
            mismatch = None
            if tensor is not None:
                t = sg.tensors[tensor]
                for f in assoc:
                    n = f["lines"]
                    axis = t.shape[-1] if t.shape else 1
                    if f["type"] == "TENSOR_AXIS_LABELS" and n and axis not in (n, n + 1):
                        mismatch = (
                            f"metadata {role} {pos} {tm.get('name')!r} has {n} labels in {f['name']!r}, but "
                            f"{role} {pos} of the subgraph (tensor {tensor} {t.name!r}) has shape "
                            f"{list(t.shape)}: the metadata's {role} order may not match get_{role}_details()"
                        )
            out.append(
                {
                    "role": role,
                    "position": pos,
                    "mismatch": mismatch,
                    "tensor": tensor,
                    "tensor_name": sg.tensors[tensor].name if tensor is not None else None,
                    "name": tm.get("name"),
                    "description": tm.get("description"),
                    "content": tm.get("content"),
                    "preprocessing": tm.get("preprocessing"),
                    "stats": tm.get("stats"),
                    "associated_files": assoc,
                }
            )
    return out


def converter_command(model: Model) -> str | None:
    """A converter command line found in an embedded flatbuffer (provenance without CONVERSION_METADATA)."""
    from .readers.embedded import converter_command as find

    for b in model.buffers:
        if b.embedded is not None:
            found = find(b.embedded)
            if found:
                return found
    return None
