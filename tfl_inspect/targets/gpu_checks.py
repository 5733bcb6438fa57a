"""The checks the GPU accelerator's op parsers are built from: a node's view, ``PreCheck*``, gpu_compatibility.cc.

Ported from LiteRT f67457790c9c (2026-08-21): ``ml_drift_delegate/tflite/operation_parser.cc``
(``ValidateSupport`` and the ``PreCheck*`` helpers, which mirror what ``Parse`` would fail on),
``model_builder_helper.cc`` (runtime/constant input counts, ``ExtractTensorShape``) and
``tflite/tools/versioning/gpu_compatibility.cc`` ``CheckGpuDelegateCompatibility``, which most
parsers call. Messages are the runtime's, so a reason can be found in the accelerator's log.
Used by :mod:`.gpu_parsers` and :mod:`.gpu`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .allocation import CONSTANT, PERSISTENT, Allocation
from .reasons import Reject

if TYPE_CHECKING:
    from ..model import Operator, Subgraph, Tensor

__all__ = [
    "Node",
    "int_values",
    "fail",
    "bhwc",
    "numel",
    "qtype",
    "affine",
    "check_shape",
    "read_value",
    "read_value_of",
    "tensor_id",
    "check_output",
    "check_outputs",
    "get_input",
    "get_output",
    "read_tensor",
    "check_axis",
    "tflite_shape",
    "fuse_activation",
    "runtime_or_constant",
    "check_version",
    "counts",
    "passes",
    "opt",
    "broadcastable",
    "gpu_compatibility",
    "select_compatibility",
    "validate",
    "UNARY",
    "BINARY",
    "F32",
    "F16",
    "BF16",
    "INTS",
    "UINTS",
]

F32, F16, BF16 = "FLOAT32", "FLOAT16", "BFLOAT16"
INTS = ("INT8", "INT16", "INT32")
UINTS = ("UINT8", "UINT16", "UINT32")
# GetSizeOfType (tflite/util.cc): bytes per element; a type not here has no size there either
_SIZE = {
    "FLOAT32": 4, "FLOAT16": 2, "BFLOAT16": 2, "FLOAT64": 8, "INT8": 1, "UINT8": 1, "INT16": 2, "UINT16": 2,
    "INT32": 4, "UINT32": 4, "INT64": 8, "UINT64": 8, "BOOL": 1, "COMPLEX64": 8, "COMPLEX128": 16,
}  # fmt: skip


def fail(code: str, message: str, operand: str | None = None, fix: Any = None) -> Reject:
    return Reject(code, message, operand, fix)


class Node:
    """A node as ``IsSupported`` sees it: inputs remapped by the float16 partition helper, tensor classes."""

    __slots__ = ("_runtime", "alloc", "classes", "inputs", "op", "opts", "outputs", "sg")

    def __init__(self, sg: Subgraph, op: Operator, alloc: Allocation, remap: Mapping[int, int]) -> None:
        self.sg, self.op, self.alloc, self.classes = sg, op, alloc, alloc.classes
        self.inputs = [remap.get(t, t) for t in op.inputs] if remap else list(op.inputs)
        self.outputs = list(op.outputs)
        self.opts = op.options
        classes = self.classes
        self._runtime = sum(1 for t in self.inputs if t >= 0 and classes[t] != CONSTANT)

    # -- tensors ------------------------------------------------------------------------------------
    def tin(self, slot: int) -> Tensor | None:
        ins = self.inputs
        t = ins[slot] if 0 <= slot < len(ins) else -1
        return self.sg.tensors[t] if t >= 0 else None

    def tout(self, slot: int) -> Tensor | None:
        outs = self.outputs
        t = outs[slot] if 0 <= slot < len(outs) else -1
        return self.sg.tensors[t] if t >= 0 else None

    def cls(self, t: Tensor | None) -> str | None:
        return self.classes[t.index] if t is not None else None

    def is_const(self, t: Tensor | None) -> bool:
        """``IsConstantTensor``: kTfLiteMmapRo (a Prepare-computed tensor is not)."""
        return t is not None and self.cls(t) == CONSTANT

    def has_data(self, t: Tensor | None) -> bool:
        """``data.raw_const != nullptr`` while the delegate looks: constants and Prepare-computed tensors."""
        return t is not None and self.cls(t) in (CONSTANT, PERSISTENT)

    def runtime_inputs(self) -> int:
        """``GetNumberOfRuntimeInputsForNode`` (omitted inputs are neither)."""
        return self._runtime

    def const_inputs(self) -> int:
        """``GetNumberOfConstInputsForNode`` = inputs - runtime inputs (an omitted input counts here)."""
        return len(self.inputs) - self._runtime

    def sig_consts(self) -> int:
        """OpSignature ``is_const`` inputs (an omitted input is not one)."""
        return sum(1 for t in self.inputs if t >= 0) - self._runtime

    def dims(self, slot: int, output: bool = False) -> tuple[int, ...]:
        t = self.tout(slot) if output else self.tin(slot)
        return t.shape if t is not None else ()

    def dtype(self, slot: int, output: bool = False) -> str:
        t = self.tout(slot) if output else self.tin(slot)
        return t.dtype if t is not None else "NOTYPE"

    def name(self, slot: int, output: bool = False) -> str:
        t = self.tout(slot) if output else self.tin(slot)
        role = "output" if output else "input"
        return f"{role} {slot} '{t.name}'" if t is not None else f"{role} {slot}"

    def values(self, slot: int) -> list[int] | None:
        """Integer contents of a constant input (None when not in the file)."""
        t = self.tin(slot)
        return int_values(t) if t is not None else None


_STRUCT = {
    "INT8": "b",
    "UINT8": "B",
    "BOOL": "?",
    "INT16": "h",
    "UINT16": "H",
    "INT32": "i",
    "UINT32": "I",
    "INT64": "q",
}


def int_values(t: Tensor) -> list[int] | None:
    """An integer constant's values, read from its bytes (no numpy for the axes and bounds parsers read)."""
    if not t.is_constant or t.dtype not in _STRUCT:
        return None
    raw = t.raw()
    if raw is None:
        try:
            data = t.data()
        except Exception:
            return None
        return None if data is None else [int(v) for v in data.reshape(-1)]
    code = _STRUCT[t.dtype]
    size = struct.calcsize(code)
    return [int(v) for v in struct.unpack(f"<{len(raw) // size}{code}", raw[: len(raw) - len(raw) % size])]


# -- helpers of operation_parser.cc / model_builder_helper.cc -----------------------------------------


def bhwc(dims: tuple[int, ...]) -> tuple[int, int, int, int]:
    """``ExtractTensorShape``."""
    n = len(dims)
    if n == 0:
        return (1, 1, 1, 1)
    if n == 1:
        return (dims[0], 1, 1, 1)
    if n == 2:
        return (dims[0], 1, 1, dims[1])
    if n == 3:
        return (dims[0], 1, dims[1], dims[2])
    return (dims[0], dims[1], dims[2], dims[3])


def numel(dims: tuple[int, ...]) -> int:
    n = 1
    for d in dims:
        n *= d
    return n


def check_shape(t: Tensor, what: str = "") -> None:
    """``CheckTensorShape``: rank 0 to 5."""
    if len(t.shape) > 5:
        raise fail(
            "UNSUPPORTED_OPERAND_RANK", f'Tensor "{t.name}" has bad input dims size: {len(t.shape)}.', what or None
        )


def qtype(t: Tensor) -> str | None:
    """``TfLiteQuantization.type`` as ``InterpreterBuilder::ParseQuantization`` sets it (None: no params)."""
    q = t.quantization
    if q is None:
        return None
    kind = q.details.get("type") if q.details else None
    if kind == "BlockwiseQuantization":
        return "blockwise"
    if kind == "MultiAxisQuantization":
        return "multiaxis"
    return "affine" if q.scale else None


def affine(t: Tensor) -> bool:
    return qtype(t) == "affine"


def read_value_of(n: Node, t: Tensor, what: str) -> None:
    """``PreCheckReadValueByTensorIdx``."""
    if t.dtype in ("INT8", "UINT8") and affine(t):
        check_shape(t, what)
        q = t.quantization
        if q is not None and len(q.scale) > 1:
            raise fail(
                "UNSUPPORTED_QUANTIZATION_PARAMETERS",
                f"Unsupported quantization scale size ({what} '{t.name}' is quantized per channel, "
                f"{len(q.scale)} scales)",
                what,
            )
    else:
        check_shape(t, what)


def tensor_id(n: Node, slot: int) -> Tensor:
    """``GetTensorId``: the slot exists and is not an omitted (-1) input."""
    if not 0 <= slot < len(n.inputs):
        raise fail("MISSING_REQUIRED_OPERAND", f"Invalid input tensor index: {slot}", f"input {slot}")
    t = n.tin(slot)
    if t is None:
        raise fail("MISSING_REQUIRED_OPERAND", f"Invalid Tensor index: -1 (input {slot} is omitted)", f"input {slot}")
    return t


def read_value(n: Node, slot: int) -> None:
    """``PreCheckReadValue``."""
    read_value_of(n, tensor_id(n, slot), f"input {slot}")


def check_output(n: Node, i: int) -> None:
    t = n.tout(i)
    if t is not None:
        read_value_of(n, t, f"output {i}")


def check_outputs(n: Node) -> None:
    """``PreCheckOutputs``."""
    for i in range(len(n.outputs)):
        check_output(n, i)


def get_input(n: Node, slot: int) -> Tensor:
    """``PreGetInputTensor`` (``GetInputSafe``: an omitted input is not available)."""
    t = n.tin(slot)
    if t is None:
        raise fail("MISSING_REQUIRED_OPERAND", f"input #{slot} tensor is not available", f"input {slot}")
    return t


def get_output(n: Node, slot: int) -> Tensor:
    t = n.tout(slot)
    if t is None:
        raise fail("MISSING_REQUIRED_OPERAND", f"output #{slot} tensor is not available", f"output {slot}")
    return t


_DIMS_CHECKS: dict[str, Callable[[tuple[int, ...]], str | None]] = {
    "scalar": lambda d: None if all(x == 1 for x in d) else f"{list(d)} cannot be reduced to scalar.",
    "linear": lambda d: None if d and all(x == 1 for x in d[:-1]) else "Isn't linear convertible.",
    "hwc": lambda d: (
        None
        if len(d) == 3 or (len(d) == 4 and d[0] == 1)
        else (
            "Batch size is not equal to 1."
            if len(d) == 4
            else f"Expected a 3D tensor of shape HxWxC or a 4D tensor of shape 1xHxWxC but got {list(d)}"
        )
    ),
    "hw": lambda d: None if len(d) == 2 else f"Expected a 2D tensor of shape HxW but got {list(d)}",
    "ohwi": lambda d: None if len(d) == 4 else f"Expected a 4D tensor of shape OxHxWxI but got {list(d)}",
    "bhwc": lambda d: None if len(d) <= 5 else f"bad input dims size: {len(d)}.",
}


def read_tensor(n: Node, slot: int, layout: str, elem: str) -> list[int] | None:
    """``PreCheckReadTensor`` / ``PreReadTensor`` into a ``Tensor<layout, elem>``: the data must be there
    (a constant, or computed at Prepare), of a type ``CopyData`` reads, with dims the layout takes.
    Returns the integer contents when the file has them."""
    t = tensor_id(n, slot)
    what = f"input {slot}"
    if t.sparsity is not None:
        raise fail("UNSUPPORTED_OPERAND_VALUE", f"ML Drift doesn't support sparsity ({what} '{t.name}').", what)
    if not n.has_data(t):
        raise fail(
            "CONSTANT_INPUT_REQUIRED",
            f"src has no data: {what} '{t.name}' must be a constant (or computed when the model is prepared)",
            what,
        )
    if elem == "float":
        if t.dtype not in (F32, F16, "INT4", "INT8", "UINT8", "INT32"):
            raise fail(
                "UNSUPPORTED_INPUT_TYPE", f"Unsupported data type for float32 tensor ({what} is {t.dtype})", what
            )
    else:
        size = 4
        nbytes = t.nbytes if t.is_constant else numel(t.shape) * _SIZE.get(t.dtype, 0)
        if nbytes % size:
            raise fail(
                "UNSUPPORTED_INPUT_TYPE", f"Input data size {nbytes} is not aligned to expected type: {size}", what
            )
        if numel(t.shape) * size != nbytes:
            raise fail("UNSUPPORTED_INPUT_TYPE", f"src has wrong size ({what} is {t.dtype}, read as INT32).", what)
        bad = {"NOTYPE": "src has no type.", "STRING": "src can't be string.", F16: "src can't be float16."}
        if t.dtype in bad or t.dtype in ("COMPLEX64", "COMPLEX128", "RESOURCE", "VARIANT"):
            raise fail("UNSUPPORTED_INPUT_TYPE", bad.get(t.dtype, f"src can't be {t.dtype.lower()}."), what)
    err = _DIMS_CHECKS[layout](t.shape)
    if err is not None:
        raise fail("UNSUPPORTED_OPERAND_RANK", f"{err} ({what} '{t.name}')", what)
    return n.values(slot)


def check_axis(t: Tensor, index: int) -> None:
    """``PreCheckAxisFromIndex``."""
    rank = len(t.shape)
    if index < 0:
        index += rank
    if not 0 <= index < rank:
        raise fail("INVALID_ARGUMENT", f"Index for axis out of range (axis {index} of '{t.name}', rank {rank})")
    if rank > 4:
        raise fail("UNSUPPORTED_OPERAND_RANK", f"Unknown layout ('{t.name}' has rank {rank}).")


def tflite_shape(t: Tensor) -> None:
    """``PreCheckTfLiteShape``: rank 1 to 4."""
    if not 1 <= len(t.shape) <= 4:
        raise fail("UNSUPPORTED_OPERAND_RANK", f'Tensor "{t.name}" has bad input dims size: {len(t.shape)}.')


_ACTIVATIONS = ("NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT")


def fuse_activation(n: Node, activation: object, skip_size: bool = False) -> None:
    """``PreCheckMaybeFuseActivation`` (one output; no SIGN_BIT)."""
    if not skip_size and len(n.outputs) != 1:
        raise fail("UNSUPPORTED_OPERAND_SIZE", "Number of outputs != 1")
    if activation not in (None, "NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGMOID"):
        raise fail("NO_ACTIVATION_EXPECTED", f"Unsupported fused activation: {activation}")


def runtime_or_constant(n: Node, slot: int) -> None:
    """``PreCheckRuntimeOrConstantInput``."""
    try:
        read_value(n, slot)
        return
    except Reject:
        pass
    t = get_input(n, slot)
    if t.dtype == F32:
        read_tensor(n, slot, "bhwc", "float")
    elif t.dtype in ("BOOL", "INT32"):
        read_tensor(n, slot, "bhwc", "int32")
    else:
        raise fail("UNSUPPORTED_INPUT_TYPE", f"Unsupported tensor type in NewConstNode: {t.dtype}", f"input {slot}")


# -- ValidateSupport and gpu_compatibility.cc ------------------------------------------------------------


def check_version(n: Node, max_version: int) -> None:
    """``CheckMaxSupportedOpVersion``."""
    if max_version != -1 and n.op.version > max_version:
        raise fail(
            "UNSUPPORTED_OPERATOR_VERSION",
            f"Max version supported: {max_version}. Requested version {n.op.version}.",
        )


def counts(n: Node, runtime: int, outputs: int, consts: int | None = None, sig: bool = False) -> None:
    """``CheckInputsOutputs`` / ``CheckInputsConstsOutputs`` (``sig``: gpu_compatibility's OpSignature count)."""
    if consts is not None:
        have = n.sig_consts() if sig else n.const_inputs()
        if have != consts:
            raise fail(
                "CONSTANT_INPUT_REQUIRED" if have < consts else "UNSUPPORTED_OPERAND_SIZE",
                f"Expected {consts} const input tensor(s), but node has {have} const input(s).",
            )
    r = n.runtime_inputs()
    if r != runtime:
        raise fail(
            "UNSUPPORTED_OPERAND_SIZE",
            f"Expected {runtime} runtime input tensor(s), but node has {r} runtime input(s).",
        )
    if len(n.outputs) != outputs:
        raise fail(
            "UNSUPPORTED_OPERAND_SIZE", f"Expected {outputs} output tensor(s), but node has {len(n.outputs)} output(s)."
        )


def passes(check: Callable[[], None]) -> bool:
    try:
        check()
    except Reject:
        return False
    return True


def opt(n: Node, key: str, default: Any = None) -> Any:
    return n.opts.get(key, default)


def _strides_ok(h: Any, w: Any, what: str = "stride") -> None:
    if not (isinstance(h, int) and isinstance(w, int) and h > 0 and w > 0):
        names = ("stride_height", "stride_width") if what == "stride" else (f"{what}_height", f"{what}_width")
        raise fail("INVALID_ARGUMENT", f"Incorrect {what} values: {names[0]} = {h}, {names[1]} = {w}")


def _activation_ok(act: Any) -> None:
    if act == "SIGN_BIT":
        raise fail("NO_ACTIVATION_EXPECTED", "TfLiteFusedActivation.kTfLiteActSignBit")


def _conv_io(n: Node) -> None:
    """``CheckConvolutionInputOutput``."""
    r = n.runtime_inputs()
    if not 1 <= r <= 2:
        raise fail("UNSUPPORTED_OPERAND_SIZE", f"Expected 1 or 2 input tensor(s), but node has {r} runtime inputs.")
    if len(n.outputs) != 1:
        raise fail(
            "UNSUPPORTED_OPERAND_SIZE", f"Expected 1 output tensor(s), but node has {len(n.outputs)} runtime outputs."
        )
    if r == 1 and len(n.inputs) < 2:
        raise fail("MISSING_REQUIRED_OPERAND", "Requested index goes beyond array size: 1")


def _pool_compat(n: Node) -> None:
    custom = n.op.is_custom
    counts(n, 1, 2 if custom else 1)
    if not custom:
        fh, fw = opt(n, "filter_height", 0), opt(n, "filter_width", 0)
        if not (fh > 0 and fw > 0):
            raise fail("INVALID_ARGUMENT", f"Incorrect kernel values: kernel_height = {fh}, kernel_width = {fw}")
        _strides_ok(opt(n, "stride_h", 0), opt(n, "stride_w", 0))
        _activation_ok(opt(n, "fused_activation_function"))


def broadcastable(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y and x != 1 and y != 1:
            return False
    return True


def _add_mul_broadcast(n: Node, enhanced: bool) -> None:
    a, b = n.dims(0), n.dims(1)
    if len(a) > 1 and len(b) > 1 and len(a) != len(b):
        longer, shorter = (a, b) if len(a) >= len(b) else (b, a)
        if enhanced:
            ok = broadcastable(longer, shorter)
        else:
            ok = (
                (len(longer) == 4 and len(shorter) == 3 and longer[0] == 1)
                or (len(longer) == 4 and len(shorter) == 2 and longer[0] == 1 and shorter == (1, 1))
                or (len(longer) == 4 and len(shorter) == 2 and longer[0] == shorter[0] and longer[3] == shorter[1])
            )
        if not ok:
            raise fail(
                "UNSUPPORTED_OPERAND_SIZE",
                f"Doesn't support broadcasting - input0: [{','.join(map(str, a))}], input1: [{','.join(map(str, b))}]",
            )


UNARY = frozenset(
    "ABS CEIL COS ELU EXP FLOOR GELU LOG LOGICAL_NOT LOGISTIC NEG ROUND RSQRT SIGN SIN SQRT SQUARE TANH".split()
)
BINARY = frozenset(
    (
        "ATAN2 DIV EQUAL FLOOR_DIV FLOOR_MOD GREATER GREATER_EQUAL LOGICAL_AND LOGICAL_OR LESS LESS_EQUAL MAXIMUM "
        "MINIMUM NOT_EQUAL POW RIGHT_SHIFT STABLEHLO_REMAINDER STABLEHLO_SHIFT_LEFT SQUARED_DIFFERENCE SUB"
    ).split()
)
_REDUCE = frozenset(("REDUCE_ALL", "REDUCE_ANY", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_PROD", "SUM"))


def _axes_const(n: Node, idx: int) -> None:
    t = n.tin(idx) if idx < len(n.inputs) else None
    if not n.is_const(t):
        raise fail("CONSTANT_INPUT_REQUIRED", f"{n.op.opcode} is only supported with constant axes.", f"input {idx}")
    if t is not None and t.dtype != "INT32":
        raise fail(
            "UNSUPPORTED_INPUT_TYPE",
            f"{n.op.opcode} supports int32 tensor for axes. But node has {t.dtype}",
            f"input {idx}",
        )


def gpu_compatibility(n: Node, enhanced: bool = False) -> None:
    """``tflite::CheckGpuDelegateCompatibility`` (gpu_compatibility.cc:520-1280)."""
    b = n.op.builtin
    sig_runtime = n.runtime_inputs()
    if b in ("ADD", "MUL"):
        if len(n.inputs) != 2:
            raise fail("UNSUPPORTED_OPERAND_SIZE", f"{b} requires two input tensors.")
        if b == "ADD" or len(n.dims(0)) != len(n.dims(1)):
            _add_mul_broadcast(n, enhanced)
        if b == "MUL":
            _activation_ok(opt(n, "fused_activation_function"))
        return
    if b == "ADD_N":
        if len(n.inputs) != 2:
            raise fail("UNSUPPORTED_OPERAND_SIZE", "ADD_N only supports 2 inputs.")
        return
    if b in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        return _pool_compat(n)
    if b == "BATCH_MATMUL":
        if not (len(n.inputs) == 2 and len(n.outputs) == 1):
            raise fail(
                "UNSUPPORTED_OPERAND_SIZE",
                f"Expected 2 inputs and 1 output, got: {len(n.inputs)} inputs and {len(n.outputs)} outputs",
            )
        return
    if b == "BITCAST":
        return _bitcast_compat(n)
    if b == "CAST":
        counts(n, 1, 1)
        src, dst = n.dtype(0), n.dtype(0, True)
        if (
            (src == "BOOL" and dst in (F16, F32))
            or (src in (F16, F32) and dst == "BOOL")
            or (src in (F32, "INT32") and dst in (F32, "INT32"))
        ):
            return
        raise fail("UNSUPPORTED_INPUT_TYPE", f"Not supported Cast case. Input type: {src} and output type: {dst}")
    if b == "CONCATENATION":
        return
    if b == "CONV_2D":
        _conv_io(n)
        _strides_ok(opt(n, "stride_h", 0), opt(n, "stride_w", 0))
        _strides_ok(opt(n, "dilation_h_factor", 0), opt(n, "dilation_w_factor", 0), "dilation")
        return _activation_ok(opt(n, "fused_activation_function"))
    if b == "CUMSUM":
        if len(n.inputs) != 2 or len(n.outputs) != 1:
            raise fail("UNSUPPORTED_OPERAND_SIZE", "Expects 2 inputs and 1 output")
        if (
            n.dtype(0) not in (F16, F32)
            or n.dtype(0, True) != n.dtype(0)
            or n.dtype(1) != "INT32"
            or not n.is_const(n.tin(1))
        ):
            raise fail(
                "CONSTANT_INPUT_REQUIRED",
                "Input/output must be float type and indices must be constant int32 type",
            )
        return
    if b == "DENSIFY":
        return counts(n, 0, 1)
    if b == "DEPTHWISE_CONV_2D":
        _conv_io(n)
        _strides_ok(opt(n, "stride_h", 0), opt(n, "stride_w", 0))
        _strides_ok(opt(n, "dilation_h_factor", 0), opt(n, "dilation_w_factor", 0), "dilation")
        _activation_ok(opt(n, "fused_activation_function"))
        i, f, o = n.dims(0), n.dims(1), n.dims(0, True)
        for dims, role in ((i, "input"), (f, "filter"), (o, "output")):
            if len(dims) != 4:
                raise fail("UNSUPPORTED_OPERAND_RANK", f"{role}.dims.size != 4")
        if i[0] != o[0]:
            raise fail("UNSUPPORTED_OPERAND_SIZE", "input.b != output.b")
        if f[3] != o[3]:
            raise fail("UNSUPPORTED_OPERAND_SIZE", "filter.i != output.c")
        if o[3] != i[3] * int(opt(n, "depth_multiplier", 1) or 0):
            raise fail("UNSUPPORTED_OPERAND_SIZE", "output.c != input.c * depth_multiplier")
        if len(n.inputs) > 2 and numel(n.dims(2)) != o[3] and n.tin(2) is not None:
            raise fail("UNSUPPORTED_OPERAND_SIZE", "bias.size != output.c")
        return
    if b in ("DEPTH_TO_SPACE", "SPACE_TO_DEPTH"):
        counts(n, 1, 1)
        bs = opt(n, "block_size", 0)
        if bs == 1:
            raise fail("UNSUPPORTED_OPERAND_VALUE", f"{b} block_size = 1 is a no-op.")
        if bs < 1:
            raise fail("UNSUPPORTED_OPERAND_VALUE", f"{b} block_size must be > 1.")
        return
    if b == "DEQUANTIZE":
        if len(n.inputs) != 1 or len(n.outputs) != 1:
            raise fail(
                "UNSUPPORTED_OPERAND_SIZE",
                f"Expected 1 input & output each from Dequantize, got: {len(n.inputs)}, {len(n.outputs)}",
            )
        if n.dtype(0) == "INT16":
            raise fail("UNSUPPORTED_INPUT_TYPE", "Unsupported dequantization type.", "input 0")
        return
    if b == "EMBEDDING_LOOKUP":
        if len(n.inputs) != 2:
            raise fail("UNSUPPORTED_OPERAND_SIZE", f"Expected 2, but got {len(n.inputs)} inputs.")
        if len(n.outputs) != 1:
            raise fail("UNSUPPORTED_OPERAND_SIZE", f"Expected 1, but got {len(n.outputs)} outputs.")
        ids, value, out = n.dims(0), n.dims(1), n.dims(0, True)
        if len(ids) != 1:
            raise fail("UNSUPPORTED_OPERAND_RANK", f"Expected 1D, but got {len(ids)}D input #0.")
        if len(value) < 2:
            raise fail("UNSUPPORTED_OPERAND_RANK", f"Expected > 1D, but got {len(value)}D input #1.")
        if len(value) != len(out):
            raise fail("UNSUPPORTED_OPERAND_RANK", f"Expected {len(value)}, but got {len(out)} for output.")
        for d in range(1, len(out)):
            if value[d] != out[d]:
                raise fail("UNSUPPORTED_OPERAND_SIZE", f"Expected {value[d]}, but got {out[d]} for output.dim[{d}].")
        if n.dtype(1) not in ("INT8", "INT4", "INT2", F32):
            raise fail(
                "UNSUPPORTED_INPUT_TYPE", f"Expected int8, int4, int2, or float32, but got {n.dtype(1)} for input #1."
            )
        return
    if b == "DYNAMIC_UPDATE_SLICE":
        if len(n.inputs) != 3:
            raise fail("UNSUPPORTED_OPERAND_SIZE", "DynamicUpdateSlice requires 3 inputs.")
        if n.dtype(0) != n.dtype(1):
            raise fail(
                "UNSUPPORTED_INPUT_TYPE",
                "Array to update and updated slice must have the same data type, but got: "
                f"array to update: {n.dtype(0)}, updated slice: {n.dtype(1)}",
            )
        if len(n.dims(2)) != 1:
            raise fail("UNSUPPORTED_OPERAND_RANK", f"Start indices must be 1D, but got: {len(n.dims(2))}")
        if n.dtype(2) != "INT32":
            raise fail("UNSUPPORTED_INPUT_TYPE", "start_indices must be of type int32.")
        if len(n.dims(0)) != len(n.dims(1)):
            raise fail(
                "UNSUPPORTED_OPERAND_RANK",
                "Operand and update must have the same number of dimensions, but got: "
                f"operand: {len(n.dims(0))}, update: {len(n.dims(1))}",
            )
        return
    if b == "FULLY_CONNECTED":
        if not n.inputs:
            raise fail("MISSING_REQUIRED_OPERAND", "Expected at least 1 input")
        if opt(n, "weights_format", "DEFAULT") != "DEFAULT":
            raise fail(
                "UNSUPPORTED_OPERATOR_VARIANT",
                f"Unsupported FullyConnected weights format: {opt(n, 'weights_format')}",
            )
        if sig_runtime > 2:
            raise fail("UNSUPPORTED_OPERAND_SIZE", "FullyConnected doesn't support more than 2 runtime inputs.")
        if n.is_const(n.tin(0)):
            raise fail("UNSUPPORTED_OPERAND_VALUE", "FullyConnected doesn't support constant input.", "input 0")
        if opt(n, "keep_num_dims", False):
            if not n.outputs:
                raise fail("MISSING_REQUIRED_OPERAND", "Expected at least 1 output")
            if len(n.dims(0)) != len(n.dims(0, True)):
                raise fail(
                    "UNSUPPORTED_OPERAND_RANK",
                    "Input and output dimensions different and FullyConnected doesn't support keep_num_dims.",
                )
        return
    if b == "GATHER":
        if not (passes(lambda: counts(n, 2, 1, 0, sig=True)) or passes(lambda: counts(n, 1, 1, 1, sig=True))):
            raise fail("UNSUPPORTED_OPERAND_SIZE", "Op can only handle 1 or 2 operand(s).")
        if len(n.dims(1)) != 1:
            raise fail("UNSUPPORTED_OPERAND_RANK", "Only support 1D indices", "input 1 (indices)")
        if n.dtype(1) != "INT32":
            raise fail("UNSUPPORTED_INPUT_TYPE", "Only accept INT32 indices", "input 1 (indices)")
        return
    if b == "HARD_SWISH":
        return counts(n, 1, 1)
    if b == "LSTM":
        kernel = opt(n, "kernel_type", "FULL")
        act = opt(n, "fused_activation_function")
        if kernel == "FULL":
            if len(n.inputs) not in (20, 24):
                raise fail(
                    "UNSUPPORTED_OPERAND_SIZE",
                    f"Expected 20 or 24 input tensors, but node has {len(n.inputs)} input(s).",
                )
            if len(n.outputs) != 1:
                raise fail(
                    "UNSUPPORTED_OPERAND_SIZE", f"Expected 1 output tensor, but node has {len(n.outputs)} output(s)."
                )
            if act not in ("SIGMOID", "TANH"):
                raise fail(
                    "UNSUPPORTED_OPERATOR_VARIANT", f"Only sigmoid or tanh activation is supported, but node has {act}"
                )
            return
        counts(n, 3, 4, 2, sig=True)
        if n.dims(3, True) and n.dims(3, True)[-1] % 4:
            raise fail("UNSUPPORTED_OPERAND_SIZE", "BasicLSTM activation depth must be a multiple of 4.")
        if act != "TANH":
            raise fail("UNSUPPORTED_OPERATOR_VARIANT", f"Only TANH activation is supported. but node has {act}")
        if opt(n, "cell_clip", 0.0):
            raise fail("UNSUPPORTED_OPERATOR_VARIANT", "cell_clip is not supported.")
        if opt(n, "proj_clip", 0.0):
            raise fail("UNSUPPORTED_OPERATOR_VARIANT", "proj_clip is not supported.")
        return
    if b == "MEAN" or b in _REDUCE:
        counts(n, 1, 1, 1, sig=True)
        return _axes_const(n, 1)
    if b == "REVERSE_V2":
        counts(n, 1, 1, 1, sig=True)
        return _axes_const(n, 1)
    if b in ("PACK", "RELU_N1_TO_1", "PRELU", "SPLIT", "SPLIT_V", "RELU", "RELU6", "LEAKY_RELU"):
        return
    if b == "ONE_HOT":
        return _one_hot_compat(n)
    if b in ("QUANTIZE", "RESHAPE", "TILE", "TRANSPOSE"):
        return counts(n, 1, 1)
    if b == "TOPK_V2":
        return counts(n, 1, 2)
    if b in ("SELECT", "SELECT_V2"):
        return select_compatibility(n, strict=True)
    if b == "SLICE":
        if len(n.inputs) < 3:
            raise fail("UNSUPPORTED_OPERAND_SIZE", f"SLICE requires 3 inputs, but node has {len(n.inputs)} inputs.")
        r = len(n.dims(0))
        if r not in (3, 4):
            raise fail(
                "UNSUPPORTED_OPERAND_RANK",
                f"SLICE supports for 3 or 4 dimensional tensors only, but node has {r} dimensional tensors.",
            )
        return
    if b == "SOFTMAX":
        if float(opt(n, "beta", 1.0)) != 1.0:
            raise fail("UNSUPPORTED_OPERAND_VALUE", "Softmax.beta != 1 is not supported.")
        return
    if b == "STRIDED_SLICE":
        for m in ("ellipsis_mask", "new_axis_mask"):
            if opt(n, m, 0):
                raise fail("UNSUPPORTED_OPERATOR_VARIANT", f"StridedSlice does not support {m}.")
        if opt(n, "shrink_axis_mask", 0):
            raise fail("UNSUPPORTED_OPERATOR_VARIANT", "StridedSlice does not support shrink_axis_mask parameter.")
        if len(n.inputs) < 4:
            raise fail("UNSUPPORTED_OPERAND_SIZE", "STRIDED_SLICE requires 4 inputs.")
        if len(n.dims(0)) not in (3, 4):
            raise fail("UNSUPPORTED_OPERAND_RANK", "STRIDED_SLICE supports for 3 or 4 dimensional tensors only.")
        return
    if b == "TRANSPOSE_CONV":
        _conv_io(n)
        return _strides_ok(opt(n, "stride_h", 0), opt(n, "stride_w", 0))
    if b in ("RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR"):
        counts(n, 1, 1)
        if b == "RESIZE_BILINEAR" and opt(n, "align_corners", False) and opt(n, "half_pixel_centers", False):
            raise fail("UNSUPPORTED_OPERATOR_VARIANT", "If half_pixel_centers is True, align_corners must be False.")
        return
    if b in ("PAD", "PADV2", "MIRROR_PAD"):
        if b == "MIRROR_PAD" and opt(n, "mode", "REFLECT") != "REFLECT":
            mode = {"SYMMETRIC": 1}.get(str(opt(n, "mode")), opt(n, "mode"))
            raise fail(
                "UNSUPPORTED_OPERATOR_VARIANT",
                f"Only Reflective padding is supported for Mirror Pad operation. But node has {mode}",
            )
        counts(n, 1, 1)
        if len(n.inputs) < 2:
            raise fail("MISSING_REQUIRED_OPERAND", "Requested index goes beyond array size: 1")
        p = n.dims(1)
        if len(p) != 2:
            raise fail(
                "UNSUPPORTED_OPERAND_SIZE", f"Invalid paddings tensor dimension: expected 2 dim, got {len(p)} dim"
            )
        if p[0] not in (3, 4) or p[1] != 2:
            raise fail(
                "UNSUPPORTED_OPERAND_SIZE", f"Invalid paddings tensor shape: expected 4x2 or 3x2, got {p[0]}x{p[1]}"
            )
        return
    if b in UNARY:
        return counts(n, 1, 1, 0, sig=True)
    if b in BINARY:
        if not (passes(lambda: counts(n, 2, 1, 0, sig=True)) or passes(lambda: counts(n, 1, 1, 1, sig=True))):
            raise fail("UNSUPPORTED_OPERAND_SIZE", "Op can only handle 1 or 2 operand(s).")
        if b in ("DIV", "SUB"):
            _activation_ok(opt(n, "fused_activation_function"))
        return
    if b == "STABLEHLO_BROADCAST_IN_DIM":
        if not passes(lambda: counts(n, 1, 1, 1, sig=True)):
            raise fail("UNSUPPORTED_OPERAND_SIZE", "requires one runtime input, one const input, and one output")
        if len(n.dims(1)) != 1:
            raise fail("UNSUPPORTED_OPERAND_RANK", "Only support 1D indices")
        if n.dtype(1) != "INT32":
            raise fail("UNSUPPORTED_INPUT_TYPE", "Only support int32 indices")
        if len(n.dims(0)) != n.dims(1)[0]:
            raise fail("UNSUPPORTED_OPERAND_SIZE", "Require size(indices) = rank(operand)")
        return
    if b == "STABLEHLO_CBRT":
        counts(n, 1, 1, 0, sig=True)
        if n.dtype(0) not in (F16, F32, BF16):
            raise fail("UNSUPPORTED_INPUT_TYPE", "Only support float inputs")
        if n.dtype(0) != n.dtype(0, True):
            raise fail("UNSUPPORTED_INPUT_TYPE", "Input and output types must match")
        return
    if b == "STABLEHLO_CLAMP":
        counts(n, 3, 1, 0, sig=True)
        if n.dtype(0) != n.dtype(1) or n.dtype(1) != n.dtype(2):
            raise fail("UNSUPPORTED_INPUT_TYPE", "Clamp tensors must all be the same type")
        if n.dims(0) != n.dims(1) and numel(n.dims(0)) != 1:
            raise fail("UNSUPPORTED_OPERAND_SIZE", "Min tensor must be the same shape as the input, or a scalar")
        if n.dims(2) != n.dims(1) and numel(n.dims(2)) != 1:
            raise fail("UNSUPPORTED_OPERAND_SIZE", "Max tensor must be the same shape as the input, or a scalar")
        return
    if b == "CUSTOM":
        return _custom_compat(n)
    raise fail("UNSUPPORTED_OPERATOR", f"Not supported op {b}")


def _bitcast_compat(n: Node) -> None:
    counts(n, 1, 1)
    a, b = n.dims(0), n.dims(0, True)
    sa, sb = _SIZE.get(n.dtype(0)), _SIZE.get(n.dtype(0, True))
    if sa is None:
        raise fail("UNSUPPORTED_INPUT_TYPE", "Could not parse input type")
    if sb is None:
        raise fail("UNSUPPORTED_OUTPUT_TYPE", "Could not parse output type")
    if sa == sb:
        if a != b:
            raise fail(
                "UNSUPPORTED_OPERAND_SIZE",
                "If input and output types have the same element size, they must have the same shapes",
            )
    elif sa > sb:
        if len(a) + 1 != len(b) or a != b[: len(a)] or b[-1] * sb != sa:
            raise fail(
                "UNSUPPORTED_OPERAND_SIZE",
                "If input element size is greater than output element size, require that output rank is one "
                "greater than input rank, the shapes match in all but the last dim and the last output dim is "
                "the input element size divided by the output element size",
            )
    elif len(a) != len(b) + 1 or b != a[: len(b)] or a[-1] * sa != sb:
        raise fail(
            "UNSUPPORTED_OPERAND_SIZE",
            "If output element size is greater than input element size, require that input rank is one greater "
            "than output rank, the shapes match in all but the last dim and the last input dim is the output "
            "element size divided by the input element size",
        )


def _one_hot_compat(n: Node) -> None:
    if len(n.inputs) != 4 or len(n.outputs) != 1:
        raise fail("UNSUPPORTED_OPERAND_SIZE", "Expects 4 inputs and 1 output")
    err = fail(
        "UNSUPPORTED_OPERAND_VALUE",
        "Indices must be int32 type, on/off tensors must be constant, scalar, float type, axis must be -1 or last dim",
    )
    if n.dtype(0) != "INT32":
        raise err
    d = n.dims(0)
    axis = opt(n, "axis", -1)
    if axis != -1 and (not d or axis != d[-1]):
        raise err
    for i in range(len(d) - 1):
        if len(d) > 3 and i == 0:
            continue
        if d[i] != 1:
            raise fail("UNSUPPORTED_OPERAND_SIZE", f"Unsupported non-singleton dim at {i}")
    if n.dtype(2) != F32 or n.dtype(3) != F32:
        raise err
    for s in (2, 3):
        if not n.is_const(n.tin(s)) or len(n.dims(s)) > 1 or (n.dims(s) and n.dims(s)[0] > 1):
            raise err


def select_compatibility(n: Node, strict: bool) -> None:
    """``CheckSelectV2GpuDelegateCompatibility`` (strict) or SelectV2OperationParser's own, looser copy."""
    if len(n.inputs) != 3 or len(n.outputs) != 1:
        raise fail("UNSUPPORTED_OPERAND_SIZE", "Expected 3 inputs and 1 output")
    err = fail(
        "UNSUPPORTED_OPERAND_VALUE",
        "Cond must be float or bool type, if, else tensors must either be the same shape as output or "
        "constant, scalar.",
    )
    if n.dtype(0) not in ("BOOL", F16, F32):
        raise err
    out = n.dims(0, True)
    cond = n.dims(0)
    if strict and cond:
        offset = len(out) - len(cond)
        if offset < 0:
            raise err
        for i, c in enumerate(cond):
            if c != out[offset + i] and c != 1:
                raise err
    for s, what in ((1, "if"), (2, "else")):
        d = n.dims(s)
        if d and d != out and (len(d) > 1 or d[0] > 1):
            raise err
        if strict and not n.is_const(n.tin(s)) and len(d) == 2:
            raise fail("UNSUPPORTED_OPERAND_RANK", f"2-D {what} tensor only supported if constant.")


def _custom_compat(n: Node) -> None:
    code = n.op.custom_code or ""
    if code == "Convolution2DTransposeBias":
        if len(n.inputs) < 2:
            raise fail("MISSING_REQUIRED_OPERAND", "Requested index goes beyond array size: 1")
        return
    if code == "MaxPoolingWithArgmax2D":
        return counts(n, 1, 2)
    if code == "MaxUnpooling2D":
        return counts(n, 2, 1)
    if code == "Resampler":
        counts(n, 2, 1)
        src, warp = n.dims(0), n.dims(1)
        if len(src) != 4 or len(warp) != 4:
            raise fail("UNSUPPORTED_OPERAND_RANK", "src or warp dims size != 4")
        if src[0] != warp[0]:
            raise fail("UNSUPPORTED_OPERAND_SIZE", "src.b != warp.b")
        if warp[3] < 2:
            raise fail("UNSUPPORTED_OPERAND_SIZE", "warp.c < 2")
        return
    raise fail("UNSUPPORTED_OPERATOR", f"Not supported custom op {code}")


def validate(
    n: Node,
    max_version: int = -1,
    min_inputs: int = -1,
    max_inputs: int = -1,
    num_outputs: int = -1,
    runtime: int = -1,
    consts: int = -1,
    compat: bool = True,
    enhanced: bool = False,
) -> None:
    """``TFLiteOperationParser::ValidateSupport`` (operation_parser.cc:34-86)."""
    check_version(n, max_version)
    if compat:
        gpu_compatibility(n, enhanced)
    k = len(n.inputs)
    if min_inputs != -1 and k < min_inputs:
        raise fail("UNSUPPORTED_OPERAND_SIZE", f"Invalid number of inputs: {k}, while expected at least {min_inputs}.")
    if max_inputs != -1 and k > max_inputs:
        raise fail("UNSUPPORTED_OPERAND_SIZE", f"Invalid number of inputs: {k}, while expected at most {max_inputs}.")
    if num_outputs != -1 and len(n.outputs) != num_outputs:
        raise fail(
            "UNSUPPORTED_OPERAND_SIZE",
            f"Expected {num_outputs} output tensor(s), but node has {len(n.outputs)} output(s).",
        )
    if runtime != -1 and n.runtime_inputs() != runtime:
        raise fail(
            "UNSUPPORTED_OPERAND_SIZE",
            f"Expected {runtime} runtime input tensor(s), but node has {n.runtime_inputs()} runtime input(s).",
        )
    if consts != -1 and n.const_inputs() != consts:
        raise fail(
            "CONSTANT_INPUT_REQUIRED",
            f"Expected {consts} const input tensor(s), but node has {n.const_inputs()} const input(s).",
        )
    check_outputs(n)
