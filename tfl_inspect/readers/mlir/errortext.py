"""Reading a converter error message: its ``error:``/``note:`` lines and the MLIR inside.

``str(ConverterError)`` is MLIR diagnostics glued together: ``<unknown>:0: error: loc(...): msg``
(or ``loc(...): error: msg`` as printed on stderr), notes such as ``see current operation:``
followed by the failing op or by the whole failing function in generic form. Each diagnostic's
message runs to the next diagnostic marker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...errors import MlirSyntaxError
from .ir import Loc, Module, Operation
from .parser import Parser

__all__ = ["Diagnostic", "ConverterText", "parse_converter_text", "looks_like_converter_text"]

_MARKER = re.compile(
    r"(?:<unknown>|\"[^\"\n]*\"|[\w./\\-]+\.(?:mlir|py|cc|txt)):\d+:(?:\d+:)?[ \t]+"
    r"(?P<sev>error|note|warning|remark):[ \t]*"
    r"|^(?=loc\()",
    re.MULTILINE,
)
_LOC_FIRST_SEV = re.compile(r":\s*(error|note|warning|remark):\s*")
_SEE_OP = "see current operation:"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One ``error``/``note``/``warning`` with its location and message (may span lines)."""

    severity: str
    message: str
    loc: Loc | None = None
    line: int = 0
    operation: Operation | None = None  # the op printed after "see current operation:", if any

    @property
    def headline(self) -> str:
        return self.message.strip().split("\n", 1)[0].strip()


@dataclass(slots=True)
class ConverterText:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    module: Module | None = None
    problems: list[str] = field(default_factory=list)  # embedded MLIR that did not parse (tolerant mode)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


def looks_like_converter_text(text: str) -> bool:
    """True for diagnostics text (``...: error: ...``) rather than a plain MLIR document."""
    head = text.lstrip()
    if head.startswith(("module", "func.func", '"func.func"', "#loc", "{-#", '"builtin.module"')):
        return False
    return any(m.group("sev") for m in _MARKER.finditer(text))


def parse_converter_text(text: str, path: str | None = None, strict: bool = True) -> ConverterText:
    """Diagnostics and the embedded MLIR of a converter error message.

    Malformed MLIR inside a note raises :class:`MlirSyntaxError` (line:column in the file);
    with ``strict=False`` it is recorded in ``problems`` and the error lines are still read.
    """
    parser = Parser(text, path)
    cur = parser.cur
    out = ConverterText()
    marks = [m for m in _MARKER.finditer(text)]
    for n, m in enumerate(marks):
        end = marks[n + 1].start() if n + 1 < len(marks) else len(text)
        start = m.end()
        severity = m.group("sev")
        loc = None
        cur.pos = start
        if text.startswith("loc(", start):
            try:
                loc = parser.location()
            except MlirSyntaxError:
                loc = None
            if loc is not None:
                rest = _LOC_FIRST_SEV.match(text, cur.pos)
                if severity is None:
                    if rest is None:
                        continue
                    severity = rest.group(1)
                    cur.pos = rest.end()
                elif text.startswith(":", cur.pos):
                    cur.pos += 1
        elif severity is None:
            continue
        body_start = cur.pos
        message = text[body_start:end]
        operation = None
        see = message.find(_SEE_OP)
        if see >= 0:
            op_pos = body_start + see + len(_SEE_OP)
            try:
                operation = Parser(text, path, op_pos).operation()
            except MlirSyntaxError as exc:
                if strict:
                    raise
                out.problems.append(str(exc))
            if operation is not None and operation.name in ("func.func", "builtin.module") and out.module is None:
                out.module = Module([operation], {}, path)
            is_func = operation is not None and operation.name == "func.func"
            message = message[:see] + _SEE_OP + (" (the function below)" if is_func else "")
        line = cur.line_col(m.start())[0]
        out.diagnostics.append(Diagnostic(severity, message.strip(), loc, line, operation))
    return out
