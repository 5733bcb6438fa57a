"""XNNPACK verdicts and partitions against the real delegate in ai-edge-litert (per op, per model)."""

from __future__ import annotations

from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import in_corpus, needs_corpus, sample_models
from tfl_inspect.targets import compat
from tfl_inspect.targets.xnnpack import check_subgraph


@pytest.mark.parametrize("part", ["samples+thirdparty+fixtures", pytest.param("corpus", marks=needs_corpus)])
def test_every_op_and_partition_count_matches_the_delegate(
    xnnpack_oracle: dict[str, dict[str, object]], part: str
) -> None:
    agree = total = models = parts_ok = 0
    mismatches: list[str] = []
    for path, real in xnnpack_oracle.items():
        if in_corpus(path) != (part == "corpus"):
            continue
        if "error" in real:  # LiteRT itself refuses it (unresolved custom op, bad model): nothing to compare
            continue
        report = compat(tfl_inspect.load(path), targets="xnnpack").targets["xnnpack"]
        ours = {v.index for v in report.operators if v.subgraph == 0 and v.supported}
        delegated = set(real["delegated"])  # type: ignore[arg-type]
        ops0 = [v for v in report.operators if v.subgraph == 0]
        assert len(ops0) == real["total"], path
        models += 1
        for v in ops0:
            total += 1
            if (v.index in ours) == (v.index in delegated):
                agree += 1
            else:
                mismatches.append(f"{Path(path).name} op {v.index} {v.opcode}: ours {v.index in ours}")
        ours_parts = sum(1 for p in report.partitions if p.subgraph == 0)
        if ours_parts == real["partitions"]:
            parts_ok += 1
        else:
            mismatches.append(f"{Path(path).name}: {ours_parts} partitions, delegate {real['partitions']}")
    print(f"\nXNNPACK: {agree}/{total} ops agree; partition count matches on {parts_ok}/{models} models")
    # Every sample but the Flex one runs in LiteRT; the corpus adds 100+ more.
    assert models >= (100 if part == "corpus" else len(sample_models()) - 1) and not mismatches, mismatches[:20]


def test_fixtures_cover_each_scenario(converted: dict[str, Path], xnnpack_oracle: dict[str, dict[str, object]]) -> None:
    """The converter-made fixtures are all interpreter-loadable, so each scenario is really compared."""
    for name, path in converted.items():
        assert "error" not in xnnpack_oracle[str(path)], name


def test_float16_weights_are_unpacked_into_the_partition(converted: dict[str, Path]) -> None:
    model = tfl_inspect.load(converted["cnn_float16"])
    taken, _, _ = check_subgraph(model.subgraphs[0])
    deq = [op.index for op in model.subgraphs[0].operators if op.builtin == "DEQUANTIZE"]
    assert deq and set(deq) <= taken


def test_topk_argmax_cumsum_stay_on_the_cpu(converted: dict[str, Path]) -> None:
    t = compat(tfl_inspect.load(converted["topk_argmax_cumsum"]), targets="xnnpack").targets["xnnpack"]
    assert {v.opcode for v in t.operators if not v.supported} == {"TOPK_V2", "ARG_MAX", "CUMSUM"}
    assert all(v.reasons[0].code == "UNSUPPORTED_OPERATOR" for v in t.operators if not v.supported)


def test_runtime_shape_operand_is_named(converted: dict[str, Path]) -> None:
    t = compat(tfl_inspect.load(converted["upsampling_dynamic_batch"]), targets="xnnpack").targets["xnnpack"]
    reshape = [v for v in t.operators if v.opcode == "RESHAPE" and not v.supported]
    assert reshape and reshape[0].reasons[0].code == "CONSTANT_INPUT_REQUIRED"
    assert "input 1 (shape)" in reshape[0].reasons[0].message
