"""Decoders for the metadata entries whose format is known.

``CONVERSION_METADATA`` and ``TFLITE_METADATA`` are small flatbuffers of their own
(``conversion_metadata.fbs``, ``metadata_schema.fbs``); no maintained Python package
ships accessors for them without TensorFlow, so their few fields are read by slot.
Anything unreadable decodes to None rather than failing the whole model.

LiteRT's ahead-of-time compiled models carry two more: ``LiteRtStamp``, the SoC a model was
compiled for (``struct BuildStamp { char soc_manufacturer[125]; char soc_model[125]; }``,
google-ai-edge/LiteRT litert/core/build_stamp.h:39-45 and build_stamp.cc:30-33 @f67457790c9c;
``ParseBuildStamp`` refuses any other size, build_stamp.cc:52-60), and the legacy
``NPU_BYTE_CODE`` placeholder ``"<npu_byte_code>"`` + offset and size as NUL-padded decimal
strings of 11 bytes each (tensorflow/tensorflow tensorflow/lite/experimental/litert/core/
byte_code_util.cc ``ByteCodePlaceholder`` @23f68d61c723), which older LiteRT wrote with a
251-byte stamp (the same two strings plus a serialization byte).
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
STAMP_SIZE = 250  # sizeof(BuildStamp) in LiteRT 2.x
_STAMP_FIELD = 125
_BYTE_CODE_PREFIX = b"<npu_byte_code>"
_BYTE_CODE_FIELD = 11


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
        if name == "LiteRtStamp":
            return _build_stamp(raw)
        if name == "NPU_BYTE_CODE":
            return _byte_code_placeholder(raw)
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


def _cstr(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def _build_stamp(raw: bytes) -> dict[str, Any]:
    """The SoC a model was compiled for; ``valid`` is False where LiteRT 2.x refuses the stamp (its size)."""
    out: dict[str, Any] = {
        "soc_manufacturer": _cstr(raw[:_STAMP_FIELD]),
        "soc_model": _cstr(raw[_STAMP_FIELD : 2 * _STAMP_FIELD]),
        "valid": len(raw) == STAMP_SIZE,
    }
    if len(raw) == STAMP_SIZE + 1:  # the older layout's trailing Serialization enum
        out["serialization"] = raw[-1]
    return out


def _byte_code_placeholder(raw: bytes) -> dict[str, Any] | None:
    """``{"offset", "size"}`` of the legacy appended bytecode, None when the placeholder is not filled in."""
    if not raw.startswith(_BYTE_CODE_PREFIX):
        return None
    body = raw[len(_BYTE_CODE_PREFIX) :]
    offset, size = _cstr(body[:_BYTE_CODE_FIELD]), _cstr(body[_BYTE_CODE_FIELD : 2 * _BYTE_CODE_FIELD])
    if not (offset.isdigit() and size.isdigit()):
        return None
    return {"offset": int(offset), "size": int(size)}
