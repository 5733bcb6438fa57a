"""Differential test: the Analyzer's MLIR of a `.tflite` reads into the same model as the file itself.

For every sample and every corpus model, TensorFlow's Analyzer (``experimental_use_mlir=True``)
prints the flatbuffer as TFL-dialect MLIR; ``read_mlir`` and ``read_flatbuffer`` must then agree
on operators (opcode and order, per subgraph; options under the keys both readers produce) and
on every tensor an operator or a subgraph touches: dtype, shape, shape_signature, rank,
quantization. (MLIR prints no operator versions, no ``quantized_bias_type`` and no RESHAPE
``new_shape`` option; those are not compared.)

How tensors are matched: MLIR SSA values and flatbuffer tensor indices do not correspond by
index (the importer creates a value per use of a constant, drops unused tensors, ...), so the
two tensors compared are those in the same operator slot (op i, input/output k) and in the
same subgraph input/output position. Two printing facts are allowed for, and only these:
- trailing omitted optional inputs (-1) are ignored: MLIR always prints them (``tfl.no_value``),
  older files leave them out;
- calibration min/max are compared only where MLIR can carry them (``quantfork.stats`` on a
  non-constant float tensor without scales); the importer drops them elsewhere.

The Analyzer runs once for all models in one subprocess (it crashes on a few; those are
restarted past) and its output is cached in the system temp dir, keyed by the models' sizes
and mtimes and the TensorFlow version, so reruns take well under a second.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import ROOT, corpus_files, corpus_ids, needs_corpus, sample_models
from tfl_inspect.model import Model, Quantization, Subgraph, Tensor
from tfl_inspect.readers.flatbuffer import read_flatbuffer
from tfl_inspect.readers.mlir import read_mlir

pytestmark = pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None, reason="the Analyzer needs TensorFlow")

SAMPLES = sample_models()
CORPUS_MODELS = corpus_files("litert")
MODELS = SAMPLES + CORPUS_MODELS

# Where the MLIR genuinely says something else than the file: not reader bugs.
KNOWN_DIFFERENCES = {
    "string_input_model.bin": "the importer folds the file's no-op RESHAPE (same shape in and out) away",
    "qwen_fc_blockwise_quantized.tflite": "MLIR prints the INT4 weights as plain i4: no blockwise quantization",
}


def _cache_dir() -> Path:
    tf_version = "unknown"
    for dist in ("tensorflow-cpu", "tensorflow", "tf-nightly"):
        try:
            tf_version = f"{dist}=={importlib.metadata.version(dist)}"
            break
        except importlib.metadata.PackageNotFoundError:
            continue
    h = hashlib.sha1(tf_version.encode())
    for p in MODELS:
        st = p.stat()
        h.update(f"{p}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return Path(tempfile.gettempdir()) / f"tfl-inspect-analyzer-{h.hexdigest()[:16]}"


@pytest.fixture(scope="session")
def analyzer_mlir() -> dict[Path, str | None]:
    sys.path.insert(0, str(ROOT / "tests" / "fixtures_mlir"))
    try:
        from capture_analyzer import capture
    finally:
        sys.path.pop(0)
    return capture(MODELS, _cache_dir())


def _q(q: Quantization | None, minmax: bool) -> tuple | None:
    if q is None:
        return None
    if not minmax:
        q = replace(q, min=(), max=())
        if not q.scale and not q.details:
            return None

    def f(xs: tuple[float, ...]) -> tuple[float, ...]:
        return tuple(float(f"{x:.7g}") for x in xs)

    axis = q.quantized_dimension if len(q.scale) > 1 or len(q.min) > 1 else 0
    return (f(q.scale), tuple(q.zero_point), f(q.min), f(q.max), axis, q.details)


def _key(t: Tensor, minmax: bool) -> tuple:
    return (t.dtype, t.shape, t.shape_signature, t.has_rank, _q(t.quantization, minmax))


def _minmax_printable(t: Tensor) -> bool:
    scaled = t.quantization is not None and bool(t.quantization.scale)
    return t.dtype in ("FLOAT32", "FLOAT16") and not t.is_constant and not scaled


def _strip(indices: tuple[int, ...]) -> list[int]:
    out = list(indices)
    while out and out[-1] < 0:
        out.pop()
    return out


def _same(diffs: list[str], where: str, a: Subgraph, ta: int, b: Subgraph, tb: int) -> None:
    if (ta < 0) != (tb < 0):
        diffs.append(f"{where}: {ta} vs {tb}")
    elif ta >= 0:
        mm = _minmax_printable(a.tensors[ta])
        ka, kb = _key(a.tensors[ta], mm), _key(b.tensors[tb], mm)
        if ka != kb:
            diffs.append(f"{where}: {ka} vs {kb}")


def differences(fb: Model, ml: Model) -> list[str]:
    """Human-readable differences (empty when the models agree)."""
    diffs: list[str] = []
    if len(fb.subgraphs) != len(ml.subgraphs):
        diffs.append(f"{len(fb.subgraphs)} subgraphs vs {len(ml.subgraphs)}")
    for a, b in zip(fb.subgraphs, ml.subgraphs, strict=False):
        ops_a = [o.opcode for o in a.operators]
        ops_b = [o.opcode for o in b.operators]
        if ops_a != ops_b:
            diffs.append(f"subgraph {a.index} operators {ops_a} vs {ops_b}")
            continue
        for x, y in zip(a.operators, b.operators, strict=True):
            xi, yi = _strip(x.inputs), _strip(y.inputs)
            where = f"subgraph {a.index} op {x.index} {x.opcode}"
            if len(xi) != len(yi) or len(x.outputs) != len(y.outputs):
                diffs.append(f"{where}: {len(xi)}/{len(x.outputs)} operands vs {len(yi)}/{len(y.outputs)}")
                continue
            for k, (ta, tb) in enumerate(zip(xi, yi, strict=True)):
                _same(diffs, f"{where} input {k}", a, ta, b, tb)
            for k, (ta, tb) in enumerate(zip(x.outputs, y.outputs, strict=True)):
                _same(diffs, f"{where} output {k}", a, ta, b, tb)
            for key in sorted(set(x.options) & set(y.options)):
                if x.options[key] != y.options[key]:
                    diffs.append(f"{where} option {key}: {x.options[key]!r} vs {y.options[key]!r}")
        for role, xs, ys in (("input", a.inputs, b.inputs), ("output", a.outputs, b.outputs)):
            if len(xs) != len(ys):
                diffs.append(f"subgraph {a.index}: {len(xs)} {role}s vs {len(ys)}")
                continue
            for k, (ta, tb) in enumerate(zip(xs, ys, strict=True)):
                _same(diffs, f"subgraph {a.index} {role} {k}", a, ta, b, tb)
    return diffs


def _compare(path: Path, text: str | None) -> tuple[str, list[str]]:
    """("agree" | "differ" | "unprintable" | "unreadable", differences)."""
    if text is None or "module" not in text:
        return "unprintable", []
    try:
        fb = read_flatbuffer(path)
    except Exception as exc:
        return "unreadable", [str(exc)]
    ml = read_mlir(text.encode(), f"{path.name}.mlir")
    diffs = differences(fb, ml)
    return ("differ" if diffs else "agree"), diffs


@pytest.mark.parametrize("path", MODELS, ids=corpus_ids(MODELS))
def test_analyzer_mlir_reads_as_the_flatbuffer(path: Path, analyzer_mlir: dict[Path, str | None]) -> None:
    status, diffs = _compare(path, analyzer_mlir[path])
    if status == "unprintable":
        pytest.skip("the Analyzer prints nothing for this file (or crashes on it)")
    if status == "unreadable":
        pytest.skip(f"the flatbuffer reader refuses the file: {diffs[0]}")
    if path.name in KNOWN_DIFFERENCES:
        assert diffs, f"{path.name} now agrees: remove it from KNOWN_DIFFERENCES"
        pytest.xfail(KNOWN_DIFFERENCES[path.name])
    assert not diffs, "\n".join(diffs[:10])


def test_agreement_figure(analyzer_mlir: dict[Path, str | None]) -> None:
    """Every sample and all but the known cases agree (the corpus: at least 30 compared, below)."""
    results = {p: _compare(p, analyzer_mlir[p])[0] for p in MODELS}
    compared = [p for p, s in results.items() if s in ("agree", "differ")]
    agree = [p for p in compared if results[p] == "agree"]
    corpus_compared = [p for p in compared if p in CORPUS_MODELS]
    summary = {
        "models": len(MODELS),
        "compared": len(compared),
        "agree": len(agree),
        "corpus_compared": len(corpus_compared),
        "samples_agree": sum(results[p] == "agree" for p in SAMPLES),
        "samples": len(SAMPLES),
        "unprintable": sorted(str(p.name) for p, s in results.items() if s == "unprintable"),
        "differ": sorted(str(p.name) for p in compared if results[p] == "differ"),
    }
    (_cache_dir() / "agreement.json").write_text(json.dumps(summary, indent=2))
    print(f"\nMLIR vs flatbuffer: {len(agree)}/{len(compared)} models agree ({summary})")
    assert summary["samples_agree"] == len(SAMPLES)
    assert set(summary["differ"]) <= set(KNOWN_DIFFERENCES)


@needs_corpus
def test_agreement_covers_the_corpus(analyzer_mlir: dict[Path, str | None]) -> None:
    compared = [p for p in CORPUS_MODELS if _compare(p, analyzer_mlir[p])[0] in ("agree", "differ")]
    assert len(compared) >= 30
