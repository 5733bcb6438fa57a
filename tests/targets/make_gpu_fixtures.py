"""Converter-made models for the kinds of op the GPU accelerator decides differently from the classic delegate.

``python -m tests.targets.make_gpu_fixtures OUTDIR`` (a child process: it imports TensorFlow) writes one
``.tflite`` per kind issue 20 lists: rank-2 SLICE, DYNAMIC_UPDATE_SLICE with run-time indices, int16
(16x8 quantization) and int32 operands, sparse float16 weights (DENSIFY + DEQUANTIZE), float16 weights
with a PAD in a partly delegated model, unrolled LSTM and GRU, and UpSampling2D whose size comes from
SHAPE -> STRIDED_SLICE -> CONCATENATION -> RESHAPE. Seeds are fixed; the models are tiny.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

NAMES = (
    "slice_rank2 slice_rank2_relu dus_runtime_index int16_a16w8 int32_arith sparse_fp16 fp16_pad_partial "
    "lstm_unrolled gru_unrolled upsampling_shape_chain"
).split()


def main(out: Path) -> int:
    import keras
    import numpy as np
    import tensorflow as tf
    from tensorflow.compiler.tf2xla.python import xla

    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)

    def save(conv: tf.lite.TFLiteConverter, name: str) -> None:
        (out / f"{name}.tflite").write_bytes(conv.convert())

    def from_fn(fn: tf.types.experimental.GenericFunction, specs: list[tf.TensorSpec]) -> tf.lite.TFLiteConverter:
        return tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function(*specs)], fn)

    @tf.function
    def slice2(x):  # type: ignore[no-untyped-def]
        return tf.slice(x, [0, 2], [1, 8]) * 2.0

    save(from_fn(slice2, [tf.TensorSpec([1, 16], tf.float32)]), "slice_rank2")

    @tf.function
    def slice2_relu(x):  # type: ignore[no-untyped-def]
        return tf.slice(tf.nn.relu(x), [1, 2], [2, 8]) + 1.0

    save(from_fn(slice2_relu, [tf.TensorSpec([4, 16], tf.float32)]), "slice_rank2_relu")

    @tf.function
    def dus(cache, update, pos):  # type: ignore[no-untyped-def]
        return xla.dynamic_update_slice(cache, update, tf.stack([0, pos[0], 0])) * 1.0

    specs = [tf.TensorSpec([1, 8, 16], tf.float32), tf.TensorSpec([1, 1, 16], tf.float32), tf.TensorSpec([1], tf.int32)]
    save(from_fn(dus, specs), "dus_runtime_index")

    def small_cnn(pad: bool = False) -> keras.Model:
        keras.utils.set_random_seed(0)
        x = keras.Input((8, 8, 4), batch_size=1, name="image")
        y = keras.layers.ZeroPadding2D(1)(x) if pad else x
        y = keras.layers.Conv2D(8, 3, padding="valid" if pad else "same", activation="relu")(y)
        z = keras.layers.Conv2D(8, 1)(y)
        y = keras.layers.Multiply()([keras.layers.Add()([y, z]), z])  # int16 ADD and MUL under 16x8
        return keras.Model(x, y)

    conv = tf.lite.TFLiteConverter.from_keras_model(small_cnn())
    conv.optimizations = [tf.lite.Optimize.DEFAULT]

    def rep():  # type: ignore[no-untyped-def]
        for _ in range(8):
            yield [rng.standard_normal((1, 8, 8, 4)).astype("float32")]

    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    save(conv, "int16_a16w8")

    @tf.function
    def int32_arith(a, b):  # type: ignore[no-untyped-def]
        s = a + b
        m = tf.math.floormod(s * 3, 7)
        return tf.reshape(tf.cast(m < 4, tf.float32), [2, 8]), tf.reshape(m - b, [16])

    specs = [tf.TensorSpec([1, 16], tf.int32), tf.TensorSpec([1, 16], tf.int32)]
    save(from_fn(int32_arith, specs), "int32_arith")

    keras.utils.set_random_seed(0)
    x = keras.Input((16, 16, 8), batch_size=1, name="image")
    y = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    y = keras.layers.Conv2D(32, 3, padding="same")(y)
    sparse_model = keras.Model(x, y)
    for layer in sparse_model.layers:  # 90% zeros in 4-wide blocks: the converter stores them sparse
        w = layer.get_weights()
        if w:
            k = w[0]
            mask = rng.random((*k.shape[:-1], k.shape[-1] // 4)) < 0.9
            w[0] = np.where(np.repeat(mask, 4, axis=-1), 0.0, k).astype("float32")
            layer.set_weights(w)
    conv = tf.lite.TFLiteConverter.from_keras_model(sparse_model)
    conv.optimizations = [tf.lite.Optimize.EXPERIMENTAL_SPARSITY, tf.lite.Optimize.DEFAULT]
    conv.target_spec.supported_types = [tf.float16]
    save(conv, "sparse_fp16")

    keras.utils.set_random_seed(0)
    x = keras.Input((8, 8, 4), batch_size=1, name="image")
    y = keras.layers.ZeroPadding2D(((0, 1), (0, 1)))(x)  # uneven: not folded into the convolution
    y = keras.layers.Conv2D(8, 3, strides=2, activation="relu")(y)
    y = keras.layers.MaxPooling2D(2)(keras.layers.ZeroPadding2D(((1, 0), (1, 0)))(y))
    z = keras.layers.Lambda(lambda t: tf.nn.log_softmax(t, axis=-1))(y)  # LOG_SOFTMAX: no GPU parser
    z = keras.layers.Conv2D(4, 1)(z)
    conv = tf.lite.TFLiteConverter.from_keras_model(keras.Model(x, z))
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.target_spec.supported_types = [tf.float16]
    save(conv, "fp16_pad_partial")

    for name, layer in (("lstm_unrolled", keras.layers.LSTM), ("gru_unrolled", keras.layers.GRU)):
        keras.utils.set_random_seed(0)
        x = keras.Input((6, 8), batch_size=1, name="sequence")
        y = layer(16, unroll=True)(x)
        y = keras.layers.Dense(4)(y)
        save(tf.lite.TFLiteConverter.from_keras_model(keras.Model(x, y)), name)

    keras.utils.set_random_seed(0)
    x = keras.Input((6, 6, 2), batch_size=None, name="image")  # unknown batch: the converter keeps SHAPE
    y = keras.layers.UpSampling2D(2)(x)
    y = keras.layers.Conv2D(3, 3, padding="same")(y)
    save(tf.lite.TFLiteConverter.from_keras_model(keras.Model(x, y)), "upsampling_shape_chain")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
