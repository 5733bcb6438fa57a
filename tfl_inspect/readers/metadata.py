"""Decoders for the metadata entries whose format is known.

``CONVERSION_METADATA`` and ``TFLITE_METADATA`` are small flatbuffers of their own
(``conversion_metadata.fbs``, ``metadata_schema.fbs``); no maintained Python package
ships accessors for them without TensorFlow, so their few fields are read by slot.
Anything unreadable decodes to None rather than failing the whole model.
"""

from __future__ import annotations

import struct
from typing import Any

from .fbtable import FormatFaultError, Table, root
from .tflite_metadata import decode_model_metadata

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
            return _conversion_metadata(root(raw, len(raw)))
        if name == "TFLITE_METADATA":
            return _tflite_metadata(root(raw, len(raw)))
    except (FormatFaultError, struct.error, IndexError, ValueError, OverflowError):
        return None
    return None


_U8 = struct.Struct("<B").unpack_from
_I32 = struct.Struct("<i").unpack_from
_U32 = struct.Struct("<I").unpack_from


def _text(tab: Table | None, slot: int) -> str | None:
    return tab.string(slot) if tab is not None and tab.has(slot) else None


def _conversion_metadata(root_table: Table) -> dict[str, Any]:
    env = root_table.table(4)  # Environment { tensorflow_version, api_version, model_type }
    opts = root_table.table(6)  # ConversionOptions
    modes = opts.numbers(4, "i", 4)[0] if opts is not None else ()
    return {
        "environment": {
            "tensorflow_version": _text(env, 4),
            "api_version": env.scalar(6, _U32, None) if env is not None else None,
            "model_type": _MODEL_TYPES.get(env.scalar(8, _I32, 0) if env is not None else 0, "UNKNOWN"),
        },
        "options": {
            "model_optimization_modes": [_OPTIMIZATION_MODES.get(v, str(v)) for v in modes],
            "allow_custom_ops": bool(opts is not None and opts.scalar(6, _U8, 0)),
            "enable_select_tf_ops": bool(opts is not None and opts.scalar(8, _U8, 0)),
            "force_select_tf_ops": bool(opts is not None and opts.scalar(10, _U8, 0)),
        },
    }


def _tflite_metadata(model_metadata: Table) -> dict[str, Any]:
    return decode_model_metadata(model_metadata)
