"""The one list of deployment targets.

A built-in target is one module defining ``TARGET`` and one line in :data:`BUILTIN`; its module is
imported only when the target is used, so ``lint`` without ``--target`` loads no target rules.
:func:`register` adds a target at run time (a plug-in, or a test's toy target): every listing —
CLI flags and help, the compat schema, lint's CMP docs, the report — then shows it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..errors import UsageError

if TYPE_CHECKING:
    from .base import Target, TargetOption

__all__ = ["BUILTIN", "register", "unregister", "names", "get", "all_targets", "options", "parse_targets"]

# name → module under tfl_inspect.targets that defines TARGET, in the order reports list them.
BUILTIN: dict[str, str] = {
    "xnnpack": "xnnpack",
    "gpu": "gpu",
    "gpu-classic": "gpu_classic",
    "tflm": "tflm",
    "edgetpu": "edgetpu",
    "nnapi": "nnapi",
    "qualcomm": "qualcomm",
    "intel": "intel",
    "mediatek": "mediatek",
    "google-tensor": "google_tensor",
}

_LOADED: dict[str, Target] = {}
_EXTRA: dict[str, Target] = {}


def register(target: Target) -> Target:
    """Add a target after the built-in ones; a name already known is an error."""
    if target.name in BUILTIN or target.name in _EXTRA:
        raise ValueError(f"target {target.name!r} is already registered")
    _EXTRA[target.name] = target
    return target


def unregister(name: str) -> None:
    """Remove a target added with :func:`register` (tests)."""
    _EXTRA.pop(name, None)


def names() -> tuple[str, ...]:
    return (*BUILTIN, *_EXTRA)


def get(name: str) -> Target:
    target = _LOADED.get(name) or _EXTRA.get(name)
    if target is None:
        if name not in BUILTIN:
            raise UsageError(f"unknown target '{name}': known targets are {', '.join(names())}")
        target = importlib.import_module(f"{__package__}.{BUILTIN[name]}").TARGET
        _LOADED[name] = target
    return target


def all_targets() -> list[Target]:
    return [get(n) for n in names()]


def options() -> list[TargetOption]:
    """Every target's options, each name once (two targets may share one)."""
    seen: dict[str, TargetOption] = {}
    for t in all_targets():
        for o in t.options:
            seen.setdefault(o.name, o)
    return list(seen.values())


def parse_targets(spec: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"gpu,tflm"`` or a list → known target names; an unknown name is a usage error listing the known ones."""
    known = names()
    if spec is None:
        return known
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    out: list[str] = []
    for raw in items:
        for part in raw.split(","):
            name = part.strip().lower()
            if not name:
                continue
            if name == "all":
                out.extend(known)
                continue
            if name not in known:
                raise UsageError(f"unknown target '{part.strip()}': known targets are {', '.join(known)}")
            out.append(name)
    if not out:
        raise UsageError(f"no target given: known targets are {', '.join(known)}")
    return tuple(dict.fromkeys(out))
