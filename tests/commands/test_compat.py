"""``tfl-inspect compat``: text and schema-checked JSON, --require exit codes, bad input, no TensorFlow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import ROOT, SAMPLES, needs_corpus, run_cli, run_cli_process, sample, sample_models
from tfl_inspect.schemas import load as load_schema

SCHEMA = load_schema("compat")


@pytest.mark.parametrize("path", sample_models(), ids=lambda p: p.name)
def test_json_validates_for_every_sample(path: Path) -> None:
    res = run_cli("compat", path, "--format", "json")
    assert res.code == 0, res.err
    doc = json.loads(res.out)
    jsonschema.validate(doc, SCHEMA)
    npus = {"qualcomm", "intel", "mediatek", "google-tensor"}
    assert set(doc["targets"]) == {"xnnpack", "gpu", "gpu-classic", "tflm", "edgetpu", "nnapi", *npus}
    for t in doc["targets"].values():
        assert t["supported_ops"] == sum(o["supported"] for o in t["operators"])
        assert t["total_ops"] == len(t["operators"])
        in_parts = {(p["subgraph"], i) for p in t["partitions"] for i in p["ops"]}
        assert in_parts <= {(o["subgraph"], o["index"]) for o in t["operators"] if o["supported"]}
        assert all(o["reasons"] for o in t["operators"] if not o["supported"])


def test_text_headline_and_reasons() -> None:
    res = run_cli("compat", sample("upsampling_static.tflite"), "--target", "gpu,gpu-classic,tflm")
    assert res.code == 0
    assert "2 of 13 ops on GPU accelerator in 1 partition" in res.out  # LiteRT 2.3's accelerator, measured
    assert "Operation is not supported." in res.out and "OUTSIDE_PARTITION" in res.out
    assert "0 of 13 ops on GPU delegate (classic) in 0 partitions" in res.out
    assert "DYNAMIC_TENSOR" in res.out and "batch_size=1" in res.out
    assert "TFLM has no kernel for TILE" in res.out and "does not load" in res.out
    assert "XNNPACK" not in res.out


def test_ops_table_lists_every_op() -> None:
    res = run_cli("compat", sample("dense_float16.tflite"), "-t", "xnnpack", "--ops")
    assert res.code == 0 and "XNNPACK per op" in res.out
    assert res.out.count("DEQUANTIZE") >= 2


def test_require_exits_1_when_a_target_does_not_take_the_model() -> None:
    ok = run_cli("compat", sample("dense_float32.tflite"), "--require", "xnnpack")
    assert ok.code == 0
    bad = run_cli("compat", sample("upsampling_static.tflite"), "--require", "gpu", "-t", "xnnpack")
    assert bad.code == 1 and "GPU accelerator does not take the whole model" in bad.err


def test_unknown_target_lists_the_known_ones() -> None:
    res = run_cli_process("compat", sample("dense_float32.tflite"), "--target", "tpu")
    assert res.code == 2
    assert res.err.strip().count("\n") == 0
    assert "xnnpack, gpu, gpu-classic, tflm, edgetpu, nnapi" in res.err


@pytest.mark.parametrize(
    "args",
    [
        ("missing.tflite",),
        (str(SAMPLES / "README.md"),),
        (str(SAMPLES / "dense_float32.tflite"), "--signature", "nope"),
        (str(SAMPLES / "dense_float32.tflite"), "--nnapi-level", "12"),
        (str(SAMPLES / "dense_float32.tflite"), "--arena-size", "0"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: tuple[str, ...]) -> None:
    res = run_cli_process("compat", *args)
    assert res.code == 2
    assert res.err.strip() and "Traceback" not in res.err and res.err.strip().count("\n") == 0


@needs_corpus
def test_corrupt_files_exit_2() -> None:
    from tests.conftest import corpus_files

    bad = corpus_files("invalid")[:5]
    assert bad
    for path in bad:
        res = run_cli("compat", path)
        assert res.code == 2, path


def test_help_names_the_runtime_versions() -> None:
    res = run_cli_process("compat", "--help")
    assert res.code == 0
    for needle in ("xnnpack_delegate.cc", "gpu_compatibility.cc", "tflite-micro", "Edge TPU", "nnapi_delegate.cc"):
        assert needle in res.out
    assert "f67457790c9c" in res.out


def test_signature_limits_the_subgraphs() -> None:
    res = run_cli("compat", sample("multi_io.tflite"), "--signature", "serving_default", "--format", "json")
    assert res.code == 0
    assert json.loads(res.out)["signature"] == "serving_default"


def test_compat_never_imports_tensorflow() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from tfl_inspect.cli import main\n"
        f"for args in ([{str(SAMPLES / 'upsampling_static.tflite')!r}, '--format', 'json'],):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        main(['compat', *args])\n"
        "        main(['lint', args[0], '--target', 'gpu,tflm'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'ai_edge_litert', 'jax')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"


def test_public_api() -> None:
    import tfl_inspect

    report = tfl_inspect.compat(str(sample("dense_float32.tflite")), targets=["xnnpack", "tflm"])
    assert set(report.targets) == {"xnnpack", "tflm"} and report.targets["xnnpack"].whole_model
