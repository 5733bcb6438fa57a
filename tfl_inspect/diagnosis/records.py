"""The diagnosis as data: failures, unknown dims, their origins, fixes (and JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import Model

__all__ = [
    "TraceStep",
    "Origin",
    "UnknownDim",
    "Fix",
    "Frame",
    "SymbolicDim",
    "Clash",
    "Failure",
    "Diagnosis",
    "SCHEMA_ID",
]

SCHEMA_ID = "urn:tfl-inspect:schema:diagnose"


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One op on the way back from an unknown dim to its origin."""

    op: str  # opcode, or "input" for a model input
    value: str  # the tensor the op produces (SSA name or tensor name)
    type: str  # its MLIR type, e.g. tensor<?x?x?x?xf32>
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "value": self.value, "type": self.type, "note": self.note}


@dataclass(frozen=True, slots=True)
class Origin:
    """Where unknown dims come from.

    ``kind``: ``"input"`` (a model input with ``?``), ``"runtime_reshape"`` (a RESHAPE whose
    target shape is computed at run time), ``"op"`` (shape inference lost it at this op), or
    ``"keras_input"`` (no MLIR to trace; the Keras model's input has ``None`` there).
    """

    kind: str
    value: str
    type: str
    op: str | None = None
    dims: tuple[int, ...] = ()  # dims of ``value`` that are unknown because of this origin
    layer: str | None = None
    layer_class: str | None = None
    pattern: str | None = None
    detail: str = ""
    shape_computation: tuple[str, ...] = ()
    chain: tuple[TraceStep, ...] = ()
    input_name: str | None = None  # for inputs: the name users give (signature / Keras name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "value": self.value,
            "type": self.type,
            "op": self.op,
            "dims": list(self.dims),
            "layer": self.layer,
            "layer_class": self.layer_class,
            "pattern": self.pattern,
            "detail": self.detail,
            "shape_computation": list(self.shape_computation),
            "chain": [s.to_dict() for s in self.chain],
            "input_name": self.input_name,
        }


@dataclass(frozen=True, slots=True)
class UnknownDim:
    operand: int  # operand slot of the failing op (-1: not from an operand, e.g. a Keras input)
    value: str
    type: str
    dim: int
    axis: str | None  # "batch", "height", "width", "channels", "time", "features" where clear
    matters: bool
    reason: str | None
    origin: int | None  # index into Failure.origin

    def to_dict(self) -> dict[str, Any]:
        return {
            "operand": self.operand,
            "value": self.value,
            "type": self.type,
            "dim": self.dim,
            "axis": self.axis,
            "matters": self.matters,
            "reason": self.reason,
            "origin": self.origin,
        }


@dataclass(frozen=True, slots=True)
class Fix:
    """A change that would let the conversion through, and whether it applies to this failure."""

    id: str  # "static_input", "resize_instead_of_upsampling", "select_tf_ops", "custom_op"
    title: str
    applies: bool
    recommended: bool
    why: str
    code: str
    cost: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "applies": self.applies,
            "recommended": self.recommended,
            "why": self.why,
            "code": self.code,
            "cost": self.cost,
            "params": self.params,
        }


@dataclass(frozen=True, slots=True)
class Frame:
    """One line of a Python traceback: where the user's code (or the module it called) was running."""

    file: str
    line: int
    function: str
    code: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line} in {self.function}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "function": self.function, "code": self.code}


@dataclass(frozen=True, slots=True)
class SymbolicDim:
    """A size ``torch.export`` kept symbolic that reaches the failing op, and where it comes from:
    ``value`` as the graph names it (``%sym_size_int_1``), ``origin`` in words, and, when the
    module was converted here, the input dim and the ``torch.export.Dim`` behind it."""

    value: str
    origin: str
    input: str | None = None  # "args[0]"
    dim: int | None = None
    dim_name: str | None = None  # the Dim's name in dynamic_shapes ("batch")
    range: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "origin": self.origin,
            "input": self.input,
            "dim": self.dim,
            "dim_name": self.dim_name,
            "range": list(self.range) if self.range is not None else None,
        }


@dataclass(frozen=True, slots=True)
class Clash:
    """Installed packages that do not work together: no fault of the model."""

    packages: tuple[tuple[str, str], ...]  # (name, version) as the failure shows them
    detail: str
    pin: str  # what to install instead ("transformers==5.24.0")
    installed: tuple[tuple[str, str], ...] = ()  # versions found in this environment, where installed

    def to_dict(self) -> dict[str, Any]:
        return {
            "packages": [{"name": n, "version": v} for n, v in self.packages],
            "detail": self.detail,
            "pin": self.pin,
            "installed": [{"name": n, "version": v} for n, v in self.installed],
        }


@dataclass(frozen=True, slots=True)
class Failure:
    op: str  # dialect op, e.g. "tf.Conv2D"
    message: str
    error_code: str | None
    location: str | None
    tf_node: str | None  # e.g. "upsample_conv_1/conv_1/convolution"
    layer: str | None  # e.g. "conv"
    layer_path: tuple[str, ...]
    layer_class: str | None
    operands: tuple[dict[str, Any], ...]
    results: tuple[dict[str, Any], ...]
    unknown_dims: tuple[UnknownDim, ...]
    origin: tuple[Origin, ...]
    fixes: tuple[Fix, ...]
    subgraph: int | None = None
    operator: int | None = None
    # PyTorch conversions (litert-torch): the producer, what kind of failure it is, the user's
    # frames from "Original traceback", the symbolic sizes involved and the conversion call.
    producer: str = "tensorflow"
    cause: str | None = None
    user_frames: tuple[Frame, ...] = ()
    symbolic: tuple[SymbolicDim, ...] = ()
    conversion_call: Frame | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "producer": self.producer,
            "cause": self.cause,
            "op": self.op,
            "message": self.message,
            "error_code": self.error_code,
            "location": self.location,
            "tf_node": self.tf_node,
            "layer": self.layer,
            "layer_path": list(self.layer_path),
            "layer_class": self.layer_class,
            "subgraph": self.subgraph,
            "operator": self.operator,
            "operands": list(self.operands),
            "results": list(self.results),
            "unknown_dims": [u.to_dict() for u in self.unknown_dims],
            "origin": [o.to_dict() for o in self.origin],
            "fixes": [f.to_dict() for f in self.fixes],
            "user_frames": [f.to_dict() for f in self.user_frames],
            "symbolic": [d.to_dict() for d in self.symbolic],
            "conversion_call": self.conversion_call.to_dict() if self.conversion_call is not None else None,
        }


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """What failed and what to do; ``ok`` when there was nothing to explain."""

    source: str | None
    failures: tuple[Failure, ...]
    notes: tuple[str, ...] = ()
    select_tf_ops: tuple[str, ...] = ()  # TF ops the converter says need Select TF ops
    converted_bytes: int | None = None  # set when a model was converted successfully
    model: Model | None = field(default=None, compare=False, repr=False)
    environment: tuple[Clash, ...] = ()  # failures that are no fault of the model: packages that clash

    @property
    def ok(self) -> bool:
        return not self.failures and not self.environment

    @property
    def headline(self) -> str:
        if self.converted_bytes is not None and not self.failures:
            return f"conversion succeeded ({self.converted_bytes} bytes)"
        if self.environment and not self.failures:
            clash = self.environment[0]
            names = " and ".join(f"{n} {v}" for n, v in clash.packages)
            return f"conversion failed, but not because of the model: {names} clash; {clash.pin}"
        if not self.failures:
            return "nothing failed: no converter errors and no unlegalized ops found"
        parts = []
        for f in self.failures[:3]:
            noun = "layer" if f.producer == "tensorflow" else "module"
            where = f" in {noun} '{f.layer}'" if f.layer else ""
            parts.append(f"{f.op}{where}: {f.message.splitlines()[0]}")
        more = f" (+{len(self.failures) - 3} more)" if len(self.failures) > 3 else ""
        return "conversion failed: " + "; ".join(parts) + more

    def fixes(self) -> list[Fix]:
        """Distinct fixes over all failures, those that apply first."""
        seen: dict[str, Fix] = {}
        for f in self.failures:
            for fix in f.fixes:
                if fix.id not in seen or (fix.applies and not seen[fix.id].applies):
                    seen[fix.id] = fix
        return sorted(seen.values(), key=lambda x: (not x.recommended, not x.applies))

    def to_dict(self) -> dict[str, Any]:
        """The body of ``diagnose --format json``; :mod:`tfl_inspect.exporters.diagnosis` adds the envelope."""
        return {
            "status": "ok" if self.ok else "failed",
            "converted_bytes": self.converted_bytes,
            "failures": [f.to_dict() for f in self.failures],
            "select_tf_ops": list(self.select_tf_ops),
            "notes": list(self.notes),
            "environment": [c.to_dict() for c in self.environment],
        }

    def to_text(self) -> str:
        """The readable diagnosis (notebooks, ``ConversionError``): rendered by the exporter the
        package root registers in :mod:`tfl_inspect.hooks`; the headline when none is installed."""
        from .. import hooks

        rendered = hooks.text("diagnosis", self)
        return rendered if rendered is not None else self.headline

    def __str__(self) -> str:
        return self.to_text()
