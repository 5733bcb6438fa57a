"""From error lines (or unlegalized ops) to :class:`Failure` records."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ModelFormatError
from ..model import Model, Operator, Tensor
from .fixes import fixes_for
from .layers import KerasContext, keras_layer
from .records import Failure, Origin, TraceStep, UnknownDim
from .trace import (
    ERROR_CODE,
    NEEDS_KNOWN,
    RNN_CLASSES,
    SELECT_OPS,
    TENSOR_LIST,
    TF_TO_TFL,
    UPSAMPLING_CLASSES,
    Tracer,
    axis_name,
    input_names,
    op_kind,
    type_text,
    unknown_dims,
)

__all__ = ["raw_failures", "build_failure", "RawFailure"]


def _node_names(location: str | None) -> list[str]:
    """TensorFlow node names in an operator's location text (as ``Operator.location`` holds it)."""
    if not location:
        return []
    from ..readers.mlir.parser import Parser

    try:
        return Parser(f"loc({location})").location().node_names()
    except ModelFormatError:
        return []


@dataclass
class RawFailure:
    """A failing op as the error lines (or a dump) name it, before analysis."""

    op_name: str
    messages: list[str]
    loc_text: str | None
    tf_node: str | None
    error_code: str | None
    snippet: Any = None
    where: tuple[int, int] | None = None


def raw_failures(doc: Any, model: Model | None) -> tuple[list[RawFailure], list[str], list[str]]:
    """Failing ops from the error lines (or unlegalized ops of a dump), plus notes and Select TF ops."""
    from ..readers.mlir.matching import find_operator, quoted_op_name

    notes: list[str] = []
    select: list[str] = []
    raws: list[RawFailure] = []
    conv = doc.converter
    if conv is not None:
        codes: dict[str, str] = {}
        snippets: dict[str, Any] = {}
        for d in conv.diagnostics:
            if d.loc is None:
                continue
            m = ERROR_CODE.search(d.message)
            if m:
                codes.setdefault(d.loc.text, m.group(1))
            if d.operation is not None and d.operation.name != "func.func":
                snippets.setdefault(d.loc.text, d.operation)
        by_key: dict[tuple[str | None, str], RawFailure] = {}
        for d in conv.errors:
            m = SELECT_OPS.search(d.message)
            if m:
                select.extend(x.strip() for x in m.group(1).split(",") if x.strip())
            op_name = quoted_op_name(d.message)
            if d.loc is None or (op_name is None and d.loc.kind == "unknown"):
                notes.append(d.headline)
                continue
            snippet = snippets.get(d.loc.text)
            op_name = op_name or (snippet.name if snippet is not None else "unknown op")
            key = (d.loc.text, op_name)
            if key in by_key:
                by_key[key].messages.append(d.headline)
                continue
            nodes = d.loc.node_names()
            raw = RawFailure(op_name, [d.headline], d.loc.render(), nodes[0] if nodes else None, codes.get(d.loc.text))
            raw.snippet = snippet
            if model is not None:
                raw.where = find_operator(model, op_name, snippet)
            by_key[key] = raw
            raws.append(raw)
    elif model is not None:
        has_tfl = any(op.opcode.isupper() for sg in model.subgraphs for op in sg.operators)
        for sg in model.subgraphs:
            for op in sg.operators:
                if op.opcode.startswith("tf.") and has_tfl:
                    names = _node_names(op.location)
                    node = names[0] if names else None
                    raws.append(
                        RawFailure(
                            op.opcode,
                            ["not legalized to a TFLite op (left as a TensorFlow op)"],
                            op.location,
                            node,
                            None,
                            where=(sg.index, op.index),
                        )
                    )
        if not has_tfl and any(op.opcode.startswith("tf.") for sg in model.subgraphs for op in sg.operators):
            notes.append("this MLIR is still TensorFlow dialect (an early pass): nothing to legalize-check yet")
    return raws, notes, sorted(set(select))


def _operand_info(tensor: Tensor, slot: int) -> dict[str, Any]:
    return {"slot": slot, "value": tensor.name, "type": type_text(tensor), "unknown_dims": unknown_dims(tensor)}


def _snippet_info(types: Sequence[Any], names: Sequence[str]) -> tuple[dict[str, Any], ...]:
    out = []
    for k, typ in enumerate(types):
        shape = getattr(typ, "shape", ())
        unknown = [i for i, d in enumerate(shape or ()) if d is None]
        value = names[k] if k < len(names) else f"#{k}"
        out.append({"slot": k, "value": value, "type": str(typ), "unknown_dims": unknown})
    return tuple(out)


def build_failure(raw: RawFailure, model: Model | None, keras: KerasContext | None) -> Failure:
    layer_names = keras.names if keras else None
    layer, path = keras_layer(raw.tf_node, layer_names)
    layer_class = keras.layer_class(layer) if keras else None
    message = "\n".join(dict.fromkeys(raw.messages))
    operands: tuple[dict[str, Any], ...] = ()
    results: tuple[dict[str, Any], ...] = ()
    unknown: list[UnknownDim] = []
    origins: list[Origin] = []
    op = None
    sg = None
    if model is not None and raw.where is not None:
        sg = model.subgraphs[raw.where[0]]
        op = sg.operators[raw.where[1]]
        operands = tuple(_operand_info(sg.tensors[t], k) for k, t in enumerate(op.inputs) if t >= 0)
        results = tuple(_operand_info(sg.tensors[t], k) for k, t in enumerate(op.outputs) if t >= 0)
    elif raw.snippet is not None:
        operands = _snippet_info(raw.snippet.operand_types, raw.snippet.operands)
        results = _snippet_info(raw.snippet.result_types, raw.snippet.results)
    kind = TF_TO_TFL.get(raw.op_name, raw.op_name)
    if op is not None and sg is not None and model is not None:
        tracer = Tracer(model, sg, input_names(model, sg))
        needs = NEEDS_KNOWN.get(kind)
        origin_index: dict[tuple[str, int], int] = {}
        mattering: set[int] = set()
        for slot, t in enumerate(op.inputs):
            if t < 0:
                continue
            tensor = sg.tensors[t]
            rank = len(tensor.shape_signature)
            for d in unknown_dims(tensor):
                matters, reason = False, None
                if needs is not None and slot == needs[0] and d == (needs[1] % rank if rank else 0):
                    matters, reason = True, needs[2]
                elif needs is None and _mentions_static(message):
                    matters, reason = True, "the converter asks for a static shape here"
                steps, found = tracer.trace(t, d)
                origin = _make_origin(found, steps, tracer, keras, layer)
                key = (origin.value, origin.kind == "input")
                if key not in origin_index:
                    origin_index[key] = len(origins)
                    origins.append(origin)
                else:
                    i = origin_index[key]
                    prev = origins[i]
                    dims = tuple(sorted(set(prev.dims) | set(origin.dims)))
                    # One origin for several dims: narrate the dim that matters for this op.
                    origins[i] = _replace(origin if matters and i not in mattering else prev, dims=dims)
                if matters:
                    mattering.add(origin_index[key])
                axis = axis_name(rank, d)
                unknown.append(
                    UnknownDim(slot, tensor.name, type_text(tensor), d, axis, matters, reason, origin_index[key])
                )
    elif keras is not None and (_mentions_static(message) or TENSOR_LIST.search(message)):
        unknown, origins = _keras_input_dims(keras, message, layer_class)
    fixes = fixes_for(raw, kind, message, unknown, origins, model, keras, layer_class, layer)
    return Failure(
        op=raw.op_name,
        message=message,
        error_code=raw.error_code,
        location=raw.loc_text,
        tf_node=raw.tf_node,
        layer=layer,
        layer_path=path,
        layer_class=layer_class,
        operands=operands,
        results=results,
        unknown_dims=tuple(unknown),
        origin=tuple(origins),
        fixes=tuple(fixes),
        subgraph=raw.where[0] if raw.where else None,
        operator=raw.where[1] if raw.where else None,
    )


def _replace(origin: Origin, **changes: Any) -> Origin:
    from dataclasses import replace

    return replace(origin, **changes)


def _mentions_static(message: str) -> bool:
    return bool(re.search(r"\bstatic\b|dynamic shape|unknown rank|unranked", message, re.IGNORECASE))


def _make_origin(
    found: dict[str, Any], steps: list[TraceStep], tracer: Tracer, keras: KerasContext | None, failing_layer: str | None
) -> Origin:
    t = found["t"]
    tensor = tracer.tensor(t)
    chain = tuple(reversed(steps))
    dims = tuple(unknown_dims(tensor))
    if found["kind"] == "input":
        name = tracer.input_names.get(t, tensor.name)
        return Origin(
            "input",
            tensor.name,
            type_text(tensor),
            None,
            dims,
            detail=f"model input '{name}' is declared with unknown dims",
            chain=chain,
            input_name=name,
        )
    op: Operator = found["op"]
    layer = layer_class = pattern = None
    if op.location:
        nodes = _node_names(op.location)
        layer = keras_layer(nodes[0] if nodes else None, keras.names if keras else None)[0]
        layer_class = keras.layer_class(layer) if keras and layer else None
    shape_text: tuple[str, ...] = ()
    if found["kind"] == "runtime_reshape":
        pattern_ops = _upsampling_pattern(tracer, op)
        if pattern_ops:
            pattern = "UpSampling (nearest-neighbour repeat): " + " → ".join(pattern_ops)
            if layer_class is None:
                layer_class = "UpSampling2D"
                if keras is not None:
                    for up in keras.upstream(failing_layer):
                        if type(up).__name__ in UPSAMPLING_CLASSES:
                            layer, layer_class = up.name, type(up).__name__
                            break
        shape_ops, reads = found["shape_ops"]
        read_names = ", ".join(tracer.tensor(r).name for r in reads)
        shape_text = tuple(f"{op_kind(o)} {tracer.tensor(o.outputs[0]).name}" for o in shape_ops if o.outputs)
        detail = (
            f"RESHAPE {tensor.name} takes its target shape from {tracer.tensor(op.inputs[1]).name}, computed at "
            f"run time" + (f" from SHAPE({read_names})" if read_names else "")
        )
        if found.get("target"):
            detail += f" = {found['target']}"
        lost = found.get("lost") or {}
        if lost:
            fixed = ", ".join(f"dim {k} = {v}" for k, v in lost.items())
            detail += f"; the target fixes {fixed}, yet the converter recorded ? there"
    else:
        detail = found.get("note", "")
    return Origin(
        found["kind"],
        tensor.name,
        type_text(tensor),
        op_kind(op),
        dims,
        layer=layer,
        layer_class=layer_class,
        pattern=pattern,
        detail=detail,
        shape_computation=shape_text,
        chain=chain,
    )


def _upsampling_pattern(tracer: Tracer, reshape: Operator) -> list[str]:
    """["EXPAND_DIMS", "TILE", "RESHAPE"] when the RESHAPE repeats elements as UpSampling does."""
    data = reshape.inputs[0] if reshape.inputs else -1
    tile = tracer.producer(data)
    if tile is None or op_kind(tile) != "TILE":
        return []
    expand = tracer.producer(tile.inputs[0]) if tile.inputs else None
    if expand is None or op_kind(expand) != "EXPAND_DIMS":
        return []
    return ["EXPAND_DIMS", "TILE", "RESHAPE"]


def _keras_input_dims(
    keras: KerasContext, message: str, layer_class: str | None
) -> tuple[list[UnknownDim], list[Origin]]:
    """Without MLIR to trace: the Keras inputs' ``None`` dims, and which matter for this error."""
    unknown: list[UnknownDim] = []
    origins: list[Origin] = []
    rnn = bool(TENSOR_LIST.search(message)) or (layer_class in RNN_CLASSES)
    for name, shape in keras.inputs():
        dims = tuple(i for i, d in enumerate(shape) if d is None)
        if not dims:
            continue
        typ = "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"
        origins.append(
            Origin(
                "keras_input", name, typ, None, dims, detail=f"Keras input '{name}' has shape {typ}", input_name=name
            )
        )
        for d in dims:
            axis = axis_name(len(shape), d)
            if rnn:
                matters = d == 0
                reason = (
                    "recurrent layers keep a TensorList whose element shape is (batch, units): "
                    "the batch dim must be static"
                    if matters
                    else "the time dim may stay dynamic"
                )
            else:
                matters, reason = True, "the converter asks for a static shape"
            unknown.append(UnknownDim(-1, name, typ, d, axis, matters, reason, len(origins) - 1))
    return unknown, origins
