"""The compat() report: target parsing, signatures, whole-model verdicts and diagram marks."""

from __future__ import annotations

import pytest

import tfl_inspect
from tests.conftest import sample
from tfl_inspect.errors import UsageError
from tfl_inspect.targets import compat, names, parse_targets, verdict_marks


def test_parse_targets() -> None:
    everything = (
        "xnnpack",
        "gpu",
        "gpu-classic",
        "tflm",
        "edgetpu",
        "nnapi",
        "qualcomm",
        "intel",
        "mediatek",
        "google-tensor",
    )
    assert parse_targets(None) == names() == everything
    assert parse_targets("GPU, tflm,gpu") == ("gpu", "tflm")
    assert parse_targets(["xnnpack", "all"]) == everything
    with pytest.raises(UsageError, match="known targets are xnnpack, gpu, gpu-classic, tflm, edgetpu, nnapi"):
        parse_targets("coreml")


def test_verdict_marks_give_status_and_partition() -> None:
    report = compat(tfl_inspect.load(sample("upsampling_static.tflite")), targets="xnnpack")
    marks = verdict_marks(report, "xnnpack")
    t = report.targets["xnnpack"]
    assert len(marks) == t.total_ops
    conv = next(v for v in t.operators if v.opcode == "CONV_2D")
    assert marks[(0, conv.index)] == {"verdict": "supported", "partition": 0, "reason": None}
    shape = next(v for v in t.operators if v.opcode == "SHAPE")
    mark = marks[(0, shape.index)]
    assert mark["verdict"] == "unsupported" and mark["partition"] is None and "SHAPE" in mark["reason"]
    with pytest.raises(UsageError):
        verdict_marks(report, "gpu")


def test_whole_model_and_failing() -> None:
    report = compat(tfl_inspect.load(sample("dense_float32.tflite")), targets=["xnnpack", "edgetpu"])
    assert report.targets["xnnpack"].whole_model
    assert report.failing(["xnnpack", "edgetpu"]) == ["edgetpu"]


def test_signature_selects_its_subgraph() -> None:
    model = tfl_inspect.load(sample("multi_io.tflite"))
    key = model.signatures[0].key
    report = compat(model, signature=key, targets="tflm")
    assert report.subgraphs == (model.signatures[0].subgraph,)
    with pytest.raises(UsageError):
        compat(model, signature="nope")


def test_caveats_are_supported_but_flagged() -> None:
    """MediaPipe's transposed convolution runs on XNNPACK; its raw-struct options are a caveat."""
    from tests.conftest import require_thirdparty

    path = next((p for p in require_thirdparty() if p.name == "selfie_segmentation.tflite"), None)
    if path is None:
        pytest.skip("selfie_segmentation.tflite not fetched")
    t = compat(tfl_inspect.load(path), targets="xnnpack").targets["xnnpack"]
    deconv = next(v for v in t.operators if v.opcode == "Convolution2DTransposeBias")
    assert deconv.status == "caveat" and deconv.supported and deconv.caveats
