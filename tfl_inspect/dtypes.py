"""The TensorType table shared by readers, rules and outputs.

One row per schema value so that every consumer agrees on names, sizes and ranges,
including the sub-byte and FLOAT8 types older Python packages do not know.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DType",
    "DTYPES",
    "BY_NAME",
    "BY_MLIR",
    "TFLM_TYPE_SIZE",
    "by_code",
    "by_name",
    "by_mlir",
    "is_float",
    "is_integer",
    "tensor_bytes",
]


@dataclass(frozen=True, slots=True)
class DType:
    code: int
    name: str
    bits: int | None  # None: variable size (STRING) or opaque handles
    numpy: str | None  # numpy dtype of the stored data; None where numpy has none
    qmin: int | None = None  # integer range, for quantization checks
    qmax: int | None = None
    litert: str = "object"  # numpy dtype name the LiteRT Python interpreter reports
    mlir: str = ""  # MLIR element type the converter prints (``f32``, ``ui8``, ``!tf_type.string``)
    mlir_aliases: tuple[str, ...] = ()  # other spellings MLIR text may use for the same type

    @property
    def family(self) -> str:
        if self.name in ("FLOAT32", "FLOAT64"):
            return "float32" if self.name == "FLOAT32" else "float64"
        if self.name in ("FLOAT16", "BFLOAT16"):
            return "float16"
        if self.name.startswith("FLOAT8"):
            return "float8"
        if self.name in ("INT8", "UINT8", "INT4", "UINT4", "INT2"):
            return "int8"
        if self.name in ("INT16", "UINT16"):
            return "int16"
        return "other"


def _int(code: int, name: str, bits: int, numpy: str | None, signed: bool, litert: str) -> DType:
    """An integer row; MLIR spells it ``i8`` / ``ui8`` (``si8``, ``u8`` also occur)."""
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    mlir = f"i{bits}" if signed else f"ui{bits}"
    alias = f"si{bits}" if signed else f"u{bits}"
    return DType(code, name, bits, numpy, lo, hi, litert, mlir, (alias,))


DTYPES: tuple[DType, ...] = (
    DType(0, "FLOAT32", 32, "float32", litert="float32", mlir="f32"),
    DType(1, "FLOAT16", 16, "float16", litert="float16", mlir="f16"),
    _int(2, "INT32", 32, "int32", True, "int32"),
    _int(3, "UINT8", 8, "uint8", False, "uint8"),
    _int(4, "INT64", 64, "int64", True, "int64"),
    DType(5, "STRING", None, None, litert="bytes_", mlir="!tf_type.string"),
    DType(6, "BOOL", 8, "bool", litert="bool", mlir="i1"),
    _int(7, "INT16", 16, "int16", True, "int16"),
    DType(8, "COMPLEX64", 64, "complex64", litert="complex64", mlir="complex<f32>"),
    _int(9, "INT8", 8, "int8", True, "int8"),
    DType(10, "FLOAT64", 64, "float64", litert="float64", mlir="f64"),
    DType(11, "COMPLEX128", 128, "complex128", litert="complex128", mlir="complex<f64>"),
    _int(12, "UINT64", 64, "uint64", False, "uint64"),
    DType(13, "RESOURCE", None, None, litert="object", mlir="!tf_type.resource"),
    DType(14, "VARIANT", None, None, litert="object", mlir="!tf_type.variant"),
    _int(15, "UINT32", 32, "uint32", False, "uint32"),
    _int(16, "UINT16", 16, "uint16", False, "uint16"),
    # Sub-byte types are packed two (four) per byte; LiteRT's Python API reports them as int8.
    _int(17, "INT4", 4, None, True, "int8"),
    DType(18, "BFLOAT16", 16, None, litert="bfloat16", mlir="bf16"),
    _int(19, "INT2", 2, None, True, "int8"),
    _int(20, "UINT4", 4, None, False, "uint8"),
    DType(21, "FLOAT8_E4M3FN", 8, None, litert="float8_e4m3fn", mlir="f8E4M3FN"),
    DType(22, "FLOAT8_E5M2", 8, None, litert="float8_e5m2", mlir="f8E5M2"),
)

BY_NAME: dict[str, DType] = {d.name: d for d in DTYPES}
# MLIR element type → row, every spelling; the canonical one wins where two rows share an alias.
BY_MLIR: dict[str, DType] = {a: d for d in DTYPES for a in d.mlir_aliases} | {d.mlir: d for d in DTYPES if d.mlir}


def by_code(code: int) -> DType | None:
    """The row for a schema TensorType value, or None for a value newer than this table."""
    return DTYPES[code] if 0 <= code < len(DTYPES) else None


def by_name(name: str) -> DType | None:
    return BY_NAME.get(name)


def by_mlir(element: str) -> DType | None:
    """The row for an MLIR element type (``f32``, ``ui8``, ``si32``, ``!tf_type.string``)."""
    return BY_MLIR.get(element)


def is_float(name: str) -> bool:
    return name in ("FLOAT32", "FLOAT16", "FLOAT64", "BFLOAT16", "FLOAT8_E4M3FN", "FLOAT8_E5M2")


def is_integer(name: str) -> bool:
    row = BY_NAME.get(name)
    return row is not None and row.qmin is not None


# TfLiteTypeSizeOf (tensorflow/tflite-micro tensorflow/lite/micro/memory_helpers.cc @90b983c2): TFLM keeps
# INT4 one element per byte (unpacked) and a resource handle in 4 bytes; it cannot size the other types.
TFLM_TYPE_SIZE: dict[str, int] = {
    "FLOAT16": 2, "BFLOAT16": 2, "FLOAT32": 4, "FLOAT64": 8, "INT16": 2, "INT32": 4, "UINT32": 4,
    "UINT8": 1, "UINT16": 2, "INT8": 1, "INT64": 8, "UINT64": 8, "BOOL": 1, "RESOURCE": 4,
    "COMPLEX64": 8, "COMPLEX128": 16, "INT4": 1,
}  # fmt: skip


def tensor_bytes(dtype: str, shape: Sequence[int], runtime: Literal["litert", "tflm"] = "litert") -> int | None:
    """The bytes a runtime allocates for a tensor of this type and shape; None where it cannot size it.

    ``litert`` (LiteRT ``BytesRequired``, tflite/util.cc @f6745779): elements × type size, sub-byte
    types packed and rounded up (INT4/UINT4 two per byte, INT2 four); STRING, RESOURCE and VARIANT
    tensors are sized at run time (``kTfLiteDynamic``), so None. ``tflm``: :data:`TFLM_TYPE_SIZE`.
    An unknown (negative) dim counts as 0.
    """
    n = 1
    for d in shape:
        n *= max(d, 0)
    if runtime == "tflm":
        size = TFLM_TYPE_SIZE.get(dtype)
        return None if size is None else n * size
    row = BY_NAME.get(dtype)
    if row is None or not row.bits:
        return None
    return (n * row.bits + 7) // 8
