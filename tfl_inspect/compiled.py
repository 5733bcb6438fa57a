"""Models compiled ahead of time for one NPU: LiteRT's ``DISPATCH_OP`` partitions and Arm Ethos-U command streams.

A vendor compiler plugin (``apply_plugin``, ``aot_compile``) replaces each group of ops the NPU
takes by one ``DISPATCH_OP`` whose options point at bytecode appended after the flatbuffer, and
stamps the SoC it compiled for in the ``LiteRtStamp`` metadata. Such a file runs only where that
vendor's dispatch library drives that SoC; the ops the NPU did not take stay inline and run on
the CPU. Arm's Vela does the same for microcontrollers: one ``ethos-u`` op carries the command
stream for one Ethos-U configuration, and only a TFLite Micro build with the Ethos-U kernel runs it.

Facts, from google-ai-edge/LiteRT @f67457790c9c unless said otherwise:

- DISPATCH_OP options: FlexBuffer map ``{bytecode_offset, bytecode_size, name}``
  (litert/core/dispatch_op_schema.cc:30-70); the offset is from the start of the file
  (litert/core/model/model_load.cc:569-589), several ops may share one block (``name`` selects
  the graph in it). The legacy layout (older LiteRT, tensorflow/tensorflow
  tensorflow/lite/experimental/litert/core/byte_code_util.cc @23f68d61c723): options are a raw
  ``ExecInfo`` struct, the offset and size sit in the ``NPU_BYTE_CODE`` metadata and the stamp is
  251 bytes, which LiteRT 2.x refuses (build_stamp.cc:52-60, "Build stamp size mismatch").
- Dispatch libraries: ``so_name`` in litert/vendors/*/dispatch/BUILD; manufacturers: the plugins'
  ``kPluginManufacturer`` (litert/vendors/*/compiler/*plugin*.cc).
- Bytecode magic: Intel ``LRTOVHDR`` + u32 version + u32 graph backend (0 CPU, 1 GPU, 2 NPU;
  litert/vendors/intel_openvino/bytecode_header.h, litert/c/options/litert_intel_openvino_options.h);
  Qualcomm QNN context binaries and Google Tensor's ``DGC0`` blocks as seen in compiled files.
- Ethos-U: the ``ethos-u`` op's input 0 is Vela's driver payload: fourcc ``COP1``, a Config
  action with the NPU's config and id registers, then the command stream (ethos-u-vela 5.2.0
  ``vela/driver_actions.py``; config: MACs per cycle as log2 in bits 0-3, product in bits 28-31);
  its FlexBuffer option is ``CO_TYPE_ETHOSU`` = 1 (tensorflow/tflite-micro
  tensorflow/lite/micro/kernels/ethos_u/ethosu.cc @90b983c2b3f1).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import dtypes
from .model import Bytecode, Model, Operator, Subgraph

__all__ = [
    "CompiledModel",
    "NpuPartition",
    "BytecodeBlock",
    "EthosU",
    "compiled",
    "bytecode_format",
    "DISPATCH_OP",
    "ETHOS_U",
]

DISPATCH_OP = "DISPATCH_OP"
ETHOS_U = "ethos-u"

# LiteRtStamp manufacturer -> (what users call the vendor, its dispatch library)
_VENDORS: dict[str, tuple[str, str]] = {
    "Qualcomm": ("Qualcomm", "libLiteRtDispatch_Qualcomm.so"),
    "MediaTek": ("MediaTek", "libLiteRtDispatch_MediaTek.so"),
    "GoogleTensor": ("Google Tensor", "libLiteRtDispatch_GoogleTensor.so"),
    "Google": ("Google Tensor", "libLiteRtDispatch_GoogleTensor.so"),
    "IntelOpenVINO": ("Intel OpenVINO", "libLiteRtDispatch_IntelOpenvino.so"),
    "Samsung": ("Samsung", "libLiteRtDispatch_Samsung.so"),
    "Arm": ("Arm", "libLiteRtDispatch_Arm.so"),
}
_OPENVINO_BACKENDS = {0: "CPU", 1: "GPU", 2: "NPU"}
_ETHOS_U_PRODUCTS = {0: "Ethos-U55", 1: "Ethos-U65", 2: "Ethos-U85"}


@dataclass(frozen=True, slots=True)
class BytecodeBlock:
    """One block of bytecode after the flatbuffer, with what its first bytes say and who uses it."""

    offset: int
    size: int
    format: str
    source: str  # "DISPATCH_OP" | "NPU_BYTE_CODE"
    partitions: tuple[str, ...]  # names of the partitions that run from it


@dataclass(frozen=True, slots=True)
class EthosU:
    """What Vela's driver payload says: the NPU configuration the command stream was compiled for."""

    product: str | None  # Ethos-U55 / U65 / U85, None when the payload is not recognised
    macs_per_cycle: int | None
    architecture: str | None  # the id register's architecture version, e.g. "1.0.6"
    command_stream_bytes: int | None  # the NPU register command stream inside the payload
    payload_bytes: int  # the whole input-0 tensor
    weights_bytes: int  # input 1 ("read_only": weights and biases in the NPU's format)
    scratch_bytes: int  # input 2
    fast_scratch_bytes: int  # input 3 (the same tensor as input 2 on the Ethos-U55)
    co_type: Any  # the op's FlexBuffer option (1 = CO_TYPE_ETHOSU)

    @property
    def config(self) -> str | None:
        """Vela's ``--accelerator-config`` name for it (``Ethos-U55-128``)."""
        return f"{self.product}-{self.macs_per_cycle}" if self.product and self.macs_per_cycle else None


@dataclass(frozen=True, slots=True)
class NpuPartition:
    """One op that runs on the NPU: a DISPATCH_OP (a partition) or an ``ethos-u`` op."""

    subgraph: int
    op: int
    name: str
    bytecode_offset: int | None  # from the start of the file (None: the bytecode is a tensor, or absent)
    bytecode_size: int | None
    block: int | None  # index into CompiledModel.blocks
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    ethos_u: EthosU | None = None


@dataclass(frozen=True, slots=True)
class CompiledModel:
    """A model bound to one NPU: for what, its partitions, the ops left on the CPU, what runs it."""

    kind: str  # "litert-npu" | "ethos-u"
    vendor: str | None  # what users call the vendor ("Qualcomm", "Intel OpenVINO", "Arm")
    manufacturer: str | None  # as the LiteRtStamp spells it
    soc: str | None
    identified_by: str  # "LiteRtStamp" | "bytecode" | "command stream" | "nothing"
    layout: str
    partitions: tuple[NpuPartition, ...]
    blocks: tuple[BytecodeBlock, ...]
    cpu_ops: tuple[tuple[int, int], ...]  # (subgraph, op) left on the CPU
    partition_subgraphs: tuple[int, ...]  # subgraphs holding partitions' ops (not compiled yet)
    runtime: str  # what runs it, in one sentence
    dispatch_library: str | None
    refused: str | None  # why current LiteRT refuses to load it, where it does

    @property
    def bytecode_bytes(self) -> int:
        return sum(b.size for b in self.blocks) or sum(p.bytecode_size or 0 for p in self.partitions)

    @property
    def target(self) -> str:
        """ "Qualcomm SM8650", "Google Tensor (SoC not recorded)", "Arm Ethos-U55-128"."""
        if not self.vendor:
            return f"an unknown NPU's {self.soc}" if self.soc else "an unknown NPU"
        return f"{self.vendor} {self.soc or '(SoC not recorded)'}"

    def to_json(self, model: Model) -> dict[str, Any]:
        """The ``compiled`` object of inspect's JSON (``tfl-inspect schema inspect``)."""

        def partition(p: NpuPartition) -> dict[str, Any]:
            block = self.blocks[p.block] if p.block is not None else None
            e = p.ethos_u
            return {
                "subgraph": p.subgraph,
                "op": p.op,
                "name": p.name,
                "bytecode_offset": p.bytecode_offset,
                "bytecode_size": p.bytecode_size,
                "block": p.block,
                "format": block.format if block is not None else ("Vela driver payload (COP1)" if e else None),
                "inputs": list(p.inputs),
                "outputs": list(p.outputs),
                "ethos_u": None
                if e is None
                else {
                    "product": e.product,
                    "macs_per_cycle": e.macs_per_cycle,
                    "config": e.config,
                    "architecture": e.architecture,
                    "command_stream_bytes": e.command_stream_bytes,
                    "payload_bytes": e.payload_bytes,
                    "weights_bytes": e.weights_bytes,
                    "scratch_bytes": e.scratch_bytes,
                    "fast_scratch_bytes": e.fast_scratch_bytes,
                    "co_type": e.co_type if isinstance(e.co_type, int | str | None) else str(e.co_type),
                },
            }

        return {
            "kind": self.kind,
            "vendor": self.vendor,
            "manufacturer": self.manufacturer,
            "soc": self.soc,
            "identified_by": self.identified_by,
            "layout": self.layout,
            "runtime": self.runtime,
            "dispatch_library": self.dispatch_library,
            "refused": self.refused,
            "bytecode_bytes": self.bytecode_bytes,
            "partitions": [partition(p) for p in self.partitions],
            "blocks": [
                {
                    "offset": b.offset,
                    "size": b.size,
                    "format": b.format,
                    "source": b.source,
                    "partitions": list(b.partitions),
                }
                for b in self.blocks
            ],
            "cpu_ops": [
                {"subgraph": s, "op": i, "opcode": model.subgraphs[s].operators[i].opcode} for s, i in self.cpu_ops
            ],
            "partition_subgraphs": list(self.partition_subgraphs),
        }

    def partition_at(self, subgraph: int, op: int) -> NpuPartition | None:
        for p in self.partitions:
            if (p.subgraph, p.op) == (subgraph, op):
                return p
        return None


def bytecode_format(head: bytes) -> tuple[str, str | None]:
    """(what the first bytes say, the stamp manufacturer they imply or None)."""
    if head[:8] == b"LRTOVHDR" and len(head) >= 16:
        version, backend = struct.unpack_from("<II", head, 8)
        device = _OPENVINO_BACKENDS.get(backend, f"backend {backend}")
        return f"OpenVINO compiled model (LRTOVHDR v{version}, graph backend {device})", "IntelOpenVINO"
    if head[4:8] == b"DGC0":
        return "Google Tensor compiled graph (DGC0)", "GoogleTensor"
    if head[:8] == b"\x00\x00\x00\x02\x00\x00\x00\x03":
        return "QNN context binary", "Qualcomm"
    return "not recognised (" + (head[:8].hex(" ") or "empty") + " …)", None


def _ethos_u(sg: Subgraph, op: Operator) -> EthosU:
    def tensor_bytes(k: int) -> int:
        t = sg.tensor(op.inputs[k]) if k < len(op.inputs) else None
        if t is None:
            return 0
        return t.nbytes or dtypes.tensor_bytes(t.dtype, t.shape) or 0

    stream = sg.tensor(op.inputs[0]) if op.inputs else None
    data = stream.data() if stream is not None and stream.is_constant else None
    raw = data.tobytes() if data is not None else b""
    product = macs = arch = words = None
    if raw[:4] == b"COP1" and len(raw) >= 16:
        tag, config, ident = struct.unpack_from("<3I", raw, 4)
        if tag & 0xFF == 0x01:  # DACommands.Config
            product = _ETHOS_U_PRODUCTS.get(config >> 28, f"Ethos-U (product {config >> 28})")
            macs = 1 << (config & 0xF)
            arch = f"{ident >> 28}.{(ident >> 20) & 0xFF}.{(ident >> 16) & 0xF}"
        for pos in range(16, min(len(raw), 64) - 3, 4):
            (w,) = struct.unpack_from("<I", raw, pos)
            if w & 0xFF == 0x02:  # DACommands.CmdStream: length in words, high byte in bits 8-15
                words = (((w >> 8) & 0xFF) << 16) | (w >> 16)
                break
    return EthosU(
        product,
        macs,
        arch,
        4 * words if words is not None else None,
        len(raw) or tensor_bytes(0),
        tensor_bytes(1),
        tensor_bytes(2),
        tensor_bytes(3),
        op.custom_options,
    )


def _stamp(model: Model) -> Mapping[str, Any] | None:
    value = model.metadata_value("LiteRtStamp")
    return value if isinstance(value, Mapping) else None


def compiled(model: Model) -> CompiledModel | None:
    """What the model was compiled for and how, or None for a model that runs anywhere its ops run."""
    found = model._cache.get("compiled", False)
    if found is False:
        found = model._cache["compiled"] = _compiled(model)
    return found  # type: ignore[no-any-return]


def _compiled(model: Model) -> CompiledModel | None:
    ops = [(sg, op) for sg in model.subgraphs for op in sg.operators]
    dispatch = [(sg, op) for sg, op in ops if op.custom_code == DISPATCH_OP]
    if dispatch:
        return _litert(model, dispatch)
    ethos = [(sg, op) for sg, op in ops if op.custom_code == ETHOS_U]
    if ethos:
        return _vela(model, ethos)
    return None


def _blocks(bytecode: tuple[Bytecode, ...], names: dict[tuple[int, int], list[str]]) -> tuple[BytecodeBlock, ...]:
    return tuple(
        BytecodeBlock(b.offset, b.size, bytecode_format(b.head)[0], b.source, tuple(names.get((b.offset, b.size), ())))
        for b in bytecode
    )


def _litert(model: Model, dispatch: list[tuple[Subgraph, Operator]]) -> CompiledModel:
    stamp = _stamp(model)
    legacy = model.metadata_value("NPU_BYTE_CODE")
    index = {(b.offset, b.size): k for k, b in enumerate(model.bytecode)}
    parts: list[NpuPartition] = []
    names: dict[tuple[int, int], list[str]] = {}
    for sg, op in dispatch:
        opts = op.custom_options if isinstance(op.custom_options, Mapping) else {}
        offset, size = opts.get("bytecode_offset"), opts.get("bytecode_size")
        name = opts.get("name")
        if isinstance(legacy, Mapping) and offset is None:
            offset, size = legacy.get("offset"), legacy.get("size")
        if not (type(offset) is int and type(size) is int and (offset or size)):
            offset = size = None
        if not isinstance(name, str):
            from .custom_ops import decode_options  # the legacy raw ExecInfo

            info = decode_options(op.custom_code, op.custom_options) or {}
            name = str(info.get("entry_point") or "")
        key = (offset, size) if offset is not None and size is not None else None
        if key is not None:
            names.setdefault(key, []).append(name)
        block = index.get(key) if key is not None else None
        parts.append(NpuPartition(sg.index, op.index, name, offset, size, block, op.inputs, op.outputs))
    blocks = _blocks(model.bytecode, names)
    manufacturer = soc = None
    identified_by = "nothing"
    if stamp is not None and stamp.get("soc_manufacturer"):
        manufacturer, soc = str(stamp["soc_manufacturer"]), str(stamp.get("soc_model") or "") or None
        identified_by = "LiteRtStamp"
    else:
        guesses = {bytecode_format(b.head)[1] for b in model.bytecode} - {None}
        if len(guesses) == 1:
            manufacturer, identified_by = guesses.pop(), "bytecode"
    vendor, library = _VENDORS.get(manufacturer or "", (manufacturer, None))
    # Subgraphs that hold a partition's ops: only before compilation (apply_plugin --cmd=partition
    # appends one per DISPATCH_OP); compiling removes them.
    uncompiled = [p for p in parts if p.bytecode_size is None]
    n_bodies = len(uncompiled) if uncompiled and len(uncompiled) == len(parts) else 0
    bodies = tuple(range(len(model.subgraphs) - n_bodies, len(model.subgraphs)))
    cpu = tuple(
        (sg.index, op.index)
        for sg in model.subgraphs
        if sg.index not in bodies
        for op in sg.operators
        if op.custom_code != DISPATCH_OP
    )
    refused = None
    if n_bodies:
        layout = "partitioned, not compiled"
        runtime = (
            "nothing yet: its DISPATCH_OPs carry no bytecode (apply_plugin --cmd=partition output); "
            "compile it (--cmd=apply) for one SoC"
        )
    elif isinstance(legacy, Mapping) or (stamp is not None and not stamp.get("valid", True)):
        layout = "legacy (NPU_BYTE_CODE metadata, ExecInfo options)"
        size = next((m.size for m in model.metadata if m.name == "LiteRtStamp"), 0)
        refused = (
            f"LiteRT 2.x refuses this older layout: its LiteRtStamp is {size} bytes where LiteRT reads 250 "
            "('Build stamp size mismatch') and its DISPATCH_OP options are not the FlexBuffer map the dispatch "
            "delegate reads; compile the source model again with the current plugin"
            if stamp is not None
            else "LiteRT 2.x does not read this older layout (NPU_BYTE_CODE metadata): compile the source model again"
        )
        runtime = "no current LiteRT (it refuses this layout)"
    else:
        layout = "DISPATCH_OP options {bytecode_offset, bytecode_size, name}"
        where = soc or "the SoC it was compiled for (the file does not say which: no LiteRtStamp)"
        lib = f"{vendor}'s dispatch library ({library})" if library else "the vendor's dispatch library"
        runtime = (
            f"LiteRT with {lib}, only on {where}: no CPU kernel, delegate or other SoC runs its "
            f"{len(parts)} partition(s)"
        )
    return CompiledModel(
        "litert-npu",
        vendor,
        manufacturer,
        soc,
        identified_by,
        layout,
        tuple(parts),
        blocks,
        cpu,
        bodies,
        runtime,
        library,
        refused,
    )


def _vela(model: Model, ethos: list[tuple[Subgraph, Operator]]) -> CompiledModel:
    parts = []
    for sg, op in ethos:
        info = _ethos_u(sg, op)
        size = info.payload_bytes or None
        parts.append(NpuPartition(sg.index, op.index, ETHOS_U, None, size, None, op.inputs, op.outputs, info))
    configs = sorted({p.ethos_u.config for p in parts if p.ethos_u is not None and p.ethos_u.config})
    soc = ", ".join(configs) or None
    cpu = tuple((sg.index, op.index) for sg in model.subgraphs for op in sg.operators if op.custom_code != ETHOS_U)
    npu = f"an Arm {soc} NPU" if soc else "the Arm Ethos-U NPU it was compiled for"
    runtime = (
        "TFLite Micro built with the Ethos-U kernel (tensorflow/lite/micro/kernels/ethos_u/ethosu.cc, "
        f"CO_PROCESSOR=ethos_u) and Arm's Ethos-U driver, on {npu}; the stock TFLite Micro, LiteRT and every "
        "delegate have no kernel for it"
    )
    return CompiledModel(
        "ethos-u",
        "Arm",
        None,
        soc,
        "command stream" if soc else "nothing",
        "Vela command stream (ethos-u custom op)",
        tuple(parts),
        (),
        cpu,
        (),
        runtime,
        None,
        None,
    )
