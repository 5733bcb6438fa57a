"""Generate the benchmark models with the real TensorFlow Lite converter.

Benchmarks must run against files produced by the converter (not hand-built
flatbuffers) so that names, op mixes and the >2 GB buffer layout match what
users actually feed to tfl-inspect.

Usage::

    python benchmarks/make_models.py [--only 10k|2gb|45k] [--out benchmarks/models]

Models:

* ``ops10k.tflite`` -- ~10,000 small, varied operators in subgraph 0, with a
  ``stage_N/block_M`` name-scope hierarchy.
* ``big2gb.tflite`` -- >2 GiB of float32 weights; the converter stores the
  buffers after the flatbuffer (``Buffer.offset``/``Buffer.size``).
"""

from __future__ import annotations

import argparse
import gc
import mmap
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_OUT = Path(__file__).resolve().parent / "models"

# ops10k: the op count per block varies with the converter's fusions, so the
# block count is calibrated on a small probe conversion (see make_ops10k).
TARGET_OPS = 10_000
MIN_OPS, MAX_OPS = 9_500, 11_000
WIDTH = 64
BLOCKS_PER_STAGE = 100

# big2gb: 9 x (8192 x 8192) float32 = 2.25 GiB of weights, just over the
# 2 GiB flatbuffer limit so the converter must use external buffers.
BIG_DIM = 8192
BIG_LAYERS = 9
TWO_GIB = 2**31


def _tf() -> Any:
    """Import TensorFlow lazily so ``--help`` stays fast."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    return tf


# --------------------------------------------------------------------------
# flatbuffer inspection helpers (tflite package; works on mmap for >2 GB files)
# --------------------------------------------------------------------------


def _read_model(path: Path) -> tuple[Any, Any, Any]:
    """Return (tflite.Model, mmap, file); mmap avoids reading 2 GB into RAM."""
    import tflite

    f = path.open("rb")
    mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    return tflite.Model.GetRootAs(mm, 0), mm, f


def op_histogram(path: Path) -> tuple[int, Counter[str]]:
    """Count operators in subgraph 0 and tally them by builtin name."""
    import tflite

    names = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
    model, mm, f = _read_model(path)
    try:
        sg = model.Subgraphs(0)
        codes = [model.OperatorCodes(i) for i in range(model.OperatorCodesLength())]
        kinds = [max(c.BuiltinCode(), c.DeprecatedBuiltinCode()) for c in codes]
        hist: Counter[str] = Counter()
        for i in range(sg.OperatorsLength()):
            hist[names.get(kinds[sg.Operators(i).OpcodeIndex()], "?")] += 1
        return sg.OperatorsLength(), hist
    finally:
        del model
        mm.close()
        f.close()


def buffer_layout(path: Path) -> dict[str, Any]:
    """Summarise how buffers are stored: inline data vs. offset/size."""
    model, mm, f = _read_model(path)
    try:
        n = model.BuffersLength()
        offset_bufs = 0
        offset_bytes = 0
        inline_bytes = 0
        for i in range(n):
            b = model.Buffers(i)
            if b.Offset() > 1:
                offset_bufs += 1
                offset_bytes += b.Size()
            else:
                inline_bytes += b.DataLength()
        meta = {}
        for i in range(model.MetadataLength()):
            m = model.Metadata(i)
            meta[m.Name().decode()] = m.Buffer()
        location = None
        if "buffer_location" in meta:
            b = model.Buffers(meta["buffer_location"])
            location = bytes(b.DataAsNumpy()).rstrip(b"\0").decode(errors="replace")
        return {
            "buffers": n,
            "offset_buffers": offset_bufs,
            "offset_bytes": offset_bytes,
            "inline_bytes": inline_bytes,
            "metadata": sorted(meta),
            "buffer_location": location,
        }
    finally:
        del model
        mm.close()
        f.close()


def interpreter_check(path: Path, invoke: bool) -> str:
    """Load with ai_edge_litert's Interpreter (the runtime users deploy with)."""
    from ai_edge_litert.interpreter import Interpreter

    t0 = time.perf_counter()
    interp = Interpreter(model_path=str(path))
    n_ops = len(interp._get_ops_details())  # private, but the only op listing
    msg = f"Interpreter loaded ({n_ops} ops, {time.perf_counter() - t0:.1f}s)"
    if invoke:
        interp.allocate_tensors()
        inp = interp.get_input_details()[0]
        interp.set_tensor(inp["index"], np.ones(inp["shape"], dtype=inp["dtype"]))
        interp.invoke()
        out = interp.get_tensor(interp.get_output_details()[0]["index"])
        finite = bool(np.isfinite(out).all())
        msg += f", invoke ok (output {tuple(out.shape)}, finite={finite})"
    del interp
    gc.collect()
    return msg


# --------------------------------------------------------------------------
# ops10k
# --------------------------------------------------------------------------


def _build_chain(tf: Any, n_blocks: int, seed: int = 0) -> Callable[..., Any]:
    """Return a tf.function chaining ``n_blocks`` small, varied blocks.

    Every block consumes the previous activation, so nothing can be
    constant-folded away, and every constant is distinct random data so the
    converter cannot deduplicate them.  Four block flavours rotate to give a
    realistic op mix (FULLY_CONNECTED, MUL, ADD, SUB, TANH, LOGISTIC, RESHAPE,
    MEAN, SPLIT, MAXIMUM, CONCATENATION, ...).
    """
    rng = np.random.default_rng(seed)

    def const(*shape: int, scale: float = 0.1) -> Any:
        return tf.constant(rng.standard_normal(shape).astype(np.float32) * scale)

    params = []
    for i in range(n_blocks):
        kind = i % 4
        if kind == 0:
            params.append((const(WIDTH, WIDTH), const(WIDTH), const(WIDTH)))
        elif kind == 1:
            params.append((const(8, WIDTH),))
        elif kind == 2:
            params.append((const(WIDTH // 2), const(WIDTH // 2), const(WIDTH)))
        else:
            params.append((const(WIDTH, WIDTH), const(WIDTH)))

    def block(x: Any, kind: int, p: tuple[Any, ...]) -> Any:
        if kind == 0:  # dense + relu, scaled residual
            w, b, c = p
            h = tf.nn.relu(tf.matmul(x, w) + b, name="relu")
            return tf.tanh(h * c + x, name="out")
        if kind == 1:  # reshape / pool / project
            (w,) = p
            r = tf.reshape(x, (1, 8, 8), name="to_grid")
            m = tf.reduce_mean(r, axis=2, name="pool")
            return tf.sigmoid(x - tf.matmul(m, w, name="proj"), name="out")
        if kind == 2:  # split / two heads / concat
            c1, c2, b = p
            a, z = tf.split(x, 2, axis=1, name="split")
            y = tf.concat([a * c1, tf.maximum(z, c2)], axis=1, name="merge")
            return tf.add(y, b, name="out")
        w, c = p  # gated dense
        h = tf.nn.relu6(tf.matmul(x, w), name="act")
        return tf.add(h, x * c, name="out")

    @tf.function(input_signature=[tf.TensorSpec((1, WIDTH), tf.float32, name="input")])
    def chain(x: Any) -> Any:
        # Enter each stage scope once; re-entering would yield stage_0_1, ...
        for s in range(0, len(params), BLOCKS_PER_STAGE):
            with tf.name_scope(f"stage_{s // BLOCKS_PER_STAGE}"):
                for i in range(s, min(s + BLOCKS_PER_STAGE, len(params))):
                    with tf.name_scope(f"block_{i}"):
                        x = block(x, i % 4, params[i])
        return tf.identity(x, name="logits")

    return chain


def _convert_chain(tf: Any, n_blocks: int) -> bytes:
    chain = _build_chain(tf, n_blocks)
    cf = chain.get_concrete_function()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([cf], chain)
    return converter.convert()


def make_ops10k(out: Path, target: int = TARGET_OPS, stem: str = "ops10k") -> Path:
    """Build ops10k.tflite (or ``stem`` with ``target`` ops), calibrating the block count."""
    tf = _tf()
    path = out / f"{stem}.tflite"
    probe_blocks = 200
    t0 = time.perf_counter()
    probe = out / "_probe.tflite"
    probe.write_bytes(_convert_chain(tf, probe_blocks))
    probe_ops, _ = op_histogram(probe)
    probe.unlink()
    per_block = (probe_ops - 1) / probe_blocks  # minus a roughly constant tail
    n_blocks = round(target / per_block)
    print(
        f"[{stem}] probe: {probe_blocks} blocks -> {probe_ops} ops "
        f"({per_block:.2f}/block, {time.perf_counter() - t0:.1f}s); "
        f"using {n_blocks} blocks",
        flush=True,
    )

    t1 = time.perf_counter()
    path.write_bytes(_convert_chain(tf, n_blocks))
    n_ops, hist = op_histogram(path)
    print(f"[{stem}] converted in {time.perf_counter() - t1:.1f}s", flush=True)
    print(f"[{stem}] {path}: {path.stat().st_size / 1e6:.2f} MB, {n_ops} ops in subgraph 0")
    print(f"[{stem}] op mix: " + ", ".join(f"{k}={v}" for k, v in hist.most_common()))
    print(f"[{stem}] {interpreter_check(path, invoke=True)}", flush=True)
    lo, hi = MIN_OPS * target // TARGET_OPS, MAX_OPS * target // TARGET_OPS
    if not lo <= n_ops <= hi:
        raise SystemExit(f"{stem} has {n_ops} ops, outside [{lo}, {hi}]")
    return path


# --------------------------------------------------------------------------
# big2gb
# --------------------------------------------------------------------------


def make_big2gb(out: Path, check_invoke: bool = False) -> Path:
    """Build big2gb.tflite (>2 GiB) via a SavedModel.

    A concrete function with 2 GB of embedded constants cannot be serialised
    (GraphDef protos are capped at 2 GB), so the weights live in tf.Variables,
    are saved as a SavedModel checkpoint and converted with from_saved_model,
    whose MLIR importer never builds a single >2 GB proto.  The converter then
    notices the flatbuffer would exceed 2 GB and writes buffers after it.
    """
    tf = _tf()
    path = out / "big2gb.tflite"
    rng = np.random.default_rng(1234)
    t0 = time.perf_counter()

    class Big(tf.Module):
        def __init__(self) -> None:
            super().__init__(name="big")
            self.w = []
            self.b = []
            for i in range(BIG_LAYERS):
                with tf.name_scope(f"dense_{i}"):
                    # Stored as (out, in) and used with transpose_b so the
                    # converter can hand it to FULLY_CONNECTED without a copy.
                    w = rng.standard_normal((BIG_DIM, BIG_DIM), dtype=np.float32)
                    w *= np.float32(1.0 / np.sqrt(BIG_DIM))
                    self.w.append(tf.Variable(w, name=f"kernel_{i}"))
                    del w
                    self.b.append(
                        tf.Variable(
                            rng.standard_normal(BIG_DIM, dtype=np.float32) * 0.01,
                            name=f"bias_{i}",
                        )
                    )

        @tf.function(input_signature=[tf.TensorSpec((1, BIG_DIM), tf.float32, name="input")])
        def __call__(self, x: Any) -> Any:
            for i, (w, b) in enumerate(zip(self.w, self.b, strict=True)):
                with tf.name_scope(f"dense_{i}"):
                    x = tf.tanh(tf.matmul(x, w, transpose_b=True) + b)
            return {"output": x}

    with tempfile.TemporaryDirectory(prefix="big2gb_sm_", dir=out) as sm_dir:
        module = Big()
        print(f"[big2gb] weights generated in {time.perf_counter() - t0:.1f}s", flush=True)
        tf.saved_model.save(module, sm_dir, signatures={"serving_default": module.__call__})
        del module
        gc.collect()
        print(
            f"[big2gb] SavedModel written at {time.perf_counter() - t0:.1f}s",
            flush=True,
        )
        converter = tf.lite.TFLiteConverter.from_saved_model(sm_dir)
        data = converter.convert()
        print(f"[big2gb] converted at {time.perf_counter() - t0:.1f}s", flush=True)
        path.write_bytes(data)
        del data, converter
        gc.collect()

    size = path.stat().st_size
    layout = buffer_layout(path)
    n_ops, hist = op_histogram(path)
    print(f"[big2gb] {path}: {size:,} bytes ({size / 2**30:.3f} GiB), {n_ops} ops")
    print("[big2gb] op mix: " + ", ".join(f"{k}={v}" for k, v in hist.most_common()))
    print(
        f"[big2gb] buffers={layout['buffers']} "
        f"offset_buffers={layout['offset_buffers']} "
        f"offset_bytes={layout['offset_bytes']:,} "
        f"inline_bytes={layout['inline_bytes']:,} "
        f"metadata={layout['metadata']} buffer_location={layout['buffer_location']!r}",
        flush=True,
    )
    print(f"[big2gb] {interpreter_check(path, invoke=check_invoke)}", flush=True)
    problems = []
    if size <= TWO_GIB:
        problems.append(f"size {size} is not > 2 GiB")
    if layout["offset_buffers"] == 0:
        problems.append("no buffer uses offset/size")
    if problems:
        raise SystemExit("big2gb: " + "; ".join(problems))
    print(f"[big2gb] total {time.perf_counter() - t0:.1f}s", flush=True)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--only",
        choices=["10k", "2gb", "45k"],
        help="build just one model (45k: ops45k.tflite, only on request, for linear-growth checks)",
    )
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    ap.add_argument(
        "--invoke-big",
        action="store_true",
        help="also allocate and invoke big2gb in the Interpreter (needs more RAM)",
    )
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    if args.only in (None, "10k"):
        make_ops10k(args.out)
    if args.only in (None, "2gb"):
        make_big2gb(args.out, check_invoke=args.invoke_big)
    if args.only == "45k":
        make_ops10k(args.out, target=45_000, stem="ops45k")
    print(f"done in {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
