"""The dtype table's MLIR column: the one dtype ↔ MLIR map (reader and diagnosis both use it)."""

from __future__ import annotations

import pytest

from tests.conftest import sample
from tfl_inspect import dtypes
from tfl_inspect.diagnosis.trace import type_text
from tfl_inspect.model import Tensor
from tfl_inspect.readers.mlir.to_model import element_dtype

# tflite/converter/utils/convert_type.cc ConvertElementType (LiteRT f6745779): signless iN for
# signed integers, uiN for unsigned, i1 for BOOL, TF dialect types for STRING/RESOURCE/VARIANT.
CONVERTER = {
    "FLOAT16": "f16",
    "BFLOAT16": "bf16",
    "FLOAT32": "f32",
    "FLOAT64": "f64",
    "FLOAT8_E4M3FN": "f8E4M3FN",
    "FLOAT8_E5M2": "f8E5M2",
    "INT32": "i32",
    "UINT16": "ui16",
    "UINT32": "ui32",
    "UINT8": "ui8",
    "INT64": "i64",
    "STRING": "!tf_type.string",
    "BOOL": "i1",
    "INT16": "i16",
    "COMPLEX64": "complex<f32>",
    "COMPLEX128": "complex<f64>",
    "INT2": "i2",
    "INT4": "i4",
    "UINT4": "ui4",
    "INT8": "i8",
    "UINT64": "ui64",
    "RESOURCE": "!tf_type.resource",
    "VARIANT": "!tf_type.variant",
}


def test_mlir_column_is_what_the_converter_prints() -> None:
    assert {d.name: d.mlir for d in dtypes.DTYPES} == CONVERTER


def test_every_spelling_reads_back_to_its_row() -> None:
    for d in dtypes.DTYPES:
        assert dtypes.by_mlir(d.mlir) is d and element_dtype(d.mlir) == d.name
        for alias in d.mlir_aliases:
            assert dtypes.by_mlir(alias) is d and element_dtype(alias) == d.name
    assert element_dtype("si32") == "INT32" and element_dtype("u8") == "UINT8"
    assert dtypes.by_mlir("x99") is None


def test_diagnosis_prints_types_with_the_same_column() -> None:
    t = Tensor(0, 0, "x", "UINT8", (1, 4), (-1, 4))
    assert type_text(t) == "tensor<?x4xui8>"
    assert type_text(Tensor(0, 1, "r", "RESOURCE", (), (), has_rank=False)) == "tensor<*x!tf_type.resource>"


def _with_constant(dtype: str, shape: tuple[int, ...], nbytes: int) -> bytes:
    """samples/dense_float32.tflite plus one constant tensor of ``nbytes`` bytes."""
    from tests.modeledit import pack, schema, unpack  # needs ai-edge-litert: imported by the test that skips

    m = unpack(sample("dense_float32.tflite"))
    buf = schema.BufferT()
    buf.data = bytes(nbytes)
    m.buffers.append(buf)
    t = schema.TensorT()
    t.shape, t.type, t.buffer, t.name = list(shape), dtypes.BY_NAME[dtype].code, len(m.buffers) - 1, b"extra"
    m.subgraphs[0].tensors.append(t)
    return pack(m)


def test_tensor_bytes_is_what_litert_requires_of_a_constant() -> None:
    """LiteRT refuses a constant one byte shorter than ``BytesRequired``: sub-byte types packed and rounded up."""
    interpreter = pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert is the oracle")
    checked = 0
    for row in dtypes.DTYPES:
        for shape in ((5,), (3, 3)):
            need = dtypes.tensor_bytes(row.name, shape)
            if need is None:
                assert row.name in ("STRING", "RESOURCE", "VARIANT")
                continue
            interpreter.Interpreter(model_content=_with_constant(row.name, shape, need)).allocate_tensors()
            with pytest.raises(ValueError, match="required_bytes <= bytes"):
                interpreter.Interpreter(model_content=_with_constant(row.name, shape, need - 1))
            checked += 1
    assert checked == 2 * (len(dtypes.DTYPES) - 3)
    assert dtypes.tensor_bytes("INT4", (3,)) == 2 and dtypes.tensor_bytes("INT2", (5,)) == 2


def test_tflm_sizes_int4_unpacked_and_not_the_types_it_lacks() -> None:
    """TfLiteTypeSizeOf (tflite-micro memory_helpers.cc): INT4 one byte per element, a 4-byte resource handle."""
    assert dtypes.tensor_bytes("INT4", (3,), "tflm") == 3
    assert dtypes.tensor_bytes("RESOURCE", (), "tflm") == 4
    assert dtypes.tensor_bytes("INT2", (4,), "tflm") is None and dtypes.tensor_bytes("STRING", (1,), "tflm") is None
    assert dtypes.tensor_bytes("FLOAT32", (2, -1)) == 0  # an unknown dim counts as 0
