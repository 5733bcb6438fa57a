"""Verification: LiteRT's verdict decides whether the output is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import sample
from tests.modeledit import pack, unpack
from tfl_inspect.rewrite import fix, rename_io
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

    def broken(rw: Any) -> None:
        b = next(b for b in rw.fb.buffers if b.data is not None and len(b.data) >= 1024)
        data = np.array(b.data, dtype=np.uint8)
        data[3::4] ^= 0x80  # every float32 weight changes sign
        b.data = data

    monkeypatch.setattr(rename_io, "apply", broken)
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
