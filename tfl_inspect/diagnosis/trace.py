"""Following an unknown (``?``) dim back through the graph to where it became unknown.

Run-time shape computations (what a RESHAPE's target is made of, which SHAPE ops it reads)
come from the shape engine's provenance (:mod:`tfl_inspect.shapes.engine`), the same result
lint's DYN rules and ``shapes`` read; this module only narrates them in the model's terms.
Ops the engine has no shape function for (TensorFlow-dialect ops left in a failed
conversion) are followed through the model's use-def index.
"""

from __future__ import annotations

import re
from typing import Any

from .. import dtypes
from ..fmt import format_shape
from ..model import Model, Operator, Subgraph, Tensor
from ..shapes.engine import probe_for, result_for
from ..shapes.types import ShapeResult, TensorStatus
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
    dims = format_shape(t.shape_signature, sep="x", brackets=False) + ("x" if t.shape_signature else "")
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


_UNKNOWN = object()  # the engine cannot say: fall back to matching by op kind


class Tracer:
    def __init__(self, model: Model, sg: Subgraph, input_names: dict[int, str]) -> None:
        self.model = model
        self.sg = sg
        self.input_names = input_names

    @property
    def result(self) -> ShapeResult:
        """The shape engine's cached result for this subgraph (recorded input shapes)."""
        return result_for(self.model, self.sg.index)

    def producer(self, t: int) -> Operator | None:
        return self.sg.producer_op(t)

    def tensor(self, t: int) -> Tensor:
        return self.sg.tensors[t]

    def step(self, t: int, note: str = "") -> TraceStep:
        op = self.producer(t)
        tensor = self.tensor(t)
        return TraceStep(op_kind(op) if op else "input", tensor.name, type_text(tensor), note)

    def trace(self, t: int, dim: int) -> tuple[list[TraceStep], dict[str, Any]]:
        """Steps from tensor ``t`` back to where its ``dim`` became unknown, and that origin."""
        steps: list[TraceStep] = []
        seen: set[tuple[int, int]] = set()
        while (t, dim) not in seen and len(steps) < 500:
            seen.add((t, dim))
            tensor = self.tensor(t)
            op = self.producer(t)
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
        return steps, {"kind": "op", "t": t, "op": self.producer(t), "note": "cycle"}

    def _const_ints(self, t: int) -> list[int] | None:
        """A small operand's value (axes, permutations) as the shape engine evaluated it."""
        v = self.result.value(t) if t >= 0 else None
        if v is None or not v.complete or v.data.dtype.kind not in "iub":
            return None
        return v.ints()

    def _map_back(self, op: Operator, out: Tensor, dim: int) -> tuple[int, int] | None:
        """The (input tensor, dim) that output ``dim`` of ``op`` comes from, if it is unknown there too.

        The engine's dim provenance answers where it inferred the op; ops it has no shape
        function for (TensorFlow-dialect ops) are matched by their kind below.
        """
        found = self._follow(op, out, dim)
        if found is not _UNKNOWN:
            return found  # type: ignore[return-value]
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

    def _follow(self, op: Operator, out: Tensor, dim: int) -> tuple[int, int] | object | None:
        """From the engine's probe run: the operand dim holding the same size (marker), or None here.

        Returns ``_UNKNOWN`` when the engine did not infer this op or the dim.
        """
        probe, _ = probe_for(self.model, self.sg.index)
        shape = probe.shape(out.index)
        if probe.status[out.index] != TensorStatus.INFERRED or shape is None or not 0 <= dim < len(shape):
            return _UNKNOWN
        size = shape[dim]
        if size < 0:
            return _UNKNOWN
        for t in op.inputs:
            cand = probe.shape(t) if t >= 0 else None
            if cand is None or self.tensor(t).is_constant:
                continue
            hits = [j for j, v in enumerate(cand) if v == size]
            aligned = dim + len(cand) - len(shape)
            j = aligned if aligned in hits else hits[0] if len(hits) == 1 else None
            if j is None:
                continue
            rec = self.tensor(t)
            if not rec.has_rank or rec.shape_signature[j] < 0:
                return t, j
            return None  # known before this op: it became unknown here
        return None  # no operand carries it: this op computed it

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
                target = self.result.value(shape_t)
                # Dims the target fixes although the converter recorded ? (from the engine's value).
                lost: dict[int, int] = {}
                out_sig = self.tensor(t).shape_signature
                if target is not None and target.data.ndim == 1 and target.data.size == len(out_sig):
                    lost = {
                        k: v for k, (v, r) in enumerate(zip(target.ints(), out_sig, strict=True)) if v >= 0 and r < 0
                    }
                return {
                    "kind": "runtime_reshape",
                    "t": t,
                    "op": op,
                    "note": f"{was}the target shape is computed at run time, so the converter cannot know it",
                    "shape_ops": self.shape_computation(shape_t),
                    "target": target.text() if target is not None else None,
                    "lost": lost,
                }
        return {"kind": "op", "t": t, "op": op, "note": "shape inference cannot tell this dim past this op"}

    def shape_computation(self, shape_t: int) -> tuple[list[Operator], list[int]]:
        """Ops that compute a run-time shape (in execution order) and the tensors whose SHAPE they read.

        From the engine's provenance when it evaluated the tensor; else (ops it has no shape
        function for) by walking producers back to the SHAPE ops.
        """
        computed, dims = self.result.computation(shape_t)
        if computed:
            return [self.sg.operators[i] for i in sorted(computed)], sorted({t for t, _ in dims})
        ops: dict[int, Operator] = {}
        reads: list[int] = []
        todo = [shape_t]
        while todo and len(ops) < 64:
            t = todo.pop()
            op = self.producer(t)
            if op is None or op.index in ops:
                continue
            ops[op.index] = op
            if op_kind(op) == "SHAPE":
                reads.extend(x for x in op.inputs if x >= 0)
                continue
            todo.extend(x for x in op.inputs if x >= 0 and not self.tensor(x).is_constant)
        return [ops[i] for i in sorted(ops)], reads

    def inputs_behind(self, t: int) -> list[int]:
        """Model inputs (subgraph inputs) that ``t`` depends on: reachability in the model's graph."""
        import networkx as nx

        from ..graph import tensor_id, to_networkx

        s = self.sg.index
        node = tensor_id(s, t)
        g = to_networkx(self.model)
        if node not in g:
            return []
        behind = nx.ancestors(g, node) | {node}
        return sorted(i for i in set(self.sg.inputs) if i >= 0 and tensor_id(s, i) in behind)


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
