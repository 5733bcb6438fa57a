"""Build the LLM containers that wrap a generative `.tflite`, with their packages' own writers (tests call this).

    python samples/torch/bundle.py litertlm MODEL.tflite TOKENIZER.model OUT.litertlm [--context 64]
    python samples/torch/bundle.py task     MODEL.tflite TOKENIZER.model OUT.task

`.litertlm` (LiteRT-LM): written by `litert_lm_builder.LitertLmFileBuilder` (PyPI `litert-lm-builder`, pure Python:
absl-py, flatbuffers, protobuf, tomli; light enough for `make test`). The sections are the ones litert-torch's own
`generative/utilities/litertlm_builder.build_litertlm` writes: an `LlmMetadata` proto (start/stop tokens, context
length, generic model type), the SentencePiece tokenizer and the model as `tf_lite_prefill_decode`.

`.task` (MediaPipe LLM Inference bundle): written by `mediapipe.tasks.python.genai.bundler.create_bundle` from
PyPI `mediapipe` 0.10.x (0.10.35 tried here; mediapipe 1.x no longer ships `tasks.python.genai`) plus
`sentencepiece` (the bundler loads the tokenizer to validate it). mediapipe pulls opencv-contrib-python, matplotlib
and sounddevice (about 12 + 70 MB of wheels); its bundler module also imports torch and JAX, which it does not use:
without them this script stands in for that one import (see `_bundler_without_converter_deps`). The result is a ZIP
holding TF_LITE_PREFILL_DECODE, TOKENIZER_MODEL and METADATA (a proto made by mediapipe's C library).

The tokenizer is samples/torch/tokenizer.model (made by generate.py: SentencePiece BPE, 256 pieces, <s>=1, </s>=2).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

START_TOKEN = "<s>"
STOP_TOKENS = ["</s>"]


def build_litertlm(tflite: Path, tokenizer: Path, out: Path, context_length: int = 64) -> Path:
    from litert_lm_builder import litertlm_builder as lb
    from litert_lm_builder.runtime.proto import llm_metadata_pb2, llm_model_type_pb2

    meta = llm_metadata_pb2.LlmMetadata()
    meta.start_token.token_str = START_TOKEN
    for tok in STOP_TOKENS:
        meta.stop_tokens.add().token_str = tok
    meta.max_num_tokens = context_length
    meta.llm_model_type.CopyFrom(llm_model_type_pb2.LlmModelType(generic_model=llm_model_type_pb2.GenericModel()))
    with tempfile.TemporaryDirectory() as tmp:
        meta_path = Path(tmp) / "llm_metadata.pb"
        meta_path.write_bytes(meta.SerializeToString())
        builder = lb.LitertLmFileBuilder()
        builder.add_system_metadata(lb.Metadata(key="Authors", value="tfl-inspect fixtures", dtype=lb.DType.STRING))
        builder.add_llm_metadata(str(meta_path))
        builder.add_sentencepiece_tokenizer(str(tokenizer))
        builder.add_tflite_model(str(tflite), lb.TfLiteModelType.PREFILL_DECODE)
        with open(out, "wb") as f:
            builder.build(f)
    return out


def _bundler_without_converter_deps() -> Any:
    """Import mediapipe's LLM bundler where torch or JAX is missing.

    `llm_bundler` takes `sentencepiece` from `genai.converter.external_dependencies`, whose import also demands
    torch and JAX (for the checkpoint converter, which bundling never calls). Where those are absent, that one
    module (and its package) is stood in by a namespace holding the real `sentencepiece`; the bundler's own code
    then runs unchanged: it still validates the tokenizer with SentencePiece and writes the ZIP itself.
    """
    try:
        from mediapipe.tasks.python.genai import bundler

        return bundler
    except ImportError as ex:
        if "JAX, Torch, and SentencePiece" not in str(ex):
            raise
    import sentencepiece

    deps = types.ModuleType("mediapipe.tasks.python.genai.converter.external_dependencies")
    deps.sentencepiece = sentencepiece  # type: ignore[attr-defined]
    pkg = types.ModuleType("mediapipe.tasks.python.genai.converter")
    pkg.external_dependencies = deps  # type: ignore[attr-defined]
    sys.modules.setdefault(pkg.__name__, pkg)
    sys.modules.setdefault(deps.__name__, deps)
    for name in [m for m in sys.modules if m.startswith("mediapipe.tasks.python.genai.bundler")]:
        del sys.modules[name]
    from mediapipe.tasks.python.genai import bundler

    return bundler


def build_task(tflite: Path, tokenizer: Path, out: Path) -> Path:
    bundler = _bundler_without_converter_deps()

    if out.suffix != ".task":
        raise ValueError("the MediaPipe bundler appends .task: give an OUT ending in .task")
    config = bundler.BundleConfig(
        tflite_model=str(tflite),
        tokenizer_model=str(tokenizer),
        start_token=START_TOKEN,
        stop_tokens=STOP_TOKENS,
        output_filename=str(out),
        prompt_prefix_user="<user>",
        prompt_suffix_user="</user>",
    )
    bundler.create_bundle(config)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=["litertlm", "task"])
    ap.add_argument("tflite", type=Path)
    ap.add_argument("tokenizer", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--context", type=int, default=64, help="context length written into .litertlm metadata")
    ns = ap.parse_args(argv)
    if ns.kind == "litertlm":
        made = build_litertlm(ns.tflite, ns.tokenizer, ns.out, ns.context)
    else:
        made = build_task(ns.tflite, ns.tokenizer, ns.out)
    print(f"{made} {made.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
