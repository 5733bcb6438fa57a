"""The flatbuffer reader agrees with LiteRT's interpreter and reads every schema corner."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tfl_inspect
from tests.conftest import (
    INTERPRETER_REFUSES,
    SAMPLES,
    corpus_files,
    needs_corpus,
    needs_thirdparty,
    sample_models,
    thirdparty_models,
)
from tests.modeledit import pack, unpack
from tfl_inspect import dtypes

Interpreter = pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert not installed").Interpreter

LITERT_MODELS = [p for p in corpus_files("litert") if p.name not in INTERPRETER_REFUSES]
# The interpreter's execution plan drops op 0 of this file (its output is also its input);
# the file itself holds two operators, which is what we report.
OPS_DIFFER = {"add_shared_tensors.bin"}


def _interpreter_view(path: Path) -> dict:
    it = Interpreter(model_path=str(path))
    subgraphs = []
    i = 0
    while True:
        try:
            subgraphs.append(it.get_tensor_details(i))
        except (ValueError, IndexError, RuntimeError):
            break
        i += 1
    return {"tensors": subgraphs, "ops": it._get_ops_details(), "signatures": it._get_full_signature_list()}


def _compare(path: Path) -> list[str]:
    """Every difference between our model and the interpreter's view, as text."""
    model = tfl_inspect.load(path)
    view = _interpreter_view(path)
    errors: list[str] = []
    assert len(view["tensors"]) == len(model.subgraphs), "subgraph count"
    for sg, details in zip(model.subgraphs, view["tensors"], strict=True):
        if len(details) != len(sg.tensors):
            errors.append(f"subgraph {sg.index}: {len(details)} tensors vs {len(sg.tensors)}")
        for d in details:
            t = sg.tensors[d["index"]]
            where = f"sg{sg.index} t{t.index}"
            if d["name"] != t.name:
                errors.append(f"{where} name {d['name']!r} != {t.name!r}")
            if list(d["shape"]) != list(t.shape):
                errors.append(f"{where} shape {list(d['shape'])} != {list(t.shape)}")
            if list(d["shape_signature"]) != list(t.shape_signature):
                errors.append(f"{where} shape_signature {list(d['shape_signature'])} != {list(t.shape_signature)}")
            # Documented mapping: LiteRT's Python view of sub-byte/opaque types (dtypes.DType.litert).
            expected = dtypes.BY_NAME[t.dtype].litert
            if expected not in ("object", "bytes_") and np.dtype(d["dtype"]) != np.dtype(expected):
                errors.append(f"{where} dtype {d['dtype']} != {t.dtype} (as {expected})")
            q = t.quantization
            if q is not None and q.details and q.details.get("type") == "BlockwiseQuantization":
                # LiteRT expands the blockwise scales tensor into per-element "scales";
                # the file holds no scale vector: we report the blockwise details instead.
                assert not q.scale and d["quantization_parameters"]["scales"].size > 0
                continue
            qp = d["quantization_parameters"]
            scale = np.asarray(q.scale if q else [], dtype=np.float32)
            if qp["scales"].shape != scale.shape or not np.array_equal(qp["scales"], scale):
                errors.append(f"{where} scales {qp['scales'][:3]} != {scale[:3]}")
            if list(qp["zero_points"]) != list(q.zero_point if q else []):
                errors.append(f"{where} zero points differ")
            if qp["quantized_dimension"] != (q.quantized_dimension if q else 0):
                errors.append(f"{where} quantized_dimension {qp['quantized_dimension']}")
    if path.name not in OPS_DIFFER:
        ops = model.subgraphs[0].operators
        if len(view["ops"]) != len(ops):
            errors.append(f"{len(view['ops'])} ops vs {len(ops)}")
        for od, op in zip(view["ops"], ops, strict=False):
            if od["op_name"] != op.opcode:
                errors.append(f"op {op.index}: {od['op_name']} != {op.opcode}")
            if list(od["inputs"]) != list(op.inputs) or list(od["outputs"]) != list(op.outputs):
                errors.append(f"op {op.index} operands differ")
    ours = {s.key: s for s in model.signatures}
    if set(view["signatures"]) != set(ours):
        errors.append(f"signature keys {sorted(view['signatures'])} != {sorted(ours)}")
    for key, sig in view["signatures"].items():
        mine = ours.get(key)
        if mine is None:
            continue
        if list(sig["inputs"].items()) != list(mine.inputs.items()):
            errors.append(f"signature {key!r} inputs {sig['inputs']} != {dict(mine.inputs)}")
        if list(sig["outputs"].items()) != list(mine.outputs.items()):
            errors.append(f"signature {key!r} outputs {sig['outputs']} != {dict(mine.outputs)}")
    return errors


@pytest.mark.parametrize("path", sample_models(), ids=lambda p: p.name)
def test_samples_match_interpreter(path: Path) -> None:
    assert _compare(path) == []


@needs_corpus
@pytest.mark.parametrize("path", LITERT_MODELS, ids=lambda p: p.name)
def test_corpus_matches_interpreter(path: Path) -> None:
    assert _compare(path) == []


@needs_thirdparty
@pytest.mark.parametrize("path", thirdparty_models(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_third_party_models_match_interpreter(path: Path) -> None:
    """Models others made (tests/fetch_models.py): tensor for tensor, op for op, as LiteRT reads them."""
    assert _compare(path) == []


def test_corpus_is_present_or_skipped(corpus: Path) -> None:
    assert len(LITERT_MODELS) >= 170


def test_options_are_decoded_with_enum_names() -> None:
    model = tfl_inspect.load(SAMPLES / "classifier_flatten.tflite")
    conv = next(op for op in model.subgraphs[0].operators if op.opcode == "CONV_2D")
    assert conv.options["padding"] in ("SAME", "VALID")
    assert conv.options["fused_activation_function"] in ("NONE", "RELU", "RELU6")
    assert conv.options["stride_w"] >= 1
    fc = next(op for op in model.subgraphs[0].operators if op.opcode == "FULLY_CONNECTED")
    assert fc.options_type == "FullyConnectedOptions"
    assert fc.inputs[-1] == -1 or len(fc.inputs) == 3  # Keras Dense: omitted bias stays -1


def test_flex_op_names_the_tensorflow_op() -> None:
    model = tfl_inspect.load(SAMPLES / "flex_select_tf.tflite")
    flex = [op for op in model.subgraphs[0].operators if op.custom_code]
    assert [op.opcode for op in flex] == ["FlexMatrixDeterminant"]
    assert flex[0].builtin == "CUSTOM"
    assert flex[0].flex_op == "MatrixDeterminant"


def test_control_flow_ops_reference_their_subgraphs(corpus: Path) -> None:
    model = tfl_inspect.load(corpus / "litert/tflite/testdata/multi_subgraphs_while.bin")
    whiles = [op for sg in model.subgraphs for op in sg.operators if op.builtin == "WHILE"]
    assert whiles
    refs = dict(whiles[0].called_subgraphs)
    assert set(refs) == {"cond_subgraph_index", "body_subgraph_index"}
    assert all(0 < v < len(model.subgraphs) for v in refs.values())
    graph = tfl_inspect.to_networkx(model)
    calls = [(u, v) for u, v, d in graph.edges(data=True) if d["role"] == "calls"]
    assert len(calls) >= 2


def test_blockwise_int4_details_are_decoded(corpus: Path) -> None:
    model = tfl_inspect.load(corpus / "litert/litert/test/testdata/qwen_fc_blockwise_quantized.tflite")
    t = model.subgraphs[0].tensors[1]
    assert t.dtype == "INT4"
    assert t.quantization is not None and t.quantization.scale == ()
    details = t.quantization.details
    assert details["type"] == "BlockwiseQuantization" and details["block_size"] == 32
    scales = model.subgraphs[0].tensors[details["scales"]]
    assert scales.dtype == "FLOAT16" and scales.is_constant


def test_sparsity_is_decoded(corpus: Path) -> None:
    model = tfl_inspect.load(corpus / "litert/tflite/testdata/sparse_tensor.bin")
    sparse = [t for t in model.subgraphs[0].tensors if t.sparsity is not None]
    assert sparse
    sp = sparse[0].sparsity
    assert sp.traversal_order and {d["format"] for d in sp.dim_metadata} <= {"DENSE", "SPARSE_CSR"}
    assert any("array_indices" in d for d in sp.dim_metadata)


def test_metadata_is_decoded() -> None:
    model = tfl_inspect.load(SAMPLES / "dense_int8.tflite")
    assert model.min_runtime_version and model.min_runtime_version[0].isdigit()
    meta = model.conversion_metadata
    assert meta["environment"]["tensorflow_version"].startswith("2.")
    assert "PTQ_FULL_INTEGER" in meta["options"]["model_optimization_modes"]


def test_constant_data_is_lazy_and_exact() -> None:
    path = SAMPLES / "dense_float32.tflite"
    model = tfl_inspect.load(path)
    it = Interpreter(model_path=str(path))
    consts = [t for t in model.subgraphs[0].tensors if t.is_constant]
    assert consts
    for t in consts:
        np.testing.assert_array_equal(t.data(), it.get_tensor(t.index))


def test_legacy_opcode_uses_deprecated_builtin_code() -> None:
    m = unpack(SAMPLES / "dense_float32.tflite")
    for code in m.operatorCodes:  # an old writer: only deprecated_builtin_code is set
        code.deprecatedBuiltinCode, code.builtinCode = code.builtinCode, 0
    model = tfl_inspect.load(pack(m))
    assert all(op.legacy_opcode for op in model.subgraphs[0].operators)
    assert not any(op.legacy_opcode for op in tfl_inspect.load(SAMPLES / "dense_float32.tflite").subgraphs[0].operators)
    assert [op.opcode for op in model.subgraphs[0].operators] == [
        op.opcode for op in tfl_inspect.load(SAMPLES / "dense_float32.tflite").subgraphs[0].operators
    ]


def test_trailing_zip_is_tolerated_and_reported(tmp_path: Path) -> None:
    import io
    import zipfile

    blob = io.BytesIO()
    with zipfile.ZipFile(blob, "w") as zf:
        zf.writestr("labels.txt", "cat\ndog\n")
    path = tmp_path / "with_zip.tflite"
    path.write_bytes((SAMPLES / "dense_float32.tflite").read_bytes() + blob.getvalue())
    model = tfl_inspect.load(path)
    assert model.trailing_bytes == len(blob.getvalue())
    assert any("ZIP" in n for n in model.notes)
    assert tfl_inspect.load(SAMPLES / "dense_float32.tflite").trailing_bytes == 0


def _offset_buffer_model(src: Path) -> bytes:
    """Rewrite a model the way the converter writes models over 2 GB: data after the flatbuffer."""
    m = unpack(src)
    blobs = {}
    for i, b in enumerate(m.buffers):
        if b.data is not None and len(b.data) and i not in {md.buffer for md in m.metadata or []}:
            blobs[i] = bytes(np.asarray(b.data, dtype=np.uint8))
            b.data, b.offset, b.size = None, 2, len(blobs[i])  # placeholder keeps the layout
    head = pack(m)
    pos = (len(head) + 15) // 16 * 16
    for i, blob in blobs.items():
        m.buffers[i].offset = pos
        pos = (pos + len(blob) + 15) // 16 * 16
    head = pack(m)
    out = bytearray(head)
    for i, blob in blobs.items():
        out.extend(b"\0" * (m.buffers[i].offset - len(out)))
        out.extend(blob)
    return bytes(out)


def test_buffers_outside_the_flatbuffer(tmp_path: Path) -> None:
    src = SAMPLES / "dense_float32.tflite"
    path = tmp_path / "offset_buffers.tflite"
    path.write_bytes(_offset_buffer_model(src))
    model = tfl_inspect.load(path)
    assert any(b.offset for b in model.buffers)
    assert model.trailing_bytes == 0
    original = tfl_inspect.load(src)
    it = Interpreter(model_path=str(path))
    for t, o in zip(model.subgraphs[0].tensors, original.subgraphs[0].tensors, strict=True):
        assert (t.shape, t.dtype, t.nbytes, t.is_constant) == (o.shape, o.dtype, o.nbytes, o.is_constant)
        if t.is_constant:
            np.testing.assert_array_equal(t.data(), o.data())
            np.testing.assert_array_equal(t.data(), it.get_tensor(t.index))


def test_empty_data_vector_makes_a_constant(corpus: Path) -> None:
    """LiteRT's InterpreterBuilder makes a tensor read-only whenever its buffer has a data vector, even an empty
    one (zero_size_constant.bin's RESHAPE shape); a buffer without one stays a run-time tensor. The GPU
    accelerator counts that RESHAPE's inputs so (tests/targets/test_gpu_oracle.py)."""
    model = tfl_inspect.load(next(corpus.rglob("zero_size_constant.bin")))
    sg = model.subgraphs[0]
    shape = sg.tensors[sg.operators[0].inputs[1]]
    assert shape.empty_data and shape.nbytes == 0 and shape.is_constant and shape.shape == (0,)
    data = shape.data()
    assert data is not None and data.shape == (0,) and data.dtype == np.int32  # diff compares it as equal
    assert not sg.tensors[sg.operators[0].inputs[0]].is_constant
    plain = tfl_inspect.load(SAMPLES / "dense_float32.tflite").subgraphs[0].tensors
    assert not any(t.empty_data for t in plain)


def test_raw_bytes_need_no_numpy() -> None:
    """Tensor.raw(): a constant's stored bytes, for checks that must not pay numpy's import on big models."""
    model = tfl_inspect.load(SAMPLES / "dense_float32.tflite")
    for t in model.subgraphs[0].tensors:
        if t.is_constant:
            data = t.data()
            assert data is not None and t.raw() == data.tobytes()
        else:
            assert t.raw() is None
