"""Models compiled for an NPU by the real tools, for the tests: LiteRT's Qualcomm and Intel compiler plugins
(``apply_plugin_main --cmd=apply``) and Arm's Vela, plus an independent reading of what such a file holds.

The independent reading goes through LiteRT's flatbuffer object API and the ``flatbuffers`` package's
FlexBuffer decoder, not through tfl_inspect's reader, so the tests compare two readings of one file.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

# (vendor, SoC, extra apply_plugin flags): the SoCs the issue names, from the plugins' own lists.
PLUGIN_TARGETS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("qualcomm", "SM8650", ()),
    ("qualcomm", "SM8850", ()),
    ("qualcomm", "SA8255", ()),
    # The NPU needs Intel's VCL compiler (a download at install time); the CPU graph backend compiles with
    # the openvino wheel alone and writes the same file layout.
    ("intel", "LNL", ("--intel_openvino_graph_backends=cpu",)),
)
VELA_CONFIGS = ("ethos-u55-128", "ethos-u65-256", "ethos-u85-256")
_SUMMARY = re.compile(r"Partitioned subgraph<(\d+)>, selected (\d+) ops, from a total of (\d+) ops\. resulted in (\d+)")
_CONTEXT_BIN = re.compile(r"Serialized a context bin of size \(bytes\): (\d+)")


@dataclass(frozen=True)
class CompiledCase:
    """One source model compiled by a vendor plugin: the files, the plugin's vendor/SoC and its log."""

    source: Path
    path: Path
    vendor: str  # "qualcomm" | "intel"
    soc: str
    log: str

    @property
    def logged_partitions(self) -> int:
        """Partitions the plugin says it formed (summed over subgraphs)."""
        return sum(int(m.group(4)) for m in _SUMMARY.finditer(self.log))

    @property
    def logged_context_binaries(self) -> list[int]:
        """Sizes of the QNN context binaries the Qualcomm plugin serialized (empty for Intel)."""
        return [int(m.group(1)) for m in _CONTEXT_BIN.finditer(self.log)]


def plugin_skip_reason(vendor: str) -> str | None:
    from tests.targets.oracles.npu import npu_skip_reason

    return npu_skip_reason(vendor)


def compile_with_plugins(sources: list[Path], out: Path) -> tuple[list[CompiledCase], list[str]]:
    """Every source for every plugin target that runs here; the skip reasons of those that do not."""
    from tests.targets.oracles.npu import apply_plugin

    cases: list[CompiledCase] = []
    skipped: list[str] = []
    for vendor, soc, extra in PLUGIN_TARGETS:
        reason = plugin_skip_reason(vendor)
        if reason is not None:
            skipped.append(f"{vendor}: {reason}")
            continue
        for src in sources:
            dest = out / f"{src.stem}.{vendor}_{soc}.tflite"
            run = apply_plugin(src, dest, vendor, soc, cmd="apply", extra=extra)
            assert run.returncode == 0 and dest.is_file(), (src, vendor, soc, run.stderr[-2000:])
            cases.append(CompiledCase(src, dest, vendor, soc, run.stderr))
    return cases, skipped


def vela_skip_reason() -> str | None:
    try:
        import ethosu.vela  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        return "ethos-u-vela is not installed (it is in the test extra: pip install -e '.[test]')"
    return None


def vela_compile(source: Path, out: Path, config: str) -> Path:
    """``vela --accelerator-config CONFIG SOURCE``; the file Vela writes (``<stem>_vela.tflite``)."""
    out.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "ethosu.vela", "--accelerator-config", config, "--output-dir", str(out), str(source)]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=300)
    path = out / f"{source.stem}_vela.tflite"
    assert proc.returncode == 0 and path.is_file(), proc.stdout[-2000:] + proc.stderr[-2000:]
    return path


def file_facts(path: Path) -> dict[str, Any]:
    """What the file holds, read with LiteRT's object API: stamp, DISPATCH_OP options, ethos-u ops."""
    from flatbuffers import flexbuffers  # type: ignore[import-untyped]

    from tests.modeledit import unpack

    data = path.read_bytes()
    m = unpack(data)
    meta = {md.name.decode(): bytes(bytearray(m.buffers[md.buffer].data)) for md in m.metadata or []}
    stamp = meta.get("LiteRtStamp", b"")
    codes = [c.customCode.decode() if c.customCode else None for c in m.operatorCodes]
    dispatch, ethos = [], []
    for s, sg in enumerate(m.subgraphs):
        for i, op in enumerate(sg.operators or []):
            code = codes[op.opcodeIndex]
            raw = bytes(bytearray(op.customOptions)) if op.customOptions is not None else b""
            if code == "DISPATCH_OP":
                opts = flexbuffers.Loads(raw) if raw and raw[-1] in (1, 2, 4, 8) else {}
                if not isinstance(opts, dict):  # the legacy layout: a raw ExecInfo struct
                    opts = {}
                dispatch.append((s, i, opts.get("name"), opts.get("bytecode_offset"), opts.get("bytecode_size")))
            elif code == "ethos-u":
                stream = sg.tensors[op.inputs[0]]
                ethos.append((s, i, len(bytearray(m.buffers[stream.buffer].data))))
    return {
        "size": len(data),
        "manufacturer": stamp[:125].split(b"\0")[0].decode() if stamp else None,
        "soc": stamp[125:].split(b"\0")[0].decode() if stamp else None,
        "dispatch": dispatch,
        "ethos_u": ethos,
        "ops": sum(len(sg.operators or []) for sg in m.subgraphs),
        "metadata": meta,
    }
