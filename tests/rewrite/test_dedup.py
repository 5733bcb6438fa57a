"""--dedup: constants with identical bytes share one buffer."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

import tfl_inspect
from tests.conftest import sample
from tests.modeledit import pack, schema, unpack
from tests.rewrite.helpers import offset_model
from tfl_inspect.rewrite import fix


def _with_duplicate(src: Path) -> tuple[bytes, int]:
    """The model plus a second constant tensor whose buffer repeats the first weight's bytes."""
    m = unpack(src)
    sg = m.subgraphs[0]
    sizes = [0 if m.buffers[t.buffer].data is None else len(m.buffers[t.buffer].data) for t in sg.tensors]
    k = next(i for i, n in enumerate(sizes) if n >= 1024)
    dup = schema.BufferT()
    dup.data = np.array(m.buffers[sg.tensors[k].buffer].data, dtype=np.uint8)
    m.buffers.append(dup)
    t = copy.deepcopy(sg.tensors[k])
    t.name = b"duplicate_weight"
    t.buffer = len(m.buffers) - 1
    sg.tensors.append(t)
    return pack(m), len(dup.data)


def test_identical_constants_share_a_buffer(tmp_path: Path) -> None:
    data, size = _with_duplicate(sample("dense_float32.tflite"))
    src = tmp_path / "dup.tflite"
    src.write_bytes(data)
    report = fix(src, tmp_path / "o.tflite", dedup=True)
    assert report.written and report.verification is not None and report.verification.status == "identical"
    assert report.buffers_merged == 1 and report.buffers_removed == 1
    assert report.bytes_saved >= size
    sg = tfl_inspect.load(tmp_path / "o.tflite").subgraphs[0]
    dup = next(t for t in sg.tensors if t.name == "duplicate_weight")
    assert sum(1 for t in sg.tensors if t.buffer == dup.buffer) == 2


def test_external_buffers_are_compared_by_streaming(tmp_path: Path) -> None:
    data, _ = _with_duplicate(sample("dense_float32.tflite"))
    (tmp_path / "dup.tflite").write_bytes(data)
    src = tmp_path / "dup_offset.tflite"
    src.write_bytes(offset_model(tmp_path / "dup.tflite"))
    report = fix(src, tmp_path / "o.tflite", dedup=True)
    assert report.written and report.buffers_merged == 1
    assert report.verification is not None and report.verification.status == "identical"


def test_nothing_to_merge(tmp_path: Path) -> None:
    report = fix(sample("dense_float32.tflite"), tmp_path / "o.tflite", dedup=True)
    assert report.written and report.buffers_merged == 0 and report.bytes_saved == 0
