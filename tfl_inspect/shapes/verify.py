"""Put the same input shapes to the official LiteRT interpreter and compare, tensor by tensor.

The interpreter runs in a child process (:mod:`tfl_inspect.runtime`): some models abort the
whole process inside ``allocate_tensors`` (a C++ check), and a crash there must become a
report, not a dead CLI. The child (:func:`_child`) resizes the inputs, allocates, and (by
default) invokes once on zeros, because tensors whose shape depends on run-time values
(RESHAPE with a computed target, ...) only get their final shape during ``invoke``.

Which tensors count: those produced by ops that have a rule and whose inferred shape is
fully known. Tensors left unknown (-1, e.g. data-dependent outputs) are reported as
``unknown``; tensors produced after the op where the interpreter stopped are not compared.
"""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from .types import Shape, TensorStatus

if TYPE_CHECKING:
    from .types import ShapeResult

__all__ = ["Verification", "Mismatch", "verify", "compare", "available", "no_kernel", "run_interpreter", "run_batch"]

_NODE = re.compile(r"Node number (\d+) \(([^)]*)\) failed to (prepare|invoke)")


@dataclass(frozen=True, slots=True)
class Mismatch:
    index: int
    name: str
    inferred: Shape | None
    interpreter: Shape | None


@dataclass(frozen=True, slots=True)
class Verification:
    """How the interpreter's shapes compare with the inferred ones."""

    interpreter_ok: bool  # resized, allocated (and invoked, if asked) without an error
    stage: str  # "ok" or where it stopped: load, resize, allocate, invoke, crash, timeout
    error: str | None  # the interpreter's own message
    failed_op: int | None  # node number the interpreter named, if any
    invoked: bool
    agree: int  # tensors whose inferred shape equals the interpreter's
    total: int  # tensors compared
    unknown: int  # tensors with a rule but a shape still unknown (-1): not compared
    mismatches: tuple[Mismatch, ...] = ()
    interpreter_shapes: dict[int, Shape] = field(default_factory=dict, repr=False)
    consistent: bool = True  # both succeed, or both report a failure (see ``verdict``)
    verdict: str = ""  # one sentence: how the two answers relate

    @property
    def ratio(self) -> float:
        return self.agree / self.total if self.total else 1.0


def available() -> bool:
    return importlib.util.find_spec("ai_edge_litert") is not None


def run_interpreter(
    path: str,
    subgraph: int,
    inputs: dict[int, Shape],
    graph_inputs: list[int],
    *,
    invoke: bool = True,
    timeout: float = 300,
) -> dict[str, Any]:
    """The child's raw report: ``stage``, ``error``, ``invoked``, ``shapes`` {index: shape}.

    ``inputs`` are the shapes to resize to; ``graph_inputs`` all input tensors of the
    subgraph (each gets zeros before ``invoke``).
    """
    request = {
        "model": path,
        "subgraph": subgraph,
        "inputs": {str(k): list(v) for k, v in inputs.items()},
        "graph_inputs": list(graph_inputs),
        "invoke": invoke,
    }
    return run_batch([request], timeout=timeout)[0]


def run_batch(requests: list[dict[str, Any]], *, timeout: float = 300) -> list[dict[str, Any]]:
    """Run many requests in as few child processes as possible (a new one after each crash).

    A request is ``{"model", "subgraph", "inputs": {index: shape}, "graph_inputs", "invoke"}``.
    ``timeout`` applies to each request: a child stuck longer (a WHILE loop that never ends
    on zeros) is killed and reported as ``timeout``.
    """
    from ..runtime import call_each

    reports = []
    for outcome in call_each("tfl_inspect.shapes.verify:_child", [[r] for r in requests], timeout=timeout):
        if outcome.ok:
            reports.append(outcome.value)
        elif outcome.ended == "timeout":
            reports.append({"stage": "timeout", "error": f"the interpreter took longer than {timeout:g} s"})
        else:
            detail = f": {outcome.error}" if outcome.error else ""
            reports.append({"stage": "crash", "error": f"the interpreter process {outcome.how()}{detail}"})
    return reports


def verify(result: ShapeResult, *, invoke: bool = True, timeout: float = 300) -> Verification:
    """Resize the inputs as ``result`` did, allocate (and invoke), and compare every tensor.

    Needs ``ai-edge-litert`` and a model read from a ``.tflite`` file; raises
    :class:`~tfl_inspect.errors.UsageError` otherwise.
    """
    if not available():
        raise UsageError("--verify needs the LiteRT interpreter: pip install ai-edge-litert")
    from ..readers.containers import flatbuffer_file

    model = result.model
    path = flatbuffer_file(model) if model.format == "tflite" else None
    if model.format != "tflite" or not path or not os.path.isfile(path):
        raise UsageError("--verify needs a .tflite file (the interpreter cannot read this input)")
    inputs = {i: s for i, s in result.inputs.items() if s is not None}
    if any(d < 0 for s in inputs.values() for d in s):
        # The interpreter allocates concrete shapes: unknown dims run as the recorded ones.
        sg = model.subgraphs[result.subgraph]
        inputs = {
            i: tuple(d if d >= 0 else r for d, r in zip(s, sg.tensors[i].shape, strict=False))
            for i, s in inputs.items()
        }
    sg = model.subgraphs[result.subgraph]
    graph_inputs = [i for i in sg.inputs if i >= 0]
    # A WHILE loop fed zeros may never end: such models are only allocated.
    loops = any(op.opcode == "WHILE" for op in sg.operators)
    report = run_interpreter(
        os.path.abspath(path), result.subgraph, inputs, graph_inputs, invoke=invoke and not loops, timeout=timeout
    )
    return compare(result, report)


def compare(result: ShapeResult, report: dict[str, Any]) -> Verification:
    """Turn the child's report into a :class:`Verification` against ``result``."""
    sg = result.model.subgraphs[result.subgraph]
    stage = str(report.get("stage", "crash"))
    error = report.get("error")
    ok = stage == "ok"
    failed_op = None
    if error:
        nodes = _NODE.findall(error)
        if nodes:  # an op calling a subgraph is named after the op inside that failed
            failed_op = int(nodes[-1][0])
    shapes = {int(k): tuple(v) for k, v in (report.get("shapes") or {}).items()}
    agree = total = unknown = 0
    mismatches = []
    if shapes:
        limit = failed_op if (not ok and failed_op is not None) else None
        for t in sg.tensors:
            if result.status[t.index] != TensorStatus.INFERRED or t.index not in shapes:
                continue
            if not ok and limit is None:
                continue  # stopped somewhere we cannot place: nothing is reliable
            if limit is not None and sg.producer(t.index) >= limit:
                continue
            mine = result.shapes[t.index]
            if mine is None or any(d < 0 for d in mine):
                unknown += 1
                continue
            total += 1
            if tuple(mine) == shapes[t.index]:
                agree += 1
            else:
                mismatches.append(Mismatch(t.index, t.name, mine, shapes[t.index]))
    consistent, verdict = _verdict(result, ok, stage, failed_op, error)
    return Verification(
        interpreter_ok=ok,
        stage=stage,
        error=error,
        failed_op=failed_op,
        invoked=bool(report.get("invoked")),
        agree=agree,
        total=total,
        unknown=unknown,
        mismatches=tuple(mismatches),
        interpreter_shapes=shapes,
        consistent=consistent and not mismatches,
        verdict=verdict,
    )


def no_kernel(error: str | None) -> bool:
    """True when the interpreter failed for want of a kernel (custom, Flex, NPU ops), not shapes."""
    return bool(error) and any(m in error for m in _NO_KERNEL)  # type: ignore[operator]


_NO_KERNEL = ("Encountered unresolved custom op", "Select TensorFlow op(s)", "Didn't find op for builtin opcode")


def _verdict(result: ShapeResult, ok: bool, stage: str, failed_op: int | None, error: str | None) -> tuple[bool, str]:
    f = result.failure
    if ok and f is None:
        return True, "both succeed"
    if not ok and no_kernel(error):
        return True, "the interpreter has no kernel for an op of this model: it could not check the shapes"
    if not ok and f is not None:
        where = (
            "at the same op"
            if failed_op == f.op
            else f"(the interpreter stops at op #{failed_op})"
            if failed_op is not None
            else f"(the interpreter stops at {stage})"
        )
        return True, f"both fail {where}".strip()
    if ok and f is not None:
        if not f.runtime_checks:
            return True, (
                f"the interpreter runs without an error, but LiteRT does not check what "
                f"{f.opcode} #{f.op} violates: its results would be wrong"
            )
        return False, f"the interpreter accepts these shapes; inference reports {f.opcode} #{f.op}"
    return False, f"the interpreter fails ({stage}) where inference found no problem"


# -- the child process --------------------------------------------------------------------


def _feed(it: Any, s: int, inputs: list[int], fill: int) -> None:
    import numpy as np

    for idx in inputs:
        d = it._get_tensor_details(idx, s)
        shape = tuple(int(x) for x in d["shape"])
        dtype = d["dtype"]
        if dtype in (np.bytes_, np.str_, np.object_):
            value = np.full(shape, b"", dtype=object)
        else:
            value = np.full(shape, fill, dtype=dtype)
        it._interpreter.SetTensor(idx, value, s)


def _child(request: dict[str, Any]) -> dict[str, Any]:
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter, OpResolverType  # type: ignore[import-untyped]

    s = int(request["subgraph"])
    out: dict[str, Any] = {"stage": "load", "error": None, "invoked": False, "shapes": {}}
    try:
        it = Interpreter(
            model_path=request["model"],
            experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        )
    except Exception as exc:
        return {**out, "error": " ".join(str(exc).split())}
    w = it._interpreter  # the wrapper takes a subgraph index for every call we need

    def snapshot() -> None:
        n = w.NumTensors(s)
        shapes = {}
        for i in range(n):
            try:
                shapes[str(i)] = [int(d) for d in w.TensorSize(i, s)]
            except Exception:
                continue
        out["shapes"] = shapes

    try:
        out["stage"] = "resize"
        for idx, shape in request["inputs"].items():
            w.ResizeInputTensor(int(idx), np.array(shape, dtype=np.int32), False, s)
        out["stage"] = "allocate"
        w.AllocateTensors(s)
        snapshot()
        if request.get("invoke", True):
            out["stage"] = "invoke"
            try:
                _feed(it, s, request["graph_inputs"], 0)
                w.Invoke(s)
            except Exception as first:
                # Zeros can be invalid data (a divisor, a size): try ones before giving up.
                try:
                    _feed(it, s, request["graph_inputs"], 1)
                    w.Invoke(s)
                except Exception:
                    raise first from None
            out["invoked"] = True
            snapshot()
        out["stage"] = "ok"
    except Exception as exc:
        out["error"] = " ".join(str(exc).split())
        if out["stage"] in ("allocate", "invoke"):
            try:
                snapshot()
            except Exception:
                pass
    return out
