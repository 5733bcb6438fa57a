"""Smoke tests of the accelerator oracles (tests/targets/oracles): each runs and its verdict parses.

They skip, saying why, where ``make oracles`` has not set the oracles up. The agreement of
``compat`` with them is measured by ``tests/targets/measure_oracles.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import sample
from tests.targets.oracles import gpu as gpu_oracle
from tests.targets.oracles import npu as npu_oracle


@pytest.fixture(scope="module")
def gpu_ready() -> None:
    reason = gpu_oracle.gpu_skip_reason()
    if reason:
        pytest.skip(reason)


def _qualcomm_ready() -> None:
    reason = npu_oracle.npu_skip_reason("qualcomm")
    if reason:
        pytest.skip(reason)


def test_gpu_partial_model(gpu_ready: None) -> None:
    """A model with SHAPE/EXPAND_DIMS (no GPU kernel): some ops taken, the others with their type's reason."""
    path = sample("upsampling_static.tflite")
    model = tfl_inspect.load(path)
    v = gpu_oracle.gpu_verdict(path, use_cache=False)
    assert v.decided, v.message
    (sub,) = v.subgraphs
    ops = model.subgraphs[0].operators
    assert sub.taken and sub.taken < {op.index for op in ops}
    assert "SHAPE" in sub.reasons
    assert all(ops[i].opcode != "SHAPE" for i in sub.taken)
    assert sub.gpu_ops is not None and sub.cpu_ops is not None
    assert sub.gpu_ops + sub.cpu_ops == len(ops)


def test_gpu_whole_model(gpu_ready: None) -> None:
    path = sample("dense_float32.tflite")
    v = gpu_oracle.gpu_verdict(path)
    assert v.decided, v.message
    assert v.subgraphs[0].taken == set(range(len(tfl_inspect.load(path).subgraphs[0].operators)))


def test_gpu_refuses_dynamic_model(gpu_ready: None) -> None:
    v = gpu_oracle.gpu_verdict(sample("conv2d_transpose_dynamic.tflite"))
    assert v.status == gpu_oracle.REFUSED
    assert "static-sized tensors" in v.message


def test_gpu_no_verdict_for_flex(gpu_ready: None) -> None:
    """The runtime cannot resolve the Flex op: the accelerator is never asked."""
    v = gpu_oracle.gpu_verdict(sample("flex_select_tf.tflite"))
    assert v.status == gpu_oracle.NO_VERDICT
    assert "Select TensorFlow op" in v.message or "Flex" in v.message


def test_gpu_batch_gives_the_one_by_one_verdicts(
    gpu_ready: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One batch child for many models (a refusal logged once per process, float16 weights created twice, a
    Flex op the runtime cannot resolve) gives what a fresh process per model gives."""
    from tests.targets import oracles

    monkeypatch.setattr(oracles, "CACHE", tmp_path)
    monkeypatch.setattr(gpu_oracle, "CACHE", tmp_path)
    names = ("conv2d_transpose_dynamic", "dense_float32", "classifier_flatten", "dense_float16", "flex_select_tf")
    paths = [sample(f"{n}.tflite") for n in names]
    batch = gpu_oracle.gpu_verdicts(paths)
    assert [batch[str(p)].status for p in paths] == ["refused", "decided", "refused", "decided", "no_verdict"]
    for p in paths:
        assert batch[str(p)] == gpu_oracle.gpu_verdict(p, use_cache=False), p.name


def test_qualcomm_partition() -> None:
    _qualcomm_ready()
    path = sample("upsampling_static.tflite")
    model = tfl_inspect.load(path)
    v = npu_oracle.npu_partition(path, "qualcomm", "SM8650")
    assert v.decided, v.message
    (sub,) = v.subgraphs
    ops = model.subgraphs[0].operators
    assert not sub.unmatched
    assert set(sub.taken) | sub.cpu == {op.index for op in ops}
    assert sub.total == len(ops) and sub.selected == len(sub.taken)
    assert sub.partitions == len(set(sub.taken.values()))
    shape = next(op.index for op in ops if op.opcode == "SHAPE")
    assert shape in sub.cpu and "(code=77)" in sub.reasons[shape][-1]


def test_qualcomm_whole_int8_model() -> None:
    _qualcomm_ready()
    path = sample("dense_int8.tflite")
    v = npu_oracle.npu_partition(path, "qualcomm", "SM8650")
    assert v.decided, v.message
    assert v.subgraphs[0].partitions == 1
    assert len(v.subgraphs[0].taken) == len(tfl_inspect.load(path).subgraphs[0].operators)


def test_qualcomm_socs() -> None:
    pytest.importorskip("ai_edge_litert", reason="the SoC list comes from ai-edge-litert's aot package")
    socs = npu_oracle.socs("qualcomm")
    assert "SM8650" in socs and "ALL" not in socs


def test_intel_partition() -> None:
    reason = npu_oracle.npu_skip_reason("intel")
    if reason:
        pytest.skip(reason)
    path = sample("upsampling_static.tflite")
    v = npu_oracle.npu_partition(path, "intel", "LNL")
    assert v.decided, v.message
    (sub,) = v.subgraphs
    ops = tfl_inspect.load(path).subgraphs[0].operators
    shape = next(op.index for op in ops if op.opcode == "SHAPE")
    assert shape in sub.cpu and sub.reasons[shape] == ("op type 77 is not supported",)
    assert sub.partitions == len(set(sub.taken.values()))
