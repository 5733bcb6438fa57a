"""A key for "this op reads what that op read": a target's check of a repeated layer is done once.

Per-op rules read an op's builtin, version and options and, per operand, its type, shape, quantization,
whether it is a constant (or how the runtime allocates it) and the values of small integer constants
(axes, paddings, permutations, slice bounds). Two ops with equal keys get the same verdict, so a target
can take the second without checking it again (its messages, which name tensors, are not cached: only
"taken" is reused). On a 10k-op model this halves the cost of a target's checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..model import Operator, Subgraph

__all__ = ["OpKeys", "frozen"]

_SMALL_INTS = ("INT32", "INT64", "INT16", "INT8", "UINT8", "BOOL")


def frozen(v: Any) -> Any:
    """A hashable copy of decoded options (dicts and lists of composite attributes become tuples)."""
    if isinstance(v, Mapping):
        return tuple((k, frozen(x)) for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return tuple(frozen(x) for x in v)
    return v


class OpKeys:
    """Keys of one subgraph's ops; ``kind(t)`` is how the target classes tensor ``t`` (constant, run-time, ...)."""

    def __init__(self, sg: Subgraph, kind: Callable[[int], str]) -> None:
        self.tensors, self.kind = sg.tensors, kind
        self.memo: dict[tuple[int, str], tuple[Any, ...]] = {}

    def tensor(self, t: int) -> tuple[Any, ...] | None:
        if t < 0:
            return None
        k = self.kind(t)
        hit = self.memo.get((t, k))
        if hit is None:
            x = self.tensors[t]
            q = x.quantization
            qkey = None if q is None else (len(q.scale), bool(q.zero_point), q.quantized_dimension, frozen(q.details))
            values: Any = None
            if x.is_constant and x.nbytes <= 64 and x.dtype in _SMALL_INTS:
                values = x.raw()
                if values is None:  # a front end without stored bytes
                    data = x.data()
                    values = None if data is None else tuple(data.reshape(-1).tolist())
            hit = (x.dtype, x.shape, k, qkey, x.sparsity is not None, x.is_variable, x.nbytes, values)
            self.memo[(t, k)] = hit
        return hit

    def op(self, op: Operator, inputs: Sequence[int] | None = None) -> tuple[Any, ...]:
        """The key of ``op``, with ``inputs`` in place of its own where a runtime remaps them."""
        ins = tuple(op.inputs if inputs is None else inputs)
        options: Any = tuple(op.options.items())
        try:
            hash(options)
        except TypeError:  # a list or dict among the values (composite attributes)
            options = frozen(op.options)
        tensor = self.tensor
        return (
            op.builtin,
            op.custom_code,
            op.version,
            options,
            tuple([tensor(t) for t in ins]),
            tuple([tensor(t) for t in op.outputs]),
            tuple([ins.index(t) for t in ins]),  # which inputs are the same tensor
        )
