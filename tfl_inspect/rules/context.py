"""What rules share: per-subgraph views over the model's use-def index, and finding builders.

Rules must stay linear in the model size (a 10k-op model lints in well under a second), so
every lookup a rule needs is an index into lists built here, never a scan.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .. import naming
from ..dtypes import is_float
from ..fmt import format_shape
from ..remedies import Text, say
from .base import Finding, RuleSpec

if TYPE_CHECKING:
    from ..model import Model, Operator, Subgraph, Tensor

__all__ = ["Context", "View", "QUANT_INT_TYPES"]

# Integer types that carry quantized values (as opposed to indices or counts).
QUANT_INT_TYPES = frozenset({"INT8", "UINT8", "INT16", "INT4", "UINT4"})


@dataclass
class View:
    """One subgraph as rules see it; producer/consumer lookups come from the subgraph's index."""

    sg: Subgraph
    io: frozenset[int]

    @classmethod
    def build(cls, sg: Subgraph) -> View:
        return cls(sg, frozenset(sg.inputs) | frozenset(sg.outputs))

    @property
    def index(self) -> int:
        return self.sg.index

    def tensor(self, i: int) -> Tensor | None:
        return self.sg.tensor(i)

    def op(self, i: int) -> Operator:
        return self.sg.operators[i]

    def producer_op(self, t: int) -> Operator | None:
        return self.sg.producer_op(t)

    def consumer_ops(self, t: int) -> list[Operator]:
        return self.sg.consumer_ops(t)

    def operand(self, op: Operator, slot: int) -> Tensor | None:
        """The tensor in an op's input slot, None when the slot is absent or omitted (-1)."""
        if slot >= len(op.inputs):
            return None
        return self.sg.tensor(op.inputs[slot])

    def result(self, op: Operator, slot: int = 0) -> Tensor | None:
        if slot >= len(op.outputs):
            return None
        return self.sg.tensor(op.outputs[slot])


@dataclass
class Context:
    """The model plus everything rules precompute once."""

    model: Model
    runtime: str | None = None
    views: list[View] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)
    targets: tuple[str, ...] = ()  # deployment targets CMP001 checks (lint --target)
    target_options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, model: Model, runtime: str | None = None) -> Context:
        return cls(model, runtime, [View.build(sg) for sg in model.subgraphs])

    def iter_ops(self) -> Iterator[tuple[View, Operator]]:
        for v in self.views:
            for op in v.sg.operators:
                yield v, op

    @cached_property
    def integer_graph(self) -> bool:
        """True when some activation carries quantized integer values (a full-integer model)."""
        for v in self.views:
            for t in v.sg.tensors:
                if t.dtype in QUANT_INT_TYPES and t.is_quantized and not t.is_constant:
                    return True
        return False

    # --- building findings -----------------------------------------------------------------
    # A finding names its rule's spec: ``ctx.at_op(QNT002, view, op, message, tensor)``, with
    # ``severity=`` / ``explanation=`` / ``fix=`` only where they differ from the spec's.
    def at_op(
        self,
        spec: RuleSpec,
        view: View | Subgraph,
        op: Operator,
        message: str,
        tensor: Tensor | None = None,
        **extra: Any,
    ) -> Finding:
        return spec.finding(
            message,
            producer=self.model.producer,
            subgraph=view.index,
            op=op.index,
            opcode=op.opcode,
            tensor=tensor.index if tensor is not None else None,
            tensor_name=tensor.name if tensor is not None else None,
            module=self.op_module(view.sg if isinstance(view, View) else view, op),
            **extra,
        )

    def at_tensor(self, spec: RuleSpec, tensor: Tensor, message: str, **extra: Any) -> Finding:
        extra.setdefault("module", self.tensor_module(tensor))
        return self.finding(
            spec, message, subgraph=tensor.subgraph, tensor=tensor.index, tensor_name=tensor.name, **extra
        )

    # --- module names (PyTorch-born models) ----------------------------------------------------
    def op_module(self, sg: Subgraph, op: Operator) -> str | None:
        """The module an op belongs to (:func:`tfl_inspect.naming.op_layer`), None when the
        model's names record no modules."""
        found = naming.op_layer(sg, op, self.model.producer.id)
        return found.name if found.scheme in naming.MODULE_SCHEMES else None

    def tensor_module(self, tensor: Tensor) -> str | None:
        """The module a tensor's name records, None when it records none."""
        return naming.module_name(tensor.name, self.model.producer.id) if tensor.name else None

    def module_text(self, sg: Subgraph, op: Operator) -> str:
        """``in `up``` (or ``in the root module``) for messages, "" when names record no modules."""
        module = self.op_module(sg, op)
        if module is None:
            return ""
        return " in the root module" if module == "" else f" in `{module}`"

    def finding(self, spec: RuleSpec, message: str, **extra: Any) -> Finding:
        """A finding of ``spec`` anywhere (model, signature), its texts in the model's producer's terms."""
        return spec.finding(message, producer=self.model.producer, **extra)

    def say(self, text: Text, **values: str) -> str:
        """A :mod:`tfl_inspect.remedies` text for this model's producer."""
        return say(text, self.model.producer, **values)

    def io_label(self, tensor: Tensor) -> tuple[str | None, str | None]:
        """(signature key, signature I/O name) for a subgraph I/O tensor, when a signature names it."""
        n = self.model.io_name(tensor.subgraph, tensor.index)
        return (n.signature, n.name) if n is not None else (None, None)


def is_float_tensor(t: Tensor | None) -> bool:
    return t is not None and is_float(t.dtype)


def dims(shape: tuple[int, ...]) -> str:
    """``[-1, 32, 32, 3]`` as users see it in Python."""
    return format_shape(shape, unknown="-1")


def qname(tensor: Tensor | None) -> str:
    """A tensor as ``'name'`` (or its index when unnamed) — raw text, escaped by the exporter."""
    if tensor is None:
        return "(none)"
    return f"'{tensor.name}'" if tensor.name else f"tensor {tensor.index}"


def op_list(ops: list[Operator], limit: int = 8) -> str:
    """``CONV_2D (op 3), SIN (op 7), … +4 more``"""
    shown = ", ".join(f"{o.opcode} (op {o.index})" for o in ops[:limit])
    return shown + (f", … +{len(ops) - limit} more" if len(ops) > limit else "")


def counts(names: list[str]) -> str:
    """``FlexMatrixDeterminant ×2, FlexSvd ×1`` in first-seen order."""
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    return ", ".join(f"{n} ×{c}" for n, c in seen.items())


__all__ += ["is_float_tensor", "dims", "qname", "op_list", "counts"]
