"""Float Keras conv/dense fixtures with TensorFlow's own profiler counts (needs TensorFlow).

``python tests/profiling/tf_profiler_counts.py OUT_DIR`` writes ``NAME.tflite`` per fixture and
``counts.json``: per fixture, the profiler's float-op count summed per TF op type, from
``tf.compat.v1.profiler.profile(graph, options=float_operation())`` on the frozen concrete
function's graph.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import (
    convert_variables_to_constants_v2,
)


def _fixtures():  # type: ignore[no-untyped-def]
    k, layers = tf.keras, tf.keras.layers
    yield (
        "conv",
        (1, 20, 20, 3),
        k.Sequential(
            [
                k.Input((20, 20, 3)),
                layers.Conv2D(16, 3, activation="relu"),
                layers.Conv2D(8, 5, strides=2, padding="same"),
            ]
        ),
    )
    yield (
        "depthwise",
        (1, 12, 12, 6),
        k.Sequential(
            [k.Input((12, 12, 6)), layers.DepthwiseConv2D(3, depth_multiplier=2), layers.Conv2D(4, 1, use_bias=False)]
        ),
    )
    yield (
        "dense",
        (1, 48),
        k.Sequential(
            [
                k.Input((48,)),
                layers.Dense(64, activation="relu"),
                layers.Dense(32),
                layers.Dense(10, activation="softmax"),
            ]
        ),
    )


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tf.keras.utils.set_random_seed(0)
    counts: dict[str, dict[str, int]] = {}
    for name, shape, model in _fixtures():
        fn = tf.function(lambda x, m=model: m(x), input_signature=[tf.TensorSpec(shape, tf.float32)])
        concrete = fn.get_concrete_function()
        frozen = convert_variables_to_constants_v2(concrete)
        graph = frozen.graph
        opts = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
        opts["output"] = "none"
        prof = tf.compat.v1.profiler.profile(graph, options=opts)
        by_type: dict[str, int] = {}
        for child in prof.children:
            op_type = graph.get_operation_by_name(child.name).type
            by_type[op_type] = by_type.get(op_type, 0) + int(child.float_ops)
        counts[name] = by_type
        conv = tf.lite.TFLiteConverter.from_keras_model(model)
        (out / f"{name}.tflite").write_bytes(conv.convert())
    (out / "counts.json").write_text(json.dumps(counts, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
