"""The ``generative`` object of ``inspect --format json`` (schema ``inspect``), also the report's section."""

from __future__ import annotations

from typing import Any

from ..generative import Generative, Matrix

__all__ = ["generative_dict"]


def generative_dict(g: Generative) -> dict[str, Any]:
    """The ``generative`` object of ``inspect --format json`` (schema ``inspect``)."""

    def matrix(m: Matrix | None) -> dict[str, Any] | None:
        if m is None:
            return None
        return {
            "subgraph": m.subgraph,
            "tensor": m.tensor,
            "name": m.name,
            "shape": list(m.shape),
            "dtype": m.dtype,
            "params": m.params,
            "bytes": m.bytes,
        }

    return {
        "layers": g.layers,
        "kv_heads": g.kv_heads,
        "head_dim": g.head_dim,
        "cache_length": g.cache_length,
        "cache_dtype": g.cache_dtype,
        "cache_bytes_per_layer": g.cache_bytes_per_layer,
        "cache_bytes": g.cache_bytes,
        "cache_bytes_per_token": g.cache_bytes_per_token,
        "cache_layout": g.layout,
        "caches": [
            {
                "name": c.name,
                "layer": c.layer,
                "kind": c.kind,
                "tensor": c.tensor,
                "shape": list(c.shape),
                "dtype": c.dtype,
                "bytes": c.bytes,
                "sequence_axis": c.sequence_axis,
                "sequence_axis_from": c.axis_from,
            }
            for c in g.caches
        ],
        "vocab_size": g.vocab_size,
        "weight_block_size": g.weight_block_size,
        "mask": g.mask,
        "signatures": [
            {
                "key": s.key,
                "subgraph": s.subgraph,
                "kind": s.kind,
                "tokens": s.tokens,
                "cache_bytes": s.cache_bytes,
                "logits": s.logits,
                "inputs": list(s.inputs),
            }
            for s in g.signatures
        ],
        "embedding": matrix(g.embedding),
        "lm_head": matrix(g.lm_head),
        "tied_embeddings": g.tied_embeddings,
        "weights": [
            {
                "dtype": w.dtype,
                "role": w.role,
                "tensors": w.tensors,
                "params": w.params,
                "bytes": w.bytes,
                "block_size": w.block_size,
                "scales_dtype": w.scales_dtype,
            }
            for w in g.weights
        ],
        "notes": list(g.notes),
    }
