"""Which inputs --static / --static-batch resolve to, what the static pass writes, what it says when
inputs stay dynamic, and the shapes verification runs at."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest

import tfl_inspect
from tests.conftest import run_cli, sample
from tfl_inspect.errors import UsageError
from tfl_inspect.rewrite import fix
from tfl_inspect.rewrite.static_shapes import input_shapes
from tfl_inspect.schemas import load as load_schema


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


# conv2d_transpose_dynamic.tflite: Input((None, None, 3)) through Conv2DTranspose (samples/generate.py).
UNKNOWN_HW = "conv2d_transpose_dynamic.tflite"


def test_unknown_height_and_width_say_which_static_to_add_in_the_new_names(tmp_path: Path) -> None:
    out = tmp_path / "o.tflite"
    r = run_cli(
        "fix", sample(UNKNOWN_HW), "-o", out, "--static-batch", "1", "--fold-shapes", "--rename-io", "image=pixels"
    )
    assert r.code == 1 and not out.exists(), r.err
    assert "add --static pixels=1xHxWx3 with the real sizes" in r.out and "--allow-dynamic" in r.out
    assert "still have unknown dims: pixels, output_0" in r.out  # named as the output model names them
    r = run_cli(
        "fix", sample(UNKNOWN_HW), "-o", out, "--static-batch", "1", "--rename-io", "image=pixels", "--format", "json"
    )
    doc = json.loads(r.out)
    jsonschema.Draft202012Validator(load_schema("fix")).validate(doc)
    assert r.code == 1 and doc["written"] is False and doc["static_needed"] == ["--static pixels=1xHxWx3"]
    assert "pixels" in doc["still_dynamic"] and doc["refused"].startswith("inputs are still dynamic")
    # The --static it asked for, in the new name, gives a static model checked at that size.
    report = fix(
        sample(UNKNOWN_HW), out, static={"pixels": (1, 16, 16, 3)}, fold_shapes=True, rename_io={"image": "pixels"}
    )
    assert report.written and report.verification is not None and report.verification.status == "identical"
    assert report.verification.inputs[0]["shape"] == [1, 16, 16, 3] and report.verification.input_shapes == "static"
    assert not report.static_needed and not report.still_dynamic


def test_allow_dynamic_writes_it_and_says_the_check_ran_at_placeholder_sizes(tmp_path: Path) -> None:
    out = tmp_path / "o.tflite"
    r = run_cli("fix", sample(UNKNOWN_HW), "-o", out, "--static-batch", "1", "--fold-shapes", "--allow-dynamic")
    assert r.code == 0 and out.exists(), r.err
    assert "add --static image=1xHxWx3 with the real sizes" in r.out
    assert "serving_default_image:0 float32[1, 1, 1, 3]  (unknown dims run as 1" in r.out


def test_verify_input_checks_at_the_size_given_and_prints_it(tmp_path: Path) -> None:
    from tests.rewrite.helpers import run

    src, out = sample(UNKNOWN_HW), tmp_path / "o.tflite"
    argv = ["fix", src, "-o", out, "--static-batch", "1", "--allow-dynamic", "--verify-input", "image=1x24x20x3"]
    r = run_cli(*argv)
    assert r.code == 0, r.err
    assert "serving_default_image:0 float32[1, 24, 20, 3]  (--verify-input)" in r.out and "bit-identical" in r.out
    out.unlink()
    doc = json.loads(run_cli(*argv, "--format", "json").out)
    jsonschema.Draft202012Validator(load_schema("fix")).validate(doc)
    v = doc["verification"]
    assert v["status"] == "identical" and v["input_shapes"] == "given"
    assert v["inputs"] == [{"name": "serving_default_image:0", "dtype": "float32", "shape": [1, 24, 20, 3]}]
    assert v["outputs"][0]["shape"] == [1, 48, 40, 8]
    x = np.random.default_rng(5).standard_normal((1, 24, 20, 3)).astype(np.float32)
    assert run(out, [x])[0].tobytes() == run(src, [x])[0].tobytes()


@pytest.mark.parametrize(
    "spec, words",
    [
        ("image=1x24x20", "has rank 4"),
        ("nope=1x24x20x3", "no input 'nope'"),
        ("image=1x24x?x3", "give every dim a size"),
        ("image", "expected NAME=SHAPE"),
    ],
)
def test_a_bad_verify_input_is_one_usage_line(tmp_path: Path, spec: str, words: str) -> None:
    out = tmp_path / "o.tflite"
    r = run_cli("fix", sample(UNKNOWN_HW), "-o", out, "--allow-dynamic", "--static-batch", "1", "--verify-input", spec)
    lines = r.err.strip().splitlines()
    assert r.code == 2 and len(lines) == 1 and words in lines[0] and not out.exists(), (r.code, r.err)


def test_verify_input_cannot_change_a_dim_the_rewrite_fixed(tmp_path: Path) -> None:
    out = tmp_path / "o.tflite"
    r = run_cli(
        "fix", sample(UNKNOWN_HW), "-o", out, "--static", "image=1x16x16x3", "--verify-input", "image=1x32x32x3"
    )
    assert r.code == 2 and "fixes this input at [1, 16, 16, 3]" in r.err and not out.exists()


def test_shapes_that_depend_on_values_are_listed_but_do_not_stop_the_write(tmp_path: Path) -> None:
    """where.bin: WHERE's output size depends on the data; every input is static after --static."""
    from tests.conftest import corpus_files, require_corpus

    require_corpus()
    src = next((p for p in corpus_files("litert") if p.name == "where.bin"), None)
    if src is None:
        pytest.skip("where.bin is not in the corpus")
    report = fix(src, tmp_path / "o.tflite", static={0: (1, 4)}, verify=False)
    assert report.written and report.still_dynamic and not report.static_needed and report.refused is None
