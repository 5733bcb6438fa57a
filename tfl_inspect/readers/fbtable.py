"""A bounds-checked, fast view of one flatbuffer table.

The generated Python accessors trust every offset and cost several calls per field; a
10,000-op model has ~10^6 fields. This view reads a table's vtable once, checks every
position against the file size before following it, and raises :class:`FormatFaultError`
(not an IndexError from deep inside the runtime) when something points outside.
Field slots are the ones the generated code uses (4, 6, 8, …).
"""

from __future__ import annotations

import struct
from typing import Any

__all__ = ["FormatFaultError", "Table", "numbers_at", "root", "string_at", "table_at", "vtable"]

_I32 = struct.Struct("<i").unpack_from
_U32 = struct.Struct("<I").unpack_from
_HH = struct.Struct("<HH").unpack_from
_FIELDS: dict[int, Any] = {}  # vtable field count -> its compiled unpacker (few distinct counts)


def _fields_unpacker(n: int) -> Any:
    unpack = _FIELDS.get(n)
    if unpack is None:
        unpack = _FIELDS[n] = struct.Struct(f"<{n}H").unpack_from
    return unpack


_SMALL_FIELDS = [_fields_unpacker(n) for n in range(64)]  # indexed directly in the hot paths


_VECTORS: dict[tuple[str, int], Any] = {}  # (struct code, count) -> compiled unpacker


def _vector_unpacker(code: str, n: int) -> Any:
    unpack = _VECTORS.get((code, n))
    if unpack is None:
        unpack = struct.Struct(f"<{n}{code}").unpack_from
        if n <= 64:  # shapes and operand lists: few distinct lengths, worth keeping
            _VECTORS[(code, n)] = unpack
    return unpack


class FormatFaultError(ValueError):
    """A position or length in the flatbuffer that cannot be right."""


def vtable(buf: Any, size: int, pos: int) -> tuple[tuple[int, ...], int]:
    """(field offsets, end of table and vtable) of the table at ``pos``, checked as :class:`Table` checks.

    For hot loops that unpack known fields inline instead of building a :class:`Table`.
    """
    if not 0 <= pos <= size - 4:
        raise FormatFaultError(f"table at {pos} lies outside the file")
    vt = pos - _I32(buf, pos)[0]
    if not 0 <= vt <= size - 4:
        raise FormatFaultError(f"vtable at {vt} lies outside the file")
    vsize, tsize = _HH(buf, vt)
    if vsize < 4 or vsize & 1 or vt + vsize > size or pos + tsize > size:
        raise FormatFaultError(f"table at {pos} has an impossible vtable ({vsize}/{tsize} bytes)")
    a, b = vt + vsize, pos + tsize
    n = (vsize - 4) >> 1
    return (_SMALL_FIELDS[n] if n < 64 else _fields_unpacker(n))(buf, vt + 4), (a if a > b else b)


def table_at(buf: Any, size: int, at: int) -> int:
    """Position of the table whose offset is stored at ``at`` (a present field), checked like ``Table.table``."""
    target = at + _U32(buf, at)[0]
    if target > size - 4:
        raise FormatFaultError(f"offset at {at} points outside the file")
    return target


def _vector_at(buf: Any, size: int, at: int, item_bytes: int) -> tuple[int, int]:
    """(start, length) of the vector whose offset is stored at ``at``, checked to fit in the file."""
    target = at + _U32(buf, at)[0]
    if target > size - 4:
        raise FormatFaultError(f"offset at {at} points outside the file")
    (n,) = _U32(buf, target)
    start = target + 4
    if start + n * item_bytes > size:
        raise FormatFaultError(f"vector of {n} entries at {target} runs past the end of the file")
    return start, n


def numbers_at(buf: Any, size: int, at: int, code: str = "i", item_bytes: int = 4) -> tuple[tuple[Any, ...], int]:
    """:meth:`Table.numbers` for a field whose offset is stored at ``at`` (a present field)."""
    start, n = _vector_at(buf, size, at, item_bytes)
    if not n:
        return (), 0
    return _vector_unpacker(code, n)(buf, start), start + n * item_bytes


def string_at(buf: Any, size: int, at: int) -> tuple[str, int]:
    """:meth:`Table.string_end` for a field whose offset is stored at ``at`` (a present field)."""
    start, n = _vector_at(buf, size, at, 1)
    return bytes(buf[start : start + n]).decode("utf-8", "replace"), start + n + 1


class Table:
    __slots__ = ("buf", "end", "fields", "pos", "size")

    def __init__(self, buf: Any, size: int, pos: int) -> None:
        if not 0 <= pos <= size - 4:
            raise FormatFaultError(f"table at {pos} lies outside the file")
        vt = pos - _I32(buf, pos)[0]
        if not 0 <= vt <= size - 4:
            raise FormatFaultError(f"vtable at {vt} lies outside the file")
        vsize, tsize = _HH(buf, vt)
        if vsize < 4 or vsize & 1 or vt + vsize > size or pos + tsize > size:
            raise FormatFaultError(f"table at {pos} has an impossible vtable ({vsize}/{tsize} bytes)")
        self.buf, self.size, self.pos = buf, size, pos
        n = (vsize - 4) >> 1
        self.fields = (_SMALL_FIELDS[n] if n < 64 else _fields_unpacker(n))(buf, vt + 4)
        a, b = vt + vsize, pos + tsize
        self.end = a if a > b else b

    def off(self, slot: int) -> int:
        i = (slot - 4) >> 1
        fields = self.fields
        return fields[i] if i < len(fields) else 0

    def has(self, slot: int) -> bool:
        return bool(self.off(slot))

    def scalar(self, slot: int, unpack: Any, default: Any = 0) -> Any:
        i = (slot - 4) >> 1
        fields = self.fields
        if i < len(fields) and fields[i]:
            return unpack(self.buf, self.pos + fields[i])[0]
        return default

    def _target(self, slot: int) -> int:
        """Absolute position an offset field points to, or 0 when absent."""
        i = (slot - 4) >> 1
        fields = self.fields
        if i >= len(fields) or not fields[i]:
            return 0
        at = self.pos + fields[i]
        target = at + _U32(self.buf, at)[0]
        if target > self.size - 4:
            raise FormatFaultError(f"offset at {at} points outside the file")
        return target

    def table(self, slot: int) -> Table | None:
        target = self._target(slot)
        return Table(self.buf, self.size, target) if target else None

    def vector(self, slot: int, item_bytes: int) -> tuple[int, int]:
        """(start, length) of a vector field, checked to fit in the file."""
        at = self._target(slot)
        if not at:
            return 0, 0
        (n,) = _U32(self.buf, at)
        start = at + 4
        if start + n * item_bytes > self.size:
            raise FormatFaultError(f"vector of {n} entries at {at} runs past the end of the file")
        return start, n

    def numbers(self, slot: int, code: str, size: int) -> tuple[tuple[Any, ...], int]:
        """A vector of scalars (struct ``code`` of ``size`` bytes) and the position after it."""
        i = (slot - 4) >> 1
        fields = self.fields
        if i >= len(fields) or not fields[i]:
            return (), 0
        return numbers_at(self.buf, self.size, self.pos + fields[i], code, size)

    def string(self, slot: int) -> str:
        return self.string_end(slot)[0]

    def string_end(self, slot: int) -> tuple[str, int]:
        """A string field and the position after it (its NUL terminator included)."""
        i = (slot - 4) >> 1
        fields = self.fields
        if i >= len(fields) or not fields[i]:
            return "", 0
        return string_at(self.buf, self.size, self.pos + fields[i])

    def tables(self, slot: int) -> list[Table]:
        start, n = self.vector(slot, 4)
        buf, size = self.buf, self.size
        if not n:
            return []
        rel = struct.unpack_from(f"<{n}I", buf, start)
        return [Table(buf, size, start + 4 * i + r) for i, r in enumerate(rel)]


def root(buf: Any, size: int) -> Table:
    if size < 8:
        raise FormatFaultError(f"too small to be a flatbuffer ({size} bytes)")
    return Table(buf, size, _U32(buf, 0)[0])
