"""Running Graphviz: pick the format, lay DOT out with the system ``dot`` (with a timeout), write bytes.

Kept apart from the DOT writer so that writing ``.dot`` never needs Graphviz and every way
``dot`` can fail (missing, hanging, crashing) becomes one clean :class:`TflInspectError`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..errors import TflInspectError, UsageError
from .dot_defaults import DEFAULT_TIMEOUT, FORMATS

__all__ = ["INSTALL_HINT", "output_format", "check_target", "write", "pipe"]

INSTALL_HINT = "install Graphviz (apt-get install graphviz, brew install graphviz) or write a .dot file"


def output_format(path: str | Path, fmt: str | None = None) -> str:
    """The format asked for, from ``fmt`` or the file suffix."""
    if fmt is None:
        fmt = Path(path).suffix.lstrip(".").lower()
        if fmt == "gv":
            fmt = "dot"
        if fmt not in FORMATS:
            raise UsageError(
                f"cannot tell the output format from {str(path)!r}: use a .svg, .png, .pdf or .dot file (or --format)"
            )
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return fmt


def check_target(path: str | Path) -> None:
    """Fail before the layout work when the output cannot be written where asked."""
    parent = Path(path).parent
    if not parent.is_dir():
        raise UsageError(f"cannot write {path}: directory {str(parent)!r} does not exist")
    if Path(path).is_dir():
        raise UsageError(f"cannot write {path}: it is a directory")


def write(path: str | Path, data: bytes) -> Path:
    """Write rendered bytes; an unwritable path is a clean error, not a traceback."""
    target = Path(path)
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise TflInspectError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return target


def pipe(source: str, fmt: str, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Lay out DOT ``source`` with the system ``dot`` and return the rendered bytes.

    PNG and PDF use the cairo renderer (``png:cairo``), the one that draws text with the same
    font metrics as the SVG: the default gd PNG renderer clips the underscores of bold labels.
    """
    import graphviz  # type: ignore[import-untyped]
    from graphviz.backend.dot_command import command  # type: ignore[import-untyped]
    from graphviz.backend.execute import run_check  # type: ignore[import-untyped]

    renderer = "cairo" if fmt in ("png", "pdf") else None
    try:
        proc = run_check(
            command("dot", fmt, renderer=renderer),
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            quiet=True,
        )
    except graphviz.ExecutableNotFound as exc:
        raise TflInspectError(f"Graphviz 'dot' was not found on PATH: {INSTALL_HINT}") from exc
    except subprocess.TimeoutExpired as exc:
        raise TflInspectError(
            f"Graphviz 'dot' did not finish within {timeout:g} s: lower --max-nodes or draw part "
            "of the model with --focus or --subgraph"
        ) from exc
    except graphviz.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise TflInspectError(
            f"Graphviz 'dot' failed (exit {exc.returncode}): {detail[-1] if detail else 'no message'}"
        ) from exc
    except OSError as exc:
        raise TflInspectError(f"cannot run Graphviz 'dot': {exc}") from exc
    return proc.stdout
