"""TFL-dialect MLIR text → :class:`~tfl_inspect.model.Model` (no TensorFlow needed).

Reads what the converter and its tools print: ``converter.ir_dump_dir`` dumps, the
Analyzer's ``experimental_use_mlir=True`` output (its ``=== path ===`` header is skipped),
and converter error messages (the function embedded in them; the ``error:`` lines become
model notes — :mod:`tfl_inspect.diagnosis` explains them).
"""

from __future__ import annotations

import os
import re

from ...errors import ModelFormatError
from ...model import Model
from .errortext import ConverterText, looks_like_converter_text, parse_converter_text
from .ir import Module
from .parser import parse_module
from .to_model import to_model

__all__ = ["read_mlir", "read_text", "parse_document", "ParsedDocument"]

_ANALYZER_HEADER = re.compile(r"\A(?:\s*===[^\n]*===[ \t]*\n)+")


class ParsedDocument:
    """A parsed input: the module (if any) and, for error messages, the diagnostics."""

    __slots__ = ("converter", "module", "path", "size", "text")

    def __init__(self, text: str, path: str | None, module: Module | None, converter: ConverterText | None) -> None:
        self.text = text
        self.path = path
        self.module = module
        self.converter = converter
        self.size = len(text.encode("utf-8", "surrogatepass"))


def _is_text(source: str) -> bool:
    """A str holding MLIR or an error message rather than a path (paths have no newlines)."""
    if "\n" in source:
        return True
    if os.path.exists(source):
        return False
    return source.lstrip().startswith(("module", "func.func", '"func.func"')) or "error:" in source


def read_text(source: str | os.PathLike[str] | bytes, path: str | None = None) -> tuple[str, str | None]:
    """(text, path) of a source: bytes, a path, or a str that is the text itself (see :func:`_is_text`)."""
    if isinstance(source, bytes | bytearray | memoryview):
        raw = bytes(source)
    elif isinstance(source, str) and _is_text(source):
        return source, path
    else:
        path = path or os.fspath(source)
        try:
            with open(os.fspath(source), "rb") as fh:
                raw = fh.read()
        except OSError as exc:
            raise ModelFormatError(exc.strerror or str(exc), path) from None
    try:
        return raw.decode("utf-8"), path
    except UnicodeDecodeError as exc:
        raise ModelFormatError(f"not UTF-8 text (byte {exc.start})", path) from None


def parse_document(
    source: str | os.PathLike[str] | bytes, path: str | None = None, strict: bool = True
) -> ParsedDocument:
    """Parse an MLIR file or a converter error message without building a model.

    ``strict=False`` tolerates malformed MLIR embedded in an error message (the diagnosis
    still reads the error lines); a malformed MLIR file always raises.
    """
    text, path = read_text(source, path)
    if not text.strip():
        raise ModelFormatError("empty file", path)
    if looks_like_converter_text(text):
        conv = parse_converter_text(text, path, strict)
        return ParsedDocument(text, path, conv.module, conv)
    m = _ANALYZER_HEADER.match(text)
    start = m.end() if m else 0
    if not text[start:].strip():
        raise ModelFormatError("no MLIR after the Analyzer header (the Analyzer printed nothing)", path)
    return ParsedDocument(text, path, parse_module(text, path, start), None)


def read_mlir(source: str | os.PathLike[str] | bytes, path: str | None = None) -> Model:
    """Read MLIR text (or a converter error message holding MLIR) into a :class:`Model`."""
    doc = parse_document(source, path)
    notes: list[str] = []
    if doc.converter is not None:
        for diag in doc.converter.errors:
            nodes = diag.loc.node_names() if diag.loc is not None else []
            where = f" at {nodes[0]}" if nodes else ""
            notes.append(f"converter error{where}: {diag.headline}")
        if doc.module is None:
            first = doc.converter.errors[0].headline if doc.converter.errors else "no error lines"
            raise ModelFormatError(
                f"converter error message without an embedded MLIR function ({first}); "
                "`tfl-inspect diagnose` explains it",
                doc.path,
            )
    assert doc.module is not None
    model = to_model(doc.module, doc.path, doc.size, tuple(notes))
    if doc.converter is not None:
        model = _mark_failing_ops(model, doc.converter)
    return model


def _mark_failing_ops(model: Model, conv: ConverterText) -> Model:
    """Give the ops named by error lines their location (the printed function has none)."""
    from dataclasses import replace

    from .matching import match_diagnostics

    located = match_diagnostics(model, conv)
    if not located:
        return model
    subgraphs = list(model.subgraphs)
    for (s, i), loc_text in located.items():
        sg = subgraphs[s]
        ops = list(sg.operators)
        if ops[i].location is None:
            ops[i] = replace(ops[i], location=loc_text)
            subgraphs[s] = replace(sg, operators=tuple(ops))
    return replace(model, subgraphs=tuple(subgraphs))
