"""The writer: a rewrite with no pass is the same model, down to LiteRT's outputs, for every model we have."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import tfl_inspect
from tests.conftest import ROOT, corpus_files, needs_corpus, require_thirdparty, sample, sample_models
from tests.rewrite.helpers import BIG_ROWS, big_expected, big_gather_model, digest, offset_model, run
from tfl_inspect.errors import TflInspectError
from tfl_inspect.rewrite import fix
from tfl_inspect.rewrite.writer import read, write
from tfl_inspect.runtime import call, call_each


def _compare_all(pairs: list[tuple[str, str]]) -> dict[str, dict]:
    """compare() on every pair in as few child processes as possible.

    LiteRT aborts the process on a few test models; the one being run is then marked
    ``crashed`` (the same model is run alone against itself to see whether the input model
    crashes too) and the batch goes on with the next.
    """
    target = "tfl_inspect.rewrite.verify:compare"
    results: dict[str, dict] = {}
    for (a, _), done in zip(pairs, call_each(target, [[a, b, 7] for a, b in pairs], timeout=600), strict=True):
        if done.ok:
            results[a] = done.value
            continue
        alone = call(target, a, a, 7, timeout=600)
        status = "unverifiable" if not alone.ok else "failed"
        results[a] = {"status": status, "message": f"LiteRT crashes (input model alone: {alone.how()})"}
    return results


def _repack(src: Path, out: Path) -> None:
    model = tfl_inspect.load(src)
    s = read(src, model.trailing_bytes)
    try:
        write(s.model, s, out)
    finally:
        s.close()


def _repack_and_run(paths: list[Path], tmp_path: Path) -> dict[str, dict]:
    """Repack every readable model with no pass; LiteRT's outputs compared for each (``compare`` statuses).

    Models LiteRT cannot run at all (custom ops, Flex, broken test files) must fail the same way
    after the rewrite; the loads and runs happen in one child process (LiteRT may crash).
    """
    pairs = []
    for i, src in enumerate(paths):
        try:
            model = tfl_inspect.load(src)
        except TflInspectError:
            continue  # not a model our reader accepts (0_subgraphs.bin …): fix refuses those
        if model.bytecode:
            continue  # compiled for an NPU: fix refuses those (a repack moves what the bytecode offsets point at)
        out = tmp_path / f"{i}.tflite"
        _repack(src, out)
        again = tfl_inspect.load(out)
        assert [op.opcode for sg in again.subgraphs for op in sg.operators] == [
            op.opcode for sg in model.subgraphs for op in sg.operators
        ], src.name
        assert again.signatures == model.signatures, src.name
        assert [(m.name, m.value) for m in again.metadata] == [(m.name, m.value) for m in model.metadata], src.name
        pairs.append((str(src), str(out)))
    results = _compare_all(pairs)
    assert len(results) == len(pairs)
    bad = {
        Path(src).name: f"{r['status']}: {r['message']}"
        for src, r in results.items()
        if r["status"] not in ("identical", "unverifiable")
    }
    assert not bad, bad
    return results


def test_no_pass_rewrite_is_bit_identical_for_every_sample(tmp_path: Path) -> None:
    results = _repack_and_run(sample_models(), tmp_path)
    # Every sample runs in plain LiteRT except the Flex one (samples/README.md): all must be checked for real.
    samples = {str(p) for p in sample_models() if p.name != "flex_select_tf.tflite"}
    assert {k for k, r in results.items() if r["status"] == "identical"} >= samples


@needs_corpus
def test_no_pass_rewrite_is_bit_identical_for_every_corpus_model(tmp_path: Path) -> None:
    results = _repack_and_run(corpus_files("litert"), tmp_path)
    identical = sum(r["status"] == "identical" for r in results.values())
    print(f"\n{identical} of {len(results)} corpus models bit-identical after a repack (LiteRT cannot run the rest)")
    assert identical >= 100


def test_no_pass_rewrite_of_third_party_models(tmp_path: Path) -> None:
    """Published models (MediaPipe with metadata and associated files, wake-word models) repack identically."""
    pairs = []
    for i, src in enumerate(require_thirdparty()):
        out = tmp_path / f"{i}.tflite"
        _repack(src, out)
        a, b = tfl_inspect.load(src), tfl_inspect.load(out)
        assert b.signatures == a.signatures and b.trailing_bytes == a.trailing_bytes, src.name
        assert [(m.name, m.value) for m in b.metadata] == [(m.name, m.value) for m in a.metadata], src.name
        pairs.append((str(src), str(out)))
    results = _compare_all(pairs)
    bad = {Path(k).name: v for k, v in results.items() if v["status"] not in ("identical", "unverifiable")}
    assert not bad, bad
    assert any(v["status"] == "identical" for v in results.values())


def test_metadata_signatures_and_appended_files_are_kept(tmp_path: Path) -> None:
    blob = io.BytesIO()
    with zipfile.ZipFile(blob, "w") as zf:
        zf.writestr("labels.txt", "cat\ndog\n")
    src = tmp_path / "with_zip.tflite"
    src.write_bytes(sample("multi_io.tflite").read_bytes() + blob.getvalue())
    report = fix(src, tmp_path / "out.tflite")
    assert report.written and report.verification is not None and report.verification.status == "identical"
    out = (tmp_path / "out.tflite").read_bytes()
    assert out.endswith(blob.getvalue())
    with zipfile.ZipFile(tmp_path / "out.tflite") as zf:
        assert zf.read("labels.txt") == b"cat\ndog\n"
    a, b = tfl_inspect.load(src), tfl_inspect.load(tmp_path / "out.tflite")
    assert b.signatures == a.signatures
    assert [(m.name, m.value) for m in b.metadata] == [(m.name, m.value) for m in a.metadata]
    assert b.trailing_bytes == len(blob.getvalue())


def test_buffers_outside_the_flatbuffer_stay_outside(tmp_path: Path) -> None:
    src = tmp_path / "offset.tflite"
    src.write_bytes(offset_model(sample("dense_float32.tflite")))
    report = fix(src, tmp_path / "out.tflite", rename_io=True)
    assert report.written and report.verification is not None and report.verification.status == "identical"
    model = tfl_inspect.load(tmp_path / "out.tflite")
    external = [b for b in model.buffers if b.external]
    assert external and all(b.offset is not None and b.offset % 16 == 0 for b in external)
    x = np.random.default_rng(0).standard_normal((3, 32)).astype(np.float32)
    np.testing.assert_array_equal(run(tmp_path / "out.tflite", [x])[0], run(sample("dense_float32.tflite"), [x])[0])


# Peak RSS of this process from VmHWM, not ru_maxrss: Linux carries the pre-exec image's peak into
# ru_maxrss, so a child of a pytest process that has TensorFlow loaded would report pytest's size.
CHILD = """
import re, resource, sys
from tfl_inspect.cli import main
code = main(sys.argv[1:])
hwm = int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
print(hwm, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)
"""


def test_model_over_2gb_is_streamed(tmp_path: Path) -> None:
    """A 2.15 GB model: renamed, verified by LiteRT, written without ever holding its data."""
    src = big_gather_model(tmp_path / "big.tflite")
    assert src.stat().st_size > 2**31
    before = digest(src)
    out = tmp_path / "big_fixed.tflite"
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, "fix", str(src), "-o", str(out), "--rename-io", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    *doc_lines, last = proc.stdout.strip().splitlines()
    self_kb, children_kb, code = (int(v) for v in last.split())
    assert code == 0
    assert max(self_kb, children_kb) < 500 * 1024  # peak RSS of the fix and of LiteRT's check
    doc = json.loads("\n".join(doc_lines))
    assert doc["verification"]["status"] == "identical"
    assert {(r["old"], r["new"]) for r in doc["renamed"]} == {
        ("serving_default_ids:0", "ids"),
        ("StatefulPartitionedCall:0", "embeddings"),
    }
    assert digest(src) == before  # the input is never touched
    assert out.stat().st_size > 2**31
    model = tfl_inspect.load(out)
    table = model.subgraphs[0].tensors[0]
    assert table.external and model.buffers[table.buffer].offset % 16 == 0
    ids = np.array([[0, 3, BIG_ROWS // 2, BIG_ROWS - 1]], np.int32)
    got = run(out, [ids])[0]
    np.testing.assert_array_equal(got[0], big_expected(ids))


def test_a_file_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"TFL3" * 10)
    with pytest.raises(TflInspectError):
        fix(bad, tmp_path / "out.tflite")
    assert not (tmp_path / "out.tflite").exists()
