"""STABLEHLO_COMPOSITE ops as the layers they name, and the subgraphs that decompose them.

A composite (``odml.rms_norm``, ``odml.scaled_dot_product_attention`` …) is one layer of the
source model; its ``decomposition_subgraph_index`` names a subgraph holding the plain TFLite ops
that compute it. LiteRT's CPU runs that subgraph as the composite's kernel
(``tflite/kernels/stablehlo_composite.cc``: Prepare allocates it, Eval invokes it); a delegate
that lowers the composite itself (XNNPACK for ``odml.scaled_dot_product_attention``) never runs
it. So a decomposition subgraph is not another entry point of the model: it belongs under the
composite that calls it, and its ops are the composite's ops, not more ops of the model.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import Model

__all__ = ["Composite", "Composites", "composites", "layer_title", "OP"]

OP = "STABLEHLO_COMPOSITE"

# What the odml.* composites stand for (names as litert-torch and LiteRT's tests write them).
_TITLES = {
    "odml.rms_norm": "RMSNorm",
    "odml.group_norm": "GroupNorm",
    "odml.l2_norm": "L2 normalization",
    "odml.layer_norm": "LayerNorm",
    "odml.scaled_dot_product_attention": "scaled dot-product attention",
    "odml.sdpa_transposed": "scaled dot-product attention (transposed)",
    "odml.fused_sdpa_cache_update": "attention with KV-cache update",
    "odml.cache_update": "KV-cache update",
    "odml.update_kv_cache": "KV-cache update",
    "odml.update_external_kv_cache": "KV-cache update",
    "odml.rope": "rotary position embedding",
    "odml.qkv_norm_rope": "QKV norm + rotary position embedding",
    "odml.embedding_lookup": "embedding lookup",
    "odml.softmax": "softmax",
    "odml.swiglu": "SwiGLU",
    "odml.moe_experts": "mixture of experts",
    "odml.runtime_bmm": "batch matmul",
    "odml.upsample_bilinear2d": "bilinear upsampling",
    "odml.npu_call": "NPU call",
}


def layer_title(name: str) -> str:
    """A person's name for a composite (``odml.rms_norm`` → ``RMSNorm``); unknown names as they are."""
    return _TITLES.get(name, name)


@dataclass(frozen=True, slots=True)
class Composite:
    """One STABLEHLO_COMPOSITE op: the layer it names, its attributes and its decomposition subgraph."""

    subgraph: int
    op: int
    name: str
    attributes: Mapping[str, Any]
    version: int
    decomposition: int | None  # None when the index is out of range

    @property
    def title(self) -> str:
        return layer_title(self.name)

    def label(self) -> str:
        """``odml.rms_norm (subgraph 0 op 20)``: where a caller is, for headings and locations."""
        return f"{self.name} (subgraph {self.subgraph} op {self.op})"

    def attributes_text(self) -> str:
        return ", ".join(f"{k} {_short(v)}" for k, v in self.attributes.items())


def _short(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


@dataclass(frozen=True, slots=True)
class Composites:
    """Every composite of a model and, per decomposition subgraph, the composites that call it."""

    ops: tuple[Composite, ...]
    callers: Mapping[int, tuple[Composite, ...]]  # decomposition subgraph → its callers
    by_subgraph: Mapping[int, tuple[Composite, ...]] = field(default_factory=dict)  # caller subgraph → its composites
    by_op: Mapping[tuple[int, int], Composite] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.ops)

    def is_decomposition(self, subgraph: int) -> bool:
        return subgraph in self.callers

    def owner(self, subgraph: int) -> Composite | None:
        """The (first) composite whose decomposition ``subgraph`` is; None for other subgraphs."""
        found = self.callers.get(subgraph)
        return found[0] if found else None

    def at(self, subgraph: int, op: int) -> Composite | None:
        return self.by_op.get((subgraph, op))

    def top(self, subgraph: int) -> Composite | None:
        """The composite of a top-level subgraph that ``subgraph`` ends up under (itself when one level deep)."""
        seen: set[int] = set()
        found = None
        while subgraph in self.callers and subgraph not in seen:
            seen.add(subgraph)
            found = self.callers[subgraph][0]
            subgraph = found.subgraph
        return found

    def under(self, subgraph: int) -> Iterator[tuple[int, Composite]]:
        """(depth, composite) for the composites of ``subgraph`` and, below each, those of its decomposition."""
        stack = [(0, c) for c in reversed(self.by_subgraph.get(subgraph, ()))]
        seen: set[int] = {subgraph}
        while stack:
            depth, c = stack.pop()
            yield depth, c
            d = c.decomposition
            if d is not None and d not in seen:
                seen.add(d)
                stack.extend((depth + 1, x) for x in reversed(self.by_subgraph.get(d, ())))

    def order(self, n_subgraphs: int) -> list[tuple[int, Composite | None]]:
        """Subgraphs in reading order: each top-level one followed by the decompositions under it (depth first).

        Decompositions no top-level subgraph reaches come last, each with its caller.
        """
        out: list[tuple[int, Composite | None]] = []
        placed: set[int] = set()
        for s in range(n_subgraphs):
            if s in self.callers:
                continue
            out.append((s, None))
            placed.add(s)
            for _, c in self.under(s):
                d = c.decomposition
                if d is not None and d not in placed:
                    out.append((d, c))
                    placed.add(d)
        for s in sorted(self.callers):
            if s not in placed:
                out.append((s, self.callers[s][0]))
        return out

    @property
    def decompositions(self) -> tuple[int, ...]:
        return tuple(sorted(self.callers))

    def counts(self) -> dict[str, int]:
        """Composite name → how many ops name it, most common first."""
        out: dict[str, int] = {}
        for c in self.ops:
            out[c.name] = out.get(c.name, 0) + 1
        return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def composites(model: Model) -> Composites:
    """The composites of ``model`` (computed once per model).

    A subgraph counts as a decomposition when a composite names it and it is neither a
    signature's subgraph, nor subgraph 0, nor called by any other op (IF, WHILE, CALL_ONCE):
    only then is it nothing but the composite's body.
    """
    found = model._cache.get("composites")
    if found is not None:
        return found  # type: ignore[no-any-return]
    n = len(model.subgraphs)
    ops: list[Composite] = []
    other_calls: set[int] = set()
    for sg in model.subgraphs:
        for op in sg.operators:
            if op.builtin != OP:
                other_calls.update(ref for _, ref in op.called())
                continue
            o = op.options
            ref = _int(o.get("decomposition_subgraph_index"), -1)
            attrs = o.get("composite_attributes")
            ops.append(
                Composite(
                    sg.index,
                    op.index,
                    str(o.get("name") or ""),
                    dict(attrs) if isinstance(attrs, Mapping) else {},
                    _int(o.get("version"), 0),
                    ref if 0 <= ref < n else None,
                )
            )
    entry = {sig.subgraph for sig in model.signatures} | {0} | other_calls
    callers: dict[int, list[Composite]] = {}
    for c in ops:
        if c.decomposition is not None and c.decomposition not in entry:
            callers.setdefault(c.decomposition, []).append(c)
    by_subgraph: dict[int, list[Composite]] = {}
    for c in ops:
        by_subgraph.setdefault(c.subgraph, []).append(c)
    found = Composites(
        tuple(ops),
        {s: tuple(v) for s, v in sorted(callers.items())},
        {s: tuple(v) for s, v in by_subgraph.items()},
        {(c.subgraph, c.op): c for c in ops},
    )
    model._cache["composites"] = found
    return found
