"""CMP001 (lint --target) and OPS003 with a computed minimum runtime."""

from __future__ import annotations

from tests.conftest import run_cli, sample
from tfl_inspect import load
from tfl_inspect.rules import run


def test_cmp001_one_finding_per_target_that_does_not_take_the_model() -> None:
    found = run(load(sample("upsampling_static.tflite")), select=["CMP"], targets="gpu,tflm,xnnpack")
    assert len(found) == 3 and {f.rule for f in found} == {"CMP001"}
    tflm = next(f for f in found if f.message.startswith("TFLite Micro"))
    assert tflm.opcode == "TILE" and tflm.related


def test_cmp001_silent_without_targets_and_when_fully_delegated() -> None:
    assert run(load(sample("upsampling_static.tflite")), select=["CMP"]) == []
    assert run(load(sample("dense_float32.tflite")), select=["CMP"], targets="xnnpack,tflm") == []


def test_lint_target_gates_ci() -> None:
    assert run_cli("lint", sample("dense_float32.tflite"), "--target", "xnnpack", "--select", "CMP").code == 0
    res = run_cli("lint", sample("dense_float16.tflite"), "--target", "tflm", "--select", "CMP")
    assert res.code == 1 and "CMP001" in res.out
    assert run_cli("lint", sample("dense_float32.tflite"), "--target", "npu").code == 2


def test_ops003_names_the_op_needing_the_newest_runtime() -> None:
    found = run(load(sample("upsampling_static.tflite")), select=["OPS003"], runtime="1.5")
    assert len(found) == 1 and found[0].opcode == "TILE" and "1.10.1" in found[0].message


def test_ops003_computes_the_runtime_when_metadata_is_missing() -> None:
    from tests.modeledit import pack, unpack

    m = unpack(sample("upsampling_static.tflite"))
    m.metadata = [e for e in m.metadata if e.name != b"min_runtime_version" and e.name != "min_runtime_version"]
    model = load(pack(m))
    assert model.min_runtime_version is None
    found = run(model, select=["OPS003"], runtime="1.5")
    assert len(found) == 1 and "computed from op versions" in found[0].message and found[0].opcode == "TILE"
