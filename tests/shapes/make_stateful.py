"""Convert a streaming model with resource-variable state: ``python make_stateful.py OUT.tflite``.

A ``tf.Module`` keeps the last four frames in a ``tf.Variable``; each call shifts one frame
in. The converter turns it into VAR_HANDLE / READ_VARIABLE / ASSIGN_VARIABLE and a CALL_ONCE
init subgraph that assigns the initial value. Run in a child process so tests never import
TensorFlow themselves.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main(out: str) -> None:
    import tensorflow as tf

    class Streaming(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            self.state = tf.Variable(tf.zeros([1, 4, 8]), name="stream_state")

        @tf.function(input_signature=[tf.TensorSpec([1, 1, 8], tf.float32, name="frame")])
        def __call__(self, frame: tf.Tensor) -> dict:
            window = tf.concat([self.state[:, 1:, :], frame], axis=1)
            self.state.assign(window)
            return {"energy": tf.reduce_mean(window * window, axis=1)}

    module = Streaming()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([module.__call__.get_concrete_function()], module)
    with open(out, "wb") as f:
        f.write(converter.convert())


if __name__ == "__main__":
    main(sys.argv[1])
