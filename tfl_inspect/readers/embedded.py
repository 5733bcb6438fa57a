"""Flatbuffers embedded in a model's buffers: detector/segmenter option blocks, converter command lines.

MediaPipe and ML Kit models carry small flatbuffers of their own in buffers no tensor uses (file
identifiers such as ``FDMD``, ``SEMD``, ``MSMD``; ``M001`` is TFLite Metadata). They are data, not
orphaned weights. Their schemas are not public, so only the identifier and the readable strings of
the root table are reported; a converter command line among them is provenance when the model has no
``CONVERSION_METADATA``.
"""

from __future__ import annotations

import struct
from typing import Any

from .fbtable import FormatFaultError, Table

__all__ = ["describe", "converter_command", "has_identifier"]

_U32 = struct.Struct("<I").unpack_from
_IDENT = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_MAX_STRINGS = 16
_MAX_TEXT = 4096


def has_identifier(head: bytes) -> bool:
    """Bytes 4..8 are a 4-character file identifier (letters, digits, underscore)."""
    return len(head) >= 8 and all(c in _IDENT for c in head[4:8])


def describe(raw: bytes) -> dict[str, Any] | None:
    """``{"file_identifier", "strings"}`` when ``raw`` looks like a flatbuffer with an identifier, else None."""
    if not has_identifier(raw):
        return None
    (root,) = _U32(raw, 0)
    if not 8 <= root <= len(raw) - 4:
        return None
    try:
        Table(raw, len(raw), root)  # a plausible root table and vtable, not weights that happen to look alike
    except FormatFaultError:
        return None
    return {"file_identifier": raw[4:8].decode("ascii"), "strings": _strings(raw, root)}


def _strings(raw: bytes, table: int) -> list[str]:
    """Readable strings the root table points to directly (bounds-checked, best effort)."""
    size = len(raw)
    (soffset,) = struct.unpack_from("<i", raw, table)
    vtable = table - soffset
    if not 0 <= vtable <= size - 4:
        return []
    vsize = struct.unpack_from("<H", raw, vtable)[0]
    if vsize < 4 or vtable + vsize > size:
        return []
    out = []
    for slot in range(4, vsize, 2):
        (field,) = struct.unpack_from("<H", raw, vtable + slot)
        at = table + field
        if not field or at + 4 > size:
            continue
        target = at + _U32(raw, at)[0]
        if target + 4 > size:
            continue
        (n,) = _U32(raw, target)
        if not 0 < n <= _MAX_TEXT or target + 4 + n >= size or raw[target + 4 + n] != 0:
            continue
        text = raw[target + 4 : target + 4 + n]
        if all(32 <= c < 127 or c in (9, 10, 13) for c in text):
            out.append(text.decode("ascii"))
            if len(out) >= _MAX_STRINGS:
                break
    return out


def converter_command(embedded: dict[str, Any] | Any) -> str | None:
    """A converter command line among an embedded block's strings (``--name=... --output=...``)."""
    for text in (embedded or {}).get("strings", ()):
        if "--" in text and ("convert" in text or "tflite" in text or "location" in text):
            return str(text)
    return None
