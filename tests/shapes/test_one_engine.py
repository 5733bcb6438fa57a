"""One engine, one answer: lint's DYN002, ``shapes`` and the diagnosis agree on run-time shape chains.

The samples hold the three Keras lowerings users meet: Flatten (SHAPE → STRIDED_SLICE → PACK
→ RESHAPE), Conv2DTranspose (SHAPE → STRIDED_SLICE → MUL → PACK → TRANSPOSE_CONV) and
UpSampling2D (EXPAND_DIMS → TILE → RESHAPE with a target built from SHAPE).
"""

from __future__ import annotations

import pytest

import tfl_inspect
from tests.conftest import sample
from tfl_inspect.diagnosis.trace import Tracer, input_names
from tfl_inspect.exporters.shapes_json import to_json
from tfl_inspect.shapes import infer_shapes
from tfl_inspect.shapes.engine import result_for

CHAINS = {
    "classifier_flatten.tflite": "Flatten",
    "conv2d_transpose_dynamic.tflite": "Conv2DTranspose",
    "upsampling_static.tflite": "UpSampling2D",
    "upsampling_dynamic.mlir": "UpSampling2D",
}


@pytest.mark.parametrize("name", sorted(CHAINS))
def test_dyn002_shapes_and_diagnosis_read_the_same_chain(name: str) -> None:
    model = tfl_inspect.load(sample(name))
    found = [f for f in tfl_inspect.lint(model) if f.rule == "DYN002"]
    assert found and all(CHAINS[name] in f.message for f in found)
    doc = to_json(infer_shapes(model))
    by_index = {t["index"]: t for t in doc["tensors"]}
    for f in found:
        assert f.subgraph is not None and f.tensor is not None
        res = result_for(model, f.subgraph)
        sg = model.subgraphs[f.subgraph]
        value = res.value(f.tensor)
        assert value is not None
        # lint quotes the engine's value, element by element with where each comes from
        assert value.text() in f.message
        # shapes reports the same value (unknown elements as null)
        assert by_index[f.tensor]["value"] == value.to_json()
        # ... and says where each run-time element comes from in the words lint uses
        row = by_index[f.tensor]
        named = [x for x, known in zip(row["value_from"], value.mask.reshape(-1), strict=True) if not known]
        assert named and all(x in f.message for x in named)
        # the SHAPE ops lint names are the engine's sources and the SHAPE ops in its provenance
        shape_ops = {i for i in res.computation(f.tensor)[0] if sg.operators[i].opcode == "SHAPE"}
        assert {op for _, op in f.related} == set(res.sources(f.tensor)) == shape_ops
        # the diagnosis narrates the same computation: same ops, same tensors read by SHAPE
        ops, reads = Tracer(model, sg, input_names(model, sg)).shape_computation(f.tensor)
        assert {o.index for o in ops} == set(res.computation(f.tensor)[0])
        assert set(reads) == {sg.operators[i].inputs[0] for i in shape_ops}


def test_diagnosis_of_the_failed_conversion_quotes_the_engine_value() -> None:
    d = tfl_inspect.diagnose(sample("upsampling_dynamic.error.txt"))
    assert d.model is not None
    lint_values = {
        f.message.split("; = ")[1].split("; element(s)")[0]
        for f in tfl_inspect.lint(d.model)
        if f.rule == "DYN002" and "; = " in f.message
    }
    details = [o.detail for f in d.failures for o in f.origin if o.kind == "runtime_reshape"]
    assert details and all(any(f" = {v}" in text for v in lint_values) for text in details)
    # The engine knows the channel the converter lost: the first RESHAPE's target ends in 3.
    assert any("the target fixes dim 3 = 3, yet the converter recorded ? there" in text for text in details)


def test_lint_and_shapes_compute_each_subgraph_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """SHP001, DYN002-DYN004, the diagnosis trace and infer_shapes share one cached result; DYN005 and the
    trace share the probe run (each unknown input dim set to its marker), the one other run a dynamic input
    costs."""
    from tfl_inspect.shapes import engine

    calls: list[tuple[int, tuple]] = []
    real = engine.run

    def counting(model, s, given, signature=None, **kw):  # type: ignore[no-untyped-def]
        calls.append((s, tuple(sorted(given.items()))))
        return real(model, s, given, signature, **kw)

    monkeypatch.setattr(engine, "run", counting)
    model = tfl_inspect.load(sample("conv2d_transpose_dynamic.tflite"))
    tfl_inspect.lint(model)
    infer_shapes(model)
    Tracer(model, model.subgraphs[0], {}).shape_computation(0)
    _, markers = engine.probe_for(model, 0)
    probe = [c for c in calls if c != (0, ())]
    assert len(calls) == 2 and (0, ()) in calls and len(probe) == 1 and probe[0][0] == 0
    assert {d for shape in dict(probe[0][1]).values() for d in shape} >= set(markers)
    infer_shapes(model, {"image": "1x8x8x3"})  # other input shapes: one more run, cached too
    infer_shapes(model, {"image": "1x8x8x3"})
    assert len(calls) == 3


def test_probe_run_marks_where_each_unknown_dim_goes() -> None:
    from tfl_inspect.shapes.engine import probe_for

    model = tfl_inspect.load(sample("conv2d_transpose_dynamic.tflite"))
    probe, markers = probe_for(model, 0)
    by_slot = {slot: value for value, slot in markers.items()}
    assert set(by_slot) == {(0, 0), (0, 1), (0, 2)}  # N, H, W of the image
    (out,) = model.subgraphs[0].outputs
    n, h, w = by_slot[(0, 0)], by_slot[(0, 1)], by_slot[(0, 2)]
    assert probe.shape(out) == (n, 2 * h, 2 * w, 8)  # Conv2DTranspose doubles H and W
