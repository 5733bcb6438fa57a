"""The one shape formatter: every module that prints a shape calls :func:`format_shape`.

Styles differ only by arguments: ``[1, ?, 3]`` (default), ``1x?x3`` (:func:`format_dims`,
for messages and labels) and ``[-1, 32, 3]`` (``unknown="-1"``, as Python users see
``shape_signature``).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["format_shape", "format_dims"]


def format_shape(
    shape: Iterable[int] | None,
    *,
    unknown: str = "?",
    sep: str = ", ",
    brackets: bool = True,
    unranked: str = "unranked",
    scalar: str | None = None,
) -> str:
    """A shape for people; negative dims print as ``unknown``, ``None`` (no rank) as ``unranked``.

    ``scalar`` replaces the empty rendering of rank 0 when given (``[]`` otherwise).
    """
    if shape is None:
        return unranked
    dims = tuple(shape)
    if not dims and scalar is not None:
        return scalar
    body = sep.join(unknown if d < 0 else str(d) for d in dims)
    return f"[{body}]" if brackets else body


def format_dims(shape: Iterable[int] | None, sep: str = "x", *, scalar: str = "scalar") -> str:
    """``1x96x96x3`` (``?`` for unknown dims, ``scalar`` for rank 0, ``unranked``)."""
    return format_shape(shape, sep=sep, brackets=False, scalar=scalar)
