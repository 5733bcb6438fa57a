"""Files appended to a model as a ZIP archive (TFLite Metadata's associated files).

The metadata writer appends label and vocabulary files as a ZIP after the flatbuffer; LiteRT ignores
them, TFLite Support and MediaPipe Tasks read them. Listed here with what the metadata says each one
is, and for label files the count and first entries, so a user sees which index means which class.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

from ..model import Model

__all__ = ["Attachment", "attachments", "associated_file_roles"]

_MAX_ZIP = 64 << 20  # appended archives larger than this are only counted, not opened
_MAX_LABEL_BYTES = 1 << 20
_FIRST = 5


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    size: int
    compressed_size: int
    described_as: str | None  # "TENSOR_AXIS_LABELS for output 'segmentation_masks'" ...
    lines: int | None  # number of non-empty lines for text files
    first: tuple[str, ...]  # their first few entries

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "size": self.size,
            "compressed_size": self.compressed_size,
            "described_as": self.described_as,
            "lines": self.lines,
            "first": list(self.first),
        }


def associated_file_roles(meta: Any) -> dict[str, str]:
    """File name → what the TFLite Metadata says it is (type and the tensor it belongs to)."""
    roles: dict[str, str] = {}
    if not isinstance(meta, dict):
        return roles
    for f in meta.get("associated_file_details") or ():
        roles.setdefault(str(f.get("name")), f"{f.get('type')} of the model")
    for sub in meta.get("subgraphs") or ():
        for f in sub.get("associated_files") or ():
            roles.setdefault(str(f.get("name")), f"{f.get('type')} of the subgraph")
        for role in ("inputs", "outputs"):
            for i, t in enumerate(sub.get(role) or ()):
                for f in t.get("associated_files") or ():
                    label = t.get("name") or f"#{i}"
                    roles.setdefault(str(f.get("name")), f"{f.get('type')} for {role[:-1]} {label!r}")
    return roles


def attachments(model: Model) -> list[Attachment] | None:
    """The appended ZIP's members, or None when the model has no appended ZIP (or it cannot be read)."""
    cached = model._cache.get("attachments", False)
    if cached is not False:
        return cached  # type: ignore[no-any-return]
    result = _read(model)
    model._cache["attachments"] = result
    return result


def _read(model: Model) -> list[Attachment] | None:
    if not model.trailing_bytes or model.source is None or model.trailing_bytes > _MAX_ZIP:
        return None
    start = model.container.model.offset if model.container is not None else 0
    if start < 0:
        return None
    try:
        with open(model.source, "rb") as fh:
            fh.seek(start + model.size - model.trailing_bytes)
            tail = fh.read(model.trailing_bytes)
    except OSError:
        return None
    if not tail.startswith(b"PK\x03\x04"):
        return None
    roles = associated_file_roles(model.metadata_value("TFLITE_METADATA"))
    out = []
    try:
        with zipfile.ZipFile(io.BytesIO(tail)) as zf:
            for info in zf.infolist():
                lines: int | None = None
                first: tuple[str, ...] = ()
                if info.file_size <= _MAX_LABEL_BYTES and info.filename.endswith((".txt", ".csv", ".vocab")):
                    entries = [ln.strip() for ln in zf.read(info).decode("utf-8", "replace").splitlines()]
                    entries = [e for e in entries if e]
                    lines, first = len(entries), tuple(entries[:_FIRST])
                out.append(
                    Attachment(
                        info.filename,
                        info.file_size,
                        info.compress_size,
                        roles.get(info.filename),
                        lines,
                        first,
                    )
                )
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        return None
    return out
