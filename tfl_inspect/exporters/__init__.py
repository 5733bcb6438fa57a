"""Output formats. Each module reads the model or analysis results and returns text or files."""

from __future__ import annotations

__all__: list[str] = []
