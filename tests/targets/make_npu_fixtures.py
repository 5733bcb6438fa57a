"""Converter-made models that each test one NPU plugin condition (run as a child process: it imports TensorFlow).

``python -m tests.targets.make_npu_fixtures OUTDIR`` writes tiny ``.tflite`` models for the
conditions QNN's validator checks (tfl_inspect/targets/_qnn.py) that the corpus shows at most once:
ARG_MAX's index type, GATHER with a scalar index, STRIDED_SLICE down to a scalar, rank 5 against
rank 6, unknown dims that do and do not change an op's output (the plugin validates with each
unknown dim as 1), a reduction to a scalar, int32 data movement, a 16x8 BATCH_MATMUL of two
activations (HTP generation), a dynamic-range convolution and DYNAMIC_UPDATE_SLICE of a rank-3 and a
rank-4 cache (the plugin's select-based update). The agreement tests run the real
plugins on them with the other models.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

NAMES = (
    "argmax_int32 argmax_int64 gather_scalar_index gather_vector_index strided_slice_to_scalar "
    "strided_slice_drop_one_dim mul_rank5 mul_rank6 broadcast_to_rank6 dynamic_batch_dense dynamic_hw_conv_same "
    "dynamic_hw_pad_conv_valid dynamic_hw_mean reduce_to_scalar int32_arithmetic space_to_depth_int32 "
    "matmul_16x8 conv_dynamic_range dynamic_update_slice_rank3 dynamic_update_slice_rank4"
).split()


def main(out: Path) -> int:
    import numpy as np
    import tensorflow as tf

    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    spec = tf.TensorSpec

    def convert(fn, specs, name, quant: str = "") -> None:  # type: ignore[no-untyped-def]
        conv = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function(*specs)], fn)
        if quant:
            conv.optimizations = [tf.lite.Optimize.DEFAULT]
        if quant == "16x8":
            shapes = [[1 if d is None else d for d in s.shape] for s in specs]

            def rep():  # type: ignore[no-untyped-def]
                for _ in range(8):
                    yield [rng.standard_normal(s).astype("float32") for s in shapes]

            conv.representative_dataset = rep
            conv.target_spec.supported_ops = [
                tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
            ]
        (out / f"{name}.tflite").write_bytes(conv.convert())

    f32 = tf.float32
    w = tf.constant(rng.standard_normal((3, 3, 3, 4)).astype("float32"))
    convert(tf.function(lambda x: tf.math.argmax(x * 2.0, 1, output_type=tf.int32)), [spec([1, 32], f32)], NAMES[0])
    convert(tf.function(lambda x: tf.math.argmax(x * 2.0, 1, output_type=tf.int64)), [spec([1, 32], f32)], NAMES[1])
    convert(tf.function(lambda x: tf.gather(x * 2.0, 1, axis=1) + 1.0), [spec([2, 4, 3], f32)], NAMES[2])
    convert(tf.function(lambda x: tf.gather(x * 2.0, [1, 2], axis=1) + 1.0), [spec([2, 4, 3], f32)], NAMES[3])
    convert(tf.function(lambda x: x[1, 2] * 2.0), [spec([4, 3], f32)], NAMES[4])
    convert(tf.function(lambda x: x[:, 1] * 2.0), [spec([4, 3], f32)], NAMES[5])
    convert(tf.function(lambda x, y: x * y), [spec([1, 2, 3, 4, 5], f32)] * 2, NAMES[6])
    convert(tf.function(lambda x, y: x * y), [spec([1, 2, 3, 4, 5, 2], f32)] * 2, NAMES[7])
    convert(
        tf.function(lambda x: tf.broadcast_to(x * 2.0, [2, 1, 3, 4, 5, 2]) + 1.0),
        [spec([1, 1, 3, 1, 5, 2], f32)],
        NAMES[8],
    )
    convert(tf.function(lambda x: tf.nn.relu(tf.matmul(x, tf.ones([8, 4])) + 1.0)), [spec([None, 8], f32)], NAMES[9])
    convert(tf.function(lambda x: tf.nn.conv2d(x, w, 1, "SAME") + 1.0), [spec([1, None, None, 3], f32)], NAMES[10])
    convert(
        tf.function(lambda x: tf.nn.conv2d(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), w, 1, "VALID")),
        [spec([1, None, None, 3], f32)],
        NAMES[11],
    )
    convert(tf.function(lambda x: tf.reduce_mean(x * 2.0, axis=[1, 2])), [spec([1, None, None, 3], f32)], NAMES[12])
    convert(tf.function(lambda x: tf.reduce_sum(x * 2.0) + 1.0), [spec([4, 3], f32)], NAMES[13])
    convert(tf.function(lambda x: tf.reshape(x * 2, [4, 2]) + 1), [spec([2, 4], tf.int32)], NAMES[14])
    convert(tf.function(lambda x: tf.nn.space_to_depth(x + 1, 2)), [spec([1, 8, 8, 3], tf.int32)], NAMES[15])
    convert(
        tf.function(lambda a, b: tf.matmul(tf.nn.relu(a), tf.nn.relu(b), transpose_b=True)),
        [spec([1, 16, 32], f32), spec([1, 24, 32], f32)],
        NAMES[16],
        "16x8",
    )
    big = tf.constant(rng.standard_normal((3, 3, 3, 64)).astype("float32"))
    convert(tf.function(lambda x: tf.nn.conv2d(x, big, 1, "SAME")), [spec([1, 16, 16, 3], f32)], NAMES[17], "dynamic")

    from tensorflow.compiler.tf2xla.python import xla

    def dus(cache, upd, pos):  # type: ignore[no-untyped-def]
        zero = tf.constant(0)
        idx = tf.stack([zero, pos[0], *[zero] * (len(cache.shape) - 2)])
        return xla.dynamic_update_slice(cache, upd, idx) * 1.0

    # the plugin's select broadcasts a [N, 1, 1] condition: right for a rank-4 cache, not for rank 3
    i32 = spec([1], tf.int32)
    convert(tf.function(dus), [spec([1, 8, 16], f32), spec([1, 1, 16], f32), i32], NAMES[18])
    convert(tf.function(dus), [spec([1, 8, 2, 16], f32), spec([1, 1, 2, 16], f32), i32], NAMES[19])
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
