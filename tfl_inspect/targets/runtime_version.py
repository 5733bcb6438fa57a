"""The minimum TFLite runtime a model needs, from each op's builtin and version.

Port of ``FindMinimumRuntimeVersionForOp`` / ``UpdateMinimumRuntimeVersionForModel`` in LiteRT
``tflite/converter/tools/versioning/runtime_version.cc`` (commit
f67457790c9c2ab67347d6fe53270e8d3df20868), kept as data: one line per builtin,
``version:runtime`` pairs. Like the converter, an (op, version) missing from the table is
skipped, and custom ops add nothing. Used when a model has no ``min_runtime_version`` metadata
and by ``lint --runtime``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model import Model

__all__ = ["SOURCE", "RuntimeVersion", "op_runtime", "minimum_runtime", "compare", "parse"]

SOURCE = "LiteRT tflite/converter/tools/versioning/runtime_version.cc @ f67457790c9c"

_TABLE = """
AVERAGE_POOL_2D 1:1.5.0 2:1.14.0 3:2.3.0
BATCH_MATMUL 1:2.3.0 2:2.3.0 3:2.4.0 4:2.5.0
BROADCAST_TO 2:2.5.0 3:2.5.0 4:2.23.0
CONV_2D 1:1.5.0 2:1.14.0 3:1.14.0 4:2.3.0 5:2.4.0 6:2.9.0 7:2.11.0 8:2.15.0
DEPTHWISE_CONV_2D 1:1.5.0 2:1.12.0 3:1.14.0 4:2.2.0 5:2.3.0 6:2.3.0 7:2.11.0
ADD 1:1.5.0 2:1.14.0 3:2.4.0 4:2.6.0 5:2.13.0 6:2.23.0
ADD_N 1:1.14.0
SPACE_TO_BATCH_ND 1:1.6.0 2:1.14.0 3:2.3.0 4:2.12.0
SUB 1:1.6.0 2:1.14.0 3:2.3.0 4:2.4.0 5:2.4.0
DENSIFY 1:2.2.0
DIV 1:1.6.0 2:2.3.0
BATCH_TO_SPACE_ND 1:1.6.0 2:1.14.0 3:2.3.0 4:2.12.0
CAST 1:1.5.0 2:2.7.0 3:2.8.0 4:2.9.0 5:2.12.0 6:2.15.0 7:2.17.0 8:2.21.0 9:2.23.0
CONCATENATION 1:1.5.0 2:1.14.0 3:2.3.0 4:2.14.0 5:2.21.0 6:2.23.0 7:2.23.0
DEPTH_TO_SPACE 1:2.1.0 2:2.5.0
EMBEDDING_LOOKUP 1:1.13.0 2:1.14.0 3:1.14.0 4:2.18.0 5:2.21.0
EMBEDDING_LOOKUP_SPARSE 1:1.5.0
FAKE_QUANT 1:1.5.0 2:1.10.0
FULLY_CONNECTED 1:1.5.0 2:1.10.0 3:1.14.0 4:1.14.0 5:2.0.0 6:2.1.0 7:2.3.0 8:2.3.0 9:2.3.0 10:2.11.0 11:2.15.0
FULLY_CONNECTED 12:2.17.0 13:2.18.0 14:2.21.0
GATHER 1:1.6.0 2:1.14.0 3:1.15.0 4:2.4.0 5:2.5.0 6:2.13.0 7:2.15.0 8:2.23.0
GATHER_ND 1:1.14.0 2:2.3.0 3:2.5.0 4:2.13.0 5:2.16.0 6:2.23.0
HASHTABLE_LOOKUP 1:1.5.0
SVDF 1:1.5.0 2:1.14.0 3:2.2.0 4:2.3.0
L2_NORMALIZATION 1:1.5.0 2:1.14.0
L2_POOL_2D 1:1.5.0
LOCAL_RESPONSE_NORMALIZATION 1:1.5.0
MAX_POOL_2D 1:1.5.0 2:1.14.0 3:2.3.0
MAXIMUM 1:1.14.0 2:1.14.0 3:2.3.0 4:2.3.0
MINIMUM 1:1.14.0 2:1.14.0 3:2.3.0 4:2.3.0
MUL 1:1.5.0 2:1.14.0 3:1.15.0 4:2.3.0 5:2.6.0 6:2.11.0 7:2.13.0 8:2.23.0
NON_MAX_SUPPRESSION_V4 1:2.1.0
NON_MAX_SUPPRESSION_V5 1:2.1.0
PAD 1:1.5.0 2:1.14.0 3:2.4.0 4:2.6.0 5:2.20.0 6:2.23.0
TILE 1:1.10.1 2:2.2.0 3:2.8.0
PADV2 1:1.9.0 2:1.14.0 3:2.4.0 4:2.6.0 5:2.20.0 6:2.23.0
RESHAPE 1:1.5.0
SOFTMAX 1:1.5.0 2:1.14.0 3:2.3.0 4:2.23.0
SPACE_TO_DEPTH 1:1.5.0 2:1.14.0
TRANSPOSE 1:1.6.0 2:1.14.0 3:1.15.0 4:2.3.0 5:2.4.0 6:2.12.0 7:2.14.4 8:2.22.0 9:2.23.0
LSTM 1:1.7.0 2:1.10.0 3:1.14.0 4:2.3.0
UNIDIRECTIONAL_SEQUENCE_LSTM 1:1.13.1 2:1.14.0 3:2.3.0 4:2.12.0
BIDIRECTIONAL_SEQUENCE_LSTM 1:1.14.0 2:1.14.0 3:1.14.0
BIDIRECTIONAL_SEQUENCE_RNN 1:1.14.0 2:1.14.0 3:2.3.0
MEAN 1:1.6.0 2:1.14.0 3:2.4.0
SUM 1:1.10.0 2:1.15.0
REDUCE_MAX 1:1.11.0 2:1.14.0 3:2.5.0
REDUCE_MIN 1:1.11.0 2:1.14.0 3:2.5.0
REDUCE_PROD 1:1.11.0 2:2.6.0
REDUCE_ANY 1:1.11.0
RELU6 1:1.5.0 2:1.14.0 3:2.5.0
RESIZE_BILINEAR 1:1.7.0 2:1.14.0 3:2.2.0 4:2.5.0
RESIZE_NEAREST_NEIGHBOR 1:1.13.1 2:1.14.0 3:2.3.0 4:2.4.0
RNN 1:1.5.0 2:1.14.0 3:2.3.0
SKIP_GRAM 1:1.5.0
SQUEEZE 1:1.6.0 2:2.5.0
SPLIT 1:1.5.0 2:1.14.0 3:1.14.0 4:2.3.0 5:2.23.0
SPLIT_V 1:1.13.1 2:2.3.0 3:2.23.0
STRIDED_SLICE 1:1.6.0 2:1.14.0 3:2.1.0 4:2.2.0 5:2.5.0 6:2.6.0 7:2.14.0 8:2.14.0
TOPK_V2 1:1.7.0 2:1.14.0 3:2.13.0
ARG_MAX 1:1.9.0 2:1.14.0 3:2.9.0
ARG_MIN 1:1.9.0 2:1.14.0 3:2.9.0
TRANSPOSE_CONV 1:1.9.0 2:2.2.0 3:2.3.0 4:2.13.0 5:2.15.0
SPARSE_TO_DENSE 1:1.9.0 2:1.14.0 3:1.15.0
EXPAND_DIMS 1:1.10.0
PACK 1:1.11.0 2:1.14.0 3:2.3.0 4:2.13.0 5:2.23.0
SHAPE 1:1.10.0
SLICE 1:1.14.0 2:1.14.0 3:1.14.0 4:2.4.0 5:2.5.0 6:2.14.0 7:2.21.0 8:2.23.0
TANH 1:1.14.0 2:1.14.0 3:2.3.0
ONE_HOT 1:1.11.0
UNPACK 1:1.11.0 2:1.14.0 3:2.2.0 4:2.3.0 5:2.22.0 6:2.23.0
LEAKY_RELU 1:1.13.1 2:2.3.0
LOGISTIC 1:1.14.0 2:1.14.0 3:2.3.0
LOG_SOFTMAX 1:1.14.0 2:1.14.0
LSH_PROJECTION 1:1.5.0
SQUARED_DIFFERENCE 1:1.13.1 2:2.5.0
MIRROR_PAD 1:1.13.1 2:2.3.0 3:2.12.0
UNIQUE 1:1.14.0
UNIDIRECTIONAL_SEQUENCE_RNN 1:1.14.0 2:1.14.0 3:2.3.0
WHERE 1:1.14.0 2:2.8.0
DEQUANTIZE 1:1.13.1 2:1.14.0 3:1.15.0 4:2.2.0 5:2.7.0 6:2.18.0 7:2.21.0 8:2.22.0 9:2.23.0
REVERSE_SEQUENCE 1:1.14.0
EQUAL 1:1.14.0 2:1.14.0 3:2.3.0 4:2.13.0 5:2.21.0
NOT_EQUAL 1:1.14.0 2:1.14.0 3:2.3.0 4:2.21.0
GREATER 1:1.14.0 2:1.14.0
GREATER_EQUAL 1:1.14.0 2:1.14.0 3:2.13.0
LESS 1:1.14.0 2:1.14.0 3:2.13.0
LESS_EQUAL 1:1.14.0 2:1.14.0
SCATTER_ND 1:2.1.0
SEGMENT_SUM 1:2.2.0
SELECT 1:1.14.0 2:1.14.0 3:2.12.0 4:2.12.0
SELECT_V2 1:2.2.0 2:2.12.0
IF 1:1.15.0
FLOOR_DIV 1:1.14.0 2:1.14.0 3:2.13.0
FLOOR 1:1.9.0
CEIL 1:1.14.0
MATRIX_DIAG 1:1.14.0
MATRIX_SET_DIAG 1:1.14.0
ELU 1:1.14.0
QUANTIZE 1:1.14.0 2:1.15.0 3:2.7.0 4:2.21.0 5:2.21.0 6:2.21.0
ROUND 1:1.14.0
RELU 1:1.5.0 2:2.1.0 3:2.5.0
RELU_N1_TO_1 1:1.5.0
RELU_0_TO_1 1:2.10.0
PRELU 1:1.8.0
EXP 1:1.7.0 2:2.12.0
COS 1:1.14.0 2:2.23.0
NEG 1:1.9.0
POW 1:1.10.0
LOGICAL_OR 1:1.11.0
LOGICAL_AND 1:1.11.0
LOGICAL_NOT 1:1.11.0
FLOOR_MOD 1:1.13.0 2:2.13.0
RANGE 1:1.13.0 2:2.14.0
SIN 1:1.9.0 2:2.23.0
LOG 1:1.14.0 2:2.15.0
SQRT 1:1.10.0 2:2.21.0
RSQRT 1:1.10.0 2:2.5.0 3:2.15.0
SQUARE 1:1.12.0
ZEROS_LIKE 1:1.12.0
ABS 1:1.13.0 2:2.4.0 3:2.5.0 4:2.6.0 5:2.12.0
HARD_SWISH 1:1.15.0
FILL 1:1.13.0 2:2.3.0 3:2.5.0 4:2.12.0 5:2.23.0
REVERSE_V2 1:1.14.0 2:2.2.0 3:2.5.0 4:2.23.0
RANK 1:1.14.0
WHILE 1:1.15.0
CUMSUM 1:2.4.0
CALL_ONCE 1:2.5.0
RFFT2D 1:2.5.0
CONV_3D 1:2.5.0
IMAG 1:2.5.0
REAL 1:2.5.0
COMPLEX_ABS 1:2.5.0
HASHTABLE 1:2.5.0
HASHTABLE_FIND 1:2.5.0
HASHTABLE_IMPORT 1:2.5.0
HASHTABLE_SIZE 1:2.5.0
REDUCE_ALL 1:2.6.0
CONV_3D_TRANSPOSE 1:2.6.0
VAR_HANDLE 1:2.6.0
READ_VARIABLE 1:2.6.0
ASSIGN_VARIABLE 1:2.6.0
BROADCAST_ARGS 1:2.6.0
RANDOM_STANDARD_NORMAL 1:2.8.0
BUCKETIZE 1:2.8.0
RANDOM_UNIFORM 1:2.8.0
MULTINOMIAL 1:2.8.0
GELU 1:2.9.0 2:2.9.0 3:2.23.0
DYNAMIC_UPDATE_SLICE 1:2.9.0 2:2.17.0 3:2.19.0 4:2.20.0 5:2.21.0 6:2.22.0
UNSORTED_SEGMENT_PROD 1:2.10.0
UNSORTED_SEGMENT_MAX 1:2.10.0
UNSORTED_SEGMENT_MIN 1:2.11.0
UNSORTED_SEGMENT_SUM 1:2.10.0
ATAN2 1:2.10.0
SIGN 1:2.11.0 2:2.12.0
BITCAST 1:2.13.0
BITWISE_XOR 1:2.13.0
RIGHT_SHIFT 1:2.13.0
STABLEHLO_SCATTER 1:2.15.0
DILATE 1:2.15.0
STABLEHLO_RNG_BIT_GENERATOR 1:2.15.0
REDUCE_WINDOW 1:2.15.0
STABLEHLO_GATHER 1:2.16.0
STABLEHLO_ADD 1:2.16.0
STABLEHLO_MULTIPLY 1:2.16.0
STABLEHLO_REDUCE_WINDOW 1:2.16.0
STABLEHLO_MAXIMUM 1:2.16.0
STABLEHLO_MINIMUM 1:2.16.0
STABLEHLO_PAD 1:2.16.0
STABLEHLO_COMPOSITE 1:2.17.0
STABLEHLO_AND 1:2.17.0
STABLEHLO_SHIFT_LEFT 1:2.17.0
STABLEHLO_CBRT 1:2.17.0
STABLEHLO_CASE 1:2.17.0
"""

_MAP: dict[tuple[str, int], str] = {}
for _line in _TABLE.strip().splitlines():
    _op, *_pairs = _line.split()
    for _p in _pairs:
        _v, _rt = _p.split(":")
        _MAP[(_op, int(_v))] = _rt


def _key(version: str) -> tuple[int, ...]:
    """Sort key: missing trailing parts count as 0 (``2.4`` == ``2.4.0``)."""
    p = parse(version)
    return p + (0,) * (4 - len(p))


def parse(version: str) -> tuple[int, ...]:
    """``"2.13.0"`` → (2, 13, 0); non-numeric parts stop the parse (as ``SimpleAtoi`` would)."""
    out = []
    for part in version.strip().split("."):
        if not part.isdigit():
            break
        out.append(int(part))
    return tuple(out)


def compare(a: str, b: str) -> int:
    """-1, 0 or 1 as runtime ``a`` is older than, equal to or newer than ``b`` (missing parts count as 0)."""
    pa, pb = parse(a), parse(b)
    n = max(len(pa), len(pb))
    pa, pb = pa + (0,) * (n - len(pa)), pb + (0,) * (n - len(pb))
    return (pa > pb) - (pa < pb)


_KEYS: dict[str, tuple[int, ...]] = {v: _key(v) for v in set(_MAP.values())}


def op_runtime(builtin: str, version: int) -> str | None:
    """The runtime that introduced this op version, or None when the table has no entry."""
    return _MAP.get((builtin, version))


@dataclass(frozen=True, slots=True)
class RuntimeVersion:
    """The computed minimum runtime and the op that needs it (first such op in model order)."""

    version: str | None
    subgraph: int | None = None
    op: int | None = None
    opcode: str | None = None
    op_version: int | None = None
    metadata: str | None = None  # what the file records, when it does

    def to_json(self) -> dict[str, object]:
        return {
            "computed": self.version,
            "metadata": self.metadata,
            "needed_by": None
            if self.op is None
            else {"subgraph": self.subgraph, "index": self.op, "opcode": self.opcode, "version": self.op_version},
        }


def minimum_runtime(model: Model) -> RuntimeVersion:
    """The newest runtime any op needs, as the converter computes it."""
    best: str | None = None
    best_key: tuple[int, ...] = ()
    where: tuple[int, int, str, int] | None = None
    for sg in model.subgraphs:
        for op in sg.operators:
            if op.is_custom:
                continue
            rt = _MAP.get((op.builtin, op.version))
            if rt is None or rt == best:
                continue
            key = _KEYS[rt]
            if best is None or key > best_key:
                best, best_key, where = rt, key, (sg.index, op.index, op.opcode, op.version)
    meta = model.min_runtime_version
    if where is None:
        return RuntimeVersion(best, metadata=meta)
    return RuntimeVersion(best, where[0], where[1], where[2], where[3], meta)
