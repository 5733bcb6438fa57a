"""Decoder LLMs as their deployers see them: layers, KV cache, prefill/decode signatures, weights.

litert-torch's generative API (and ``export_hf``) exports a decoder with one ``prefill_<N>``
signature per prefill length and a ``decode`` signature; the KV cache lives outside the model and
is passed in and out as ``kv_cache_k_<i>`` / ``kv_cache_v_<i>`` (one pair per layer), next to
``tokens``, ``input_pos`` (and ``mask`` from ``export_hf``). Everything here is read from those
signatures and from the ops that update the cache; nothing is assumed about the layout:

- the generative API keeps K and V as ``[batch, cache length, KV heads, head dim]``;
- ``export_hf`` keeps K as ``[batch, KV heads, cache length, head dim]`` and V transposed,
  ``[batch, KV heads, head dim, cache length]``.

The sequence axis of each cache is, in order of trust: what a ``.litertlm`` bundle's
ExecutorMetadata says (``state_buffers[].sequence_axis``); the axis a DYNAMIC_UPDATE_SLICE writes
fewer entries into than the cache holds (the new tokens); else the axis whose size is the same in
every cache (ambiguous when sizes coincide: said so in ``notes``). The head dim is the last other
axis, the KV heads the product of the rest but the batch.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .dtypes import tensor_bytes

if TYPE_CHECKING:
    from .model import Model, Operator, Subgraph, Tensor

__all__ = ["CacheTensor", "GenSignature", "WeightGroup", "Matrix", "Generative", "generative", "CACHE_NAME"]

CACHE_NAME = re.compile(r"^(?:kv_cache_([kv])|([kv])_cache)_(\d+)$")
_PREFILL = re.compile(r"^prefill(?:_(\d+))?")
_TOKENS = ("tokens", "input_ids", "token_ids")
_PASS = frozenset({"RESHAPE", "SQUEEZE", "EXPAND_DIMS", "CAST", "DEQUANTIZE", "QUANTIZE", "IDENTITY"})


@dataclass(frozen=True, slots=True)
class CacheTensor:
    """One KV-cache input of a signature."""

    layer: int
    kind: str  # "k" or "v"
    name: str  # the signature's name for it
    tensor: int
    shape: tuple[int, ...]
    dtype: str
    bytes: int
    sequence_axis: int | None
    axis_from: str  # "executor metadata", "cache update", "shape" or "unknown"

    @property
    def length(self) -> int | None:
        ax = self.sequence_axis
        return self.shape[ax] if ax is not None and 0 <= ax < len(self.shape) else None

    @property
    def head_dim(self) -> int | None:
        rest = [i for i in range(1, len(self.shape)) if i != self.sequence_axis]
        return self.shape[rest[-1]] if rest and self.sequence_axis is not None else None

    @property
    def kv_heads(self) -> int | None:
        rest = [i for i in range(1, len(self.shape)) if i != self.sequence_axis]
        return math.prod(self.shape[i] for i in rest[:-1]) if rest and self.sequence_axis is not None else None


@dataclass(frozen=True, slots=True)
class GenSignature:
    key: str
    subgraph: int
    kind: str  # "prefill" or "decode"
    tokens: int | None  # tokens per call: the prefill length, or the decode step (1); None if dynamic
    cache_bytes: int  # sum of this signature's cache inputs
    logits: bool  # the signature returns logits (prefill often does not)
    inputs: tuple[str, ...]  # its other inputs (tokens, input_pos, mask …)


@dataclass(frozen=True, slots=True)
class WeightGroup:
    """Constants of one dtype and role, each buffer once."""

    dtype: str
    role: str  # "weights" or "block scales"
    tensors: int
    params: int
    bytes: int
    block_size: int | None = None  # blockwise quantization: elements per block
    scales_dtype: str | None = None


@dataclass(frozen=True, slots=True)
class Matrix:
    """The embedding table or the LM head: where it is and what it costs."""

    subgraph: int
    tensor: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    params: int
    bytes: int  # stored bytes, with the block scales of a blockwise tensor


@dataclass(frozen=True, slots=True)
class Generative:
    layers: int
    kv_heads: int | None
    head_dim: int | None
    cache_length: int | None
    cache_dtype: str
    cache_bytes_per_layer: int
    cache_bytes: int
    cache_bytes_per_token: int | None
    caches: tuple[CacheTensor, ...]  # of the signature they were measured on
    signatures: tuple[GenSignature, ...]
    vocab_size: int | None
    weight_block_size: int | None
    embedding: Matrix | None
    lm_head: Matrix | None
    tied_embeddings: bool
    weights: tuple[WeightGroup, ...]
    mask: bool  # signatures take an attention mask input (export_hf)
    notes: tuple[str, ...] = ()

    def kv_cache_bytes(self, tokens: int) -> int | None:
        """KV-cache bytes for a context of ``tokens`` tokens (it grows linearly with the context)."""
        return None if self.cache_bytes_per_token is None else self.cache_bytes_per_token * tokens

    @property
    def layout(self) -> dict[str, str]:
        """Per cache kind (k, v) the axes in words: ``[batch, seq, kv_heads, head_dim]``."""
        out: dict[str, str] = {}
        for c in self.caches:
            if c.kind in out or c.sequence_axis is None:
                continue
            rest = [i for i in range(1, len(c.shape)) if i != c.sequence_axis]
            names = ["batch"] + [""] * (len(c.shape) - 1)
            names[c.sequence_axis] = "seq"
            if rest:
                names[rest[-1]] = "head_dim"
                for i in rest[:-1]:
                    names[i] = "kv_heads"
            out[c.kind] = "[" + ", ".join(names) + "]"
        return out


def _cache_inputs(names: Mapping[str, int]) -> dict[tuple[int, str], tuple[str, int]]:
    out = {}
    for name, idx in names.items():
        m = CACHE_NAME.match(name)
        if m:
            kind = m.group(1) or m.group(2)
            out[(int(m.group(3)), kind)] = (name, idx)
    return out


def _kind(key: str, tokens: int | None) -> str:
    if _PREFILL.match(key):
        return "prefill"
    if key.startswith("decode"):
        return "decode"
    return "decode" if tokens == 1 else "prefill"


def _tokens(sg: Subgraph, inputs: Mapping[str, int]) -> int | None:
    for name in (*_TOKENS, "input_pos", "embeddings"):
        idx = inputs.get(name)
        t = sg.tensor(idx) if idx is not None else None
        if t is None or not t.has_rank:
            continue
        sig = t.shape_signature
        if name == "embeddings":
            dims = sig[-2:-1]
        else:
            dims = sig[-1:] if sig else (1,)
        if dims and dims[0] >= 0:
            return dims[0]
        return None
    return None


def _update_axis(sg: Subgraph, idx: int) -> int | None:
    """The axis a DYNAMIC_UPDATE_SLICE of cache tensor ``idx`` writes fewer entries into than it holds."""
    cache = sg.tensors[idx]
    for op in sg.consumer_ops(idx):
        if op.builtin != "DYNAMIC_UPDATE_SLICE" or len(op.inputs) < 2 or op.inputs[0] != idx:
            continue
        update = sg.tensor(op.inputs[1])
        if update is None or len(update.shape) != len(cache.shape):
            continue
        axes = [i for i, (a, b) in enumerate(zip(update.shape, cache.shape, strict=True)) if a != b]
        if len(axes) == 1:
            return axes[0]
    return None


def _executor_axes(model: Model) -> dict[str, int]:
    """Cache input name → sequence axis, from a ``.litertlm`` bundle's ExecutorMetadata."""
    c = model.container
    if c is None:
        return {}
    out: dict[str, int] = {}
    for part in c.parts:
        meta = part.detail.get("llm_executor_metadata") if part.detail else None
        if not isinstance(meta, Mapping):
            continue
        for buf in meta.get("state_buffers") or ():
            axis = buf.get("sequence_axis")
            if not isinstance(axis, int):
                continue
            for key in ("prefill_input_name", "decode_input_name"):
                name = buf.get(key)
                if isinstance(name, str) and name:
                    out.setdefault(name, axis)
    return out


def _shape_axis(caches: list[tuple[int, str, str, Tensor]]) -> tuple[dict[tuple[int, str], int], bool]:
    """The axis holding the size every cache shares (largest first); ambiguous when one cache has it twice."""
    common: set[int] | None = None
    for *_, t in caches:
        dims = set(t.shape[1:])
        common = dims if common is None else common & dims
    if not common:
        return {}, True
    size = max(common)
    ambiguous = False
    out: dict[tuple[int, str], int] = {}
    for layer, kind, _, t in caches:
        where = [i for i in range(1, len(t.shape)) if t.shape[i] == size]
        ambiguous = ambiguous or len(where) > 1 or len(common) > 1
        out[(layer, kind)] = where[0]
    return out, ambiguous


def _caches(model: Model, sig_key: str) -> tuple[list[CacheTensor], list[str]]:
    sig = model.signature(sig_key)
    assert sig is not None
    sg = model.subgraphs[sig.subgraph]
    found = _cache_inputs(sig.inputs)
    meta = _executor_axes(model)
    rows = [(layer, kind, name, sg.tensors[idx]) for (layer, kind), (name, idx) in sorted(found.items())]
    axes: dict[tuple[int, str], tuple[int, str]] = {}
    for layer, kind, name, t in rows:
        if name in meta and 0 < meta[name] < len(t.shape):
            axes[(layer, kind)] = (meta[name], "executor metadata")
    # The cache update of any signature that writes fewer tokens than the cache holds.
    for other in model.signatures:
        osg = model.subgraphs[other.subgraph]
        ofound = _cache_inputs(other.inputs)
        for key, (_, idx) in ofound.items():
            if key not in axes and key in found:
                ax = _update_axis(osg, idx)
                if ax is not None and ax > 0:
                    axes[key] = (ax, "cache update")
    notes: list[str] = []
    missing = [r for r in rows if (r[0], r[1]) not in axes]
    if missing:
        by_shape, ambiguous = _shape_axis(rows)
        for layer, kind, _, _ in missing:
            if (layer, kind) in by_shape:
                axes[(layer, kind)] = (by_shape[(layer, kind)], "shape")
        if ambiguous:
            notes.append(
                "the sequence axis of some caches is a guess (no cache update op or bundle metadata names it, "
                "and sizes coincide): check the cache length and head dim against the export settings"
            )
    out = []
    for layer, kind, name, t in rows:
        ax, how = axes.get((layer, kind), (None, "unknown"))
        out.append(
            CacheTensor(layer, kind, name, t.index, t.shape, t.dtype, tensor_bytes(t.dtype, t.shape) or 0, ax, how)
        )
    return out, notes


def _trace_back(sg: Subgraph, idx: int, limit: int = 8) -> Operator | None:
    """The first op behind ``idx`` that is not a reshape/cast/dequantize."""
    for _ in range(limit):
        op = sg.producer_op(idx)
        if op is None:
            return None
        if op.builtin not in _PASS or not op.inputs:
            return op
        idx = op.inputs[0]
    return None


def _const_behind(sg: Subgraph, idx: int) -> Tensor | None:
    """The constant at ``idx``, or behind a DEQUANTIZE of it."""
    t = sg.tensor(idx)
    if t is None:
        return None
    if t.is_constant:
        return t
    op = sg.producer_op(idx)
    if op is not None and op.builtin == "DEQUANTIZE" and op.inputs:
        inner = sg.tensor(op.inputs[0])
        if inner is not None and inner.is_constant:
            return inner
    return None


def _stored(sg: Subgraph, t: Tensor) -> int:
    q = t.quantization
    d = q.details if q is not None else None
    extra = 0
    if d and d.get("type") == "BlockwiseQuantization":
        scales = sg.tensor(int(d.get("scales", -1)))
        extra = scales.nbytes if scales is not None else 0
    return t.nbytes + extra


def _matrix(sg: Subgraph, t: Tensor) -> Matrix:
    return Matrix(sg.index, t.index, t.name, t.shape, t.dtype, math.prod(t.shape), _stored(sg, t))


def _embedding(sg: Subgraph, inputs: Mapping[str, int]) -> Matrix | None:
    ids = next((inputs[n] for n in _TOKENS if n in inputs), None)
    if ids is None:
        return None
    todo, seen = [ids], set()
    while todo:
        t = todo.pop()
        if t in seen:
            continue
        seen.add(t)
        for op in sg.consumer_ops(t):
            if op.builtin in ("EMBEDDING_LOOKUP", "GATHER") and op.inputs:
                table_slot = 1 if op.builtin == "EMBEDDING_LOOKUP" else 0
                if table_slot < len(op.inputs):
                    table = _const_behind(sg, op.inputs[table_slot])
                    if table is not None:
                        return _matrix(sg, table)
            elif op.builtin in _PASS:
                todo.extend(op.outputs)
    return None


def _lm_head(sg: Subgraph, logits: int) -> Matrix | None:
    op = _trace_back(sg, logits)
    # A logit soft-cap (tanh(x / c) * c) sits between the head and the output in some models.
    for _ in range(4):
        if op is None or op.builtin in ("FULLY_CONNECTED", "BATCH_MATMUL"):
            break
        if op.builtin not in ("MUL", "DIV", "TANH") or not op.inputs:
            return None
        op = _trace_back(sg, op.inputs[0])
    if op is None or op.builtin not in ("FULLY_CONNECTED", "BATCH_MATMUL") or len(op.inputs) < 2:
        return None
    w = _const_behind(sg, op.inputs[1])
    return _matrix(sg, w) if w is not None else None


def _weights(model: Model) -> tuple[tuple[WeightGroup, ...], int | None, list[str]]:
    """Constants by dtype (each buffer once), INT4/INT8 blockwise ones with their block size; their
    scale tensors counted apart as block scales."""
    scale_of: dict[tuple[int, int], tuple[str, int]] = {}
    for sg in model.subgraphs:
        for t in sg.tensors:
            q = t.quantization
            d = q.details if q is not None else None
            if t.is_constant and d and d.get("type") == "BlockwiseQuantization":
                scale_of[(sg.index, int(d.get("scales", -1)))] = (t.dtype, int(d.get("block_size") or 0))
    rows: dict[tuple[str, str, int | None, str | None], list[int]] = {}
    sizes: dict[int, int] = {}
    seen: set[int] = set()
    for sg in model.subgraphs:
        for t in sg.tensors:
            if not t.is_constant:
                continue
            key_buf = t.buffer if t.buffer else -1 - len(seen)
            if key_buf in seen:
                continue
            seen.add(key_buf)
            q = t.quantization
            d = q.details if q is not None else None
            block = scales_dtype = None
            role = "weights"
            if d and d.get("type") == "BlockwiseQuantization":
                block = int(d.get("block_size") or 0) or None
                s = sg.tensor(int(d.get("scales", -1)))
                scales_dtype = s.dtype if s is not None else None
                if block:
                    sizes[block] = sizes.get(block, 0) + 1
            elif (sg.index, t.index) in scale_of:
                role = "block scales"
                block = scale_of[(sg.index, t.index)][1] or None
            row = rows.setdefault((t.dtype, role, block, scales_dtype), [0, 0, 0])
            row[0] += 1
            row[1] += math.prod(t.shape) if t.shape else 1
            row[2] += t.nbytes
    groups = tuple(
        WeightGroup(dtype, role, n, p, b, block, sdt)
        for (dtype, role, block, sdt), (n, p, b) in sorted(rows.items(), key=lambda kv: (-kv[1][2], kv[0][0]))
    )
    notes = []
    block = None
    if sizes:
        block = max(sizes, key=lambda k: sizes[k])
        if len(sizes) > 1:
            notes.append("blockwise weights use several block sizes: " + ", ".join(map(str, sorted(sizes))))
    return groups, block, notes


def generative(model: Model) -> Generative | None:
    """The decoder-LLM facts of ``model``, or None when no signature passes a KV cache (computed once)."""
    if "generative" in model._cache:
        return model._cache["generative"]  # type: ignore[no-any-return]
    found = _read(model)
    model._cache["generative"] = found
    return found


def _read(model: Model) -> Generative | None:
    with_cache = [s for s in model.signatures if _cache_inputs(s.inputs)]
    if not with_cache:
        return None
    sigs = []
    for s in with_cache:
        sg = model.subgraphs[s.subgraph]
        tokens = _tokens(sg, s.inputs)
        cache = _cache_inputs(s.inputs)
        cache_bytes = sum(tensor_bytes(sg.tensors[i].dtype, sg.tensors[i].shape) or 0 for _, i in cache.values())
        names = {n for n, _ in cache.values()}
        others = tuple(n for n in s.inputs if n not in names)
        logits = "logits" in s.outputs
        sigs.append(GenSignature(s.key, s.subgraph, _kind(s.key, tokens), tokens, cache_bytes, logits, others))
    # Measure on the decode signature when there is one (it has the logits and one token).
    ref = next((g for g in sigs if g.kind == "decode"), sigs[0])
    caches, notes = _caches(model, ref.key)
    layers = len({c.layer for c in caches})
    pairs = {c.layer for c in caches if c.kind == "k"} & {c.layer for c in caches if c.kind == "v"}
    if len(pairs) != layers:
        notes.append("some layers have a K cache but no V cache (or the other way round)")
    lengths = {c.length for c in caches}
    kvh = {c.kv_heads for c in caches}
    hd = {c.head_dim for c in caches}
    if len(lengths) > 1:
        shown = ", ".join(str(x) for x in sorted(lengths, key=str))
        notes.append(f"caches differ in length (e.g. sliding-window layers): {shown}")
    dtypes = sorted({c.dtype for c in caches})
    cache_bytes = sum(c.bytes for c in caches)
    per_token = None
    if all(c.length for c in caches):
        per = [c.bytes // c.length for c in caches if c.length]
        per_token = sum(per) if len(per) == len(caches) else None
    layer0 = [c for c in caches if c.layer == min(c.layer for c in caches)]
    sg = model.subgraphs[ref.subgraph]
    sig = model.signature(ref.key)
    assert sig is not None
    lm = None
    vocab = None
    logits_idx = sig.outputs.get("logits")
    if logits_idx is not None:
        t = sg.tensors[logits_idx]
        vocab = t.shape[-1] if t.shape else None
        lm = _lm_head(sg, logits_idx)
    emb = _embedding(sg, sig.inputs)
    if vocab is None and emb is not None and emb.shape:
        vocab = emb.shape[0]
    tied = bool(emb and lm and sg.tensors[emb.tensor].buffer == sg.tensors[lm.tensor].buffer)
    weights, block, wnotes = _weights(model)
    return Generative(
        layers=layers,
        kv_heads=next(iter(kvh)) if len(kvh) == 1 else max((x for x in kvh if x), default=None),
        head_dim=next(iter(hd)) if len(hd) == 1 else max((x for x in hd if x), default=None),
        cache_length=max((x for x in lengths if x), default=None),
        cache_dtype="/".join(dtypes),
        cache_bytes_per_layer=sum(c.bytes for c in layer0),
        cache_bytes=cache_bytes,
        cache_bytes_per_token=per_token,
        caches=tuple(caches),
        signatures=tuple(sigs),
        vocab_size=vocab,
        weight_block_size=block,
        embedding=emb,
        lm_head=lm,
        tied_embeddings=tied,
        weights=weights,
        mask=any("mask" in g.inputs for g in sigs),
        notes=tuple(notes + wnotes),
    )
