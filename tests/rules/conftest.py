"""Models the samples do not cover, converted once per session with the real TFLite converter.

Each is the smallest graph that shows one converter behaviour; TensorFlow is imported only
when a test asks for one of them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _from_function(fn: Callable, spec: object, **settings: object) -> bytes:
    import tensorflow as tf

    concrete = tf.function(fn).get_concrete_function(spec)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete], None)
    for key, value in settings.items():
        setattr(converter, key, value)
    return converter.convert()


def _conv_int8() -> bytes:
    """Conv2D (with bias) → pooling → Dense → sigmoid, full-integer with int8 I/O."""
    import keras
    import tensorflow as tf

    inp = keras.Input((8, 8, 3), batch_size=1, name="image")
    x = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(inp)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dense(3, name="dense")(x)
    out = keras.layers.Activation("sigmoid", name="prob")(x)
    model = keras.Model(inp, out)
    rng = np.random.default_rng(0)

    def representative():
        for _ in range(8):
            yield [rng.uniform(-1, 1, (1, 8, 8, 3)).astype(np.float32)]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    return converter.convert()


def _build(name: str) -> bytes:
    import tensorflow as tf

    if name == "batch_reshape":  # tf.reshape with a literal batch of 1 on a None-batch input
        return _from_function(lambda x: tf.reshape(x * 2.0, [1, 8]), tf.TensorSpec([None, 4], tf.float32))
    if name == "unranked":  # TensorSpec(shape=None): not even the rank is known
        return _from_function(lambda x: x * 2.0 + 1.0, tf.TensorSpec(None, tf.float32))
    if name == "fake_quant":  # a FakeQuant node in a float model → QUANTIZE → DEQUANTIZE
        return _from_function(
            lambda x: tf.quantization.fake_quant_with_min_max_args(x, -1.0, 1.0) * 2.0,
            tf.TensorSpec([1, 4], tf.float32),
        )
    if name == "conv_int8":
        return _conv_int8()
    if name == "pinned_resize":  # dynamic H/W, but a resize to a constant 16x12 is concatenated with the input's size
        rng = np.random.default_rng(0)
        w1 = tf.constant(rng.standard_normal((3, 3, 3, 4)).astype(np.float32))
        w2 = tf.constant(rng.standard_normal((3, 3, 4, 8)).astype(np.float32))

        def pinned(x):
            skip = tf.nn.relu(tf.nn.conv2d(x, w1, 1, "SAME"))
            down = tf.nn.relu(tf.nn.conv2d(skip, w2, 2, "SAME"))
            up = tf.image.resize(down, [16, 12], method="nearest")
            return tf.concat([up, skip], axis=-1)

        return _from_function(pinned, tf.TensorSpec([1, None, None, 3], tf.float32, name="image"))
    raise KeyError(name)


@pytest.fixture(scope="session")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``converted("conv_int8")`` → path of that model, converted on first use."""
    pytest.importorskip("tensorflow")
    base = tmp_path_factory.mktemp("converted")
    cache: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in cache:
            path = base / f"{name}.tflite"
            path.write_bytes(_build(name))
            cache[name] = path
        return cache[name]

    return get
