"""LLM bundles: ``.litertlm`` (LiteRT-LM) and ``.task`` (MediaPipe), read down to the ``.tflite`` inside.

**.litertlm** — as the ``litert-lm`` packages define it (LiteRT-LM ``schema/core/litertlm_header_schema.fbs``
@767d74f9, ``litert_lm_builder/litertlm_core.py`` 0.18.1): bytes 0..8 ``LITERTLM``; 8..20 the format
version as three little-endian uint32 (major, minor, patch); 24..32 a uint64, the end of the header; from
byte 32 the header, a flatbuffer ``LiteRTLMMetaData { system_metadata: SystemMetadata { entries:
[KeyValuePair] }, section_metadata: SectionMetadata { objects: [SectionObject { items: [KeyValuePair],
begin_offset: ulong, end_offset: ulong, data_type: AnySectionDataType }] } }``. Sections start on 16 KiB
blocks. The model is the ``TFLiteModel`` section (``model_type`` item ``tf_lite_prefill_decode`` first);
``LlmMetadataProto`` and ``ExecutorMetadataProto`` sections are protos (:mod:`.proto`); the executor
metadata names each KV cache's sequence axis.

**.task** — written by MediaPipe's ``create_model_asset_bundle``
(``mediapipe/tasks/python/metadata/metadata_writers/model_asset_bundle_utils.py``): a ZIP of stored
(uncompressed) entries aligned to 4 bytes; the LLM bundler names them ``TF_LITE_PREFILL_DECODE``,
``TOKENIZER_MODEL``, ``METADATA`` (an ``odml.infra.proto.LlmParameters``) and, optionally,
``TF_LITE_EMBEDDER``, ``TF_LITE_PER_LAYER_EMBEDDER``, ``TF_LITE_VISION_ENCODER``, ``TF_LITE_VISION_ADAPTER``
(``mediapipe/tasks/python/genai/bundler/llm_bundler.py``). Vision and audio task bundles are the same ZIP
holding ``*.tflite`` entries.

The flatbuffer is read in place (a view of the memory-mapped bundle, never copied); only a compressed
ZIP entry is inflated into memory.
"""

from __future__ import annotations

import dataclasses
import mmap
import os
import struct
import zipfile
from typing import TYPE_CHECKING, Any

from ..errors import ModelFormatError
from ..model import Container, ContainerPart
from . import proto
from .fbtable import FormatFaultError, Table

if TYPE_CHECKING:
    from ..model import Model

__all__ = ["container_kind", "read_container", "flatbuffer_file", "LITERTLM_MAGIC"]

LITERTLM_MAGIC = b"LITERTLM"
_HEADER_BEGIN = 32
_HEADER_END_AT = 24
_MAX_HEADER = 64 << 20
_MAX_PROTO = 16 << 20
_ZIP = b"PK\x03\x04"
_TFL3 = b"TFL3"

# AnySectionDataType (litertlm_header_schema.fbs; 7..11 as litert-lm-builder 0.18.1 has them)
_SECTION_TYPES = {
    0: "NONE",
    1: "GenericBinaryData",
    2: "Deprecated",
    3: "TFLiteModel",
    4: "SP_Tokenizer",
    5: "LlmMetadataProto",
    6: "HF_Tokenizer_Zlib",
    7: "TFLiteWeights",
    8: "EmbeddingMetadataProto",
    9: "ExecutorMetadataProto",
    10: "TtsMetadataProto",
    11: "AsrMetadataProto",
}
_KIND = {
    "TFLiteModel": "tflite",
    "SP_Tokenizer": "tokenizer",
    "HF_Tokenizer_Zlib": "tokenizer",
    "LlmMetadataProto": "metadata",
    "ExecutorMetadataProto": "metadata",
    "EmbeddingMetadataProto": "metadata",
    "TtsMetadataProto": "metadata",
    "AsrMetadataProto": "metadata",
    "TFLiteWeights": "weights",
}
_PROTOS = {"LlmMetadataProto": proto.LLM_METADATA, "ExecutorMetadataProto": proto.EXECUTOR_METADATA}
_TASK_KIND = {"TOKENIZER_MODEL": "tokenizer", "METADATA": "metadata"}
_TASK_MODELS = ("TF_LITE_PREFILL_DECODE",)

# VData union member → its one field's struct code (9, StringValue, is read as a string)
_VDATA = {1: "<B", 2: "<b", 3: "<H", 4: "<h", 5: "<I", 6: "<i", 7: "<f", 8: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_U32 = struct.Struct("<I").unpack_from
_U64 = struct.Struct("<Q").unpack_from


def container_kind(head: bytes, path: str | None) -> str | None:
    """``litertlm`` or ``task`` when the bytes (or, for a damaged file, the name) say it is one."""
    if head.startswith(LITERTLM_MAGIC):
        return "litertlm"
    zip_at = head.find(_ZIP, 0, 64)
    if zip_at >= 0 and not any(head[:zip_at]):  # MediaPipe pads the first entry with zero bytes
        return "task"
    name = (path or "").lower()
    if name.endswith(".litertlm"):
        return "litertlm"
    if name.endswith(".task"):
        return "task"
    return None


def read_container(source: str | bytes, path: str | None, kind: str) -> Model:
    """The model inside a bundle, with :attr:`Model.container` describing the bundle."""
    if isinstance(source, bytes | bytearray | memoryview):
        buf: Any = memoryview(bytes(source))
        size = len(buf)
    else:
        try:
            with open(source, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if size == 0:
                    raise ModelFormatError("empty file", path)
                buf = memoryview(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
        except OSError as exc:
            raise ModelFormatError(exc.strerror or str(exc), path) from None
    if kind == "litertlm":
        container = _litertlm(buf, size, path)
    else:
        container = _task(source, buf, size, path)
    part = container.model
    from .flatbuffer import read_flatbuffer_view

    data = buf[part.offset : part.offset + part.size] if part.offset >= 0 else None
    if data is None:
        data = memoryview(_inflate(source, part.name, path))
    if bytes(data[4:8]) != _TFL3:
        raise ModelFormatError(f"{part.name} in this {kind} bundle is not a TFLite flatbuffer", path)
    where = f"{path or '<bytes>'} ({part.name})"
    try:
        model = read_flatbuffer_view(data, where)
    except ModelFormatError as exc:
        raise ModelFormatError(f"{part.name} in this .{kind} bundle: {exc.detail}", path) from None
    return dataclasses.replace(model, source=path, container=container)


# ---- .litertlm --------------------------------------------------------------------------------------------


def _fail(path: str | None, message: str) -> ModelFormatError:
    return ModelFormatError(message, path)


def _litertlm(buf: Any, size: int, path: str | None) -> Container:
    if size < _HEADER_BEGIN or bytes(buf[:8]) != LITERTLM_MAGIC:
        got = bytes(buf[:8])
        raise _fail(path, f"not a LiteRT-LM file: the header starts {got!r}, not {LITERTLM_MAGIC!r}")
    major, minor, patch = struct.unpack_from("<III", buf, 8)
    end = _U64(buf, _HEADER_END_AT)[0]
    if not _HEADER_BEGIN < end <= min(size, _HEADER_BEGIN + _MAX_HEADER):
        raise _fail(path, f"corrupt LiteRT-LM header: it ends at byte {end}, but the file has {size} bytes")
    header = bytes(buf[_HEADER_BEGIN:end])
    try:
        root = Table(header, len(header), _U32(header, 0)[0])
        system = root.table(4)
        meta = {k: v for k, v in (_kv(t) for t in (system.tables(4) if system else []))}
        sections = root.table(6)
        objects = sections.tables(4) if sections else []
        parts = []
        for i, o in enumerate(objects):
            begin, stop = o.scalar(6, _U64, 0), o.scalar(8, _U64, 0)
            code = o.scalar(10, struct.Struct("<B").unpack_from, 0)
            name = _SECTION_TYPES.get(code, f"section type {code}")
            if not begin <= stop <= size:
                raise _fail(
                    path,
                    f"truncated or corrupt LiteRT-LM file: section {i} ({name}) spans bytes {begin}..{stop}, "
                    f"but the file has {size}",
                )
            items = dict(_kv(t) for t in o.tables(4))
            detail: dict[str, Any] = {"items": items} if items else {}
            schema = _PROTOS.get(name)
            if schema is not None and stop - begin <= _MAX_PROTO:
                detail.update(proto.decode(bytes(buf[begin:stop]), schema, f"{name} section"))
            parts.append(ContainerPart(name, _KIND.get(name, "other"), begin, stop - begin, detail))
    except ModelFormatError as exc:
        if exc.path is None:
            raise _fail(path, exc.detail) from None
        raise
    except (FormatFaultError, struct.error, IndexError, ValueError, UnicodeDecodeError) as exc:
        raise _fail(path, f"corrupt LiteRT-LM header: {exc}") from None
    models = [i for i, p in enumerate(parts) if p.kind == "tflite"]
    if not models:
        raise _fail(path, "this LiteRT-LM file holds no TFLiteModel section")
    prefill_decode = [
        i for i in models if parts[i].detail.get("items", {}).get("model_type") == "tf_lite_prefill_decode"
    ]
    chosen = (prefill_decode or models)[0]
    return Container("litertlm", path, size, f"{major}.{minor}.{patch}", tuple(parts), chosen, meta)


def _kv(t: Table) -> tuple[str, Any]:
    """A KeyValuePair { key: string; value: VData (union of one-field tables) }."""
    key = t.string(4)
    kind = t.scalar(6, struct.Struct("<B").unpack_from, 0)
    value_table = t.table(8)
    value: Any = None
    if value_table is not None:
        if kind == 9:  # StringValue
            value = value_table.string(4)
        else:
            code = {
                1: "<B",
                2: "<b",
                3: "<H",
                4: "<h",
                5: "<I",
                6: "<i",
                7: "<f",
                8: "<?",
                10: "<Q",
                11: "<q",
                12: "<d",
            }
            fmt = code.get(kind)
            value = value_table.scalar(4, struct.Struct(fmt).unpack_from, 0) if fmt else None
    return key, value


# ---- .task -----------------------------------------------------------------------------------------------


def _task(source: str | bytes, buf: Any, size: int, path: str | None) -> Container:
    import io

    try:
        zf = zipfile.ZipFile(io.BytesIO(bytes(source)) if isinstance(source, bytes | bytearray) else source)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _fail(path, f"not a readable .task bundle (a ZIP archive): {exc} — is the file truncated?") from None
    parts = []
    for info in infos:
        offset = -1
        if info.compress_type == zipfile.ZIP_STORED:
            at = info.header_offset
            if at + 30 > size or bytes(buf[at : at + 4]) != _ZIP:
                raise _fail(path, f"corrupt .task bundle: entry {info.filename!r} has no local header at byte {at}")
            name_len, extra_len = struct.unpack_from("<HH", buf, at + 26)
            offset = at + 30 + name_len + extra_len
            if offset + info.file_size > size:
                raise _fail(path, f"truncated .task bundle: entry {info.filename!r} runs past the end of the file")
        head = bytes(buf[offset : offset + 8]) if offset >= 0 else b""
        is_model = head[4:8] == _TFL3 or info.filename in _TASK_MODELS or info.filename.endswith(".tflite")
        kind = "tflite" if is_model else _TASK_KIND.get(info.filename, "other")
        detail: dict[str, Any] = {}
        if info.filename == "METADATA" and offset >= 0 and info.file_size <= _MAX_PROTO:
            raw = bytes(buf[offset : offset + info.file_size])
            try:
                detail = proto.decode(raw, proto.LLM_PARAMETERS, "METADATA entry")
            except ModelFormatError as exc:
                raise _fail(path, exc.detail) from None
        if info.compress_type != zipfile.ZIP_STORED:
            detail["compressed"] = f"{info.compress_size:,} bytes"
        parts.append(ContainerPart(info.filename, kind, offset, info.file_size, detail))
    models = [i for i, p in enumerate(parts) if p.kind == "tflite"]
    if not models:
        names = ", ".join(p.name for p in parts) or "nothing"
        raise _fail(path, f"this .task bundle holds no TFLite model (entries: {names})")
    chosen = next((i for i in models if parts[i].name in _TASK_MODELS), models[0])
    return Container("task", path, size, None, tuple(parts), chosen, {})


def _inflate(source: str | bytes, name: str, path: str | None) -> bytes:
    import io

    try:
        zf = zipfile.ZipFile(io.BytesIO(bytes(source)) if isinstance(source, bytes | bytearray) else source)
        return zf.read(name)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError) as exc:
        raise _fail(path, f"cannot read {name!r} from the .task bundle: {exc}") from None


# ---- for the commands that hand the model to LiteRT ----------------------------------------------------------


def _remove(path: str) -> None:
    if os.path.exists(path):
        os.unlink(path)


def flatbuffer_file(model: Model) -> str | None:
    """A path LiteRT can open for ``model``: its own file, or the bundle's .tflite written to a
    temporary file (once per model, removed at exit). None for models read from bytes or MLIR."""
    if model.container is None:
        return model.source
    found = model._cache.get("flatbuffer_file")
    if found is not None:
        return str(found)
    import atexit
    import tempfile

    part = model.container.model
    src = model.source
    fd, tmp = tempfile.mkstemp(prefix="tfl_inspect_", suffix=".tflite")
    try:
        with os.fdopen(fd, "wb") as out:
            if part.offset >= 0 and src is not None:
                with open(src, "rb") as fh:
                    fh.seek(part.offset)
                    left = part.size
                    while left > 0:
                        chunk = fh.read(min(left, 16 << 20))
                        if not chunk:
                            raise ModelFormatError("the bundle ended while the model was copied out", src)
                        out.write(chunk)
                        left -= len(chunk)
            elif src is not None:
                out.write(_inflate(src, part.name, src))
            else:
                raise ModelFormatError("a bundle read from bytes has no file to hand to LiteRT", None)
    except BaseException:
        os.unlink(tmp)
        raise
    atexit.register(_remove, tmp)
    model._cache["flatbuffer_file"] = tmp
    return tmp
