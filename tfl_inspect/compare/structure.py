"""What changed between two models without running them: contract, ops, tensors, weights, metadata.

The I/O contract is compared by signature name (what callers use); positions are compared in
``Subgraph.inputs``/``outputs`` order, the order ``get_input_details()`` and index-based APIs use.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

from ..model import Model, Quantization, Subgraph, Tensor
from ..summary import dequantize_formula, quantize_formula
from .align import STEP_OPS
from .report import (
    Alignment,
    ContractChange,
    MetaChange,
    OpChange,
    Structure,
    SubgraphDiff,
    TensorChange,
    WeightChange,
)

__all__ = ["contract", "structure", "quant_dict", "content_hash", "subgraph_pairs"]


def quant_dict(q: Quantization | None) -> dict[str, Any] | None:
    """Quantization as JSON-ready data (None when the tensor has no scale)."""
    if q is None or not q.has_params:
        return None
    out: dict[str, Any] = {"scale": list(q.scale), "zero_point": list(q.zero_point)}
    if q.per_channel:
        out["quantized_dimension"] = q.quantized_dimension
    if q.details:
        out["details"] = {k: v for k, v in q.details.items() if isinstance(v, str | int | float | list)}
    return out


def _io_entries(model: Model, key: str | None) -> tuple[int, dict[str, int], dict[str, int]]:
    """(subgraph, inputs name->tensor, outputs name->tensor) for a signature or subgraph 0."""
    if key is not None:
        sig = model.signature(key)
        assert sig is not None
        return sig.subgraph, dict(sig.inputs), dict(sig.outputs)
    sg = model.subgraphs[0]
    return (
        0,
        {sg.tensors[i].name: i for i in sg.inputs},
        {sg.tensors[i].name: i for i in sg.outputs},
    )


def _fmt_shape(dims: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(d) for d in dims) + "]"


def _tensor_changes(key: str | None, role: str, name: str, ta: Tensor, tb: Tensor) -> Iterator[ContractChange]:
    where = f"{role} '{name}'"
    if ta.dtype != tb.dtype:
        yield ContractChange(key, role, name, "dtype", ta.dtype, tb.dtype, f"{where}: dtype {ta.dtype} -> {tb.dtype}")
    if ta.shape != tb.shape:
        kind = "shape"
        if len(ta.shape) == len(tb.shape) and ta.shape[1:] == tb.shape[1:]:
            kind = "batch"
        yield ContractChange(
            key,
            role,
            name,
            kind,
            list(ta.shape),
            list(tb.shape),
            f"{where}: {'batch' if kind == 'batch' else 'shape'} {_fmt_shape(ta.shape)} -> {_fmt_shape(tb.shape)}",
        )
    elif ta.shape_signature != tb.shape_signature:
        yield ContractChange(
            key,
            role,
            name,
            "shape_signature",
            list(ta.shape_signature),
            list(tb.shape_signature),
            f"{where}: shape_signature {_fmt_shape(ta.shape_signature)} -> {_fmt_shape(tb.shape_signature)}",
        )
    qa, qb = quant_dict(ta.quantization), quant_dict(tb.quantization)
    if qa != qb:
        formula = quantize_formula if role == "input" else dequantize_formula
        fa = formula(ta) or ("float" if qa is None else str(qa))
        fb = formula(tb) or ("float" if qb is None else str(qb))
        yield ContractChange(
            key,
            role,
            name,
            "quantization",
            {"params": qa, "formula": formula(ta)},
            {"params": qb, "formula": formula(tb)},
            f"{where}: quantization {fa} -> {fb}",
        )


def contract(a: Model, b: Model, al: Alignment | None = None) -> list[ContractChange]:
    """Every I/O-contract change, per signature (or subgraph 0 when a model has none).

    With an alignment, a name that disappeared is matched to the new name of the tensor it is
    aligned with (a rename), before falling back to the same position.
    """
    keys_a = [s.key for s in a.signatures]
    keys_b = [s.key for s in b.signatures]
    out: list[ContractChange] = []
    if not keys_a or not keys_b:
        pairs: list[tuple[str | None, str | None]] = [(None, None)]
        if keys_a != keys_b:
            for k in keys_a:
                out.append(ContractChange(k, "signature", k, "removed", k, None, f"signature '{k}' removed"))
            for k in keys_b:
                out.append(ContractChange(k, "signature", k, "added", None, k, f"signature '{k}' added"))
    else:
        pairs = []
        for k in keys_a:
            if k in keys_b:
                pairs.append((k, k))
            elif len(keys_a) == len(keys_b) == 1:
                pairs.append((k, keys_b[0]))
                message = f"signature '{k}' renamed to '{keys_b[0]}'"
                out.append(ContractChange(k, "signature", k, "renamed", k, keys_b[0], message))
            else:
                out.append(ContractChange(k, "signature", k, "removed", k, None, f"signature '{k}' removed"))
        if not (len(keys_a) == len(keys_b) == 1):
            for k in keys_b:
                if k not in keys_a:
                    out.append(ContractChange(k, "signature", k, "added", None, k, f"signature '{k}' added"))
    for ka, kb in pairs:
        sa, ins_a, outs_a = _io_entries(a, ka)
        sb, ins_b, outs_b = _io_entries(b, kb)
        sga, sgb = a.subgraphs[sa], b.subgraphs[sb]
        partner = {p.a: p.b for p in al.pairs} if al is not None and al.subgraphs == (sa, sb) else {}
        for role, ma, mb, la, lb in (
            ("input", ins_a, ins_b, sga.inputs, sgb.inputs),
            ("output", outs_a, outs_b, sga.outputs, sgb.outputs),
        ):
            out.extend(_role_changes(ka, role, ma, mb, la, lb, sga, sgb, partner))
    return out


def _role_changes(
    key: str | None,
    role: str,
    ma: dict[str, int],
    mb: dict[str, int],
    la: tuple[int, ...],
    lb: tuple[int, ...],
    sga: Subgraph,
    sgb: Subgraph,
    partner: dict[int, int],
) -> list[ContractChange]:
    out: list[ContractChange] = []
    gone = [n for n in ma if n not in mb]
    new = [n for n in mb if n not in ma]
    renamed: list[tuple[str, str]] = []
    # A name that disappeared and a new name for the tensor aligned with it: a rename.
    for n in list(gone):
        tb = partner.get(ma[n])
        for m in new:
            if tb is not None and mb[m] == tb:
                renamed.append((n, m))
                gone.remove(n)
                new.remove(m)
                break
    # Else a name that disappeared and one that appeared at the same position.
    for n in list(gone):
        pos = la.index(ma[n]) if ma[n] in la else None
        for m in new:
            if pos is not None and mb[m] in lb and lb.index(mb[m]) == pos:
                renamed.append((n, m))
                gone.remove(n)
                new.remove(m)
                break
    for n in gone:
        out.append(ContractChange(key, role, n, "removed", n, None, f"{role} '{n}' removed"))
    for m in new:
        out.append(ContractChange(key, role, m, "added", None, m, f"{role} '{m}' added"))
    matched = [(n, n) for n in ma if n in mb] + renamed
    for n, m in renamed:
        out.append(ContractChange(key, role, n, "renamed", n, m, f"{role} '{n}' renamed to '{m}'"))
    for n, m in matched:
        pa = la.index(ma[n]) if ma[n] in la else None
        pb = lb.index(mb[m]) if mb[m] in lb else None
        if pa != pb:
            out.append(
                ContractChange(key, role, n, "reordered", pa, pb, f"{role} '{n}' moved from position {pa} to {pb}")
            )
        out.extend(_tensor_changes(key, role, n, sga.tensors[ma[n]], sgb.tensors[mb[m]]))
    return out


# -- structure ---------------------------------------------------------------------------


def content_hash(t: Tensor) -> str | None:
    data = t.data()
    if data is None:
        return None
    import numpy as np

    return hashlib.blake2b(np.ascontiguousarray(data).view(np.uint8).data, digest_size=8).hexdigest()


def _tensor_fields(t: Tensor) -> dict[str, Any]:
    return {
        "dtype": t.dtype,
        "shape": list(t.shape),
        "shape_signature": list(t.shape_signature),
        "quantization": quant_dict(t.quantization),
    }


def _tensor_change(ta: Tensor, tb: Tensor) -> TensorChange | None:
    if (
        ta.dtype == tb.dtype
        and ta.shape == tb.shape
        and ta.shape_signature == tb.shape_signature
        and ta.quantization == tb.quantization
    ):
        return None  # the common case, without building dicts
    fa, fb = _tensor_fields(ta), _tensor_fields(tb)
    fields = tuple(k for k in fa if fa[k] != fb[k])
    if not fields:
        return None
    return TensorChange(ta.index, tb.index, ta.name, fields, {k: fa[k] for k in fields}, {k: fb[k] for k in fields})


def _op_details(oa: Any, ob: Any) -> tuple[str, ...]:
    out = []
    if oa.version != ob.version:
        out.append(f"version {oa.version} -> {ob.version}")
    if oa.opcode != ob.opcode:
        out.append(f"opcode {oa.opcode} -> {ob.opcode}")
    for k in dict.fromkeys([*oa.options, *ob.options]):
        va, vb = oa.options.get(k), ob.options.get(k)
        if va != vb:
            out.append(f"{k}: {va} -> {vb}")
    return tuple(out)


def _same_bytes(x: Any, y: Any) -> bool:
    """Byte equality: small arrays by copying (cheapest), large ones without copies (a memcmp)."""
    if x.nbytes <= 1 << 16:
        return bool(x.tobytes() == y.tobytes())
    if x.flags.c_contiguous and y.flags.c_contiguous:
        return memoryview(x).cast("B") == memoryview(y).cast("B")
    return bool(x.tobytes() == y.tobytes())


def _real(t: Tensor) -> Any:
    """A constant's values as float64 real numbers (dequantized per tensor or per channel)."""
    import numpy as np

    data = t.data()
    if data is None or data.dtype.kind not in "iufb":
        return None
    x = np.asarray(data, dtype=np.float64)
    q = t.quantization
    if q is not None and q.scale and not q.details and x.shape == tuple(t.shape):
        scale = np.asarray(q.scale, dtype=np.float64)
        zp = np.asarray(q.zero_point or [0] * len(q.scale), dtype=np.float64)
        if len(zp) != len(scale):
            return None  # LiteRT refuses such parameters: no real values to compare
        if len(q.scale) > 1:
            axis = q.quantized_dimension
            if not 0 <= axis < x.ndim or x.shape[axis] != len(scale):
                return None  # one scale per channel of an axis the tensor does not have
            shape = [1] * x.ndim
            shape[axis] = -1
            scale, zp = scale.reshape(shape), zp.reshape(shape)
        x = (x - zp) * scale
    return x


_CHUNK = 16 << 20  # bytes read at a time from data stored after the flatbuffer


def _stored(m: Model, t: Tensor) -> tuple[str, int, int] | None:
    """(file, offset, size) of a constant stored after the flatbuffer; None for inline data."""
    if m.source is None or t.buffer is None or not 0 <= t.buffer < len(m.buffers):
        return None
    info = m.buffers[t.buffer]
    if info.offset is None or not info.size:
        return None
    base = m.container.model.offset if m.container is not None else 0  # the flatbuffer's start in a bundle
    if base < 0:
        return None
    return m.source, base + info.offset, info.size


class _Bytes:
    """A constant's stored bytes, read 16 MB at a time: from the file for data after the
    flatbuffer, from the (small) inline array otherwise."""

    def __init__(self, m: Model, t: Tensor) -> None:
        self.where = _stored(m, t)
        self.inline = None if self.where is not None else t.data()
        if self.where is not None:
            self.size = self.where[2]
        elif self.inline is not None:
            self.size = int(self.inline.nbytes)

    @property
    def readable(self) -> bool:
        return self.where is not None or self.inline is not None

    def chunks(self) -> Iterator[bytes]:
        if self.inline is not None:
            raw = memoryview(self.inline.tobytes())
            for k in range(0, len(raw), _CHUNK):
                yield bytes(raw[k : k + _CHUNK])
            return
        assert self.where is not None
        path, offset, size = self.where
        with open(path, "rb") as f:
            f.seek(offset)
            left = size
            while left > 0:
                piece = f.read(min(_CHUNK, left))
                if not piece:
                    raise OSError(f"{path}: ends inside a buffer at offset {offset}")
                left -= len(piece)
                yield piece


def _streamed(a: Model, ta: Tensor, b: Model, tb: Tensor) -> tuple[bool, str | None, str | None, float | None] | None:
    """Compare two constants, at least one stored after its flatbuffer, 16 MB at a time:
    (equal, hash A, hash B, max |b - a| of the real values). Gigabytes of weights are compared byte
    for byte without holding them (``Tensor.data()`` would map them into the resident set).
    None when either lives in a separate file we were not given."""
    xa, xb = _Bytes(a, ta), _Bytes(b, tb)
    if not xa.readable or not xb.readable:
        return None
    try:
        wa, wb = xa.where, xb.where
        if wa is not None and wb is not None and wa[1:] == wb[1:] and (wa[0] == wb[0] or _same_file(wa[0], wb[0])):
            return True, None, None, None
        if xa.size == xb.size and all(x == y for x, y in zip(xa.chunks(), xb.chunks(), strict=True)):
            return True, None, None, None
        ha, hb = hashlib.blake2b(digest_size=8), hashlib.blake2b(digest_size=8)
        if xa.size != xb.size:
            for side, h in ((xa, ha), (xb, hb)):
                for piece in side.chunks():
                    h.update(piece)
            return False, ha.hexdigest(), hb.hexdigest(), None
        max_abs = _scale_free(ta, tb)
        for x, y in zip(xa.chunks(), xb.chunks(), strict=True):
            ha.update(x)
            hb.update(y)
            if max_abs is not None:
                max_abs = max(max_abs, _chunk_max_abs(ta, x, tb, y))
        return False, ha.hexdigest(), hb.hexdigest(), max_abs
    except OSError:
        return None


def _same_file(x: str, y: str) -> bool:
    import os

    try:
        return os.path.samefile(x, y)
    except OSError:
        return False


def _scale_free(ta: Tensor, tb: Tensor) -> float | None:
    """0.0 where a chunked max difference is possible (same numeric type and shape, at most one
    scale per tensor), else None."""
    from ..dtypes import by_name

    da, db = by_name(ta.dtype), by_name(tb.dtype)
    if da is None or db is None or da.numpy is None or db.numpy is None or ta.shape != tb.shape:
        return None
    if da.numpy != db.numpy or da.numpy in ("bool", "object") or not ta.shape:
        return None
    for q in (ta.quantization, tb.quantization):
        if q is not None and (len(q.scale) > 1 or q.details):
            return None
    return 0.0


def _chunk_max_abs(ta: Tensor, x: bytes, tb: Tensor, y: bytes) -> float:
    import numpy as np

    from ..dtypes import by_name

    row = by_name(ta.dtype)
    assert row is not None and row.numpy is not None
    item = np.dtype(row.numpy).newbyteorder("<")
    n = min(len(x), len(y)) // item.itemsize

    def real(t: Tensor, raw: bytes) -> Any:
        v = np.frombuffer(raw, dtype=item, count=n).astype(np.float64)
        q = t.quantization
        if q is not None and q.scale:
            v = (v - (q.zero_point[0] if q.zero_point else 0)) * q.scale[0]
        return v

    return float(np.max(np.abs(real(tb, y) - real(ta, x)))) if n else 0.0


def _const_source(sg: Subgraph, t: int) -> int:
    """Step over DENSIFY/DEQUANTIZE that turn a stored constant into the operand."""
    if sg.tensors[t].is_constant:
        return t
    for _ in range(4):
        op = sg.producer_op(t)
        if op is None or op.builtin not in STEP_OPS or not op.inputs or op.inputs[0] < 0:
            break
        t = op.inputs[0]
    return t


def _weights(a: Model, b: Model, al: Alignment) -> tuple[list[WeightChange], int]:
    ga, gb = a.subgraphs[al.subgraphs[0]], b.subgraphs[al.subgraphs[1]]
    pairs, taken = _weight_pairs(ga, gb, al)
    out: list[WeightChange] = []
    same = 0
    for ia, ib in pairs.items():
        change = _weight_change(a, b, ga.tensors[ia], gb.tensors[ib])
        if change is None:
            same += 1
        else:
            out.append(change)
    for t in ga.tensors:
        if t.is_constant and t.index not in pairs:
            h = content_hash(t) if not t.external else None
            out.append(WeightChange("removed", t.name, t.index, None, h, None))
    for t in gb.tensors:
        if t.is_constant and t.index not in taken:
            out.append(WeightChange("added", t.name, None, t.index, None, content_hash(t) if not t.external else None))
    return out, same


def _weight_pairs(ga: Subgraph, gb: Subgraph, al: Alignment) -> tuple[dict[int, int], set[int]]:
    """A constant -> B constant: the operands of aligned ops first, then the rest by name."""
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for oa, ob in al.op_pairs.items():
        opa, opb = ga.operators[oa], gb.operators[ob]
        for ia, ib in zip(opa.inputs, opb.inputs, strict=False):
            if ia < 0 or ib < 0:
                continue
            ca, cb = _const_source(ga, ia), _const_source(gb, ib)
            if ga.tensors[ca].is_constant and gb.tensors[cb].is_constant and ca not in pairs and cb not in taken:
                pairs[ca] = cb
                taken.add(cb)
    by_name_b: dict[str, int] = {}
    for t in gb.tensors:
        if t.is_constant and t.index not in taken:
            by_name_b.setdefault(t.name, t.index)
    for t in ga.tensors:
        if t.is_constant and t.index not in pairs:
            cand = by_name_b.get(t.name)
            if cand is not None and cand not in taken:
                pairs[t.index] = cand
                taken.add(cand)
    return pairs, taken


def _weight_change(a: Model, b: Model, ta: Tensor, tb: Tensor) -> WeightChange | None:
    """How paired constants differ; None when they hold the same values."""
    ia, ib = ta.index, tb.index
    if ta.external or tb.external:
        streamed = _streamed(a, ta, b, tb)
        if streamed is None:  # data in a separate file we were not given: size and type only
            if (ta.nbytes, ta.dtype, ta.shape) == (tb.nbytes, tb.dtype, tb.shape):
                return None
            ha = hb = None
        elif streamed[0] and _tensor_change(ta, tb) is None:
            return None
        else:
            _, ha, hb, max_abs = streamed
            note = "" if max_abs is not None or ta.shape != tb.shape else "max difference not computed"
            kind = "retyped" if ta.dtype != tb.dtype else "changed"
            if ta.shape != tb.shape:
                note = f"shape {_fmt_shape(ta.shape)} -> {_fmt_shape(tb.shape)}"
            return WeightChange(kind, ta.name, ia, ib, ha, hb, max_abs, note)
    else:
        da, db = ta.data(), tb.data()
        if (
            da is not None
            and db is not None
            and ta.dtype == tb.dtype
            and da.shape == db.shape
            and _same_bytes(da, db)
            and _tensor_change(ta, tb) is None
        ):
            return None  # byte-identical: no hash needed
        ha, hb = content_hash(ta), content_hash(tb)
    max_abs = None
    note = ""
    if ta.shape == tb.shape:
        ra, rb = _real(ta), _real(tb)
        if ra is not None and rb is not None and ra.shape == rb.shape:
            import numpy as np

            max_abs = float(np.max(np.abs(rb - ra))) if ra.size else 0.0
    else:
        note = f"shape {_fmt_shape(ta.shape)} -> {_fmt_shape(tb.shape)}"
    if ta.dtype != tb.dtype:
        note = (note + "; " if note else "") + f"dtype {ta.dtype} -> {tb.dtype}"
    if (ta.sparsity is None) != (tb.sparsity is None):
        side = "A" if ta.sparsity is not None else "B"
        note = (note + "; " if note else "") + f"sparse in {side} only (stored compressed; values not compared)"
    kind = "retyped" if ta.dtype != tb.dtype else "changed"
    return WeightChange(kind, ta.name, ia, ib, ha, hb, max_abs, note)


def _metadata(a: Model, b: Model) -> list[MetaChange]:
    def facts(m: Model) -> dict[str, Any]:
        meta = m.conversion_metadata or {}
        return {
            "schema_version": m.version,
            "description": m.description,
            "converter_version": m.converter_version,
            "converter_options": meta.get("options"),
            "min_runtime_version": m.min_runtime_version,
            "metadata_entries": sorted(e.name for e in m.metadata),
            "signatures": [s.key for s in m.signatures],
            "subgraphs": len(m.subgraphs),
        }

    fa, fb = facts(a), facts(b)
    return [MetaChange(k, fa[k], fb[k]) for k in fa if fa[k] != fb[k]]


def structure(a: Model, b: Model, al: Alignment) -> Structure:
    """Op counts over every subgraph; op, tensor and weight changes in the aligned subgraph and,
    paired by signature then by position, in every other one."""
    ca: Counter[str] = Counter(op.opcode for sg in a.subgraphs for op in sg.operators)
    cb: Counter[str] = Counter(op.opcode for sg in b.subgraphs for op in sg.operators)
    op_counts = {k: (ca.get(k, 0), cb.get(k, 0)) for k in sorted(set(ca) | set(cb))}
    ops, tensors, weights, same = _changes(a, b, al)
    return Structure(
        op_counts=op_counts,
        ops=tuple(ops),
        tensors=tuple(tensors),
        weights=tuple(weights),
        weights_same=same,
        metadata=tuple(_metadata(a, b)),
        size=(a.size, b.size),
        others=tuple(_others(a, b, al.subgraphs)),
    )


def _changes(a: Model, b: Model, al: Alignment) -> tuple[list[OpChange], list[TensorChange], list[WeightChange], int]:
    """Op, tensor and weight changes between the two subgraphs ``al`` aligned."""
    ga, gb = a.subgraphs[al.subgraphs[0]], b.subgraphs[al.subgraphs[1]]
    ops: list[OpChange] = []
    for oa, ob in al.op_pairs.items():
        details = _op_details(ga.operators[oa], gb.operators[ob])
        if details:
            ops.append(OpChange("changed", ga.operators[oa].opcode, oa, ob, details))
    paired_b = set(al.op_pairs.values())
    ops.extend(OpChange("removed", op.opcode, op.index, None) for op in ga.operators if op.index not in al.op_pairs)
    ops.extend(OpChange("added", op.opcode, None, op.index) for op in gb.operators if op.index not in paired_b)
    tensors: list[TensorChange] = []
    for p in al.pairs:
        if p.how == "step":
            continue
        ch = _tensor_change(ga.tensors[p.a], gb.tensors[p.b])
        if ch is not None:
            tensors.append(ch)
    weights, same = _weights(a, b, al)
    return ops, tensors, weights, same


def subgraph_pairs(a: Model, b: Model, main: tuple[int, int]) -> list[tuple[int | None, int | None, str]]:
    """Every subgraph but the compared pair, paired: first through signatures both models have,
    then the rest in index order; what is left over exists in one model only."""
    used_a, used_b = {main[0]}, {main[1]}
    out: list[tuple[int | None, int | None, str]] = []
    for sig in a.signatures:
        other = b.signature(sig.key)
        if other is not None and sig.subgraph not in used_a and other.subgraph not in used_b:
            out.append((sig.subgraph, other.subgraph, f"signature {sig.key}"))
            used_a.add(sig.subgraph)
            used_b.add(other.subgraph)
    rest_a = [i for i in range(len(a.subgraphs)) if i not in used_a]
    rest_b = [i for i in range(len(b.subgraphs)) if i not in used_b]
    out.extend((x, y, "position") for x, y in zip(rest_a, rest_b, strict=False))
    out.extend((x, None, "only in A") for x in rest_a[len(rest_b) :])
    out.extend((None, y, "only in B") for y in rest_b[len(rest_a) :])
    return out


def _others(a: Model, b: Model, main: tuple[int, int]) -> Iterator[SubgraphDiff]:
    from .align import align_subgraphs

    for sa, sb, how in subgraph_pairs(a, b, main):
        if sa is None or sb is None:
            yield SubgraphDiff(sa, sb, how)
            continue
        al = align_subgraphs(a, b, sa, sb)
        ops, tensors, weights, same = _changes(a, b, al)
        yield SubgraphDiff(sa, sb, how, tuple(ops), tuple(tensors), tuple(weights), same, al.coverage)
