"""Character-level scanning of MLIR text: whitespace, identifiers, numbers, strings, positions.

MLIR's token boundaries depend on context (``4x4xf32`` inside ``tensor<...>`` is three
tokens, elsewhere ``x4`` is an identifier), so the parser drives a cursor over the text
instead of consuming a fixed token stream. Every error carries a 1-based line:column.
"""

from __future__ import annotations

import bisect
import re

from ...errors import MlirSyntaxError

__all__ = ["Cursor", "decode_string"]

_WS = re.compile(r"(?:\s+|//[^\n]*)+")
_WS_START = frozenset(" \t\r\n\f\v/")
_BARE_ID = re.compile(r"[A-Za-z_][\w$.]*")
_SUFFIX_ID = re.compile(r"[\w$.\-]+")  # after % ^ @ # !: may start with a digit
_RESULT_NUMBER = re.compile(r"#\d+")
_NUMBER = re.compile(r"[-+]?(?:0x[0-9A-Fa-f]+|(?:\d+\.?\d*(?:[eE][-+]?\d+)?)|inf|nan)")
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"', re.DOTALL)
_ESCAPE = re.compile(rb"\\([0-9A-Fa-f]{2}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {b"n": b"\n", b"t": b"\t", b'"': b'"', b"\\": b"\\"}


def decode_string(literal: str) -> bytes:
    """The bytes of an MLIR string literal (quotes included): ``\\XX`` is a hex byte."""
    raw = literal[1:-1].encode("utf-8", "surrogatepass")

    def sub(m: re.Match[bytes]) -> bytes:
        code = m.group(1)
        if len(code) == 2:
            return bytes([int(code, 16)])
        return _SIMPLE_ESCAPES.get(code, code)

    return _ESCAPE.sub(sub, raw)


class Cursor:
    """A position in MLIR text with the scanning primitives the parser needs."""

    __slots__ = ("_line_starts", "path", "pos", "text")

    def __init__(self, text: str, path: str | None = None, pos: int = 0) -> None:
        self.text = text
        self.path = path
        self.pos = pos
        self._line_starts: list[int] | None = None

    # --- positions ----------------------------------------------------------------------
    def line_col(self, pos: int | None = None) -> tuple[int, int]:
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        at = self.pos if pos is None else pos
        line = bisect.bisect_right(self._line_starts, at) - 1
        return line + 1, at - self._line_starts[line] + 1

    def error(self, message: str, pos: int | None = None) -> MlirSyntaxError:
        line, col = self.line_col(pos)
        return MlirSyntaxError(message, line, col, self.path)

    def describe(self) -> str:
        """What is at the cursor, for 'expected X, found Y' messages."""
        if self.pos >= len(self.text):
            return "end of input"
        snippet = self.text[self.pos : self.pos + 12].split("\n", 1)[0]
        return repr(snippet)

    # --- scanning -----------------------------------------------------------------------
    def skip(self) -> None:
        pos = self.pos
        if pos < len(self.text) and self.text[pos] not in _WS_START:
            return  # the common case, without a regex call
        m = _WS.match(self.text, pos)
        if m:
            self.pos = m.end()

    def at_end(self) -> bool:
        self.skip()
        return self.pos >= len(self.text)

    def peek(self, n: int = 1) -> str:
        self.skip()
        return self.text[self.pos : self.pos + n]

    def startswith(self, s: str) -> bool:
        self.skip()
        return self.text.startswith(s, self.pos)

    def accept(self, s: str) -> bool:
        """Consume ``s`` if it is next (keywords must not run on into an identifier)."""
        self.skip()
        if not self.text.startswith(s, self.pos):
            return False
        end = self.pos + len(s)
        if s[-1:].isalnum() and end < len(self.text) and (self.text[end].isalnum() or self.text[end] in "_."):
            return False
        self.pos = end
        return True

    def expect(self, s: str, what: str | None = None) -> None:
        if not self.accept(s):
            raise self.error(f"expected {what or repr(s)}, found {self.describe()}")

    def match(self, pattern: re.Pattern[str]) -> str | None:
        self.skip()
        m = pattern.match(self.text, self.pos)
        if not m:
            return None
        self.pos = m.end()
        return m.group()

    def bare_id(self) -> str | None:
        return self.match(_BARE_ID)

    def expect_bare_id(self, what: str = "an identifier") -> str:
        ident = self.bare_id()
        if ident is None:
            raise self.error(f"expected {what}, found {self.describe()}")
        return ident

    def prefixed_id(self, sigil: str) -> str | None:
        """``%name``, ``^bb0``, ``@sym`` (or ``@"quoted"``), ``#alias``, ``!alias`` including the sigil."""
        self.skip()
        if not self.text.startswith(sigil, self.pos):
            return None
        start = self.pos
        if self.text.startswith('"', start + 1):
            m = _STRING.match(self.text, start + 1)
            if not m:
                raise self.error("unterminated string", start + 1)
            self.pos = m.end()
            return sigil + decode_string(m.group()).decode("utf-8", "replace")
        m = _SUFFIX_ID.match(self.text, start + 1)
        if not m:
            return None
        self.pos = m.end()
        if sigil == "%":
            use = _RESULT_NUMBER.match(self.text, self.pos)  # %0#1: result 1 of a multi-result op
            if use:
                self.pos = use.end()
        return self.text[start : self.pos]

    def number(self) -> str | None:
        self.skip()
        m = _NUMBER.match(self.text, self.pos)
        if not m:
            return None
        # "x" right after digits belongs to a shape ("4x4"), not to the number.
        self.pos = m.end()
        return m.group()

    def string(self) -> str | None:
        """A string literal, raw (quotes and escapes kept); see :func:`decode_string`."""
        self.skip()
        if not self.text.startswith('"', self.pos):
            return None
        m = _STRING.match(self.text, self.pos)
        if not m:
            raise self.error("unterminated string")
        self.pos = m.end()
        return m.group()

    def balanced(self, open_: str = "<", close: str = ">") -> str:
        """Raw text of a bracketed group starting at the cursor (strings respected)."""
        self.skip()
        start = self.pos
        if not self.text.startswith(open_, start):
            raise self.error(f"expected {open_!r}, found {self.describe()}")
        depth, i, text = 0, start, self.text
        pairs = {"<": ">", "(": ")", "[": "]", "{": "}"}
        stack: list[str] = []
        while i < len(text):
            c = text[i]
            if c == '"':
                m = _STRING.match(text, i)
                if not m:
                    raise self.error("unterminated string", i)
                i = m.end()
                continue
            if c == ">" and i > start and text[i - 1] == "-":
                pass  # "->" inside a function type
            elif c in pairs:
                stack.append(pairs[c])
                depth += 1
            elif stack and c == stack[-1]:
                stack.pop()
                depth -= 1
                if depth == 0:
                    self.pos = i + 1
                    return text[start : i + 1]
            i += 1
        raise self.error(f"unbalanced {open_!r}", start)
