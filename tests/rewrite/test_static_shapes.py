"""Which inputs --static / --static-batch resolve to, and what the static pass writes."""

from __future__ import annotations

from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import sample
from tfl_inspect.errors import UsageError
from tfl_inspect.rewrite import fix
from tfl_inspect.rewrite.static_shapes import input_shapes


def test_static_batch_sets_dim_0_of_every_input() -> None:
    model = tfl_inspect.load(sample("multi_io.tflite"))
    assert input_shapes(model, None, None, 3) == {0: (3, 4), 1: (3, 4)}


def test_a_named_shape_wins_over_the_batch() -> None:
    model = tfl_inspect.load(sample("multi_io.tflite"))
    assert input_shapes(model, None, {"alpha": (2, 4)}, 5) == {"alpha": (2, 4), 0: (5, 4)}


def test_batch_below_one_is_refused() -> None:
    with pytest.raises(UsageError):
        input_shapes(tfl_inspect.load(sample("multi_io.tflite")), None, None, 0)


def test_multi_input_model_runs_at_the_new_batch(tmp_path: Path) -> None:
    report = fix(sample("multi_io.tflite"), tmp_path / "m.tflite", static_batch=2)
    assert report.written and report.verification is not None and report.verification.status == "identical"
    assert [i["shape"] for i in report.verification.inputs] == [[2, 4], [2, 4]]
    sg = tfl_inspect.load(tmp_path / "m.tflite").subgraphs[0]
    assert all(-1 not in t.shape_signature for t in sg.tensors)
    assert report.lint is not None and "DYN001" in report.lint.removed


def test_unknown_input_name_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        fix(sample("multi_io.tflite"), tmp_path / "m.tflite", static={"nope": (1, 4)})


def test_static_batch_leaves_a_batch_fixed_at_conversion() -> None:
    model = tfl_inspect.load(sample("flex_select_tf.tflite"))  # Input((4, 4), batch_size=1)
    assert input_shapes(model, None, None, 8) == {}


def test_static_batch_on_a_static_model_says_so(tmp_path: Path) -> None:
    report = fix(sample("upsampling_static_batch1.tflite"), tmp_path / "o.tflite", static_batch=4)
    assert report.written and not report.shapes_fixed
    assert any("no input has a dynamic batch" in n for n in report.notes)
