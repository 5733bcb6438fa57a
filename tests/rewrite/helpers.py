"""Shared pieces of the fix tests: run LiteRT on a model, and build models the converter cannot.

The > 2 GB model is generated here (never committed): a GATHER from a float32 table of
2.1 GB whose data lies after the flatbuffer, as the converter writes large models. The
table is a sparse file except for a few rows, so it costs little disk and LiteRT only
touches the rows it gathers.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.modeledit import pack, schema, unpack

Interpreter = pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert not installed").Interpreter
OpResolverType = pytest.importorskip("ai_edge_litert.interpreter").OpResolverType

BIG_ROWS = 8_400_000  # x 64 float32 = 2.15 GB
BIG_COLS = 64
KNOWN_ROWS = (0, 1, 2, 3, 4_200_000, BIG_ROWS - 1)


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def run(path: Path, feeds: list[np.ndarray], delegates: bool = False) -> list[np.ndarray]:
    """Outputs of LiteRT's built-in kernels for ``feeds`` (resizing inputs to their shapes)."""
    kw = {} if delegates else {"experimental_op_resolver_type": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES}
    it = Interpreter(model_path=str(path), **kw)
    for d, x in zip(it.get_input_details(), feeds, strict=True):
        if list(d["shape"]) != list(x.shape):
            it.resize_tensor_input(d["index"], list(x.shape))
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), feeds, strict=True):
        it.set_tensor(d["index"], x)
    it.invoke()
    return [it.get_tensor(d["index"]).copy() for d in it.get_output_details()]


def xnnpack_delegated(path: Path) -> int:
    """Ops XNNPACK takes: DELEGATE nodes once node fusion is disabled."""
    it = Interpreter(model_path=str(path), experimental_disable_delegate_node_fusion=True)
    it.allocate_tensors()
    return sum(1 for d in it._get_ops_details() if d["op_name"] == "DELEGATE")


def _row(i: int) -> np.ndarray:
    return np.random.default_rng(i).standard_normal(BIG_COLS).astype(np.float32)


def big_gather_model(path: Path) -> Path:
    """A > 2 GB model with its table outside the flatbuffer; the signature names are generated ones."""
    s = schema
    m = s.ModelT()
    m.version = 3
    code = s.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = s.BuiltinOperator.GATHER
    code.version = 1
    m.operatorCodes = [code]
    m.buffers = [s.BufferT() for _ in range(4)]

    def tensor(name: str, shape: list[int], ttype: int, buffer: int) -> Any:
        t = s.TensorT()
        t.name, t.shape, t.type, t.buffer = name.encode(), shape, ttype, buffer
        return t

    table = tensor("embedding/table", [BIG_ROWS, BIG_COLS], s.TensorType.FLOAT32, 1)
    ids = tensor("serving_default_ids:0", [1, 4], s.TensorType.INT32, 2)
    out = tensor("StatefulPartitionedCall:0", [1, 4, BIG_COLS], s.TensorType.FLOAT32, 3)
    op = s.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = 0, [0, 1], [2]
    op.builtinOptionsType = s.BuiltinOptions.GatherOptions
    op.builtinOptions = s.GatherOptionsT()
    sg = s.SubGraphT()
    sg.tensors, sg.operators, sg.inputs, sg.outputs, sg.name = [table, ids, out], [op], [1], [2], b"main"
    m.subgraphs = [sg]
    sig = s.SignatureDefT()
    sig.signatureKey, sig.subgraphIndex = b"serving_default", 0
    sig.inputs, sig.outputs = [s.TensorMapT(), s.TensorMapT()][:1], [s.TensorMapT()]
    sig.inputs[0].name, sig.inputs[0].tensorIndex = b"ids", 1
    sig.outputs[0].name, sig.outputs[0].tensorIndex = b"embeddings", 2
    m.signatureDefs = [sig]
    size = BIG_ROWS * BIG_COLS * 4
    m.buffers[1].offset, m.buffers[1].size = 2, size  # placeholder, patched below
    head = pack(m)
    start = (len(head) + 15) // 16 * 16
    m.buffers[1].offset = start
    head = pack(m)
    with path.open("wb") as f:
        f.write(head)
        f.truncate(start + size)  # a sparse file: zeros cost no disk
        for i in KNOWN_ROWS:
            f.seek(start + i * BIG_COLS * 4)
            f.write(_row(i).tobytes())
    return path


def big_expected(ids: np.ndarray) -> np.ndarray:
    return np.stack([_row(int(i)) if int(i) in KNOWN_ROWS else np.zeros(BIG_COLS, np.float32) for i in ids.reshape(-1)])


def offset_model(src: Path) -> bytes:
    """``src`` with every weight moved after the flatbuffer, as the converter writes > 2 GB models."""
    m = unpack(src)
    meta = {md.buffer for md in m.metadata or []}
    blobs = {}
    for i, b in enumerate(m.buffers):
        if b.data is not None and len(b.data) and i not in meta:
            blobs[i] = bytes(np.asarray(b.data, dtype=np.uint8))
            b.data, b.offset, b.size = None, 2, len(blobs[i])
    head = pack(m)
    pos = (len(head) + 15) // 16 * 16
    for i, blob in blobs.items():
        m.buffers[i].offset = pos
        pos = (pos + len(blob) + 15) // 16 * 16
    out = bytearray(pack(m))
    for i, blob in blobs.items():
        out.extend(b"\0" * (m.buffers[i].offset - len(out)))
        out.extend(blob)
    return bytes(out)


def dense_chain_model(path: Path, layers: int = 12, width: int = 2048) -> Path:
    """``layers`` float32 FULLY_CONNECTED layers of ``width`` x ``width`` random weights, stored
    after the flatbuffer: every weight byte is read by one inference (unlike the sparse GATHER)."""
    s = schema
    rng = np.random.default_rng(7)
    m = s.ModelT()
    m.version = 3
    code = s.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = s.BuiltinOperator.FULLY_CONNECTED
    code.version = 1
    m.operatorCodes = [code]
    m.buffers = [s.BufferT()]
    tensors, ops, blobs = [], [], []

    def tensor(name: str, shape: list[int], buffer: int = 0) -> int:
        t = s.TensorT()
        t.name, t.shape, t.type, t.buffer = name.encode(), shape, s.TensorType.FLOAT32, buffer
        tensors.append(t)
        return len(tensors) - 1

    x = tensor("serving_default_x:0", [1, width])
    for i in range(layers):
        m.buffers.append(s.BufferT())
        kernel = (rng.standard_normal((width, width)) / width**0.5).astype(np.float32)
        blobs.append((len(m.buffers) - 1, kernel.tobytes()))
        w = tensor(f"dense_{i}/kernel", [width, width], len(m.buffers) - 1)
        y = tensor(f"dense_{i}/out" if i < layers - 1 else "StatefulPartitionedCall:0", [1, width])
        op = s.OperatorT()
        op.opcodeIndex, op.inputs, op.outputs = 0, [x, w, -1], [y]
        op.builtinOptionsType = s.BuiltinOptions.FullyConnectedOptions
        op.builtinOptions = s.FullyConnectedOptionsT()
        op.builtinOptions.fusedActivationFunction = s.ActivationFunctionType.RELU_N1_TO_1
        ops.append(op)
        x = y
    sg = s.SubGraphT()
    sg.tensors, sg.operators, sg.inputs, sg.outputs, sg.name = tensors, ops, [0], [x], b"main"
    m.subgraphs = [sg]
    for i, blob in blobs:
        m.buffers[i].offset, m.buffers[i].size = 2, len(blob)
    pos = (len(pack(m)) + 15) // 16 * 16
    for i, blob in blobs:
        m.buffers[i].offset = pos
        pos = (pos + len(blob) + 15) // 16 * 16
    with path.open("wb") as f:
        f.write(pack(m))
        for i, blob in blobs:
            f.seek(m.buffers[i].offset)
            f.write(blob)
    return path
