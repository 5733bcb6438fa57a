"""QNN's own op validation (``backendValidateOpConfig``), as observed: closed source, so checks, not a port.

The Qualcomm plugin validates every QNN op it builds with the HTP backend before it selects the
LiteRT op (``qnn_compiler_plugin.cc`` ``LiteRtCompilerPluginPartition`` → ``QnnManager::ValidateOp``).
The checks here reproduce the refusals seen with ``apply_plugin_main --cmd=partition`` (ai-edge-litert
2.3.0 with the QNN 2.40 x86-64 libraries) on the samples, the LiteRT test corpus, third-party models
and small converter models made to test one condition each (docs/compat.md lists them):

- QNN sees each tensor with the dims LiteRT records, every unknown dim as 1 and a scalar as a
  1-element vector (``ConvertTensor``, ``qnn_compose_graph.cc``), and checks an op's output dims
  against its own rule. With unknown dims that check fails where the op's output size depends on
  them (a PAD, a VALID convolution, a RESHAPE whose target came from SHAPE): the op needs static
  shapes. With scalars it fails where the output rank counts the operand's rank (GATHER with a scalar
  index, STRIDED_SLICE that shrinks to a scalar, SQUEEZE of a scalar).
- tensors of rank 6 or more are refused by every op; a dimension of size 0 too;
- binary elementwise ops need their inputs and output in one datatype family (all quantized or all float); no
  op takes an 8/16-bit integer without quantization parameters next to quantized operands;
- ARG_MAX/ARG_MIN give INT32 (an INT64 output is refused); SPACE_TO_DEPTH takes float or quantized data;
- float activations with int8 weights (dynamic-range quantization) are refused by CONV_2D,
  DEPTHWISE_CONV_2D and EMBEDDING_LOOKUP; FULLY_CONNECTED takes them with per-channel weights;
- BATCH_MATMUL of two 16-bit operands needs HTP v73 or later (refused on v68/v69 SoCs).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from ..opdefs import INDEX_ROLES, operand
from ..remedies import Remedy
from ._tensors import need
from .reasons import Reject

if TYPE_CHECKING:
    from ..model import Operator, Subgraph, Tensor
    from ..shapes import PVal

__all__ = ["qdims", "validate", "MAX_RANK", "FLOAT", "BINARY", "HYBRID_REFUSED"]

MAX_RANK = 5
FLOAT = frozenset({"FLOAT32", "FLOAT16", "FLOAT64"})
BINARY = frozenset(
    "ADD SUB MUL DIV MAXIMUM MINIMUM POW SQUARED_DIFFERENCE FLOOR_DIV FLOOR_MOD".split()
)  # QNN ElementWiseBinary
HYBRID_REFUSED = frozenset({"CONV_2D", "DEPTHWISE_CONV_2D", "EMBEDDING_LOOKUP"})
_PARAM_ROLES = INDEX_ROLES - {"indices"}


def qdims(t: Tensor) -> tuple[int, ...]:
    """The dims QNN sees: LiteRT's layout (the signature where it has unknown dims), unknown as 1, scalar as [1]."""
    sig = t.shape_signature
    dims = tuple(1 if d < 0 else d for d in sig) if -1 in sig else t.shape
    return dims or (1,)


def _quantized(t: Tensor) -> bool:
    q = t.quantization
    return q is not None and (bool(q.scale) or bool(q.zero_point) or q.details is not None)


_NARROW = frozenset({"INT8", "UINT8", "INT16", "UINT16"})


def _family(t: Tensor) -> str:
    """``quantized`` (QNN fixed point), ``float``, ``plain`` (an 8/16-bit integer without scales) or ``integer``."""
    if _quantized(t) and t.dtype not in FLOAT:
        return "quantized"
    if t.dtype in FLOAT:
        return "float"
    return "plain" if t.dtype in _NARROW else "integer"


def _fmt(dims: tuple[int, ...]) -> str:
    return "x".join(map(str, dims)) or "scalar"


def _tensors(sg: Subgraph, op: Operator, data_only: bool = False) -> Iterator[tuple[str, Tensor]]:
    """The op's operands; ``data_only``: without the constant index operands the builder turns into QNN params."""
    for k, t in enumerate(op.inputs):
        x = sg.tensor(t)
        if x is None:
            continue
        if data_only:
            o = operand(op.builtin, k)
            if o is not None and o.role in _PARAM_ROLES:
                continue
        yield f"input {k}", x
    for k, t in enumerate(op.outputs):
        x = sg.tensor(t)
        if x is not None:
            yield f"output {k}" if len(op.outputs) > 1 else "output", x


class _Shapes(dict[int, Any]):
    """Tensor index → the dims QNN sees, for one op's operands (missing: unknown)."""

    def __missing__(self, key: int) -> None:
        return None


def _expected(sg: Subgraph, op: Operator) -> list[Any] | str | None:
    """The op's output shapes by its rule from the dims QNN sees; a message when the rule fails; None: unknown.

    The shape engine (and numpy) load only here: most models never get this far.
    """
    from ..shapes import SHAPE_FNS, ShapeError
    from ..shapes.engine import const_value
    from ..shapes.ops import CannotInferError, OpContext

    fn = SHAPE_FNS.get(op.builtin)
    if fn is None:
        return None
    shapes = _Shapes()
    values: dict[int, PVal] = {}
    for i in op.inputs:
        t = sg.tensor(i)
        if t is None:
            continue
        shapes[i] = qdims(t)
        if t.is_constant:
            v = const_value(t)
            if v is not None:
                values[i] = v
    try:
        return list(fn(OpContext(sg, op, cast("list[Any]", shapes), values)))
    except CannotInferError:
        return None
    except ShapeError as exc:
        return exc.message
    except Exception:  # a shape rule that cannot follow these dims says nothing here
        return None


def _mismatch(sg: Subgraph, op: Operator) -> str | None:
    """Where QNN's output check fails with the dims it sees, in words; None when it passes (or cannot tell)."""
    if op.builtin == "RESHAPE":
        src, dst = sg.tensor(op.inputs[0]) if op.inputs else None, sg.tensor(op.outputs[0]) if op.outputs else None
        if src is not None and dst is not None:
            a, b = qdims(src), qdims(dst)
            na = nb = 1
            for d in a:
                na *= d
            for d in b:
                nb *= d
            if na != nb:
                return f"input {_fmt(a)} has {na} elements, output {_fmt(b)} has {nb}"
        return None
    if op.builtin == "SQUEEZE":
        src = sg.tensor(op.inputs[0]) if op.inputs else None
        if src is not None and len(qdims(src)) < 2 and len(src.shape_signature) < 2:
            return f"QNN's Squeeze needs rank 2 or more; input {_fmt(qdims(src))} has rank 1"
        return None
    got = _expected(sg, op)
    if got is None:
        return None
    if isinstance(got, str):
        return got
    for k, o in enumerate(op.outputs):
        t = sg.tensor(o)
        if t is None or k >= len(got) or got[k] is None:
            continue
        want = tuple(got[k])
        have = qdims(t)
        if not want and have == (1,) and op.builtin != "STRIDED_SLICE":
            continue  # a scalar result is a 1-element vector to QNN
        if len(want) != len(have):
            return (
                f"QNN's rule gives output rank {len(want)} ({_fmt(want)}), the tensor has rank {len(have)} "
                f"({_fmt(have)})"
            )
        if any(w >= 0 and w != h for w, h in zip(want, have, strict=True)):
            return f"QNN's rule gives output {_fmt(want)}, the tensor is {_fmt(have)}"
    return None


def _shape_check(sg: Subgraph, op: Operator) -> None:
    tensors = list(_tensors(sg, op))
    dynamic = [(slot, t) for slot, t in tensors if not t.is_constant and t.is_dynamic]
    odd = [
        t
        for slot, t in tensors
        if (not t.is_constant and not t.shape_signature) or (op.builtin == "GATHER" and slot == "input 1")
    ]
    if not dynamic and not odd:
        return
    why = _mismatch(sg, op)
    if why is None:
        return
    if dynamic:
        slot, t = dynamic[0]
        sig = "x".join("?" if d < 0 else str(d) for d in t.shape_signature) if t.has_rank else "unknown rank"
        raise Reject(
            "DYNAMIC_TENSOR",
            f"needs static shapes: the plugin validates the op with each unknown dim as 1 ({slot} '{t.name}' "
            f"{sig} → {_fmt(qdims(t))}), and then {why}",
            slot,
            Remedy.STATIC_INPUT_SHORT,
        )
    raise Reject("UNSUPPORTED_OPERAND_RANK", f"QNN sees a scalar as a 1-element vector: {why}")


def validate(sg: Subgraph, op: Operator, htp: int) -> None:
    """Raise :class:`Reject` where QNN's HTP backend refuses the op (see the module docstring)."""
    for slot, t in _tensors(sg, op, data_only=True):
        if len(t.shape_signature) > MAX_RANK:
            raise Reject(
                "UNSUPPORTED_OPERAND_RANK",
                f"{slot} '{t.name}' has rank {len(t.shape_signature)}; QNN's HTP ops take rank {MAX_RANK} at most",
                slot,
            )
        if 0 in t.shape_signature:
            why = f"{slot} '{t.name}' has a dimension of size 0 ({_fmt(t.shape_signature)})"
            raise Reject("UNSUPPORTED_OPERAND_SIZE", why, slot)
    tensors = list(_tensors(sg, op))
    plain = [(s, t) for s, t in tensors if _family(t) == "plain" and not (t.is_constant and not t.shape_signature)]
    if plain and any(_family(t) == "quantized" for _, t in tensors):
        s, t = plain[0]
        raise Reject(
            "UNSUPPORTED_QUANTIZATION_PARAMETERS",
            f"{s} '{t.name}' is {t.dtype} without quantization parameters next to quantized operands: QNN gives "
            "it a plain integer type its quantized ops refuse",
            s,
            Remedy.FULL_INTEGER_RERUN,
        )
    b = op.builtin
    if b in BINARY:
        families = {_family(t) for _, t in tensors if not (t.is_constant and not t.shape_signature)}
        if {"quantized", "float"} <= families:
            here = ", ".join(f"{s} {t.dtype}{' quantized' if _quantized(t) else ''}" for s, t in tensors)
            raise Reject(
                "UNSUPPORTED_QUANTIZATION_TYPE",
                f"QNN's ElementWiseBinary needs its inputs and output all quantized or all float (here: {here})",
                None,
                Remedy.FULL_INTEGER_SHORT,
            )
    elif b in ("ARG_MAX", "ARG_MIN"):
        out = sg.tensor(op.outputs[0]) if op.outputs else None
        need(
            out is None or out.dtype != "INT64",
            "UNSUPPORTED_OUTPUT_TYPE",
            f"{b} gives {out.dtype if out else '?'} indices; QNN's Argmax/Argmin output is INT32",
            "output",
            Remedy.INT32_INDEX,
        )
    elif b == "SPACE_TO_DEPTH":
        src = sg.tensor(op.inputs[0]) if op.inputs else None
        dst = sg.tensor(op.outputs[0]) if op.outputs else None
        if src is not None:
            need(
                src.dtype in FLOAT or _quantized(src),
                "UNSUPPORTED_INPUT_TYPE",
                f"input is {src.dtype}; QNN's SpaceToDepth takes float or quantized data",
                "input 0",
            )
            need(
                dst is None or (_quantized(src) == _quantized(dst) and src.dtype == dst.dtype),
                "UNSUPPORTED_OUTPUT_TYPE",
                "input and output datatypes differ (one quantized, one not)",
                "output",
            )
    elif b in HYBRID_REFUSED:
        data = sg.tensor(op.inputs[0 if b != "EMBEDDING_LOOKUP" else 1]) if op.inputs else None
        src = sg.tensor(op.inputs[0]) if op.inputs else None
        out = sg.tensor(op.outputs[0]) if op.outputs else None
        weights = sg.tensor(op.inputs[1]) if b != "EMBEDDING_LOOKUP" and len(op.inputs) > 1 else data
        if out is not None and weights is not None and src is not None:
            need(
                not (_quantized(weights) and out.dtype in FLOAT and not _quantized(out)),
                "UNSUPPORTED_HYBRID_OPERATOR",
                f"{'table' if b == 'EMBEDDING_LOOKUP' else 'weights'} '{weights.name}' are {weights.dtype} "
                "quantized but the output is float (dynamic-range quantization); QNN needs both quantized or "
                "both float",
                "input 1" if b != "EMBEDDING_LOOKUP" else "input 1 (table)",
                Remedy.NPU_FULL_INTEGER,
            )
    elif b == "BATCH_MATMUL" and htp < 73 and len(op.inputs) >= 2:
        a, w = sg.tensor(op.inputs[0]), sg.tensor(op.inputs[1])
        if a is not None and w is not None:
            need(
                not (a.dtype in ("INT16", "UINT16") and w.dtype in ("INT16", "UINT16")),
                "UNSUPPORTED_INPUT_TYPE",
                f"both operands are 16-bit ({a.dtype} × {w.dtype}); HTP v{htp} multiplies them only from HTP v73 on",
                "input 1",
                Remedy.NPU_NEWER_SOC,
            )
    _shape_check(sg, op)
