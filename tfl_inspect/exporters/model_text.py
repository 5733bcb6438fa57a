"""The ``inspect`` report: summary, I/O contract, and the tables asked for with ``--show``."""

from __future__ import annotations

from collections.abc import Iterable

from .. import custom_ops
from ..compiled import CompiledModel, compiled
from ..composites import Composite, Composites, composites
from ..fmt import format_shape
from ..model import Model, Quantization, Subgraph, Tensor
from ..naming import layer_name
from ..readers.attachments import attachments
from ..state import model_state
from ..summary import (
    converter_command,
    dequantize_formula,
    detection_head,
    float16_weights,
    io_contract,
    io_metadata,
    quantize_formula,
    sparse_tensors,
    sparsity_info,
    summarize,
)
from .blocks import Block, KeyValues, Note, Table

__all__ = ["inspect_blocks", "SHOW_CHOICES", "fmt_shape", "fmt_quant", "dynamic_dims", "fmt_custom_options"]

SHOW_CHOICES = ("ops", "tensors", "buffers", "metadata", "composites")


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
        zp_text = str(zps[0]) if len(zps) == 1 else f"{zps[0]}..{zps[-1]}"
        axis = q.quantized_dimension
        return f"per-channel ({len(q.scale)} on axis {axis}): scale {lo:.3g}..{hi:.3g}, zero point {zp_text}"
    if q.min or q.max:
        return f"calibrated range {q.min[:1]}..{q.max[:1]} (no scale)"
    return ""


# Option values that are the schema default and say nothing to a reader. Looked up by key and compared
# with == because option values may be lists (TOCO-era RESHAPE keeps `new_shape` in its options).
_NOISE: dict[str, tuple[object, ...]] = {
    "quantized_bias_type": ("FLOAT32",),
    "weights_format": ("DEFAULT",),
    "keep_num_dims": (False,),
    "asymmetric_quantize_inputs": (False,),
    "pot_scale_int16": (True, False),
    "fused_activation_function": ("NONE",),
}


def _is_noise(key: str, value: object) -> bool:
    return any(type(value) is type(d) and value == d for d in _NOISE.get(key, ()))


def fmt_custom_options(custom_code: str, value: object) -> str:
    """Custom options in one line: decoded fields, plus the raw bytes (size and hex) when not a FlexBuffer."""
    decoded = custom_ops.decode_options(custom_code, value)
    parts = [", ".join(f"{k}={_short(v)}" for k, v in decoded.items())] if decoded else []
    if isinstance(value, dict) and value.get("format") == "raw":
        hex_ = str(value.get("hex", ""))
        shown = hex_[:64] + ("…" if len(hex_) > 64 or value.get("truncated") else "")
        parts.append(f"raw {value.get('bytes')} bytes: {shown}")
    elif value is not None and not decoded:
        parts.append(_short(value))
    return "; ".join(p for p in parts if p)


def _short(value: object, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def _producer(model: Model) -> str:
    p = model.producer
    if p.id == "unknown":
        return "unknown (no trace of TensorFlow/Keras, litert-torch, onnx2tf, JAX, MediaPipe or TOCO in the file)"
    return f"{p.title}: " + "; ".join(p.evidence)


def _summary_block(model: Model) -> KeyValues:
    s = summarize(model)
    meta = model.conversion_metadata or {}
    env, opts = meta.get("environment") or {}, meta.get("options") or {}
    converter = (
        f"TensorFlow {model.converter_version}" if model.converter_version else "unknown (no CONVERSION_METADATA)"
    )
    command = None if model.conversion_metadata else converter_command(model)
    if command:
        converter += f"; embedded command line: {_short(command, 200)}"
    if env.get("model_type") and env.get("model_type") != "NONE":
        converter += f" from {env['model_type']}"
    modes = opts.get("model_optimization_modes") or []
    if modes:
        converter += f"; optimizations {', '.join(modes)}"
    if opts.get("enable_select_tf_ops"):
        converter += "; SELECT_TF_OPS enabled"
    comp = composites(model)
    listed = [sg for sg in model.subgraphs if not comp.is_decomposition(sg.index)]
    subgraphs = ", ".join(
        f"#{sg.index}{' ' + repr(sg.name) if sg.name else ''}: {len(sg.operators)} ops, {len(sg.tensors)} tensors"
        for sg in listed[:8]
    )
    if len(listed) > 8:
        subgraphs += f", … {len(listed) - 8} more"
    if s.decomposition_subgraphs:
        subgraphs += f"; {_decompositions_text(comp)}: {s.decomposition_ops} ops in all, each under its composite"
    operators = f"{s.n_ops}"
    if s.decomposition_ops:
        operators += f" (+{s.decomposition_ops} inside the composites' decompositions)"
    fmt = "TFLite flatbuffer" if model.format == "tflite" else "TFL-dialect MLIR"
    where = f"{model.source or '<bytes>'} ({_bytes(model.size)})"
    bundle = model.container
    if bundle is not None:
        kind = {"litertlm": "LiteRT-LM bundle", "task": "MediaPipe .task bundle"}.get(bundle.format, bundle.format)
        where = (
            f"{model.source or '<bytes>'} ({_bytes(bundle.size)} {kind}) → {bundle.model.name} ({_bytes(model.size)})"
        )
        fmt += f" inside a {kind}"
    rows = [
        ("File", where),
        ("Format", f"{fmt}, schema version {model.version}" if model.version is not None else fmt),
        ("Producer", _producer(model)),
        ("Converter", converter),
        ("Min runtime", model.min_runtime_version or "not recorded"),
        ("Subgraphs", f"{len(model.subgraphs)} ({subgraphs})"),
        (
            "Operators",
            f"{operators}: "
            + ", ".join(f"{k} ×{v}" for k, v in list(s.op_counts.items())[:12])
            + (f", … {len(s.op_counts) - 12} more types" if len(s.op_counts) > 12 else ""),
        ),
        ("Weights", ", ".join(f"{k} {_bytes(v)}" for k, v in s.weight_bytes.items()) or "none"),
        ("Quantization", f"{s.scheme} — {s.scheme_detail}"),
    ]
    fp16 = float16_weights(model)
    if fp16.count:
        via = f", {fp16.through_densify} of them sparse (through DENSIFY)" if fp16.through_densify else ""
        dense = f", {_bytes(fp16.dense_bytes)} once densified" if fp16.dense_bytes != fp16.stored_bytes else ""
        rows.append(("Float16", f"{fp16.count} float16 weights, {_bytes(fp16.stored_bytes)} in the file{dense}{via}"))
    sparse = sparse_tensors(model)
    if sparse:
        stored = sum(i.stored_bytes for _, _, i in sparse)
        dense_b = sum(i.dense_bytes for _, _, i in sparse)
        values = sum(i.stored_values for _, _, i in sparse)
        dense_v = sum(i.dense_values for _, _, i in sparse) or 1
        rows.append(
            (
                "Sparsity",
                f"{len(sparse)} sparse constants: {_bytes(stored)} stored for {_bytes(dense_b)} dense "
                f"(density {values / dense_v:.1%}); DENSIFY expands them at run time",
            )
        )
    if comp:
        rows.append(("Composites", _composites_row(comp)))
    custom = _custom_ops_row(model)
    if custom:
        rows.append(("Custom ops", custom))
    npu = compiled(model)
    if npu is not None:
        rows.append(("Compiled for", _compiled_row(npu)))
    meta = model.metadata_value("TFLITE_METADATA")
    if isinstance(meta, dict):
        parts = [repr(meta.get("name") or "")]
        for key in ("version", "author", "license"):
            if meta.get(key):
                parts.append(f"{key} {meta[key]}")
        if meta.get("description"):
            parts.append(_short(str(meta["description"]), 160))
        rows.append(("TFLite Metadata", "; ".join(parts)))
    embedded = [b for b in model.buffers if b.embedded is not None]
    if embedded:
        rows.append(
            (
                "Embedded data",
                ", ".join(f"buffer {b.index} {b.embedded['file_identifier']} ({_bytes(b.size)})" for b in embedded)  # type: ignore[index]
                + " — flatbuffers in buffers no tensor uses (options blocks, metadata)",
            )
        )
    if model.description:
        rows.insert(2, ("Description", model.description))
    if model.signatures:
        rows.append(("Signatures", ", ".join(repr(sig.key) for sig in model.signatures)))
    else:
        rows.append(("Signatures", "none (no SignatureDef: use get_input_details() order)"))
    return KeyValues(None, rows)


def _decompositions_text(comp: Composites) -> str:
    subs = comp.decompositions
    n = len(subs)
    span = (
        f"#{subs[0]}"
        if n == 1
        else f"#{subs[0]}…#{subs[-1]}"
        if subs[-1] - subs[0] == n - 1
        else "#" + ", #".join(map(str, subs))
    )
    return f"{n} decomposition subgraph{'s' if n != 1 else ''} ({span})"


def _composites_row(comp: Composites) -> str:
    """Per composite name: how many, the layer it is, its attributes (when every op has the same)."""
    parts = []
    for name, n in comp.counts().items():
        ops = [c for c in comp.ops if c.name == name]
        attrs = {c.attributes_text() for c in ops}
        title = ops[0].title
        bits = [] if title == name else [title]
        if len(attrs) == 1 and next(iter(attrs)):
            bits.append(next(iter(attrs)))
        elif len(attrs) > 1:
            bits.append("attributes differ")
        parts.append(f"{name} ×{n}" + (f" ({'; '.join(bits)})" if bits else ""))
    return f"{len(comp.ops)} STABLEHLO_COMPOSITE layer(s): " + ", ".join(parts)


def _composites_table(model: Model, comp: Composites) -> Table:
    rows = []
    producer = model.producer.id
    for s in range(len(model.subgraphs)):
        if comp.is_decomposition(s):
            continue
        for depth, c in comp.under(s):
            d = c.decomposition
            sub = model.subgraphs[d] if d is not None else None
            caller = model.subgraphs[c.subgraph]
            op = caller.operators[c.op]
            out = caller.tensor(op.outputs[0]) if op.outputs else None
            rows.append(
                [
                    "  " * depth + f"{c.subgraph}:{c.op}",
                    c.name,
                    c.title,
                    layer_name(out.name, producer) if out is not None else "",
                    c.attributes_text(),
                    str(c.version),
                    "missing" if sub is None else f"#{sub.index}" + (f" {sub.name!r}" if sub.name else ""),
                    "" if sub is None else str(len(sub.operators)),
                ]
            )
    return Table(
        "Composites (decomposition subgraphs under the op that calls them)",
        ["op", "composite", "layer", "module", "attributes", "version", "decomposition", "ops"],
        rows,
    )


def _custom_ops_row(model: Model) -> str:
    """Non-Flex custom ops grouped by where their kernels come from (custom_ops table)."""
    groups: dict[str, dict[str, int]] = {}
    for sg in model.subgraphs:
        for op in sg.operators:
            if op.custom_code is not None and not op.custom_code.startswith("Flex"):
                info = custom_ops.lookup(op.custom_code)
                where = f"{info.family} ops, run by {' / '.join(info.runtimes)}" if info else "kernel unknown here"
                counts = groups.setdefault(where, {})
                counts[op.custom_code] = counts.get(op.custom_code, 0) + 1
    return "; ".join(
        ", ".join(f"{code} ×{n}" for code, n in counts.items()) + f" ({where})" for where, counts in groups.items()
    )


def _compiled_row(npu: CompiledModel) -> str:
    n = len(npu.partitions)
    what = "ethos-u op" if npu.kind == "ethos-u" else "DISPATCH_OP partition"
    by = {
        "LiteRtStamp": "SoC from the LiteRtStamp metadata",
        "bytecode": "vendor from the bytecode, no LiteRtStamp",
        "command stream": "NPU configuration from the command stream",
    }.get(npu.identified_by, "nothing in the file names the NPU")
    kind = "command stream" if npu.kind == "ethos-u" else "bytecode"
    size = f", {_bytes(npu.bytecode_bytes)} of {kind}" if npu.bytecode_bytes else ""
    parts = f"{n} {what}{'s' if n != 1 else ''}{size}, {len(npu.cpu_ops)} op(s) left on the CPU"
    if npu.partition_subgraphs:
        return f"nothing yet (partitioned for an NPU, not compiled): {parts}"
    return f"{npu.target}: {parts}; {by}"


def _compiled_blocks(model: Model) -> list[Block]:
    """The NPU partitions (DISPATCH_OP / ethos-u) with their bytecode, the ops left on the CPU, what runs it."""
    npu = compiled(model)
    if npu is None:
        return []
    rows = []
    for p in npu.partitions:
        block = npu.blocks[p.block] if p.block is not None else None
        if p.ethos_u is not None:
            e = p.ethos_u
            where = f"tensor {p.inputs[0]}" if p.inputs else ""
            stream = f", {_bytes(e.command_stream_bytes)} command stream" if e.command_stream_bytes else ""
            fmt = f"Vela payload for {e.config or 'an unrecognised NPU'} (arch {e.architecture}){stream}"
            fmt += f"; weights {_bytes(e.weights_bytes)}, scratch {_bytes(e.scratch_bytes)}"
        else:
            where = f"{p.bytecode_offset:,}" if p.bytecode_offset is not None else "none"
            fmt = block.format if block is not None else "no bytecode (not compiled)"
            if block is not None and len(block.partitions) > 1:
                fmt += f"; shared by {len(block.partitions)} partitions"
        size = _bytes(p.bytecode_size) if p.bytecode_size is not None else ""
        ins = " ".join(str(i) for i in p.inputs)
        outs = " ".join(str(i) for i in p.outputs)
        rows.append([f"{p.subgraph}:{p.op}", p.name, where, size, fmt, ins, outs])
    title = f"NPU partitions, {npu.layout}" if npu.partition_subgraphs else f"Compiled for {npu.target}: {npu.layout}"
    blocks: list[Block] = [
        Table(title, ["op", "name", "bytecode at", "size", "what it is", "inputs", "outputs"], rows),
    ]
    if npu.cpu_ops:
        ops = [model.subgraphs[s].operators[i] for s, i in npu.cpu_ops]
        listed = ", ".join(f"{s}:{i} {op.opcode}" for (s, i), op in zip(npu.cpu_ops[:24], ops, strict=False))
        more = f", … {len(ops) - 24} more" if len(ops) > 24 else ""
        blocks.append(Note(f"left on the CPU ({len(ops)} op(s)): {listed}{more}"))
    else:
        blocks.append(Note("no op is left on the CPU"))
    if npu.partition_subgraphs:
        blocks.append(Note(f"the partitions' ops are still in subgraph(s) {list(npu.partition_subgraphs)}"))
    blocks.append(Note(f"runs on: {npu.runtime}", "warning" if npu.refused else "note"))
    if npu.refused:
        blocks.append(Note(npu.refused, "warning"))
    return blocks


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


def _io_metadata_blocks(model: Model) -> list[Block]:
    """TFLite Metadata per input/output: what to feed (colour space, normalization) and how to read."""
    entries = io_metadata(model)
    if not entries:
        return []
    rows = []
    for e in entries:
        content = e.get("content") or {}
        bits = [str(content.get("kind") or "")]
        if content.get("color_space"):
            bits.append(str(content["color_space"]))
        size = content.get("default_size")
        if size:
            bits.append(f"{size.get('width')}x{size.get('height')}")
        if content.get("range"):
            bits.append(f"range {content['range'].get('min')}..{content['range'].get('max')}")
        stats = e.get("stats") or {}
        if stats.get("min") or stats.get("max"):
            bits.append(f"stats min {_short(str(stats.get('min')), 30)} max {_short(str(stats.get('max')), 30)}")
        files = []
        for f in e.get("associated_files") or ():
            text = f"{f.get('name')} ({f.get('type')}"
            if f.get("lines") is not None:
                more = " …" if f["lines"] > len(f["first"]) else ""
                noun = "entry" if f["lines"] == 1 else "entries"
                text += f", {f['lines']} {noun}: {', '.join(f['first'])}{more}"
            elif not f.get("in_file"):
                text += ", not in the file"
            files.append(text + ")")
        rows.append(
            [
                e["role"],
                str(e["position"]),
                e.get("tensor_name") or "",
                str(e.get("name") or ""),
                _short(str(e.get("description") or ""), 80),
                " ".join(b for b in bits if b),
                e.get("preprocessing") or "",
                "; ".join(files),
            ]
        )
    blocks: list[Block] = [
        Table(
            "TFLite Metadata of subgraph 0 (by get_*_details() position)",
            ["role", "#", "tensor name", "metadata name", "description", "content", "preprocessing", "files"],
            rows,
        )
    ]
    blocks += [Note(e["mismatch"], "warning") for e in entries if e.get("mismatch")]
    return blocks


def _attachment_blocks(model: Model) -> list[Block]:
    files = attachments(model)
    if not files:
        return []
    rows = [
        [
            a.name,
            _bytes(a.size),
            a.described_as or "not named in the metadata",
            "" if a.lines is None else f"{a.lines}: {', '.join(a.first)}" + (" …" if a.lines > len(a.first) else ""),
        ]
        for a in files
    ]
    title = f"Associated files (ZIP of {_bytes(model.trailing_bytes)} appended to the model; LiteRT ignores it)"
    return [Table(title, ["file", "size", "what the metadata says", "entries"], rows)]


def _state_blocks(model: Model) -> list[Block]:
    """The **State** section: resource variables kept between invokes."""
    state = model_state(model)
    if state is None:
        return []
    rows = []
    for v in state.variables:
        rows.append(
            [
                v.name,
                fmt_shape(v.shape) if v.shape is not None else "unknown",
                v.dtype or "unknown",
                fmt_quant(v.quantization),
                _bytes(v.bytes) if v.bytes is not None else "unknown",
                f"subgraph {v.initial_value[0]} tensor {v.initial_value[1]}" if v.initial_value else "",
            ]
        )
    init = ", ".join(f"#{i} {model.subgraphs[i].name!r}" for i in state.init_subgraphs) or "none (no CALL_ONCE)"
    title = f"State: {len(state.variables)} resource variable(s), {_bytes(state.bytes)}; init subgraph {init}"
    return [
        Table(title, ["variable", "shape", "dtype", "quantization", "bytes", "initial value"], rows),
        Note(state.note),
    ]


def _under(c: Composite | None) -> str:
    return "" if c is None else f" — decomposition of {c.label()}"


def _ops_table(sg: Subgraph, owner: Composite | None = None) -> Table:
    rows = []
    for op in sg.operators:
        opts = ", ".join(f"{k}={v}" for k, v in op.options.items() if not _is_noise(k, v))
        if op.flex_op:
            opts = f"TF op {op.flex_op}" + (f"; {opts}" if opts else "")
        elif op.custom_code is not None:
            opts = fmt_custom_options(op.custom_code, op.custom_options)
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
    return Table(
        f"Operators of subgraph {sg.index}{_under(owner)}", ["#", "opcode", "v", "inputs", "outputs", "options"], rows
    )


def _tensors_table(sg: Subgraph, owner: Composite | None = None) -> Table:
    rows, emphasis = [], set()
    sparse = False
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
        info = sparsity_info(t)
        if info is not None:
            rows[-1].append(info.text())
            sparse = True
        if dyn:
            emphasis.add((r, 4))
    columns = ["#", "name", "dtype", "shape", "shape_signature", "kind", "bytes", "quantization"]
    if sparse:
        columns.append("sparsity")
        for row in rows:
            row += [""] * (len(columns) - len(row))
    return Table(
        f"Tensors of subgraph {sg.index}{_under(owner)}",
        columns,
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
        elif b.embedded is not None:
            used = f"embedded flatbuffer {b.embedded.get('file_identifier')!r}"
        rows.append([str(b.index), _bytes(b.size), where, used])
    return Table("Buffers (non-empty)", ["#", "size", "location", "used by (subgraph:tensor)"], rows)


def _compact(value: dict[str, object]) -> str:
    """One line for a decoded metadata entry: scalars as they are, nested parts as counts (full form in JSON)."""
    parts = []
    for k, v in value.items():
        if v is None or v == [] or v == {}:
            continue
        if isinstance(v, list):
            parts.append(f"{k}: {len(v)} item(s)" if any(isinstance(x, dict | list) for x in v) else f"{k}: {v}")
        elif isinstance(v, dict):
            parts.append(f"{k}: ({_compact(v)})")
        else:
            parts.append(f"{k}: {_short(str(v), 120)}")
    return "; ".join(parts)


def _metadata_table(model: Model) -> Table:
    rows = []
    for m in model.metadata:
        value = m.value
        if isinstance(value, dict):
            value = _compact(value)
        rows.append([m.name, str(m.buffer), _bytes(m.size), "" if value is None else str(value)])
    return Table("Metadata", ["name", "buffer", "size", "value"], rows)


def inspect_blocks(model: Model, show: set[str], subgraph: int | None = None) -> list[Block]:
    from .generative_text import container_blocks, generative_blocks

    blocks: list[Block] = [_summary_block(model)]
    blocks += [Note(n, "warning") for n in model.notes]
    blocks += _compiled_blocks(model)
    blocks += container_blocks(model)
    blocks += generative_blocks(model)
    blocks += _io_blocks(model)
    blocks += _io_metadata_blocks(model)
    blocks += _attachment_blocks(model)
    head = detection_head(model)
    if head is not None:
        blocks.append(Note(head.text()))
    blocks += _state_blocks(model)
    comp = composites(model)
    if "composites" in show and comp:
        blocks.append(_composites_table(model, comp))
    order = comp.order(len(model.subgraphs)) if subgraph is None else [(subgraph, comp.owner(subgraph))]
    for s, owner in order:
        sg = model.subgraphs[s]
        if "ops" in show:
            blocks.append(_ops_table(sg, owner))
        if "tensors" in show:
            blocks.append(_tensors_table(sg, owner))
    if "buffers" in show:
        blocks.append(_buffers_table(model))
    if "metadata" in show:
        blocks.append(_metadata_table(model))
    return blocks
