"""Rewrite passes as objects, run by a pass manager (as onnx-ir runs its passes).

A pass declares everything about itself once: its ``name`` (what the report lists), its
:class:`Option` s (the ``fix`` command's flags and help, and :func:`~tfl_inspect.rewrite.fix`'s
keywords, which are the flags' names), what it ``requires`` of the manager, and ``__call__``,
which edits the :class:`~tfl_inspect.rewrite.edit.Rewrite` and says whether anything changed.
The registry (:data:`tfl_inspect.rewrite.PASSES`) orders them. Declaring a pass costs no heavy
import: the ``fix`` parser is built for every command.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import UsageError

if TYPE_CHECKING:
    import argparse

    from ..model import Model
    from ..shapes import ShapeResult
    from .edit import Rewrite

__all__ = ["Option", "Pass", "PassResult", "PassManager", "SHAPES", "shape_map"]

SHAPES = "shapes"  # a requirement: the shape engine's result for the input shapes the passes fix


class Option:
    """One flag of a pass; ``fix()`` takes it as the keyword named like it (``--static-batch``: ``static_batch``).

    ``spec`` is argparse's (action, metavar, choices, nargs, const); values are converted by the
    pass, so that a bad one is one usage line. ``activates``: given, it asks for the pass (False:
    it only tunes the pass). A plain class: every command builds the ``fix`` parser."""

    __slots__ = ("activates", "default", "flag", "help", "keyword", "spec")

    def __init__(
        self, flag: str, help: str, spec: Mapping[str, Any] | None = None, default: Any = None, activates: bool = True
    ) -> None:
        self.flag, self.help, self.spec, self.default, self.activates = flag, help, spec or {}, default, activates
        self.keyword = flag.lstrip("-").replace("-", "_")

    def add_to(self, group: argparse._ActionsContainer) -> None:
        group.add_argument(self.flag, dest=self.keyword, help=self.help, default=self.default, **self.spec)


class PassResult:
    """What a pass did to the model (as onnx-ir's passes report)."""

    __slots__ = ("modified",)

    def __init__(self, modified: bool) -> None:
        self.modified = modified

    def __repr__(self) -> str:
        return f"PassResult(modified={self.modified})"


class Pass:
    """One rewrite. Subclasses set the class attributes and implement ``__call__``."""

    name: ClassVar[str]
    options: ClassVar[tuple[Option, ...]]
    requires: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = {o.keyword: values.get(o.keyword, o.default) for o in self.options}

    @classmethod
    def wanted(cls, values: Mapping[str, Any]) -> bool:
        return any(o.activates and _given(values.get(o.keyword)) for o in cls.options)

    def input_shapes(self, model: Model, signature: str | None) -> dict[str | int, tuple[int, ...]] | None:
        """The input shapes this pass fixes (None: it fixes none); the manager infers shapes with them."""
        return None

    def __call__(self, rw: Rewrite) -> PassResult:
        raise NotImplementedError

    def after(self, rw: Rewrite) -> None:
        """Once every pass ran, before the rewrite is finished (names are final, indices still the input's)."""


def _given(value: Any) -> bool:
    if value is None or value is False:
        return False
    return not (isinstance(value, str | Mapping | Sequence) and len(value) == 0)


class PassManager:
    """Runs the passes asked for, in registry order, on one rewrite."""

    def __init__(self, registry: Sequence[type[Pass]], values: Mapping[str, Any]) -> None:
        known = {o.keyword for p in registry for o in p.options}
        unknown = sorted(set(values) - known)
        if unknown:
            takes = ", ".join(sorted(known))
            raise TypeError(f"fix() got unexpected keyword(s): {', '.join(unknown)} (passes take: {takes})")
        self.passes = [p(values) for p in registry if p.wanted(values)]

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.passes]

    def shapes(self, model: Model, signature: str | None) -> ShapeResult | None:
        """What the passes require of shape inference, run once for all: None when none requires it."""
        if not any(SHAPES in p.requires for p in self.passes):
            return None
        inputs: dict[str | int, tuple[int, ...]] = {}
        for p in self.passes:
            inputs.update(p.input_shapes(model, signature) or {})
        return _infer(model, signature, inputs)

    def __call__(self, rw: Rewrite) -> list[PassResult]:
        results = [p(rw) for p in self.passes]
        for p in self.passes:
            p.after(rw)
        if not rw.finished:
            rw.finish(strip=False)  # only what the passes removed, and what fed only that, goes
        return results


def _infer(model: Model, signature: str | None, inputs: Mapping[str | int, Sequence[int]]) -> ShapeResult:
    from ..shapes import infer_shapes

    result = infer_shapes(model, inputs=dict(inputs) if inputs else None, signature=signature)
    f = result.failure
    if f is None:
        return result
    if inputs and infer_shapes(model, signature=signature).failure is None:
        raise UsageError(f"these input shapes do not work: op {f.op} ({f.opcode}): {f.text}")
    raise UsageError(
        f"the model's own recorded shapes fail shape inference, so no shape can be fixed: op {f.op} ({f.opcode}): "
        f"{f.text}"
    )


def shape_map(values: Mapping[str | int, Any] | Sequence[str] | None, flag: str) -> dict[str | int, tuple[int, ...]]:
    """A keyword's shapes: a mapping (the API: ``{"image": (1, 224, 224, 3)}``) or the command line's
    ``NAME=SHAPE`` texts (``image=1x224x224x3``, repeatable)."""
    from ..escape import text as esc
    from ..shapes import parse_shape

    if not values:
        return {}
    if isinstance(values, Mapping):
        return {k: parse_shape(v) for k, v in values.items()}
    out: dict[str | int, tuple[int, ...]] = {}
    for spec in values:
        name, sep, shape = spec.rpartition("=")
        if not sep or not name or not shape:
            raise UsageError(f"{flag} {esc(spec)!r}: expected NAME=SHAPE, e.g. image=1x128x128x3")
        if name in out:
            raise UsageError(f"{flag} {esc(name)!r} is given twice")
        out[name] = parse_shape(shape)
    return out
