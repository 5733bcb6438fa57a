"""Front ends: each turns one input format into the neutral :class:`~tfl_inspect.model.Model`."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..errors import ModelFormatError

if TYPE_CHECKING:
    from ..model import Model

__all__ = ["load"]

_MLIR_HINTS = (b"module", b"func.func", b'"tfl.', b"tfl.", b"error:", b"#loc", b"loc(")


def load(source: str | os.PathLike[str] | bytes) -> Model:
    """Read a model from a path or bytes, choosing the reader from the content: a ``.tflite``
    flatbuffer, converter MLIR, or an LLM bundle (``.litertlm``, ``.task``) holding a ``.tflite``.

    Raises :class:`~tfl_inspect.errors.ModelFormatError` for anything that is not a model.
    """
    from .flatbuffer import looks_like_flatbuffer, read_flatbuffer

    if isinstance(source, bytes | bytearray | memoryview):
        head = bytes(source[:4096])
        path = None
    else:
        path = os.fspath(source)
        try:
            if os.path.isdir(path):
                raise ModelFormatError("is a directory, not a model file", path)
            with open(path, "rb") as fh:
                head = fh.read(4096)
        except OSError as exc:
            raise ModelFormatError(exc.strerror or str(exc), path) from None
    if not head:
        raise ModelFormatError("empty file", path)
    from .containers import container_kind

    kind = container_kind(head, path)
    if kind is not None:
        from .containers import read_container

        return read_container(bytes(source) if path is None else path, path, kind)  # type: ignore[arg-type]
    if looks_like_flatbuffer(head):
        return read_flatbuffer(source, path)
    if _looks_like_mlir(head):
        from .mlir import read_mlir

        return read_mlir(source, path)
    raise ModelFormatError("not a TFLite model: no 'TFL3' file identifier and not MLIR text", path)


def _looks_like_mlir(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return any(h.decode() in text for h in _MLIR_HINTS)
