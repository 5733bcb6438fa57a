"""``diff source compiled``: every source op pairs with an op left on the CPU or with the partition that took it,
and the partitions are the groups the plugin formed (its own ``--cmd=partition`` output, read by the NPU oracle)."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema

import tfl_inspect
from tests.conftest import run_cli
from tfl_inspect.compare import diff
from tfl_inspect.compiled import compiled
from tfl_inspect.schemas import load

_SELECTED = re.compile(r"Partitioned subgraph<0>, selected (\d+) ops")


def test_every_source_op_is_paired(npu_compiled: list[Any]) -> None:
    from tests.targets.oracles.npu import npu_partition

    groups_checked = 0
    for case in npu_compiled:
        pairing = diff(case.source, case.path).compiled
        assert pairing is not None and pairing.side == "b", case.path
        assert pairing.count("unpaired") == 0, (case.path, [o for o in pairing.ops if o.where == "unpaired"])
        source = tfl_inspect.load(case.source).subgraphs[0]
        target = tfl_inspect.load(case.path).subgraphs[0]
        assert len(pairing.ops) == len(source.operators)
        for o in pairing.ops:
            assert o.compiled_op is not None
            if o.where == "cpu":
                assert target.operators[o.compiled_op].opcode == o.opcode
            else:
                assert target.operators[o.compiled_op].custom_code == "DISPATCH_OP"
        selected = _SELECTED.search(case.log)
        assert selected is not None and pairing.count("npu") == int(selected.group(1)), case.path
        # the same groups as the plugin's partition step, matched by tensor names in its partition subgraphs
        verdict = npu_partition(case.source, case.vendor, case.soc)
        if verdict.decided and verdict.subgraph(0) is not None:
            sub = verdict.subgraph(0)
            assert sub is not None
            theirs = {frozenset(i for i, k in sub.taken.items() if k == part) for part in set(sub.taken.values())}
            ours = {
                frozenset(o.source_op for o in pairing.ops if o.compiled_op == op) for op, _, _ in pairing.partitions
            }
            assert ours == theirs, case.path
            groups_checked += 1
    print(
        f"\n{len(npu_compiled)} compiled files: every source op paired; "
        f"{groups_checked} checked against --cmd=partition"
    )
    assert groups_checked


def test_diff_json_and_text(npu_compiled: list[Any]) -> None:
    case = next(c for c in npu_compiled if c.source.name == "upsampling_static.tflite" and c.vendor == "qualcomm")
    result = run_cli("diff", case.source, case.path, "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    jsonschema.validate(data, load("diff"))
    npu = compiled(tfl_inspect.load(case.path))
    assert npu is not None
    c = data["compiled"]
    assert (c["vendor"], c["soc"]) == (npu.vendor, case.soc)
    assert [p["name"] for p in c["partitions"]] == [p.name for p in npu.partitions]
    text = run_cli("diff", case.source, case.path).out
    assert f"B is A compiled for {npu.target}" in text and "qnn_partition_0" in text
    assert "ops removed" not in text  # the ops the NPU took are listed with their partition instead
    reverse = diff(case.path, case.source).compiled
    assert reverse is not None and reverse.side == "a"
    assert [(o.where, o.compiled_op) for o in reverse.ops] == [(o["where"], o["compiled_op"]) for o in c["ops"]]


def test_no_pairing_between_two_plain_models() -> None:
    from tests.conftest import sample

    assert diff(sample("dense_int8.tflite"), sample("dense_float32.tflite")).compiled is None
