"""``tfl-inspect fix --format json``: the report under the common envelope (schema ``fix``)."""

from __future__ import annotations

from typing import Any

from ..fix.report import FixReport
from .envelope import envelope

__all__ = ["to_json_dict"]


def to_json_dict(r: FixReport) -> dict[str, Any]:
    doc = envelope("fix", r.source)
    doc.update(r.to_dict())
    del doc["source"]  # already in the envelope
    doc["source"] = r.source
    return doc
