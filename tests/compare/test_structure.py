"""Structure: a model against itself is identical; each kind of contract edit shows up as itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.compare.helpers import edited
from tests.conftest import needs_corpus, sample, sample_models
from tfl_inspect import load
from tfl_inspect.compare import diff


@pytest.mark.parametrize("path", sample_models(), ids=lambda p: p.name)
def test_model_against_itself_has_no_differences(path: Path) -> None:
    r = diff(path, path)
    assert r.identical, (r.contract, r.structure)
    assert r.alignment.coverage == 1.0
    assert r.structure.weights == ()
    model = load(path)
    s = r.alignment.subgraphs[0]
    assert r.structure.weights_same == sum(1 for t in model.subgraphs[s].tensors if t.is_constant)


def _kinds(r) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [(c.role, c.name, c.kind) for c in r.contract]


def test_reordered_outputs(tmp_path: Path) -> None:
    src = sample("multi_io.tflite")

    def swap(m: object) -> None:
        g = m.subgraphs[0]  # type: ignore[attr-defined]
        g.outputs = g.outputs[::-1].copy()

    r = diff(src, edited(src, tmp_path / "b.tflite", swap))
    assert sorted(_kinds(r)) == [("output", "aux", "reordered"), ("output", "score", "reordered")]
    moved = {c.name: (c.a, c.b) for c in r.contract}
    assert moved == {"score": (0, 1), "aux": (1, 0)}


def test_renamed_input(tmp_path: Path) -> None:
    src = sample("multi_io.tflite")

    def rename(m: object) -> None:
        for tm in m.signatureDefs[0].inputs:  # type: ignore[attr-defined]
            if tm.name == b"alpha":
                tm.name = b"alpha_v2"

    r = diff(src, edited(src, tmp_path / "b.tflite", rename))
    assert _kinds(r) == [("input", "alpha", "renamed")]
    assert (r.contract[0].a, r.contract[0].b) == ("alpha", "alpha_v2")


def test_changed_batch(tmp_path: Path) -> None:
    src = sample("dense_float32.tflite")

    def batch4(m: object) -> None:
        g = m.subgraphs[0]  # type: ignore[attr-defined]
        t = g.tensors[int(g.inputs[0])]
        t.shape = np.array([4, *t.shape[1:]], dtype=np.int32)
        t.shapeSignature = None

    r = diff(src, edited(src, tmp_path / "b.tflite", batch4))
    (c,) = [c for c in r.contract if c.role == "input"]
    assert c.kind == "batch" and c.a[0] == 1 and c.b[0] == 4 and c.a[1:] == c.b[1:]


def test_changed_quantization_parameters(tmp_path: Path) -> None:
    src = sample("dense_int8.tflite")

    def rescale(m: object) -> None:
        g = m.subgraphs[0]  # type: ignore[attr-defined]
        q = g.tensors[int(g.inputs[0])].quantization
        q.scale = q.scale * 2
        q.zeroPoint = q.zeroPoint + 3

    r = diff(src, edited(src, tmp_path / "b.tflite", rescale))
    (c,) = r.contract
    assert (c.role, c.kind) == ("input", "quantization")
    assert c.b["params"]["scale"][0] == pytest.approx(2 * c.a["params"]["scale"][0])
    assert c.b["params"]["zero_point"][0] == c.a["params"]["zero_point"][0] + 3
    assert c.a["formula"].startswith("q = clamp(round(x / ") and c.a["formula"] != c.b["formula"]
    # Not a contract-only view: the same tensor is listed as changed in the structure.
    assert [t.fields for t in r.structure.tensors] == [("quantization",)]


def test_changed_weight_and_op_option(tmp_path: Path) -> None:
    src = sample("dense_float32.tflite")

    def edit(m: object) -> None:
        g = m.subgraphs[0]  # type: ignore[attr-defined]
        op = g.operators[0]
        w = g.tensors[int(op.inputs[1])]
        buf = m.buffers[w.buffer]  # type: ignore[attr-defined]
        values = np.frombuffer(bytes(buf.data), dtype=np.float32).copy()
        values[0] += 0.5
        buf.data = np.frombuffer(values.tobytes(), dtype=np.uint8)
        op.builtinOptions.fusedActivationFunction = 3  # RELU6

    r = diff(src, edited(src, tmp_path / "b.tflite", edit))
    assert r.contract == ()
    (w,) = r.structure.weights
    assert w.kind == "changed" and w.a_hash != w.b_hash and w.max_abs == pytest.approx(0.5)
    (op,) = r.structure.ops
    assert op.kind == "changed" and any("fused_activation_function" in d and "RELU6" in d for d in op.details)


def test_float_against_int8_io(oracle: Path) -> None:
    r = diff(oracle / "float.tflite", oracle / "int8_int8_io.tflite")
    kinds = sorted(_kinds(r))
    assert kinds == [
        ("input", "image", "dtype"),
        ("input", "image", "quantization"),
        ("output", "output_0", "dtype"),
        ("output", "output_0", "quantization"),
    ]
    assert {w.kind for w in r.structure.weights} <= {"retyped", "added"}
    assert any(m.field == "converter_options" for m in r.structure.metadata)


def test_api_stays_a_function_after_the_analysis_package_loads() -> None:
    import importlib

    import tfl_inspect

    path = sample("dense_int8.tflite")
    assert tfl_inspect.diff(path, path).identical
    importlib.import_module("tfl_inspect.compare")
    assert tfl_inspect.diff(path, path).identical
    assert "diff" in tfl_inspect.__all__


def test_renames_follow_the_aligned_tensor() -> None:
    """Two exports of one model: the same outputs under other names and in another order."""
    r = diff(sample("multi_io.tflite"), sample("multi_io_keras.tflite"))
    renames = {c.a: c.b for c in r.contract if c.kind == "renamed"}
    assert renames == {"aux": "output_1", "score": "output_0"}
    moved = {c.name: (c.a, c.b) for c in r.contract if c.kind == "reordered"}
    assert moved == {"aux": (1, 0), "score": (0, 1)}
    assert {c.kind for c in r.contract} == {"renamed", "reordered"}  # no shape change: the right pairs


def test_every_corpus_model_against_itself(corpus: Path) -> None:
    from tests.conftest import corpus_files
    from tfl_inspect.errors import TflInspectError

    compared = 0
    for path in corpus_files():
        try:
            model = load(path)
        except TflInspectError:
            continue  # the invalid-file tests cover these
        r = diff(model, load(path))
        assert r.identical, path
        assert r.alignment.coverage == 1.0, path
        compared += 1
    assert compared > 100


@pytest.mark.parametrize("chunk", [16 << 20, 48], ids=["16MB", "48B"])
def test_weights_after_the_flatbuffer_are_compared_byte_for_byte(
    tmp_path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Data stored after the flatbuffer (the > 2 GB layout) is read in chunks and compared exactly:
    a change in one weight is found with its hash and real difference, as for inline data."""
    pytest.importorskip("ai_edge_litert.schema_py_generated", reason="ai-edge-litert not installed")
    from tests.modeledit import pack, unpack
    from tests.rewrite.helpers import offset_model
    from tfl_inspect.compare import structure

    monkeypatch.setattr(structure, "_CHUNK", chunk)  # 48 B: many chunks per weight
    src = sample("dense_float32.tflite")
    m = unpack(src)
    g = m.subgraphs[0]
    w = g.tensors[int(g.operators[0].inputs[1])]
    values = np.frombuffer(bytes(m.buffers[w.buffer].data), dtype=np.float32).copy()
    values[-1] -= 0.25
    m.buffers[w.buffer].data = np.frombuffer(values.tobytes(), dtype=np.uint8)
    changed_inline = tmp_path / "changed_inline.tflite"
    changed_inline.write_bytes(pack(m))
    a, b = tmp_path / "a.tflite", tmp_path / "b.tflite"
    a.write_bytes(offset_model(src))
    b.write_bytes(offset_model(changed_inline))
    assert any(buf.external for buf in load(a).buffers)

    copy = tmp_path / "a_copy.tflite"
    copy.write_bytes(a.read_bytes())
    same = diff(a, copy)
    assert same.structure.weights == () and same.identical
    inline = diff(src, changed_inline).structure.weights
    for other in (diff(a, b), diff(src, b), diff(a, changed_inline)):  # after/inline in any mix
        (wc,) = other.structure.weights
        assert wc.kind == "changed" and wc.max_abs == pytest.approx(0.25)
        assert (wc.a_hash, wc.b_hash) == (inline[0].a_hash, inline[0].b_hash)
    assert structure._CHUNK % 16 == 0  # chunks end on element boundaries


@needs_corpus
def test_other_subgraphs_are_compared_too(tmp_path: Path) -> None:
    """multi_signatures.bin: 'add' on subgraph 0, 'sub' on subgraph 1. A change in subgraph 1 is
    reported there, paired through its signature, in every format; the structure counts as changed."""
    import csv
    import io
    import json

    import jsonschema

    from tests.conftest import require_corpus, run_cli
    from tfl_inspect import schemas
    from tfl_inspect.exporters.diff_csv import to_csv
    from tfl_inspect.exporters.diff_json import diff_to_dict

    src = next(require_corpus().rglob("multi_signatures.bin"))

    def sub_to_add(m: object) -> None:
        m.subgraphs[1].operators[0].opcodeIndex = m.subgraphs[0].operators[0].opcodeIndex  # type: ignore[attr-defined]

    bad = edited(src, tmp_path / "bad.bin", sub_to_add)
    same = diff(src, src)
    assert [(g.a, g.b, g.how, g.changed) for g in same.structure.others] == [(1, 1, "signature sub", False)]
    r = diff(src, bad)
    assert r.structure.ops == () and r.structure.changed
    (g,) = r.structure.others
    assert (g.a, g.b, g.how) == (1, 1, "signature sub")
    assert sorted((o.kind, o.opcode) for o in g.ops) == [("added", "ADD"), ("removed", "SUB")]
    doc = json.loads(json.dumps(diff_to_dict(r)))
    jsonschema.validate(doc, schemas.load("diff"))
    assert doc["structure"]["other_subgraphs"][0]["a_subgraph"] == 1
    rows = list(csv.DictReader(io.StringIO(to_csv(r))))
    assert {(x["kind"], x["a_index"], x["b_index"]) for x in rows} == {("removed", "1:0", ""), ("added", "", "1:0")}
    text = run_cli("diff", str(src), str(bad), "--fail-on", "structure")
    assert text.code == 1 and "2 op change(s)" in text.out and "ops changed in other subgraphs" in text.out


@needs_corpus
def test_a_weight_in_a_called_subgraph(tmp_path: Path) -> None:
    """resource_vars_calibrated.bin keeps a float constant in subgraph 1 ('NoOp'): paired by position."""
    from tests.conftest import require_corpus

    src = next(require_corpus().rglob("resource_vars_calibrated.bin"))

    def edit(m: object) -> None:
        g = m.subgraphs[1]  # type: ignore[attr-defined]
        buf = m.buffers[g.tensors[0].buffer]  # type: ignore[attr-defined]
        values = np.frombuffer(bytes(buf.data), dtype=np.float32).copy()
        values[3] += 2.0
        buf.data = np.frombuffer(values.tobytes(), dtype=np.uint8)

    r = diff(src, edited(src, tmp_path / "b.bin", edit))
    assert r.structure.weights == ()
    (g,) = r.structure.others
    assert (g.a, g.b, g.how) == (1, 1, "position")
    (w,) = g.weights
    assert w.kind == "changed" and w.max_abs == pytest.approx(2.0)


@pytest.mark.parametrize(
    "edit",
    [
        {"zeroPoint": np.zeros(9, np.int64)},  # 16 scales, 9 zero points
        {"scale": np.full(9, 0.01, np.float32), "zeroPoint": np.zeros(9, np.int64)},  # 9 channels on an axis of 16
        {"quantizedDimension": 5},  # an axis the rank-2 weights do not have
    ],
    ids=["zero-points", "channels", "axis"],
)
def test_per_channel_parameters_that_do_not_fit_the_weights(tmp_path: Path, edit: dict) -> None:
    # Found by fuzzing (tests/fuzz.py): dequantizing broadcast the scales against the wrong axis
    # (ValueError, exit 3). Such weights cannot be read as real numbers: changed, without a max difference.
    src = sample("float_island_int8.tflite")

    def change(m: object) -> None:
        q = m.subgraphs[0].tensors[2].quantization  # type: ignore[attr-defined]
        for field, value in edit.items():
            setattr(q, field, value)

    r = diff(src, edited(src, tmp_path / "b.tflite", change))
    (w,) = [w for w in r.structure.weights if w.a_tensor == 2]
    assert w.kind == "changed" and w.max_abs is None
