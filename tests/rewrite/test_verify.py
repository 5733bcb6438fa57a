"""Verification: LiteRT's verdict decides whether the output is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import needs_corpus, sample
from tests.modeledit import pack, unpack
from tfl_inspect.rewrite import PassResult, fix
from tfl_inspect.rewrite.rename_io import RenameIo
from tfl_inspect.rewrite.verify import verify


def _changed_weight(src: Path, out: Path) -> Path:
    m = unpack(src)
    b = next(b for b in m.buffers if b.data is not None and len(b.data) >= 1024)
    data = np.array(b.data, dtype=np.uint8)
    data[3::4] ^= 0x80  # every float32 weight changes sign
    b.data = data
    out.write_bytes(pack(m))
    return out


def test_a_changed_weight_is_caught(tmp_path: Path) -> None:
    src = sample("dense_float32.tflite")
    v = verify(src, _changed_weight(src, tmp_path / "bad.tflite"))
    assert v.status == "different" and not v.ok
    assert v.outputs and not v.outputs[0]["equal"] and v.outputs[0]["max_abs_diff"] > 0


def test_same_model_is_identical() -> None:
    src = sample("dense_float32.tflite")
    v = verify(src, src)
    assert v.status == "identical" and v.inputs[0]["shape"] == [1, 32]


def test_fix_refuses_to_write_when_verification_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pass that broke the model (simulated by corrupting a weight) leaves no output behind."""

    def broken(self: RenameIo, rw: Any) -> PassResult:
        b = next(b for b in rw.fb.buffers if b.data is not None and len(b.data) >= 1024)
        data = np.array(b.data, dtype=np.uint8)
        data[3::4] ^= 0x80  # every float32 weight changes sign
        b.data = data
        return PassResult(True)

    monkeypatch.setattr(RenameIo, "__call__", broken)
    out = tmp_path / "o.tflite"
    report = fix(sample("dense_float32.tflite"), out, rename_io=True)
    assert not report.written and not out.exists()
    assert report.verification is not None and report.verification.status == "different"
    assert not list(tmp_path.iterdir())  # no temporary file left either
    report = fix(sample("dense_float32.tflite"), out, rename_io=True, verify=False)
    assert report.written and out.exists() and report.verification is not None
    assert report.verification.status == "skipped"


def test_a_model_litert_cannot_run_is_unverifiable_not_failed(tmp_path: Path) -> None:
    report = fix(sample("flex_select_tf.tflite"), tmp_path / "o.tflite", rename_io=True)
    assert report.verification is not None and report.verification.status == "unverifiable"
    assert "input model" in report.verification.message and report.written


@needs_corpus
def test_signatures_on_other_subgraphs_are_run_too(tmp_path: Path) -> None:
    """multi_signatures.bin: 'add' on subgraph 0, 'sub' on subgraph 1; a change in subgraph 1 is caught."""
    from tests.conftest import require_corpus

    src = next(require_corpus().rglob("multi_signatures.bin"))
    same = verify(src, src)
    assert same.status == "identical" and any(o["name"].startswith("sub/") for o in same.outputs)
    m = unpack(src)
    m.subgraphs[1].operators[0].opcodeIndex = m.subgraphs[0].operators[0].opcodeIndex  # SUB becomes ADD
    bad = tmp_path / "bad.bin"
    bad.write_bytes(pack(m))
    v = verify(src, bad)
    assert v.status == "different" and [o["name"] for o in v.outputs if not o["equal"]] == ["sub/output_0"]


# The child reports its own peak resident set (VmHWM) after comparing two models.
_PEAK = """
import json, re, sys
from tfl_inspect import runtime
from tfl_inspect.rewrite import verify
if sys.argv[3] == "off":
    runtime.STREAM_MIN_BYTES = 1 << 62
res = verify.compare(sys.argv[1], sys.argv[2])
hwm = int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
print(json.dumps([res["status"], hwm]))
"""


def _peak(a: Path, b: Path, stream: str) -> tuple[str, int]:
    import json
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]), TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run(
        [sys.executable, "-c", _PEAK, str(a), str(b), stream], capture_output=True, text=True, env=env, check=True
    )
    status, kb = json.loads(proc.stdout.strip().splitlines()[-1])
    return status, kb >> 10


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc to read the peak RSS")
def test_big_weights_stream_through_the_check_without_weakening_it(tmp_path: Path) -> None:
    """256 MB of dense weights, all read by one inference: the check holds less than half of them
    resident at once, and a flipped weight in the last layer is still caught."""
    from tests.rewrite.helpers import dense_chain_model

    src = dense_chain_model(tmp_path / "chain.tflite", layers=16)
    assert src.stat().st_size > 256 << 20
    status, streamed = _peak(src, src, "on")
    assert status == "identical"
    status, mapped = _peak(src, src, "off")
    assert status == "identical"
    assert mapped - streamed > 128, (mapped, streamed)  # without streaming every weight page stays resident
    bad = tmp_path / "bad.tflite"
    data = bytearray(src.read_bytes())
    data[-5] ^= 0x80  # the sign of one weight of the last layer
    bad.write_bytes(bytes(data))
    assert _peak(src, bad, "on")[0] == "different"
