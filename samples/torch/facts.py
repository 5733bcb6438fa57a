"""Dump what a converter leaves in a .tflite file: the evidence producer detection can use (issue 21).

    python samples/torch/facts.py samples/torch/*.tflite samples/*.tflite > samples/torch/facts.json   # committed

Reads each file with the LiteRT schema's generated Python (`ai_edge_litert.schema_py_generated`, which knows
BlockwiseQuantization and STABLEHLO_COMPOSITE) and prints JSON: description, metadata entries (with their text when
printable), signature keys and I/O names, subgraph names, opcode counts, composite names, tensor-name shapes (a
sample and pattern counts), dtype and quantization-detail counts, and printable strings in the file that look like
producer or version marks.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from ai_edge_litert import schema_py_generated as fb
from flatbuffers import flexbuffers

BUILTIN = {v: k for k, v in vars(fb.BuiltinOperator).items() if not k.startswith("_")}
TENSOR_TYPE = {v: k for k, v in vars(fb.TensorType).items() if not k.startswith("_")}
MARKS = re.compile(rb"(?i)(litert|torch|onnx|keras|tensorflow|tflite|converter|odml|stablehlo|pytorch|mlir)")


def text(b: bytes | None) -> str:
    return b.decode("utf-8", "replace") if isinstance(b, bytes) else str(b)


def printable(data: bytes) -> str | None:
    if len(data) <= 200 and all(32 <= c < 127 for c in data.rstrip(b"\0")):
        return data.rstrip(b"\0").decode()
    return None


def name_patterns(names: list[str]) -> dict[str, int]:
    return {
        "total": len(names),
        "with ';' (fused locations)": sum(";" in n for n in names),
        "with 'torch.nn.modules.'": sum("torch.nn.modules." in n for n in names),
        "with 'torchvision.models.'": sum("torchvision.models." in n for n in names),
        "with '/'": sum("/" in n for n in names),
        "starting 'serving_default_'": sum(n.startswith("serving_default_") for n in names),
        "with 'StatefulPartitionedCall'": sum("StatefulPartitionedCall" in n for n in names),
        "with 'tf.'": sum("tf." in n for n in names),
        "with 'onnx'": sum("onnx" in n.lower() for n in names),
        "empty": sum(not n for n in names),
    }


def facts(path: Path) -> dict[str, Any]:
    buf = path.read_bytes()
    m = fb.ModelT.InitFromPackedBuf(buf, 0)
    out: dict[str, Any] = {
        "file": str(path),
        "bytes": len(buf),
        "identifier": buf[4:8].decode("latin-1"),
        "version": m.version,
        "description": text(m.description),
    }
    metas = []
    for md in m.metadata or []:
        data = bytes(m.buffers[md.buffer].data) if m.buffers[md.buffer].data is not None else b""
        if not data and m.buffers[md.buffer].offset:
            b = m.buffers[md.buffer]
            data = buf[b.offset : b.offset + b.size]
        metas.append(
            {
                "name": text(md.name),
                "bytes": len(data),
                "text": printable(data),
                "head_hex": data[:24].hex() if printable(data) is None else None,
            }
        )
    out["metadata"] = metas
    out["signatures"] = [
        {
            "key": text(s.signatureKey),
            "subgraph": s.subgraphIndex,
            "inputs": [text(t.name) for t in s.inputs or []],
            "outputs": [text(t.name) for t in s.outputs or []],
        }
        for s in m.signatureDefs or []
    ]
    ops: Counter[str] = Counter()
    composites = []
    names: list[str] = []
    dtypes: Counter[str] = Counter()
    qdetails: Counter[str] = Counter()
    block_sizes: Counter[int] = Counter()
    for sg in m.subgraphs or []:
        names += [text(t.name) for t in sg.tensors or []]
        for t in sg.tensors or []:
            dtypes[TENSOR_TYPE.get(t.type, str(t.type))] += 1
            q = t.quantization
            if q is not None and q.detailsType:
                kind = {1: "CustomQuantization", 2: "BlockwiseQuantization"}.get(q.detailsType, str(q.detailsType))
                qdetails[kind] += 1
                if kind == "BlockwiseQuantization":
                    block_sizes[q.details.blockSize] += 1
            elif q is not None and q.scale is not None and len(q.scale):
                qdetails["scale/zero_point" + (" per-axis" if len(q.scale) > 1 else " per-tensor")] += 1
        for op in sg.operators or []:
            oc = m.operatorCodes[op.opcodeIndex]
            code = max(oc.builtinCode, oc.deprecatedBuiltinCode)
            name = BUILTIN.get(code, str(code))
            if name == "CUSTOM":
                name = f"CUSTOM:{text(oc.customCode)}"
            ops[name] += 1
            if name == "STABLEHLO_COMPOSITE" and op.builtinOptions2 is not None:
                o = op.builtinOptions2
                attrs = None
                if o.compositeAttributes is not None and len(o.compositeAttributes):
                    with_ = flexbuffers.Loads(bytes(o.compositeAttributes))
                    attrs = {k: (v if isinstance(v, (int, float, str, bool)) else repr(v)) for k, v in with_.items()}
                composites.append(
                    {
                        "name": text(o.name),
                        "version": o.version,
                        "decomposition_subgraph": o.decompositionSubgraphIndex,
                        "attributes": attrs,
                    }
                )
    out["subgraphs"] = [
        {"name": text(sg.name), "ops": len(sg.operators or []), "tensors": len(sg.tensors or [])}
        for sg in m.subgraphs or []
    ]
    out["opcodes"] = dict(ops.most_common())
    out["composites"] = dict(Counter(c["name"] for c in composites))
    out["composite_examples"] = {c["name"]: c for c in reversed(composites)}
    out["tensor_dtypes"] = dict(dtypes.most_common())
    out["quantization_details"] = dict(qdetails)
    out["blockwise_block_sizes"] = {str(k): v for k, v in block_sizes.items()}
    out["tensor_name_patterns"] = name_patterns(names)
    longest = max(names, key=len) if names else ""
    out["tensor_name_examples"] = {"first": names[:3], "longest": longest[:400], "longest_len": len(longest)}
    strings = Counter(s.decode("latin-1") for s in re.findall(rb"[\x20-\x7e]{6,}", buf) if MARKS.search(s))
    out["marked_strings"] = [s[:160] for s, _ in strings.most_common(12)]
    return out


def main(argv: list[str]) -> int:
    json.dump([facts(Path(p)) for p in argv], sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
