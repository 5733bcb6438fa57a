"""profile of generative models: LiteRT's planner by default, memory per signature, the KV cache against the context."""

from __future__ import annotations

import json
import math

import pytest

from tests.conftest import SAMPLES, run_cli
from tfl_inspect.composites import composites
from tfl_inspect.profiling import profile
from tfl_inspect.profiling.litert_planner import plan
from tfl_inspect.readers import load

TORCH = SAMPLES / "torch"
FIXTURES = sorted(p.name.removesuffix(".generative.json") for p in TORCH.glob("*.generative.json"))


def _built(name: str) -> dict:
    return json.loads((TORCH / f"{name}.generative.json").read_text())


@pytest.mark.parametrize("name", FIXTURES)
def test_profile_json_memory(name: str) -> None:
    built = _built(name)
    r = run_cli("profile", TORCH / f"{name}.tflite", "--format", "json")
    assert r.code == 0, r.err
    mem = json.loads(r.out)["memory"]
    assert mem["planner"] == "litert (modelled)" and "generative" in mem["planner_reason"]
    # At the exported cache length the KV cache is the cache inputs' bytes (the export's own figure) …
    assert mem["kv_cache_length"] == built["cache_length"]
    assert mem["kv_cache_bytes"] == built["cache_bytes"]
    # … and each token of context adds 2 × layers × KV heads × head dim × dtype size.
    per_token = 2 * built["layers"] * built["kv_heads"] * built["head_dim"] * 4
    assert mem["kv_cache_bytes_per_token"] == per_token
    curve = {p["tokens"]: p["bytes"] for p in mem["kv_cache"]}
    assert curve[built["cache_length"]] == built["cache_bytes"]
    assert curve[4096] == 4096 * per_token
    # One figure per signature, each with the arenas of the decompositions it runs.
    sigs = {s["key"]: s for s in mem["signatures"]}
    assert set(sigs) == set(built["signatures"])
    assert sigs["decode"]["kind"] == "decode" and sigs["decode"]["tokens"] == 1
    for s in sigs.values():
        assert s["peak_live_bytes"] > 0 and s["arena_bytes"] >= s["peak_live_bytes"] // 2
        assert s["subgraphs"][0] == s["subgraph"]


def test_signature_memory_adds_the_decomposition_arenas() -> None:
    model = load(TORCH / "gen_decoder_f32.tflite")
    comp = composites(model)
    p = plan(model)
    prof = profile(model)
    for m in prof.memory.signatures:
        subs = [m.subgraph] + [c.decomposition for _, c in comp.under(m.subgraph)]
        assert list(m.subgraphs) == subs
        assert m.arena_bytes == sum(p.per_subgraph[s] for s in subs)
        # The peak is at least the caller's own peak, and a composite adds its decomposition's.
        own = max(o.live_bytes or 0 for o in prof.operators if o.subgraph == m.subgraph)
        assert m.peak_live_bytes >= own


def test_decomposition_inputs_are_the_callers_tensors() -> None:
    """stablehlo_composite.cc sets the decomposition's inputs to kTfLiteCustom: not in its arena."""
    model = load(TORCH / "gen_decoder_f32.tflite")
    p = plan(model)
    comp = composites(model)
    placed = {(s, t) for s, t, *_ in p.allocations}
    for d in comp.decompositions:
        sg = model.subgraphs[d]
        assert not any((d, t) in placed for t in sg.inputs)
        assert all((d, t) in placed for t in sg.outputs)


def test_tflm_still_on_request_and_for_other_models() -> None:
    gen = load(TORCH / "gen_decoder_f32.tflite")
    assert profile(gen, planner="tflm").memory.planner == "tflm"
    other = profile(load(SAMPLES / "dense_int8.tflite"))
    assert other.memory.planner == "tflm" and other.memory.kv_cache is None and not other.memory.planner_reason


def test_decomposition_ops_name_their_composite() -> None:
    model = load(TORCH / "gen_decoder_f32.tflite")
    comp = composites(model)
    prof = profile(model)
    for o in prof.operators:
        top = comp.top(o.subgraph)
        assert o.composite == ((top.subgraph, top.op) if top is not None else None)
    text = run_cli("profile", TORCH / "gen_decoder_f32.tflite").out
    assert "3:13 in 0:54  BATCH_MATMUL" in text
    assert "Signature decode     decode, 1 token; arena" in text
    assert "512 B per token of context" in text


def test_kv_bytes_match_the_interpreter() -> None:
    litert = pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert not installed")
    path = TORCH / "hf_llama_export_hf.tflite"
    interp = litert.Interpreter(model_path=str(path))
    details = interp.get_signature_runner("decode").get_input_details()
    runtime = sum(
        math.prod(d["shape"]) * d["dtype"]().itemsize for n, d in details.items() if n.startswith("kv_cache_")
    )
    assert profile(load(path)).memory.kv_cache.bytes == runtime  # type: ignore[union-attr]


def test_no_reorder_search_inside_decompositions() -> None:
    """An LLM has hundreds of decomposition subgraphs: each is one layer's kernel body, not searched."""
    model = load(TORCH / "gen_decoder_f32.tflite")
    comp = composites(model)
    reorders = profile(model, planner="tflm").reorder
    assert not [r for r in reorders if comp.is_decomposition(r.subgraph)]
