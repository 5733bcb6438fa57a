"""The shape-inference API: name inputs and signatures, run the engine, judge recorded shapes.

The propagation itself is :mod:`tfl_inspect.shapes.engine`; this module turns user-facing
names (signature inputs, tensor names) into tensor indices, attaches advice to failures
(:mod:`.explain`) and answers SHP001's question: which recorded shapes contradict an op.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..escape import text as esc
from . import engine
from .engine import const_value, recorded_shape, result_for
from .explain import hint_for
from .ops import SHAPE_FNS, CannotInferError, OpContext
from .types import OpCheck, PVal, Shape, ShapeError, ShapeResult, format_dims, format_shape

if TYPE_CHECKING:
    from ..model import Model, Signature, Subgraph

__all__ = [
    "infer_shapes",
    "check_op",
    "check_ops",
    "parse_shape",
    "select_subgraph",
    "resolve_inputs",
    "recorded_shape",
    "explained",
    "OutputRow",
    "outputs",
    "size_warnings",
    "require_known_dims",
]

InputSpec = Mapping[Any, Sequence[int] | str] | None  # keys: input name (str) or tensor index


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


def select_subgraph(model: Model, signature: str | None) -> tuple[int, Signature | None]:
    """The signature's subgraph; default: the first signature's, or subgraph 0."""
    if signature is not None:
        sig = model.require_signature(signature)
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


def infer_shapes(
    model: Model,
    inputs: InputSpec = None,
    signature: str | None = None,
) -> ShapeResult:
    """Every tensor's shape in the signature's subgraph for the given input shapes.

    ``inputs`` maps a signature input name, tensor name or tensor index to a shape
    (``(1, 128, 128, 3)`` or ``"1x128x128x3"``); inputs not given keep their recorded
    signature (-1 = unknown). Raises :class:`~tfl_inspect.errors.UsageError` for an
    unknown signature or input, or a shape of the wrong rank. The result is the engine's
    cached one (see :func:`~tfl_inspect.shapes.engine.result_for`) with advice attached.
    """
    s, sig = select_subgraph(model, signature)
    sg = model.subgraphs[s]
    given = resolve_inputs(model, sg, sig, inputs)
    return explained(model, s, given, sig.key if sig else None)


def explained(model: Model, s: int, given: Mapping[int, Shape], signature: str | None = None) -> ShapeResult:
    """The cached engine result, its failures carrying advice on what would work instead."""
    res = result_for(model, s, given, signature)
    if not res.failures or all(f.hint is not None for f in res.failures):
        return res
    sg = model.subgraphs[s]
    failures = tuple(
        f
        if f.hint is not None
        else replace(f, hint=hint_for(model, sg, sg.operators[f.op], res.shapes, given, res.changed_inputs))
        for f in res.failures
    )
    return replace(res, failures=failures)


def check_op(model: Model, subgraph: int, op: int | Any) -> str | None:
    """A plain-words violation for one op, judged from recorded shapes and constant data.

    Returns None when the op has no rule, its rule is satisfied, or the record is too
    incomplete to tell. Used by lint (SHP001) for single ops; see :func:`check_ops`.
    """
    sg = model.subgraphs[subgraph]
    operator = sg.operators[op] if isinstance(op, int) else op
    fn = None if operator.is_custom else SHAPE_FNS.get(operator.opcode)
    if fn is None:
        return None
    n = len(sg.tensors)
    shapes: list[Shape | None] = [None] * n
    values: dict[int, PVal] = {}
    for i in operator.inputs:
        if 0 <= i < n:
            t = sg.tensors[i]
            shapes[i] = recorded_shape(t)
            v = const_value(t)
            if v is not None:
                values[i] = v
    try:
        result = list(fn(OpContext(sg, operator, shapes, values)))
    except CannotInferError:
        return None
    except ShapeError as exc:
        return f"{operator.opcode} #{operator.index} {exc.message}"
    except Exception:
        if engine._STRICT:
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
        res_k = result[k]
        if res_k is None:
            continue
        rec, got = t.shape_signature, tuple(res_k)
        if len(rec) != len(got) or any(a >= 0 and b >= 0 and a != b for a, b in zip(rec, got, strict=False)):
            where = (
                f"rank {len(rec)}, not {len(got)}"
                if len(rec) != len(got)
                else "; ".join(
                    f"dim {i} is {a}, not {b}"
                    for i, (a, b) in enumerate(zip(rec, got, strict=True))
                    if 0 <= a != b >= 0
                )
            )
            return (
                f"{op.opcode} #{op.index} records output {k} as {format_dims(rec)}, but its "
                f"operands give {format_dims(got)} ({where})"
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
        res = result_for(model, s)
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


_AXES = {4: "NHWC", 3: "NTC"}


def require_known_dims(model: Model, sg: Subgraph, sig: Signature | None, given: Mapping[int, Shape]) -> None:
    """UsageError naming every input whose non-batch dims are still unknown, and the dims to give.

    Without them the interpreter allocates the recorded size (1), so a check would judge a
    size nobody feeds; an unknown batch alone is fine (it stays ``?``).
    """
    names = {i: n for n, i in sig.inputs.items()} if sig else {}
    problems = []
    for i in sg.inputs:
        t = sg.tensor(i)
        if t is None or not t.has_rank:
            continue
        shape = given.get(i, t.shape_signature)
        missing = [d for d, size in enumerate(shape) if size < 0 and d > 0]
        if not missing:
            continue
        letters = _AXES.get(len(shape), "")
        label = [letters[d] if letters else f"D{d}" for d in range(len(shape))]
        what = ", ".join(label[d] for d in missing) if letters else "dim " + ", ".join(map(str, missing))
        example = "x".join(("1" if d == 0 else label[d]) if size < 0 else str(size) for d, size in enumerate(shape))
        key = names.get(i) or t.name or str(i)
        where = (f"signature {esc(sig.key)!r}, " if sig and i in names else "") + f"tensor #{i} {esc(t.name)!r}"
        problems.append(
            f"input {esc(key)!r} ({where}) has unknown {what} in {format_shape(shape)}: "
            f"give {'them' if len(missing) > 1 else 'it'}, e.g. --input {esc(key)}={example}"
        )
    if problems:
        raise UsageError("; ".join(problems))


@dataclass(frozen=True, slots=True)
class OutputRow:
    """One subgraph output: its recorded signature and what the engine inferred for these inputs."""

    index: int
    name: str
    signature_name: str | None
    recorded: Shape | None
    inferred: Shape | None

    @property
    def changed(self) -> bool:
        """A dim recorded as a number comes out as another number (or the rank differs)."""
        if self.recorded is None or self.inferred is None:
            return False
        if len(self.recorded) != len(self.inferred):
            return True
        return any(0 <= r != i >= 0 for r, i in zip(self.recorded, self.inferred, strict=True))


def outputs(result: ShapeResult) -> list[OutputRow]:
    """Every output of the result's subgraph, recorded → inferred (the head of every verdict)."""
    model = result.model
    sg = model.subgraphs[result.subgraph]
    names: dict[int, str] = {}
    sig = model.signature(result.signature) if result.signature else None
    if sig is not None:
        names = {i: n for n, i in sig.outputs.items()}
    rows = []
    for i in sg.outputs:
        t = sg.tensor(i)
        if t is None:
            continue
        rows.append(OutputRow(i, t.name, names.get(i), recorded_shape(t), result.shapes[i]))
    return rows


def size_warnings(result: ShapeResult) -> list[str]:
    """Outputs whose size changes although every op takes the shapes (escaped text)."""
    if not result.ok:
        return []
    out = []
    for row in outputs(result):
        if row.changed:
            who = esc(row.signature_name) if row.signature_name else f"#{row.index} {esc(row.name)}"
            out.append(
                f"output {who} changes size: recorded {format_shape(row.recorded)}, "
                f"now {format_shape(row.inferred)} — code that assumes the recorded size must follow"
            )
    return out
