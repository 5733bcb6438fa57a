"""The whole model as JSON, in the shape ``tfl-inspect schema inspect`` describes.

Plain dicts built field by field (not ``dataclasses.asdict``) so a 10,000-op model
serialises quickly, and non-finite floats become strings so the output is strict JSON.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..compiled import compiled
from ..composites import Composites, composites
from ..generative import generative
from ..model import Model, Operator, Quantization, Tensor
from ..readers.attachments import attachments
from ..schemas import schema_id
from ..state import model_state
from ..summary import (
    Summary,
    converter_command,
    detection_head,
    float16_weights,
    io_contract,
    io_metadata,
    sparse_tensors,
    sparsity_info,
    summarize,
)
from .envelope import envelope
from .generative_json import generative_dict

__all__ = ["model_to_dict", "dumps", "SCHEMA_ID", "composites_dict"]

SCHEMA_ID = schema_id("inspect")


def _float(x: float) -> float | str:
    return x if math.isfinite(x) else str(x)


def _quant(q: Quantization | None) -> dict[str, Any] | None:
    if q is None:
        return None
    return {
        "scale": [_float(s) for s in q.scale],
        "zero_point": list(q.zero_point),
        "quantized_dimension": q.quantized_dimension,
        "min": [_float(v) for v in q.min],
        "max": [_float(v) for v in q.max],
        "details": dict(q.details) if q.details else None,
    }


def tensor_to_dict(t: Tensor) -> dict[str, Any]:
    sp = t.sparsity
    return {
        "index": t.index,
        "name": t.name,
        "dtype": t.dtype,
        "shape": list(t.shape),
        "shape_signature": list(t.shape_signature),
        "has_rank": t.has_rank,
        "is_variable": t.is_variable,
        "constant": t.is_constant,
        "buffer": t.buffer,
        "bytes": t.nbytes,
        "quantization": _quant(t.quantization),
        "sparsity": None
        if sp is None
        else {
            "traversal_order": list(sp.traversal_order),
            "block_map": list(sp.block_map),
            "dim_metadata": [dict(d) for d in sp.dim_metadata],
            "summary": sparsity_info(t).to_dict(),  # type: ignore[union-attr]
        },
    }


def operator_to_dict(op: Operator) -> dict[str, Any]:
    custom_op = None
    if op.custom_code is not None:
        from ..custom_ops import describe  # custom ops only: the table is big to import

        custom_op = describe(op.custom_code, op.custom_options)
    return {
        "index": op.index,
        "opcode": op.opcode,
        "builtin": op.builtin,
        "version": op.version,
        "inputs": list(op.inputs),
        "outputs": list(op.outputs),
        "intermediates": list(op.intermediates),
        "options": dict(op.options),
        "options_type": op.options_type,
        "custom_code": op.custom_code,
        "custom_options": op.custom_options,
        "flex_op": op.flex_op,
        "custom_op": custom_op,
        "called_subgraphs": {k: list(v) if isinstance(v, tuple) else v for k, v in op.called_subgraphs.items()}
        if op.called_subgraphs
        else {},
        "location": op.location,
    }


def _summary(model: Model, s: Summary) -> dict[str, Any]:
    return {
        "operators": s.n_ops,
        "tensors": s.n_tensors,
        "op_counts": s.op_counts,
        "decomposition_operators": s.decomposition_ops,
        "decomposition_op_counts": s.decomposition_op_counts,
        "decomposition_subgraphs": s.decomposition_subgraphs,
        "weight_bytes": s.weight_bytes,
        "quantization": {"scheme": s.scheme, "detail": s.scheme_detail},
        "input_dtypes": list(s.input_dtypes),
        "output_dtypes": list(s.output_dtypes),
        "converter_version": model.converter_version,
        "min_runtime_version": model.min_runtime_version,
        "float16_weights": _fp16(model),
        "sparsity": _sparsity(model),
        "detection_head": _head(model),
    }


def _state(model: Model) -> dict[str, Any] | None:
    state = model_state(model)
    if state is None:
        return None
    return {
        "variables": [
            {
                "name": v.name,
                "container": v.container,
                "shape": list(v.shape) if v.shape is not None else None,
                "dtype": v.dtype,
                "quantization": _quant(v.quantization),
                "bytes": v.bytes,
                "initial_value": {"subgraph": v.initial_value[0], "tensor": v.initial_value[1]}
                if v.initial_value
                else None,
                "reads": [{"subgraph": s, "tensor": t} for s, t in v.reads],
            }
            for v in state.variables
        ],
        "bytes": state.bytes,
        "init_subgraph": state.init_subgraphs[0] if state.init_subgraphs else None,
        "init_subgraphs": list(state.init_subgraphs),
        "note": state.note,
    }


def _fp16(model: Model) -> dict[str, Any]:
    w = float16_weights(model)
    return {
        "count": w.count,
        "bytes": w.stored_bytes,
        "dense_bytes": w.dense_bytes,
        "through_densify": w.through_densify,
    }


def _sparsity(model: Model) -> dict[str, Any]:
    sparse = sparse_tensors(model)
    values = sum(i.stored_values for _, _, i in sparse)
    dense = sum(i.dense_values for _, _, i in sparse)
    return {
        "tensors": len(sparse),
        "stored_bytes": sum(i.stored_bytes for _, _, i in sparse),
        "dense_bytes": sum(i.dense_bytes for _, _, i in sparse),
        "density": round(values / dense, 6) if dense else None,
    }


def _head(model: Model) -> dict[str, Any] | None:
    h = detection_head(model)
    if h is None:
        return None
    return {
        "subgraph": h.subgraph,
        "anchors": h.anchors,
        "boxes": h.boxes,
        "scores": h.scores,
        "box_values": h.box_values,
        "classes": h.classes,
        "note": h.text(),
    }


def composites_dict(model: Model) -> list[dict[str, Any]]:
    """The ``composites`` list of ``inspect --format json`` (also a report section)."""
    return _composites(model, composites(model))


def _composites(model: Model, comp: Composites) -> list[dict[str, Any]]:
    out = []
    for c in comp.ops:
        d = c.decomposition
        out.append(
            {
                "subgraph": c.subgraph,
                "op": c.op,
                "name": c.name,
                "layer": c.title,
                "attributes": dict(c.attributes),
                "version": c.version,
                "decomposition": d,
                "decomposition_name": model.subgraphs[d].name if d is not None else None,
                "decomposition_operators": len(model.subgraphs[d].operators) if d is not None else 0,
            }
        )
    return out


def _container(model: Model) -> dict[str, Any] | None:
    c = model.container
    if c is None:
        return None
    return {
        "format": c.format,
        "path": c.path,
        "size": c.size,
        "version": c.version,
        "model_part": c.model_part,
        "parts": [
            {"name": p.name, "kind": p.kind, "offset": p.offset, "size": p.size, "detail": dict(p.detail)}
            for p in c.parts
        ],
        "metadata": dict(c.metadata),
    }


def _decomposes(comp: Composites, s: int) -> dict[str, Any] | None:
    owner = comp.owner(s)
    if owner is None:
        return None
    callers = comp.callers[s]
    return {
        "subgraph": owner.subgraph,
        "op": owner.op,
        "name": owner.name,
        "callers": [{"subgraph": c.subgraph, "op": c.op} for c in callers],
    }


def model_to_dict(model: Model, subgraph: int | None = None) -> dict[str, Any]:
    """The model as plain data; ``subgraph`` restricts ``subgraphs`` to that one."""
    order = {key: differs for key, _, _, differs in io_contract(model) if key is not None}
    subgraphs = model.subgraphs if subgraph is None else (model.subgraphs[subgraph],)
    comp = composites(model)
    return {
        **envelope("inspect", model.source),
        "format": model.format,
        "size": model.size,
        "tflite_schema_version": model.version,
        "description": model.description,
        "trailing_bytes": model.trailing_bytes,
        "notes": list(model.notes),
        "producer": model.producer.to_json(),
        "summary": _summary(model, summarize(model)),
        "signatures": [
            {
                "key": sig.key,
                "subgraph": sig.subgraph,
                "inputs": dict(sig.inputs),
                "outputs": dict(sig.outputs),
                "order_differs": order.get(sig.key, False),
                **(
                    {"dangling": [{"role": r, "name": n, "tensor": i} for r, n, i in sig.dangling]}
                    if sig.dangling
                    else {}
                ),
            }
            for sig in model.signatures
        ],
        "subgraphs": [
            {
                "index": sg.index,
                "name": sg.name,
                "inputs": list(sg.inputs),
                "outputs": list(sg.outputs),
                "tensors": [tensor_to_dict(t) for t in sg.tensors],
                "operators": [operator_to_dict(op) for op in sg.operators],
                "decomposes": _decomposes(comp, sg.index),
            }
            for sg in subgraphs
        ],
        "composites": _composites(model, comp),
        "generative": None if (gen := generative(model)) is None else generative_dict(gen),
        "container": _container(model),
        "state": _state(model),
        "compiled": None if (npu := compiled(model)) is None else npu.to_json(model),
        "io_metadata": io_metadata(model),
        "attachments": None if (files := attachments(model)) is None else [a.to_dict() for a in files],
        "embedded": [
            {"buffer": b.index, "size": b.size, **dict(b.embedded)} for b in model.buffers if b.embedded is not None
        ],
        "provenance": {"converter_command": None if model.conversion_metadata else converter_command(model)},
        "metadata": [{"name": m.name, "buffer": m.buffer, "size": m.size, "value": m.value} for m in model.metadata],
        "buffers": [
            {"index": b.index, "size": b.size, "offset": b.offset, "external": b.external} for b in model.buffers
        ],
    }


def dumps(data: Any, indent: int | None = None) -> str:
    """Strict JSON: NaN/Infinity anywhere (e.g. in decoded custom options) become strings."""
    try:
        return json.dumps(data, indent=indent, allow_nan=False, ensure_ascii=False)
    except ValueError:
        return json.dumps(_finite(data), indent=indent, allow_nan=False, ensure_ascii=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
