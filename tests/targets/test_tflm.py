"""TFLite Micro: the tflite-micro interpreter loads a model ⇔ we say every op runs; the op it names is flagged."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import in_corpus, needs_corpus, sample, sample_models, thirdparty_models
from tests.targets.litert_oracle import ARENA_SIZE
from tfl_inspect.profiling.tflm_planner import plan
from tfl_inspect.remedies import say
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
    assert first.reason.code == "UNSUPPORTED_INPUT_TYPE" and "float16" in say(first.reason.fix or "")


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


_LOADS = r"""
import sys
from tflite_micro.python.tflite_micro import runtime
runtime.Interpreter.from_file(sys.argv[1], arena_size=int(sys.argv[2]))
"""


def _tflm_loads(path: Path, arena: int) -> bool:
    """Whether TFLite Micro allocates the model in ``arena`` bytes (a child: tiny arenas can crash it)."""
    return subprocess.run([sys.executable, "-c", _LOADS, str(path), str(arena)], capture_output=True).returncode == 0


def test_arena_check_is_the_planner_and_a_lower_bound_of_tflite_micro() -> None:
    """Below the planned arena TFLM fails and we say so; at TFLM's own minimum we do not."""
    pytest.importorskip("tflite_micro", reason="the tflite-micro package is the TFLM oracle")
    wakeword = [p for p in thirdparty_models() if p.parent.name == "pymicro-wakeword"][:1]  # variables: persistent
    for path in (sample("dense_int8.tflite"), sample("classifier_flatten.tflite"), *wakeword):
        model = tfl_inspect.load(path)
        p = plan(model)
        need = p.arena_bytes + p.persistent_bytes
        assert _tflm_loads(path, ARENA_SIZE), path
        assert not _tflm_loads(path, need - 1), path
        (blocker,) = check_model(model, need - 1)[1]
        assert blocker.code == "MODEL_LIMIT" and f"at least {need:,} bytes" in blocker.message
        lo, hi = need - 1, 2 * need + 64 * 1024  # TFLM fails at lo; find its smallest arena by bisection
        while not _tflm_loads(path, hi):
            lo, hi = hi, 2 * hi
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if _tflm_loads(path, mid) else (mid, hi)
        assert not check_model(model, hi)[1], (path, need, hi)
        report = compat(model, targets="tflm", arena_size=need - 1).targets["tflm"]
        assert not report.whole_model and report.model_reasons[0].code == "MODEL_LIMIT"


# What each held-out model exercises (tests/targets/conftest.py HELD_OUT_EDITS, make_tflm_fixtures.py) and the
# reason code we must give the op TFLM names; None: TFLM loads it.
HELD_OUT = {
    "mlp_16x8": None,
    "mlp_int8_sigmoid": None,
    "mlp_int8_softmax": None,
    "transpose_5d": None,
    "transpose_6d": "UNSUPPORTED_OPERAND_RANK",
    "string_reshape": "UNSUPPORTED_INPUT_TYPE",
    "logistic8_zp": "UNSUPPORTED_QUANTIZATION_PARAMETERS",
    "logistic8_scale_only": None,
    "logistic16_scale": "UNSUPPORTED_QUANTIZATION_PARAMETERS",
    "logistic16_zp": "UNSUPPORTED_QUANTIZATION_PARAMETERS",
    "softmax8_zp": "UNSUPPORTED_QUANTIZATION_PARAMETERS",
    "fc_relu_output_unquantized": "UNSUPPORTED_QUANTIZATION_PARAMETERS",
    "fc_relu_output_no_zero_point": "UNSUPPORTED_QUANTIZATION_PARAMETERS",
    "fc_input_unquantized": None,
    "fc_scales_short": "UNSUPPORTED_QUANTIZATION_PARAMETERS",
    "fc_scales_per_tensor": None,
    "quantize_no_zero_point": "UNSUPPORTED_QUANTIZATION_PARAMETERS",
}


def test_held_out_prepare_checks_match_tflite_micro(tflm_held_out: dict[str, Path]) -> None:
    """LOGISTIC's and SOFTMAX's fixed output parameters, missing scales and zero points, FULLY_CONNECTED's
    per-channel scale count, TRANSPOSE's rank limit, STRING tensors: TFLM's verdict, ours, and the op it names."""
    pytest.importorskip("tflite_micro", reason="the tflite-micro package is the TFLM oracle")
    from tests.targets.litert_oracle import run

    assert set(tflm_held_out) == set(HELD_OUT)
    real = run("tflm", [str(p) for p in tflm_held_out.values()])
    for name, path in tflm_held_out.items():
        verdict = real[str(path)]
        expected = HELD_OUT[name]
        assert verdict["loads"] == (expected is None), (name, str(verdict["stderr"])[-300:])
        report = compat(tfl_inspect.load(path), targets="tflm", arena_size=ARENA_SIZE).targets["tflm"]
        assert report.whole_model == verdict["loads"], (name, report.model_reasons)
        if expected is not None:
            named = _named(str(verdict["stderr"]))
            assert named is not None, (name, verdict["stderr"])
            builtin, number = named
            flagged = [
                v
                for v in report.operators
                if not v.supported and v.opcode == builtin and (number is None or v.index == number)
            ]
            assert flagged and flagged[0].reasons[0].code == expected, (name, named, report.operators)
