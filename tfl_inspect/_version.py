"""The package version, in a module of its own so exporters need not import the package root."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
