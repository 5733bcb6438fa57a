"""Write a converter-made 16x8 model with float I/O (needs TensorFlow): ``python make_int16.py OUT``.

int16 activations, int8 weights (``EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8``),
with the float QUANTIZE/DEQUANTIZE boundary the converter leaves when the I/O types are not set.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import tensorflow as tf


def main(out: str) -> None:
    tf.keras.utils.set_random_seed(0)
    k = tf.keras
    model = k.Sequential(
        [k.Input((16,), batch_size=1), k.layers.Dense(8, activation="relu"), k.layers.Dense(4), k.layers.Softmax()]
    )
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    rng = np.random.default_rng(0)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([rng.standard_normal((1, 16)).astype(np.float32)] for _ in range(16))
    conv.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    with open(out, "wb") as f:
        f.write(conv.convert())


if __name__ == "__main__":
    main(sys.argv[1])
