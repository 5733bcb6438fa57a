"""Edits that change a model's contract in one known way (LiteRT's schema object API)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.modeledit import pack, unpack


def edited(src: Path, dst: Path, edit: Callable[[object], None]) -> Path:
    model = unpack(src)
    edit(model)
    dst.write_bytes(pack(model))
    return dst
