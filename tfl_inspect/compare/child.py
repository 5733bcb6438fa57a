"""``--run`` in a child process (:mod:`tfl_inspect.runtime`): a runtime that crashes (a segfault in a
kernel, an abort) or prints from C++ must not take the CLI or the caller's Python down with it.

The parent writes what only exists in memory (model bytes, an inputs dict as npz) to a temporary
folder; the child (:func:`main`) loads both models, aligns them the same way, runs
:func:`~tfl_inspect.compare.numeric.run_in_process` and returns the result. Anything but a result
becomes one :class:`UsageError` line.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import TflInspectError, UsageError
from .report import Alignment, Numeric, RunOptions, TensorError

if TYPE_CHECKING:
    from ..model import Model
    from ..runtime import Outcome

__all__ = ["run_numeric", "run_in_child", "main"]


def _numeric_from(d: dict[str, Any]) -> Numeric:
    d = dict(d)
    d["tensors"] = tuple(TensorError(**t) for t in d["tensors"])
    for key in ("ranking", "skipped"):
        d[key] = tuple(d[key])
    return Numeric(**d)


def run_in_child(sources: tuple[str | bytes, str | bytes], run: RunOptions) -> Numeric:
    from ..runtime import call

    with tempfile.TemporaryDirectory(prefix="tfl_inspect_diff_") as tmp:
        paths = []
        for name, src in zip(("a.tflite", "b.tflite"), sources, strict=True):
            if isinstance(src, bytes | bytearray):
                (Path(tmp) / name).write_bytes(bytes(src))
                paths.append(str(Path(tmp) / name))
            else:
                paths.append(os.fspath(src))
        inputs_path = None
        label = None
        if isinstance(run.inputs, Mapping):
            import numpy as np

            inputs_path = str(Path(tmp) / "inputs.npz")
            arrays: dict[str, Any] = {k: np.asarray(v) for k, v in run.inputs.items()}
            np.savez(inputs_path, **arrays)
            label = "inputs"
        elif run.inputs is not None:
            inputs_path = os.fspath(run.inputs)
        request = {"a": paths[0], "b": paths[1], "run": {**asdict(replace(run, inputs=None)), "inputs": inputs_path}}
        outcome = call("tfl_inspect.compare.child:main", request)
    if not outcome.ok:
        raise UsageError(_crash_message(outcome))
    result = outcome.value
    if "error" in result:
        raise UsageError(result["error"])
    numeric = _numeric_from(result["numeric"])
    if label is not None:
        numeric = Numeric(**{**asdict(numeric), "inputs_from": label, "tensors": numeric.tensors})
    return numeric


def _crash_message(outcome: Outcome) -> str:
    last = f": {outcome.error}" if outcome.error else ""
    if outcome.ended == "raised":
        return f"running the models failed: {outcome.exception}{last}"
    if outcome.returncode is not None and outcome.returncode < 0:
        return f"LiteRT {outcome.how()} while running the models{last}"
    return f"running the models failed ({outcome.how()}){last}"


def main(request: dict[str, Any]) -> dict[str, Any]:
    """The child: ``{"numeric": ...}``, or ``{"error": ...}`` for input the runtime cannot take."""
    from ..readers import load
    from .align import align
    from .numeric import run_in_process

    try:
        run = RunOptions(**request["run"])
        ma, mb = load(request["a"]), load(request["b"])
        al = align(ma, mb, run.signature)
        numeric = run_in_process(ma, mb, al, (request["a"], request["b"]), run)
    except TflInspectError as exc:
        return {"error": " ".join(str(exc).split())}
    return {"numeric": asdict(numeric)}


def run_numeric(
    ma: Model, mb: Model, al: Alignment, sources: tuple[str | bytes, str | bytes], run: RunOptions
) -> Numeric:
    """Check the request here, run the interpreters in a child process (a crash there is one line)."""
    from .numeric import check_request

    check_request(ma, mb, run)
    return run_in_child(sources, run)
