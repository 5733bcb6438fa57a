"""Operator names and builtin-option decoding.

Options become plain dicts with snake_case keys and enum *names*
(``{"padding": "SAME", "fused_activation_function": "RELU6"}``) so that rules and JSON
never see flatbuffer objects. Enum values and option-table layouts come from the
``tflite`` package's generated sources, read as text so that this startup path does not
import its 300 modules (nor numpy); the few schema additions that package predates are
added here (see ``schema/TFLITE_SCHEMA.md``).
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import struct
from functools import cache
from typing import TYPE_CHECKING, Any

from .. import dtypes

if TYPE_CHECKING:
    from .fbtable import Table

__all__ = [
    "BUILTIN_NAMES",
    "builtin_name",
    "decode_options",
    "is_subgraph_field",
]


@cache
def _tflite_dir() -> str:
    spec = importlib.util.find_spec("tflite")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the 'tflite' package is required to decode operator options")
    return next(iter(spec.submodule_search_locations))


@cache
def _source(name: str) -> str:
    """The generated source of ``tflite.<name>`` ('' when that module does not exist)."""
    path = os.path.join(_tflite_dir(), f"{name}.py")
    if not os.path.isfile(path):
        return ""
    with open(path, encoding="utf-8") as fh:
        return fh.read()


_ENUM_VALUE = re.compile(r"^    ([A-Za-z_][A-Za-z0-9_]*) = (-?\d+)$", re.MULTILINE)


def _enum_names(name: str) -> dict[int, str]:
    """{value: name} of a generated flatbuffers enum class."""
    return {int(v): k for k, v in _ENUM_VALUE.findall(_source(name))}


# BuiltinOperator values the tflite package predates (schema revision of 2026-06).
_NEWER_BUILTINS = {209: "STABLEHLO_CASE"}

BUILTIN_NAMES: dict[int, str] = _enum_names("BuiltinOperator") | _NEWER_BUILTINS


def builtin_name(code: int) -> str:
    """Name of a BuiltinOperator value; unknown (newer) values stay visible as numbers."""
    return BUILTIN_NAMES.get(code, f"BUILTIN_{code}")


_TENSOR_TYPE = {d.code: d.name for d in dtypes.DTYPES}

# Option fields whose integer value is an enum, keyed by the accessor name.
_ENUM_FIELDS: dict[str, dict[int, str]] = {
    "Padding": _enum_names("Padding"),
    "FusedActivationFunction": _enum_names("ActivationFunctionType"),
    "Mode": _enum_names("MirrorPadMode"),
    "Combiner": _enum_names("CombinerType"),
    "KernelType": _enum_names("LSTMKernelType"),
    "WeightsFormat": _enum_names("FullyConnectedOptionsWeightsFormat"),
    "ReduceFunction": _enum_names("ReduceWindowFunction"),
    "Algorithm": _enum_names("RngAlgorithm"),
    "ComparisonDirection": _enum_names("StablehloComparisonDirection"),
    "CompareType": _enum_names("StablehloComparisonType"),
    "PrecisionConfig": _enum_names("StablehloPrecisionConfig"),
    "CompositeAttributesFormat": _enum_names("CustomOptionsFormat"),
    "InDataType": _TENSOR_TYPE,
    "OutDataType": _TENSOR_TYPE,
    "OutType": _TENSOR_TYPE,
    "OutputType": _TENSOR_TYPE,
    "IdxOutType": _TENSOR_TYPE,
    "QuantizedBiasType": _TENSOR_TYPE,
    "KeyDtype": _TENSOR_TYPE,
    "ValueDtype": _TENSOR_TYPE,
}
_TYPE_ENUMS = {"LSHProjectionOptions": _enum_names("LSHProjectionType")}

# Option fields that name subgraphs (WHILE, IF, CALL_ONCE, CALL, StableHLO composite, ...).
_SUBGRAPH_FIELD = re.compile(r"(^subgraph$|_subgraph_index$|_subgraph_indices$)")


@cache
def is_subgraph_field(name: str) -> bool:
    """True when an option field holds subgraph indices."""
    return bool(_SUBGRAPH_FIELD.search(name))


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


_SCALAR = {
    "Bool": "<?",
    "Int8": "<b",
    "Uint8": "<B",
    "Int16": "<h",
    "Uint16": "<H",
    "Int32": "<i",
    "Uint32": "<I",
    "Int64": "<q",
    "Uint64": "<Q",
    "Float32": "<f",
    "Float64": "<d",
}
_VECTOR = {
    "Bool": ("?", 1),
    "Int8": ("b", 1),
    "Uint8": ("B", 1),
    "Int16": ("h", 2),
    "Uint16": ("H", 2),
    "Int32": ("i", 4),
    "Uint32": ("I", 4),
    "Int64": ("q", 8),
    "Uint64": ("Q", 8),
    "Float32": ("f", 4),
    "Float64": ("d", 8),
}
_HEAD = r"    def (\w+)\(self\):\n\s+o = [^\n]*Offset\((\d+)\)\)\n\s+if o != 0:\n\s+"
_SCALAR_RE = re.compile(
    _HEAD + r"return (?:bool\()?self\._tab\.Get\(flatbuffers\.number_types\.(\w+)Flags, [^\n]*\n\s+return ([^\n]+)"
)
_STRING_RE = re.compile(_HEAD + r"return self\._tab\.String\(")
_VECTOR_RE = re.compile(
    r"    def (\w+)AsNumpy\(self\):\n\s+o = [^\n]*Offset\((\d+)\)\)\n\s+if o != 0:\n\s+"
    r"return self\._tab\.GetVectorAsNumpy\(flatbuffers\.number_types\.(\w+)Flags, o\)"
)

Field = tuple[str, int, str, Any, Any, "dict[int, str] | None"]


@cache
def _spec(cls_name: str) -> tuple[Field, ...] | None:
    """Field layout of an options table, read once from the ``tflite`` package's generated code.

    The generated accessors are exact but slow (several calls per field); their source
    says each field's slot, type and default, which is all a fast decoder needs.
    """
    src = _source(cls_name)
    if not src:
        return None
    fields: list[Field] = []
    for name, slot, flags, default in _SCALAR_RE.findall(src):
        enum = _TYPE_ENUMS.get(cls_name) if name == "Type" else _ENUM_FIELDS.get(name)
        value = ast.literal_eval(default.strip())
        fields.append((_snake(name), int(slot), "scalar", struct.Struct(_SCALAR[flags]).unpack_from, value, enum))
    for name, slot in _STRING_RE.findall(src):
        fields.append((_snake(name), int(slot), "string", None, None, None))
    for name, slot, flags in _VECTOR_RE.findall(src):
        fields.append((_snake(name), int(slot), "vector", _VECTOR[flags], None, _ENUM_FIELDS.get(name)))
    fields.sort(key=lambda f: f[1])
    return tuple(fields)


def _decode_table(spec: tuple[Field, ...], table: Table) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, slot, kind, how, default, enum in spec:
        if kind == "scalar":
            value = table.scalar(slot, how, default)
            if enum is not None:
                value = enum.get(value, value)
        elif kind == "string":
            value = table.string(slot)  # absent reads as "", as the kernels read it
        else:
            if key.endswith("attributes"):
                start, n = table.vector(slot, 1)
                value = _decode_flex(bytes(table.buf[start : start + n])) if n else None
            else:
                value = list(table.numbers(slot, *how)[0])
                if enum is not None:
                    value = [enum.get(v, v) for v in value]
        out[key] = value
    return out


def _decode_stablehlo_case(table: Table) -> dict[str, Any]:
    # StablehloCaseOptions (builtin_options_2 #23) is newer than the tflite package:
    # table { branch_subgraph_indices: [int]; } -> slot 4.
    return {"branch_subgraph_indices": list(table.numbers(4, "i", 4)[0])}


def _decode_flex(raw: bytes) -> Any:
    """A FlexBuffer as plain data, or a size note when it is not one."""
    if not raw:
        return None
    try:
        from flatbuffers import flexbuffers  # type: ignore[import-untyped]

        return _plain(flexbuffers.Loads(raw))
    except Exception:
        return {"bytes": len(raw)}


def _plain(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return {"bytes": len(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


_OPTIONS1 = _enum_names("BuiltinOptions")
_OPTIONS2 = _enum_names("BuiltinOptions2") | {23: "StablehloCaseOptions"}


def decode_options(union: int, table: Table | None, second: bool = False) -> tuple[str | None, dict[str, Any]]:
    """(options type name, decoded dict) for a ``builtin_options``/``builtin_options_2`` union."""
    names = _OPTIONS2 if second else _OPTIONS1
    name = names.get(union)
    if name is None or name == "NONE" or table is None:
        return (name if name != "NONE" else None), {}
    if name == "StablehloCaseOptions":
        return name, _decode_stablehlo_case(table)
    spec = _spec(name)
    return name, (_decode_table(spec, table) if spec else {})


def decode_custom_options(raw: bytes) -> Any:
    return _decode_flex(raw)
