"""Sparse weights and float16 counting through DENSIFY, checked against the LiteRT interpreter.

The oracle densifies: with the default delegates off (XNNPACK would fold DENSIFY itself and leave
the tensors empty) and every tensor preserved, each DENSIFY output must have exactly our dense
byte count and as many non-zero values as we say are stored.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import run_cli, thirdparty_models
from tfl_inspect.readers.flatbuffer import read_flatbuffer
from tfl_inspect.summary import float16_weights, sparse_tensors, sparsity_info

litert = pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert not installed")


def _sparse_fp16_models() -> list[Path]:
    out = []
    for p in thirdparty_models():
        m = read_flatbuffer(p)
        if sparse_tensors(m) and float16_weights(m).through_densify:
            out.append(p)
    if not out:
        pytest.skip("no sparse float16 third-party model: run python tests/fetch_models.py")
    return out


def test_sparsity_figures_agree_with_densify_in_the_interpreter() -> None:
    for path in _sparse_fp16_models():
        model = read_flatbuffer(path)
        sg = model.subgraphs[0]
        interp = litert.Interpreter(
            model_path=str(path),
            experimental_preserve_all_tensors=True,
            experimental_op_resolver_type=litert.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        )
        interp.allocate_tensors()
        for d in interp.get_input_details():
            interp.set_tensor(d["index"], np.zeros(d["shape"], d["dtype"]))
        interp.invoke()
        densify = [op for op in sg.operators if op.builtin == "DENSIFY"]
        assert densify
        for op in densify:
            info = sparsity_info(sg.tensors[op.inputs[0]])
            assert info is not None
            dense = interp.get_tensor(op.outputs[0])
            assert dense.nbytes == info.dense_bytes, (path.name, op.index)
            assert int(np.count_nonzero(dense)) == info.stored_values, (path.name, op.index)


def test_float16_weights_count_through_densify() -> None:
    for path in _sparse_fp16_models():
        model = read_flatbuffer(path)
        w = float16_weights(model)
        sg = model.subgraphs[0]
        deqs = [o for o in sg.operators if o.builtin == "DEQUANTIZE" and sg.tensors[o.inputs[0]].dtype == "FLOAT16"]
        assert w.count == len(deqs)  # every float16 DEQUANTIZE, sparse or not
        fp16_consts = [t for t in sg.tensors if t.dtype == "FLOAT16" and t.is_constant]
        assert w.stored_bytes == sum(t.nbytes for t in fp16_consts)  # the bytes the file holds
        assert w.through_densify == sum(op.builtin == "DENSIFY" for op in sg.operators)
        doc = json.loads(run_cli("inspect", path, "--format", "json").out)
        assert doc["summary"]["float16_weights"]["count"] == w.count
        assert doc["summary"]["sparsity"]["tensors"] == len(sparse_tensors(model))


def test_sparse_corpus_model_is_described(corpus: Path) -> None:
    """The corpus' TACO-format test tensor (block-sparse, CSR over blocks)."""
    path = corpus / "litert/tflite/testdata/sparse_tensor.bin"
    model = read_flatbuffer(path)
    ((_, tensor, info),) = sparse_tensors(model)
    assert tensor.shape == (4, 4)
    assert info.formats == ("DENSE", "SPARSE_CSR", "DENSE", "DENSE") and info.block_size == (2, 2)
    data = tensor.data()
    assert data is not None and info.stored_values == data.size
    assert info.dense_values == 16 and info.dense_bytes == 16 * data.itemsize
    text = run_cli("inspect", path, "--show", "tensors")
    assert "D/S/D/D, block 2x2 on dims [0, 1]" in text.out
