"""``tfl-inspect shapes``: exit codes, the failure report, JSON (schema-checked), --verify."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

import tfl_inspect
from tests.conftest import ROOT, run_cli, run_cli_process, sample
from tfl_inspect.schemas import load as load_schema

SCHEMA = load_schema("shapes")
HOSTILE = 'evil"\n\x1b[31m[bold]<script>}{\\'


@pytest.fixture(scope="module")
def classifier() -> tuple[Path, tfl_inspect.Model, tuple[int, ...]]:
    path = sample("classifier_flatten.tflite")
    model = tfl_inspect.load(path)
    image = model.subgraphs[0].tensors[model.signatures[0].inputs["image"]]
    return path, model, image.shape_signature


def _larger(sig: tuple[int, ...]) -> str:
    return f"1x{2 * sig[1]}x{2 * sig[2]}x{sig[3]}"


def _reshape_index(model: tfl_inspect.Model) -> int:
    return next(op.index for op in model.subgraphs[0].operators if op.opcode == "RESHAPE")


def test_shapes_that_cannot_work_exit_1_with_op_operands_and_advice(classifier) -> None:
    path, model, sig = classifier
    r = run_cli("shapes", path, "--input", f"image={_larger(sig)}")
    assert r.code == 1, r.err
    fail = next(line for line in r.out.splitlines() if line.startswith("FAIL: "))
    assert fail.startswith(f"FAIL: RESHAPE #{_reshape_index(model)} cannot reshape")
    assert "a Flatten before Dense fixes the image size" in fail
    assert f"resize inputs to {sig[1]}x{sig[2]}" in fail
    assert sum(line.startswith("  operand ") for line in r.out.splitlines()) == 2
    assert r.err == ""


def test_shapes_that_work_exit_0(classifier) -> None:
    path, _, sig = classifier
    r = run_cli("shapes", path, "-i", f"image=8,{sig[1]},{sig[2]},{sig[3]}")
    assert r.code == 0, r.out + r.err
    assert "OK: these input shapes work" in r.out
    assert "[8, 10]" in r.out


def test_without_inputs_unknown_dims_are_marked(classifier) -> None:
    path, _, _ = classifier
    r = run_cli("shapes", path)
    assert r.code == 0 and "OK so far" in r.out and "[?, 10]" in r.out


def test_json_follows_the_schema_and_carries_the_failure(classifier) -> None:
    path, model, sig = classifier
    r = run_cli("shapes", path, "--input", f"image={_larger(sig)}", "--format", "json")
    assert r.code == 1
    doc = json.loads(r.out)
    jsonschema.validate(doc, SCHEMA)
    assert doc["ok"] is False
    assert doc["failure"]["op"] == _reshape_index(model)
    assert doc["failure"]["opcode"] == "RESHAPE"
    assert doc["failure"]["message"].startswith(doc["failure"]["rule"])
    assert len(doc["tensors"]) == len(model.subgraphs[0].tensors)
    first = doc["tensors"][doc["inputs"][0]["index"]]
    assert first["inferred_shape"] == [int(d) for d in _larger(sig).split("x")]
    assert doc["inputs"][0]["changed"] is True and doc["inputs"][0]["signature_name"] == "image"


def test_json_when_the_shapes_work(classifier) -> None:
    path, model, sig = classifier
    r = run_cli("shapes", path, "--input", f"image=8x{sig[1]}x{sig[2]}x{sig[3]}", "--format", "json")
    doc = json.loads(r.out)
    jsonschema.validate(doc, SCHEMA)
    assert r.code == 0 and doc["ok"] is True and doc["failure"] is None
    activations = [t for t in doc["tensors"] if t["status"] == "inferred" and t["dtype"] == "FLOAT32"]
    assert activations and all(t["inferred_shape"][0] == 8 for t in activations)
    assert doc["ops"]["total"] == len(model.subgraphs[0].operators) == len(doc["ops"]["inferred"])


def test_verify_reports_the_interpreter_agreeing(classifier) -> None:
    pytest.importorskip("ai_edge_litert", reason="ai-edge-litert not installed")
    path, _, sig = classifier
    r = run_cli("shapes", path, "--input", f"image={_larger(sig)}", "--verify", "--format", "json")
    doc = json.loads(r.out)
    jsonschema.validate(doc, SCHEMA)
    v = doc["verify"]
    assert r.code == 1
    assert v["interpreter_ok"] is False and v["failed_op"] == doc["failure"]["op"]
    assert "RESHAPE" in v["error"] and v["consistent"] is True
    assert v["total"] > 0 and v["agree"] == v["total"] and v["mismatches"] == []
    ok = run_cli("shapes", path, "--input", f"image=8x{sig[1]}x{sig[2]}x{sig[3]}", "--verify")
    assert ok.code == 0
    assert "LiteRT interpreter: allocated and invoked without error" in ok.out
    assert "inferred tensor shapes agree; both succeed" in ok.out


def test_verify_fills_unknown_dims_from_the_recorded_shape(classifier) -> None:
    pytest.importorskip("ai_edge_litert", reason="ai-edge-litert not installed")
    path, _, _ = classifier
    r = run_cli("shapes", path, "--verify")
    assert r.code == 0 and "unknown dims filled from the recorded shape" in r.out


def test_verify_without_litert_is_a_one_line_error(classifier, monkeypatch) -> None:
    import tfl_inspect.shapes.verify as verify

    monkeypatch.setattr(verify, "available", lambda: False)
    path, _, _ = classifier
    r = run_cli("shapes", path, "--verify")
    assert r.code == 2
    assert r.err.count("\n") == 1 and "ai-edge-litert" in r.err and "Traceback" not in r.err


def test_verify_needs_a_tflite_file() -> None:
    mlir = ROOT / "tests" / "fixtures_mlir" / "upsampling_static.analyzer.mlir"
    if not mlir.is_file():
        pytest.skip("MLIR fixture missing")
    r = run_cli("shapes", mlir, "--verify")
    assert r.code == 2 and r.err.count("\n") == 1 and ".tflite" in r.err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--input", "image"], "NAME=SHAPE"),
        (["--input", "nope=1x32x32x3"], "no input 'nope'"),
        (["--input", "image=1x32x32"], "rank 4"),
        (["--input", "image=1xbadx32x3"], "not a shape"),
        (["--input", "image=1x32x32x3", "--input", "image=2x32x32x3"], "twice"),
        (["--signature", "nope"], "no signature"),
    ],
)
def test_bad_requests_exit_2_with_one_line(classifier, args, needle) -> None:
    path, _, _ = classifier
    r = run_cli("shapes", path, *args)
    assert r.code == 2
    assert r.err.count("\n") == 1 and needle in r.err and "Traceback" not in r.err
    assert r.out == ""


def test_unreadable_model_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "x.tflite"
    bad.write_bytes(b"not a model at all")
    r = run_cli("shapes", bad)
    assert r.code == 2 and r.err.startswith("tfl-inspect: error:")


def test_names_from_the_model_are_escaped(tmp_path: Path, classifier) -> None:
    from tests.modeledit import pack, unpack

    path, _, sig = classifier
    m = unpack(path)
    sg = m.subgraphs[0]
    sg.tensors[sg.inputs[0]].name = HOSTILE.encode()
    sg.tensors[sg.operators[-1].outputs[0]].name = HOSTILE.encode()
    hostile = tmp_path / "hostile.tflite"
    hostile.write_bytes(pack(m))
    text = run_cli("shapes", hostile, "--input", f"image={_larger(sig)}")
    assert text.code == 1
    assert "\x1b" not in text.out and "\\x1b[31m" in text.out
    assert 'evil"\\x0a' in text.out  # the newline stays inside its cell
    js = run_cli("shapes", hostile, "--input", f"0={_larger(sig)}", "--format", "json")
    doc = json.loads(js.out)
    assert "\x1b" not in js.out and doc["tensors"][sg.inputs[0]]["name"] == HOSTILE


def test_real_process_exit_code(classifier) -> None:
    path, _, sig = classifier
    r = run_cli_process("shapes", path, "--input", f"image={_larger(sig)}", "--format", "json")
    assert r.code == 1 and json.loads(r.out)["ok"] is False


def test_verify_on_a_model_the_interpreter_has_no_kernel_for_is_not_a_shape_failure() -> None:
    pytest.importorskip("ai_edge_litert", reason="ai-edge-litert not installed")
    path = sample("flex_select_tf.tflite")
    r = run_cli("shapes", path, "--verify", "--format", "json")
    doc = json.loads(r.out)
    jsonschema.validate(doc, SCHEMA)
    assert r.code == 0 and doc["ok"] is True
    assert doc["verify"]["interpreter_ok"] is False and "Flex" in doc["verify"]["error"]
    assert doc["verify"]["consistent"] is True and "no kernel" in doc["verify"]["verdict"]
    assert doc["ops"]["not_inferred"][0]["opcode"].startswith("Flex")


def test_json_follows_the_schema_on_every_readable_model() -> None:
    from tests.conftest import corpus_files, sample_models
    from tfl_inspect.exporters.shapes_json import to_json
    from tfl_inspect.shapes import infer_shapes

    checked = needs_dims = 0
    for path in [*sample_models(), *corpus_files("litert")]:
        r = run_cli("shapes", path, "--format", "json")
        if r.code == 2:  # unreadable (the reader's tests cover those), or unknown dims to give
            assert r.out == "" and r.err.count("\n") == 1
            if ", e.g. --input" not in r.err:
                continue
            # The API still answers with ? dims: its document follows the schema too.
            needs_dims += 1
            jsonschema.validate(to_json(infer_shapes(tfl_inspect.load(path))), SCHEMA)
            continue
        doc = json.loads(r.out)
        jsonschema.validate(doc, SCHEMA)
        assert r.code == (0 if doc["ok"] else 1)
        checked += 1
    assert checked >= len(sample_models()) - needs_dims and needs_dims > 0


def test_unknown_height_and_width_without_input_exit_2_naming_the_dims() -> None:
    r = run_cli("shapes", sample("conv2d_transpose_dynamic.tflite"))
    assert r.code == 2 and r.err.count("\n") == 1
    for needle in ("'image'", "signature 'serving_default'", "tensor #0", "unknown H, W", "--input image=1xHxWx3"):
        assert needle in r.err, r.err
    # With the dims given, the same model works.
    assert run_cli("shapes", sample("conv2d_transpose_dynamic.tflite"), "-i", "image=1x16x16x3").code == 0


def test_every_verdict_starts_with_the_outputs_recorded_to_inferred(classifier) -> None:
    path, _, sig = classifier
    for args, verdict in (
        (("-i", f"image=8,{sig[1]},{sig[2]},{sig[3]}"), "OK"),
        (("-i", f"image={_larger(sig)}"), "FAIL"),
    ):
        out = run_cli("shapes", path, *args).out
        head = out.index("outputs: recorded → inferred")
        assert head < out.index(verdict + ":")
        assert "output_0 (#" in out[head:]


def test_shapes_that_work_but_change_an_output_size_warn(corpus) -> None:
    path = corpus / "litert/litert/test/testdata/mul_quant.tflite"
    text = run_cli("shapes", path, "-i", "0=8x200x64x4", "-i", "1=8x200x64x4")
    assert text.code == 0
    assert "warning: output output_0 changes size: recorded [8, 100, 32, 4], now [8, 200, 64, 4]" in text.out
    doc = json.loads(run_cli("shapes", path, "-i", "0=8x200x64x4", "-i", "1=8x200x64x4", "--format", "json").out)
    jsonschema.validate(doc, SCHEMA)
    assert doc["ok"] and doc["warnings"] and [o["changed"] for o in doc["outputs"]] == [True]


def test_json_starts_with_the_common_envelope(classifier) -> None:
    path, _, _ = classifier
    doc = json.loads(run_cli("shapes", path, "--format", "json").out)
    assert list(doc)[:3] == ["$schema", "tool", "source"]
    assert doc["$schema"] == "urn:tfl-inspect:schema:shapes" and doc["tool"]["name"] == "tfl-inspect"
