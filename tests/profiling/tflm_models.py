"""Hand-built one-op models for the scratch-buffer kernels the converter no longer emits.

Keras 3 lowers LSTMs to WHILE loops and never makes SVDF or the detection post-process op, so
these models are written with LiteRT's flatbuffer object API. The operand layouts are the ones
both LiteRT's and TFLite Micro's kernels accept (checked in ``test_tflm_scratch.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests import modeledit

schema = modeledit.schema

__all__ = ["detection_postprocess_model", "int16_bias_transpose_conv", "lstm_model", "svdf_model"]

_DTYPES = {
    np.dtype(np.float32): schema.TensorType.FLOAT32,
    np.dtype(np.int8): schema.TensorType.INT8,
    np.dtype(np.int16): schema.TensorType.INT16,
    np.dtype(np.int32): schema.TensorType.INT32,
}


class _Graph:
    """One subgraph under construction: tensors, constant buffers, operators."""

    def __init__(self) -> None:
        self.model = schema.ModelT()
        self.model.version = 3
        self.model.buffers = [schema.BufferT()]  # buffer 0: the empty sentinel
        self.model.operatorCodes = []
        self.sg = schema.SubGraphT()
        self.sg.tensors, self.sg.operators, self.sg.name = [], [], b"main"

    def tensor(
        self,
        name: str,
        shape: list[int],
        dtype: Any = np.float32,
        data: np.ndarray | None = None,
        variable: bool = False,
        quant: tuple[float, int] | None = None,
    ) -> int:
        t = schema.TensorT()
        t.name, t.shape, t.type, t.isVariable = name.encode(), shape, _DTYPES[np.dtype(dtype)], variable
        b = schema.BufferT()  # an empty buffer of its own for a non-constant, as the converter writes
        if data is not None:
            b.data = list(np.asarray(data, dtype).reshape(shape).tobytes())
        self.model.buffers.append(b)
        t.buffer = len(self.model.buffers) - 1
        if quant is not None:
            q = schema.QuantizationParametersT()
            q.scale, q.zeroPoint = [quant[0]], [quant[1]]
            t.quantization = q
        self.sg.tensors.append(t)
        return len(self.sg.tensors) - 1

    def op(
        self,
        code: int | str,
        inputs: list[int],
        outputs: list[int],
        options_type: int = 0,
        options: Any = None,
        custom: bytes | None = None,
        intermediates: list[int] | None = None,
    ) -> None:
        oc = schema.OperatorCodeT()
        if isinstance(code, str):
            oc.builtinCode = oc.deprecatedBuiltinCode = schema.BuiltinOperator.CUSTOM
            oc.customCode = code.encode()
        else:
            oc.builtinCode, oc.deprecatedBuiltinCode = code, min(code, 127)
        oc.version = 1
        self.model.operatorCodes.append(oc)
        op = schema.OperatorT()
        op.opcodeIndex, op.inputs, op.outputs = len(self.model.operatorCodes) - 1, inputs, outputs
        op.builtinOptionsType, op.builtinOptions = options_type, options
        op.intermediates = intermediates or []
        if custom is not None:
            op.customOptions = list(custom)
            op.customOptionsFormat = schema.CustomOptionsFormat.FLEXBUFFERS
        self.sg.operators.append(op)

    def write(self, path: Path, inputs: list[int], outputs: list[int]) -> Path:
        self.sg.inputs, self.sg.outputs = inputs, outputs
        self.model.subgraphs = [self.sg]
        path.write_bytes(modeledit.pack(self.model))
        return path


def _rand(shape: list[int], scale: float = 0.1, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


def svdf_model(
    path: Path, int8: bool = False, batch: int = 2, inputs: int = 8, filters: int = 12, rank: int = 3
) -> Path:
    """SVDF, float32 or int8 (int16 weights_time and state): TFLM requests batch x filters
    accumulators, plus batch x units int32 outputs for int8."""
    memory, units = 4, filters // rank
    g = _Graph()
    if int8:
        x = g.tensor("input", [batch, inputs], np.int8, quant=(0.05, 0))
        wf = g.tensor("weights_feature", [filters, inputs], np.int8, np.ones((filters, inputs)), quant=(0.01, 0))
        wt = g.tensor("weights_time", [filters, memory], np.int16, np.ones((filters, memory)), quant=(0.001, 0))
        bias = g.tensor("bias", [units], np.int32, np.zeros(units), quant=(0.002 * 0.001, 0))
        state = g.tensor("activation_state", [batch, memory * filters], np.int16, variable=True, quant=(0.002, 0))
        out = g.tensor("output", [batch, units], np.int8, quant=(0.05, 0))
    else:
        x = g.tensor("input", [batch, inputs])
        wf = g.tensor("weights_feature", [filters, inputs], data=_rand([filters, inputs]))
        wt = g.tensor("weights_time", [filters, memory], data=_rand([filters, memory], seed=1))
        bias = g.tensor("bias", [units], data=_rand([units], seed=2))
        state = g.tensor("activation_state", [batch, memory * filters], variable=True)
        out = g.tensor("output", [batch, units])
    opts = schema.SVDFOptionsT()
    opts.rank = rank
    if int8:  # LiteRT's integer SVDF only runs with a fused RELU
        opts.fusedActivationFunction = schema.ActivationFunctionType.RELU
    g.op(schema.BuiltinOperator.SVDF, [x, wf, wt, bias, state], [out], schema.BuiltinOptions.SVDFOptions, opts)
    return g.write(path, [x], [out])


def lstm_model(path: Path, int8: bool = False, batch: int = 2, steps: int = 5, inputs: int = 3, units: int = 6) -> Path:
    """A fused UNIDIRECTIONAL_SEQUENCE_LSTM without peephole, projection or layer norm (TFLM rejects
    those), float32 or int8 with an int16 cell state: TFLM requests four batch x units buffers of
    the cell-state type."""
    g = _Graph()
    wdt, bdt = (np.int8, np.int32) if int8 else (np.float32, np.float32)
    act = (np.int8, (0.05, 0)) if int8 else (np.float32, None)
    wq = (0.01, 0) if int8 else None
    bq = (0.05 * 0.01, 0) if int8 else None
    x = g.tensor("input", [batch, steps, inputs], act[0], quant=act[1])
    slots = [x]
    for i in range(4):
        w = np.ones((units, inputs)) if int8 else _rand([units, inputs], seed=i)
        slots.append(g.tensor(f"input_to_gate_{i}", [units, inputs], wdt, w, quant=wq))
    for i in range(4):
        w = np.ones((units, units)) if int8 else _rand([units, units], seed=10 + i)
        slots.append(g.tensor(f"recurrent_to_gate_{i}", [units, units], wdt, w, quant=wq))
    slots += [-1, -1, -1]  # peepholes
    slots += [g.tensor(f"gate_bias_{i}", [units], bdt, np.zeros(units), quant=bq) for i in range(4)]
    slots += [-1, -1]  # projection
    slots.append(g.tensor("output_state", [batch, units], act[0], variable=True, quant=act[1]))
    cell = (np.int16, (2.0**-11, 0)) if int8 else (np.float32, None)
    slots.append(g.tensor("cell_state", [batch, units], cell[0], variable=True, quant=cell[1]))
    slots += [-1, -1, -1, -1]  # layer norm
    out = g.tensor("output", [batch, steps, units], act[0], quant=act[1])
    # LiteRT's integer kernel reads five intermediate scales (4 gates, hidden); TFLM only
    # accepts intermediates of size zero.
    inter = []
    if int8:
        for i, (dt, scale) in enumerate([(np.int16, 2.0**-12)] * 4 + [(np.int8, 0.05)]):
            inter.append(g.tensor(f"intermediate_{i}", [0], dt, quant=(scale, 0)))
    opts = schema.UnidirectionalSequenceLSTMOptionsT()
    opts.fusedActivationFunction = schema.ActivationFunctionType.TANH
    opts.timeMajor = False
    g.op(
        schema.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM,
        slots,
        [out],
        schema.BuiltinOptions.UnidirectionalSequenceLSTMOptions,
        opts,
        intermediates=inter,
    )
    return g.write(path, [x], [out])


def detection_postprocess_model(
    path: Path, boxes: int = 24, classes: int = 3, max_detections: int = 5, regular_nms: bool = False
) -> Path:
    """TFLite_Detection_PostProcess on float32 inputs: TFLM requests eleven work buffers sized by
    the box count, the class count and max_detections (options in a FlexBuffer map)."""
    from flatbuffers import flexbuffers

    g = _Graph()
    enc = g.tensor("box_encodings", [1, boxes, 4])
    scores = g.tensor("class_predictions", [1, boxes, classes + 1])
    grid = np.linspace(0.1, 0.9, boxes, dtype=np.float32)
    anchors = np.stack([grid, grid[::-1], np.full(boxes, 0.2), np.full(boxes, 0.3)], 1).astype(np.float32)
    anc = g.tensor("anchors", [boxes, 4], data=anchors)
    outs = [
        g.tensor("detection_boxes", [1, max_detections, 4]),
        g.tensor("detection_classes", [1, max_detections]),
        g.tensor("detection_scores", [1, max_detections]),
        g.tensor("num_detections", [1]),
    ]
    options = {
        "max_detections": max_detections,
        "max_classes_per_detection": 1,
        "detections_per_class": 10,
        "use_regular_nms": regular_nms,
        "nms_score_threshold": 0.3,
        "nms_iou_threshold": 0.6,
        "num_classes": classes,
        "y_scale": 10.0,
        "x_scale": 10.0,
        "h_scale": 5.0,
        "w_scale": 5.0,
    }
    g.op("TFLite_Detection_PostProcess", [enc, scores, anc], outs, custom=bytes(flexbuffers.Dumps(options)))
    return g.write(path, [enc, scores], outs)


def int16_bias_transpose_conv(src: Path, path: Path) -> Path:
    """``src`` (a 16x8 model) with each int16-input TRANSPOSE_CONV bias narrowed from int64 to int16,
    as older converters wrote it: TFLM then requests a scratch buffer to widen the bias. LiteRT
    refuses such a bias (it wants int32 or int64); TFLM still runs it."""
    m = modeledit.unpack(src)
    found = False
    for sg in m.subgraphs:
        for op in sg.operators:
            code = m.operatorCodes[op.opcodeIndex]
            if max(code.builtinCode, code.deprecatedBuiltinCode) != schema.BuiltinOperator.TRANSPOSE_CONV:
                continue
            if len(op.inputs) < 4 or op.inputs[3] < 0 or sg.tensors[op.inputs[2]].type != schema.TensorType.INT16:
                continue
            t = sg.tensors[op.inputs[3]]
            if t.type != schema.TensorType.INT64:
                continue
            v = np.frombuffer(bytes(m.buffers[t.buffer].data), np.int64)
            m.buffers[t.buffer].data = list(np.clip(v, -32768, 32767).astype(np.int16).tobytes())
            t.type = schema.TensorType.INT16
            found = True
    if not found:
        pytest.fail(f"{src.name} has no 16x8 TRANSPOSE_CONV with an int64 bias")
    path.write_bytes(modeledit.pack(m))
    return path
