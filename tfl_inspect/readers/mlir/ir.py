"""The generic MLIR structure the parser produces: operations, regions, types, attributes, locations.

Deliberately dialect-agnostic: ``to_model`` gives TFL meaning to it; the diagnosis reads
locations and unlegalized ``tf.*`` ops from it directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Loc",
    "TensorType",
    "QuantType",
    "FunctionType",
    "DenseElements",
    "DenseResource",
    "TypeAttr",
    "SymbolRef",
    "OpaqueAttr",
    "MlirString",
    "Block",
    "Region",
    "Operation",
    "Module",
]


class MlirString(str):
    """A string attribute; ``raw`` keeps its exact bytes (``\\00`` escapes included)."""

    raw: bytes

    def __new__(cls, raw: bytes) -> MlirString:
        obj = super().__new__(cls, raw.decode("utf-8", "replace"))
        obj.raw = raw
        return obj


@dataclass(frozen=True, slots=True)
class Loc:
    """A location: ``name`` (``"x"``), ``file`` (``"f.py":3:1``), ``fused``, ``callsite``, ``unknown``.

    ``children`` holds the fused parts, or (callee, caller) for a callsite, or the child of a
    name location. ``text`` is the location as printed (aliases resolved).
    """

    kind: str
    name: str | None = None
    children: tuple[Loc, ...] = ()
    text: str = ""

    def names(self) -> Iterator[str]:
        """Every name in the location, innermost-callee first."""
        if self.kind in ("name", "file") and self.name is not None:
            yield self.name
        for child in self.children:
            yield from child.names()

    def render(self) -> str:
        """The location as MLIR text with every ``#loc`` alias expanded."""
        if self.kind == "name":
            quoted = '"' + (self.name or "").replace("\\", "\\\\").replace('"', '\\"') + '"'
            return quoted + (f"({self.children[0].render()})" if self.children else "")
        if self.kind == "fused":
            return "fused[" + ", ".join(c.render() for c in self.children) + "]"
        if self.kind == "callsite" and len(self.children) == 2:
            return f"callsite({self.children[0].render()} at {self.children[1].render()})"
        return self.text or self.kind

    def node_names(self) -> list[str]:
        """TensorFlow node names in the location, callee first, without the ``@__inference_...``
        function suffix; op-type tags (``"Conv2D:"``) and source-file positions are left out."""
        out: list[str] = []

        def visit(loc: Loc) -> None:
            if loc.kind == "name" and loc.name and not loc.name.endswith(":"):
                name = loc.name.split("@", 1)[0]
                if name and name not in out:
                    out.append(name)
            for child in loc.children:
                visit(child)

        visit(self)
        return out


@dataclass(frozen=True, slots=True)
class QuantType:
    """``!quant.uniform<...>`` (scales/zero points) or ``!quant.calibrated<...>`` (min/max)."""

    storage: str  # "i8", "u8", "i16", "i32", "i4", or the expressed type for calibrated
    expressed: str
    scales: tuple[float, ...] = ()
    zero_points: tuple[int, ...] = ()
    axis: int | None = None
    storage_min: int | None = None
    storage_max: int | None = None
    min: float | None = None  # calibrated
    max: float | None = None
    text: str = ""

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class TensorType:
    """``tensor<?x3xf32>``: ``shape`` uses None for ``?``; None shape means unranked (``*``)."""

    shape: tuple[int | None, ...] | None
    element: Any  # str ("f32", "!tf_type.string") or QuantType or TensorType-free opaque text
    kind: str = "tensor"

    def __str__(self) -> str:
        dims = "*x" if self.shape is None else "".join(f"{'?' if d is None else d}x" for d in self.shape)
        return f"{self.kind}<{dims}{self.element}>"

    @property
    def unknown_dims(self) -> tuple[int, ...]:
        return () if self.shape is None else tuple(i for i, d in enumerate(self.shape) if d is None)


@dataclass(frozen=True, slots=True)
class FunctionType:
    inputs: tuple[Any, ...]
    results: tuple[Any, ...]

    def __str__(self) -> str:
        ins = ", ".join(map(str, self.inputs))
        outs = ", ".join(map(str, self.results))
        return f"({ins}) -> ({outs})" if len(self.results) != 1 else f"({ins}) -> {outs}"


@dataclass(frozen=True, slots=True)
class DenseElements:
    """``dense<...> : type``: ``values`` flattened in row-major order (one value when
    ``splat``), or the raw little-endian bytes as ``hex`` (``dense<"0x...">``)."""

    type: Any
    values: tuple[Any, ...] = ()
    splat: bool = False
    hex: str | None = None


@dataclass(frozen=True, slots=True)
class DenseResource:
    """``dense_resource<name> : type``; the bytes live in the file's resource section, if anywhere."""

    name: str
    type: Any


@dataclass(frozen=True, slots=True)
class TypeAttr:
    type: Any


@dataclass(frozen=True, slots=True)
class SymbolRef:
    name: str  # without the @


@dataclass(frozen=True, slots=True)
class OpaqueAttr:
    """A dialect attribute kept as text, e.g. ``#tfl<mirror_pad_attr REFLECT>``."""

    text: str
    value: Any = None  # decoded where simple: the enum word, or bytes for const_bytes


@dataclass(slots=True)
class Block:
    label: str | None
    arguments: list[tuple[str, Any, dict[str, Any], Loc | None]] = field(default_factory=list)
    operations: list[Operation] = field(default_factory=list)


@dataclass(slots=True)
class Region:
    blocks: list[Block] = field(default_factory=list)


@dataclass(slots=True)
class Operation:
    """One operation in either printed form. ``results`` are SSA names (``%0#1`` for packs)."""

    name: str
    results: list[str] = field(default_factory=list)
    operands: list[str] = field(default_factory=list)
    operand_types: list[Any] = field(default_factory=list)
    result_types: list[Any] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    regions: list[Region] = field(default_factory=list)
    successors: list[str] = field(default_factory=list)
    loc: Loc | None = None
    line: int = 0
    column: int = 0

    def attr(self, key: str, default: Any = None) -> Any:
        """A property or attribute (MLIR moved many attributes into ``<{...}>`` properties)."""
        if key in self.properties:
            return self.properties[key]
        return self.attributes.get(key, default)

    @property
    def all_attributes(self) -> dict[str, Any]:
        return {**self.attributes, **self.properties}

    @property
    def dialect(self) -> str:
        return self.name.split(".", 1)[0] if "." in self.name else ""

    def walk(self) -> Iterator[Operation]:
        yield self
        for region in self.regions:
            for block in region.blocks:
                for op in block.operations:
                    yield from op.walk()


@dataclass(slots=True)
class Module:
    """A parsed document: top-level operations (usually one ``builtin.module``)."""

    operations: list[Operation]
    resources: dict[str, bytes] = field(default_factory=dict)
    path: str | None = None

    def functions(self) -> list[Operation]:
        """``func.func`` operations in file order, looking inside ``module`` bodies."""
        out: list[Operation] = []

        def visit(ops: list[Operation]) -> None:
            for op in ops:
                if op.name == "func.func":
                    out.append(op)
                elif op.name == "builtin.module":
                    for region in op.regions:
                        for block in region.blocks:
                            visit(block.operations)

        visit(self.operations)
        return out

    def module_attributes(self) -> dict[str, Any]:
        for op in self.operations:
            if op.name == "builtin.module":
                return op.all_attributes
        return {}
