"""The JSON Schemas of every ``--format json`` output, shipped inside the package.

Each output names its schema in ``$schema`` as ``urn:tfl-inspect:schema:NAME``: an identifier,
not a URL to fetch; ``tfl-inspect schema NAME`` prints the document it stands for.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

__all__ = ["names", "text", "load", "schema_id"]

_SUFFIX = ".schema.json"


def names() -> list[str]:
    """Every shipped schema, by the name ``tfl-inspect schema`` takes (``inspect``, ``lint``…)."""
    return sorted(p.name[: -len(_SUFFIX)] for p in resources.files(__package__).iterdir() if p.name.endswith(_SUFFIX))


def text(name: str) -> str:
    """The schema document as shipped; KeyError for an unknown name."""
    if name not in names():
        raise KeyError(name)
    return (resources.files(__package__) / f"{name}{_SUFFIX}").read_text(encoding="utf-8")


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text(name))
    return data


def schema_id(name: str) -> str:
    return f"urn:tfl-inspect:schema:{name}"
