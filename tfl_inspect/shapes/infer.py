"""Propagate shapes through one subgraph in execution order, following small values.

Inputs get the shapes asked for (or their recorded signature), constants keep theirs,
and each op with a rule computes its outputs from its operands. Small integer tensors
(constants, SHAPE outputs and arithmetic on them) are evaluated so that shapes computed
at run time resolve to numbers. An op without a rule keeps its recorded output shapes and
never stops the run; a broken rule is recorded as a failure and its outputs become unknown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import UsageError
from ..escape import text as esc
from .rules import RULES, CannotInferError, OpContext
from .types import (
    MAX_VALUE_ELEMENTS,
    OpCheck,
    PVal,
    Shape,
    ShapeError,
    ShapeFailure,
    ShapeResult,
    TensorStatus,
    format_dims,
)

if TYPE_CHECKING:
    from ..model import Model, Signature, Subgraph, Tensor

__all__ = [
    "infer_shapes",
    "check_op",
    "check_ops",
    "parse_shape",
    "select_subgraph",
    "resolve_inputs",
    "recorded_shape",
]

InputSpec = Mapping[str | int, Sequence[int] | str] | None


def parse_shape(spec: str | Sequence[int]) -> Shape:
    """``1x128x128x3``, ``1,128,128,3``, ``[1, 128]`` or a sequence; ``?``/-1 = unknown."""
    if not isinstance(spec, str):
        try:
            dims = tuple(int(d) for d in spec)
        except (TypeError, ValueError):
            raise UsageError(f"not a shape: {esc(repr(spec))}") from None
    else:
        body = spec.strip().strip("[]()").strip()
        if body in ("", "scalar"):
            return ()
        parts = [p.strip() for p in re.split(r"[x×,\s]+", body) if p.strip()]
        try:
            dims = tuple(-1 if p in ("?", "None", "-1") else int(p) for p in parts)
        except ValueError:
            raise UsageError(f"not a shape: {esc(spec)!r} (write dims like 1x128x128x3 or 1,128,128,3)") from None
    if any(d < -1 for d in dims):
        raise UsageError(f"shape {format_dims(dims)} has a negative dim")
    return dims


def recorded_shape(t: Tensor) -> Shape | None:
    """The recorded signature: -1 for unknown dims, None for an unknown rank."""
    return t.shape_signature if t.has_rank else None


def select_subgraph(model: Model, signature: str | None) -> tuple[int, Signature | None]:
    """The signature's subgraph; default: the first signature's, or subgraph 0."""
    if signature is not None:
        sig = model.signature(signature)
        if sig is None:
            known = ", ".join(esc(s.key) for s in model.signatures) or "none"
            raise UsageError(f"no signature {esc(signature)!r} in this model (signatures: {known})")
        if not 0 <= sig.subgraph < len(model.subgraphs):
            raise UsageError(f"signature {esc(signature)!r} names missing subgraph {sig.subgraph}")
        return sig.subgraph, sig
    if not model.subgraphs:
        raise UsageError("the model has no subgraphs")
    for sig in model.signatures:
        if 0 <= sig.subgraph < len(model.subgraphs):
            return sig.subgraph, sig
    return 0, None


def _input_names(model: Model, sg: Subgraph, sig: Signature | None) -> list[str]:
    names = list(sig.inputs) if sig else []
    names += [sg.tensors[i].name for i in sg.inputs if 0 <= i < len(sg.tensors)]
    return names


def resolve_inputs(model: Model, sg: Subgraph, sig: Signature | None, inputs: InputSpec) -> dict[int, Shape]:
    """Map ``{signature name | tensor name | tensor index: shape}`` to subgraph input indices."""
    if not inputs:
        return {}
    graph_inputs = [i for i in sg.inputs if 0 <= i < len(sg.tensors)]
    by_sig = dict(sig.inputs) if sig else {}
    by_name: dict[str, int] = {}
    for i in graph_inputs:
        by_name.setdefault(sg.tensors[i].name, i)
    out: dict[int, Shape] = {}
    for key, spec in inputs.items():
        idx: int | None = None
        if isinstance(key, int) and not isinstance(key, bool):
            idx = key
        elif isinstance(key, str):
            if key in by_sig:
                idx = by_sig[key]
            elif key in by_name:
                idx = by_name[key]
            elif key.lstrip("-").isdigit():
                idx = int(key)
        if idx is None or idx not in graph_inputs:
            names = ", ".join(esc(n) for n in dict.fromkeys(_input_names(model, sg, sig))) or "none"
            raise UsageError(
                f"no input {esc(str(key))!r} in subgraph {sg.index} (inputs: {names}; "
                f"or a tensor index: {', '.join(map(str, graph_inputs)) or 'none'})"
            )
        if idx in out:
            raise UsageError(f"input {esc(str(key))!r} is given twice")
        shape = parse_shape(spec)
        t = sg.tensors[idx]
        if t.has_rank and len(shape) != len(t.shape_signature):
            raise UsageError(
                f"input {esc(str(key))!r} has rank {len(t.shape_signature)} "
                f"(recorded {format_dims(t.shape_signature)}); {format_dims(shape)} has {len(shape)} dims"
            )
        out[idx] = shape
    return out


def _const_value(t: Tensor) -> PVal | None:
    if not t.is_constant or not t.has_rank or t.sparsity is not None:
        return None
    n = 1
    for d in t.shape:
        n *= d
    if n > MAX_VALUE_ELEMENTS or t.dtype not in _VALUE_TYPES:
        return None
    try:
        data = t.data()
    except Exception:
        return None
    if data is None or data.size != n:
        return None
    kind = _VALUE_TYPES[t.dtype]
    return PVal.full(np.asarray(data).astype(kind).reshape(t.shape))


_VALUE_TYPES = {
    "INT32": np.int64,
    "INT64": np.int64,
    "INT16": np.int64,
    "INT8": np.int64,
    "UINT8": np.int64,
    "UINT16": np.int64,
    "UINT32": np.int64,
    "BOOL": np.bool_,
    "FLOAT32": np.float64,
    "FLOAT64": np.float64,
}


def infer_shapes(
    model: Model,
    inputs: InputSpec = None,
    signature: str | None = None,
) -> ShapeResult:
    """Every tensor's shape in the signature's subgraph for the given input shapes.

    ``inputs`` maps a signature input name, tensor name or tensor index to a shape
    (``(1, 128, 128, 3)`` or ``"1x128x128x3"``); inputs not given keep their recorded
    signature (-1 = unknown). Raises :class:`~tfl_inspect.errors.UsageError` for an
    unknown signature or input, or a shape of the wrong rank.
    """
    s, sig = select_subgraph(model, signature)
    sg = model.subgraphs[s]
    given = resolve_inputs(model, sg, sig, inputs)
    return run(model, s, given, sig.key if sig else None)


def run(
    model: Model,
    s: int,
    given: Mapping[int, Shape],
    signature: str | None = None,
    *,
    explain: bool = True,
    _depth: int = 0,
) -> ShapeResult:
    """The propagation itself, for input shapes already resolved to tensor indices."""
    sg = model.subgraphs[s]
    n = len(sg.tensors)
    shapes: list[Shape | None] = [None] * n
    status = [TensorStatus.RECORDED] * n
    values: dict[int, PVal] = {}
    graph_inputs = {i for i in sg.inputs if 0 <= i < n}
    used: dict[int, Shape | None] = {}
    for t in sg.tensors:
        if t.index in graph_inputs:
            shapes[t.index] = given.get(t.index, recorded_shape(t))
            status[t.index] = TensorStatus.INPUT
            used[t.index] = shapes[t.index]
        elif t.is_constant:
            shapes[t.index] = t.shape if t.has_rank else None
            status[t.index] = TensorStatus.CONSTANT
            v = _const_value(t)
            if v is not None:
                values[t.index] = v
        else:
            shapes[t.index] = recorded_shape(t)

    inferred: list[int] = []
    not_inferred: list[int] = []
    failures: list[ShapeFailure] = []
    changed = tuple(
        i
        for i, shp in given.items()
        if shp is not None
        and sg.tensors[i].has_rank
        and any(r >= 0 and d != r for d, r in zip(shp, sg.tensors[i].shape_signature, strict=False))
    )
    for op in sg.operators:
        fn = None if op.is_custom else RULES.get(op.opcode)
        if not op.is_custom and op.opcode in CALLS:
            fn = _call_rule(model, _depth)
        outs = [o for o in op.outputs if 0 <= o < n]
        if fn is None:
            not_inferred.append(op.index)
            for o in outs:
                status[o] = TensorStatus.NOT_INFERRED
            continue
        ctx = OpContext(sg, op, shapes, values)
        try:
            result = list(fn(ctx))
        except CannotInferError:
            not_inferred.append(op.index)
            for o in outs:
                status[o] = TensorStatus.NOT_INFERRED
            continue
        except ShapeError as exc:
            failures.append(_failure(model, sg, op, exc, shapes, given, changed, explain))
            for o in outs:
                rec = recorded_shape(sg.tensors[o])
                shapes[o] = None if rec is None else (-1,) * len(rec)
                status[o] = TensorStatus.FAILED
            continue
        except Exception:
            if _STRICT:
                raise
            not_inferred.append(op.index)
            for o in outs:
                status[o] = TensorStatus.NOT_INFERRED
            continue
        inferred.append(op.index)
        for k, o in enumerate(op.outputs):
            if not 0 <= o < n or k >= len(result):
                continue
            if result[k] is None:
                status[o] = TensorStatus.NOT_INFERRED
                continue
            shapes[o] = tuple(int(d) for d in result[k])
            status[o] = TensorStatus.INFERRED
            if k in ctx.out_values:
                values[o] = ctx.out_values[k]
            else:
                values.pop(o, None)
    return ShapeResult(
        model=model,
        subgraph=s,
        signature=signature,
        inputs=used,
        shapes=tuple(shapes),
        status=tuple(status),
        values=values,
        inferred_ops=tuple(inferred),
        not_inferred_ops=tuple(not_inferred),
        failures=tuple(failures),
        changed_inputs=changed,
    )


# Tests set this to surface rule bugs instead of degrading to "not inferred".
_STRICT = False

# Ops that run another subgraph on their operands: the option naming it.
CALLS = {"STABLEHLO_COMPOSITE": "decomposition_subgraph_index"}
_MAX_DEPTH = 8


def _call_rule(model: Model, depth: int) -> Any:
    """A rule that infers through the called subgraph with the operands' shapes as inputs."""

    def call(ctx: OpContext) -> list[Shape | None]:
        op = ctx.op
        target = op.called_subgraphs.get(CALLS[op.opcode])
        if not isinstance(target, int) or not 0 <= target < len(model.subgraphs) or depth >= _MAX_DEPTH:
            raise CannotInferError
        sub = model.subgraphs[target]
        if len(op.inputs) != len(sub.inputs):
            raise ShapeError(f"passes {len(op.inputs)} operands to subgraph {target}, which takes {len(sub.inputs)}")
        given = {}
        for k, (si, oi) in enumerate(zip(sub.inputs, op.inputs, strict=True)):
            shp = ctx.maybe_shape(k) if oi >= 0 else None
            if shp is not None and 0 <= si < len(sub.tensors):
                given[si] = shp
        res = run(model, target, given, explain=False, _depth=depth + 1)
        if res.failure is not None:
            name = op.options.get("name")
            label = f" ({esc(str(name))})" if name else ""
            raise ShapeError(
                f"{label} fails inside its subgraph {target}: {res.failure.message}".lstrip(),
                runtime_checks=res.failure.runtime_checks,
            )
        return [res.shapes[o] if 0 <= o < len(sub.tensors) else None for o in sub.outputs]

    return call


def _failure(
    model: Model,
    sg: Subgraph,
    op: Any,
    exc: ShapeError,
    shapes: Sequence[Shape | None],
    given: Mapping[int, Shape],
    changed: tuple[int, ...],
    explain: bool,
) -> ShapeFailure:
    hint = exc.hint
    if hint is None and explain:
        from .explain import hint_for

        hint = hint_for(model, sg, op, shapes, given, changed)
    n = len(sg.tensors)
    return ShapeFailure(
        subgraph=sg.index,
        op=op.index,
        opcode=op.opcode,
        message=f"{op.opcode} #{op.index} {exc.message}",
        inputs=tuple((i, shapes[i] if 0 <= i < n else None) for i in op.inputs),
        outputs=tuple((o, recorded_shape(sg.tensors[o]) if 0 <= o < n else None) for o in op.outputs),
        hint=hint,
        runtime_checks=exc.runtime_checks,
    )


def check_op(model: Model, subgraph: int, op: int | Any) -> str | None:
    """A plain-words violation for one op, judged from recorded shapes and constant data.

    Returns None when the op has no rule, its rule is satisfied, or the record is too
    incomplete to tell. Used by lint (SHP001) for single ops; see :func:`check_ops`.
    """
    sg = model.subgraphs[subgraph]
    operator = sg.operators[op] if isinstance(op, int) else op
    fn = None if operator.is_custom else RULES.get(operator.opcode)
    if fn is None:
        return None
    n = len(sg.tensors)
    shapes: list[Shape | None] = [None] * n
    values: dict[int, PVal] = {}
    for i in operator.inputs:
        if 0 <= i < n:
            t = sg.tensors[i]
            shapes[i] = recorded_shape(t)
            v = _const_value(t)
            if v is not None:
                values[i] = v
    try:
        result = list(fn(OpContext(sg, operator, shapes, values)))
    except CannotInferError:
        return None
    except ShapeError as exc:
        return f"{operator.opcode} #{operator.index} {exc.message}"
    except Exception:
        if _STRICT:
            raise
        return None
    return _conflict(sg, operator, result)


def _conflict(sg: Subgraph, op: Any, result: Sequence[Shape | None]) -> str | None:
    """A recorded output shape that contradicts the rule's (both fully stated)."""
    for k, o in enumerate(op.outputs):
        if not 0 <= o < len(sg.tensors) or k >= len(result):
            continue
        t = sg.tensors[o]
        if not t.has_rank:
            continue
        if result[k] is None:
            continue
        rec, got = t.shape_signature, tuple(result[k])
        if len(rec) != len(got) or any(a >= 0 and b >= 0 and a != b for a, b in zip(rec, got, strict=False)):
            return (
                f"{op.opcode} #{op.index} records output {k} as {format_dims(rec)}, but its "
                f"operands give {format_dims(got)}"
            )
    return None


def check_ops(model: Model, subgraph: int | None = None) -> list[OpCheck]:
    """Every op of a subgraph (default: all) whose recorded shapes break its rule.

    Shapes are propagated from the recorded input signatures, so run-time shape chains
    are followed; unknown dims never count as a violation.
    """
    targets = range(len(model.subgraphs)) if subgraph is None else [subgraph]
    found: list[OpCheck] = []
    for s in targets:
        res = run(model, s, {}, explain=False)
        failed = {f.op: f for f in res.failures}
        inferred = set(res.inferred_ops)
        sg = model.subgraphs[s]
        for op in sg.operators:
            if op.index in failed:
                found.append(OpCheck(s, op.index, op.opcode, failed[op.index].message))
                continue
            if op.index not in inferred:
                continue
            outs = [res.shapes[o] if 0 <= o < len(sg.tensors) else None for o in op.outputs]
            msg = _conflict(sg, op, outs)
            if msg:
                found.append(OpCheck(s, op.index, op.opcode, msg))
    return found
