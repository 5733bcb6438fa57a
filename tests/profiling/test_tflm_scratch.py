"""The scratch-buffer rules no corpus model exercised, checked against the real TFLite Micro.

SVDF, the fused UNIDIRECTIONAL_SEQUENCE_LSTM and TFLite_Detection_PostProcess come from
hand-built models (tflm_models.py); the 16x8 TRANSPOSE_CONV from the converter. Each model is one
where the scratch buffers change the head: dropping the rule must break the match.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tfl_inspect import load
from tfl_inspect.profiling import tflm_planner
from tfl_inspect.profiling.tflm_planner import plan

from . import tflm_models as tm
from .tflm_oracle import arena_heads

pytest.importorskip("tflite_micro", reason="tflite_micro (the TFLM oracle) is not installed")

BUILT: dict[str, tuple[str, Callable[[Path], Path]]] = {
    "svdf_float": ("SVDF", tm.svdf_model),
    "svdf_int8": ("SVDF", lambda p: tm.svdf_model(p, int8=True)),
    "lstm_float": ("UNIDIRECTIONAL_SEQUENCE_LSTM", tm.lstm_model),
    "lstm_int8": ("UNIDIRECTIONAL_SEQUENCE_LSTM", lambda p: tm.lstm_model(p, int8=True)),
    "detection_fast_nms": ("TFLite_Detection_PostProcess", tm.detection_postprocess_model),
    # fewer boxes than detections and more classes than detections: the min/max buffer sizes
    "detection_regular_nms": (
        "TFLite_Detection_PostProcess",
        lambda p: tm.detection_postprocess_model(p, boxes=4, classes=9, max_detections=6, regular_nms=True),
    ),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, int | None]]:
    """name → (model path, TFLM head); one oracle process for all the models."""
    out = tmp_path_factory.mktemp("tflm_scratch")
    paths = {name: make(out / f"{name}.tflite") for name, (_, make) in BUILT.items()}
    heads = arena_heads(list(paths.values()))
    return {name: (path, heads[path]) for name, path in paths.items()}


def _check(path: Path, head: int | None, op: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert head is not None, f"TFLM refused {path.name}"
    ours = plan(load(path), pointer_bytes=8)
    print(f"{path.name}: tflm {head}, ours {ours.arena_bytes}")
    assert ours.arena_bytes == head
    assert not ours.notes
    monkeypatch.setitem(tflm_planner.SCRATCH, op, lambda sg, o, ptr: [])
    assert plan(load(path), pointer_bytes=8).arena_bytes != head, "the model does not exercise the scratch rule"


@pytest.mark.parametrize("name", sorted(BUILT))
def test_scratch_rule_matches_tflm(
    name: str, built: dict[str, tuple[Path, int | None]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _check(*built[name], BUILT[name][0], monkeypatch)


@pytest.mark.slow
def test_16x8_transpose_conv_matches_tflm(
    tf_fixtures: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tf_fixtures["int16_transpose_conv"]
    sg = load(src).subgraphs[0]
    tc = next(op for op in sg.operators if op.builtin == "TRANSPOSE_CONV")
    x, bias = sg.tensor(tc.inputs[2]), sg.tensor(tc.inputs[3])
    assert x is not None and x.dtype == "INT16" and bias is not None and bias.dtype == "INT64"
    narrowed = tm.int16_bias_transpose_conv(src, tmp_path / "int16_bias_transpose_conv.tflite")
    heads = arena_heads([src, narrowed])
    # int64 bias: the int64 accumulators only; int16 bias: plus the widened bias.
    for path in (src, narrowed):
        _check(path, heads[path], "TRANSPOSE_CONV", monkeypatch)
        monkeypatch.undo()
    assert len([b for b in plan(load(narrowed)).buffers if b.tensor < 0]) == 2


def test_sized_intermediates_are_noted_as_refused(tmp_path: Path) -> None:
    """TFLM refuses an op whose intermediate tensors have bytes (micro_allocation_info.cc)."""
    from tests import modeledit

    m = modeledit.unpack(tm.lstm_model(tmp_path / "lstm.tflite", int8=True))
    for i in m.subgraphs[0].operators[0].intermediates:
        m.subgraphs[0].tensors[i].shape = [1]
    path = tmp_path / "lstm_sized_intermediates.tflite"
    path.write_bytes(modeledit.pack(m))
    assert arena_heads([path])[path] is None
    assert any("intermediate" in n for n in plan(load(path)).notes)


@pytest.mark.parametrize("name", sorted(BUILT))
def test_built_models_run_in_litert(name: str, built: dict[str, tuple[Path, int | None]]) -> None:
    """The hand-built operand layouts are valid ones: LiteRT's own kernels prepare and run them."""
    import numpy as np

    interpreter = pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert not installed")
    ip = interpreter.Interpreter(model_path=str(built[name][0]))
    ip.allocate_tensors()
    for d in ip.get_input_details():
        ip.set_tensor(d["index"], np.ones(d["shape"], d["dtype"]))
    ip.invoke()
    assert all(np.isfinite(ip.get_tensor(d["index"]).astype(np.float64)).all() for d in ip.get_output_details())
