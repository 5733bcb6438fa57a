"""Hooks the core offers the layers above it, so the model never imports an exporter.

``Model._repr_svg_`` (how Jupyter shows a model) needs the diagram exporter, which sits several
layers above the model. Instead of importing it, the model asks this registry; the package root
(``tfl_inspect/__init__.py``) registers a function that draws with
:mod:`tfl_inspect.exporters.dot`. The same goes for ``str(diagnosis)`` (what a notebook and
``ConversionError`` print), which needs the diagnosis text exporter. These slots are the one
documented exception to "imports only go down the layers": an upper layer fills a slot the core
declares, the core names no exporter. Importing any ``tfl_inspect`` module runs the package root
first, so the slots are filled whenever the core is used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Model

__all__ = ["SvgHook", "set_svg", "svg", "set_text", "text"]

SvgHook = Callable[["Model"], "str | None"]

_svg: list[SvgHook] = []


def set_svg(hook: SvgHook | None) -> None:
    """Install (or, with None, remove) the function that draws a model as SVG for notebooks."""
    _svg.clear()
    if hook is not None:
        _svg.append(hook)


def svg(model: Model) -> str | None:
    """The registered drawing of ``model``, or None when no drawer is installed (or it has none)."""
    return _svg[0](model) if _svg else None


_text: dict[str, Callable[[object], str]] = {}


def set_text(kind: str, hook: Callable[[object], str]) -> None:
    """Install the plain-text renderer for results of ``kind`` (e.g. ``"diagnosis"``)."""
    _text[kind] = hook


def text(kind: str, value: object) -> str | None:
    """``value`` rendered by the registered ``kind`` renderer, or None when none is installed."""
    hook = _text.get(kind)
    return hook(value) if hook is not None else None
