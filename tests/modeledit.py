"""Edit converted models in tests: unpack a .tflite into LiteRT's object API and pack it again.

Uses the schema module that ships with ai-edge-litert (the newest schema), so tests can
corrupt parameters, rename tensors or move buffers without TensorFlow.
"""

from __future__ import annotations

from pathlib import Path

import flatbuffers
import pytest

schema = pytest.importorskip("ai_edge_litert.schema_py_generated", reason="ai-edge-litert not installed")


def unpack(source: Path | bytes) -> schema.ModelT:
    data = source.read_bytes() if isinstance(source, Path) else source
    return schema.ModelT.InitFromPackedBuf(bytearray(data), 0)


def pack(model: schema.ModelT) -> bytes:
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())
