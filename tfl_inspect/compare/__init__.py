"""``tfl_inspect.diff(a, b)`` lives here: what changed between two models and, with ``run=True``, where numbers drift.

Structure and alignment read only the files; the numeric part runs both models with the LiteRT
interpreter (``ai-edge-litert``), imported only when asked for.
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import UsageError
from ..model import Model
from .report import (
    Alignment,
    CompiledOp,
    CompiledPairing,
    ContractChange,
    DiffReport,
    MetaChange,
    Numeric,
    OpChange,
    Pair,
    RunOptions,
    Structure,
    SubgraphDiff,
    TensorChange,
    TensorError,
    WeightChange,
)

__all__ = [
    "diff",
    "diff_marks",
    "DiffReport",
    "ContractChange",
    "OpChange",
    "TensorChange",
    "WeightChange",
    "MetaChange",
    "Structure",
    "SubgraphDiff",
    "Pair",
    "Alignment",
    "TensorError",
    "Numeric",
    "CompiledOp",
    "CompiledPairing",
]


def _model(x: Model | str | os.PathLike[str] | bytes) -> Model:
    if isinstance(x, Model):
        return x
    from ..readers import load

    return load(x)


def diff(
    a: Model | str | os.PathLike[str] | bytes,
    b: Model | str | os.PathLike[str] | bytes,
    run: bool = False,
    *,
    inputs: str | os.PathLike[str] | dict[str, Any] | None = None,
    samples: int = 1,
    seed: int = 0,
    signature: str | None = None,
    local: bool = True,
) -> DiffReport:
    """Compare model ``a`` (the reference) with ``b``.

    ``run`` executes both on the same inputs (``inputs``: an npz path or a dict keyed by
    signature input name; else ``samples`` seeded random draws) and measures every aligned
    tensor; ``local`` also measures each quantized op alone (A's op fed B's inputs).
    """
    from .align import align
    from .compiled import compiled_pairing
    from .structure import contract, structure

    ma, mb = _model(a), _model(b)
    if signature is not None and (ma.signature(signature) is None or mb.signature(signature) is None):
        missing = "A" if ma.signature(signature) is None else "B"
        raise UsageError(f"--signature {signature}: model {missing} has no such signature")
    if ma.format != "tflite" or mb.format != "tflite":
        notes: tuple[str, ...] = ("MLIR input: weights are not compared (the text has no constant data)",)
    else:
        notes = ()
    al = align(ma, mb, signature)
    report = DiffReport(
        a=ma.source,
        b=mb.source,
        contract=tuple(contract(ma, mb, al)),
        structure=structure(ma, mb, al),
        alignment=al,
        notes=notes,
        compiled=compiled_pairing(ma, mb, al),
    )
    if run:
        from .child import run_numeric

        def source(x: object, m: Model) -> str | bytes:
            from ..readers.containers import flatbuffer_file

            if isinstance(x, bytes | bytearray) and m.container is None:
                return bytes(x)
            return flatbuffer_file(m) or ""

        sources = (source(a, ma), source(b, mb))
        numeric = run_numeric(ma, mb, al, sources, RunOptions(inputs, samples, seed, signature, local))
        report = DiffReport(
            report.a, report.b, report.contract, report.structure, al, numeric, report.notes, report.compiled
        )
    return report


def diff_marks(report: DiffReport) -> dict[str, dict[int, str | float]]:
    """Per op of A and of B what a diagram should show: ``added``/``removed``/``changed``, or the error.

    ``{"a": {op index: mark}, "b": {op index: mark}}`` for the compared subgraphs. With numbers,
    a changed-or-same op whose output was measured gets its output's SQNR in dB (a float) instead;
    ``graph A --diff B`` colours by these marks.
    """
    marks: dict[str, dict[int, str | float]] = {"a": {}, "b": {}}
    for ch in report.structure.ops:
        if ch.kind == "removed" and ch.a_op is not None:
            marks["a"][ch.a_op] = "removed"
        elif ch.kind == "added" and ch.b_op is not None:
            marks["b"][ch.b_op] = "added"
        elif ch.a_op is not None and ch.b_op is not None:
            marks["a"][ch.a_op] = marks["b"][ch.b_op] = "changed"
    if report.numeric is not None:
        for e in report.numeric.tensors:
            if e.sqnr_db is None:
                continue
            if e.a_op is not None and marks["a"].get(e.a_op) != "removed":
                marks["a"][e.a_op] = e.sqnr_db
            if e.b_op is not None and marks["b"].get(e.b_op) != "added":
                marks["b"][e.b_op] = e.sqnr_db
    return marks
