"""The ``tfl-inspect fix`` command line a lint finding can quote as its fix (no heavy imports)."""

from __future__ import annotations

import shlex

__all__ = ["command"]


def command(source: str | None, *flags: str) -> str:
    """``tfl-inspect fix MODEL -o MODEL_fixed.tflite FLAGS`` for the model lint looked at."""
    model = source or "MODEL.tflite"
    stem = model[:-7] if model.endswith(".tflite") else model
    return " ".join(["tfl-inspect fix", shlex.quote(model), "-o", shlex.quote(stem + "_fixed.tflite"), *flags])
