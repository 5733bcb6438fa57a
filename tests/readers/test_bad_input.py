"""Bad input gives one clear line and exit 2: never a traceback, a hang or a huge allocation."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import SAMPLES, corpus_files, needs_corpus, run_cli, run_cli_process
from tests.modeledit import pack, unpack
from tfl_inspect.errors import ModelFormatError

SAMPLE = SAMPLES / "dense_int8.tflite"


def _assert_clean_failure(path: Path) -> str:
    result = run_cli("inspect", path)
    assert result.code == 2, result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.err
    assert str(path) in lines[0]
    return lines[0]


@needs_corpus
@pytest.mark.parametrize("path", corpus_files("litert") + corpus_files("invalid"), ids=lambda p: p.name)
def test_every_corpus_file_gives_a_model_or_the_clean_error(path: Path) -> None:
    try:
        model = tfl_inspect.load(path)
    except ModelFormatError as exc:
        assert str(path) in str(exc)
        _assert_clean_failure(path)
    else:
        assert model.subgraphs
        assert run_cli("inspect", path, "--format", "json").code == 0


def test_known_invalid_corpus_files_are_refused(corpus: Path) -> None:
    for name in ("0_subgraphs.bin", "no_subgraphs.bin"):
        assert "no subgraphs" in _assert_clean_failure(corpus / "litert/tflite/testdata" / name)
    for p in corpus_files("invalid"):
        _assert_clean_failure(p)


def test_empty_missing_directory_and_text(tmp_path: Path) -> None:
    empty = tmp_path / "empty.tflite"
    empty.write_bytes(b"")
    assert "empty file" in _assert_clean_failure(empty)
    assert "No such file" in _assert_clean_failure(tmp_path / "missing.tflite")
    with pytest.raises(ModelFormatError, match="is a directory"):
        tfl_inspect.load(tmp_path)  # the CLI takes a directory as a folder of models (tests/commands/test_batch.py)
    text = tmp_path / "notes.txt"
    text.write_text("hello world\n")
    assert "not a TFLite model" in _assert_clean_failure(text)


def test_every_truncation_is_refused_cleanly(tmp_path: Path) -> None:
    data = SAMPLE.read_bytes()
    refused = 0
    for cut in range(0, len(data), 7):
        try:
            tfl_inspect.load(data[:cut])
        except ModelFormatError:
            refused += 1
    # Nearly every prefix lacks the root, tables or vectors it points to.
    assert refused >= len(range(0, len(data), 7)) * 0.9
    path = tmp_path / "truncated.tflite"
    path.write_bytes(data[: len(data) // 2])
    _assert_clean_failure(path)


def test_random_corruption_never_crashes() -> None:
    data = bytearray(SAMPLE.read_bytes())
    rng = random.Random(1234)
    outcomes = {"model": 0, "error": 0}
    for _ in range(400):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            mutated[rng.randrange(8, len(mutated))] = rng.randrange(256)
        try:
            tfl_inspect.load(bytes(mutated))
            outcomes["model"] += 1
        except ModelFormatError:
            outcomes["error"] += 1
    assert sum(outcomes.values()) == 400 and outcomes["error"] > 0


def test_absurd_vector_length_is_refused_without_allocating(tmp_path: Path) -> None:
    m = unpack(SAMPLE)
    m.subgraphs[0].tensors[0].shape = [7, 7, 7]
    data = bytearray(pack(m))
    needle = struct.pack("<4i", 3, 7, 7, 7)
    at = data.find(needle)
    assert at > 0
    data[at : at + 4] = struct.pack("<I", 0x7FFFFFF0)  # the shape vector claims 2^31 entries
    path = tmp_path / "absurd.tflite"
    path.write_bytes(bytes(data))
    assert "past the end of the file" in _assert_clean_failure(path)


@pytest.mark.parametrize("shape", [[2**31 - 1] * 3, [7] * 100_000], ids=["2^93 elements", "rank 100000"])
def test_a_tensor_too_large_for_64_bits_is_refused_as_litert_refuses_it(tmp_path: Path, shape: list[int]) -> None:
    # Found by fuzzing (tests/fuzz.py): a shape of 100,000 dims reached the analyses as an
    # 84,510-digit byte count (exit 3 when printed). LiteRT refuses such a model when it builds.
    m = unpack(SAMPLES / "multi_io.tflite")
    m.subgraphs[0].tensors[5].shape = shape  # an activation
    path = tmp_path / "huge.tflite"
    path.write_bytes(pack(m))
    assert "is too large, its size overflows 64 bits" in _assert_clean_failure(path)
    interpreter = pytest.importorskip("ai_edge_litert.interpreter")
    with pytest.raises(ValueError, match="BytesRequired number of elements overflowed"):
        interpreter.Interpreter(model_path=str(path))


def test_out_of_range_indices_are_refused(tmp_path: Path) -> None:
    cases = {
        "tensor index": lambda m: setattr(m.subgraphs[0].operators[0], "inputs", [999]),
        "opcode index": lambda m: setattr(m.subgraphs[0].operators[0], "opcodeIndex", 50),
        "buffer": lambda m: setattr(m.subgraphs[0].tensors[0], "buffer", 10_000),
        "subgraph": lambda m: setattr(m.signatureDefs[0], "subgraphIndex", 7),
    }
    for what, edit in cases.items():
        m = unpack(SAMPLE)
        edit(m)
        path = tmp_path / f"{what.replace(' ', '_')}.tflite"
        path.write_bytes(pack(m))
        line = _assert_clean_failure(path)
        assert "out of range" in line or "there are" in line, (what, line)


def test_cli_process_reports_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"\x00\x00\x00\x00TFL3" + b"\xff" * 64)
    result = run_cli_process("inspect", bad)
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err


def test_bad_usage_exits_2() -> None:
    assert run_cli("inspect", SAMPLE, "--subgraph", "5").code == 2
    assert run_cli("inspect", SAMPLE, "--show", "nonsense").code == 2
