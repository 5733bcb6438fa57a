"""Parameters equal the element counts of the constant buffers the ops read.

The oracle reads the file with LiteRT's own schema module (not our reader): for every op
input whose buffer holds data, count the shape's elements, each buffer once.
"""

from __future__ import annotations

from math import prod
from pathlib import Path

import pytest

from tests.conftest import corpus_files, corpus_ids, sample_models
from tfl_inspect import load
from tfl_inspect.errors import TflInspectError
from tfl_inspect.profiling import profile
from tfl_inspect.profiling.params import scope_of

from .helpers import as_model, one_op

modeledit = pytest.importorskip("tests.modeledit")


def _oracle(path: Path) -> int:
    m = modeledit.unpack(path)
    seen: set[int] = set()
    total = 0
    for sg in m.subgraphs or []:
        for op in sg.operators or []:
            for i in op.inputs if op.inputs is not None else []:
                if i < 0:
                    continue
                t = sg.tensors[i]
                buf = m.buffers[t.buffer] if t.buffer and t.buffer < len(m.buffers) else None
                has_data = buf is not None and ((buf.data is not None and len(buf.data) > 0) or (buf.offset or 0) > 1)
                if not has_data or t.buffer in seen:
                    continue
                seen.add(t.buffer)
                total += prod(int(d) for d in t.shape) if t.shape is not None else 1
    return total


def _models() -> list[Path]:
    return sample_models() + [p for p in corpus_files("litert") if p.stat().st_size < 50_000_000]


@pytest.mark.parametrize("path", _models(), ids=corpus_ids(_models()))
def test_params_equal_constant_buffer_elements(path: Path) -> None:
    try:
        model = load(path)
        prof = profile(model, reorder=False)
    except TflInspectError:
        pytest.skip("not a readable model (invalid on purpose)")
    try:
        expected = _oracle(path)
    except Exception as exc:
        pytest.skip(f"LiteRT schema cannot unpack it: {type(exc).__name__}")
    assert prof.totals.params == expected


def test_shared_buffer_counts_once_and_float16_weight_ram() -> None:
    sg, _ = one_op("DEQUANTIZE", [((10, 10), "FLOAT16", True)], [((10, 10), "FLOAT32")])
    prof = profile(as_model(sg))
    assert prof.totals.params == 100
    assert prof.totals.weight_bytes == 200
    assert prof.totals.weight_ram_bytes == 200 + 400
    assert [(g.key, g.params) for g in prof.by_dtype] == [("FLOAT16", 100)]


def test_scope_is_the_keras_layer() -> None:
    sg, op = one_op("RELU", [((2,), "FLOAT32", False)], [((2,), "FLOAT32")])
    assert scope_of(sg, op) == "scope/op"


@pytest.mark.slow
def test_params_of_converter_fixtures(tf_fixtures: dict[str, Path]) -> None:
    for name, path in tf_fixtures.items():
        assert profile(load(path), reorder=False).totals.params == _oracle(path), name
