"""``tfl-inspect fix``: output formats, exit codes, and one line for every bad input."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest

from tests.conftest import corpus_files, run_cli, run_cli_process, sample
from tests.rewrite.helpers import digest
from tfl_inspect.rewrite import PassResult
from tfl_inspect.rewrite.rename_io import RenameIo
from tfl_inspect.schemas import load


def test_text_report_lists_every_change(tmp_path: Path) -> None:
    out = tmp_path / "up.tflite"
    r = run_cli(
        "fix", sample("upsampling_static.tflite"), "-o", out, "--static-batch", "1", "--fold-shapes", "--rename-io"
    )
    assert r.code == 0, r.err
    for text in (
        "Shapes fixed",
        "Folded into constants",
        "Ops removed",
        "Tensors renamed",
        "bit-identical",
        "XNNPACK ops",
        "DYN002",
        "serving_default_image:0",
        "image",
    ):
        assert text in r.out
    assert out.is_file()


def test_json_report_matches_its_schema(tmp_path: Path) -> None:
    r = run_cli(
        "fix",
        sample("dense_int8_float_io.tflite"),
        "-o",
        tmp_path / "o.tflite",
        "--io-type",
        "int8",
        "--rename-io",
        "--format",
        "json",
    )
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    jsonschema.Draft202012Validator(load("fix")).validate(doc)
    assert doc["$schema"] == "urn:tfl-inspect:schema:fix" and doc["written"] is True
    assert doc["verification"]["status"] == "identical"
    assert [c["after"] for c in doc["io_changes"]] == ["int8", "int8"]
    assert doc["bytes_saved"] == doc["bytes_before"] - doc["bytes_after"]


def test_verification_failure_exits_1_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    def broken(self: RenameIo, rw: Any) -> PassResult:
        b = next(b for b in rw.fb.buffers if b.data is not None and len(b.data) >= 1024)
        data = np.array(b.data, dtype=np.uint8)
        data[3::4] ^= 0x80
        b.data = data
        return PassResult(True)

    monkeypatch.setattr(RenameIo, "__call__", broken)
    out = tmp_path / "o.tflite"
    r = run_cli("fix", sample("dense_float32.tflite"), "-o", out, "--rename-io", "--format", "json")
    assert r.code == 1
    doc = json.loads(r.out)
    jsonschema.Draft202012Validator(load("fix")).validate(doc)
    assert doc["written"] is False and doc["verification"]["status"] == "different" and not out.exists()
    r = run_cli("fix", sample("dense_float32.tflite"), "-o", out, "--rename-io", "--no-verify")
    assert r.code == 0 and out.exists()


def test_the_input_is_never_touched(tmp_path: Path) -> None:
    src = tmp_path / "in.tflite"
    src.write_bytes(sample("classifier_flatten.tflite").read_bytes())
    before = digest(src)
    assert run_cli("fix", src, "-o", tmp_path / "o.tflite", "--static-batch", "1", "--fold-shapes").code == 0
    assert digest(src) == before


def _bad_cases(tmp: Path) -> list[tuple[str, list[str]]]:
    model = str(sample("dense_float32.tflite"))
    cut = tmp / "cut.tflite"
    cut.write_bytes(sample("dense_float32.tflite").read_bytes()[:3000])
    out = str(tmp / "o.tflite")
    cases = [
        ("missing file", [str(tmp / "nope.tflite"), "-o", out]),
        ("truncated", [str(cut), "-o", out]),
        ("mlir", [str(sample("upsampling_dynamic.mlir")), "-o", out]),
        ("output is the input", [model, "-o", model]),
        ("output is a directory", [model, "-o", str(tmp)]),
        ("no such output directory", [model, "-o", str(tmp / "no" / "o.tflite")]),
        ("bad static spec", [model, "-o", out, "--static", "features"]),
        ("static wrong rank", [model, "-o", out, "--static", "features=1x2x3"]),
        ("static unknown input", [model, "-o", out, "--static", "nope=1x32"]),
        ("batch 0", [model, "-o", out, "--static-batch", "0"]),
        ("io-type on a float model", [model, "-o", out, "--io-type", "int8"]),
        (
            "shapes that break the model",
            [str(sample("classifier_flatten.tflite")), "-o", out, "--static", "image=1x64x64x3"],
        ),
    ]
    cases += [(f"invalid {p.name}", [str(p), "-o", out]) for p in corpus_files("invalid")]
    return cases


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    for name, args in _bad_cases(tmp_path):
        r = run_cli("fix", *args)
        assert r.code == 2, (name, r.code, r.out, r.err)
        lines = r.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("tfl-inspect: error:"), (name, r.err)
        assert "internal error" not in r.err and not (tmp_path / "o.tflite").exists(), name


def test_bad_input_as_a_process_has_no_traceback(tmp_path: Path) -> None:
    r = run_cli_process("fix", sample("upsampling_dynamic.mlir"), "-o", tmp_path / "o.tflite")
    assert r.code == 2 and len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err


def test_a_file_the_object_api_cannot_unpack_is_exit_2(tmp_path: Path) -> None:
    # Found by fuzzing (tests/fuzz.py): a field only the object API reads (a variant tensor's shape)
    # runs past the file. Closing the map under the half-unpacked arrays raised BufferError (exit 3).
    from tests.modeledit import pack, schema, unpack

    m = unpack(sample("dense_int8.tflite"))
    variant = schema.VariantSubTypeT()
    variant.shape = np.array([777001, 777002, 777003], np.int32)
    m.subgraphs[0].tensors[-1].variantTensors = [variant]
    data = bytearray(pack(m))
    at = data.find(struct.pack("<4i", 3, 777001, 777002, 777003))
    data[at : at + 4] = struct.pack("<I", 0x0FFFFFFF)  # the vector claims 2^28 entries
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(bytes(data))
    r = run_cli("fix", bad, "-o", tmp_path / "o.tflite", "--no-verify")
    assert r.code == 2 and r.err.count("\n") == 1, r.err
    assert "the flatbuffer object API cannot unpack this file" in r.err
