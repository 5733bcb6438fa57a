"""What a rewrite changed and what the checks saw: the record the text and JSON exporters print."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "FixReport",
    "RemovedOp",
    "Renamed",
    "SignatureRenamed",
    "ShapeFix",
    "Folded",
    "IoChange",
    "Verification",
    "LintDelta",
]


@dataclass(frozen=True)
class RemovedOp:
    op: int  # index in the input model
    opcode: str
    by: str  # the pass, or "dead" when it only fed removed ops
    subgraph: int | None = None  # set when not the rewritten subgraph (--strip-unused covers all)


@dataclass(frozen=True)
class Renamed:
    tensor: int
    old: str
    new: str


@dataclass(frozen=True)
class SignatureRenamed:
    signature: str
    role: str  # input / output
    old: str
    new: str


@dataclass(frozen=True)
class ShapeFix:
    tensor: int
    name: str
    before: list[int]  # shape_signature as recorded (-1 = unknown)
    after: list[int]


@dataclass(frozen=True)
class Folded:
    tensor: int
    name: str
    value: list[int]


@dataclass(frozen=True)
class IoChange:
    role: str  # input / output
    tensor: int
    name: str
    before: str  # dtype
    after: str
    scale: float
    zero_point: int
    removed_op: str | None  # the boundary op removed, or None when it was turned into a requantize


@dataclass
class Verification:
    """LiteRT ran both models on the same seeded inputs."""

    status: str  # "identical", "different", "failed", "unverifiable", "skipped"
    message: str = ""
    seed: int = 0
    inputs: list[dict[str, Any]] = field(default_factory=list)  # name, dtype, shape
    # where the input shapes came from: "static" (the rewritten model's own), "given" (--verify-input),
    # "recorded" (an unknown dim run at its recorded placeholder, 1); None when nothing ran
    input_shapes: str | None = None
    outputs: list[dict[str, Any]] = field(default_factory=list)  # name, equal, max_abs_diff
    xnnpack_before: int | None = None  # ops the XNNPACK delegate takes
    xnnpack_after: int | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("identical", "unverifiable", "skipped")


@dataclass
class LintDelta:
    before: dict[str, int] = field(default_factory=dict)  # rule -> findings
    after: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    added: dict[str, int] = field(default_factory=dict)
    added_messages: list[str] = field(default_factory=list)


@dataclass
class FixReport:
    """Every change one ``fix`` made, in the terms of the input model's indices."""

    source: str
    output: str
    passes: list[str]
    subgraph: int = 0
    signature: str | None = None
    written: bool = False
    refused: str | None = None  # why the output was not written although verification passed
    bytes_before: int = 0
    bytes_after: int = 0
    ops_before: int = 0
    ops_after: int = 0
    ops_removed: list[RemovedOp] = field(default_factory=list)
    renamed: list[Renamed] = field(default_factory=list)
    signature_renamed: list[SignatureRenamed] = field(default_factory=list)
    shapes_fixed: list[ShapeFix] = field(default_factory=list)
    still_dynamic: list[str] = field(default_factory=list)  # as the rewritten model names them
    static_needed: list[str] = field(default_factory=list)  # the --static NAME=SHAPE each still-dynamic input needs
    folded: list[Folded] = field(default_factory=list)
    io_changes: list[IoChange] = field(default_factory=list)
    tensors_removed: int = 0
    buffers_removed: int = 0
    buffers_merged: int = 0
    notes: list[str] = field(default_factory=list)
    verification: Verification | None = None
    lint: LintDelta | None = None

    @property
    def bytes_saved(self) -> int:
        return self.bytes_before - self.bytes_after

    def add_removed_op(self, op: int, opcode: str, by: str, subgraph: int | None = None) -> None:
        self.ops_removed.append(RemovedOp(op, opcode, by, subgraph))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["bytes_saved"] = self.bytes_saved
        return d
