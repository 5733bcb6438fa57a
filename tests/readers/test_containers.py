"""LLM bundles made here with their packages' own writers open, with their parts listed and the model inside read.

``.litertlm`` files are written by ``litert_lm_builder`` (in the test venv) through samples/torch/bundle.py and
checked against ``litert_lm_builder``'s own reader; ``.task`` files by MediaPipe's bundler where mediapipe can be
imported (here, or by the Python named in ``TFL_INSPECT_MEDIAPIPE_PYTHON``), else that test skips saying why. A
test-only writer makes a ZIP with the layout MediaPipe's sources give (stored entries, 4-byte aligned, the bundler's
entry names) so the reader is exercised everywhere.
"""

from __future__ import annotations

import importlib.util
import os
import struct
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES, run_cli
from tfl_inspect.errors import ModelFormatError
from tfl_inspect.generative import generative
from tfl_inspect.readers import load
from tfl_inspect.readers.containers import flatbuffer_file

TORCH = SAMPLES / "torch"
INT4 = TORCH / "gen_decoder_dynamic_int4_block32.tflite"
TOKENIZER = TORCH / "tokenizer.model"
HF_LITERTLM = TORCH / "hf_llama_export_hf.litertlm"
_spec = importlib.util.spec_from_file_location("tfl_inspect_samples_bundle", TORCH / "bundle.py")
assert _spec is not None and _spec.loader is not None
bundle = importlib.util.module_from_spec(_spec)  # samples/torch/bundle.py: the packages' own writers
_spec.loader.exec_module(bundle)


@pytest.fixture(scope="module")
def litertlm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("litert_lm_builder", reason="litert-lm-builder writes .litertlm (the [test] extra has it)")
    out = tmp_path_factory.mktemp("bundles") / "int4.litertlm"
    return bundle.build_litertlm(INT4, TOKENIZER, out, context_length=64)


def _mediapipe_task(out: Path) -> Path:
    """A .task from MediaPipe's bundler: in-process when mediapipe imports, else in the named Python."""
    if importlib.util.find_spec("mediapipe") is not None:
        return bundle.build_task(INT4, TOKENIZER, out)
    python = os.environ.get("TFL_INSPECT_MEDIAPIPE_PYTHON")
    if not python:
        pytest.skip(
            "mediapipe (0.10.x, for its LLM bundler) is not importable here: install it, or set "
            "TFL_INSPECT_MEDIAPIPE_PYTHON to a Python that has it (see samples/torch/README.md)"
        )
    proc = subprocess.run(
        [python, str(TORCH / "bundle.py"), "task", str(INT4), str(TOKENIZER), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


def _proto_string(field: int, text: str) -> bytes:
    data = text.encode()
    return bytes([field << 3 | 2, len(data)]) + data


def _zip_task(out: Path) -> Path:
    """MediaPipe's layout (model_asset_bundle_utils.create_model_asset_bundle: ZIP_STORED entries whose data
    starts on a 4-byte boundary; llm_bundler._BundleTags names), METADATA an LlmParameters with start_token (6)
    and stop_tokens (5) as llm_params.proto numbers them."""
    entries = {
        "TF_LITE_PREFILL_DECODE": INT4.read_bytes(),
        "TOKENIZER_MODEL": TOKENIZER.read_bytes(),
        "METADATA": _proto_string(5, "</s>") + _proto_string(6, "<s>"),
    }
    with open(out, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as zf:
        for name, data in entries.items():
            pad = (4 - (fh.tell() + 30 + len(name)) % 4) % 4
            fh.write(b"\0" * pad)
            info = zipfile.ZipInfo(name)
            info.header_offset = fh.tell()
            zf.writestr(info, data)
    return out


def test_litertlm_parts_against_the_builders_reader(litertlm: Path) -> None:
    from litert_lm_builder import litertlm_peek

    model = load(litertlm)
    c = model.container
    assert c is not None and c.format == "litertlm" and c.version == "1.7.0"
    meta = litertlm_peek.read_litertlm_header(str(litertlm), open(os.devnull, "w"))
    sections = meta.SectionMetadata()
    theirs = [
        (sections.Objects(i).BeginOffset(), sections.Objects(i).EndOffset()) for i in range(sections.ObjectsLength())
    ]
    assert [(p.offset, p.offset + p.size) for p in c.parts] == theirs
    assert [p.name for p in c.parts] == ["LlmMetadataProto", "SP_Tokenizer", "TFLiteModel"]
    assert c.model.name == "TFLiteModel" and c.model.size == INT4.stat().st_size
    assert c.parts[0].detail["max_num_tokens"] == 64
    assert c.parts[0].detail["start_token"] == {"token_str": "<s>"}
    assert c.metadata["Authors"] == "tfl-inspect fixtures"
    # The model inside is the fixture, byte for byte, and reads the same.
    assert Path(flatbuffer_file(model)).read_bytes() == INT4.read_bytes()  # type: ignore[arg-type]
    plain = load(INT4)
    assert [len(sg.operators) for sg in model.subgraphs] == [len(sg.operators) for sg in plain.subgraphs]
    g = generative(model)
    assert g is not None and (g.layers, g.cache_length, g.weight_block_size) == (2, 64, 32)


def test_export_hf_litertlm_names_the_cache_axes() -> None:
    """litert-torch's own .litertlm: ExecutorMetadata gives sequence_axis 2 (K) and 3 (V)."""
    pytest.importorskip("litert_lm_builder", reason="its protos are the oracle for the executor metadata")
    from litert_lm_builder.runtime.proto import executor_metadata_pb2

    model = load(HF_LITERTLM)
    c = model.container
    assert c is not None
    part = next(p for p in c.parts if p.name == "ExecutorMetadataProto")
    theirs = executor_metadata_pb2.ExecutorMetadata()
    theirs.ParseFromString(HF_LITERTLM.read_bytes()[part.offset : part.offset + part.size])
    ours = part.detail["llm_executor_metadata"]
    assert ours["max_history_size"] == theirs.llm_executor_metadata.max_history_size == 64
    assert [(b["decode_input_name"], b["sequence_axis"]) for b in ours["state_buffers"]] == [
        (b.decode_input_name, b.sequence_axis) for b in theirs.llm_executor_metadata.state_buffers
    ]
    g = generative(model)
    assert g is not None
    assert {c.name: (c.sequence_axis, c.axis_from) for c in g.caches} == {
        "kv_cache_k_0": (2, "executor metadata"),
        "kv_cache_k_1": (2, "executor metadata"),
        "kv_cache_v_0": (3, "executor metadata"),
        "kv_cache_v_1": (3, "executor metadata"),
    }
    assert (g.layers, g.kv_heads, g.head_dim, g.cache_length, g.cache_bytes) == (2, 2, 16, 64, 32768)


def test_task_from_mediapipes_bundler(tmp_path: Path) -> None:
    task = _mediapipe_task(tmp_path / "int4.task")
    model = load(task)
    c = model.container
    assert c is not None and c.format == "task"
    assert [p.name for p in c.parts] == ["TF_LITE_PREFILL_DECODE", "TOKENIZER_MODEL", "METADATA"]
    assert c.model.name == "TF_LITE_PREFILL_DECODE" and c.model.size == INT4.stat().st_size
    meta = c.parts[2].detail
    assert meta["start_token"] == "<s>" and meta["stop_tokens"] == ["</s>"]
    assert meta["prompt_templates"]["user"] == {"prompt_prefix": "<user>", "prompt_suffix": "</user>"}
    # Python's zipfile reads the same entries at the same places.
    with zipfile.ZipFile(task) as zf:
        for info, part in zip(zf.infolist(), c.parts, strict=True):
            assert zf.read(info) == task.read_bytes()[part.offset : part.offset + part.size]
            assert part.offset % 4 == 0  # MediaPipe aligns stored entries to 4 bytes
    # The test-only writer below makes the same layout.
    mine = load(_zip_task(tmp_path / "mine.task")).container
    assert mine is not None and [(p.name, p.kind) for p in mine.parts] == [(p.name, p.kind) for p in c.parts]


def test_task_with_mediapipes_layout(tmp_path: Path) -> None:
    task = _zip_task(tmp_path / "int4.task")
    model = load(task)
    c = model.container
    assert c is not None and c.model.name == "TF_LITE_PREFILL_DECODE"
    assert [p.kind for p in c.parts] == ["tflite", "tokenizer", "metadata"]
    assert c.parts[2].detail == {"stop_tokens": ["</s>"], "start_token": "<s>"}
    g = generative(model)
    assert g is not None and g.weight_block_size == 32


@pytest.mark.parametrize(
    "args",
    [
        ("inspect",),
        ("inspect", "--format", "json"),
        ("lint",),
        ("compat",),
        ("profile", "--format", "json"),
        ("shapes",),
        ("diagnose",),
        ("graph", "-o", "{tmp}/g.dot"),
        ("report", "-o", "{tmp}/r.html", "--no-graph"),
        ("fix", "-o", "{tmp}/f.tflite", "--no-verify"),
        ("diff", "{other}"),
    ],
)
def test_every_command_opens_both_bundles(args: tuple[str, ...], tmp_path: Path, litertlm: Path) -> None:
    task = _zip_task(tmp_path / "int4.task")
    for path in (litertlm, task):
        argv = [a.format(tmp=tmp_path, other=INT4) for a in args]
        r = run_cli(argv[0], path, *argv[1:])
        assert r.code == 0, (path, r.err)
        assert "Traceback" not in r.err


def test_inspect_lists_the_parts(litertlm: Path) -> None:
    r = run_cli("inspect", litertlm)
    assert "LiteRT-LM bundle version 1.7.0: 3 parts" in r.out
    assert "TFLiteModel       tflite (shown)" in r.out
    assert f"{litertlm} (" in r.out and "→ TFLiteModel (234.5 KiB)" in r.out


def _one_line_exit_2(path: Path, *command: str) -> str:
    r = run_cli(*(command or ("inspect",)), path)
    assert r.code == 2, r.out
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r.err
    return lines[0]


def test_truncated_task(tmp_path: Path) -> None:
    whole = _zip_task(tmp_path / "whole.task").read_bytes()
    cut = tmp_path / "cut.task"
    cut.write_bytes(whole[: len(whole) // 2])
    for command in ("inspect", "lint", "profile", "compat"):
        line = _one_line_exit_2(cut, command)
        assert "not a readable .task bundle" in line and "truncated" in line
    with pytest.raises(ModelFormatError):
        load(cut)


def test_litertlm_with_a_wrong_header(tmp_path: Path, litertlm: Path) -> None:
    bad = tmp_path / "bad.litertlm"
    bad.write_bytes(b"NOTLITRT" + litertlm.read_bytes()[8:])
    assert "not a LiteRT-LM file" in _one_line_exit_2(bad)
    short = tmp_path / "short.litertlm"
    short.write_bytes(litertlm.read_bytes()[:40000])  # the model section is cut off
    assert "truncated or corrupt LiteRT-LM file" in _one_line_exit_2(short)
    header = tmp_path / "header.litertlm"
    data = bytearray(litertlm.read_bytes())
    data[24:32] = struct.pack("<Q", len(data) * 2)  # header end beyond the file
    header.write_bytes(bytes(data))
    assert "corrupt LiteRT-LM header" in _one_line_exit_2(header)
