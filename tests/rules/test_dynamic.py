"""DYN rules on converter output: the Keras lowerings they must recognise, the static ones they must not flag."""

from __future__ import annotations

import pytest

import tfl_inspect
from tests.conftest import SAMPLES, sample
from tests.rules.helpers import edited, lint, of
from tfl_inspect import load
from tfl_inspect.rules import Severity


def test_dynamic_batch_only_is_info() -> None:
    path = sample("dense_float32.tflite")
    (f,) = of(lint(path), "DYN001")
    assert f.severity is Severity.INFO
    assert (f.signature, f.io_name, f.tensor) == ("serving_default", "features", 0)
    t = load(path).tensor(0, 0)
    assert str(list(t.shape_signature)) in f.message and str(list(t.shape)) in f.message
    assert "resize_tensor_input(0, [N, 32])" in f.fix and "allocate_tensors" in f.fix


def test_dynamic_spatial_dims_warn_and_name_the_dims() -> None:
    (f,) = of(lint(sample("conv2d_transpose_dynamic.tflite")), "DYN001")
    assert f.severity is Severity.WARNING
    assert "dims [0, 1, 2]" in f.message
    assert "keras.Input" in f.explanation


def test_static_input_has_no_dyn001() -> None:
    assert of(lint(sample("upsampling_static_batch1.tflite")), "DYN001") == []


def test_upsampling2d_lowering_is_recognised() -> None:
    path = sample("upsampling_static.tflite")
    model = load(path)
    found = of(lint(model), "DYN002")
    assert {model.subgraphs[0].operators[f.op].opcode for f in found} == {"RESHAPE"}
    assert len(found) == 2
    for f in found:
        assert "UpSampling2D" in f.message and "Resizing" in f.fix
        assert f.related and all(model.subgraphs[0].operators[o].opcode == "SHAPE" for _, o in f.related)
    by_sev = {f.severity for f in found}
    # The first RESHAPE only carries the batch; the second one's result lost a static dim.
    assert by_sev == {Severity.INFO, Severity.WARNING}
    warn = next(f for f in found if f.severity is Severity.WARNING)
    out = model.tensor(0, model.subgraphs[0].operators[warn.op].outputs[0])
    assert str(list(out.shape_signature)) in warn.message


def test_conv2d_transpose_dynamic_output_shape() -> None:
    model = load(sample("conv2d_transpose_dynamic.tflite"))
    (f,) = of(lint(model), "DYN002")
    assert f.opcode == "TRANSPOSE_CONV" and f.severity is Severity.WARNING
    assert "Conv2DTranspose" in f.message and "static input shape" in f.fix
    # output_shape = [N, H*2, W*2, C]: elements 0..2 come from the input's run-time shape.
    assert "element(s) [0, 1, 2]" in f.message
    assert model.tensor(0, f.tensor).name in f.message


def test_flatten_with_dynamic_batch_is_info() -> None:
    (f,) = of(lint(sample("classifier_flatten.tflite")), "DYN002")
    assert f.severity is Severity.INFO and "Flatten" in f.message and "element(s) [0]" in f.message


@pytest.mark.parametrize(
    "name", ["upsampling_static_batch1.tflite", "conv2d_transpose_static.tflite", "resizing_nearest.tflite"]
)
def test_static_lowerings_have_no_dyn002(name: str) -> None:
    assert of(lint(sample(name)), "DYN002") == []


@pytest.mark.slow
def test_unknown_rank_input(converted) -> None:
    found = of(lint(converted("unranked")), "DYN003")
    assert found and found[0].tensor == 0 and "unknown rank" in found[0].message


def test_unknown_channel_dim_of_conv_input() -> None:
    path = sample("upsampling_static_batch1.tflite")
    model = load(path)
    conv = next(o for o in model.subgraphs[0].operators if o.opcode == "CONV_2D")

    def drop_channel(m) -> None:
        t = m.subgraphs[0].tensors[conv.inputs[0]]
        t.shapeSignature = [int(d) for d in t.shape[:-1]] + [-1]

    (f,) = of(lint(edited(path, drop_channel)), "DYN003")
    assert f.op == conv.index and f.tensor == conv.inputs[0] and "channel" in f.message


def test_static_model_has_no_dyn003() -> None:
    assert of(lint(sample("dense_float32.tflite")), "DYN003") == []


@pytest.mark.slow
def test_batch_baked_into_reshape(converted) -> None:
    model = load(converted("batch_reshape"))
    (f,) = of(lint(model), "DYN004")
    assert f.opcode == "RESHAPE" and "[1, 8]" in f.message and "fails" in f.message
    assert model.tensor(0, f.tensor).is_constant


@pytest.mark.parametrize("name", ["upsampling_static_batch1.tflite", "classifier_flatten.tflite"])
def test_no_dyn004_without_a_literal_batch_or_dynamic_input(name: str) -> None:
    assert of(lint(sample(name)), "DYN004") == []


def test_failed_upsampling_conversion_mlir() -> None:
    """The MLIR the converter printed when UpSampling2D on a fully dynamic input failed."""
    found = of(lint(sample("upsampling_dynamic.mlir")), "DYN002")
    assert len(found) == 2 and all("UpSampling2D" in f.message for f in found)
    assert all(f.severity is Severity.WARNING for f in found)
    # The second RESHAPE's target reads N, H and W at run time; the shape engine knows the
    # channel is 3 (the first RESHAPE's target sets it), although the MLIR records '?' there.
    assert any("dim 2 of '%9' * 2, 3]; element(s) [0, 1, 2] known only at run time" in f.message for f in found)


# --- DYN005: dynamic in name only ------------------------------------------------------------
KEY = SAMPLES / "torch" / "key_upsample_skip_dynamic.tflite"


def test_dynamic_in_name_only_names_the_sizes_the_op_and_the_pytorch_fix() -> None:
    (f,) = of(lint(KEY), "DYN005")
    assert f.severity == Severity.ERROR  # the recorded shape cannot even allocate
    assert f.tensor == 0 and f.io_name == "args_0"
    assert "works only at H=64, W=48 (N may vary)" in f.message
    assert "RESIZE_NEAREST_NEIGHBOR (op 5) in `up` has the constant size [64, 48]" in f.message
    assert "CONCATENATION (op 6)" in f.message and "At its recorded shape [1, 3, 1, 1]" in f.message
    assert f.related == ((0, 5), (0, 6))
    assert "litert_torch.signature(" in f.fix and "torch.export.Dim" in f.fix and "[1, 3, 64, 48]" in f.fix
    assert "--static args_0=1x3x64x48" in f.fix
    (dyn001,) = of(lint(KEY), "DYN001")  # the input's own finding names NCHW dims and the accepted size
    assert "[N, 3, H, W]" in dyn001.fix and "--static args_0=1x3x64x48" in dyn001.fix and "DYN005" in dyn001.message


def test_the_quoted_fix_command_makes_the_recorded_shape_the_accepted_one(tmp_path) -> None:
    pytest.importorskip("ai_edge_litert", reason="fix verifies with LiteRT")
    from tests.shapes.test_pinning import runs

    out = tmp_path / "fixed.tflite"
    tfl_inspect.fix(KEY, out, static={"args_0": "1x3x64x48"})
    assert of(lint(out), "DYN005") == []
    (report,) = runs(out, [None])  # allocate at the recorded shape, no resize
    assert report["stage"] == "ok" and report["invoked"]


@pytest.mark.parametrize("name", ["torch/dynamic_hw.tflite", "torch/dynamic_batch.tflite", "multi_io.tflite"])
def test_no_dyn005_where_the_dims_do_vary(name: str) -> None:
    assert of(lint(SAMPLES / name), "DYN005") == []


@pytest.mark.slow
def test_dyn005_on_a_tensorflow_model_speaks_keras_and_litert_agrees(converted) -> None:
    from tests.shapes.test_pinning import failed_node, runs

    path = converted("pinned_resize")
    (f,) = of(lint(path), "DYN005")
    assert "works only at H=16, W=12" in f.message and f.severity == Severity.ERROR
    assert "keras.Input" in f.fix and "litert_torch" not in f.fix
    reports = runs(path, [[1, 16, 12, 3], [1, 32, 24, 3], None])
    assert reports[0]["stage"] == "ok"
    assert failed_node(reports[1]) == (f.related[-1][1], "CONCATENATION")
    assert failed_node(reports[2]) == (f.related[-1][1], "CONCATENATION")
