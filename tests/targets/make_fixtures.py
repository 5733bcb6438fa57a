"""Converter-made models for the compat oracle tests (run as a child process: it imports TensorFlow).

``python -m tests.targets.make_fixtures OUTDIR`` writes one ``.tflite`` per scenario the issue
names: float, full int8, int8 with float I/O, float16 weights, dynamic range, dynamic batch,
UpSampling2D (static and dynamic batch), Conv2DTranspose, TOPK_V2/ARG_MAX/CUMSUM, LSTM, plus a
depthwise/pooling/concat mix. Seeds are fixed; the models are tiny.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main(out: Path) -> int:
    import keras
    import numpy as np
    import tensorflow as tf

    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)

    def convert(model: keras.Model, name: str, mode: str = "float", shape: tuple[int, ...] | None = None) -> None:
        conv = tf.lite.TFLiteConverter.from_keras_model(model)
        if mode != "float":
            conv.optimizations = [tf.lite.Optimize.DEFAULT]
        if mode == "float16":
            conv.target_spec.supported_types = [tf.float16]
        if mode in ("int8", "int8_float_io"):
            in_shape = shape or tuple(1 if d is None else d for d in model.inputs[0].shape)

            def rep():  # type: ignore[no-untyped-def]
                for _ in range(8):
                    yield [rng.standard_normal(in_shape).astype("float32")]

            conv.representative_dataset = rep
            if mode == "int8":
                conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
                conv.inference_input_type = tf.int8
                conv.inference_output_type = tf.int8
        (out / f"{name}.tflite").write_bytes(conv.convert())

    def cnn(batch: int | None = 1) -> keras.Model:
        keras.utils.set_random_seed(0)
        x = keras.Input((16, 16, 3), batch_size=batch, name="image")
        y = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(x)
        y = keras.layers.DepthwiseConv2D(3, padding="same", activation="relu6")(y)
        y = keras.layers.MaxPooling2D(2)(y)
        z = keras.layers.AveragePooling2D(2)(y)
        z = keras.layers.UpSampling2D(interpolation="bilinear")(z)
        y = keras.layers.Concatenate()([y, z])
        y = keras.layers.GlobalAveragePooling2D()(y)
        y = keras.layers.Dense(10)(y)
        y = keras.layers.Softmax()(y)
        return keras.Model(x, y)

    convert(cnn(), "cnn_float")
    convert(cnn(), "cnn_int8", "int8")
    convert(cnn(), "cnn_int8_float_io", "int8_float_io")
    convert(cnn(), "cnn_float16", "float16")
    convert(cnn(), "cnn_dynamic_range", "dynamic_range")
    convert(cnn(None), "cnn_dynamic_batch")

    def upsampling(batch: int | None) -> keras.Model:
        keras.utils.set_random_seed(0)
        x = keras.Input((8, 8, 3), batch_size=batch, name="image")
        y = keras.layers.UpSampling2D(2)(x)
        y = keras.layers.Conv2D(4, 3, padding="same")(y)
        return keras.Model(x, y)

    convert(upsampling(None), "upsampling_dynamic_batch")
    convert(upsampling(1), "upsampling_batch1")
    convert(upsampling(1), "upsampling_int8", "int8")

    keras.utils.set_random_seed(0)
    x = keras.Input((8, 8, 4), batch_size=1, name="image")
    y = keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same")(x)
    y = keras.layers.Conv2DTranspose(2, 2, strides=1, padding="valid")(y)
    convert(keras.Model(x, y), "conv2d_transpose")

    class TopK(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([1, 32], tf.float32)])
        def __call__(self, x):  # type: ignore[no-untyped-def]
            values, idx = tf.math.top_k(x, k=5)
            return {"values": values, "idx": idx, "argmax": tf.argmax(x, axis=1), "cumsum": tf.cumsum(x, axis=1)}

    mod = TopK()
    conv = tf.lite.TFLiteConverter.from_concrete_functions([mod.__call__.get_concrete_function()], mod)
    (out / "topk_argmax_cumsum.tflite").write_bytes(conv.convert())

    keras.utils.set_random_seed(0)
    x = keras.Input((10, 8), batch_size=1, name="sequence")
    y = keras.layers.LSTM(16)(x)
    y = keras.layers.Dense(4)(y)
    convert(keras.Model(x, y), "lstm")
    convert(keras.Model(x, y), "lstm_dynamic_range", "dynamic_range")

    keras.utils.set_random_seed(0)
    x = keras.Input((32,), batch_size=1, name="features")
    y = keras.layers.Dense(64, activation="tanh")(x)
    y = keras.layers.Dense(8, activation="sigmoid")(y)
    convert(keras.Model(x, y), "mlp_int8", "int8")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
