"""The front-end-neutral model every reader fills and every analysis reads.

Nothing here knows about flatbuffers or MLIR: readers translate into these immutable
records, so rules, shape inference and exporters work the same on `.tflite` and `.mlir`.
Tensor data stays behind a loader and is read only when asked for.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from .provenance import Producer

__all__ = [
    "Model",
    "Subgraph",
    "Tensor",
    "Operator",
    "Quantization",
    "Sparsity",
    "Signature",
    "IoName",
    "MetadataEntry",
    "BufferInfo",
    "Bytecode",
    "ContainerPart",
    "Container",
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
    # The buffer carries a data vector even though it is empty: LiteRT's InterpreterBuilder makes every
    # tensor whose buffer has one read-only (kTfLiteMmapRo), so a 0-byte tensor is still a constant.
    empty_data: bool = False
    quantization: Quantization | None = None
    sparsity: Sparsity | None = None
    external: bool = False  # data lives outside the flatbuffer (offset buffer or external file)
    _loader: Callable[[], np.ndarray | None] | None = field(default=None, repr=False, compare=False, hash=False)

    @property
    def is_constant(self) -> bool:
        return self.nbytes > 0 or self.external or self.empty_data

    @property
    def is_dynamic(self) -> bool:
        return not self.has_rank or -1 in self.shape_signature

    @property
    def is_quantized(self) -> bool:
        return self.quantization is not None and self.quantization.has_params

    def __repr__(self) -> str:
        dims = "?" if not self.has_rank else ",".join("?" if d < 0 else str(d) for d in self.shape_signature)
        extra = " const" if self.is_constant else (" var" if self.is_variable else "")
        if self.quantization is not None and self.quantization.scale:
            q = self.quantization
            extra += f" q(scale={q.scale[0]:.4g}, zp={q.zero_point[0] if q.zero_point else 0}"
            extra += f", {len(q.scale)} channels)" if q.per_channel else ")"
        return f"<Tensor {self.subgraph}:{self.index} {self.name!r} {self.dtype.lower()}[{dims}]{extra}>"

    def data(self) -> np.ndarray | None:
        """The constant's values as a read-only numpy array (a view where possible), else None.

        Sub-byte and other types numpy cannot hold come back as raw ``uint8`` bytes.
        """
        return self._loader() if self._loader is not None else None

    def raw(self) -> bytes | None:
        """The constant's bytes as stored, read without numpy (a front end that keeps none: None)."""
        raw = getattr(self._loader, "raw", None)
        return raw() if raw is not None else None


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

    def __repr__(self) -> str:
        return (
            f"<Operator {self.subgraph}:{self.index} {self.opcode} v{self.version} "
            f"in={list(self.inputs)} out={list(self.outputs)}>"
        )

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
    """One subgraph plus its use-def index (producer and consumers per tensor).

    Build it with :meth:`build`, which both readers call: it checks every operand index once,
    so analyses can index ``tensors`` without re-checking. The use-def index is built on first
    use (inspect's JSON path never needs it) and is the one producer/consumer map in the code.
    """

    index: int
    name: str
    tensors: tuple[Tensor, ...]
    operators: tuple[Operator, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    _uses: list[Any] = field(default_factory=list, repr=False, compare=False, hash=False)

    @classmethod
    def build(
        cls,
        index: int,
        name: str,
        tensors: tuple[Tensor, ...],
        operators: tuple[Operator, ...],
        inputs: tuple[int, ...],
        outputs: tuple[int, ...],
    ) -> Subgraph:
        """The one factory: validates subgraph I/O and operand ranges (-1 = omitted operand), and that
        every tensor's size fits 64 bits."""
        from .errors import ModelFormatError

        n = len(tensors)
        for tensor in tensors:
            if _size_overflows(tensor):
                shape = tensor.shape
                dims = ", ".join(map(str, shape[:8])) + (", …" if len(shape) > 8 else "")
                raise ModelFormatError(
                    f"subgraph {index} tensor {tensor.index} {tensor.name!r}: shape [{dims}] ({len(shape)} dims) "
                    "is too large, its size overflows 64 bits (LiteRT refuses it: 'BytesRequired number of "
                    "elements overflowed')"
                )
        for role, idx in (("input", inputs), ("output", outputs)):
            bad = [t for t in idx if not 0 <= t < n]
            if bad:
                raise ModelFormatError(f"subgraph {index} {role} tensor index {bad[0]} out of range (0..{n - 1})")
        for op in operators:
            for role, idx in (("input", op.inputs), ("output", op.outputs), ("intermediate", op.intermediates)):
                for t in idx:
                    if t >= n or t < (-1 if role == "input" else 0):
                        raise ModelFormatError(
                            f"subgraph {index} operator {op.index} ({op.opcode}) {role} tensor index {t} "
                            f"out of range (0..{n - 1})"
                        )
        return cls(index, name, tensors, operators, inputs, outputs)

    def tensor(self, index: int) -> Tensor | None:
        """The tensor at ``index``, or None for -1 (omitted) and out-of-range indices."""
        return self.tensors[index] if 0 <= index < len(self.tensors) else None

    def __repr__(self) -> str:
        def names(idx: tuple[int, ...]) -> str:
            shown = [self.tensors[t].name for t in idx[:4]]
            return repr(shown)[:-1] + (f", +{len(idx) - 4}]" if len(idx) > 4 else "]")

        return (
            f"<Subgraph {self.index} {self.name!r}: {len(self.operators)} ops, {len(self.tensors)} tensors, "
            f"inputs {names(self.inputs)}, outputs {names(self.outputs)}>"
        )

    def _index(self) -> tuple[list[int], list[tuple[int, ...]]]:
        if not self._uses:
            n = len(self.tensors)
            producer = [-1] * n
            consumers: list[list[int]] = [[] for _ in range(n)]
            for op in self.operators:
                i = op.index
                for t in op.outputs:
                    if 0 <= t < n:
                        producer[t] = i
                for t in op.inputs:
                    if 0 <= t < n:
                        c = consumers[t]
                        if not c or c[-1] != i:
                            c.append(i)
            self._uses.append((producer, [tuple(c) for c in consumers]))
        return self._uses[0]  # type: ignore[no-any-return]

    def producer(self, t: int) -> int:
        """Index of the op that writes tensor ``t``; -1 for inputs, constants and omitted operands."""
        producer = self._index()[0]
        return producer[t] if 0 <= t < len(producer) else -1

    def producer_op(self, t: int) -> Operator | None:
        p = self.producer(t)
        return self.operators[p] if p >= 0 else None

    def consumers(self, t: int) -> tuple[int, ...]:
        """Indices of the ops that read tensor ``t`` as an input, in op order, each once."""
        consumers = self._index()[1]
        return consumers[t] if 0 <= t < len(consumers) else ()

    def consumer_ops(self, t: int) -> list[Operator]:
        return [self.operators[i] for i in self.consumers(t)]


_SIZE_MAX = (1 << 64) - 1  # size_t


def _size_overflows(t: Tensor) -> bool:
    """LiteRT's ``BytesRequired``: elements, then bytes, multiplied in 64 bits with an overflow check.

    Types it sizes at run time (string, resource, variant) are not checked, as there. Negative dims
    count by magnitude here (LiteRT refuses them outright; the analyses read them as unknown).
    """
    shape = t.shape
    if len(shape) <= 64 and 0 <= math.prod(shape) < 1 << 56:
        return False  # the usual case: at most 8-byte elements, under 2^59 bytes (dims all positive)
    from . import dtypes

    row = dtypes.by_name(t.dtype)
    if row is None or row.bits is None:
        return False
    if len(shape) <= 64:
        count = math.prod(map(abs, shape))
    else:  # a corrupt rank: stop multiplying once past 64 bits
        count = 1
        for d in shape:
            count *= abs(d)
            if count > _SIZE_MAX:
                return True
    return count > _SIZE_MAX or (count * row.bits + 7) // 8 > _SIZE_MAX


@dataclass(frozen=True, slots=True)
class Signature:
    """A SignatureDef: user-facing names mapped, in stored order, to tensor indices.

    ``dangling`` keeps the entries that name a tensor the subgraph does not have, or one that is
    not among its inputs (for an input) or outputs (for an output), as ``(role, name, index)``.
    LiteRT loads such a model (tools that drop tensors without updating the signature write them)
    and only its signature runner fails, so the reader keeps the model and leaves those entries
    out of ``inputs``/``outputs``, where every analysis would take them for the model's I/O."""

    key: str
    subgraph: int
    inputs: Mapping[str, int]
    outputs: Mapping[str, int]
    dangling: tuple[tuple[str, str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class IoName:
    """One name a signature gives a subgraph input or output."""

    signature: str
    role: str  # "input" or "output"
    name: str


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
    has_data: bool = False  # the buffer table has a data vector (possibly empty)
    # A buffer no tensor uses that holds another flatbuffer (4-char file identifier at byte 4):
    # {"file_identifier": "MSMD", "strings": [...]}; set by the .tflite reader, None otherwise.
    embedded: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Bytecode:
    """A block of NPU bytecode the model points at (LiteRT's ahead-of-time compiled models).

    ``offset`` is from the start of the file; ``source`` says what points at it: the
    ``DISPATCH_OP`` options (one block may serve several ops) or the legacy ``NPU_BYTE_CODE``
    metadata entry. ``head`` is its first bytes, where vendors put their magic.
    """

    offset: int
    size: int
    source: str  # "DISPATCH_OP" | "NPU_BYTE_CODE"
    head: bytes = b""


@dataclass(frozen=True, slots=True)
class ContainerPart:
    """One member of an LLM bundle (a ``.litertlm`` section, a ``.task`` ZIP entry).

    ``offset``/``size`` locate its bytes in the container file; ``detail`` holds what the reader
    decoded from it (metadata protos, the section's key/value items), else is empty.
    """

    name: str  # section type (TFLiteModel, SP_Tokenizer …) or ZIP entry name (TF_LITE_PREFILL_DECODE …)
    kind: str  # "tflite", "tokenizer", "metadata", "weights" or "other"
    offset: int
    size: int
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Container:
    """The LLM bundle a model was read from: its parts and which of them is the model shown."""

    format: str  # "litertlm" or "task"
    path: str | None
    size: int
    version: str | None  # the container format's own version where it records one
    parts: tuple[ContainerPart, ...]
    model_part: int  # index into ``parts`` of the .tflite that was read
    metadata: Mapping[str, Any] = field(default_factory=dict)  # decoded bundle-level metadata

    @property
    def model(self) -> ContainerPart:
        return self.parts[self.model_part]


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
    trailing_bytes: int = 0  # bytes after the flatbuffer and its buffers (e.g. a MediaPipe ZIP, NPU bytecode)
    bytecode: tuple[Bytecode, ...] = ()  # NPU bytecode blocks in file order, each once
    notes: tuple[str, ...] = ()  # reader observations that are tolerated but worth showing
    # The bundle (.litertlm, .task) the flatbuffer came from; None for a plain file. Buffer offsets,
    # ``size`` and ``trailing_bytes`` are then the flatbuffer's, ``source`` the bundle's path.
    container: Container | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)

    def io_names(self, subgraph: int) -> Mapping[int, tuple[IoName, ...]]:
        """Tensor index → every signature name it has in ``subgraph``, in signature order.

        The one answer to "what does the user call this tensor": rules, diagrams, shapes
        and the coming commands read it instead of walking ``signatures`` themselves.
        """
        table = self._cache.get("io_names")
        if table is None:
            table = {}
            for sig in self.signatures:
                for role, names in (("input", sig.inputs), ("output", sig.outputs)):
                    for name, idx in names.items():
                        table.setdefault(sig.subgraph, {}).setdefault(idx, []).append(IoName(sig.key, role, name))
            table = {s: {t: tuple(v) for t, v in m.items()} for s, m in table.items()}
            self._cache["io_names"] = table
        return table.get(subgraph, {})  # type: ignore[no-any-return]

    def io_name(self, subgraph: int, tensor: int, role: str | None = None) -> IoName | None:
        """The first signature name of a tensor (optionally only as ``role`` input/output)."""
        for n in self.io_names(subgraph).get(tensor, ()):
            if role is None or n.role == role:
                return n
        return None

    def __repr__(self) -> str:
        n_ops = sum(len(sg.operators) for sg in self.subgraphs)
        sigs = [sig.key for sig in self.signatures[:4]] + (["…"] if len(self.signatures) > 4 else [])
        where = f" {self.source!r}" if self.source else ""
        return (
            f"<Model{where} {self.format}: {len(self.subgraphs)} subgraph(s), {n_ops} ops, "
            f"signatures {sigs}, {self.size:,} bytes>"
        )

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
    def producer(self) -> Producer:
        """Who produced the model, with the evidence (:mod:`tfl_inspect.provenance`); detected once."""
        found = self._cache.get("producer")
        if found is None:
            from .provenance import detect

            found = self._cache["producer"] = detect(self)
        return found  # type: ignore[no-any-return]

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

    def require_signature(self, key: str) -> Signature:
        """The signature a user named (``--signature KEY``): a usage error naming the signatures there
        are when there is none, or when it names a subgraph the model does not have. The one lookup
        every command uses."""
        from .errors import UsageError
        from .escape import text as esc

        sig = self.signature(key)
        if sig is None:
            known = ", ".join(esc(s.key) for s in self.signatures) or "none"
            raise UsageError(f"no signature {esc(key)!r} in this model (signatures: {known})")
        if not 0 <= sig.subgraph < len(self.subgraphs):
            raise UsageError(f"signature {esc(key)!r} names missing subgraph {sig.subgraph}")
        return sig

    def _repr_svg_(self) -> str | None:
        """Notebook display: whatever drawer :mod:`tfl_inspect.hooks` holds (the package root installs the diagram)."""
        from .hooks import svg

        return svg(self)
