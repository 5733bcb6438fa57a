"""Converter-made models for TFLite Micro's held-out Prepare checks (run as a child: it imports TensorFlow).

``python -m tests.targets.make_tflm_fixtures OUTDIR`` writes a 16x8 MLP (int16 activations: an int16
LOGISTIC whose output scale TFLM fixes at 2^-15), int8 MLPs (LOGISTIC, SOFTMAX, FC with RELU), rank-6 and
rank-5 TRANSPOSE (TFLM takes at most 5 dims) and a STRING RESHAPE. tests/targets/conftest.py edits
copies of them (and of the samples) into the cases TFLM refuses. Seeds are fixed; the models are tiny.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

NAMES = ("mlp_16x8", "mlp_int8_sigmoid", "mlp_int8_softmax", "transpose_6d", "transpose_5d", "string_reshape")


def main(out: Path) -> int:
    import keras
    import numpy as np
    import tensorflow as tf

    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)

    def mlp(head: str) -> keras.Model:
        keras.utils.set_random_seed(0)
        x = keras.Input((32,), batch_size=1, name="features")
        y = keras.layers.Dense(64, activation="relu")(x)
        y = keras.layers.Dense(8, activation=head)(y)
        return keras.Model(x, y)

    def quantized(model: keras.Model, name: str, int16: bool) -> None:
        conv = tf.lite.TFLiteConverter.from_keras_model(model)
        conv.optimizations = [tf.lite.Optimize.DEFAULT]

        def rep():  # type: ignore[no-untyped-def]
            for _ in range(8):
                yield [rng.standard_normal((1, 32)).astype("float32")]

        conv.representative_dataset = rep
        if int16:
            conv.target_spec.supported_ops = [
                tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
            ]
            conv.inference_input_type = conv.inference_output_type = tf.int16
        else:
            conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            conv.inference_input_type = conv.inference_output_type = tf.int8
        (out / f"{name}.tflite").write_bytes(conv.convert())

    quantized(mlp("sigmoid"), "mlp_16x8", int16=True)
    quantized(mlp("sigmoid"), "mlp_int8_sigmoid", int16=False)
    quantized(mlp("softmax"), "mlp_int8_softmax", int16=False)

    class Held(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([1, 2, 3, 2, 2, 2], tf.float32)])
        def transpose_6d(self, x):  # type: ignore[no-untyped-def]
            return tf.transpose(x, [0, 2, 1, 3, 5, 4]) * 2.0

        @tf.function(input_signature=[tf.TensorSpec([1, 2, 3, 2, 2], tf.float32)])
        def transpose_5d(self, x):  # type: ignore[no-untyped-def]
            return tf.transpose(x, [0, 2, 1, 4, 3]) * 2.0

        @tf.function(input_signature=[tf.TensorSpec([2], tf.string), tf.TensorSpec([2], tf.float32)])
        def string_reshape(self, s, x):  # type: ignore[no-untyped-def]
            return {"s": tf.reshape(s, [2, 1]), "x": x + 1.0}

    held = Held()
    for name in ("transpose_6d", "transpose_5d", "string_reshape"):
        fn = getattr(held, name)
        conv = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], held)
        (out / f"{name}.tflite").write_bytes(conv.convert())
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
