"""The front-end-neutral model every reader fills and every analysis reads.

Nothing here knows about flatbuffers or MLIR: readers translate into these immutable
records, so rules, shape inference and exporters work the same on `.tflite` and `.mlir`.
Tensor data stays behind a loader and is read only when asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "Model",
    "Subgraph",
    "Tensor",
    "Operator",
    "Quantization",
    "Sparsity",
    "Signature",
    "MetadataEntry",
    "BufferInfo",
]


@dataclass(frozen=True, slots=True)
class Quantization:
    """Quantization parameters as stored; ``real = scale * (q - zero_point)``.

    ``details`` carries what the plain scale/zero-point pair cannot express:
    ``{"type": "BlockwiseQuantization", "scales": tensor index, "zero_points": tensor index
    or -1, "block_size": n, "block_shape": [...]}``, ``{"type": "MultiAxisQuantization", ...}``
    or ``{"type": "CustomQuantization", "size": n}``.
    """

    scale: tuple[float, ...] = ()
    zero_point: tuple[int, ...] = ()
    min: tuple[float, ...] = ()
    max: tuple[float, ...] = ()
    quantized_dimension: int = 0
    details: Mapping[str, Any] | None = None

    @property
    def per_channel(self) -> bool:
        return len(self.scale) > 1

    @property
    def has_params(self) -> bool:
        """True when a scale is present: the tensor is actually quantized, not just calibrated."""
        return bool(self.scale) or self.details is not None


@dataclass(frozen=True, slots=True)
class Sparsity:
    """Decoded ``SparsityParameters``: enough to describe the format, not to densify."""

    traversal_order: tuple[int, ...]
    block_map: tuple[int, ...]
    dim_metadata: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True, slots=True)
class Tensor:
    """One tensor of one subgraph.

    ``shape`` is what the file records for allocation (1 where the dim is unknown);
    ``shape_signature`` keeps -1 for unknown dims and equals ``shape`` when the file has none.
    """

    subgraph: int
    index: int
    name: str
    dtype: str
    shape: tuple[int, ...]
    shape_signature: tuple[int, ...]
    has_rank: bool = True
    is_variable: bool = False
    buffer: int | None = None  # buffer index in the file; None where the front end has none
    nbytes: int = 0  # bytes of constant data (0 for activations)
    quantization: Quantization | None = None
    sparsity: Sparsity | None = None
    external: bool = False  # data lives outside the flatbuffer (offset buffer or external file)
    _loader: Callable[[], np.ndarray | None] | None = field(
        default=None, repr=False, compare=False, hash=False
    )

    @property
    def is_constant(self) -> bool:
        return self.nbytes > 0 or self.external

    @property
    def is_dynamic(self) -> bool:
        return not self.has_rank or -1 in self.shape_signature

    @property
    def is_quantized(self) -> bool:
        return self.quantization is not None and self.quantization.has_params

    def data(self) -> np.ndarray | None:
        """The constant's values as a read-only numpy array (a view where possible), else None.

        Sub-byte and other types numpy cannot hold come back as raw ``uint8`` bytes.
        """
        return self._loader() if self._loader is not None else None


@dataclass(frozen=True, slots=True)
class Operator:
    """One operator with its options decoded into plain data.

    ``opcode`` is the builtin name (``CONV_2D``) or, for custom ops, the custom code
    (``FlexMatrixDeterminant``); ``builtin`` is the builtin name in both cases (``CUSTOM``).
    Omitted optional inputs stay as -1 so operand slots keep their meaning.
    """

    subgraph: int
    index: int
    opcode: str
    builtin: str
    version: int = 1
    inputs: tuple[int, ...] = ()
    outputs: tuple[int, ...] = ()
    intermediates: tuple[int, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    options_type: str | None = None
    custom_code: str | None = None
    custom_options: Any = None
    flex_op: str | None = None  # the TensorFlow op behind a Flex (Select TF) custom op
    called_subgraphs: Mapping[str, int | tuple[int, ...]] = field(default_factory=dict)
    location: str | None = None  # source location where the front end records one (MLIR)
    legacy_opcode: bool = False  # the file gives only deprecated_builtin_code (pre-2.4 writers)

    @property
    def is_custom(self) -> bool:
        return self.custom_code is not None

    def called(self) -> Iterator[tuple[str, int]]:
        """(role, subgraph index) for every subgraph this op calls, in option order."""
        for role, ref in self.called_subgraphs.items():
            if isinstance(ref, tuple):
                for i, sg in enumerate(ref):
                    yield f"{role}[{i}]", sg
            else:
                yield role, ref


@dataclass(frozen=True, slots=True)
class Subgraph:
    index: int
    name: str
    tensors: tuple[Tensor, ...]
    operators: tuple[Operator, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]

    def tensor(self, index: int) -> Tensor | None:
        """The tensor at ``index``, or None for -1 (omitted) and out-of-range indices."""
        return self.tensors[index] if 0 <= index < len(self.tensors) else None


@dataclass(frozen=True, slots=True)
class Signature:
    """A SignatureDef: user-facing names mapped, in stored order, to tensor indices."""

    key: str
    subgraph: int
    inputs: Mapping[str, int]
    outputs: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class MetadataEntry:
    name: str
    buffer: int | None
    size: int
    value: Any = None  # decoded value where the entry is known, else None


@dataclass(frozen=True, slots=True)
class BufferInfo:
    """Where a buffer's bytes are; ``offset`` is from the start of the file (None if inline)."""

    index: int
    size: int
    offset: int | None = None
    external: bool = False


@dataclass(frozen=True, slots=True)
class Model:
    """A whole converted model as one front end read it."""

    format: str  # "tflite" or "mlir"
    version: int | None
    description: str
    subgraphs: tuple[Subgraph, ...]
    signatures: tuple[Signature, ...] = ()
    metadata: tuple[MetadataEntry, ...] = ()
    buffers: tuple[BufferInfo, ...] = ()
    source: str | None = None
    size: int = 0
    trailing_bytes: int = 0  # bytes after the flatbuffer and its buffers (e.g. a MediaPipe ZIP)
    notes: tuple[str, ...] = ()  # reader observations that are tolerated but worth showing

    def metadata_value(self, name: str) -> Any:
        for entry in self.metadata:
            if entry.name == name:
                return entry.value
        return None

    @property
    def min_runtime_version(self) -> str | None:
        value = self.metadata_value("min_runtime_version")
        return value if isinstance(value, str) else None

    @property
    def conversion_metadata(self) -> Mapping[str, Any] | None:
        return self.metadata_value("CONVERSION_METADATA")

    @property
    def converter_version(self) -> str | None:
        meta = self.conversion_metadata
        env = meta.get("environment") if meta else None
        return env.get("tensorflow_version") if env else None

    def tensor(self, subgraph: int, index: int) -> Tensor | None:
        if not 0 <= subgraph < len(self.subgraphs):
            return None
        return self.subgraphs[subgraph].tensor(index)

    def signature(self, key: str) -> Signature | None:
        for sig in self.signatures:
            if sig.key == key:
                return sig
        return None

    def _repr_svg_(self) -> str | None:  # pragma: no cover - notebook hook
        """Notebook display: a diagram for small graphs (the render module decides)."""
        try:
            from .exporters.dot import repr_svg
        except ImportError:
            return None
        return repr_svg(self)
