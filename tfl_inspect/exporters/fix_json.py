"""``tfl-inspect fix --format json``: the report under the common envelope (schema ``fix``)."""

from __future__ import annotations

from typing import Any

from ..rewrite.report import FixReport
from .envelope import envelope

__all__ = ["to_json_dict"]


def to_json_dict(r: FixReport) -> dict[str, Any]:
    """``$schema``/``tool``/``source`` first, then every field of the report (``schemas/fix.schema.json``)."""
    doc = envelope("fix", r.source)
    doc.update(r.to_dict())
    return doc
