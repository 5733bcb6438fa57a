"""Each layer's own error: A's op run alone on B's inputs, against B's op output.

This is what ``QuantizationDebugger`` measures with its NumericVerify ops (the float op fed the
dequantized quantized inputs, graph inputs fed as given), but from two finished files and no
converter. For each aligned op pair whose B output is integer-quantized and A output is float,
a small model is cut out of A with LiteRT's schema object API: DEQUANTIZE ops (the runtime's own
kernel, so values match bit for bit) turn B's integer inputs into the float op's inputs, and a
DEQUANTIZE of B's output is returned beside the float result.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import dtypes
from ..model import Model, Tensor
from .align import STEP_OPS
from .report import Alignment

__all__ = ["local_mse", "one_op_model"]

_DEQUANTIZE = 6  # BuiltinOperator.DEQUANTIZE


def _schema() -> Any:
    from ai_edge_litert import schema_py_generated  # type: ignore[import-untyped]

    return schema_py_generated


def _int_tensor(s: Any, like: Tensor, shape: Any, name: str) -> Any:
    row = dtypes.by_name(like.dtype)
    assert row is not None and like.quantization is not None
    q = like.quantization
    t = s.TensorT()
    t.name = name.encode()
    t.type = row.code
    t.shape = np.array(shape, dtype=np.int32)
    t.buffer = 0
    qp = s.QuantizationParametersT()
    qp.scale = np.array(q.scale, dtype=np.float32)
    qp.zeroPoint = np.array(q.zero_point or [0] * len(q.scale), dtype=np.int64)
    qp.quantizedDimension = q.quantized_dimension
    t.quantization = qp
    return t


def one_op_model(
    model_t: Any,
    model: Model,
    subgraph: int,
    op_index: int,
    int_inputs: Mapping[int, Tensor] | None = None,
    int_output: Tensor | None = None,
) -> bytes:
    """A .tflite holding op ``op_index`` of ``subgraph`` with its constants.

    Activation inputs listed in ``int_inputs`` (A tensor -> the B tensor whose integer values and
    quantization feed it) are model inputs of that type followed by DEQUANTIZE; the others are
    model inputs as they are. With ``int_output`` a second model input of that type is dequantized
    into a second output.
    """
    import flatbuffers  # type: ignore[import-untyped]

    s = _schema()
    int_inputs = int_inputs or {}
    src = model_t.subgraphs[subgraph]
    op = src.operators[op_index]
    used = [int(t) for t in op.inputs if t >= 0] + [int(t) for t in op.outputs]
    tensors = list(dict.fromkeys(used))
    remap = {t: i for i, t in enumerate(tensors)}
    new = s.ModelT()
    new.version = 3
    new.description = "tfl-inspect one-op model"
    deq_code = s.OperatorCodeT()
    deq_code.builtinCode = deq_code.deprecatedBuiltinCode = _DEQUANTIZE
    deq_code.version = 2
    new.operatorCodes = [copy.copy(model_t.operatorCodes[op.opcodeIndex]), deq_code]
    new.buffers = [s.BufferT()]
    out_sg = s.SubGraphT()
    out_sg.tensors = _copy_tensors(s, new, src, model.subgraphs[subgraph], tensors)
    graph_inputs, ops = _inputs(s, out_sg, src, model.subgraphs[subgraph], op, tensors, remap, int_inputs)
    new_op = copy.copy(op)
    new_op.opcodeIndex = 0
    new_op.inputs = np.array([remap[int(t)] if t >= 0 else -1 for t in op.inputs], dtype=np.int32)
    new_op.outputs = np.array([remap[int(t)] for t in op.outputs], dtype=np.int32)
    new_op.intermediates = None
    ops.append(new_op)
    outputs = [remap[int(t)] for t in op.outputs]
    if int_output is not None:
        out_t = src.tensors[int(op.outputs[0])]
        out_sg.tensors.append(_int_tensor(s, int_output, out_t.shape, "b_output"))
        qo = len(out_sg.tensors) - 1
        fo = copy.copy(out_t)
        fo.name, fo.buffer, fo.quantization = b"b_output_dequantized", 0, None
        out_sg.tensors.append(fo)
        graph_inputs.append(qo)
        ops.append(_dequantize_op(s, qo, len(out_sg.tensors) - 1))
        outputs.append(len(out_sg.tensors) - 1)
    out_sg.operators = ops
    out_sg.inputs = np.array(graph_inputs, dtype=np.int32)
    out_sg.outputs = np.array(outputs, dtype=np.int32)
    out_sg.name = b"main"
    new.subgraphs = [out_sg]
    builder = flatbuffers.Builder(1024)
    builder.Finish(new.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _dequantize_op(s: Any, src_t: int, dst_t: int) -> Any:
    d = s.OperatorT()
    d.opcodeIndex = 1
    d.inputs = np.array([src_t], dtype=np.int32)
    d.outputs = np.array([dst_t], dtype=np.int32)
    return d


def _copy_tensors(s: Any, new: Any, src: Any, sg: Any, tensors: list[int]) -> list[Any]:
    """The op's tensors, constants with their data in buffers of the new model."""
    out = []
    for t in tensors:
        tt = copy.copy(src.tensors[t])
        ours = sg.tensors[t]
        if ours.is_constant:
            data = ours.data()
            buf = s.BufferT()
            buf.data = np.frombuffer(np.ascontiguousarray(data).tobytes(), dtype=np.uint8) if data is not None else None
            new.buffers.append(buf)
            tt.buffer = len(new.buffers) - 1
        else:
            tt.buffer = 0
        out.append(tt)
    return out


def _inputs(
    s: Any,
    out_sg: Any,
    src: Any,
    sg: Any,
    op: Any,
    tensors: list[int],
    remap: dict[int, int],
    int_inputs: Mapping[int, Tensor],
) -> tuple[list[int], list[Any]]:
    """The model inputs: activations as they are, or integer inputs DEQUANTIZEd into them."""
    graph_inputs: list[int] = []
    ops: list[Any] = []
    for t in tensors:
        if sg.tensors[t].is_constant or t in op.outputs:
            continue
        if t in int_inputs:
            out_sg.tensors.append(_int_tensor(s, int_inputs[t], src.tensors[t].shape, f"q{t}"))
            qi = len(out_sg.tensors) - 1
            graph_inputs.append(qi)
            ops.append(_dequantize_op(s, qi, remap[t]))
        else:
            graph_inputs.append(remap[t])
    return graph_inputs, ops


def local_mse(
    ma: Model,
    mb: Model,
    source_a: str | bytes,
    al: Alignment,
    samples: Sequence[tuple[Mapping[int, np.ndarray], Mapping[int, np.ndarray]]],
) -> dict[int, float]:
    """A tensor index -> mean over samples of mean((B's op output - A's op on B's inputs)^2).

    ``samples`` holds, per sample, A's graph-input values and B's raw tensor values.
    """
    from ai_edge_litert.interpreter import Interpreter, OpResolverType  # type: ignore[import-untyped]

    from .report import is_int_quantized

    sa = al.subgraphs[0]
    ga, gb = ma.subgraphs[sa], mb.subgraphs[al.subgraphs[1]]
    todo = _todo(ga, gb, al)
    if not todo:
        return {}
    if isinstance(source_a, bytes | bytearray):
        raw = bytes(source_a)
    else:
        with open(source_a, "rb") as fh:
            raw = fh.read()
    model_t = _schema().ModelT.InitFromPackedBuf(bytearray(raw), 0)
    found: dict[int, float] = {}
    graph_inputs_a = set(ga.inputs)
    for oa, ob, tb in todo:
        opa, opb = ga.operators[oa], gb.operators[ob]
        # Per activation slot: A's own graph input, or B's integer tensor dequantized by the runtime.
        slots: list[tuple[int, int | None]] = []
        int_inputs: dict[int, Tensor] = {}
        for ta, tbi in zip(opa.inputs, opb.inputs, strict=True):
            if ta < 0 or ga.tensors[ta].is_constant or any(ta == s[0] for s in slots):
                continue
            if ta in graph_inputs_a or tbi < 0:
                slots.append((ta, None))
            elif is_int_quantized(gb.tensors[tbi]):
                int_inputs[ta] = gb.tensors[tbi]
                slots.append((ta, tbi))
            else:
                slots.append((ta, tbi))
        try:
            interp = Interpreter(
                model_content=one_op_model(model_t, ma, sa, oa, int_inputs, gb.tensors[tb]),
                experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
            )
        except (ValueError, RuntimeError):
            continue
        mses = _mses(interp, slots, tb, samples)
        if mses:
            found[opa.outputs[0]] = float(np.nanmean(mses))
    return found


def _todo(ga: Any, gb: Any, al: Alignment) -> list[tuple[int, int, int]]:
    """(A op, B op, B's own output) for aligned pairs where B's op is integer-quantized and A's float."""
    from .report import is_int_quantized

    aligned = {p.a for p in al.pairs}
    todo = []
    for oa, ob in al.op_pairs.items():
        opa, opb = ga.operators[oa], gb.operators[ob]
        if opa.builtin in STEP_OPS or opa.intermediates or opa.called_subgraphs or len(opa.outputs) != 1:
            continue
        if opa.outputs[0] not in aligned or len(opb.outputs) != 1 or len(opa.inputs) != len(opb.inputs):
            continue
        tb = opb.outputs[0]  # B's op's own output, before any DEQUANTIZE that carries A's name
        if not is_int_quantized(gb.tensors[tb]) or ga.tensors[opa.outputs[0]].dtype != "FLOAT32":
            continue
        todo.append((oa, ob, tb))
    return todo


def _mses(
    interp: Any,
    slots: list[tuple[int, int | None]],
    tb: int,
    samples: Sequence[tuple[Mapping[int, np.ndarray], Mapping[int, np.ndarray]]],
) -> list[float]:
    """Per sample, the one-op model's float result against B's dequantized output; [] if any sample fails."""
    details = interp.get_input_details()
    mses: list[float] = []
    for a_vals, b_vals in samples:
        feeds = []
        for ta, src in slots:
            x = a_vals.get(ta) if src is None else b_vals.get(src)
            if x is None:
                break
            feeds.append(x)
        if tb not in b_vals or len(feeds) != len(slots):
            return []
        feeds.append(b_vals[tb])
        try:
            for d, x in zip(details, feeds, strict=True):
                interp.resize_tensor_input(d["index"], x.shape)
            interp.allocate_tensors()
            for d, x in zip(details, feeds, strict=True):
                interp.set_tensor(d["index"], np.asarray(x, dtype=d["dtype"]))
            interp.invoke()
            outs = interp.get_output_details()
            ref = np.array(interp.get_tensor(outs[0]["index"]), dtype=np.float32)
            got = np.array(interp.get_tensor(outs[1]["index"]), dtype=np.float32)
        except (ValueError, RuntimeError):
            return []
        # NumericVerify's arithmetic: float32 difference, mean of squares.
        d32 = np.ravel(got) - np.ravel(ref)
        mses.append(float(np.average(d32**2)) if d32.size else 0.0)
    return mses
