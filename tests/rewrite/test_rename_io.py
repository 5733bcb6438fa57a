"""--rename-io: signature I/O tensors take their signature names, and OLD=NEW renames signature names first (NAM001)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tfl_inspect
from tests.conftest import run_cli, sample
from tests.modeledit import pack, unpack
from tests.rewrite.helpers import Interpreter
from tfl_inspect.errors import UsageError
from tfl_inspect.rewrite import fix


def test_generated_names_become_signature_names(tmp_path: Path) -> None:
    src, out = sample("multi_io.tflite"), tmp_path / "named.tflite"
    report = fix(src, out, rename_io=True)
    assert report.written and report.verification is not None and report.verification.status == "identical"
    it = Interpreter(model_path=str(out))
    assert [d["name"] for d in it.get_input_details()] == ["zeta", "alpha"]
    assert sorted(d["name"] for d in it.get_output_details()) == ["aux", "score"]
    assert it.get_signature_list() == Interpreter(model_path=str(src)).get_signature_list()
    a, b = tfl_inspect.load(src), tfl_inspect.load(out)
    renamed = {r.tensor for r in report.renamed}
    for ta, tb in zip(a.subgraphs[0].tensors, b.subgraphs[0].tensors, strict=True):
        assert (ta.shape_signature, ta.dtype, ta.buffer) == (tb.shape_signature, tb.dtype, tb.buffer)
        assert (ta.name == tb.name) == (ta.index not in renamed)
    assert [op.inputs for op in a.subgraphs[0].operators] == [op.inputs for op in b.subgraphs[0].operators]
    assert report.lint is not None and report.lint.removed == {"NAM001": 1} and not report.lint.added


def test_names_are_made_unique(tmp_path: Path) -> None:
    """An inner tensor already called 'alpha' keeps its name; the input becomes 'alpha_1'."""
    m = unpack(sample("multi_io.tflite"))
    inner = int(m.subgraphs[0].operators[0].outputs[0])  # the CONCATENATION output
    m.subgraphs[0].tensors[inner].name = b"alpha"
    src = tmp_path / "clash.tflite"
    src.write_bytes(pack(m))
    report = fix(src, tmp_path / "out.tflite", rename_io=True)
    names = {t.index: t.name for t in tfl_inspect.load(tmp_path / "out.tflite").subgraphs[0].tensors}
    assert names[1] == "alpha_1" and names[inner] == "alpha"
    assert len(set(names.values())) == len(names)
    assert report.written


def test_keras_path_outputs_get_output_k(tmp_path: Path) -> None:
    report = fix(sample("multi_io_keras.tflite"), tmp_path / "k.tflite", rename_io=True)
    assert {r.new for r in report.renamed} == {"zeta", "alpha", "output_0", "output_1"}
    assert report.written


def test_a_model_without_signatures_is_left_as_is(tmp_path: Path) -> None:
    m = unpack(sample("dense_float32.tflite"))
    m.signatureDefs = []
    src = tmp_path / "nosig.tflite"
    src.write_bytes(pack(m))
    report = fix(src, tmp_path / "o.tflite", rename_io=True)
    assert report.written and not report.renamed and any("no signatures" in n for n in report.notes)


def test_stale_signature_entries_are_left_alone(tmp_path: Path) -> None:
    """LiteRT's modify_model_interface leaves the signature naming the float input it bypassed and
    an output index past the end (NAM005): renaming must not move 'features' onto that dead tensor."""
    mmi = pytest.importorskip("ai_edge_litert._pywrap_modify_model_interface", reason="ai-edge-litert not installed")
    src = tmp_path / "mmi.tflite"
    assert mmi.modify_model_interface(str(sample("dense_int8_float_io.tflite")), str(src), 9, 9) == 0
    report = fix(src, tmp_path / "o.tflite", rename_io=True)
    assert report.written and report.renamed == []
    assert sum("(NAM005): left alone" in n for n in report.notes) == 2
    before, after = tfl_inspect.load(src).subgraphs[0], tfl_inspect.load(tmp_path / "o.tflite").subgraphs[0]
    assert [t.name for t in after.tensors] == [t.name for t in before.tensors]


def test_signature_names_change_and_the_runner_takes_the_new_ones(tmp_path: Path) -> None:
    """output_0=score,output_1=aux,alpha=a: the rewritten model's signature runner takes and returns the
    new names, with outputs bit-identical to the input model's, and NAM001 is gone."""
    src, out = sample("multi_io_keras.tflite"), tmp_path / "named.tflite"
    report = fix(src, out, rename_io={"output_0": "score", "output_1": "aux", "alpha": "a"})
    assert report.written and report.verification is not None and report.verification.status == "identical"
    # the check called the rewritten model's runner by the new names
    assert {o["name"] for o in report.verification.outputs} >= {"serving_default/score", "serving_default/aux"}
    assert {(r.role, r.old, r.new) for r in report.signature_renamed} == {
        ("output", "output_0", "score"),
        ("output", "output_1", "aux"),
        ("input", "alpha", "a"),
    }
    rng = np.random.default_rng(3)
    x, y = (rng.standard_normal((2, 4)).astype(np.float32) for _ in range(2))
    before = Interpreter(model_path=str(src)).get_signature_runner("serving_default")(alpha=x, zeta=y)
    runner = Interpreter(model_path=str(out)).get_signature_runner("serving_default")
    assert set(runner.get_input_details()) == {"a", "zeta"}
    after = runner(a=x, zeta=y)
    assert set(after) == {"score", "aux"}
    assert after["score"].tobytes() == before["output_0"].tobytes()
    assert after["aux"].tobytes() == before["output_1"].tobytes()
    model = tfl_inspect.load(out)
    sg = model.subgraphs[0]
    assert {sg.tensors[i].name for i in sg.outputs} == {"score", "aux"}
    assert "NAM001" not in {f.rule for f in tfl_inspect.lint(model)}
    assert report.lint is not None and report.lint.removed.get("NAM001") == 1


def test_the_mapping_as_the_command_line_writes_it(tmp_path: Path) -> None:
    report = fix(sample("multi_io_keras.tflite"), tmp_path / "o.tflite", rename_io="output_0=score, output_1=aux")
    assert report.written and {r.new for r in report.renamed} == {"zeta", "alpha", "score", "aux"}


@pytest.mark.parametrize(
    "mapping, words",
    [
        ("output_9=x", ["no signature input or output 'output_9'", "inputs alpha, zeta", "outputs output_0, output_1"]),
        ("output_0=x,output_1=x", ["two outputs named 'x'"]),
        ("output_0=aux_score,output_0=y", ["renamed twice"]),
        ("output_0", ["expected OLD=NEW"]),
        ("output_0=", ["both names must be given"]),
    ],
)
def test_a_bad_mapping_is_one_usage_line(tmp_path: Path, mapping: str, words: list[str]) -> None:
    out = tmp_path / "o.tflite"
    r = run_cli("fix", sample("multi_io_keras.tflite"), "-o", out, "--rename-io", mapping)
    assert r.code == 2 and not out.exists(), (r.code, r.err)
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and all(w in lines[0] for w in words), lines


def test_a_mapping_on_a_model_without_signatures_is_refused(tmp_path: Path) -> None:
    m = unpack(sample("dense_float32.tflite"))
    m.signatureDefs = []
    src = tmp_path / "nosig.tflite"
    src.write_bytes(pack(m))
    with pytest.raises(UsageError, match="no signatures"):
        fix(src, tmp_path / "o.tflite", rename_io={"output_0": "y"})
