"""A model compiled for one NPU is bound to it: every target's report says so, for the model and for its NPU ops."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tfl_inspect
from tests.conftest import require_corpus, run_cli
from tfl_inspect.compiled import compiled
from tfl_inspect.targets import Target, compat, get, names, register
from tfl_inspect.targets.npu import NpuTarget
from tfl_inspect.targets.registry import unregister


def _check_bound(path: Path) -> tfl_inspect.Model:
    model = tfl_inspect.load(path)
    npu = compiled(model)
    assert npu is not None
    report = compat(model)
    npu_ops = {(p.subgraph, p.op) for p in npu.partitions}
    for name, t in report.targets.items():
        target = get(name)
        if isinstance(target, NpuTarget) and target.compiled_for_me(npu, target.soc({})):
            # the vendor's target at the stamped SoC (its default): the partitions run there
            assert all(v.supported for v in t.operators if (v.subgraph, v.index) in npu_ops), name
            continue
        assert not t.whole_model, name
        first = t.model_reasons[0]
        assert first.code == "MODEL_LIMIT" and (npu.soc or "compiled") in first.message, (name, first)
        for v in t.operators:
            if (v.subgraph, v.index) in npu_ops:
                assert not v.supported and v.reasons[0].code == "UNSUPPORTED_OPERATOR", (name, v)
                assert v.reasons[0].fix, (name, v)
        assert not any((p.subgraph, i) in npu_ops for p in t.partitions for i in p.ops), name
    return model


def test_corpus_precompiled_models_are_bound_to_their_soc() -> None:
    base = require_corpus() / "litert"
    paths = sorted(p for p in base.rglob("*.tflite") if "precompiled" in p.name or p.name.endswith(".sm8750.tflite"))
    assert len(paths) >= 7
    for path in paths:
        _check_bound(path)
    sm8650 = next(p for p in paths if p.name == "simple_model_qualcomm_sm8650_precompiled.tflite")
    result = run_cli("compat", sm8650, "--require", "xnnpack")
    assert result.code != 0 and "compiled for Qualcomm SM8650" in result.out
    assert "libLiteRtDispatch_Qualcomm.so" in result.out


def test_plugin_compiled_models_are_bound(npu_compiled: list[Any]) -> None:
    for case in npu_compiled:
        model = _check_bound(case.path)
        npu = compiled(model)
        assert npu is not None and case.soc in compat(model, targets="gpu").targets["gpu"].model_reasons[0].message


def test_tflm_says_an_ethos_u_build_is_needed(vela_compiled: list[Path]) -> None:
    for path in vela_compiled:
        model = _check_bound(path)
        npu = compiled(model)
        assert npu is not None
        tflm = compat(model, targets="tflm").targets["tflm"]
        text = tflm.model_reasons[0].message
        assert "TFLite Micro built with the Ethos-U kernel" in text and str(npu.soc) in text
        assert tflm.first_blocker is not None


def test_a_target_that_runs_the_compiled_model_says_so() -> None:
    """The hook an NPU target overrides: a target for the stamped SoC keeps its own verdicts."""
    base = require_corpus() / "litert"
    path = next(base.rglob("simple_model_qualcomm_sm8650_precompiled.tflite"))

    class Sm8650(Target):
        name = "toy-sm8650"
        title = "toy SM8650 NPU"
        source = "test"
        summary = "a toy target that runs models compiled for SM8650"

        def __init__(self) -> None:
            from tfl_inspect.targets.policies import EverySupportedRun

            self.policy = EverySupportedRun()

        def check_subgraph(self, sg: Any, options: Any) -> Any:
            from tfl_inspect.targets.base import SubgraphCheck

            return SubgraphCheck(taken=set(range(len(sg.operators))))

        def compiled_reason(self, model: Any, npu: Any, options: Any) -> Any:
            return None if npu.soc == "SM8650" else super().compiled_reason(model, npu, options)

    register(Sm8650())
    try:
        assert "toy-sm8650" in names()
        report = compat(tfl_inspect.load(path), targets="toy-sm8650,xnnpack")
        assert report.targets["toy-sm8650"].whole_model
        assert not report.targets["xnnpack"].whole_model
    finally:
        unregister("toy-sm8650")


def test_an_npu_target_runs_a_model_compiled_for_its_soc_and_no_other() -> None:
    from tests.conftest import require_corpus
    from tfl_inspect.targets import compat

    corpus = require_corpus()
    path = corpus / "litert" / "litert" / "test" / "testdata" / "simple_add_op.sm8750.tflite"
    model = tfl_inspect.load(path)
    here = compat(model, targets="qualcomm", soc="SM8750").targets["qualcomm"]
    assert here.whole_model and [v.status for v in here.operators] == ["supported"] and len(here.partitions) == 1
    other = compat(model, targets="qualcomm,intel", soc="SM8650").targets
    for t in other.values():
        assert not t.whole_model and "compiled for Qualcomm SM8750" in t.model_reasons[0].message
