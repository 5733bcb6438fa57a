"""The **Generative** section of ``inspect`` (decoder LLMs) and the **Bundle** section (``.litertlm`` / ``.task``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..fmt import format_shape
from ..generative import Generative, Matrix, generative
from .blocks import Block, KeyValues, Note, Table

if TYPE_CHECKING:
    from ..model import Model

__all__ = ["generative_blocks", "container_blocks", "human_bytes", "CONTEXTS"]

# Context lengths the KV-cache line is given for (plus the exported one).
CONTEXTS = (1024, 4096, 8192, 32768)


def human_bytes(n: int | None) -> str:
    if n is None:
        return "unknown"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{n:,} B" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover


def _count(n: int) -> str:
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= div:
            return f"{n / div:.2f}{unit}"
    return str(n)


def _matrix(m: Matrix | None) -> str:
    if m is None:
        return "not found"
    return f"{format_shape(m.shape)} {m.dtype}, {_count(m.params)} params, {human_bytes(m.bytes)}"


def kv_line(g: Generative) -> str:
    """KV-cache bytes at the exported length and as the context grows."""
    if g.cache_bytes_per_token is None:
        return f"{human_bytes(g.cache_bytes)} (the cache length of some caches is unknown)"
    c0 = g.caches[0] if g.caches else None
    elem = c0.bytes // _elements(c0.shape) if c0 is not None else 0
    formula = ""
    if g.kv_heads and g.head_dim and elem:
        formula = f" = 2 × {g.layers} layers × {g.kv_heads} KV heads × {g.head_dim} × {elem} B"
    grow = ", ".join(f"{n:,} tokens {human_bytes(g.cache_bytes_per_token * n)}" for n in CONTEXTS)
    return (
        f"{human_bytes(g.cache_bytes)} at {g.cache_length} tokens (the exported cache length); "
        f"{g.cache_bytes_per_token:,} B per token{formula}; {grow}"
    )


def _elements(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= max(d, 1)
    return n


def generative_blocks(model: Model) -> list[Block]:
    g = generative(model)
    if g is None:
        return []
    layout = g.layout
    k, v = layout.get("k", "?"), layout.get("v", "?")
    where = f"K and V {k}" if k == v else f"K {k}, V {v}"
    sources = sorted({c.axis_from for c in g.caches})
    sigs = []
    for s in g.signatures:
        what = f"{s.tokens} token{'s' if s.tokens != 1 else ''}" if s.tokens is not None else "dynamic length"
        extra = ", logits" if s.logits else ", no logits"
        sigs.append(f"{s.key!r}: {s.kind} {what}{extra}")
    weights = []
    for w in g.weights:
        text = f"{w.dtype} {human_bytes(w.bytes)} ({_count(w.params)} params in {w.tensors} tensors"
        if w.role == "block scales":
            text += f"; scales of the blocks of {w.block_size}" if w.block_size else "; block scales"
        elif w.block_size:
            text += f"; blockwise, blocks of {w.block_size}" + (f", {w.scales_dtype} scales" if w.scales_dtype else "")
        weights.append(text + ")")
    head = _matrix(g.lm_head)
    if g.tied_embeddings:
        head += " (tied to the embedding)"
    rows = [
        (
            "Layers",
            f"{g.layers} (one kv_cache_k/kv_cache_v pair each); {g.kv_heads or '?'} KV heads × head dim "
            f"{g.head_dim or '?'}",
        ),
        ("Cache", f"{g.cache_length or '?'} tokens, {g.cache_dtype}; {where} (sequence axis: {', '.join(sources)})"),
        ("Cache bytes", f"{human_bytes(g.cache_bytes_per_layer)} per layer, {human_bytes(g.cache_bytes)} in all"),
        ("KV cache", kv_line(g)),
        ("Signatures", "; ".join(sigs) + ("; inputs take an attention mask" if g.mask else "")),
        ("Vocabulary", f"{g.vocab_size:,}" if g.vocab_size else "unknown"),
        ("Embedding", _matrix(g.embedding)),
        ("LM head", head),
        ("Weights", "; ".join(weights) or "none"),
    ]
    if g.weight_block_size:
        rows.append(("Block size", f"{g.weight_block_size} (blockwise-quantized weights)"))
    blocks: list[Block] = [KeyValues("Generative (decoder LLM: prefill/decode signatures, external KV cache)", rows)]
    blocks += [Note(n, "warning") for n in g.notes]
    return blocks


def container_blocks(model: Model) -> list[Block]:
    c = model.container
    if c is None:
        return []
    title = {"litertlm": "LiteRT-LM bundle", "task": "MediaPipe LLM bundle (.task)"}.get(c.format, c.format)
    version = f" version {c.version}" if c.version else ""
    rows = []
    for i, p in enumerate(c.parts):
        detail = "; ".join(f"{k} {v}" for k, v in _flat(p.detail)[:6])
        rows.append(
            [
                str(i),
                p.name,
                p.kind + (" (shown)" if i == c.model_part else ""),
                f"{p.offset:,}",
                human_bytes(p.size),
                detail,
            ]
        )
    blocks: list[Block] = [
        Table(
            f"{title}{version}: {len(c.parts)} parts, {human_bytes(c.size)}",
            ["#", "part", "kind", "offset", "size", "content"],
            rows,
        )
    ]
    meta = "; ".join(f"{k} {v}" for k, v in _flat(c.metadata)[:8])
    if meta:
        blocks.append(Note(f"bundle metadata: {meta}"))
    return blocks


def _flat(d: object, prefix: str = "") -> list[tuple[str, str]]:
    """Nested metadata as (dotted key, short value) pairs, lists of records counted."""
    out: list[tuple[str, str]] = []
    if not isinstance(d, dict):
        return out
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out += _flat(v, key + ".") or [(key, "{}")]
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            flat = [_flat(x) for x in v]
            if all(len(f) == 1 for f in flat):  # e.g. stop tokens: one id or string each
                out.append((key, ", ".join(f[0][1] for f in flat)))
            else:
                out.append((key, f"{len(v)} entries"))
        elif v not in (None, "", [], {}):
            text = str(v)
            out.append((key, text if len(text) <= 60 else text[:59] + "…"))
    return out
