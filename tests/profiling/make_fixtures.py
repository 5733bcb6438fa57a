"""Build the converter-made fixtures the profile tests check against TFLite Micro (needs TensorFlow).

Run as ``python tests/profiling/make_fixtures.py OUT_DIR``: one ``.tflite`` per scenario, each a
case TFLM plans differently (int8 convolutions and depthwise, FC, BATCH_MATMUL, float I/O around
an int8 body, a 16x8 transpose conv, scratch-requesting kernels (ADD_N, LSTM, reductions...),
several subgraphs through IF and WHILE).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import tensorflow as tf


def _int8(fn, shapes, float_io=False):  # type: ignore[no-untyped-def]
    conv = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], fn)
    rng = np.random.default_rng(0)

    def rep():  # type: ignore[no-untyped-def]
        for _ in range(8):
            yield [rng.standard_normal(s).astype(np.float32) for s in shapes]

    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if not float_io:
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    return conv.convert()


def _int16x8(fn, shapes):  # type: ignore[no-untyped-def]
    """16-bit activations, 8-bit weights, int16 I/O (the kernels' 16x8 paths)."""
    conv = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], fn)
    rng = np.random.default_rng(0)

    def rep():  # type: ignore[no-untyped-def]
        for _ in range(8):
            yield [rng.standard_normal(s).astype(np.float32) for s in shapes]

    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    conv.inference_input_type = tf.int16
    conv.inference_output_type = tf.int16
    return conv.convert()


def _float(fn):  # type: ignore[no-untyped-def]
    return tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], fn).convert()


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tf.keras.utils.set_random_seed(0)
    k = tf.keras
    layers = k.layers

    def keras_fn(model, shape):  # type: ignore[no-untyped-def]
        return tf.function(lambda x: model(x), input_signature=[tf.TensorSpec(shape, tf.float32)])

    cnn = k.Sequential(
        [
            k.Input((16, 16, 3)),
            layers.Conv2D(8, 3, activation="relu"),
            layers.DepthwiseConv2D(3, activation="relu"),
            layers.Conv2D(12, 1),
            layers.MaxPooling2D(2),
            layers.GlobalAveragePooling2D(),
            layers.Dense(10),
            layers.Softmax(),
        ]
    )
    fn = keras_fn(cnn, (1, 16, 16, 3))
    (out / "int8_cnn.tflite").write_bytes(_int8(fn, [(1, 16, 16, 3)]))
    (out / "int8_cnn_float_io.tflite").write_bytes(_int8(fn, [(1, 16, 16, 3)], float_io=True))

    mlp = k.Sequential([k.Input((64,)), layers.Dense(32, activation="relu"), layers.Dense(16), layers.Dense(4)])
    (out / "int8_fc.tflite").write_bytes(_int8(keras_fn(mlp, (2, 64)), [(2, 64)]))

    @tf.function(input_signature=[tf.TensorSpec((1, 4, 8), tf.float32), tf.TensorSpec((1, 8, 6), tf.float32)])
    def bmm(x, y):  # type: ignore[no-untyped-def]
        return tf.matmul(x, y)

    (out / "int8_batch_matmul.tflite").write_bytes(_int8(bmm, [(1, 4, 8), (1, 8, 6)]))

    up = k.Sequential(
        [k.Input((8, 8, 4)), layers.Conv2DTranspose(6, 3, strides=2, padding="same"), layers.Conv2D(4, 3)]
    )
    (out / "int8_transpose_conv.tflite").write_bytes(_int8(keras_fn(up, (1, 8, 8, 4)), [(1, 8, 8, 4)]))
    # A non-zero bias keeps the TRANSPOSE_CONV bias operand (int64 in 16x8 models).
    up16 = k.Sequential(
        [
            k.Input((8, 8, 4)),
            layers.Conv2DTranspose(6, 3, strides=2, padding="same", bias_initializer="random_normal"),
            layers.Conv2D(4, 3),
        ]
    )
    (out / "int16_transpose_conv.tflite").write_bytes(_int16x8(keras_fn(up16, (1, 8, 8, 4)), [(1, 8, 8, 4)]))

    @tf.function(input_signature=[tf.TensorSpec((1, 6, 6, 4), tf.float32)])
    def reduce(x):  # type: ignore[no-untyped-def]
        p = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
        return tf.reduce_max(p, axis=[1, 2]), tf.reduce_mean(x, axis=[1, 2]), tf.reduce_sum(x, axis=[3])

    (out / "float_reduce_mirror_pad.tflite").write_bytes(_float(reduce))

    @tf.function(input_signature=[tf.TensorSpec((1, 16), tf.float32), tf.TensorSpec((), tf.int32)])
    def loop(x, n):  # type: ignore[no-untyped-def]
        i = tf.constant(0)
        w = tf.constant(np.full((16, 16), 0.01, np.float32))

        def body(i, x):  # type: ignore[no-untyped-def]
            return i + 1, tf.nn.relu(tf.matmul(x, w) + x)

        _, y = tf.while_loop(lambda i, x: i < n, body, [i, x])
        return y

    (out / "float_while.tflite").write_bytes(_float(loop))

    @tf.function(input_signature=[tf.TensorSpec((1, 32), tf.float32), tf.TensorSpec((), tf.bool)])
    def cond(x, flag):  # type: ignore[no-untyped-def]
        return tf.cond(flag, lambda: tf.nn.relu(x * 2.0 + 1.0), lambda: tf.concat([x, x], 1)[:, :32] - 1.0)

    (out / "float_if.tflite").write_bytes(_float(cond))

    @tf.function(input_signature=[tf.TensorSpec((2, 24), tf.float32)])
    def add_n(x):  # type: ignore[no-untyped-def]
        return tf.math.add_n([x, x * 2.0, tf.nn.relu(x)])

    (out / "float_add_n.tflite").write_bytes(_float(add_n))

    rnn = k.Sequential([k.Input((5, 8), batch_size=1), layers.LSTM(12, return_sequences=True), layers.Dense(3)])
    conv = tf.lite.TFLiteConverter.from_keras_model(rnn)
    (out / "float_lstm.tflite").write_bytes(conv.convert())


if __name__ == "__main__":
    main(Path(sys.argv[1]))
