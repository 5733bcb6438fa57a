"""Make the mid-size generative benchmark model with litert-torch's generative API.

A decoder LLM the size of a small real one, converted the way litert-torch's users convert theirs:
``litert_torch.generative.utilities.model_builder.DecoderOnlyModel`` built from a ``ModelConfig``
(tens of layers, grouped-query attention with RoPE, RMSNorm, gated SiLU feed-forward, a 32k
vocabulary, separate LM head), exported by ``converter.convert_to_tflite`` with two prefill
lengths, a decode signature, an external KV cache and ``quantize="dynamic_int4_block32"`` (INT4
weights in blocks of 32 with FLOAT16 scales). The weights are seeded random: the benchmark
measures reading the file, not the model's quality. Needs the litert-torch venv (torch,
litert-torch 0.10, tensorflow-cpu; see samples/torch/README.md)::

    /work/venvs/torch/bin/python benchmarks/make_generative.py [--out benchmarks/models] [--layers 24]

Writes ``<out>/gen_decoder_int4.tflite`` (196 MB) and ``gen_decoder_int4.generative.json`` (what it was built
with, as the sample fixtures' sidecars), checks that LiteRT's interpreter runs one decode step, and prints the
conversion time: about 5 minutes and 5 GB of memory on 2 cores. ``--layers 12 --name gen_decoder_int4_12l``
makes the half-depth model the benchmark compares with (times should scale with the layers).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent / "models"
NAME = "gen_decoder_int4"

SIZES = {
    "layers": 24,
    "heads": 16,
    "kv_heads": 4,
    "head_dim": 64,
    "embedding_dim": 1024,
    "intermediate": 2816,
    "vocab_size": 32000,
    "prefill_lengths": [128, 512],
    "cache_length": 1024,
}


def build(sizes: dict) -> tuple[object, object]:
    """The decoder the generative fixtures are built as (samples/torch/generate.py), at these sizes."""
    import torch

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "samples" / "torch"))
    from generate import decoder  # type: ignore[import-not-found]

    torch.manual_seed(0)
    return decoder(sizes)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--layers", type=int, default=SIZES["layers"])
    ap.add_argument("--name", default=NAME, help=f"file stem (default {NAME}; gen_decoder_int4_12l with --layers 12)")
    ap.add_argument("--no-check", action="store_true", help="skip the LiteRT decode step")
    ns = ap.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    from litert_torch.generative.utilities import converter, export_config

    sizes = dict(SIZES, layers=ns.layers)
    ns.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    model, config = build(sizes)
    params = sum(p.numel() for p in model.parameters())  # type: ignore[attr-defined]
    print(f"model: {params:,} parameters; converting (int4 blocks of 32) ...", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        made = converter.convert_to_tflite(
            model,
            output_path=tmp,
            output_name_prefix="mid",
            prefill_seq_len=sizes["prefill_lengths"],
            kv_cache_max_len=sizes["cache_length"],
            quantize="dynamic_int4_block32",
            config=config,
            export_config=export_config.ExportConfig(),
        )
        path = ns.out / f"{ns.name}.tflite"
        shutil.copy(made, path)
    took = time.perf_counter() - t0
    print(f"wrote {path}: {path.stat().st_size:,} bytes in {took:.0f} s", flush=True)

    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_path=str(path))
    sigs = interp.get_signature_list()
    details = interp.get_signature_runner("decode").get_input_details()
    caches = [d for n, d in details.items() if n.startswith("kv_cache_")]
    cache_bytes = int(sum(math.prod(d["shape"]) * np.dtype(d["dtype"]).itemsize for d in caches))
    side = {
        "made_by": "litert_torch.generative.utilities.converter.convert_to_tflite(quantize='dynamic_int4_block32', "
        f"prefill_seq_len={sizes['prefill_lengths']}, kv_cache_max_len={sizes['cache_length']}, "
        "export_config=ExportConfig()) on a seeded random model_builder.DecoderOnlyModel",
        **{k: v for k, v in sizes.items()},
        "parameters": params,
        "cache_dtype": "float32",
        "cache_bytes": cache_bytes,
        "cache_bytes_per_token": 2 * sizes["layers"] * sizes["kv_heads"] * sizes["head_dim"] * 4,
        "weight_block_size": 32,
        "signatures": sorted(sigs),
        "bytes": path.stat().st_size,
        "convert_seconds": round(took),
    }
    (ns.out / f"{ns.name}.generative.json").write_text(json.dumps(side, indent=1) + "\n")
    ok = cache_bytes == side["cache_bytes_per_token"] * sizes["cache_length"]
    print(f"signatures {sorted(sigs)}; cache {cache_bytes:,} bytes ({'ok' if ok else 'MISMATCH'})")
    if not ns.no_check:
        runner = interp.get_signature_runner("decode")
        feeds = {n: np.zeros(d["shape"], np.dtype(d["dtype"])) for n, d in details.items()}
        out = runner(**feeds)
        ok = ok and list(out["logits"].shape) == [1, 1, sizes["vocab_size"]]
        print(f"decode step: logits {list(out['logits'].shape)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
