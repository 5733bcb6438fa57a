"""Decoder LLMs: what the Generative section says equals what the export was built with and what LiteRT reports."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, run_cli
from tfl_inspect.generative import generative
from tfl_inspect.readers import load

TORCH = SAMPLES / "torch"
FIXTURES = sorted(p.name.removesuffix(".generative.json") for p in TORCH.glob("*.generative.json"))
litert = pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert not installed")


def _built(name: str) -> dict:
    """What the export was built with: the sidecar generate.py wrote next to the fixture."""
    return json.loads((TORCH / f"{name}.generative.json").read_text())


def _runtime_cache_bytes(path: Path) -> dict[str, int]:
    """Per signature, the bytes of its kv_cache inputs as LiteRT's signature runner reports them."""
    interp = litert.Interpreter(
        model_path=str(path), experimental_op_resolver_type=litert.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    )
    out = {}
    for key in interp.get_signature_list():
        details = interp.get_signature_runner(key).get_input_details()
        out[key] = sum(
            math.prod(d["shape"]) * d["dtype"]().itemsize for n, d in details.items() if n.startswith("kv_cache_")
        )
    return out


def test_four_fixtures() -> None:
    assert FIXTURES == [
        "gen_decoder_dynamic_int4_block32",
        "gen_decoder_dynamic_int8",
        "gen_decoder_f32",
        "hf_llama_export_hf",
    ]


@pytest.mark.parametrize("name", FIXTURES)
def test_facts_equal_the_export_settings(name: str) -> None:
    built = _built(name)
    g = generative(load(TORCH / f"{name}.tflite"))
    assert g is not None
    assert g.layers == built["layers"]
    assert g.kv_heads == built["kv_heads"]
    assert g.head_dim == built["head_dim"]
    assert g.cache_length == built["cache_length"]
    assert g.cache_dtype == built["cache_dtype"].upper()
    assert g.cache_bytes == built["cache_bytes"]
    assert g.vocab_size == built["vocab_size"]
    assert g.cache_bytes_per_layer * g.layers == g.cache_bytes
    prefill = sorted(s.tokens for s in g.signatures if s.kind == "prefill")
    assert prefill == built["prefill_lengths"]
    assert [s.tokens for s in g.signatures if s.kind == "decode"] == [1]
    assert sorted(s.key for s in g.signatures) == sorted(built["signatures"])
    assert g.weight_block_size == built.get("weight_block_size")
    # Growth per token: 2 (K and V) × layers × KV heads × head dim × dtype size.
    assert g.cache_bytes_per_token == 2 * built["layers"] * built["kv_heads"] * built["head_dim"] * 4
    assert g.kv_cache_bytes(g.cache_length) == g.cache_bytes


@pytest.mark.parametrize("name", FIXTURES)
def test_cache_bytes_equal_the_runtime_inputs(name: str) -> None:
    path = TORCH / f"{name}.tflite"
    g = generative(load(path))
    assert g is not None
    runtime = _runtime_cache_bytes(path)
    assert {s.key: s.cache_bytes for s in g.signatures} == runtime
    assert set(runtime.values()) == {g.cache_bytes}


def test_both_cache_layouts() -> None:
    api = generative(load(TORCH / "gen_decoder_f32.tflite"))
    hf = generative(load(TORCH / "hf_llama_export_hf.tflite"))
    assert api is not None and hf is not None
    assert api.layout == {"k": "[batch, seq, kv_heads, head_dim]", "v": "[batch, seq, kv_heads, head_dim]"}
    assert hf.layout == {"k": "[batch, kv_heads, seq, head_dim]", "v": "[batch, kv_heads, head_dim, seq]"}
    shapes = _built("hf_llama_export_hf")["cache_shapes"]
    assert {c.name: list(c.shape) for c in hf.caches} == shapes
    assert {c.axis_from for c in api.caches + hf.caches} == {"cache update"}
    assert hf.mask and not api.mask


def test_int4_blockwise_weights() -> None:
    model = load(TORCH / "gen_decoder_dynamic_int4_block32.tflite")
    g = generative(model)
    assert g is not None and g.weight_block_size == 32
    int4 = [w for w in g.weights if w.dtype == "INT4"]
    scales = [w for w in g.weights if w.role == "block scales"]
    assert len(int4) == 1 and int4[0].block_size == 32 and int4[0].scales_dtype == "FLOAT16"
    # One FLOAT16 scale per block of 32 INT4 values, each INT4 tensor's scales apart.
    assert scales[0].dtype == "FLOAT16" and scales[0].params * 32 == int4[0].params
    assert int4[0].bytes * 2 == int4[0].params  # two INT4 values per byte
    assert g.embedding is not None and g.embedding.dtype == "INT4"
    assert g.embedding.bytes == 256 * 64 // 2 + 256 * 64 // 32 * 2


def test_embedding_and_lm_head() -> None:
    g = generative(load(TORCH / "gen_decoder_dynamic_int8.tflite"))
    assert g is not None and g.embedding is not None and g.lm_head is not None
    assert g.embedding.shape == (256, 64) and g.lm_head.shape == (256, 64)
    assert g.embedding.params == g.lm_head.params == 256 * 64
    assert "lm_head" in g.lm_head.name and not g.tied_embeddings


def test_not_generative() -> None:
    assert generative(load(TORCH / "two_signatures.tflite")) is None
    assert generative(load(SAMPLES / "dense_int8.tflite")) is None


def test_inspect_shows_the_generative_section() -> None:
    r = run_cli("inspect", TORCH / "gen_decoder_dynamic_int4_block32.tflite")
    assert r.code == 0, r.err
    assert "Generative (decoder LLM" in r.out
    assert "2 (one kv_cache_k/kv_cache_v pair each); 2 KV heads × head dim 16" in r.out
    assert "512 B per token = 2 × 2 layers × 2 KV heads × 16 × 4 B" in r.out
    assert "'prefill_8': prefill 8 tokens, no logits; 'decode': decode 1 token, logits" in r.out
    assert "dynamic range — 19 ops with INT4 weights in blocks of 32 (blockwise, FLOAT16 scales)" in r.out
    doc = json.loads(run_cli("inspect", TORCH / "gen_decoder_dynamic_int4_block32.tflite", "--format", "json").out)
    g = doc["generative"]
    assert {k: g[k] for k in ("layers", "kv_heads", "head_dim", "cache_length", "cache_bytes", "vocab_size")} == {
        "layers": 2,
        "kv_heads": 2,
        "head_dim": 16,
        "cache_length": 64,
        "cache_bytes": 32768,
        "vocab_size": 256,
    }
    assert g["cache_dtype"] == "FLOAT32" and g["cache_bytes_per_layer"] == 16384 and g["weight_block_size"] == 32
    assert [(s["key"], s["kind"], s["tokens"]) for s in g["signatures"]] == [
        ("prefill_8", "prefill", 8),
        ("decode", "decode", 1),
    ]


def test_report_has_the_generative_and_memory_figures(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    r = run_cli("report", TORCH / "hf_llama_export_hf.tflite", "-o", out, "--no-graph")
    assert r.code == 0, r.err
    page = out.read_text()
    assert "<section id='generative'>" in page
    assert "<td>KV heads × head dim</td><td>2 × 16</td>" in page
    assert "32,768 bytes at 64 tokens; 512 bytes per token of context" in page
    assert "litert (modelled)" in page
