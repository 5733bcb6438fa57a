"""`.tflite` flatbuffer → :class:`~tfl_inspect.model.Model`.

The file is memory-mapped and walked through :class:`~.fbtable.Table`, which checks every
offset against the file size before following it, so corrupt files fail with a
:class:`ModelFormatError` naming what was being read. Weights are never read here:
tensors get a loader instead. Field slots follow ``schema.fbs`` (see
``schema/TFLITE_SCHEMA.md``); option tables are decoded by :mod:`tfl_inspect.readers.opcodes`.
"""

from __future__ import annotations

import dataclasses
import math
import mmap
import os
import struct
from typing import TYPE_CHECKING, Any

from .. import dtypes
from ..errors import ModelFormatError
from ..model import (
    BufferInfo,
    Bytecode,
    MetadataEntry,
    Model,
    Operator,
    Quantization,
    Signature,
    Sparsity,
    Subgraph,
    Tensor,
)
from . import embedded as _embedded
from . import metadata as _metadata
from . import opcodes
from .fbtable import FormatFaultError, Table, numbers_at, root, string_at, table_at, vtable

if TYPE_CHECKING:
    import numpy as np

__all__ = ["read_flatbuffer", "read_flatbuffer_view", "looks_like_flatbuffer", "custom_options_value"]

_FILE_ID = b"TFL3"
_MAX_SCHEMA_VERSION = 3
_CUSTOM = 32  # BuiltinOperator.CUSTOM
_SLACK = 16  # trailing bytes below this are alignment padding, not appended data
_MAX_DECODE = 16 << 20  # custom options / metadata decoded only up to this size
_HEAD = 32  # bytes of each NPU bytecode block kept (vendors put their magic there)

_I8 = struct.Struct("<b").unpack_from
_U8 = struct.Struct("<B").unpack_from
_BOOL = struct.Struct("<?").unpack_from
_I32 = struct.Struct("<i").unpack_from
_U32 = struct.Struct("<I").unpack_from
_U64 = struct.Struct("<Q").unpack_from

_NO_FIELDS = (0,) * 16  # pads a short vtable so the hot loops can unpack fixed field counts

# Errors that can only come from corrupt positions or lengths.
_CORRUPT = (FormatFaultError, struct.error, IndexError, ValueError, OverflowError)


def looks_like_flatbuffer(head: bytes) -> bool:
    return len(head) >= 8 and head[4:8] == _FILE_ID


class _Reader:
    def __init__(self, buf: Any, size: int, path: str | None) -> None:
        self.buf = buf
        self.size = size
        self.path = path
        self.end = 8  # furthest byte known to belong to the model
        self.where = "the model header"

    def fail(self, message: str) -> ModelFormatError:
        return ModelFormatError(message, self.path)

    def seen(self, t: Table) -> Table:
        if t.end > self.end:
            self.end = t.end
        return t

    def upto(self, end: int) -> None:
        if end > self.end:
            self.end = end

    def read(self) -> Model:
        if self.size < 8:
            raise self.fail(f"too small to be a TFLite model ({self.size} bytes)")
        if not looks_like_flatbuffer(bytes(self.buf[:8])):
            raise self.fail("not a TFLite flatbuffer (no 'TFL3' file identifier at bytes 4..8)")
        try:
            return self._model(self.seen(root(self.buf, self.size)))
        except _CORRUPT as exc:
            raise self.fail(f"corrupt flatbuffer in {self.where}: {exc}") from None
        except MemoryError:
            raise self.fail(f"absurd size in {self.where}") from None

    # --- model ------------------------------------------------------------------------
    def _model(self, m: Table) -> Model:
        version = m.scalar(4, _U32, 0)
        notes: list[str] = []
        if version != _MAX_SCHEMA_VERSION:
            notes.append(f"schema version {version} (LiteRT reads only version {_MAX_SCHEMA_VERSION})")
        description = self._text(m, 10)
        self.where = "buffers"
        buffers = self._buffers(m)
        self.where = "operator codes"
        codes = self._opcodes(m)
        subgraphs = []
        for s, g in enumerate(self._tables(m, 8)):
            self.where = f"subgraph {s}"
            subgraphs.append(self._subgraph(s, g, codes, buffers))
        if not subgraphs:
            raise self.fail("the model has no subgraphs")
        self.where = "embedded data"
        buffers = self._embedded(buffers, subgraphs)
        self.where = "signature defs"
        signatures = self._signatures(m, subgraphs)
        for sig in signatures:
            sg = subgraphs[sig.subgraph]
            for role, name, idx in sig.dangling:
                what = (
                    f"but subgraph {sig.subgraph} has {len(sg.tensors)} tensors"
                    if idx >= len(sg.tensors)
                    else f"which is not an {role} of subgraph {sig.subgraph}"
                )
                notes.append(
                    f"signature {sig.key!r} {role} {name!r} names tensor {idx}, {what} "
                    "(tolerated: LiteRT loads the model, its signature runner fails)"
                )
        self.where = "metadata"
        meta = self._metadata(m, buffers)
        self.where = "external buffers"
        for t in self._tables(m, 22):  # Model.external_buffers (newest schema)
            self.seen(t)
        self._ints(m, 14)  # metadata_buffer (deprecated): only its extent matters
        trailing = self.size - self.end
        trailing = trailing if trailing >= _SLACK else 0
        self.where = "NPU bytecode"
        bytecode = self._bytecode(subgraphs, meta)
        loose = trailing - self._covered(bytecode) if trailing else 0
        if loose >= _SLACK:
            zip_ = bytes(self.buf[self.end : self.end + 4]) == b"PK\x03\x04"
            kind = "a ZIP archive (associated files)" if zip_ else "data"
            what = " that no DISPATCH_OP points at" if bytecode else ""
            notes.append(f"{loose} bytes of {kind} after the model{what} (tolerated)")
        return Model(
            format="tflite",
            version=version,
            description=description,
            subgraphs=tuple(subgraphs),
            signatures=signatures,
            metadata=meta,
            buffers=tuple(info for info, _ in buffers),
            source=self.path,
            size=self.size,
            trailing_bytes=trailing,
            bytecode=bytecode,
            notes=tuple(notes),
        )

    def _bytecode(self, subgraphs: list[Subgraph], meta: tuple[MetadataEntry, ...]) -> tuple[Bytecode, ...]:
        """The NPU bytecode blocks DISPATCH_OPs (or the legacy NPU_BYTE_CODE entry) point at, each once.

        LiteRT's loader refuses a model whose bytecode range lies outside the file
        (``LoadModelFromFile``, litert/core/model/model_load.cc:569-580 @f67457790c9c), so do we:
        that is a truncated compiled model. Several ops may share one block (a Qualcomm context
        binary holds several graphs, the op's ``name`` picks one). Offset and size 0 are a
        DISPATCH_OP not compiled yet (``apply_plugin --cmd=partition``).
        """
        found: dict[tuple[int, int], str] = {}
        for sg in subgraphs:
            for op in sg.operators:
                opts = op.custom_options
                if op.custom_code != "DISPATCH_OP" or not isinstance(opts, dict):
                    continue
                offset, size = opts.get("bytecode_offset"), opts.get("bytecode_size")
                if type(offset) is int and type(size) is int and (offset or size):
                    self._in_file(f"subgraph {sg.index} operator {op.index} (DISPATCH_OP)", offset, size)
                    found.setdefault((offset, size), "DISPATCH_OP")
        for entry in meta:
            value = entry.value
            if entry.name == "NPU_BYTE_CODE" and isinstance(value, dict):
                self._in_file("metadata 'NPU_BYTE_CODE'", value["offset"], value["size"])
                found.setdefault((value["offset"], value["size"]), "NPU_BYTE_CODE")
        return tuple(
            Bytecode(offset, size, source, bytes(self.buf[offset : offset + min(size, _HEAD)]))
            for (offset, size), source in sorted(found.items())
        )

    def _in_file(self, what: str, offset: int, size: int) -> None:
        if offset < 0 or size < 0 or offset + size > self.size:
            raise self.fail(
                f"{what} points at NPU bytecode at offset {offset} (+{size} bytes) outside the file "
                f"({self.size} bytes): the compiled model is truncated or corrupt"
            )

    def _covered(self, bytecode: tuple[Bytecode, ...]) -> int:
        """Bytes after the flatbuffer that bytecode blocks cover (blocks may overlap; padding between them is not)."""
        covered, upto = 0, self.end
        for b in bytecode:  # sorted by offset
            start, end = max(b.offset, upto), b.offset + b.size
            if end > start:
                covered += end - start
                upto = end
        return covered

    def _tables(self, t: Table, slot: int) -> list[Table]:
        tables = t.tables(slot)
        if tables:
            self.upto(t.vector(slot, 4)[0] + 4 * len(tables))
        for x in tables:
            if x.end > self.end:
                self.end = x.end
        return tables

    def _positions(self, t: Table, slot: int) -> list[int]:
        """Positions of a vector of tables, for the hot loops that read each table's vtable inline.

        The vector's extent is recorded here; each table's own extent is recorded by its reader.
        """
        start, n = t.vector(slot, 4)
        if not n:
            return []
        self.upto(start + 4 * n)
        rel = struct.unpack_from(f"<{n}I", self.buf, start)
        return [start + 4 * i + r for i, r in enumerate(rel)]

    def _buffers(self, m: Table) -> list[tuple[BufferInfo, int]]:
        """Per buffer: its info and the absolute start of its bytes (-1 when empty)."""
        # Buffer { data: [ubyte]; offset: ulong; size: ulong }
        buf, size = self.buf, self.size
        out: list[tuple[BufferInfo, int]] = []
        end = self.end
        for i, pos in enumerate(self._positions(m, 12)):
            fields, t_end = vtable(buf, size, pos)
            if t_end > end:
                end = t_end
            f_data, f_offset, f_size = (fields + _NO_FIELDS)[:3]
            start, length = 0, 0
            if f_data:
                at = pos + f_data
                start = at + _U32(buf, at)[0]
                if start > size - 4:
                    raise FormatFaultError(f"offset at {at} points outside the file")
                (length,) = _U32(buf, start)
                start += 4
                if start + length > size:
                    raise FormatFaultError(f"vector of {length} entries at {start - 4} runs past the end of the file")
                if length and start + length > end:
                    end = start + length
            offset = _U64(buf, pos + f_offset)[0] if f_offset else 0
            if offset > 1:
                nbytes = _U64(buf, pos + f_size)[0] if f_size else 0
                if offset + nbytes > size:
                    raise self.fail(f"buffer {i} lies outside the file (offset {offset} + size {nbytes} > {size})")
                if offset + nbytes > end:
                    end = offset + nbytes
                out.append((BufferInfo(i, nbytes, offset, external=True), offset))
            else:
                out.append((BufferInfo(i, length, has_data=bool(f_data)), start if length else -1))
        self.end = end
        return out

    def _embedded(
        self, buffers: list[tuple[BufferInfo, int]], subgraphs: list[Subgraph]
    ) -> list[tuple[BufferInfo, int]]:
        """Mark buffers no tensor uses that hold another flatbuffer (identifier at byte 4)."""
        used = {t.buffer for sg in subgraphs for t in sg.tensors if t.buffer}
        out = []
        for info, start in buffers:
            if (
                start >= 0
                and 8 <= info.size <= _MAX_DECODE
                and info.index not in used
                and _embedded.has_identifier(bytes(self.buf[start : start + 8]))
            ):
                embedded = _embedded.describe(bytes(self.buf[start : start + info.size]))
                if embedded is not None:
                    info = dataclasses.replace(info, embedded=embedded)
            out.append((info, start))
        return out

    def _opcodes(self, m: Table) -> list[tuple[str, str, int, str | None, bool]]:
        """(opcode, builtin name, version, custom code, legacy encoding) per OperatorCode."""
        out = []
        for c in self._tables(m, 6):
            # OperatorCode { deprecated_builtin_code: byte; custom_code; version; builtin_code: int }
            code = max(c.scalar(10, _I32, 0), c.scalar(4, _I8, 0))
            custom = self._text(c, 6)
            if custom and code == 0:
                # Some LiteRT writers leave the code at 0 (ADD) for custom ops; LiteRT
                # itself then goes by the custom code, and so do we.
                code = _CUSTOM
            builtin = opcodes.builtin_name(code)
            custom_code = custom if builtin == "CUSTOM" or custom else None
            opcode = custom_code if builtin == "CUSTOM" and custom_code else builtin
            legacy = not c.has(10) and c.scalar(4, _I8, 0) > 0
            out.append((opcode, builtin, c.scalar(8, _I32, 1), custom_code, legacy))
        return out

    def _subgraph(
        self,
        s: int,
        g: Table,
        codes: list[tuple[str, str, int, str | None, bool]],
        buffers: list[tuple[BufferInfo, int]],
    ) -> Subgraph:
        # SubGraph { tensors; inputs; outputs; operators; name }
        tensor, operator = self._tensor, self._operator
        tensors: list[Tensor] = []
        i, positions = 0, self._positions(g, 4)
        try:
            for i, pos in enumerate(positions):
                tensors.append(tensor(s, i, pos, buffers))
        except _CORRUPT:
            self.where = f"subgraph {s} tensor {i}"  # only named when something is wrong
            raise
        self.where = f"subgraph {s} operators"
        ops: list[Operator] = []
        i, positions = 0, self._positions(g, 10)
        try:
            for i, pos in enumerate(positions):
                ops.append(operator(s, i, pos, codes))
        except _CORRUPT:
            self.where = f"subgraph {s} operator {i}"
            raise
        inputs, outputs = self._ints(g, 6), self._ints(g, 8)
        name = self._text(g, 12)
        try:
            return Subgraph.build(s, name, tuple(tensors), tuple(ops), inputs, outputs)
        except ModelFormatError as e:
            raise self.fail(e.detail) from None

    def _ints(self, t: Table, slot: int, code: str = "i", size: int = 4) -> tuple[Any, ...]:
        values, end = t.numbers(slot, code, size)
        if end > self.end:
            self.end = end
        return values

    def _text(self, t: Table, slot: int) -> str:
        value, end = t.string_end(slot)
        if end > self.end:
            self.end = end
        return value

    def _tensor(self, s: int, i: int, pos: int, buffers: list[tuple[BufferInfo, int]]) -> Tensor:
        # Tensor { shape 4; type 6; buffer 8; name 10; quantization 12; is_variable 14; sparsity 16;
        #          shape_signature 18; has_rank 20; variant_tensors 22; external_buffer 24 }
        # The hot loop of big models: the vtable is read once and the fields unpacked inline,
        # with the same bounds checks as Table (see fbtable.vtable / numbers_at / string_at).
        buf, size = self.buf, self.size
        fields, end = vtable(buf, size, pos)
        f_shape, f_type, f_buffer, f_name, f_quant, f_var, f_sparse, f_sig, f_rank, f_variant, f_ext = (
            fields + _NO_FIELDS
        )[:11]
        shape: tuple[int, ...] = ()
        if f_shape:
            shape, e = numbers_at(buf, size, pos + f_shape)
            if e > end:
                end = e
        code = _I8(buf, pos + f_type)[0] if f_type else 0
        row = dtypes.by_code(code)
        buffer = _U32(buf, pos + f_buffer)[0] if f_buffer else 0
        if buffer >= max(len(buffers), 1):
            raise self.fail(f"subgraph {s} tensor {i} refers to buffer {buffer}, but there are {len(buffers)}")
        name = ""
        if f_name:
            name, e = string_at(buf, size, pos + f_name)
            if e > end:
                end = e
        # An absent or empty shape_signature means "same as shape", as LiteRT reads it.
        raw_signature: tuple[int, ...] = ()
        if f_sig:
            raw_signature, e = numbers_at(buf, size, pos + f_sig)
            if e > end:
                end = e
        if end > self.end:
            self.end = end
        signature = raw_signature or shape
        nbytes, loader, external = 0, None, bool(f_ext and _U32(buf, pos + f_ext)[0])
        empty_data = False
        if buffer > 0 and buffers:
            info, start = buffers[buffer]
            nbytes = info.size
            empty_data = not nbytes and info.has_data
            if empty_data:
                loader = _loader(buf, 0, 0, row, shape)  # an empty array of the tensor's type
            if nbytes and start >= 0:
                loader = _loader(buf, start, nbytes, row, shape)
            external = external or info.external
        # As the TFLite importer decides: shape [] is a scalar when has_rank is set or the tensor
        # is a constant; an activation with shape [] and neither is of unknown rank.
        has_rank = bool(f_rank and _BOOL(buf, pos + f_rank)[0]) or bool(shape) or bool(raw_signature) or nbytes > 0
        quantization = None
        if f_quant:
            q = table_at(buf, size, pos + f_quant)
            # Float tensors usually carry an empty QuantizationParameters table: checked, not read.
            if any(vtable(buf, size, q)[0]):
                quantization = self._quantization(self.seen(Table(buf, size, q)))
        sparsity = self._sparsity(Table(buf, size, pos).table(16)) if f_sparse else None
        if f_variant:
            self._tables(Table(buf, size, pos), 22)  # variant_tensors: only their extent matters here
        return Tensor(
            subgraph=s,
            index=i,
            name=name,
            dtype=row.name if row else f"TYPE_{code}",
            shape=shape,
            shape_signature=signature,
            has_rank=has_rank,
            is_variable=bool(f_var and _BOOL(buf, pos + f_var)[0]),
            buffer=buffer,
            nbytes=nbytes,
            empty_data=empty_data,
            quantization=quantization,
            sparsity=sparsity,
            external=external,
            _loader=loader,
        )

    def _quantization(self, q: Table) -> Quantization | None:
        # QuantizationParameters { min; max; scale; zero_point; details; quantized_dimension }
        scale = self._floats(q, 8)
        zero_point = self._ints(q, 10, "q", 8)
        qmin, qmax = self._floats(q, 4), self._floats(q, 6)
        details = self._quant_details(q)
        if not (scale or zero_point or qmin or qmax or details):
            return None
        return Quantization(scale, zero_point, qmin, qmax, q.scalar(16, _I32, 0), details)

    def _floats(self, t: Table, slot: int) -> tuple[float, ...]:
        return self._ints(t, slot, "f", 4)

    def _quant_details(self, q: Table) -> dict[str, Any] | None:
        kind = q.scalar(12, _U8, 0)
        table = q.table(14) if kind else None
        if table is None:
            return None
        self.seen(table)
        if kind == 1:  # CustomQuantization { custom: [ubyte] }
            return {"type": "CustomQuantization", "size": table.vector(4, 1)[1]}
        if kind in (2, 3):
            # BlockwiseQuantization { scales: int; zero_points: int; block_size: int; block_shape: [int] }
            # MultiAxisQuantization { scales; zero_points; block_size; quantized_dimensions: [int] }
            common = {
                "scales": table.scalar(4, _I32, 0),
                "zero_points": table.scalar(6, _I32, 0),
                "block_size": table.scalar(8, _I32, 0),
            }
            if kind == 2:
                return {"type": "BlockwiseQuantization", **common, "block_shape": list(self._ints(table, 10))}
            return {"type": "MultiAxisQuantization", **common, "quantized_dimensions": list(self._ints(table, 10))}
        return {"type": f"QuantizationDetails_{kind}"}

    def _sparsity(self, sp: Table | None) -> Sparsity | None:
        if sp is None:
            return None
        self.seen(sp)
        dims = []
        for dm in self._tables(sp, 8):
            # DimensionMetadata { format; dense_size; array_segments(type, value); array_indices(type, value) }
            entry: dict[str, Any] = {
                "format": "SPARSE_CSR" if dm.scalar(4, _I8, 0) == 1 else "DENSE",
                "dense_size": dm.scalar(6, _I32, 0),
            }
            for key, type_slot, value_slot in (("array_segments", 8, 10), ("array_indices", 12, 14)):
                kind = dm.scalar(type_slot, _U8, 0)
                vec = dm.table(value_slot) if kind else None
                fmt = {1: ("i", 4), 2: ("H", 2), 3: ("B", 1)}.get(kind)
                if vec is not None and fmt:
                    entry[key] = list(self._ints(self.seen(vec), 4, *fmt))
            dims.append(entry)
        return Sparsity(self._ints(sp, 4), self._ints(sp, 6), tuple(dims))

    def _operator(self, s: int, i: int, pos: int, codes: list[tuple[str, str, int, str | None, bool]]) -> Operator:
        # Operator { opcode_index 4; inputs 6; outputs 8; builtin_options(type 10, value 12); custom_options 14;
        #   custom_options_format 16; mutating_variable_inputs 18; intermediates 20;
        #   large_custom_options_offset 22 / size 24; builtin_options_2(type 26, value 28) }
        # Unpacked inline like _tensor; option tables go through Table (opcodes.decode_options).
        buf, size = self.buf, self.size
        fields, end = vtable(buf, size, pos)
        f_idx, f_in, f_out, f_type, f_value, _, _, f_mut, f_inter, _, _, f_type2, f_value2 = (fields + _NO_FIELDS)[:13]
        idx = _U32(buf, pos + f_idx)[0] if f_idx else 0
        if idx >= len(codes):
            raise self.fail(f"subgraph {s} operator {i} uses opcode index {idx}, but there are {len(codes)}")
        opcode, builtin, version, custom_code, legacy = codes[idx]
        inputs: tuple[int, ...] = ()
        outputs: tuple[int, ...] = ()
        intermediates: tuple[int, ...] = ()
        if f_in:
            inputs, e = numbers_at(buf, size, pos + f_in)
            if e > end:
                end = e
        if f_out:
            outputs, e = numbers_at(buf, size, pos + f_out)
            if e > end:
                end = e
        if f_inter:
            intermediates, e = numbers_at(buf, size, pos + f_inter)
            if e > end:
                end = e
        if f_mut:  # mutating_variable_inputs: only its extent matters
            e = numbers_at(buf, size, pos + f_mut, "?", 1)[1]
            if e > end:
                end = e
        if end > self.end:
            self.end = end
        options: dict[str, Any] = {}
        kinds: list[str] = []
        called: dict[str, int | tuple[int, ...]] = {}
        if f_type or f_type2:
            for second, f_kind, f_table in ((False, f_type, f_value), (True, f_type2, f_value2)):
                kind = _U8(buf, pos + f_kind)[0] if f_kind else 0
                if kind:
                    table = self.seen(Table(buf, size, table_at(buf, size, pos + f_table))) if f_table else None
                    name, decoded = opcodes.decode_options(kind, table, second)
                    if name:
                        kinds.append(name)
                    options.update(decoded)
            for key, value in options.items():
                if opcodes.is_subgraph_field(key):
                    called[key] = tuple(value) if isinstance(value, list) else value
        custom_options, flex_op = None, None
        if custom_code is not None:
            raw = self._custom_options(Table(buf, size, pos))
            if raw is not None:
                custom_options = custom_options_value(raw)
            if custom_code.startswith("Flex"):
                flex_op = _flex_op_name(custom_options) or custom_code[4:]
        return Operator(
            subgraph=s,
            index=i,
            opcode=opcode,
            builtin=builtin,
            version=version,
            inputs=inputs,
            outputs=outputs,
            intermediates=intermediates,
            options=options,
            options_type="+".join(kinds) or None,
            custom_code=custom_code,
            custom_options=custom_options,
            flex_op=flex_op,
            called_subgraphs=called,
            legacy_opcode=legacy,
        )

    def _custom_options(self, op: Table) -> bytes | None:
        start, n = op.vector(14, 1)
        if n:
            self.upto(start + n)
            return bytes(self.buf[start : start + n]) if n <= _MAX_DECODE else None
        offset, size = op.scalar(22, _U64, 0), op.scalar(24, _U64, 0)
        if offset > 1 and size:
            if offset + size > self.size:
                raise self.fail(f"custom options at offset {offset} (+{size}) lie outside the file")
            self.upto(offset + size)
            return bytes(self.buf[offset : offset + size]) if size <= _MAX_DECODE else None
        return None

    def _signatures(self, m: Table, subgraphs: list[Subgraph]) -> tuple[Signature, ...]:
        out = []
        for i, sd in enumerate(self._tables(m, 18)):
            # SignatureDef { inputs; outputs; signature_key; subgraph_index (slot 12) }
            sub = sd.scalar(12, _U32, 0)
            if sub >= len(subgraphs):
                raise self.fail(f"signature {i} refers to subgraph {sub}, but there are {len(subgraphs)}")
            n_t = len(subgraphs[sub].tensors)
            maps = []
            dangling = []
            for slot, role, own in ((4, "input", subgraphs[sub].inputs), (6, "output", subgraphs[sub].outputs)):
                entries: dict[str, int] = {}
                for tm in self._tables(sd, slot):  # TensorMap { name; tensor_index }
                    idx = tm.scalar(6, _U32, 0)
                    if idx >= n_t or idx not in own:  # LiteRT loads it; only the signature runner fails
                        dangling.append((role, self._text(tm, 4), idx))
                        continue
                    entries[self._text(tm, 4)] = idx
                maps.append(entries)
            key = self._text(sd, 8)
            out.append(Signature(key, sub, maps[0], maps[1], tuple(dangling)))
        return tuple(out)

    def _metadata(self, m: Table, buffers: list[tuple[BufferInfo, int]]) -> tuple[MetadataEntry, ...]:
        out = []
        for md in self._tables(m, 16):  # Metadata { name; buffer }
            name = self._text(md, 4)
            b = md.scalar(6, _U32, 0)
            if b >= len(buffers):
                raise self.fail(f"metadata {name!r} refers to buffer {b}, but there are {len(buffers)}")
            info, start = buffers[b]
            raw = b""
            if info.size and start >= 0 and info.size <= _MAX_DECODE:
                raw = bytes(self.buf[start : start + info.size])
            out.append(MetadataEntry(name, b, info.size, _metadata.decode(name, raw)))
        return tuple(out)


_NP_DTYPES: dict[str, Any] = {}  # numpy dtype name -> little-endian numpy dtype (lint loads ~10^4 constants)


class _Stored:
    """A constant's data in the file: ``()`` gives it as numpy (imported only then), ``raw()`` as bytes."""

    __slots__ = ("buf", "nbytes", "row", "shape", "start")

    def __init__(self, buf: Any, start: int, nbytes: int, row: dtypes.DType | None, shape: tuple[int, ...]) -> None:
        self.buf, self.start, self.nbytes, self.row, self.shape = buf, start, nbytes, row, shape

    def __call__(self) -> np.ndarray:
        import numpy as np  # only when data is asked for: inspecting never pays for numpy

        buf, start, nbytes, row, shape = self.buf, self.start, self.nbytes, self.row, self.shape
        if row is not None and row.numpy is not None:
            item = _NP_DTYPES.get(row.numpy)
            if item is None:
                item = _NP_DTYPES[row.numpy] = np.dtype(row.numpy).newbyteorder("<")
            count = nbytes // item.itemsize
            arr = np.frombuffer(buf, dtype=item, count=count, offset=start)
            n = math.prod(shape)  # exact (np.prod would wrap at int64); 1 for a scalar
            return arr.reshape(shape) if n == count else arr
        return np.frombuffer(buf, dtype=np.uint8, count=nbytes, offset=start)

    def raw(self) -> bytes:
        return bytes(self.buf[self.start : self.start + self.nbytes])


def _loader(buf: Any, start: int, nbytes: int, row: dtypes.DType | None, shape: tuple[int, ...]) -> _Stored:
    return _Stored(buf, start, nbytes, row, shape)


def _is_flexbuffer(raw: bytes) -> bool:
    """True when ``raw`` ends like a FlexBuffer: a root byte width of 1/2/4/8 after a known packed type.

    ``flexbuffers.Loads`` returns None without raising on many raw C structs (MediaPipe's 12-byte
    transposed-convolution params end in a 0 byte), so the trailer is checked first.
    """
    return len(raw) >= 3 and raw[-1] in (1, 2, 4, 8) and (raw[-2] >> 2) <= 36


def custom_options_value(raw: bytes) -> Any:
    """Custom options as plain data: the decoded FlexBuffer, else the bytes kept as size + hex."""
    if _is_flexbuffer(raw):
        value = opcodes.decode_custom_options(raw)
        if value is not None and not (isinstance(value, dict) and set(value) == {"bytes"}):
            return value
    from ..custom_ops import RAW_HEX_LIMIT  # custom ops only: the table is big to import

    limit = RAW_HEX_LIMIT
    out: dict[str, Any] = {"format": "raw", "bytes": len(raw), "hex": raw[:limit].hex()}
    if len(raw) > limit:
        out["truncated"] = True
    return out


def _flex_op_name(custom_options: Any) -> str | None:
    """Flex custom options are a FlexBuffer vector [tf op name, serialized NodeDef]."""
    if isinstance(custom_options, list) and custom_options and isinstance(custom_options[0], str):
        return custom_options[0]
    return None


def read_flatbuffer_view(view: memoryview, path: str | None = None) -> Model:
    """Read a flatbuffer that lies inside a bigger buffer (an LLM bundle's section), without copying it."""
    return _Reader(view, len(view), path).read()


def read_flatbuffer(source: str | os.PathLike[str] | bytes, path: str | None = None) -> Model:
    """Read a `.tflite` file (memory-mapped) or bytes into a :class:`Model`."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        return _Reader(data, len(data), path).read()
    path = os.fspath(source)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size == 0:
                raise ModelFormatError("empty file", path)
            buf = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as exc:
        raise ModelFormatError(exc.strerror or str(exc), path) from None
    return _Reader(buf, size, path).read()
