"""compat counts a composite's decomposition only for the runtimes that execute it."""

from __future__ import annotations

import pytest

from tests.conftest import SAMPLES
from tfl_inspect.composites import composites
from tfl_inspect.readers import load
from tfl_inspect.targets import compat

TORCH = SAMPLES / "torch"


def test_xnnpack_takes_attention_so_its_decomposition_does_not_run() -> None:
    model = load(TORCH / "gen_decoder_f32.tflite")
    comp = composites(model)
    report = compat(model, targets="xnnpack").targets["xnnpack"]
    counted = {v.subgraph for v in report.operators}
    sdpa = {c.decomposition for c in comp.ops if c.name == "odml.scaled_dot_product_attention"}
    rms = {c.decomposition for c in comp.ops if c.name == "odml.rms_norm"}
    taken = {(v.subgraph, v.index) for v in report.operators if v.supported}
    assert all((c.subgraph, c.op) in taken for c in comp.ops if c.name == "odml.scaled_dot_product_attention")
    assert not sdpa & counted  # taken whole: the delegate's own attention kernel replaces them
    assert rms <= counted  # RMSNorm stays a CPU composite: its decomposition runs, its ops are assessed
    total = sum(len(sg.operators) for sg in model.subgraphs)
    skipped = sum(len(model.subgraphs[d].operators) for d in sdpa)
    assert report.total_ops == total - skipped
    assert any("do not run" in n for n in report.notes) and any(
        "run under LiteRT's CPU kernel" in n for n in report.notes
    )


def test_other_targets_count_every_decomposition_they_do_not_take() -> None:
    model = load(TORCH / "gen_decoder_f32.tflite")
    report = compat(model, targets="nnapi").targets["nnapi"]  # NNAPI maps no STABLEHLO_COMPOSITE
    assert report.total_ops == sum(len(sg.operators) for sg in model.subgraphs)


def test_against_the_real_xnnpack_delegate() -> None:
    """The primary subgraph (prefill_8) as the delegate takes it: its attention composite among the delegated ops."""
    pytest.importorskip("ai_edge_litert", reason="ai-edge-litert is the XNNPACK oracle")
    from tests.targets.litert_oracle import run

    path = TORCH / "gen_decoder_f32.tflite"
    real = run("xnnpack", [str(path)])[str(path)]
    assert "error" not in real, real
    report = compat(load(path), targets="xnnpack").targets["xnnpack"]
    ours = {v.index for v in report.operators if v.subgraph == 0 and v.supported}
    assert ours == set(real["delegated"])  # type: ignore[arg-type]
    sdpa = next(c for c in composites(load(path)).ops if c.subgraph == 0 and c.name.endswith("attention"))
    assert sdpa.op in ours
