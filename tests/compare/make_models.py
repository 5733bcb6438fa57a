"""Build the diff oracles in a child process (TensorFlow is slow to import and must stay out of the tests).

One small Keras model converted three ways from the same representative data — float, full int8 with
float I/O, full int8 with int8 I/O — plus the reference numbers the tests compare against:
``tf.lite.experimental.QuantizationDebugger``'s per-layer statistics on the same data.

Usage: python tests/compare/make_models.py OUT_DIR
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

N_REPR = 8
SHAPE = (12, 12, 3)


def build_keras():  # type: ignore[no-untyped-def]
    import keras

    keras.utils.set_random_seed(0)
    inp = keras.Input(SHAPE, batch_size=1, name="image")
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="stem")(inp)
    y = keras.layers.DepthwiseConv2D(3, padding="same", name="dw")(x)
    y = keras.layers.ReLU(name="dw_relu")(y)
    x = keras.layers.Add(name="residual")([x, y])
    x = keras.layers.MaxPooling2D(2, name="pool")(x)
    x = keras.layers.Conv2D(16, 3, padding="valid", activation="relu6", name="conv2")(x)
    x = keras.layers.Flatten(name="flat")(x)
    x = keras.layers.Dense(10, name="logits")(x)
    out = keras.layers.Softmax(name="probs")(x)
    return keras.Model(inp, out, name="tiny")


def main(out: Path) -> None:
    import tensorflow as tf

    out.mkdir(parents=True, exist_ok=True)
    model = build_keras()
    rng = np.random.default_rng(0)
    data = rng.uniform(-1.0, 1.0, size=(N_REPR, 1, *SHAPE)).astype(np.float32)

    def representative():  # type: ignore[no-untyped-def]
        for sample in data:
            yield [sample]

    def converter(int8: bool, int_io: bool):  # type: ignore[no-untyped-def]
        conv = tf.lite.TFLiteConverter.from_keras_model(model)
        if int8:
            conv.optimizations = [tf.lite.Optimize.DEFAULT]
            conv.representative_dataset = representative
            conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if int_io:
            conv.inference_input_type = tf.int8
            conv.inference_output_type = tf.int8
        return conv

    (out / "float.tflite").write_bytes(converter(False, False).convert())
    (out / "int8_float_io.tflite").write_bytes(converter(True, False).convert())
    (out / "int8_int8_io.tflite").write_bytes(converter(True, True).convert())
    np.savez(out / "repr.npz", image=data)

    debugger = tf.lite.experimental.QuantizationDebugger(converter=converter(True, False), debug_dataset=representative)
    (out / "qdebug_model.tflite").write_bytes(debugger.quant_model)
    # The debugger's own interpreter applies XNNPACK, which rewrites ops and changes values. tfl-inspect
    # runs LiteRT without default delegates, so the debugger's statistics are collected (by its own code)
    # on the same runtime: LiteRT's interpreter without delegates, then TensorFlow's without delegates.
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    runtimes = {
        "qdebug.json": Interpreter(
            model_content=debugger.quant_model,
            experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        ),
        "qdebug_tf.json": tf.lite.Interpreter(
            model_content=debugger.quant_model,
            experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        ),
    }
    for name, interpreter in runtimes.items():
        debugger._quant_interpreter = interpreter
        debugger._initialize_stats()
        debugger.run()
        stats = {k: {m: float(v) for m, v in ms.items()} for k, ms in debugger.layer_statistics.items()}
        (out / name).write_text(json.dumps(stats, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
