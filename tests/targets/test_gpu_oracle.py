"""``compat -t gpu`` against LiteRT's GPU accelerator itself, op for op (issue 20's acceptance).

Models: every sample (samples/ and samples/torch/), every corpus model, the third-party models and the
converter-made fixtures (tests/targets/make_fixtures.py, make_gpu_fixtures.py). The accelerator
(ai-edge-litert 2.3.0 on Mesa's software Vulkan, set up by ``make oracles``) gives per subgraph the ops
it would take; a model it cannot load at all gives no verdict and is not counted. A DEQUANTIZE of
constant float16 weights is absorbed by its consumer and is not counted as an op. A decomposition
subgraph of a composite the accelerator takes is not run and not counted. The figures are printed;
where the oracle cannot be set up the test skips with the reason. Verdicts are cached on disk
(tests/data/oracle_cache), so only a first run pays for the accelerator (about a minute, one child
process creating the models in turn).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import SAMPLES, corpus_files, thirdparty_models
from tests.targets.measure_oracles import GpuTally, measure_gpu, print_gpu
from tests.targets.oracles import gpu as gpu_oracle
from tfl_inspect.targets import compat


@pytest.fixture(scope="session")  # session: set up before the (session) fixtures it spares converting
def gpu_ready() -> None:
    reason = gpu_oracle.gpu_skip_reason()
    if reason:
        pytest.skip(reason)


def _models(converted: dict[str, Path], gpu_fixtures: dict[str, Path]) -> list[Path]:
    samples = sorted(SAMPLES.glob("*.tflite")) + sorted((SAMPLES / "torch").glob("*.tflite"))
    return [*samples, *corpus_files(), *thirdparty_models(), *converted.values(), *gpu_fixtures.values()]


def test_gpu_agrees_with_the_accelerator_op_for_op(
    gpu_ready: None, converted: dict[str, Path], gpu_fixtures: dict[str, Path]
) -> None:
    models = _models(converted, gpu_fixtures)
    gpu_oracle.gpu_verdicts(models)
    tally = GpuTally()
    for path in models:
        measure_gpu(path, tally)
    out = io.StringIO()
    print_gpu(tally, out)
    figures = out.getvalue()
    print(figures)  # shown with -s, and in the report of a failure
    assert tally.decided > (200 if corpus_files() else 20), figures  # the shared corpus holds most models
    assert tally.agree == tally.ops, figures
    assert sorted(tally.refused) == sorted(tally.refused_agree), figures
    assert not tally.we_refuse_only, figures


def test_refusals_name_the_tensor_the_runtime_names(
    gpu_ready: None, converted: dict[str, Path], gpu_fixtures: dict[str, Path]
) -> None:
    """Every model the accelerator refuses, we refuse with its reason: the dynamic-sized tensor it logs
    ("tensor#N"; -1 when a RESHAPE's Prepare could not size its output, where we name that output)."""
    refused = 0
    for path, verdict in gpu_oracle.gpu_verdicts(_models(converted, gpu_fixtures)).items():
        if verdict.status != gpu_oracle.REFUSED:
            continue
        refused += 1
        report = compat(tfl_inspect.load(path), targets="gpu").targets["gpu"]
        (reason,) = report.model_reasons
        assert reason.code == "DYNAMIC_TENSOR" and reason.message.startswith(
            "the GPU accelerator refuses this model: tensor #"
        ), (path, reason.message)
        logged = int(re.search(r"tensor#(-?\d+)", verdict.message).group(1))  # type: ignore[union-attr]
        ours = int(re.search(r"tensor #(-?\d+)", reason.message).group(1))  # type: ignore[union-attr]
        assert logged in (ours, -1), (path, verdict.message, reason.message)
        assert report.supported_ops == 0 and not report.partitions
    assert refused >= (15 if corpus_files() else 1)
