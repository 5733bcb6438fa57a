"""Fixes that name a builtin alternative, offered only when the target has that builtin."""

from __future__ import annotations

import tfl_inspect
from tests.conftest import sample
from tfl_inspect.remedies import say
from tfl_inspect.targets import compat, get
from tfl_inspect.targets.fixes import alternative


def test_alternative_only_when_the_target_has_it() -> None:
    assert alternative(get("tflm"), "RELU_0_TO_1") is None  # no alternative known
    assert "RESIZE_NEAREST_NEIGHBOR" in say(alternative(get("tflm"), "TILE") or "")
    assert alternative(get("xnnpack"), "TILE") is None  # XNNPACK has no RESIZE_NEAREST_NEIGHBOR either
    assert "RESHAPE" in say(alternative(get("xnnpack"), "EXPAND_DIMS") or "")


def test_flex_ops_get_the_builtin_fix() -> None:
    t = compat(tfl_inspect.load(sample("flex_select_tf.tflite")), targets="xnnpack").targets["xnnpack"]
    flex = [v for v in t.operators if v.opcode.startswith("Flex")]
    assert flex and all("SELECT_TF_OPS" in (v.reasons[0].fix or "") for v in flex)


def test_expand_dims_on_xnnpack_suggests_reshape() -> None:
    t = compat(tfl_inspect.load(sample("upsampling_static.tflite")), targets="xnnpack").targets["xnnpack"]
    ed = next(v for v in t.operators if v.opcode == "EXPAND_DIMS")
    assert "RESHAPE" in (ed.reasons[0].fix or "")
