"""Escaping for names taken from model files, which are untrusted text.

Every output format goes through one of these so that a tensor named
``"]\\n<script>`` cannot break a table, a terminal, a DOT file or an SVG.
"""

from __future__ import annotations

import html
import re

__all__ = ["text", "markup", "html_text", "script_json"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def text(value: str) -> str:
    """Terminal/plain-text safe: control characters (newlines, ANSI escapes) become ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


def markup(value: str) -> str:
    """Safe inside rich markup strings: control characters escaped and ``[`` neutralised."""
    from rich.markup import escape as rich_escape

    return rich_escape(text(value))


def html_text(value: str) -> str:
    """Safe as HTML/SVG/XML text or attribute content (control characters escaped too)."""
    return html.escape(text(value), quote=True)


def script_json(value: object) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``</script>``, ``<!--`` or line separators.

    ``<``, ``>`` and ``&`` become ``\\u003c`` etc., which JSON.parse reads back unchanged, so a
    tensor named ``</script><script>…`` cannot end the block.
    """
    import json

    out = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=False, allow_nan=False)
    return (
        out.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
