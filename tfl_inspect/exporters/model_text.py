"""The ``inspect`` report: summary, I/O contract, and the tables asked for with ``--show``."""

from __future__ import annotations

from collections.abc import Iterable

from ..fmt import format_shape
from ..model import Model, Quantization, Subgraph, Tensor
from ..summary import dequantize_formula, io_contract, quantize_formula, summarize
from .blocks import Block, KeyValues, Note, Table

__all__ = ["inspect_blocks", "SHOW_CHOICES", "fmt_shape", "fmt_quant", "dynamic_dims"]

SHOW_CHOICES = ("ops", "tensors", "buffers", "metadata")


def fmt_shape(dims: Iterable[int], has_rank: bool = True) -> str:
    return format_shape(dims if has_rank else None, unknown="-1", unranked="<unknown rank>")


def dynamic_dims(t: Tensor) -> str:
    """Plain words for what is dynamic about a tensor ("" when it is static)."""
    if not t.has_rank:
        return "unknown rank"
    dims = [i for i, d in enumerate(t.shape_signature) if d < 0]
    if not dims:
        return ""
    return ("dim " if len(dims) == 1 else "dims ") + ", ".join(map(str, dims)) + " dynamic"


def fmt_quant(q: Quantization | None) -> str:
    if q is None:
        return ""
    if q.details and q.details.get("type") == "BlockwiseQuantization":
        d = q.details
        return f"blockwise: block {d.get('block_size')}, scales in tensor {d.get('scales')}"
    if q.details and q.details.get("type") == "MultiAxisQuantization":
        return f"multi-axis: dims {q.details.get('quantized_dimensions')}"
    if len(q.scale) == 1:
        zp = q.zero_point[0] if q.zero_point else 0
        return f"scale {q.scale[0]:.6g}, zero point {zp}"
    if q.scale:
        lo, hi = min(q.scale), max(q.scale)
        zps = sorted(set(q.zero_point))
        zp = str(zps[0]) if len(zps) == 1 else f"{zps[0]}..{zps[-1]}"
        axis = q.quantized_dimension
        return f"per-channel ({len(q.scale)} on axis {axis}): scale {lo:.3g}..{hi:.3g}, zero point {zp}"
    if q.min or q.max:
        return f"calibrated range {q.min[:1]}..{q.max[:1]} (no scale)"
    return ""


# Option values that are the schema default and say nothing to a reader.
_NOISE = {
    ("quantized_bias_type", "FLOAT32"),
    ("weights_format", "DEFAULT"),
    ("keep_num_dims", False),
    ("asymmetric_quantize_inputs", False),
    ("pot_scale_int16", True),
    ("pot_scale_int16", False),
    ("fused_activation_function", "NONE"),
}


def _bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def _summary_block(model: Model) -> KeyValues:
    s = summarize(model)
    meta = model.conversion_metadata or {}
    env, opts = meta.get("environment") or {}, meta.get("options") or {}
    converter = (
        f"TensorFlow {model.converter_version}" if model.converter_version else "unknown (no CONVERSION_METADATA)"
    )
    if env.get("model_type") and env.get("model_type") != "NONE":
        converter += f" from {env['model_type']}"
    modes = opts.get("model_optimization_modes") or []
    if modes:
        converter += f"; optimizations {', '.join(modes)}"
    if opts.get("enable_select_tf_ops"):
        converter += "; SELECT_TF_OPS enabled"
    subgraphs = ", ".join(
        f"#{sg.index}{' ' + repr(sg.name) if sg.name else ''}: {len(sg.operators)} ops, {len(sg.tensors)} tensors"
        for sg in model.subgraphs[:8]
    )
    if len(model.subgraphs) > 8:
        subgraphs += f", … {len(model.subgraphs) - 8} more"
    fmt = "TFLite flatbuffer" if model.format == "tflite" else "TFL-dialect MLIR"
    rows = [
        ("File", f"{model.source or '<bytes>'} ({_bytes(model.size)})"),
        ("Format", f"{fmt}, schema version {model.version}" if model.version is not None else fmt),
        ("Converter", converter),
        ("Min runtime", model.min_runtime_version or "not recorded"),
        ("Subgraphs", f"{len(model.subgraphs)} ({subgraphs})"),
        (
            "Operators",
            f"{s.n_ops}: "
            + ", ".join(f"{k} ×{v}" for k, v in list(s.op_counts.items())[:12])
            + (f", … {len(s.op_counts) - 12} more types" if len(s.op_counts) > 12 else ""),
        ),
        ("Weights", ", ".join(f"{k} {_bytes(v)}" for k, v in s.weight_bytes.items()) or "none"),
        ("Quantization", f"{s.scheme} — {s.scheme_detail}"),
    ]
    if model.description:
        rows.insert(2, ("Description", model.description))
    if model.signatures:
        rows.append(("Signatures", ", ".join(repr(sig.key) for sig in model.signatures)))
    else:
        rows.append(("Signatures", "none (no SignatureDef: use get_input_details() order)"))
    return KeyValues(None, rows)


def _io_blocks(model: Model) -> list[Block]:
    blocks: list[Block] = []
    for key, sub, entries, differs in io_contract(model):
        title = f"Signature {key!r} (subgraph {sub})" if key is not None else "Inputs and outputs of subgraph 0"
        rows, emphasis = [], set()
        for r, e in enumerate(entries):
            t = e.tensor
            formula = quantize_formula(t) if e.role == "input" else dequantize_formula(t)
            dyn = dynamic_dims(t)
            detail_pos = "" if e.subgraph_position is None else str(e.subgraph_position)
            rows.append(
                [
                    e.role,
                    e.name,
                    str(t.index),
                    t.name,
                    t.dtype,
                    fmt_shape(t.shape, t.has_rank),
                    fmt_shape(t.shape_signature, t.has_rank) + (f"  ({dyn})" if dyn else ""),
                    detail_pos,
                    fmt_quant(t.quantization) + (f"; {formula}" if formula else ""),
                ]
            )
            if dyn:
                emphasis.add((r, 6))
            if e.subgraph_position is not None and e.subgraph_position != e.position:
                emphasis.add((r, 7))
        blocks.append(
            Table(
                title,
                [
                    "role",
                    "name",
                    "tensor",
                    "tensor name",
                    "dtype",
                    "shape",
                    "shape_signature",
                    "get_*_details() #",
                    "quantization",
                ],
                rows,
                emphasis,
            )
        )
        if differs:
            sg = model.subgraphs[sub]
            sub_in = ", ".join(repr(sg.tensors[i].name) for i in sg.inputs)
            sub_out = ", ".join(repr(sg.tensors[i].name) for i in sg.outputs)
            blocks.append(
                Note(
                    f"signature {key!r} lists inputs/outputs in another order than the subgraph "
                    f"(get_input_details(): {sub_in}; get_output_details(): {sub_out}). "
                    "Index by signature name (get_signature_runner) rather than by position.",
                    "warning",
                )
            )
        if any(dynamic_dims(e.tensor) for e in entries if e.role == "input"):
            blocks.append(
                Note(
                    "shape holds 1 where shape_signature holds -1: call "
                    "interpreter.resize_tensor_input(index, real_shape) before allocate_tensors().",
                    "warning",
                )
            )
    return blocks


def _ops_table(sg: Subgraph) -> Table:
    rows = []
    for op in sg.operators:
        opts = ", ".join(f"{k}={v}" for k, v in op.options.items() if (k, v) not in _NOISE)
        if op.flex_op:
            opts = f"TF op {op.flex_op}" + (f"; {opts}" if opts else "")
        rows.append(
            [
                str(op.index),
                op.opcode,
                str(op.version),
                " ".join("-" if i < 0 else str(i) for i in op.inputs),
                " ".join(str(i) for i in op.outputs),
                opts,
            ]
        )
    return Table(f"Operators of subgraph {sg.index}", ["#", "opcode", "v", "inputs", "outputs", "options"], rows)


def _tensors_table(sg: Subgraph) -> Table:
    rows, emphasis = [], set()
    for r, t in enumerate(sg.tensors):
        dyn = dynamic_dims(t)
        kind = "const" if t.is_constant else ("var" if t.is_variable else "")
        rows.append(
            [
                str(t.index),
                t.name,
                t.dtype,
                fmt_shape(t.shape, t.has_rank),
                fmt_shape(t.shape_signature, t.has_rank),
                kind,
                _bytes(t.nbytes) if t.nbytes else "",
                fmt_quant(t.quantization),
            ]
        )
        if dyn:
            emphasis.add((r, 4))
    return Table(
        f"Tensors of subgraph {sg.index}",
        ["#", "name", "dtype", "shape", "shape_signature", "kind", "bytes", "quantization"],
        rows,
        emphasis,
    )


def _buffers_table(model: Model) -> Table:
    users: dict[int, list[str]] = {}
    for sg in model.subgraphs:
        for t in sg.tensors:
            if t.buffer:
                users.setdefault(t.buffer, []).append(f"{sg.index}:{t.index}")
    meta = {m.buffer: m.name for m in model.metadata if m.buffer is not None}
    rows = []
    for b in model.buffers:
        if not b.size:
            continue
        where = f"offset {b.offset}" if b.offset is not None else "inline"
        used = ", ".join(users.get(b.index, [])[:6]) + (" …" if len(users.get(b.index, [])) > 6 else "")
        if b.index in meta:
            used = f"metadata {meta[b.index]!r}"
        rows.append([str(b.index), _bytes(b.size), where, used])
    return Table("Buffers (non-empty)", ["#", "size", "location", "used by (subgraph:tensor)"], rows)


def _metadata_table(model: Model) -> Table:
    rows = []
    for m in model.metadata:
        value = m.value
        if isinstance(value, dict):
            value = "; ".join(f"{k}: {v}" for k, v in value.items())
        rows.append([m.name, str(m.buffer), _bytes(m.size), "" if value is None else str(value)])
    return Table("Metadata", ["name", "buffer", "size", "value"], rows)


def inspect_blocks(model: Model, show: set[str], subgraph: int | None = None) -> list[Block]:
    blocks: list[Block] = [_summary_block(model)]
    blocks += [Note(n, "warning") for n in model.notes]
    blocks += _io_blocks(model)
    subgraphs = model.subgraphs if subgraph is None else (model.subgraphs[subgraph],)
    for sg in subgraphs:
        if "ops" in show:
            blocks.append(_ops_table(sg))
        if "tensors" in show:
            blocks.append(_tensors_table(sg))
    if "buffers" in show:
        blocks.append(_buffers_table(model))
    if "metadata" in show:
        blocks.append(_metadata_table(model))
    return blocks
