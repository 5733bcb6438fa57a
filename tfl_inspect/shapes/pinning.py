"""Inputs that are dynamic in name only: dims recorded as ``-1`` that the graph fixes.

A converter records an input dim as dynamic when the source said so (``dynamic_shapes`` in
litert-torch, ``None`` in a Keras input, a symbolic ONNX dim), but an op may still have been fixed
at the size of the sample the model was traced with: a resize to a constant size, a constant
operand the input must match, a reshape to constant dims. LiteRT then fails to prepare the op
for any other size, and at the recorded ``shape`` (1 in every dynamic dim) too.

The engine finds them: it runs the subgraph with each dynamic dim set to its own marker prime
(:func:`~tfl_inspect.shapes.engine.probe_for`); where an op fails, the dims whose markers reach
the mismatching operand are found by moving one marker at a time, and the sizes that satisfy the
op are found by trying the sizes around ``constant × marker / operand dim`` (what a chain of
strides and scale factors maps back to). This repeats until the engine runs clean, or gives up.
Runs are cheap for models of that kind, and none is made for a model whose dims all check out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .engine import _markers, probe_for, run
from .types import Shape, ShapeFailure, ShapeResult

if TYPE_CHECKING:
    from ..model import Model

__all__ = ["Pin", "Pinned", "pinned", "recorded_failure"]

_MAX_RUNS = 60  # engine runs spent on one subgraph, at most
_WINDOW = 2  # sizes tried on each side of the estimate, beyond the stride ratio


@dataclass(frozen=True, slots=True)
class Pin:
    """One input dim the graph fixes: the sizes that pass ``op`` (the first op that fails at
    another size) and ``pinning_op``, where the size stopped following the input (None when a
    constant operand fixes it: ``constant`` is then that tensor)."""

    tensor: int  # the subgraph input
    dim: int
    sizes: tuple[int, ...]  # accepted sizes, ascending (usually one)
    op: int  # the op that fails at any other size
    pinning_op: int | None  # the op whose output no longer follows the input (a resize to a constant size)
    constant: int | None  # or the constant operand that fixes it (for a RESHAPE: its constant target)
    static_operand: int  # the failing op's operand whose size the dim must match


@dataclass(frozen=True, slots=True)
class Pinned:
    """What the graph fixes in one subgraph's dynamic inputs."""

    subgraph: int
    pins: tuple[Pin, ...]
    free: tuple[tuple[int, int], ...]  # dynamic (tensor, dim) pairs that still vary
    unresolved: ShapeFailure | None  # a failure no accepted size was found for
    at_recorded_shape: ShapeFailure | None  # what fails at the recorded ``shape`` (1 in each dynamic dim)


def _dynamic(model: Model, s: int) -> list[tuple[int, int]]:
    sg = model.subgraphs[s]
    return [
        (i, d)
        for i in sg.inputs
        if (t := sg.tensor(i)) is not None and t.has_rank
        for d, size in enumerate(t.shape_signature)
        if size < 0
    ]


def recorded_failure(model: Model, s: int) -> ShapeFailure | None:
    """The first op that fails when the subgraph's dynamic inputs keep their recorded ``shape``
    (what ``allocate_tensors()`` prepares before any resize), or None."""
    from .engine import result_for

    sg = model.subgraphs[s]
    given = {
        i: t.shape
        for i in sg.inputs
        if (t := sg.tensor(i)) is not None
        and t.has_rank
        and -1 in t.shape_signature
        and len(t.shape) == len(t.shape_signature)
    }
    if not given:
        return None
    failure = result_for(model, s, given).failure
    return failure if failure is not None and failure.runtime_checks else None


class _Runner:
    """Engine runs with some dims set: the budget and the input shapes they start from."""

    def __init__(self, model: Model, s: int, dims: list[tuple[int, int]]) -> None:
        self.model, self.s, self.runs = model, s, 0
        sg = model.subgraphs[s]
        self.base = {i: list(sg.tensors[i].shape_signature) for i, _ in dims}

    def __call__(self, values: Mapping[tuple[int, int], int]) -> ShapeResult | None:
        if self.runs >= _MAX_RUNS:
            return None
        self.runs += 1
        given: dict[int, list[int]] = {i: list(v) for i, v in self.base.items()}
        for (i, d), size in values.items():
            given[i][d] = size
        shapes: dict[int, Shape] = {i: tuple(v) for i, v in given.items()}
        return run(self.model, self.s, shapes)


def _first(res: ShapeResult) -> ShapeFailure | None:
    return next((f for f in res.failures if f.runtime_checks), None)


def _operand_shapes(res: ShapeResult, failure: ShapeFailure) -> list[Shape | None]:
    return [res.shapes[i] if i >= 0 else None for i, _ in failure.inputs]


def pinned(model: Model, s: int) -> Pinned | None:
    """What fixes the dynamic input dims of subgraph ``s``; None when nothing does (as far as the
    engine sees) or the subgraph has no dynamic inputs. Cached per model."""
    key = f"pinned:{s}"
    if key in model._cache:
        return model._cache[key]  # type: ignore[no-any-return]
    found = _pinned(model, s)
    model._cache[key] = found
    return found


def _pinned(model: Model, s: int) -> Pinned | None:
    dims = _dynamic(model, s)
    if not dims:
        return None
    probe, markers = probe_for(model, s)
    first = _first(probe)
    if first is None:
        return None
    values = {dim: m for m, dim in markers.items()}
    alt = dict(zip(dims, _markers(2 * len(dims))[len(dims) :], strict=True))
    runner = _Runner(model, s, dims)
    pins: list[Pin] = []
    unresolved: ShapeFailure | None = None
    failure: ShapeFailure | None = first
    current: ShapeResult | None = probe
    while failure is not None and current is not None:
        coupled = _couple(current, failure, values, {(p.tensor, p.dim) for p in pins})
        if coupled is not None:  # two dynamic dims that must be equal (two inputs' batch): one marker for both
            values[coupled[1]] = values[coupled[0]]
            current = runner(values)
            failure = None if current is None else _first(current)
            continue
        pin = _solve(model, s, runner, current, failure, values, alt, {(p.tensor, p.dim) for p in pins})
        current = None if pin is None else runner({**values, (pin.tensor, pin.dim): pin.sizes[-1]})
        if pin is None or current is None:  # nothing lets this op through, or out of budget
            unresolved = failure
            break
        pins.append(pin)
        values[(pin.tensor, pin.dim)] = pin.sizes[-1]
        failure = _first(current)
    if not pins:
        return None  # nothing pinned that the engine can name: DYN rules and SHP001 speak for the rest
    fixed = {(p.tensor, p.dim) for p in pins}
    return Pinned(s, tuple(pins), tuple(d for d in dims if d not in fixed), unresolved, recorded_failure(model, s))


def _couple(
    current: ShapeResult, failure: ShapeFailure, values: dict[tuple[int, int], int], done: set[tuple[int, int]]
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Two free dims whose markers meet, unchanged, on one axis of the failing op's operands."""
    by_marker = {v: d for d, v in values.items() if d not in done}
    shapes = [s for s in _operand_shapes(current, failure) if s is not None]
    for k, a in enumerate(shapes):
        for b in shapes[k + 1 :]:
            if len(a) != len(b):
                continue
            for x, y in zip(a, b, strict=True):
                if x != y and x in by_marker and y in by_marker:
                    return by_marker[x], by_marker[y]
    return None


def _solve(
    model: Model,
    s: int,
    runner: _Runner,
    current: ShapeResult,
    failure: ShapeFailure,
    values: dict[tuple[int, int], int],
    alt: dict[tuple[int, int], int],
    done: set[tuple[int, int]],
) -> Pin | None:
    """The dim that makes ``failure`` happen and the sizes that let its op through."""
    base = _operand_shapes(current, failure)
    if failure.opcode == "RESHAPE":
        return _solve_reshape(model, s, runner, failure, base, values, alt, done)
    everything = runner({**values, **{d: v for d, v in alt.items() if d not in done}})
    if everything is None:
        return None
    still = _operand_shapes(everything, failure)  # what no dynamic dim reaches stays put here
    for dim, moved_value in alt.items():
        if dim in done:
            continue
        moved = runner({**values, dim: moved_value})
        if moved is None:
            return None
        after = _operand_shapes(moved, failure)
        for slot, (shape, shape2) in enumerate(zip(base, after, strict=True)):
            if shape is None or shape2 is None or len(shape) != len(shape2):
                continue
            for axis, (v, v2) in enumerate(zip(shape, shape2, strict=True)):
                if v == v2 or v <= 0:
                    continue  # this operand dim does not follow ``dim``
                target = _counterpart(base, still, slot, axis)
                if target is None:
                    continue
                static_slot, c = target
                sizes = _sizes(runner, values, dim, v, c, _on_axis(failure.inputs[slot][0], axis))
                if sizes:
                    static = failure.inputs[static_slot][0]
                    pinning_op, constant = _pinning(model, s, current, moved, static)
                    return Pin(dim[0], dim[1], sizes, failure.op, pinning_op, constant, static)
    return None


def _counterpart(base: list[Shape | None], after: list[Shape | None], slot: int, axis: int) -> tuple[int, int] | None:
    """Another operand of the same rank whose size on ``axis`` stays put when every marker moves."""
    rank = len(base[slot] or ())
    for other, (shape, shape2) in enumerate(zip(base, after, strict=True)):
        if other == slot or shape is None or shape2 is None or len(shape) != rank:
            continue
        if shape[axis] == shape2[axis] and shape[axis] > 0:
            return other, shape[axis]
    return None


def _sizes(
    runner: _Runner,
    values: dict[tuple[int, int], int],
    dim: tuple[int, int],
    v: int,
    c: int,
    measure: Callable[[ShapeResult], int | None],
) -> tuple[int, ...]:
    """The input sizes that make ``measure`` (an operand's size on an axis, or its element count)
    equal ``c``: tried around ``c × marker / v``, where ``v`` is what the marker gave."""
    marker = values[dim]
    ratio = marker / v
    estimate = round(c * ratio)
    reach = math.ceil(ratio) + _WINDOW
    ok: list[int] = []
    for size in range(max(1, estimate - reach), estimate + reach + 1):
        res = runner({**values, dim: size})
        if res is None:
            break
        if measure(res) == c:
            ok.append(size)
    return tuple(ok)


def _on_axis(tensor: int, axis: int) -> Callable[[ShapeResult], int | None]:
    """A tensor's size on one axis in a run."""

    def measure(res: ShapeResult) -> int | None:
        shape = res.shapes[tensor]
        return shape[axis] if shape is not None and len(shape) > axis else None

    return measure


def _numel(shape: Shape | None) -> int | None:
    return math.prod(shape) if shape is not None and all(d >= 0 for d in shape) else None


def _solve_reshape(
    model: Model,
    s: int,
    runner: _Runner,
    failure: ShapeFailure,
    base: list[Shape | None],
    values: dict[tuple[int, int], int],
    alt: dict[tuple[int, int], int],
    done: set[tuple[int, int]],
) -> Pin | None:
    """A RESHAPE to a constant shape (no -1): the input's element count must equal the target's."""
    target = failure.outputs[0][1] if failure.outputs else None
    c = _numel(target)
    v = _numel(base[0]) if base else None
    if c is None or v is None or v == 0 or failure.inputs[0][0] < 0:
        return None
    data = failure.inputs[0][0]
    shape_operand = failure.inputs[1][0] if len(failure.inputs) > 1 else None
    for dim, moved_value in alt.items():
        if dim in done:
            continue
        moved = runner({**values, dim: moved_value})
        if moved is None:
            return None
        if _numel(moved.shapes[data]) == v:
            continue  # the element count does not follow this dim
        sizes = _sizes(runner, values, dim, v, c, lambda res: _numel(res.shapes[data]))
        if sizes:
            constant = shape_operand if shape_operand is not None and shape_operand >= 0 else None
            return Pin(dim[0], dim[1], sizes, failure.op, failure.op, constant, data)
    return None


def _pinning(
    model: Model, s: int, probe: ShapeResult, moved: ShapeResult, static: int
) -> tuple[int | None, int | None]:
    """Walk back from the operand that kept its size to where the input's size stopped reaching
    it: an op whose (non-constant) operand follows a marker while its result does not. A constant
    there fixes it itself."""
    sg = model.subgraphs[s]
    t = sg.tensor(static)
    if t is not None and t.is_constant:
        return None, static
    seen: set[int] = set()
    todo = [static]
    while todo:
        tensor = todo.pop(0)
        if tensor in seen:
            continue
        seen.add(tensor)
        op = sg.producer_op(tensor)
        if op is None:
            continue
        follows = [
            i
            for i in op.inputs
            if i >= 0
            and (x := sg.tensor(i)) is not None
            and not x.is_constant
            and probe.shapes[i] is not None
            and probe.shapes[i] != moved.shapes[i]
        ]
        if follows:
            return op.index, None
        todo.extend(i for i in op.inputs if i >= 0 and (x := sg.tensor(i)) is not None and not x.is_constant)
    return None, None
