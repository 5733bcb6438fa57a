"""Custom ops whose options fix their outputs are inferred like builtins (tfl_inspect.custom_ops)."""

from __future__ import annotations

import pytest

import tfl_inspect
from tests.conftest import thirdparty_models


def _with_custom_shape_rules() -> list:
    from tfl_inspect import custom_ops

    out = []
    for path in thirdparty_models():
        model = tfl_inspect.load(path)
        if any(
            op.is_custom and (info := custom_ops.lookup(op.custom_code)) is not None and info.shape is not None
            for sg in model.subgraphs
            for op in sg.operators
        ):
            out.append(path)
    return out


@pytest.mark.parametrize("path", _with_custom_shape_rules() or [None], ids=lambda p: p.name if p else "none")
def test_custom_op_outputs_are_inferred_as_recorded(path) -> None:  # type: ignore[no-untyped-def]
    if path is None:
        pytest.skip("no third-party model with such custom ops: run python tests/fetch_models.py")
    model = tfl_inspect.load(path)
    result = tfl_inspect.infer_shapes(model)
    sg = model.subgraphs[result.subgraph]
    custom = [op for op in sg.operators if op.is_custom]
    checked = 0
    for op in custom:
        if op.index in result.not_inferred_ops:
            continue
        for t in op.outputs:
            assert result.shape(t) == sg.tensors[t].shape, (op.opcode, t)
            checked += 1
    assert checked, "no custom op output was inferred"
    assert result.ok
