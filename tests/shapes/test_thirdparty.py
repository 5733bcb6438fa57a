"""Models published by others: sparse weights through DENSIFY, streaming state; shapes agree with LiteRT."""

from __future__ import annotations

import pytest

import tfl_inspect
from tests.conftest import require_thirdparty
from tfl_inspect.shapes import infer_shapes

SPECIAL = ("DENSIFY", "VAR_HANDLE")


def test_sparse_and_stateful_models_agree_with_the_interpreter() -> None:
    pytest.importorskip("ai_edge_litert")
    from tfl_inspect.shapes.verify import verify

    checked = []
    for path in require_thirdparty():
        model = tfl_inspect.load(path)
        ops = {op.opcode for sg in model.subgraphs for op in sg.operators}
        if not ops & set(SPECIAL):
            continue
        res = infer_shapes(model)
        assert res.ok and not res.not_inferred_ops, path.name
        v = verify(res)
        assert v.interpreter_ok and v.total > 0 and v.agree == v.total, (path.name, v.mismatches[:3])
        checked.append(path.name)
    if not checked:
        pytest.skip("no third-party model with DENSIFY or resource variables downloaded")
