"""Two converter-built models that put most shape rules to work on fully dynamic inputs.

Built in the tests (TensorFlow, a few seconds) rather than stored: ``vision`` is NHWC image
ops with run-time sizes (resize to 2x, a computed transpose-conv output shape), ``tensors``
is reshaping, slicing, gathering, splitting and reductions on a ``[batch, time, 8]`` input.
"""

from __future__ import annotations

import os
from pathlib import Path


def build(directory: Path) -> dict[str, Path]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(0)

    def const(*shape: int) -> tf.Tensor:
        return tf.constant(rng.standard_normal(shape).astype(np.float32))

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32, name="image")])
    def vision(x):
        y = tf.nn.relu6(tf.nn.conv2d(x, const(3, 3, 3, 8), strides=2, padding="SAME"))
        y = tf.nn.depthwise_conv2d(y, const(3, 3, 8, 2), strides=[1, 1, 1, 1], padding="VALID")
        y = tf.nn.avg_pool2d(y, 2, 2, "SAME")
        padded = tf.pad(y, [[0, 0], [1, 2], [2, 1], [0, 0]])
        ring = [[0, 0], [1, 1], [1, 1], [0, 0]]
        mirrored = tf.pad(y, ring, mode="REFLECT") + tf.pad(y, ring, constant_values=1.0)
        up = tf.image.resize(padded, tf.shape(padded)[1:3] * 2, method="bilinear")
        fixed = tf.image.resize(mirrored, [7, 5], method="nearest")
        size = tf.stack([tf.shape(y)[0], tf.shape(y)[1] * 2, tf.shape(y)[2] * 2, 4])
        tconv = tf.nn.conv2d_transpose(y, const(3, 3, 4, 16), size, strides=2, padding="SAME")
        return {
            "up": up * tf.reduce_mean(up, axis=[1, 2], keepdims=True),
            "fixed": fixed,
            "argmax": tf.argmax(fixed, axis=-1),
            "softmax": tf.nn.softmax(tf.reduce_max(tconv, axis=[1, 2])),
            "d2s": tf.nn.depth_to_space(tf.concat([y, y], -1), 2),
            "pool": tf.nn.max_pool2d(x, 3, 2, "VALID"),
            "dilated": tf.nn.conv2d(x, const(3, 3, 3, 4), strides=1, padding="SAME", dilations=2),
            "atrous": tf.nn.atrous_conv2d(x, const(3, 3, 3, 4), rate=2, padding="VALID"),
        }

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, None, 8], tf.float32, name="seq"),
            tf.TensorSpec([None], tf.int32, name="ids"),
        ]
    )
    def tensors(x, ids):
        b, t = tf.shape(x)[0], tf.shape(x)[1]
        squeezed = tf.squeeze(tf.expand_dims(x, 2), axis=2)
        a, c = tf.split(x, 2, axis=2)
        v1, v2, v3 = tf.split(x, [2, 3, -1], axis=2)
        parts = tf.unstack(tf.reshape(x, [b, t, 2, 4]), axis=2)
        return {
            "flat": tf.reshape(x, [b, -1]),
            "squeezed": squeezed,
            "transposed": tf.transpose(x, [1, 0, 2]),
            "tiled": tf.tile(x, tf.stack([1, 2, 1])),
            "gathered": tf.gather(x, [0, 2, 1], axis=2),
            "rows": tf.gather(tf.reshape(x, [-1, 8]), ids),
            "sliced": tf.slice(x, [0, 1, 0], [-1, t - 1, 4]),
            "strided": x[:, ::2, 1:],
            "last": x[..., 0],
            "picked": x[:, -1, 3:7:2],
            "split": v1 + v2[..., :2] + v3[..., :2],
            "stacked": tf.stack([a, c], axis=1),
            "unstacked": parts[0] + parts[1],
            "gram": tf.matmul(x, x, transpose_b=True),
            "dense": tf.matmul(tf.reshape(x, [-1, 8]), const(8, 5)),
            "broadcast": tf.broadcast_to(const(1, 1, 8), tf.shape(x)) + tf.cast(x > 0.5, tf.float32),
            "filled": tf.fill(tf.stack([b, 3]), 2.0),
            "zeros": tf.zeros(tf.shape(squeezed)[1:]),
            "reduced": tf.reduce_sum(x, axis=1) + tf.reduce_prod(x, axis=-1)[:, :1],
            "argmin": tf.argmin(x, axis=1),
            "s2d": tf.nn.space_to_depth(tf.reshape(x, [b, t, 4, 2]), 2),
            "ranged": tf.cast(tf.range(t), tf.float32) + tf.cast(tf.range(2, 3 * t + 2, 3), tf.float32),
            "onehot": tf.one_hot(ids, 5),
            "selected": tf.where(x > 0, x, tf.zeros_like(x)),
            "top": tf.math.top_k(x, k=3).values,
            "gathered_nd": tf.gather_nd(x, [[0, 0]]),
            "reversed": tf.reverse(x, [1]),
            "cumsum": tf.cumsum(x, axis=1),
            "normalized": tf.nn.l2_normalize(x, axis=-1),
        }

    out = {}
    for name, fn in (("vision", vision), ("tensors", tensors)):
        converter = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], fn)
        path = directory / f"{name}.tflite"
        path.write_bytes(converter.convert())
        out[name] = path
    return out


# Input shapes that work, and ones the interpreter refuses (odd sizes, tiny images).
VISION_SHAPES = [(1, 32, 32, 3), (2, 17, 23, 3), (1, 7, 9, 3), (3, 64, 48, 3), (1, 2, 2, 3), (1, 5, 5, 3)]
TENSORS_SHAPES = [((2, 6, 8), (4,)), ((1, 1, 8), (1,)), ((3, 9, 8), (2,)), ((4, 2, 8), (7,))]
