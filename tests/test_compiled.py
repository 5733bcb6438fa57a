"""NPU-compiled models read for what they are: the corpus's precompiled files, files the Qualcomm and Intel
plugins compile here, and Vela's Ethos-U files, each checked against a second reading of the file
(LiteRT's object API + FlexBuffers) and, where the tool logs it, against what the compiler said it wrote."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import tfl_inspect
from tests.compiled_models import VELA_CONFIGS, file_facts
from tests.conftest import require_corpus, run_cli
from tests.modeledit import pack, unpack
from tfl_inspect.compiled import compiled
from tfl_inspect.errors import ModelFormatError

PRECOMPILED = (
    "precompiled_mediatek_model.tflite",
    "shared_input_cpu_npu_google_tensor_precompiled.tflite",
    "simple_add_op_google_tensor_p25_precompiled.tflite",
    "simple_add_op_qc_v75_precompiled.tflite",
    "simple_model_npu_google_tensor_precompiled.tflite",
    "simple_model_npu_mediatek_mt6989_precompiled.tflite",
    "simple_model_qualcomm_sm8650_precompiled.tflite",
    "simple_add_op.sm8750.tflite",
)


def _precompiled() -> list[Path]:
    base = require_corpus() / "litert"
    found = {p.name: p for p in base.rglob("*.tflite") if p.name in PRECOMPILED}
    assert set(found) == set(PRECOMPILED), set(PRECOMPILED) - set(found)
    return [found[n] for n in PRECOMPILED]


def _agrees_with_file(path: Path) -> tfl_inspect.Model:
    """Vendor, SoC, partitions and bytecode sizes as tfl_inspect reads them equal the file's own bytes."""
    model = tfl_inspect.load(path)
    npu = compiled(model)
    facts = file_facts(path)
    assert npu is not None and npu.kind == "litert-npu", path
    if facts["manufacturer"]:  # a LiteRtStamp names the target
        assert (npu.manufacturer, npu.soc, npu.identified_by) == (facts["manufacturer"], facts["soc"], "LiteRtStamp")
    else:
        assert npu.soc is None and npu.identified_by != "LiteRtStamp", path
    ours = [(p.subgraph, p.op, p.name, p.bytecode_offset, p.bytecode_size) for p in npu.partitions]
    if npu.refused is None:
        assert ours == facts["dispatch"], path
    else:  # the legacy layout: the placeholder in NPU_BYTE_CODE holds offset and size
        text = facts["metadata"]["NPU_BYTE_CODE"].decode("latin-1")
        assert [(o, s) for *_, o, s in ours] == [(int(text[15:26].strip("\0")), int(text[26:].strip("\0")))]
    # the bytes after the flatbuffer are the bytecode: counted once per block, nothing left over
    blocks = {(p.bytecode_offset, p.bytecode_size) for p in npu.partitions}
    assert sum(size for _, size in blocks) == model.trailing_bytes == sum(b.size for b in model.bytecode), path
    assert not [n for n in model.notes if "after the model" in n], model.notes
    return model


def test_corpus_precompiled_files() -> None:
    seen = {}
    for path in _precompiled():
        model = _agrees_with_file(path)
        npu = compiled(model)
        assert npu is not None
        seen[path.name] = (npu.vendor, npu.soc, len(npu.partitions), npu.refused is not None)
    assert seen["simple_model_qualcomm_sm8650_precompiled.tflite"] == ("Qualcomm", "SM8650", 1, False)
    assert seen["simple_add_op_google_tensor_p25_precompiled.tflite"] == ("Google Tensor", "P25", 1, False)
    assert seen["simple_model_npu_google_tensor_precompiled.tflite"] == ("Google Tensor", None, 1, False)  # DGC0
    assert seen["precompiled_mediatek_model.tflite"][3]  # LiteRT 2.x refuses the older layout


def test_files_compiled_by_the_plugins(npu_compiled: list[Any]) -> None:
    manufacturers = {"qualcomm": "Qualcomm", "intel": "IntelOpenVINO"}
    shared = 0
    for case in npu_compiled:
        model = _agrees_with_file(case.path)
        npu = compiled(model)
        assert npu is not None
        assert (npu.manufacturer, npu.soc) == (manufacturers[case.vendor], case.soc)
        assert len(npu.partitions) == case.logged_partitions, case.path  # the plugin's own count
        if case.vendor == "qualcomm":  # the context binaries it serialized are the blocks, size for size
            assert sorted(case.logged_context_binaries) == sorted(b.size for b in npu.blocks), case.path
            assert all(b.format == "QNN context binary" for b in npu.blocks)
        else:
            assert all(b.format.startswith("OpenVINO compiled model (LRTOVHDR v1") for b in npu.blocks)
        shared += any(len(b.partitions) > 1 for b in npu.blocks)
        ops = {(s, i) for s, sg in enumerate(model.subgraphs) for i in range(len(sg.operators))}
        assert set(npu.cpu_ops) | {(p.subgraph, p.op) for p in npu.partitions} == ops
    print(f"\n{len(npu_compiled)} compiled files agree; {shared} with a block shared by several partitions")
    assert shared  # Qualcomm puts several partitions in one context binary (upsampling_static)


def test_inspect_json_validates_and_names_the_partitions(npu_compiled: list[Any]) -> None:
    import jsonschema

    from tfl_inspect.schemas import load

    schema = load("inspect")
    case = next(c for c in npu_compiled if c.source.name == "upsampling_static.tflite")
    result = run_cli("inspect", case.path, "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    jsonschema.validate(data, schema)
    c = data["compiled"]
    facts = file_facts(case.path)
    assert [(p["op"], p["name"], p["bytecode_offset"], p["bytecode_size"]) for p in c["partitions"]] == [
        (i, name, off, size) for _, i, name, off, size in facts["dispatch"]
    ]
    assert c["soc"] == case.soc and c["cpu_ops"] and not data["notes"]
    text = run_cli("inspect", case.path).out
    assert f"Compiled for  {c['vendor']} {case.soc}" in text and "after the model" not in text
    assert all(p["name"] in text for p in c["partitions"])


def test_vela_ethos_u(vela_compiled: list[Path]) -> None:
    for path in vela_compiled:
        npu = compiled(tfl_inspect.load(path))
        facts = file_facts(path)
        config = path.parent.name  # vela_compiled puts each --accelerator-config in its own folder
        assert config in VELA_CONFIGS
        assert npu is not None and npu.kind == "ethos-u" and npu.vendor == "Arm"
        assert npu.soc is not None and npu.soc.lower() == config
        assert [(p.subgraph, p.op, p.bytecode_size) for p in npu.partitions] == facts["ethos_u"]
        for p in npu.partitions:
            e = p.ethos_u
            assert e is not None and e.co_type == 1 and e.command_stream_bytes and e.weights_bytes
            assert e.command_stream_bytes < e.payload_bytes  # the driver actions before the stream
    text = run_cli("inspect", vela_compiled[0]).out
    assert "Ethos-U55-128" in text and "Ethos-U kernel" in text


# ---- bad input: one line, exit 2 ----------------------------------------------------------------------------


def test_truncated_compiled_file_is_refused(tmp_path: Path) -> None:
    path = next(p for p in _precompiled() if p.name == "simple_model_qualcomm_sm8650_precompiled.tflite")
    data = path.read_bytes()
    cut = tmp_path / "truncated.tflite"
    cut.write_bytes(data[: len(data) - 100])
    with pytest.raises(ModelFormatError, match="outside the file"):
        tfl_inspect.load(cut)
    for argv in (("inspect", cut), ("compat", cut), ("graph", cut, "-o", tmp_path / "g.dot"), ("profile", cut)):
        result = run_cli(*argv)
        assert result.code == 2 and len(result.err.strip().splitlines()) == 1, (argv, result.err)
        assert "truncated" in result.err


def _renamed(path: Path, name: str) -> bytes:
    """``path`` with its first DISPATCH_OP's name replaced, the bytecode re-appended where the options say."""
    from flatbuffers import flexbuffers  # type: ignore[import-untyped]

    facts = file_facts(path)
    _, op_index, _, offset, size = facts["dispatch"][0]
    blob = path.read_bytes()[offset : offset + size]
    m = unpack(path)
    op = m.subgraphs[0].operators[op_index]
    where = 0
    for _ in range(4):  # the offset is inside the options: iterate until the layout is stable
        op.customOptions = list(flexbuffers.Dumps({"bytecode_offset": where, "bytecode_size": size, "name": name}))
        head = pack(m)
        start = (len(head) + 15) // 16 * 16
        if start == where:
            return head + b"\0" * (start - len(head)) + blob
        where = start
    raise AssertionError("layout did not settle")


def test_names_from_the_model_are_escaped(tmp_path: Path) -> None:
    path = next(p for p in _precompiled() if p.name == "simple_model_qualcomm_sm8650_precompiled.tflite")
    evil = tmp_path / "evil.tflite"
    evil.write_bytes(_renamed(path, "qnn\x1b[31m[bold]x\n<script>"))
    model = tfl_inspect.load(evil)
    npu = compiled(model)
    assert npu is not None and npu.partitions[0].name == "qnn\x1b[31m[bold]x\n<script>"
    for argv in (("inspect", evil), ("compat", evil, "--ops"), ("graph", evil, "-o", tmp_path / "g.dot")):
        result = run_cli(*argv)
        assert result.code == 0, (argv, result.err)
        out = result.out + (tmp_path / "g.dot").read_text() if argv[0] == "graph" else result.out
        assert "\x1b" not in out and "x1b[31m" in out and "x\n<script>" not in out, argv
        if argv[0] == "graph":  # HTML-like labels: the markup is escaped too
            assert "<script>" not in out and "&lt;script&gt;" in out


def test_profile_says_the_npu_arena_is_not_the_cpus(vela_compiled: list[Path]) -> None:
    path = next(p for p in _precompiled() if p.name == "simple_model_qualcomm_sm8650_precompiled.tflite")
    for argv, what in (
        (("profile", path, "--format", "json"), "not in this CPU arena"),
        (("profile", vela_compiled[0], "--planner", "tflm", "--format", "json"), "'scratch' tensors Vela sized"),
    ):
        result = run_cli(*argv)
        assert result.code == 0, result.err
        notes = json.loads(result.out)["memory"]["notes"]
        assert any(what in n for n in notes), notes


def test_fix_refuses_a_compiled_model(tmp_path: Path) -> None:
    """A repack moves the flatbuffer's end; the DISPATCH_OPs' bytecode offsets would then point elsewhere."""
    path = next(p for p in _precompiled() if p.name == "simple_model_qualcomm_sm8650_precompiled.tflite")
    result = run_cli("fix", path, "-o", tmp_path / "out.tflite", "--rename-io")
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1 and "compiled for an NPU" in result.err
    assert not (tmp_path / "out.tflite").exists()
