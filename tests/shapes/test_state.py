"""Resource variables and streaming models: handles are not data, state is part of the design."""

from __future__ import annotations

from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import require_thirdparty, run_cli
from tfl_inspect.shapes import infer_shapes
from tfl_inspect.shapes.engine import result_for


def _ops(model: tfl_inspect.Model, s: int = 0) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for op in model.subgraphs[s].operators:
        out.setdefault(op.opcode, []).append(op.index)
    return out


def test_the_fixture_has_the_stateful_pattern(stateful_model: Path) -> None:
    model = tfl_inspect.load(stateful_model)
    ops = _ops(model)
    assert {"CALL_ONCE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE"} <= set(ops)
    assert len(model.subgraphs) == 2  # the init subgraph CALL_ONCE runs


def test_variable_ops_are_inferred_and_read_the_init_subgraph_shape(stateful_model: Path) -> None:
    model = tfl_inspect.load(stateful_model)
    res = infer_shapes(model)
    sg = model.subgraphs[0]
    ops = _ops(model)
    assert res.ok and not res.not_inferred_ops
    (handle,) = sg.operators[ops["VAR_HANDLE"][0]].outputs
    (read,) = sg.operators[ops["READ_VARIABLE"][0]].outputs
    assert res.shape(handle) == () and sg.tensors[handle].dtype == "RESOURCE"
    assert res.shape(read) == (1, 4, 8)


def test_variable_shapes_agree_with_the_interpreter(stateful_model: Path) -> None:
    pytest.importorskip("ai_edge_litert")
    from tfl_inspect.shapes.verify import verify

    v = verify(infer_shapes(tfl_inspect.load(stateful_model)))
    assert v.interpreter_ok and v.total >= 6 and v.agree == v.total, v


def test_no_rule_fires_on_the_stateful_pattern(stateful_model: Path) -> None:
    findings = tfl_inspect.lint(tfl_inspect.load(stateful_model))
    # Only the converter-generated I/O names (NAM001, info) remain: nothing about the state.
    assert [f.rule for f in findings] == ["NAM001"], [f.message for f in findings]


def test_a_bigger_batch_gets_streaming_advice_not_reconvert(stateful_model: Path) -> None:
    r = run_cli("shapes", str(stateful_model), "--input", "frame=2x1x8")
    assert r.code == 1
    assert "streaming model" in r.out and "fixed at batch 1" in r.out and "frame as 1x1x8" in r.out
    assert "reconvert" not in r.out and "dynamic batch" not in r.out


def test_more_frames_per_invoke_change_the_state_shape(stateful_model: Path) -> None:
    model = tfl_inspect.load(stateful_model)
    res = infer_shapes(model, {"frame": "1x2x8"})
    (f,) = res.failures
    assert f.opcode == "ASSIGN_VARIABLE" and not f.runtime_checks
    assert "1x5x8 into variable 'stream_state' of shape 1x4x8" in f.message
    assert "frames per invoke are part of the design" in (f.hint or "")


def test_resource_handles_without_rank_are_not_dyn003(stateful_model: Path) -> None:
    """Some converters leave the handles unranked: still no finding."""
    pytest.importorskip("ai_edge_litert")
    from tests.modeledit import schema
    from tests.rules.helpers import edited

    def drop_rank(m) -> None:
        for sg in m.subgraphs:
            for t in sg.tensors:
                if t.type == schema.TensorType.RESOURCE:
                    t.shape, t.shapeSignature, t.hasRank = None, None, False

    data = edited(stateful_model, drop_rank)
    model = tfl_inspect.load(data)
    handles = [t for sg in model.subgraphs for t in sg.tensors if t.dtype == "RESOURCE"]
    assert handles and not any(t.has_rank for t in handles)
    assert [f.rule for f in tfl_inspect.lint(model)] == ["NAM001"]


def test_thirdparty_streaming_models_raise_no_dyn_or_shp() -> None:
    """microWakeWord models keep six unranked state handles; nothing about them is a finding."""
    models = [p for p in require_thirdparty() if "micro-wakeword" in str(p)]
    if not models:
        pytest.skip("no microWakeWord models downloaded (tests/fetch_models.py)")
    for path in models:
        model = tfl_inspect.load(path)
        assert not [f for f in tfl_inspect.lint(model) if f.rule.startswith(("DYN", "SHP"))], path.name
        res = result_for(model, 0)
        assert res.ok and not res.not_inferred_ops, path.name
