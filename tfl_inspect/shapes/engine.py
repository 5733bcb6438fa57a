"""The one shape and value engine: propagate shapes and small values through a subgraph.

Inputs get the shapes asked for (or their recorded signature), constants keep theirs, and
each op with a shape function computes its outputs from its operands. Small tensors
(constants, SHAPE outputs and arithmetic on them) are evaluated so that shapes computed at
run time resolve to numbers, and every element computed from a dim carries its provenance
(:class:`~tfl_inspect.shapes.types.Src`). Integer tensors also record which SHAPE ops feed
them. An op without a shape function keeps its recorded output shapes and never stops the
run; a broken shape function is recorded as a failure and its outputs become unknown.

:func:`result_for` is the cached entry point: lint (SHP001, DYN*), ``shapes``, ``graph
--input`` and the diagnosis all read the same result per subgraph and input shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..escape import text as esc
from .ops import SHAPE_FNS, CannotInferError, OpContext
from .types import (
    MAX_VALUE_ELEMENTS,
    PVal,
    Shape,
    ShapeError,
    ShapeFailure,
    ShapeResult,
    TensorStatus,
)

if TYPE_CHECKING:
    from ..model import Model, Operator, Subgraph, Tensor

__all__ = ["run", "result_for", "probe_for", "recorded_shape", "const_value", "CALLS"]

# Ops that run another subgraph on their operands: the option naming it.
CALLS = {"STABLEHLO_COMPOSITE": "decomposition_subgraph_index"}
_MAX_DEPTH = 8
_INT = frozenset({"INT32", "INT64"})

# Tests set this to surface shape-function bugs instead of degrading to "not inferred".
_STRICT = False


def recorded_shape(t: Tensor) -> Shape | None:
    """The recorded signature: -1 for unknown dims, None for an unknown rank."""
    return t.shape_signature if t.has_rank else None


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


def const_value(t: Tensor) -> PVal | None:
    """A small constant's value (None for large, sparse or unreadable data)."""
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
    return PVal.full(np.asarray(data).astype(_VALUE_TYPES[t.dtype]).reshape(t.shape))


def result_for(
    model: Model, s: int, given: Mapping[int, Shape] | None = None, signature: str | None = None
) -> ShapeResult:
    """The engine's result for subgraph ``s`` and these input shapes, computed once per model."""
    key = (s, tuple(sorted((given or {}).items())))
    cache = model._cache.setdefault("shape_results", {})
    res = cache.get(key)
    if res is None:
        res = cache[key] = run(model, s, dict(given or {}), signature)
    return res if res.signature == signature else replace(res, signature=signature)


def _markers(n: int) -> list[int]:
    """``n`` distinct primes above 40000: unlike any real dim, and four of them still fit in int64."""
    out: list[int] = []
    k = 40001
    while len(out) < n:
        if all(k % d for d in range(3, int(k**0.5) + 1, 2)):
            out.append(k)
        k += 2
    return out


def probe_for(model: Model, s: int) -> tuple[ShapeResult, dict[int, tuple[int, int]]]:
    """Dim provenance: the engine run with every unknown input dim set to its own marker prime.

    A tensor dim equal to a marker *is* that input dim (``markers[value] = (tensor, dim)``);
    a multiple of one was computed from it; a plain number is known statically although the
    file may record ``?``. Cached like :func:`result_for`.
    """
    cached = model._cache.get(f"shape_probe:{s}")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    sg = model.subgraphs[s]
    slots = [
        (i, d)
        for i in sg.inputs
        if (t := sg.tensor(i)) is not None and t.has_rank
        for d, size in enumerate(t.shape_signature)
        if size < 0
    ]
    values = _markers(len(slots))
    markers = dict(zip(values, slots, strict=True))
    given: dict[int, list[int]] = {}
    for value, (i, d) in markers.items():
        given.setdefault(i, list(sg.tensors[i].shape_signature))[d] = value
    res = result_for(model, s, {i: tuple(v) for i, v in given.items()})
    model._cache[f"shape_probe:{s}"] = (res, markers)
    return res, markers


def run(
    model: Model,
    s: int,
    given: Mapping[int, Shape],
    signature: str | None = None,
    *,
    _depth: int = 0,
) -> ShapeResult:
    """The propagation itself, for input shapes already resolved to tensor indices."""
    sg = model.subgraphs[s]
    n = len(sg.tensors)
    shapes: list[Shape | None] = [None] * n
    status = [TensorStatus.RECORDED] * n
    values: dict[int, PVal] = {}
    sources: dict[int, frozenset[int]] = {}
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
            v = const_value(t)
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
    tensors = sg.tensors
    for op in sg.operators:
        _track_sources(op, tensors, sources, n)
        fn = _custom_fn if op.is_custom else SHAPE_FNS.get(op.opcode)
        if not op.is_custom and op.opcode in CALLS:
            fn = _call_fn(model, _depth)
        outs = [o for o in op.outputs if 0 <= o < n]
        if fn is None:
            not_inferred.append(op.index)
            for o in outs:
                status[o] = TensorStatus.NOT_INFERRED
            continue
        ctx = OpContext(sg, op, shapes, values, model)
        try:
            result = list(fn(ctx))
        except CannotInferError:
            not_inferred.append(op.index)
            for o in outs:
                status[o] = TensorStatus.NOT_INFERRED
            continue
        except ShapeError as exc:
            failures.append(_failure(sg, op, exc, shapes))
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
                values[o] = _stamp(ctx.out_values[k], op.index)
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
        shape_sources=sources,
    )


def _custom_fn(ctx: OpContext) -> list[Any]:
    """A custom op whose options fix its outputs (:mod:`tfl_inspect.custom_ops`, e.g. MediaPipe's
    Convolution2DTransposeBias); anything the table has no rule for stays not inferred."""
    from .. import custom_ops

    shapes = [ctx.maybe_shape(i) for i in range(ctx.n_inputs)]
    out = custom_ops.infer_shapes(ctx.op.custom_code, shapes, ctx.op.custom_options)
    if out is None:
        raise CannotInferError
    return list(out)


def _track_sources(op: Operator, tensors: Any, sources: dict[int, frozenset[int]], n: int) -> None:
    """Integer outputs inherit the SHAPE ops behind their operands (a SHAPE op is its own)."""
    for o in op.outputs:
        if not 0 <= o < n or tensors[o].dtype not in _INT:
            continue
        if op.opcode == "SHAPE" and not op.is_custom:
            sources[o] = frozenset({op.index})
            continue
        acc: frozenset[int] = frozenset()
        for i in op.inputs:
            got = sources.get(i) if i >= 0 else None
            if got:
                acc |= got
        if acc:
            sources[o] = acc


def _stamp(v: PVal, op: int) -> PVal:
    """The op that computed a value joins the provenance of every element that has one."""
    if v.src is None:
        return v
    flat = v.src.reshape(-1)
    out = np.empty(flat.shape, dtype=object)
    for k, s in enumerate(flat.tolist()):
        out[k] = None if s is None else s.via(op)
    return PVal(v.data, v.mask, out.reshape(v.src.shape))


def _call_fn(model: Model, depth: int) -> Any:
    """A shape function that infers through the called subgraph with the operands' shapes as inputs."""

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
        res = run(model, target, given, _depth=depth + 1)
        if res.failure is not None:
            name = op.options.get("name")
            label = f" ({esc(str(name))})" if name else ""
            raise ShapeError(
                f"{label} fails inside its subgraph {target}: {res.failure.message}".lstrip(),
                runtime_checks=res.failure.runtime_checks,
            )
        return [res.shapes[o] if 0 <= o < len(sub.tensors) else None for o in sub.outputs]

    return call


def _failure(sg: Subgraph, op: Operator, exc: ShapeError, shapes: list[Shape | None]) -> ShapeFailure:
    n = len(sg.tensors)
    return ShapeFailure(
        subgraph=sg.index,
        op=op.index,
        opcode=op.opcode,
        message=f"{op.opcode} #{op.index} {exc.message}",
        inputs=tuple((i, shapes[i] if 0 <= i < n else None) for i in op.inputs),
        outputs=tuple((o, recorded_shape(sg.tensors[o]) if 0 <= o < n else None) for o in op.outputs),
        hint=exc.hint,
        runtime_checks=exc.runtime_checks,
    )
