"""Which ops the NNAPI delegate accepts at a given Android API level, ported as data.

Follows ``NNAPIDelegateKernel::Validate`` in LiteRT ``tflite/delegates/nnapi/nnapi_delegate.cc``
(commit f67457790c9c2ab67347d6fe53270e8d3df20868): for each builtin the highest op version
(``ExpectMaxOpVersion``/``ExpectOpVersion``), the minimum Android SDK
(``ExpectMinAndroidSdkVersion``; 27 = NNAPI 1.0, 28 = 1.1, 29 = 1.2, 30 = 1.3, 31 = feature
level 5, 1000006/1000007 = feature levels 6/7) and the input-type family it checks. The
per-op operand checks beyond those (fused activations per version, quantization variants) are
not ported; they are reported as a caveat on every op. The delegate keeps the 3 largest
partitions (``max_number_delegated_partitions``). Unit tests check the rules; no NNAPI here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._tensors import need
from .base import SubgraphCheck, Target, TargetOption
from .policies import KeepLargest
from .reasons import Reject

if TYPE_CHECKING:
    from ..model import Model, Operator, Subgraph

__all__ = ["SOURCE", "TABLE", "check_op", "DEFAULT_LEVEL", "MAX_PARTITIONS", "TARGET"]

SOURCE = "LiteRT tflite/delegates/nnapi/nnapi_delegate.cc Validate @ f67457790c9c (2026-08-21)"
DEFAULT_LEVEL = 30
MAX_PARTITIONS = 3

# builtin: (max version or 0 = not checked, min SDK, input types: "fq8" float/quant8, "fq8i32" +int32, "" unchecked)
_ROWS = """
ADD 2 27 fq8i32
ARG_MAX 2 29 -
ARG_MIN 2 29 -
MUL 3 27 fq8i32
AVERAGE_POOL_2D 2 27 fq8
MAX_POOL_2D 2 27 fq8
L2_POOL_2D 1 27 fq8
CONV_2D 5 27 -
DEPTHWISE_CONV_2D 3 27 -
FULLY_CONNECTED 5 27 -
HARD_SWISH 1 27 fq8
SOFTMAX 2 27 -
RESHAPE 1 27 -
RESIZE_BILINEAR 3 27 -
RESIZE_NEAREST_NEIGHBOR 3 29 -
SQUEEZE 1 28 -
UNIDIRECTIONAL_SEQUENCE_LSTM 2 29 -
L2_NORMALIZATION 2 27 -
LOCAL_RESPONSE_NORMALIZATION 1 27 -
LSH_PROJECTION 1 27 -
CONCATENATION 2 27 -
DEQUANTIZE 2 27 -
FLOOR 1 27 -
RELU 2 27 fq8
RELU_N1_TO_1 2 27 fq8
RELU6 2 27 fq8
LOGISTIC 2 27 fq8
TANH 2 27 -
SUB 3 28 -
DIV 1 28 -
PAD 2 28 -
PADV2 2 28 -
UNIDIRECTIONAL_SEQUENCE_RNN 1 29 -
SPACE_TO_BATCH_ND 2 28 -
BATCH_TO_SPACE_ND 2 28 -
STRIDED_SLICE 2 28 -
TRANSPOSE 2 28 -
ABS 1 29 -
EXP 1 29 -
LOG 1 29 -
POW 1 29 -
RSQRT 2 29 -
SLICE 2 29 -
COS 1 29 -
SIN 1 29 -
TRANSPOSE_CONV 4 29 -
SQRT 1 29 -
RNN 1 27 -
SPACE_TO_DEPTH 2 27 -
SVDF 1 27 -
LSTM 3 28 -
MEAN 2 28 -
EMBEDDING_LOOKUP 1 27 -
HASHTABLE_LOOKUP 1 27 -
MAXIMUM 3 29 -
MINIMUM 3 29 -
CAST 1 29 -
LEAKY_RELU 1 29 -
PRELU 1 29 -
TILE 1 29 -
LOGICAL_OR 1 29 -
LOGICAL_AND 1 29 -
LOGICAL_NOT 1 29 -
LESS 2 29 -
LESS_EQUAL 2 29 -
GREATER 2 29 -
GREATER_EQUAL 2 29 -
EQUAL 2 29 -
NOT_EQUAL 2 29 -
NEG 2 29 -
TOPK_V2 2 29 -
SELECT 2 29 -
GATHER 2 29 -
BIDIRECTIONAL_SEQUENCE_LSTM 1 29 -
EXPAND_DIMS 1 29 -
SPLIT 3 29 -
SPLIT_V 2 30 -
LOG_SOFTMAX 1 29 -
QUANTIZE 2 29 -
REDUCE_ANY 2 29 -
REDUCE_MIN 2 29 -
REDUCE_MAX 2 29 -
DEPTH_TO_SPACE 0 27 fq8
REDUCE_PROD 1 29 -
SUM 1 29 -
ELU 1 30 -
FILL 1 30 -
PACK 2 30 -
UNPACK 2 30 -
SQUARED_DIFFERENCE 2 28 -
BATCH_MATMUL 2 1000006 -
MIRROR_PAD 2 1000007 fq8i32
REVERSE_V2 3 1000007 fq8i32
"""
TABLE: dict[str, tuple[int, int, str]] = {}
for _line in _ROWS.strip().splitlines():
    _op, _v, _sdk, _types = _line.split()
    TABLE[_op] = (int(_v), int(_sdk), _types)

_FQ8 = ("FLOAT32", "UINT8", "INT8")


def _dequantize(sg: Subgraph, op: Operator, level: int) -> None:
    """Run-time float16 → float32 from NNAPI 1.3; else versions 1-2 of UINT8 (INT8 from 1.2, symmetric at 1.2)."""
    t = sg.tensor(op.inputs[0]) if op.inputs else None
    if t is None:
        raise Reject("MISSING_REQUIRED_OPERAND", "input is omitted")
    if level >= 30 and t.dtype == "FLOAT16" and not t.is_constant:
        return
    need(op.version in (1, 2), "UNSUPPORTED_OPERATOR_VERSION", f"DEQUANTIZE version {op.version}; NNAPI takes 1 and 2")
    allowed = ("UINT8",) if level < 29 else ("UINT8", "INT8")
    fix = (
        "constant float16 weights stay on the CPU: convert without float16 quantization"
        if t.dtype == "FLOAT16"
        else None
    )
    need(
        t.dtype in allowed,
        "UNSUPPORTED_INPUT_TYPE",
        f"input is {t.dtype}; NNAPI dequantizes {', '.join(allowed)}",
        "input 0",
        fix,
    )
    if level == 29 and t.dtype == "INT8":
        zp = t.quantization.zero_point[0] if t.quantization and t.quantization.zero_point else 0
        need(zp == 0, "UNSUPPORTED_QUANTIZATION_PARAMETERS", f"INT8 zero point {zp}: NNAPI 1.2 needs symmetric int8")


def check_op(sg: Subgraph, op: Operator, level: int = DEFAULT_LEVEL) -> None:
    """Raise Reject when ``Validate`` fails at Android API ``level``."""
    row = TABLE.get(op.builtin)
    if row is None or op.is_custom:
        raise Reject("UNSUPPORTED_OPERATOR", f"the NNAPI delegate has no mapping for {op.opcode}")
    if op.builtin == "DEQUANTIZE":
        _dequantize(sg, op, level)
        return
    max_version, min_sdk, types = row
    need(
        not max_version or op.version <= max_version,
        "UNSUPPORTED_OPERATOR_VERSION",
        f"{op.builtin} version {op.version}; NNAPI takes up to version {max_version}",
    )
    need(
        level >= min_sdk,
        "UNSUPPORTED_OPERATOR",
        f"{op.builtin} needs Android API level {min_sdk}; --nnapi-level is {level}",
    )
    if types != "-" and op.inputs:
        t = sg.tensor(op.inputs[0])
        allowed = _FQ8 + (("INT32",) if types == "fq8i32" and level >= 30 else ())
        need(
            t is None or t.dtype in allowed,
            "UNSUPPORTED_INPUT_TYPE",
            f"input is {t.dtype if t else '?'}; NNAPI takes {', '.join(allowed)}",
        )


class Nnapi(Target):
    name = "nnapi"
    title = "NNAPI"
    source = SOURCE
    summary = "Android's Neural Networks API delegate, by Android API level"
    options = (
        TargetOption(
            "nnapi_level",
            "--nnapi-level",
            "API",
            f"Android API level for NNAPI (default {DEFAULT_LEVEL})",
            default=DEFAULT_LEVEL,
            minimum=27,
            below_minimum="--nnapi-level {value}: NNAPI starts at Android API level 27",
        ),
    )
    policy = KeepLargest(MAX_PARTITIONS, f"NNAPI keeps the {MAX_PARTITIONS} largest partitions")

    def check_subgraph(self, sg: Subgraph, options: Mapping[str, Any]) -> SubgraphCheck:
        level = int(options.get("nnapi_level") or DEFAULT_LEVEL)
        return SubgraphCheck.each_op(sg, lambda op: check_op(sg, op, level))

    def supports_builtin(self, builtin: str) -> bool:
        return builtin in TABLE

    def target_caveats(self, model: Model, subgraphs: tuple[int, ...], options: Mapping[str, Any]) -> list[str]:
        level = int(options.get("nnapi_level") or DEFAULT_LEVEL)
        return [
            f"checked at Android API level {level}: op versions, API levels and input types only; "
            "per-op operand checks of Validate and the device's driver support are not checked"
        ]


TARGET = Nnapi()
