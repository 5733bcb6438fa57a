"""TFLite Micro: the tflite-micro interpreter loads a model ⇔ we say every op runs; the op it names is flagged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import in_corpus, needs_corpus, sample_models
from tests.targets.litert_oracle import ARENA_SIZE
from tfl_inspect.targets import compat
from tfl_inspect.targets.tflm import check_model

_NAMED = (
    re.compile(r"Node (\S+) \(number (\d+)\) failed to prepare"),
    re.compile(r"Failed to get registration from op code (\S+)"),
)


def _named(stderr: str) -> tuple[str, int | None] | None:
    for pattern in _NAMED:
        m = pattern.search(stderr)
        if m:
            return m.group(1), int(m.group(2)) if m.lastindex == 2 else None
    return None


@pytest.mark.parametrize("part", ["samples+thirdparty+fixtures", pytest.param("corpus", marks=needs_corpus)])
def test_load_verdict_matches_tflite_micro(tflm_oracle: dict[str, dict[str, object]], part: str) -> None:
    agree = loads = 0
    mismatches: list[str] = []
    oracle = {p: r for p, r in tflm_oracle.items() if in_corpus(p) == (part == "corpus")}
    for path, real in oracle.items():
        assert "error" not in real, (path, real)
        model = tfl_inspect.load(path)
        report = compat(model, targets="tflm", arena_size=ARENA_SIZE).targets["tflm"]
        ok = report.whole_model == real["loads"]
        if ok and not real["loads"]:
            named = _named(str(real["stderr"]))
            if named is not None:  # the op TFLM names must be one we flag
                builtin, number = named
                ok = any(
                    not v.supported
                    and model.subgraphs[v.subgraph].operators[v.index].builtin == builtin
                    and (number is None or v.index == number)
                    for v in report.operators
                )
        if ok:
            agree += 1
        else:
            mismatches.append(
                f"{Path(path).name}: loads={real['loads']} ours={report.whole_model} {str(real['stderr'])[-200:]}"
            )
        loads += bool(real["loads"])
    print(f"\nTFLite Micro: {agree}/{len(oracle)} models agree ({loads} load, {len(oracle) - loads} fail)")
    # Every model LiteRT loads: all samples but the Flex one; the corpus adds 100+ more.
    assert len(oracle) >= (100 if part == "corpus" else len(sample_models()) - 1) and not mismatches, mismatches[:20]


def test_float16_dequantize_is_named_with_a_fix(converted: dict[str, Path]) -> None:
    rejected, _ = check_model(tfl_inspect.load(converted["cnn_float16"]))
    first = rejected[min(rejected)]
    assert first.reason.code == "UNSUPPORTED_INPUT_TYPE" and "float16" in (first.reason.fix or "")


def test_hybrid_fully_connected_is_rejected(converted: dict[str, Path]) -> None:
    rejected, _ = check_model(tfl_inspect.load(converted["lstm_dynamic_range"]))
    assert any(r.reason.code == "UNSUPPORTED_HYBRID_OPERATOR" for r in rejected.values())


@needs_corpus
def test_string_tensors_block_the_load(tmp_path: Path) -> None:
    from tests.conftest import require_corpus

    corpus = require_corpus()
    path = next(corpus.rglob("string_input_model_with_signature.bin"))
    report = compat(tfl_inspect.load(path), targets="tflm").targets["tflm"]
    assert not report.whole_model and report.model_reasons[0].code == "UNSUPPORTED_INPUT_TYPE"
