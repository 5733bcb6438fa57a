"""Following an unknown (``?``) dim back through the graph to where it became unknown."""

from __future__ import annotations

import re
from typing import Any

from .. import dtypes
from ..model import Model, Operator, Subgraph, Tensor
from .records import TraceStep

__all__ = ["Tracer", "op_kind", "type_text", "unknown_dims", "axis_name", "input_names"]

TF_TO_TFL = {
    "tf.Reshape": "RESHAPE",
    "tf.ExpandDims": "EXPAND_DIMS",
    "tf.Tile": "TILE",
    "tf.Shape": "SHAPE",
    "tf.StridedSlice": "STRIDED_SLICE",
    "tf.ConcatV2": "CONCATENATION",
    "tf.Pack": "PACK",
    "tf.Mul": "MUL",
    "tf.Transpose": "TRANSPOSE",
    "tf.Squeeze": "SQUEEZE",
    "tf.Conv2D": "CONV_2D",
    "tf.DepthwiseConv2dNative": "DEPTHWISE_CONV_2D",
    "tf.MatMul": "FULLY_CONNECTED",
    "tf.Identity": "IDENTITY",
}
# op kind → (operand, dim (negative: from the end), why it must be known)
NEEDS_KNOWN = {
    "CONV_2D": (0, -1, "a convolution needs its input channel count to match the filter"),
    "DEPTHWISE_CONV_2D": (0, -1, "a depthwise convolution needs its input channel count"),
    "CONV_3D": (0, -1, "a 3-D convolution needs its input channel count to match the filter"),
    "TRANSPOSE_CONV": (2, -1, "a transposed convolution needs its input channel count"),
    "FULLY_CONNECTED": (0, -1, "a fully connected layer needs its input feature count to match the weights"),
    "tf.BatchMatMulV2": (0, -1, "a matrix multiply needs its inner dimension"),
}
TENSOR_LIST = re.compile(r"TensorList|tensor list|element_shape", re.IGNORECASE)
NO_KERNEL = re.compile(r"neither a custom op nor a flex op|ERROR_NEEDS_FLEX_OPS|not supported by the native")
ERROR_CODE = re.compile(r"Error code:\s*(\w+)")
SELECT_OPS = re.compile(r"TF Select ops:\s*([^\n]+)")
UPSAMPLING_CLASSES = ("UpSampling2D", "UpSampling1D", "UpSampling3D")
RNN_CLASSES = ("LSTM", "GRU", "SimpleRNN", "RNN", "Bidirectional", "ConvLSTM2D", "ConvLSTM1D")


def op_kind(op: Operator) -> str:
    return TF_TO_TFL.get(op.opcode, op.opcode)


def type_text(t: Tensor) -> str:
    row = dtypes.by_name(t.dtype)
    element = row.mlir if row is not None and row.mlir else t.dtype.lower()
    if not t.has_rank:
        return f"tensor<*x{element}>"
    dims = "".join(f"{'?' if d < 0 else d}x" for d in t.shape_signature)
    return f"tensor<{dims}{element}>"


def unknown_dims(t: Tensor) -> list[int]:
    return [i for i, d in enumerate(t.shape_signature) if d < 0] if t.has_rank else []


def axis_name(rank: int, dim: int, layout: str = "NHWC") -> str | None:
    if rank == 4 and layout == "NHWC":
        return ("batch", "height", "width", "channels")[dim]
    if rank == 3:
        return ("batch", "time", "features")[dim]
    if rank == 2:
        return ("batch", "features")[dim]
    return "batch" if dim == 0 else None


class Tracer:
    def __init__(self, model: Model, sg: Subgraph, input_names: dict[int, str]) -> None:
        self.model = model
        self.sg = sg
        self.input_names = input_names
        self.producer: dict[int, Operator] = {}
        for op in sg.operators:
            for t in op.outputs:
                if t >= 0:
                    self.producer[t] = op

    def tensor(self, t: int) -> Tensor:
        return self.sg.tensors[t]

    def step(self, t: int, note: str = "") -> TraceStep:
        op = self.producer.get(t)
        tensor = self.tensor(t)
        return TraceStep(op_kind(op) if op else "input", tensor.name, type_text(tensor), note)

    def trace(self, t: int, dim: int) -> tuple[list[TraceStep], dict[str, Any]]:
        """Steps from tensor ``t`` back to where its ``dim`` became unknown, and that origin."""
        steps: list[TraceStep] = []
        seen: set[tuple[int, int]] = set()
        while (t, dim) not in seen and len(steps) < 500:
            seen.add((t, dim))
            tensor = self.tensor(t)
            op = self.producer.get(t)
            if op is None:
                steps.append(self.step(t, "model input" if t in self.sg.inputs else "no producer"))
                kind = "input" if t in self.sg.inputs else "op"
                return steps, {"kind": kind, "t": t, "op": None}
            nxt = self._map_back(op, tensor, dim)
            if nxt is None:
                origin = self._origin_at(op, t, dim)
                steps.append(self.step(t, origin["note"]))
                return steps, origin
            steps.append(self.step(t))
            t, dim = nxt
        return steps, {"kind": "op", "t": t, "op": self.producer.get(t), "note": "cycle"}

    def _const_ints(self, t: int) -> list[int] | None:
        if t < 0:
            return None
        data = self.tensor(t).data()
        if data is None:
            return None
        try:
            return [int(v) for v in data.reshape(-1).tolist()]
        except (TypeError, ValueError):
            return None

    def _map_back(self, op: Operator, out: Tensor, dim: int) -> tuple[int, int] | None:
        """The (input tensor, dim) that output ``dim`` of ``op`` comes from, if it is unknown there too."""
        kind = op_kind(op)
        ins = [t for t in op.inputs if t >= 0]
        if not ins:
            return None
        data = op.inputs[0]
        if data < 0:
            return None
        src = self.tensor(data)
        rank_in, rank_out = len(src.shape_signature), len(out.shape_signature)
        if not src.has_rank:
            return (data, dim) if kind not in ("RESHAPE",) else None
        if kind == "RESHAPE":
            # Without sizes, only the first and last dims can be matched across a reshape
            # (UpSampling merges the middle ones); a middle dim ends the trace here.
            if dim == 0:
                j = 0
            elif dim == rank_out - 1:
                j = rank_in - 1
            else:
                return None
            if rank_in and src.shape_signature[j] < 0:
                return data, j
            return None
        if kind == "EXPAND_DIMS":
            axis = self._const_ints(op.inputs[1]) if len(op.inputs) > 1 else None
            if not axis:
                return None
            a = axis[0] + rank_out if axis[0] < 0 else axis[0]
            if dim == a:
                return None
            j = dim if dim < a else dim - 1
            return (data, j) if 0 <= j < rank_in and src.shape_signature[j] < 0 else None
        if kind == "TRANSPOSE":
            perm = self._const_ints(op.inputs[1]) if len(op.inputs) > 1 else None
            if perm and dim < len(perm) and src.shape_signature[perm[dim]] < 0:
                return data, perm[dim]
            return None
        # Same-rank ops (elementwise, TILE, convolutions, pools, slices): the same dim of an
        # input of the same rank (aligned from the end for broadcasting) that is unknown too.
        for t in ins:
            cand = self.tensor(t)
            if not cand.has_rank:
                continue
            j = dim + len(cand.shape_signature) - rank_out
            if 0 <= j < len(cand.shape_signature) and cand.shape_signature[j] < 0:
                return t, j
        return None

    def _origin_at(self, op: Operator, t: int, dim: int) -> dict[str, Any]:
        kind = op_kind(op)
        if kind == "RESHAPE" and len(op.inputs) > 1 and op.inputs[1] >= 0:
            shape_t = op.inputs[1]
            if not self.tensor(shape_t).is_constant:
                src = self.tensor(op.inputs[0])
                rank_out = len(self.tensor(t).shape_signature)
                j = 0 if dim == 0 else (len(src.shape_signature) - 1 if dim == rank_out - 1 else -1)
                before = src.shape_signature[j] if src.has_rank and 0 <= j < len(src.shape_signature) else None
                was = f"it was {before} before this RESHAPE; " if before is not None and before >= 0 else ""
                return {
                    "kind": "runtime_reshape",
                    "t": t,
                    "op": op,
                    "note": f"{was}the target shape is computed at run time, so the converter cannot know it",
                    "shape_ops": self.shape_computation(shape_t),
                }
        return {"kind": "op", "t": t, "op": op, "note": "shape inference cannot tell this dim past this op"}

    def shape_computation(self, shape_t: int) -> tuple[list[Operator], list[int]]:
        """Ops that compute a run-time shape (in execution order) and the tensors whose SHAPE they read."""
        ops: dict[int, Operator] = {}
        reads: list[int] = []
        todo = [shape_t]
        while todo and len(ops) < 64:
            t = todo.pop()
            op = self.producer.get(t)
            if op is None or op.index in ops:
                continue
            ops[op.index] = op
            if op_kind(op) == "SHAPE":
                reads.extend(x for x in op.inputs if x >= 0)
                continue
            todo.extend(x for x in op.inputs if x >= 0 and not self.tensor(x).is_constant)
        return [ops[i] for i in sorted(ops)], reads

    def inputs_behind(self, t: int) -> list[int]:
        """Model inputs (subgraph inputs) that ``t`` depends on."""
        out: list[int] = []
        todo, seen = [t], set()
        while todo:
            x = todo.pop()
            if x in seen or x < 0:
                continue
            seen.add(x)
            if x in self.sg.inputs:
                out.append(x)
            op = self.producer.get(x)
            if op is not None:
                todo.extend(op.inputs)
        return sorted(out)


def input_names(model: Model, sg: Subgraph) -> dict[int, str]:
    """Subgraph input tensor → the name users know (signature name, else the tensor name)."""
    out: dict[int, str] = {}
    for sig in model.signatures:
        if sig.subgraph == sg.index:
            for name, t in sig.inputs.items():
                out[t] = name
    for t in sg.inputs:
        if t not in out:
            name = sg.tensors[t].name
            name = re.sub(r"^serving_default_", "", name)
            out[t] = re.sub(r":\d+$", "", name)
    return out
