"""2 × our MACs against TensorFlow's profiler on float Keras conv/dense fixtures.

The profiler (``tf.compat.v1.profiler``, ``float_operation()``) counts 2 × MACs for Conv2D,
DepthwiseConv2dNative and MatMul, plus one per output for BiasAdd and some activations (Softmax).
Its bias and activation terms are removed by summing only the convolution and matmul op types.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tfl_inspect import load
from tfl_inspect.profiling import profile

HERE = Path(__file__).resolve().parent
MAC_TYPES = {"Conv2D", "DepthwiseConv2dNative", "MatMul", "BatchMatMulV2"}


@pytest.fixture(scope="module")
def tf_counts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, int]]]:
    pytest.importorskip("tensorflow")
    out = tmp_path_factory.mktemp("tf_profiler")
    proc = subprocess.run(
        [sys.executable, str(HERE / "tf_profiler_counts.py"), str(out)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out, json.loads((out / "counts.json").read_text())


@pytest.mark.slow
@pytest.mark.parametrize("name", ["conv", "depthwise", "dense"])
def test_twice_macs_equals_tf_profiler(tf_counts: tuple[Path, dict[str, dict[str, int]]], name: str) -> None:
    out, counts = tf_counts
    by_type = counts[name]
    tf_macs_flops = sum(v for k, v in by_type.items() if k in MAC_TYPES)
    removed = {k: v for k, v in by_type.items() if k not in MAC_TYPES}
    prof = profile(load(out / f"{name}.tflite"))
    print(f"{name}: TF profiler {by_type} → {tf_macs_flops} without {removed}; 2 × MACs = {2 * prof.totals.macs}")
    assert tf_macs_flops > 0
    assert 2 * prof.totals.macs == tf_macs_flops
