"""Many models per compiler-plugin run: the NPU oracle at a fraction of the cost.

``apply_plugin_main`` takes one model per run and spends most of a run loading the plugin and
its QNN/OpenVINO libraries. The plugin partitions every subgraph on its own (``PartitionModel``
asks ``LiteRtCompilerPluginPartition`` per subgraph and groups the ops it selects within that
subgraph), so the subgraphs of many models can go through one run: they are put side by side in
one ``.tflite`` (buffers, operator codes and subgraph references renumbered, tensor names prefixed
with the model's number so they stay unique), the run's log lines and partitioned model are read
as for one model (:func:`.npu._match`), and the verdict is split back per model and cached under
each model's own hash, exactly where a single run would put it.

Models that would stop the whole run (a file LiteRT's loader refuses, an operand type the plugin
cannot convert) go alone, so a batch rarely fails; when one does, it is halved until the models
that fail it run alone. Which models go alone only decides the cost: every verdict still comes
from a plugin run. ``tests/targets/test_npu.py`` checks that a batched verdict equals the single run's.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import CACHE, LITERT_VERSION, cached, sha256
from .npu import (
    DECIDED,
    HARNESS,
    NO_VERDICT,
    VENDORS,
    NpuSubgraph,
    NpuVerdict,
    _match,
    apply_plugin,
    npu_partition,
    npu_skip_reason,
    parse_log,
)

__all__ = ["npu_partition_many", "merge"]

MAX_OPS = 6000  # ops per merged model: a few seconds per run
MAX_BYTES = 48 << 20
_QNN_TYPES = frozenset(
    "BOOL INT2 INT4 INT8 INT16 INT32 INT64 UINT8 UINT16 UINT32 UINT64 FLOAT16 FLOAT32 FLOAT64".split()
)


def _oracle_id(vendor: str, soc: str) -> str:
    return f"npu-{vendor}-{soc}-litert{LITERT_VERSION}-h{HARNESS}"


def _alone(model: Any, path: Path, vendor: str) -> bool:
    """Run this model by itself: the merge cannot carry it, or it may stop the plugin run."""
    if path.stat().st_size > MAX_BYTES or not model.subgraphs or model.trailing_bytes:
        return True
    for sg in model.subgraphs:
        for t in sg.tensors:
            if t.is_variable or t.external:
                return True
            if vendor == "qualcomm" and (
                t.dtype not in _QNN_TYPES or (t.quantization is not None and t.quantization.details is not None)
            ):
                return True
        for op in sg.operators:
            if op.intermediates or op.custom_code == "DISPATCH_OP":
                return True
        if vendor == "intel" and any(len(sg.tensors[i].shape_signature) > 5 for i in sg.inputs):
            return True
    return False


def _renumber_subgraphs(options: Any, offset: int) -> None:
    """Every subgraph reference in an op's options (WHILE, IF, CALL_ONCE, composites, StableHLO bodies)."""
    if options is None:
        return
    for attr, value in vars(options).items():
        if attr.endswith("SubgraphIndex") or attr == "subgraph":
            setattr(options, attr, value + offset)
        elif attr.endswith("SubgraphIndices") and value is not None:
            setattr(options, attr, [v + offset for v in value])


def merge(paths: list[Path], out: Path) -> list[tuple[int, int]]:
    """Write the models' subgraphs side by side into ``out``; per model, (first subgraph, subgraph count)."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    merged = None
    spans: list[tuple[int, int]] = []
    for k, path in enumerate(paths):
        m = schema.ModelT.InitFromPackedBuf(bytearray(path.read_bytes()), 0)
        subgraphs = m.subgraphs or []
        if merged is None:
            merged = schema.ModelT()
            merged.version = m.version or 3
            merged.description = "tfl-inspect NPU oracle batch"
            merged.operatorCodes, merged.subgraphs, merged.buffers = [], [], []
        sg0, code0, buf0 = len(merged.subgraphs), len(merged.operatorCodes), len(merged.buffers)
        merged.operatorCodes.extend(m.operatorCodes or [])
        merged.buffers.extend(m.buffers or [schema.BufferT()])
        for sg in subgraphs:
            for t in sg.tensors or []:
                t.name = f"m{k}_".encode() + (t.name or b"")
                t.buffer = (t.buffer or 0) + buf0
            for op in sg.operators or []:
                op.opcodeIndex += code0
                _renumber_subgraphs(op.builtinOptions, sg0)
                _renumber_subgraphs(getattr(op, "builtinOptions2", None), sg0)
            merged.subgraphs.append(sg)
        spans.append((sg0, len(subgraphs)))
    assert merged is not None
    builder = flatbuffers.Builder(1 << 20)
    builder.Finish(merged.Pack(builder), file_identifier=b"TFL3")
    out.write_bytes(bytes(builder.Output()))
    return spans


def _split(verdict: NpuVerdict, spans: list[tuple[int, int]], k: int) -> NpuVerdict:
    first, count = spans[k]
    subs = tuple(
        NpuSubgraph(s.index - first, s.taken, s.cpu, s.reasons, s.unmatched, s.selected, s.total, s.partitions)
        for s in verdict.subgraphs
        if first <= s.index < first + count
    )
    if not any(s.taken or s.cpu for s in subs):
        why = "no op of the partitioned model matches the source"
        return NpuVerdict(NO_VERDICT, verdict.vendor, verdict.soc, message=why)
    return NpuVerdict(DECIDED, verdict.vendor, verdict.soc, subs, type_reasons=verdict.type_reasons)


def _run_batch(paths: list[Path], vendor: str, soc: str) -> dict[Path, NpuVerdict] | None:
    """One plugin run over the merged models; None when the run fails (the caller halves the batch)."""
    import tfl_inspect

    with tempfile.TemporaryDirectory(prefix="npu_batch_") as tmp:
        src, out = Path(tmp) / "batch.tflite", Path(tmp) / "partitioned.tflite"
        try:
            spans = merge(paths, src)
        except Exception:  # a file the object API cannot unpack: halved until it runs alone
            return None
        run = apply_plugin(src, out, vendor, soc)
        if run.failure() or run.returncode != 0 or not out.is_file():
            return None
        source, result = tfl_inspect.load(src), tfl_inspect.load(out)
    summary, types = parse_log(run.stderr, run.stdout)
    verdict = _match(source, result, summary, types, vendor, soc)
    if not verdict.decided:
        return None
    return {p: _split(verdict, spans, k) for k, p in enumerate(paths)}


def _batches(items: list[tuple[Path, int]]) -> Iterable[list[Path]]:
    batch: list[Path] = []
    ops = 0
    for path, n in items:
        if batch and ops + n > MAX_OPS:
            yield batch
            batch, ops = [], 0
        batch.append(path)
        ops += n
    if batch:
        yield batch


def _settle(paths: list[Path], vendor: str, soc: str, out: dict[Path, NpuVerdict]) -> None:
    oracle_id = _oracle_id(vendor, soc)
    found = _run_batch(paths, vendor, soc) if len(paths) > 1 else None
    if found is None:
        if len(paths) == 1:
            out[paths[0]] = npu_partition(paths[0], vendor, soc)
            return
        half = len(paths) // 2
        _settle(paths[:half], vendor, soc, out)
        _settle(paths[half:], vendor, soc, out)
        return
    for p, v in found.items():
        out[p] = NpuVerdict.from_json(cached(oracle_id, p, v.to_json))


def npu_partition_many(
    paths: Iterable[str | Path], vendor: str = "qualcomm", soc: str | None = None
) -> dict[Path, NpuVerdict]:
    """:func:`.npu.npu_partition` for every path, cached verdicts first, the others in merged runs."""
    import tfl_inspect

    soc = soc or VENDORS.get(vendor, ("", "", ""))[2]
    todo = [Path(p) for p in paths]
    reason = npu_skip_reason(vendor)
    if reason is not None:
        return {p: NpuVerdict(NO_VERDICT, vendor, soc, message=f"oracle unavailable: {reason}") for p in todo}
    out: dict[Path, NpuVerdict] = {}
    merged: list[tuple[Path, int]] = []
    for p in todo:
        if (CACHE / _oracle_id(vendor, soc) / f"{sha256(p)}.json").is_file():
            out[p] = npu_partition(p, vendor, soc)
            continue
        try:
            model = tfl_inspect.load(p)
        except Exception:
            out[p] = npu_partition(p, vendor, soc)
            continue
        if _alone(model, p, vendor):
            out[p] = npu_partition(p, vendor, soc)
        else:
            merged.append((p, sum(len(sg.operators) for sg in model.subgraphs)))
    for batch in _batches(merged):
        _settle(batch, vendor, soc, out)
    return out
