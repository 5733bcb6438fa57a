"""``--io-type int8|uint8|int16``: integer inputs and outputs for a full-integer model (QNT001).

The converter leaves float I/O on a fully int8 model unless told otherwise: a QUANTIZE after
each input and a DEQUANTIZE before each output. As LiteRT's ``modify_model_interface`` does
(tensorflow/tensorflow ``tensorflow/lite/tools/optimize/modify_model_interface.cc`` at
0406598a59a78fd428b74fdd5e1ee704d17ce05a: ``RemoveInputTensor``/``RemoveOutputTensor`` for int8,
``SetInputTypeToUINT8``/``SetOutputTypeToUINT8``), the boundary op goes and the I/O tensor takes
the inner tensor's scale and zero point; for uint8 the boundary op stays as a uint8↔int8
requantize (an output DEQUANTIZE becomes a QUANTIZE) and the zero point moves by 128. int16 is
the 16x8 scheme's int8: the boundary op goes around int16 inner tensors (``SetInputTypeToINT16``).
One difference: there the inner tensor becomes the graph input and the signature keeps naming the
removed tensors (NAM005); here the I/O tensor keeps its index and name (retyped), so signatures
and the names users look up stay valid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from .passes import Option, Pass, PassResult

if TYPE_CHECKING:
    from .edit import Rewrite

__all__ = ["IoType"]

_FROM = {"FLOAT32", "UINT8", "INT8"}


def _params(t: Any) -> tuple[float, int] | None:
    q = t.quantization
    if q is None or not q.has_params or len(q.scale) != 1 or q.details is not None:
        return None
    return float(q.scale[0]), int(q.zero_point[0]) if q.zero_point else 0


# --io-type -> the dtype of the inner tensor the boundary op quantizes to (or dequantizes from)
INNER = {"INT8": "INT8", "UINT8": "INT8", "INT16": "INT16"}


class IoType(Pass):
    name = "io-type"
    options = (
        Option(
            "--io-type",
            "QNT001: integer I/O: drop the boundary QUANTIZE/DEQUANTIZE of a full-integer model (int16: 16x8)",
            {"choices": ("int8", "uint8", "int16")},
        ),
    )

    def __call__(self, rw: Rewrite) -> PassResult:
        target = str(self.values["io_type"]).upper()
        if target not in INNER:
            raise UsageError(f"--io-type takes int8, uint8 or int16, not {target.lower()}")
        s = _schema()
        skipped = _inputs(rw, target, s) + _outputs(rw, target, s)
        sg = rw.model.subgraphs[rw.subgraph]
        inner_type = INNER[target]
        if not rw.report.io_changes and all(sg.tensors[i].dtype == target for i in (*sg.inputs, *sg.outputs)):
            rw.report.notes.append(f"io-type: every input and output is already {target.lower()}; nothing to change")
            return PassResult(False)
        if not rw.report.io_changes:
            hint = " (a 16x8 model takes --io-type int16)" if inner_type == "INT8" and _has_int16_boundary(sg) else ""
            raise UsageError(
                f"--io-type {target.lower()}: no input or output has a boundary QUANTIZE/DEQUANTIZE to an "
                f"{inner_type.lower()} tensor (not a full-integer model){hint}"
            )
        for what in skipped:
            rw.report.notes.append(
                f"io-type: {what} left as it is: no boundary QUANTIZE/DEQUANTIZE to {inner_type.lower()}"
            )
        return PassResult(True)


def _inputs(rw: Rewrite, target: str, s: Any) -> list[str]:
    """Retype each float input whose one consumer QUANTIZEs it; returns the inputs left as they are."""
    from .report import IoChange

    sg = rw.model.subgraphs[rw.subgraph]
    ttype, shift, inner_type = getattr(s.TensorType, target), 128 if target == "UINT8" else 0, INNER[target]
    skipped: list[str] = []
    for i in sg.inputs:
        t = sg.tensors[i]
        if t.dtype == target:
            continue
        cons = sg.consumer_ops(i)
        op = cons[0] if len(cons) == 1 else None
        inner = sg.tensors[op.outputs[0]] if op is not None and op.builtin == "QUANTIZE" else None
        p = _params(inner) if inner is not None and inner.dtype == inner_type else None
        if t.dtype not in _FROM or op is None or p is None:
            skipped.append(f"input {t.name} ({t.dtype.lower()})")
            continue
        assert inner is not None
        scale, zp = p[0], p[1] + shift
        _retype(rw.sg.tensors[i], ttype, scale, zp, s)
        removed = None
        if target != "UINT8":  # uint8 keeps the boundary op as a requantize
            rw.replace_tensor(inner.index, i)
            rw.sg.inputs = [int(x) for x in rw.sg.inputs]
            rw.remove_op(op.index, IoType.name)
            removed = op.opcode
        rw.report.io_changes.append(IoChange("input", i, t.name, t.dtype.lower(), target.lower(), scale, zp, removed))
    return skipped


def _outputs(rw: Rewrite, target: str, s: Any) -> list[str]:
    """Retype each float output a DEQUANTIZE (or QUANTIZE) writes; returns the outputs left as they are."""
    from .report import IoChange

    sg = rw.model.subgraphs[rw.subgraph]
    ttype, shift, inner_type = getattr(s.TensorType, target), 128 if target == "UINT8" else 0, INNER[target]
    skipped: list[str] = []
    for o in sg.outputs:
        t = sg.tensors[o]
        if t.dtype == target:
            continue
        op = sg.producer_op(o)
        inner = sg.tensors[op.inputs[0]] if op is not None and op.builtin in ("DEQUANTIZE", "QUANTIZE") else None
        p = _params(inner) if inner is not None and inner.dtype == inner_type else None
        if t.dtype not in _FROM or op is None or p is None or inner is None or inner.index in sg.outputs:
            skipped.append(f"output {t.name} ({t.dtype.lower()})")
            continue
        scale, zp = p[0], p[1] + shift
        _retype(rw.sg.tensors[o], ttype, scale, zp, s)
        removed = None
        if target != "UINT8":
            # The op that wrote the integer tensor now writes the output tensor itself.
            src_t, out_t = rw.sg.tensors[inner.index], rw.sg.tensors[o]
            out_t.shape, out_t.shapeSignature, out_t.hasRank = src_t.shape, src_t.shapeSignature, src_t.hasRank
            rw.remove_op(op.index, IoType.name)
            _rewire_output(rw, inner.index, o, op.index)
            removed = op.opcode
        elif op.builtin == "DEQUANTIZE":
            _make_quantize(rw, op.index, s)
        rw.report.io_changes.append(IoChange("output", o, t.name, t.dtype.lower(), target.lower(), scale, zp, removed))
    return skipped


def _has_int16_boundary(sg: Any) -> bool:
    for i in sg.inputs:
        cons = sg.consumer_ops(i)
        if len(cons) == 1 and cons[0].builtin == "QUANTIZE" and sg.tensors[cons[0].outputs[0]].dtype == "INT16":
            return True
    return False


def _schema() -> Any:
    from .writer import schema

    return schema()


def _retype(ft: Any, ttype: int, scale: float, zp: int, s: Any) -> None:
    q = s.QuantizationParametersT()
    q.scale = [scale]
    q.zeroPoint = [zp]
    q.quantizedDimension = 0
    ft.type = ttype
    ft.quantization = q


def _rewire_output(rw: Rewrite, inner: int, out: int, removed_op: int) -> None:
    """Ops that read or wrote ``inner`` use ``out`` instead (the removed op is skipped)."""
    for k, op in enumerate(rw.sg.operators):
        if k == removed_op:
            continue
        for attr in ("inputs", "outputs"):
            vals = getattr(op, attr)
            if vals is not None and inner in [int(v) for v in vals]:
                setattr(op, attr, [out if int(v) == inner else int(v) for v in vals])


def _make_quantize(rw: Rewrite, op_index: int, s: Any) -> None:
    """Turn the output DEQUANTIZE into a QUANTIZE (int8 → uint8 requantize)."""
    codes = rw.fb.operatorCodes
    want = s.BuiltinOperator.QUANTIZE
    idx = next((k for k, c in enumerate(codes) if max(c.builtinCode, c.deprecatedBuiltinCode) == want), None)
    if idx is None:
        c = s.OperatorCodeT()
        c.builtinCode = want
        c.deprecatedBuiltinCode = min(want, 127)
        c.version = 2
        codes.append(c)
        idx = len(codes) - 1
    op = rw.sg.operators[op_index]
    op.opcodeIndex = idx
    op.builtinOptionsType = s.BuiltinOptions.QuantizeOptions
    op.builtinOptions = s.QuantizeOptionsT()
