"""Our ``--planner tflm`` arena against the real TFLite Micro planner, model by model.

The oracle is the ``tflite_micro`` package's ``print_allocations()`` ("Arena allocation head",
see tflm_oracle.py), run in child processes. It runs on a 64-bit host, so the pointer arrays
some kernels request as scratch (ADD_N) are sized with 8-byte pointers here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import corpus_files, needs_corpus, require_corpus, sample_models, thirdparty_models
from tfl_inspect import load
from tfl_inspect.errors import TflInspectError
from tfl_inspect.profiling.tflm_planner import ALIGNMENT, greedy, plan

from .tflm_oracle import arena_heads

pytest.importorskip("tflite_micro")


def _compare(paths: list[Path], label: str) -> tuple[int, int, int, list[str]]:
    heads = arena_heads(paths)
    exact = near = off = 0
    lines = []
    for path in paths:
        head = heads.get(path)
        if head is None:
            continue  # TFLM does not load this model
        try:
            ours: int | str = plan(load(path), pointer_bytes=8).arena_bytes
        except TflInspectError as exc:
            ours = f"error: {exc}"
        if ours == head:
            exact += 1
            verdict = "exact"
        elif isinstance(ours, int) and head and abs(ours - head) <= 0.05 * head:
            near += 1
            verdict = "within 5%"
        else:
            off += 1
            verdict = "OFF"
        lines.append(f"{label:10} {path.name:60} tflm {head:>10}  ours {ours!s:>10}  {verdict}")
    print("\n".join(lines))
    print(f"{label}: {exact} exact, {near} within 5%, {off} off, of {exact + near + off} models TFLM loads")
    return exact, near, off, lines


def _check(exact: int, near: int, off: int) -> None:
    total = exact + near + off
    assert total > 0, "TFLM loaded none of the models"
    assert off == 0
    assert exact >= 0.95 * total


def test_samples_match_tflm() -> None:
    _check(*_compare(sample_models(), "samples")[:3])


@needs_corpus
@pytest.mark.slow
def test_corpus_matches_tflm() -> None:
    require_corpus()
    _check(*_compare(corpus_files("litert"), "corpus")[:3])


@pytest.mark.slow
def test_thirdparty_matches_tflm() -> None:
    models = thirdparty_models()
    if not models:
        pytest.skip("no third-party models fetched (python tests/fetch_models.py)")
    _check(*_compare(models, "thirdparty")[:3])


@pytest.mark.slow
def test_converter_fixtures_match_tflm(tf_fixtures: dict[str, Path]) -> None:
    exact, near, off, lines = _compare(list(tf_fixtures.values()), "fixtures")
    # Every scenario must actually be loaded by TFLM, or the check proves nothing about it.
    assert exact + near + off == len(tf_fixtures), lines
    assert exact == len(tf_fixtures)


def test_greedy_first_fit_between_overlapping_buffers() -> None:
    # a: big, whole time; b: early; c: late, fits where b was (no overlap with b).
    sizes, first, last = [64, 32, 32], [0, 0, 2], [3, 1, 3]
    assert greedy(sizes, first, last) == [0, 64, 64]
    # c overlapping b in time: equal sizes, so c (added later) is placed first, b above it.
    assert greedy(sizes, [0, 0, 1], [3, 1, 3]) == [0, 96, 64]


def test_greedy_ties_take_the_later_buffer_first() -> None:
    # Equal sizes: TFLM stores online buffers back to front, so buffer 1 is placed at 0.
    assert greedy([16, 16], [0, 0], [1, 1]) == [16, 0]


def test_greedy_keeps_offline_offsets() -> None:
    assert greedy([32, 16], [0, 0], [1, 1], [64, -1]) == [64, 0]


def test_sizes_are_aligned_and_constants_skipped() -> None:
    p = plan(load(sample_models()[0]))
    assert all(b.size % ALIGNMENT == 0 for b in p.buffers)
    m = load(sample_models()[0])
    planned = {(b.subgraph, b.tensor) for b in p.buffers}
    assert not any(m.subgraphs[s].tensors[t].is_constant for s, t in planned if t >= 0)


def _with_offline_plan(src: Path) -> bytes:
    """``src`` plus an ``OfflineMemoryAllocation`` entry fixing every other activation high up."""
    import struct

    modeledit = pytest.importorskip("tests.modeledit")
    schema = modeledit.schema
    m = modeledit.unpack(src)
    offsets, k = [], 0
    for sg in m.subgraphs:
        for t in sg.tensors:
            buf = m.buffers[t.buffer]
            if buf.data is not None and len(buf.data) > 0:
                offsets.append(-1)
            else:
                offsets.append(-1 if k % 2 else 49152 + 1024 * k)
                k += 1
    b = schema.BufferT()
    b.data = list(struct.pack(f"<3I{len(offsets)}i", 1, 0, len(offsets), *offsets))
    m.buffers.append(b)
    md = schema.MetadataT()
    md.name, md.buffer = "OfflineMemoryAllocation", len(m.buffers) - 1
    m.metadata = [*(m.metadata or []), md]
    return bytes(modeledit.pack(m))


def test_offline_plan_is_honoured_as_tflm_does(tmp_path: Path) -> None:
    from tests.conftest import sample

    path = tmp_path / "offline.tflite"
    path.write_bytes(_with_offline_plan(sample("classifier_flatten.tflite")))
    head = arena_heads([path])[path]
    ours = plan(load(path), pointer_bytes=8)
    without = plan(load(path), offline=False)
    print(f"offline plan: tflm {head}, ours {ours.arena_bytes}, ignoring the plan {without.arena_bytes}")
    assert any(b.offline for b in ours.buffers)
    assert ours.arena_bytes == head != without.arena_bytes


def _to_int4(src: Path) -> bytes:
    """``src`` with its INT8 conv/depthwise/FC filters turned into packed INT4 (per-tensor for FC,
    which TFLM requires): TFLM then requests a scratch buffer to unpack each filter."""
    import numpy as np

    modeledit = pytest.importorskip("tests.modeledit")
    schema = modeledit.schema
    m = modeledit.unpack(src)
    kinds = (
        schema.BuiltinOperator.FULLY_CONNECTED,
        schema.BuiltinOperator.CONV_2D,
        schema.BuiltinOperator.DEPTHWISE_CONV_2D,
    )
    for sg in m.subgraphs:
        for op in sg.operators:
            code = m.operatorCodes[op.opcodeIndex]
            builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
            if builtin not in kinds:
                continue
            t = sg.tensors[op.inputs[1]]
            if t.type != schema.TensorType.INT8:
                continue
            q = np.clip(np.frombuffer(bytes(m.buffers[t.buffer].data), np.int8) // 16, -8, 7).astype(np.int8)
            q = np.append(q, np.int8(0)) if len(q) % 2 else q
            m.buffers[t.buffer].data = list(((q[0::2] & 0x0F) | ((q[1::2] & 0x0F) << 4)).astype(np.uint8).tobytes())
            t.type = schema.TensorType.INT4
            if builtin == schema.BuiltinOperator.FULLY_CONNECTED and len(t.quantization.scale) > 1:
                t.quantization.scale, t.quantization.zeroPoint = [max(t.quantization.scale)], [0]
                t.quantization.quantizedDimension = 0
    return bytes(modeledit.pack(m))


@pytest.mark.slow
def test_int4_filter_scratch_matches_tflm(tf_fixtures: dict[str, Path], tmp_path: Path) -> None:
    paths = []
    for name in ("int8_fc", "int8_cnn"):
        path = tmp_path / f"{name}_int4.tflite"
        path.write_bytes(_to_int4(tf_fixtures[name]))
        paths.append(path)
    exact, _, _, lines = _compare(paths, "int4")
    assert exact == len(paths), lines
    assert all(any(b.tensor < 0 for b in plan(load(p)).buffers) for p in paths)  # the unpack scratch is there
