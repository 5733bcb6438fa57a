"""Regenerate the MLIR fixtures with the real tools (TensorFlow 2.21): ``python tests/fixtures_mlir/generate.py``.

- ``*.error.txt``: ``str(ConverterError)`` of real failed conversions (Keras 3 models built here).
- ``*.analyzer.mlir``: ``tf.lite.experimental.Analyzer.analyze(model_path=..., experimental_use_mlir=True)``.
- ``dense.tf_debuginfo.mlir``: ``tf.mlir.experimental.convert_function(..., show_debug_info=True)``,
  TensorFlow-dialect MLIR with ``loc(...)`` on every op and ``#loc`` aliases.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))


def _failure(name: str, model: object) -> None:
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    try:
        converter.convert()
    except Exception as exc:
        (HERE / f"{name}.error.txt").write_text(str(exc))
        print(f"{name}.error.txt: {type(exc).__name__}, {len(str(exc))} chars")
        return
    raise SystemExit(f"{name}: expected the conversion to fail, but it succeeded")


def lstm_dynamic_batch() -> object:
    """LSTM over Input((None, 8)): the dynamic *batch* breaks the tensor-list lowering."""
    import keras

    keras.utils.set_random_seed(0)
    seq = keras.Input((None, 8), name="seq")
    return keras.Model(seq, keras.layers.LSTM(4, name="lstm")(seq), name="lstm_model")


def matrix_determinant() -> object:
    """tf.linalg.det has no TFLite builtin: it needs Select TF ops."""
    import keras
    import tensorflow as tf

    class Det(keras.layers.Layer):
        def call(self, x):  # type: ignore[no-untyped-def]
            return tf.linalg.det(x)

    keras.utils.set_random_seed(0)
    matrix = keras.Input((4, 4), batch_size=1, name="matrix")
    return keras.Model(matrix, Det(name="det")(keras.layers.Dense(4, name="dense")(matrix)), name="det_model")


def main() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf

    _failure("lstm_dynamic_batch", lstm_dynamic_batch())
    _failure("matrix_determinant", matrix_determinant())

    from capture_analyzer import capture

    analyzed = {
        "dense_int8": ROOT / "samples" / "dense_int8.tflite",
        "multi_io": ROOT / "samples" / "multi_io.tflite",
        "upsampling_static": ROOT / "samples" / "upsampling_static.tflite",
        "nested_while": ROOT.parent / "shared" / "corpus" / "litert" / "tflite" / "testdata" / "nested_while.bin",
    }
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        texts = capture(list(analyzed.values()), Path(tmp))
    for name, path in analyzed.items():
        text = texts.get(path)
        if text is None:
            raise SystemExit(f"the Analyzer printed nothing for {path}")
        # The Analyzer's header names the file on this machine; keep only the file name.
        text = text.replace(str(path), path.name)
        (HERE / f"{name}.analyzer.mlir").write_text(text)
        print(f"{name}.analyzer.mlir: {len(text)} chars")

    keras.utils.set_random_seed(0)
    x = keras.Input((4,), name="features")
    dense = keras.Model(x, keras.layers.Dense(2, name="dense")(x), name="tiny")
    fn = tf.function(lambda t: dense(t)).get_concrete_function(tf.TensorSpec([None, 4], tf.float32, name="features"))
    text = tf.mlir.experimental.convert_function(fn, show_debug_info=True)
    text = text.replace(str(ROOT.parent), "/work")  # machine-specific prefix of the Python file locations
    (HERE / "dense.tf_debuginfo.mlir").write_text(text)
    print(f"dense.tf_debuginfo.mlir: {len(text)} chars")


if __name__ == "__main__":
    main()
