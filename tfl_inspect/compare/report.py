"""The typed result of ``tfl_inspect.diff``: plain frozen records every exporter reads.

Tensor and op indices are those of the compared subgraph (the signature's subgraph, usually 0);
``a`` is the reference, ``b`` the candidate. Values kept in ``a``/``b`` fields are JSON-ready.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import dtypes

if TYPE_CHECKING:
    from ..model import Tensor

__all__ = [
    "is_int_quantized",
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
    "DiffReport",
    "RunOptions",
    "CompiledOp",
    "CompiledPairing",
]


@dataclass(frozen=True, slots=True)
class ContractChange:
    """One change a caller of the model would notice: a name, position, dtype, shape or quantization."""

    signature: str | None  # signature key; None when the models have no signatures
    role: str  # "input" | "output" | "signature"
    name: str  # signature name of the input/output (tensor name without signatures)
    kind: str  # added | removed | renamed | reordered | dtype | batch | shape | shape_signature | quantization
    a: Any
    b: Any
    message: str


@dataclass(frozen=True, slots=True)
class OpChange:
    kind: str  # added | removed | changed
    opcode: str
    a_op: int | None
    b_op: int | None
    details: tuple[str, ...] = ()  # "version 1 -> 3", "fused_activation_function: NONE -> RELU"


@dataclass(frozen=True, slots=True)
class TensorChange:
    a_tensor: int
    b_tensor: int
    name: str
    fields: tuple[str, ...]  # dtype | shape | shape_signature | quantization
    a: dict[str, Any]
    b: dict[str, Any]


@dataclass(frozen=True, slots=True)
class WeightChange:
    kind: str  # changed | added | removed | retyped
    name: str
    a_tensor: int | None
    b_tensor: int | None
    a_hash: str | None
    b_hash: str | None
    max_abs: float | None = None  # real-valued max |b - a| when shapes match (dequantized where quantized)
    note: str = ""


@dataclass(frozen=True, slots=True)
class MetaChange:
    field: str
    a: Any
    b: Any


@dataclass(frozen=True, slots=True)
class SubgraphDiff:
    """Op, tensor and weight changes in a pair of subgraphs besides the compared one (other
    signatures' subgraphs, control-flow bodies); ``a`` or ``b`` is None for a subgraph only one
    model has."""

    a: int | None
    b: int | None
    how: str  # "signature KEY", "position", or "only in A" / "only in B"
    ops: tuple[OpChange, ...] = ()
    tensors: tuple[TensorChange, ...] = ()
    weights: tuple[WeightChange, ...] = ()
    weights_same: int = 0
    coverage: float = 1.0  # share of A's activation tensors with a partner in B

    @property
    def changed(self) -> bool:
        return self.a is None or self.b is None or bool(self.ops or self.tensors or self.weights)


@dataclass(frozen=True, slots=True)
class Structure:
    op_counts: dict[str, tuple[int, int]]  # opcode -> (count in a, count in b), every subgraph
    ops: tuple[OpChange, ...]
    tensors: tuple[TensorChange, ...]
    weights: tuple[WeightChange, ...]
    weights_same: int  # aligned constants with identical content
    metadata: tuple[MetaChange, ...]
    size: tuple[int, int]  # file bytes
    others: tuple[SubgraphDiff, ...] = ()  # every other subgraph, paired

    @property
    def changed(self) -> bool:
        return bool(
            self.ops
            or self.tensors
            or self.weights
            or self.metadata
            or any(x != y for x, y in self.op_counts.values())
            or any(o.changed for o in self.others)
        )


@dataclass(frozen=True, slots=True)
class Pair:
    a: int
    b: int
    how: str  # name | signature | structure | fused | step


@dataclass(frozen=True, slots=True)
class Alignment:
    subgraphs: tuple[int, int]
    pairs: tuple[Pair, ...]  # in A's execution order
    unaligned_a: tuple[int, ...]  # activation tensors of A with no partner
    unaligned_b: tuple[int, ...]
    op_pairs: dict[int, int]  # A op -> B op
    n_activations_a: int
    n_aligned_a: int  # activation tensors of A among the pairs (pairs may also join constant outputs)
    unaligned_a_names: tuple[str, ...] = ()  # names of unaligned_a, same order
    unaligned_b_names: tuple[str, ...] = ()

    @property
    def coverage(self) -> float:
        """Share of A's activation tensors (inputs, outputs, intermediates) that have a partner in B."""
        if not self.n_activations_a:
            return 1.0
        return self.n_aligned_a / self.n_activations_a

    def b_of(self, a: int) -> int | None:
        for p in self.pairs:
            if p.a == a:
                return p.b
        return None


@dataclass(frozen=True)
class RunOptions:
    """What ``--run`` feeds both models: ``inputs`` (an npz path, or arrays by input name), else
    ``samples`` seeded random draws; the signature to run; and ``local``: also measure each
    quantized op alone."""

    inputs: str | os.PathLike[str] | Mapping[str, Any] | None = None
    samples: int = 1
    seed: int = 0
    signature: str | None = None
    local: bool = True


@dataclass(frozen=True, slots=True)
class TensorError:
    """Error of B against A for one aligned tensor, over every sample (real values, dequantized)."""

    a_tensor: int
    b_tensor: int
    name: str
    scope: str  # the layer it was made in: Keras scope ("model/layer") or PyTorch module ("" the root)
    is_output: bool
    max_abs: float
    rmse: float
    sqnr_db: float | None  # None: no error at all (infinite SQNR)
    cosine: float  # mean over samples of the per-sample cosine similarity
    steps: float | None  # max |Δ| in quantization steps of the quantized side (None if neither is)
    jump_db: float | None = None  # SQNR lost at this tensor relative to its inputs (first-divergence score)
    local_mse: float | None = None  # B's op alone: A's op run on B's dequantized inputs, mean squared error
    a_op: int | None = None  # producer ops (for diagrams and Model Explorer overlays)
    b_op: int | None = None


@dataclass(frozen=True, slots=True)
class Numeric:
    signature: str | None
    samples: int
    seed: int
    inputs_from: str  # "random" or the npz path
    tensors: tuple[TensorError, ...]  # outputs first, then A's execution order
    ranking: tuple[int, ...]  # indices into ``tensors``: largest SQNR jump first
    first_divergence: int | None  # index into ``tensors``
    skipped: tuple[str, ...] = ()  # aligned tensors not compared, with why


@dataclass(frozen=True, slots=True)
class CompiledOp:
    """Where one source op went when the other model was compiled for an NPU."""

    source_op: int
    opcode: str
    where: str  # "cpu" (left inline) | "npu" (inside a DISPATCH_OP) | "unpaired"
    compiled_op: int | None  # the op left on the CPU, or the DISPATCH_OP
    partition: str | None  # the DISPATCH_OP's name


@dataclass(frozen=True, slots=True)
class CompiledPairing:
    """Every source op paired with an op left on the CPU or with the NPU partition that took it.

    ``side`` is the model that is compiled ("b" for ``diff source compiled``); op indices are those
    of the compared subgraphs."""

    side: str
    vendor: str | None
    soc: str | None
    target: str  # "Qualcomm SM8650"
    source_subgraph: int
    compiled_subgraph: int
    ops: tuple[CompiledOp, ...]
    partitions: tuple[tuple[int, str, int], ...]  # (DISPATCH_OP index, name, source ops it took)

    def count(self, where: str) -> int:
        return sum(1 for o in self.ops if o.where == where)


@dataclass(frozen=True, slots=True)
class DiffReport:
    a: str | None
    b: str | None
    contract: tuple[ContractChange, ...]
    structure: Structure
    alignment: Alignment
    numeric: Numeric | None = None
    notes: tuple[str, ...] = field(default=())
    compiled: CompiledPairing | None = None

    @property
    def identical(self) -> bool:
        return not self.contract and not self.structure.changed


def is_int_quantized(t: Tensor) -> bool:
    """An integer tensor with a scale: its values mean ``scale * (q - zero_point)``."""
    return t.is_quantized and dtypes.is_integer(t.dtype) and bool(t.quantization and t.quantization.scale)
