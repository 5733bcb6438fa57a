"""Decoders for the metadata entries whose format is known.

``CONVERSION_METADATA`` and ``TFLITE_METADATA`` are small flatbuffers of their own
(``conversion_metadata.fbs``, ``metadata_schema.fbs``); no maintained Python package
ships accessors for them without TensorFlow, so their few fields are read by slot.
Anything unreadable decodes to None rather than failing the whole model.
"""

from __future__ import annotations

import struct
from typing import Any

from flatbuffers.table import Table

__all__ = ["decode"]

_MODEL_TYPES = {
    0: "NONE",
    1: "TF_SAVED_MODEL",
    2: "KERAS_MODEL",
    3: "TF_CONCRETE_FUNCTIONS",
    4: "TF_GRAPH_DEF",
    5: "TF_SESSION",
    6: "JAX",
}
_OPTIMIZATION_MODES = {
    1001: "PTQ_FLOAT16",
    1002: "PTQ_DYNAMIC_RANGE",
    1003: "PTQ_FULL_INTEGER",
    1004: "PTQ_INT16",
    2000: "QUANTIZATION_AWARE_TRAINING",
    3001: "RANDOM_SPARSITY",
    3002: "BLOCK_SPARSITY",
    3003: "STRUCTURED_SPARSITY",
}
_TEXT_ENTRIES = {"min_runtime_version", "buffer_location", "reduced_precision_support"}


def decode(name: str, raw: bytes) -> Any:
    """The decoded value of a metadata entry, or None when unknown or unreadable."""
    if not raw:
        return None
    try:
        if name in _TEXT_ENTRIES:
            return raw.split(b"\0", 1)[0].decode("utf-8", "replace")
        if name == "CONVERSION_METADATA":
            return _conversion_metadata(raw)
        if name == "TFLITE_METADATA":
            return _tflite_metadata(raw)
    except (struct.error, IndexError, ValueError, TypeError, OverflowError, AssertionError):
        return None
    return None


def _root(raw: bytes) -> Table:
    (off,) = struct.unpack_from("<I", raw, 0)
    if off + 4 > len(raw):
        raise ValueError("root offset outside buffer")
    return Table(raw, off)


def _sub(tab: Table, slot: int) -> Table | None:
    o = tab.Offset(slot)
    return Table(tab.Bytes, tab.Indirect(o + tab.Pos)) if o else None


def _str(tab: Table | None, slot: int) -> str | None:
    if tab is None:
        return None
    o = tab.Offset(slot)
    return tab.String(o + tab.Pos).decode("utf-8", "replace") if o else None


def _num(tab: Table | None, slot: int, fmt: str, default: Any = None) -> Any:
    if tab is None:
        return default
    o = tab.Offset(slot)
    return struct.unpack_from(fmt, tab.Bytes, tab.Pos + o)[0] if o else default


def _int_vector(tab: Table | None, slot: int) -> list[int]:
    if tab is None:
        return []
    o = tab.Offset(slot)
    if not o:
        return []
    start, n = tab.Vector(o), tab.VectorLen(o)
    if start + 4 * n > len(tab.Bytes):
        raise ValueError("vector outside buffer")
    return list(struct.unpack_from(f"<{n}i", tab.Bytes, start))


def _conversion_metadata(raw: bytes) -> dict[str, Any]:
    root = _root(raw)
    env = _sub(root, 4)  # Environment { tensorflow_version, api_version, model_type }
    opts = _sub(root, 6)  # ConversionOptions
    return {
        "environment": {
            "tensorflow_version": _str(env, 4),
            "api_version": _num(env, 6, "<I"),
            "model_type": _MODEL_TYPES.get(_num(env, 8, "<i", 0), "UNKNOWN"),
        },
        "options": {
            "model_optimization_modes": [
                _OPTIMIZATION_MODES.get(v, str(v)) for v in _int_vector(opts, 4)
            ],
            "allow_custom_ops": bool(_num(opts, 6, "<B", 0)),
            "enable_select_tf_ops": bool(_num(opts, 8, "<B", 0)),
            "force_select_tf_ops": bool(_num(opts, 10, "<B", 0)),
        },
    }


def _tflite_metadata(raw: bytes) -> dict[str, Any]:
    root = _root(raw)  # ModelMetadata, file identifier "M001"
    files = []
    o = root.Offset(16)
    if o:
        vec, n = root.Vector(o), root.VectorLen(o)
        for j in range(min(n, 1000)):
            files.append(_str(Table(raw, root.Indirect(vec + 4 * j)), 4))
    return {
        "name": _str(root, 4),
        "description": _str(root, 6),
        "version": _str(root, 8),
        "author": _str(root, 12),
        "license": _str(root, 14),
        "associated_files": files,
        "min_parser_version": _str(root, 18),
    }
