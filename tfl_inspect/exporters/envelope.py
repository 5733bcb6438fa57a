"""The one envelope every JSON output starts with, so scripts read any of them the same way."""

from __future__ import annotations

from typing import Any

from .._version import __version__
from ..schemas import schema_id

__all__ = ["envelope"]


def envelope(schema: str, source: str | None) -> dict[str, Any]:
    """``$schema`` (see :mod:`tfl_inspect.schemas`), ``tool {name, version}`` and ``source``.

    Callers add their own fields after these three.
    """
    return {"$schema": schema_id(schema), "tool": {"name": "tfl-inspect", "version": __version__}, "source": source}
