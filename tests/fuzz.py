"""Mutation fuzzing of every command: mutate real models, run the CLI in-process, flag unclean outcomes.

A clean outcome is exit 0 or 1 (the model was read and checked), or exit 2 with exactly one line on
stderr (unreadable input or a request that cannot apply). Everything else is a bug: exit 3 (internal
error), an exception escaping :func:`tfl_inspect.cli.main`, a traceback on stderr, or a case that runs
past its time limit (a hang).

Mutations start from the committed samples (``.tflite`` and converter MLIR): byte flips, truncation,
appended garbage, offset/length fields set to edge values, and edits through LiteRT's flatbuffer object
API (every scalar, vector, string and table list of the model: shapes, types, operand indices, option
fields, buffer offsets, subgraph indices, quantization) with hostile names among the strings; MLIR text
gets token and line edits. Every case is a pure function of (seed, index), so a failure is replayed
with ``--seed S --case I``.

``tests/commands/test_fuzz.py`` runs a few hundred cases; a longer campaign runs from the shell::

    .venv/bin/python -m tests.fuzz --seeds 1,2,3 --cases 3000 --jobs 2 --out /tmp/fuzz
    .venv/bin/python -m tests.fuzz --seed 2 --case 117 -v          # replay one case
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import random
import signal
import struct
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
MLIR_SOURCES = [SAMPLES / "upsampling_dynamic.mlir", *sorted((ROOT / "tests" / "fixtures_mlir").glob("*.mlir"))]

COMMANDS = ("inspect", "lint", "graph", "shapes", "compat", "profile", "report", "diff", "fix")

HOSTILE_NAMES = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    'a" -> "b" [label="x"]; }',
    "line\nbreak\r\nand\ttab",
    "\x1b[31mred\x1b[0m\x07",
    "{{x}} %s %(a)s {0} ${HOME}",
    "../../../etc/passwd",
    "x" * 4000,
    "",
    "\u202eevil\u0000nul",
    "|pipe|`code`|*bold*|",
    "\\\\back\\slash\\",
    "名前/ünïcödé/😀",
    "serving_default",
    "output_0",
)
_BAD_UTF8 = b"\xff\xfe\x80bad\xc3"

_INTS = (0, 1, -1, 2, 3, 4, 7, 8, 16, 127, -128, 255, 256, 65535, 2**31 - 1, -(2**31), 2**32 - 1, 10**6)
_FLOATS = (0.0, -0.0, math.nan, math.inf, -math.inf, 1e-45, 1e38, -1.0, 3.0e9)


# --- mutations ----------------------------------------------------------------------------------


def _flip(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 16)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data))]


def _append(rng: random.Random, data: bytes) -> bytes:
    garbage = rng.choice([rng.randbytes(rng.randint(1, 4096)), data, b"\x00" * rng.randint(1, 64), b"TFL3" * 8])
    return data + garbage


def _splice(rng: random.Random, data: bytes) -> bytes:
    """Insert or delete a run of bytes: every offset after it shifts."""
    at = rng.randrange(len(data))
    if rng.random() < 0.5:
        return data[:at] + rng.randbytes(rng.randint(1, 64)) + data[at:]
    return data[:at] + data[at + rng.randint(1, 64) :]


def _word(rng: random.Random, data: bytes) -> bytes:
    """Set an aligned 32-bit word (an offset, a length, a vtable entry) to an edge value."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(0, len(out) - 4, 4 if rng.random() < 0.8 else 2)
        if rng.random() < 0.3:  # a 16-bit vtable field
            (old,) = struct.unpack_from("<H", out, at)
            new = rng.choice([0, 1, 2, 4, 0xFFFF, old + 2, old - 2, old * 2]) & 0xFFFF
            struct.pack_into("<H", out, at, new)
            continue
        (old,) = struct.unpack_from("<I", out, at)
        choices = [0, 1, 4, len(out) - 4, len(out), len(out) + 4, 0x7FFFFFFF, 0xFFFFFFFF, old + 4, old - 4, old * 2]
        struct.pack_into("<I", out, at, rng.choice(choices) & 0xFFFFFFFF)
    return bytes(out)


def _slots(obj: Any, path: str = "") -> Iterator[tuple[Any, str | int, Any, str]]:
    """Every field of a LiteRT object-API model: (container, key, value, dotted path)."""
    items: Iterator[tuple[str | int, Any]]
    if isinstance(obj, list):
        items = iter(enumerate(obj))
    else:
        items = iter(vars(obj).items())
    for key, value in items:
        where = f"{path}.{key}"
        yield obj, key, value, where
        if isinstance(value, list) or (hasattr(value, "__dict__") and not isinstance(value, type)):
            yield from _slots(value, where)


def _hostile_value(rng: random.Random, value: Any, parent: Any) -> Any:
    import numpy as np

    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return rng.choice([*_INTS, value + 1, value - 1, -value, rng.randint(-10, 300)])
    if isinstance(value, float):
        return rng.choice([*_FLOATS, -value, value * 1e6])
    if isinstance(value, bytes | str):
        return rng.choice([*[h.encode() for h in HOSTILE_NAMES], _BAD_UTF8])
    if isinstance(value, np.ndarray):
        arr = value.copy()
        what = rng.random()
        if arr.size and what < 0.5:
            i = rng.randrange(arr.size)
            edge = [*_INTS, -2, 0, 1] if arr.dtype.kind in "iu" else [*_FLOATS]
            try:
                arr.flat[i] = np.array(rng.choice(edge)).astype(arr.dtype)
            except (OverflowError, ValueError):
                arr.flat[i] = 0
            return arr
        if what < 0.65:
            return arr[: rng.randrange(arr.size + 1)] if arr.size else np.zeros(3, arr.dtype)
        if what < 0.8:
            return np.concatenate([arr, arr[: rng.randint(1, 8)] if arr.size else np.ones(2, arr.dtype)])
        if what < 0.9 and arr.dtype.kind in "iu":
            fill = rng.choice([-1, 0, 1, 7]) if arr.dtype.kind == "i" else rng.choice([0, 1, 7, 255])
            return np.full(rng.choice([1, 5, 9, 100_000]), fill, arr.dtype)
        return arr[::-1].copy()
    if isinstance(value, list):
        lst = list(value)
        what = rng.random()
        if lst and what < 0.35:
            del lst[rng.randrange(len(lst))]
        elif lst and what < 0.7:
            lst.insert(rng.randrange(len(lst) + 1), rng.choice(lst))
        elif what < 0.85:
            lst = []
        else:
            rng.shuffle(lst)
        return lst
    return None


def _structured(rng: random.Random, data: bytes) -> bytes:
    """One to three edits through LiteRT's object API, then packed again."""
    import flatbuffers
    import numpy as np
    from ai_edge_litert import schema_py_generated as schema

    for _ in range(20):
        model = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
        slots = [s for s in _slots(model) if s[2] is not None]
        for _ in range(rng.choice([1, 1, 2, 3])):
            parent, key, value, _where = rng.choice(slots)
            new = _hostile_value(rng, value, parent)
            if new is None:
                continue
            if isinstance(parent, list):
                parent[key] = new  # type: ignore[index]
            else:
                setattr(parent, key, new)
        try:
            with np.errstate(all="ignore"):
                builder = flatbuffers.Builder(1024)
                builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
            return bytes(builder.Output())
        except (struct.error, TypeError, ValueError, AttributeError, OverflowError, IndexError):
            continue  # a value the field's type cannot hold: pick another edit
    return _flip(rng, data)


def _cycle(rng: random.Random, data: bytes) -> bytes:
    """Graph-shape edits the reader must survive: op reading its own output, self-calling subgraphs, names."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    model = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
    sg = rng.choice(model.subgraphs)
    what = rng.randrange(5)
    if what == 0 and sg.operators:  # an op consumes its own (or a later op's) output
        a, b = rng.randrange(len(sg.operators)), rng.randrange(len(sg.operators))
        op, other = sg.operators[a], sg.operators[b]
        if op.inputs is not None and len(op.inputs) and other.outputs is not None and len(other.outputs):
            op.inputs[rng.randrange(len(op.inputs))] = other.outputs[0]
    elif what == 1 and sg.operators:  # two ops write the same tensor
        a, b = rng.randrange(len(sg.operators)), rng.randrange(len(sg.operators))
        outs_a, outs_b = sg.operators[a].outputs, sg.operators[b].outputs
        if outs_a is not None and len(outs_a) and outs_b is not None and len(outs_b):
            outs_a[0] = outs_b[0]
    elif what == 2:  # every tensor gets the same hostile name (duplicates everywhere)
        name = rng.choice(HOSTILE_NAMES).encode()
        for t in sg.tensors:
            t.name = name
        for sig in model.signatureDefs or []:
            for m in [*(sig.inputs or []), *(sig.outputs or [])]:
                m.name = name
    elif what == 3:  # the model output is a constant / an input
        if sg.outputs is not None and len(sg.outputs) and sg.inputs is not None and len(sg.inputs):
            sg.outputs[0] = sg.inputs[0]
    else:  # a control-flow op calling its own subgraph (or one that does not exist)
        code = schema.OperatorCodeT()
        code.builtinCode = code.deprecatedBuiltinCode = rng.choice([119, 118, 129])  # WHILE, IF, CALL_ONCE
        code.version = 1
        model.operatorCodes.append(code)
        op = schema.OperatorT()
        op.opcodeIndex = len(model.operatorCodes) - 1
        op.inputs = list(sg.inputs if sg.inputs is not None else [])
        op.outputs = list(sg.inputs if sg.inputs is not None else [])
        target = rng.choice([0, 0, 1, len(model.subgraphs), -1])
        if code.builtinCode == 119:
            op.builtinOptionsType = schema.BuiltinOptions.WhileOptions
            op.builtinOptions = schema.WhileOptionsT()
            op.builtinOptions.condSubgraphIndex = target
            op.builtinOptions.bodySubgraphIndex = target
        elif code.builtinCode == 118:
            op.builtinOptionsType = schema.BuiltinOptions.IfOptions
            op.builtinOptions = schema.IfOptionsT()
            op.builtinOptions.thenSubgraphIndex = target
            op.builtinOptions.elseSubgraphIndex = 0
        else:
            op.builtinOptionsType = schema.BuiltinOptions.CallOnceOptions
            op.builtinOptions = schema.CallOnceOptionsT()
            op.builtinOptions.initSubgraphIndex = target
        op.inputs, op.outputs = op.inputs[:1], []
        sg.operators.insert(rng.randrange(len(sg.operators) + 1), op)
    builder = flatbuffers.Builder(1024)
    try:
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    except (struct.error, TypeError, ValueError):
        return _flip(rng, data)
    return bytes(builder.Output())


# Builtins whose rules, shape functions and target checks read options and operand shapes.
_BUSY_BUILTINS = (
    1, 2, 3, 4, 5, 6, 9, 16, 17, 22, 23, 25, 26, 27, 32, 34, 36, 39, 40, 43, 44, 45, 48, 49, 53, 56, 65, 67, 69,
    70, 74, 77, 82, 83, 85, 88, 94, 96, 97, 100, 102, 107, 114, 118, 119, 126, 128, 129, 130, 146, 206, 209,
)  # fmt: skip

_DONORS: list[Path] = []  # models whose operators _transplant copies (the samples, plus --extra)


def _new_code(schema: Any, model: Any, like: Any | None, builtin: int | None = None) -> int:
    code = schema.OperatorCodeT()
    if like is not None:
        code.builtinCode, code.deprecatedBuiltinCode = like.builtinCode, like.deprecatedBuiltinCode
        code.customCode, code.version = like.customCode, like.version
    if builtin is not None:
        code.builtinCode = builtin
        code.deprecatedBuiltinCode = min(builtin, 127)
        code.version = 1
        code.customCode = b"Fuzz" if builtin == 32 else None
    model.operatorCodes.append(code)
    return len(model.operatorCodes) - 1


def _retype(rng: random.Random, data: bytes) -> bytes:
    """An operator becomes another builtin, keeping its operands (and, half the time, its options)."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    model = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
    ops = [op for sg in model.subgraphs for op in sg.operators or []]
    if not ops:
        return _flip(rng, data)
    for _ in range(rng.choice([1, 1, 2])):
        op = rng.choice(ops)
        builtin = rng.choice(_BUSY_BUILTINS) if rng.random() < 0.8 else rng.randrange(210)
        op.opcodeIndex = _new_code(schema, model, None, builtin)
        if rng.random() < 0.5:
            op.builtinOptionsType, op.builtinOptions = 0, None
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _transplant(rng: random.Random, data: bytes) -> bytes:
    """An operator of another model (its opcode and options) wired to this model's tensors."""
    import copy

    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    model = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
    donor = schema.ModelT.InitFromPackedBuf(
        bytearray(rng.choice(_DONORS or [SAMPLES / "multi_io.tflite"]).read_bytes()), 0
    )
    donor_ops = [(op, donor.operatorCodes[op.opcodeIndex]) for sg in donor.subgraphs for op in sg.operators or []]
    sg = rng.choice(model.subgraphs)
    if not donor_ops or not sg.tensors:
        return _flip(rng, data)
    for _ in range(rng.choice([1, 1, 2])):
        op, code = rng.choice(donor_ops)
        new = copy.deepcopy(op)
        new.opcodeIndex = _new_code(schema, model, code)
        n = len(sg.tensors)
        new.inputs = [t if t < 0 else rng.randrange(n) for t in (op.inputs if op.inputs is not None else [])]
        new.outputs = [rng.randrange(n) for _ in (op.outputs if op.outputs is not None else [])]
        new.intermediates = None
        if sg.operators and rng.random() < 0.5:  # replace an op (its outputs keep their readers)
            at = rng.randrange(len(sg.operators))
            if sg.operators[at].outputs is not None and len(new.outputs) == len(sg.operators[at].outputs):
                new.outputs = list(sg.operators[at].outputs)
            sg.operators[at] = new
        else:
            sg.operators.insert(rng.randrange(len(sg.operators) + 1), new)
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _reshape(rng: random.Random, data: bytes) -> bytes:
    """Operand shapes that no longer fit their op: other ranks, zero and one dims, swapped dims."""
    import flatbuffers
    import numpy as np
    from ai_edge_litert import schema_py_generated as schema

    model = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
    sg = rng.choice(model.subgraphs)
    if not sg.tensors:
        return _flip(rng, data)
    for _ in range(rng.choice([1, 1, 2, 3])):
        t = rng.choice(sg.tensors)
        old = list(t.shape) if t.shape is not None else []
        what = rng.randrange(6)
        if what == 0:
            new = old[:-1] if old else [1]
        elif what == 1:
            new = [*old, rng.choice([1, 2, 3])]
        elif what == 2 and old:
            new = list(old)
            new[rng.randrange(len(new))] = rng.choice([0, 1, 2, 3, 5, 1000])
        elif what == 3:
            new = list(reversed(old))
        elif what == 4:
            new = [rng.choice([1, 2, 3, 4, 8]) for _ in range(rng.choice([0, 1, 2, 3, 4, 5, 6]))]
        else:
            new = old
        t.shape = np.array(new, np.int32)
        if rng.random() < 0.7:
            t.shapeSignature = np.array([-1 if d == 1 and rng.random() < 0.3 else d for d in new], np.int32)
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


_TOKEN_EDITS = (
    ("f32", "i8"),
    ("xf32", "x?xf32"),
    ("tensor<", "tensor<?x"),
    ("?x", "0x"),
    ("?x", "99999999999x"),
    ("x3x", "x-3x"),
    (": i32", ": i64"),
    ("%arg0", "%arg9"),
    ("%0", "%99"),
    ('"NONE"', '"BOGUS"'),
    ('"SAME"', '"VALID"'),
    ("tfl.", "tfl.bogus_"),
    ("func.func", "func.func private"),
    ("return", "return %999 :"),
    ("dense<", "dense<["),
    (">", ""),
    ("(", "(("),
    ("}", ""),
    ("{", "{{"),
    ("->", ","),
)


def _mlir(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    for _ in range(rng.choice([1, 1, 2, 4])):
        lines = text.split("\n")
        what = rng.randrange(9)
        if what == 0 and len(lines) > 1:
            del lines[rng.randrange(len(lines))]
        elif what == 1:
            i = rng.randrange(len(lines))
            lines.insert(i, lines[i])
        elif what == 2:
            old, new = rng.choice(_TOKEN_EDITS)
            hits = [i for i, line in enumerate(lines) if old in line]
            if hits:
                i = rng.choice(hits)
                lines[i] = lines[i].replace(old, new, 1 if rng.random() < 0.7 else -1)
        elif what == 3:  # a hostile name where a name goes
            name = rng.choice(HOSTILE_NAMES).replace("\\", "\\\\").replace('"', '\\"')
            for key in ('index_path = ["', 'loc("', 'inputs = "', 'outputs = "', "@"):
                hits = [i for i, line in enumerate(lines) if key in line]
                if hits and rng.random() < 0.6:
                    i = rng.choice(hits)
                    lines[i] = lines[i].replace(key, key + name, 1)
                    break
        elif what == 4:  # a number becomes an edge value
            i = rng.randrange(len(lines))
            digits = [j for j, c in enumerate(lines[i]) if c.isdigit()]
            if digits:
                j = rng.choice(digits)
                lines[i] = lines[i][:j] + rng.choice(["0", "-1", "4294967297", "1e999", "nan", "?"]) + lines[i][j + 1 :]
        elif what == 5:  # truncate
            text = text[: rng.randrange(len(text) + 1)]
            continue
        elif what == 6:  # deep nesting
            i = rng.randrange(len(lines))
            depth = rng.choice([50, 500, 5000])
            lines[i] = lines[i] + " " + rng.choice(["(", "[", "{", "tensor<"]) * depth
        elif what == 7:  # random characters
            i = rng.randrange(len(lines))
            j = rng.randrange(len(lines[i]) + 1)
            noise = "".join(chr(rng.randrange(1, 0x3000)) for _ in range(rng.randint(1, 8)))
            lines[i] = lines[i][:j] + noise + lines[i][j:]
        else:  # swap two lines (uses before definitions)
            if len(lines) > 2:
                a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
                lines[a], lines[b] = lines[b], lines[a]
        text = "\n".join(lines)
    return text.encode("utf-8", "surrogatepass")


FLATBUFFER_MUTATIONS: dict[str, Callable[[random.Random, bytes], bytes]] = {
    "flip": _flip,
    "truncate": _truncate,
    "append": _append,
    "splice": _splice,
    "word": _word,
    "structured": _structured,
    "structured2": _structured,  # the richest mutation: drawn twice as often
    "graph": _cycle,
    "retype": _retype,
    "transplant": _transplant,
    "reshape": _reshape,
}


# --- cases --------------------------------------------------------------------------------------


@dataclass
class Case:
    seed: int
    index: int
    command: str
    source: Path
    mutation: str
    data: bytes
    suffix: str
    args: list[str] = field(default_factory=list)  # with {M} for the mutated file, {A} the original, {OUT}


def _args(rng: random.Random, command: str, verify: float) -> list[str]:
    """Arguments for one command: the defaults and the options that reach the most code."""
    choices: dict[str, list[list[str]]] = {
        "inspect": [
            [],
            ["--format", "json"],
            ["--show", "all"],
            ["--show", "all", "--format", "markdown"],
            ["--show", "all", "--subgraph", "1"],
            ["{DIR}", "--format", "jsonl", "--jobs", "1"],  # a folder holding the model: one row
        ],
        "lint": [
            [],
            ["--format", "sarif"],
            ["--format", "json"],
            ["--runtime", "2.10", "--target", "xnnpack,tflm"],
            ["--select", "QNT,SHP,DYN", "--fail-on", "info", "--brief"],
            ["{DIR}", "--format", "markdown", "--jobs", "1"],
        ],
        "graph": [
            ["-o", "{OUT}.dot"],
            ["-o", "{OUT}.dot", "--lint", "--tensor-names"],
            ["-o", "{OUT}.dot", "--show-constants", "--show-dequantize", "--max-nodes", "3"],
            ["-o", "{OUT}.dot", "--color", "macs", "--target", "gpu"],
            ["-o", "{OUT}.dot", "--diff", "{A}"],
            ["-o", "{OUT}.dot", "--focus", "1", "--depth", "2"],
            ["-o", "{OUT}.svg", "--lint"],  # laid out by Graphviz (exit 2 naming it where it is missing)
            ["-o", "{OUT}.dot", "--input", "0=1x8x8x3", "--subgraph", "0"],
            ["-o", "{OUT}.dot", "--signature", "serving_default", "--focus", "0"],
        ],
        "shapes": [
            [],
            ["--format", "json", "--all"],
            ["-i", "0=1x8x8x3"],
            ["-i", "0=2x4"],
            ["-i", "0=1x100000x100000x3"],
            ["-i", "0=0x0"],
            ["-i", "0=1", "-i", "1=1x1"],
            ["--signature", "serving_default", "--format", "json"],
        ],
        "compat": [
            [],
            ["--ops"],
            ["--format", "json"],
            ["--format", "markdown", "--arena-size", "1000"],
            ["--signature", "serving_default", "--require", "tflm,xnnpack", "--nnapi-level", "27"],
            ["{DIR}", "--format", "jsonl", "--jobs", "1"],
        ],
        "profile": [
            [],
            ["--format", "json"],
            ["--planner", "litert", "--by", "scope"],
            ["--plot", "{OUT}.svg", "--overlay", "{OUT}.json"],
            ["--format", "csv", "--by", "type"],
            ["--signature", "serving_default", "--pointer-bytes", "4", "--top", "1"],
        ],
        "report": [["-o", "{OUT}.html", "--no-graph"], ["-o", "{OUT}.html", "--no-graph"], ["-o", "{OUT}.html"]],
        "diff": [
            ["{A}"],
            ["{A}", "--format", "json"],
            ["{A}", "--format", "csv"],
            ["{A}", "--swap"],
            ["{A}", "--signature", "serving_default", "--fail-on", "contract,structure"],
        ],
        "fix": [
            ["-o", "{OUT}.tflite", "--strip-unused", "--dedup"],
            ["-o", "{OUT}.tflite", "--static-batch", "1", "--fold-shapes", "--rename-io"],
            ["-o", "{OUT}.tflite", "--io-type", "int8", "--format", "json"],
            ["-o", "{OUT}.tflite", "--static-batch", "1", "--strip-unused"],
            ["-o", "{OUT}.tflite", "--static-batch", "7", "--fold-shapes", "--dedup"],
        ],
    }
    args = list(rng.choice(choices[command]))
    if command == "fix" and rng.random() >= verify:
        args.append("--no-verify")
    if command == "diff" and rng.random() < verify / 4:
        args += ["--run", "--no-local"]  # both models in LiteRT (a child process)
    return args


def make_case(
    seed: int, index: int, commands: tuple[str, ...] = COMMANDS, verify: float = 0.0, extra: tuple[Path, ...] = ()
) -> Case:
    """Case ``index`` of ``seed``: the commands take turns; ``fix`` runs LiteRT's check with probability
    ``verify`` (else ``--no-verify``), ``diff`` runs both models with a quarter of that; ``extra``
    models join the samples as sources."""
    rng = random.Random(f"tfl-inspect fuzz {seed} {index}")
    _DONORS[:] = [*sorted(SAMPLES.glob("*.tflite")), *extra]
    command = commands[index % len(commands)]
    flatbuffers_only = command == "fix"  # fix reads only .tflite files
    if not flatbuffers_only and rng.random() < 0.15:
        source = rng.choice(MLIR_SOURCES)
        mutation = "mlir"
        data = _mlir(rng, source.read_bytes())
        suffix = ".mlir"
    else:
        source = rng.choice([*sorted(SAMPLES.glob("*.tflite")), *extra])
        mutation = rng.choice(sorted(FLATBUFFER_MUTATIONS))
        try:
            data = FLATBUFFER_MUTATIONS[mutation](rng, source.read_bytes())
        except Exception as exc:  # a model the mutation cannot edit (the object API refuses it)
            mutation = f"flip (after {mutation} raised {type(exc).__name__})"
            data = _flip(rng, source.read_bytes())
        suffix = ".tflite"
    return Case(seed, index, command, source, mutation, data, suffix, _args(rng, command, verify))


# --- running ------------------------------------------------------------------------------------


class Hang(BaseException):
    """Raised by the per-case alarm; a BaseException so the CLI's own ``except Exception`` cannot swallow it."""


@dataclass
class Outcome:
    case: Case
    argv: list[str]
    code: int | None
    stdout: str
    stderr: str
    seconds: float
    problem: str | None  # None: a clean outcome


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang()


def run_case(case: Case, workdir: Path, timeout: float = 30.0) -> Outcome:
    """Run one case in this process through ``tfl_inspect.cli.main``, guarded by an alarm."""
    from tfl_inspect.cli import main

    model = workdir / f"m{case.index}{case.suffix}"
    model.write_bytes(case.data)
    out = workdir / f"out{case.index}"
    subst = {"{M}": str(model), "{A}": str(case.source), "{OUT}": str(out)}
    rest = []
    swap = False
    for a in case.args:
        if a == "--swap":
            swap = True
            continue
        for k, v in subst.items():
            a = a.replace(k, v)
        rest.append(a)
    if case.args[:1] == ["{DIR}"]:
        argv = [case.command, str(workdir), *rest[1:]]
    elif case.command == "diff":
        first, others = rest[0], rest[1:]
        pair = [first, str(model)] if not swap else [str(model), first]
        argv = [case.command, *pair, *others]
    else:
        argv = [case.command, str(model), *rest]
    stdout, stderr = io.StringIO(), io.StringIO()
    code: int | None = None
    problem: str | None = None
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse
                code = exc.code if isinstance(exc.code, int) else 2
    except Hang:
        problem = f"hang: still running after {timeout:.0f} s"
    except BaseException as exc:  # anything escaping main is the finding
        problem = f"escaped main: {type(exc).__name__}: {exc}"
        stderr.write(traceback.format_exc())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    seconds = time.perf_counter() - start
    err = stderr.getvalue()
    if problem is None:
        problem = judge(code, err, argv, stdout.getvalue())
    for p in workdir.iterdir():
        if p.is_file():
            p.unlink()
    return Outcome(case, argv, code, stdout.getvalue(), err, seconds, problem)


def judge(code: int | None, err: str, argv: list[str], out: str) -> str | None:
    """What is wrong with an outcome, or None when it is clean.

    The batch formats (jsonl, markdown: one row per model, made for folders) put a model's error
    in its row instead of on stderr; there the row must carry it.
    """
    if "Traceback (most recent call last)" in err:
        return "traceback on stderr"
    if code == 3:
        return "exit 3: " + err.strip()[-300:]
    if code not in (0, 1, 2):
        return f"exit {code}"
    if code == 2 and _format(argv) in ("jsonl", "markdown") and not err.strip():
        return None if '"error"' in out or "| 2 |" in out else "exit 2 with no error on stderr or in the rows"
    if code == 2:
        lines = err.strip().splitlines()
        if len(lines) != 1:
            return f"exit 2 with {len(lines)} lines on stderr: {err.strip()[:300]!r}"
    return None


def _format(argv: list[str]) -> str | None:
    return argv[argv.index("--format") + 1] if "--format" in argv[:-1] else None


# --- campaign -----------------------------------------------------------------------------------


_Job = tuple[int, int, tuple[str, ...], float, float, str | None, tuple[Path, ...]]


_Result = tuple[str, int, int, str | None, float, int | None]  # command, seed, index, problem, seconds, exit


def _worker(job: _Job) -> _Result:
    seed, index, commands, verify, timeout, keep, extra = job
    case = make_case(seed, index, commands, verify, extra)
    with tempfile.TemporaryDirectory(prefix="tfl-fuzz-") as tmp:
        outcome = run_case(case, Path(tmp), timeout)
    if outcome.problem and keep:
        folder = Path(keep)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"s{seed}-c{index}-{case.command}{case.suffix}").write_bytes(case.data)
    return case.command, seed, index, outcome.problem, outcome.seconds, outcome.code


def _limit_memory(gib: float) -> None:
    import resource

    limit = int(gib * (1 << 30))
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def campaign(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="1", help="comma-separated seeds")
    parser.add_argument("--seed", type=int, help="replay: with --case")
    parser.add_argument("--case", type=int, help="replay this case index of --seed")
    parser.add_argument("--cases", type=int, default=900, help="cases per seed (spread over the commands)")
    parser.add_argument("--commands", default=",".join(COMMANDS))
    parser.add_argument("--verify", type=float, default=0.0, help="fix: share of cases verified with LiteRT (0..1)")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--memory-gib", type=float, default=4.0, help="address-space limit per worker")
    parser.add_argument("--out", help="keep failing inputs here")
    parser.add_argument("--extra", action="append", default=[], help="also mutate the models in this folder")
    parser.add_argument("--extra-max-bytes", type=int, default=300_000)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    commands = tuple(args.commands.split(","))
    extra = tuple(
        sorted(
            p
            for folder in args.extra
            for p in Path(folder).rglob("*")
            if p.suffix in (".tflite", ".bin")
            and p.is_file()
            and p.stat().st_size <= args.extra_max_bytes
            and p.read_bytes()[4:8] == b"TFL3"
        )
    )
    if args.case is not None:
        case = make_case(args.seed or 0, args.case, commands, args.verify, extra)
        with tempfile.TemporaryDirectory(prefix="tfl-fuzz-") as tmp:
            outcome = run_case(case, Path(tmp), args.timeout)
            if args.out:
                Path(args.out).write_bytes(case.data)
        print(f"{case.command} {case.mutation} of {case.source.name}: argv {outcome.argv}")
        print(f"exit {outcome.code} in {outcome.seconds:.2f} s; problem: {outcome.problem}")
        print("stderr:", outcome.stderr[-3000:])
        if args.verbose:
            print("stdout:", outcome.stdout[-3000:])
        return 1 if outcome.problem else 0
    jobs = [
        (int(s), i, commands, args.verify, args.timeout, args.out, extra)
        for s in args.seeds.split(",")
        for i in range(args.cases)
    ]
    counts: dict[str, list[int]] = {c: [0, 0] for c in commands}
    codes: dict[str, dict[int | None, int]] = {c: {} for c in commands}
    failures: list[str] = []
    slowest = (0.0, "")
    start = time.time()
    if args.jobs > 1:
        import multiprocessing

        pool = multiprocessing.get_context("fork").Pool(
            args.jobs, initializer=_limit_memory, initargs=(args.memory_gib,), maxtasksperchild=200
        )
        results: Iterator[_Result] = pool.imap_unordered(_worker, jobs, chunksize=4)
    else:
        _limit_memory(args.memory_gib)
        pool = None
        results = map(_worker, jobs)
    for done, (command, seed, index, problem, seconds, code) in enumerate(results, 1):
        counts[command][0] += 1
        codes[command][code] = codes[command].get(code, 0) + 1
        if seconds > slowest[0]:
            slowest = (seconds, f"seed {seed} case {index} ({command})")
        if problem:
            counts[command][1] += 1
            failures.append(f"seed {seed} case {index} {command}: {problem}")
            print(failures[-1], flush=True)
        if args.verbose and done % 200 == 0:
            print(f"... {done}/{len(jobs)} in {time.time() - start:.0f} s", flush=True)
    if pool is not None:
        pool.close()
        pool.join()
    took = time.time() - start
    print(f"\n{len(jobs)} cases ({len(extra)} extra source models) in {took:.0f} s")
    print(f"slowest case: {slowest[0]:.1f} s ({slowest[1]})")
    for command, (n, bad) in counts.items():
        by_code = ", ".join(f"exit {k}: {v}" for k, v in sorted(codes[command].items(), key=lambda kv: str(kv[0])))
        print(f"  {command:8s} {n:6d} cases  {bad:4d} failures  ({by_code})")
    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(campaign())
