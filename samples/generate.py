"""Regenerate the sample models in samples/ (run from the repo root).

    python samples/generate.py            # write all samples, one summary line each
    python samples/generate.py --table    # also print the README markdown table

Each sample reproduces a situation tfl-inspect users hit: dynamic-shape lowering
chains, a failing conversion, quantization variants, signature vs. subgraph
order, float islands in int8 models, Flex ops.  Models are tiny and seeded, so
reruns give the same ops and shapes (bytes may differ).  After writing a sample
the script reloads it with LiteRT and checks that it shows what README.md
claims; the exit status is 1 if any check fails.

Conversion paths:
  keras   tf.lite.TFLiteConverter.from_keras_model(model)   (all but one)
  export  keras.export.ExportArchive endpoint returning a dict + from_saved_model
          (multi_io only: the only way to get named signature outputs)
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter, OpResolverType

OUT = Path(__file__).resolve().parent
SEED = 0
MAX_BYTES = 200_000
MAX_MLIR_BYTES = 500_000
DEFAULT = [tf.lite.Optimize.DEFAULT]
INT8_ONLY = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]

Details = list[dict[str, Any]]
Claims = list[tuple[str, bool]]


# --------------------------------------------------------------------------
# Inspection (summary line + self-checks)
# --------------------------------------------------------------------------


def load(path: Path) -> Interpreter:
    """LiteRT without default delegates, so op lists carry no DELEGATE nodes."""
    return Interpreter(
        model_path=str(path),
        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    )


@dataclass
class Info:
    """What LiteRT reports about one converted model."""

    ops: Details
    inputs: Details
    outputs: Details
    signatures: dict[str, Any]
    tensors: dict[int, dict[str, Any]] = field(repr=False)

    @classmethod
    def of(cls, path: Path) -> Info:
        interp = load(path)
        with contextlib.suppress(RuntimeError):  # Flex ops fail to prepare without Flex
            interp.allocate_tensors()
        return cls(
            ops=interp._get_ops_details(),
            inputs=interp.get_input_details(),
            outputs=interp.get_output_details(),
            signatures=interp._get_full_signature_list(),
            tensors={t["index"]: t for t in interp.get_tensor_details()},
        )

    @property
    def names(self) -> list[str]:
        return [op["op_name"] for op in self.ops]

    def dtype(self, index: int) -> str:
        return np.dtype(self.tensors[index]["dtype"]).name

    def io_dtypes(self) -> tuple[str, str]:
        return self.dtype(self.inputs[0]["index"]), self.dtype(self.outputs[0]["index"])

    def shape_sig(self, details: Details, k: int = 0) -> list[int]:
        return details[k]["shape_signature"].tolist()

    def weight_dtypes(self) -> set[str]:
        """Stored dtype of FULLY_CONNECTED weights, seen through a DEQUANTIZE (fp16)."""
        producer = {o: op for op in self.ops for o in op["outputs"]}
        found = set()
        for op in self.ops:
            if op["op_name"] == "FULLY_CONNECTED":
                weight = op["inputs"][1]
                src = producer.get(weight)
                if src is not None and src["op_name"] == "DEQUANTIZE":
                    weight = src["inputs"][0]
                found.add(self.dtype(weight))
        return found

    def per_channel(self) -> bool:
        return any(len(t["quantization_parameters"]["scales"]) > 1 for t in self.tensors.values())


def fmt_io(details: Details) -> str:
    """`name:dtype[shape_signature]` list for summaries and the README table."""
    return ", ".join(f"{d['name']} {np.dtype(d['dtype']).name}{d['shape_signature'].tolist()}" for d in details)


def run_with(path: Path, shape: tuple[int, ...]) -> str:
    """Resize input 0, allocate, invoke on zeros: "ok" or the error text."""
    interp = load(path)
    idx = interp.get_input_details()[0]["index"]
    try:
        interp.resize_tensor_input(idx, list(shape))
        interp.allocate_tensors()
        interp.set_tensor(idx, np.zeros(shape, np.float32))
        interp.invoke()
    except RuntimeError as exc:
        return " ".join(str(exc).split())
    return "ok"


# --------------------------------------------------------------------------
# Conversion helpers
# --------------------------------------------------------------------------


def representative(shape: tuple[int, ...], n: int = 32) -> Callable[[], Iterator[Any]]:
    """Seeded calibration data; a fresh RNG per call keeps calibration reproducible."""

    def gen() -> Iterator[list[np.ndarray]]:
        rng = np.random.default_rng(SEED)
        for _ in range(n):
            yield [rng.standard_normal((1, *shape)).astype(np.float32)]

    return gen


def quiet(fn: Callable[[], Any]) -> Any:
    """Hide ExportArchive's "Saved artifact" listing and calibration warnings."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore", UserWarning)
        return fn()


def convert_keras(model: keras.Model, **settings: Any) -> bytes:
    """from_keras_model; `supported_ops`/`supported_types` go to target_spec."""
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    for key in ("supported_ops", "supported_types"):
        if key in settings:
            setattr(conv.target_spec, key, settings.pop(key))
    for key, value in settings.items():
        setattr(conv, key, value)
    return quiet(conv.convert)


def write(name: str, data: bytes) -> Path:
    if len(data) > MAX_BYTES:
        raise SystemExit(f"{name} is {len(data)} bytes; samples must stay tiny")
    path = OUT / name
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------
# Models (every builder reseeds, so weights do not depend on build order;
# every input is named, so tensor names do not depend on keras_tensor_N)
# --------------------------------------------------------------------------

Shape = tuple[int | None, ...]


def upsample_conv(shape: Shape, batch_size: int | None = None) -> keras.Model:
    """UpSampling2D(2) -> Conv2D(8): the decoder block users convert."""
    keras.utils.set_random_seed(SEED)
    inp = keras.Input(shape, batch_size=batch_size, name="image")
    x = keras.layers.UpSampling2D(2, name="upsample")(inp)
    out = keras.layers.Conv2D(8, 3, padding="same", name="conv")(x)
    return keras.Model(inp, out, name="upsample_conv")


def rebuild_static(model: keras.Model, shape: Shape) -> keras.Model:
    """Re-apply a saved model's layers to a static Input (the usual workaround)."""
    x = inp = keras.Input(shape, name=model.inputs[0].name)
    for layer in model.layers[1:]:
        x = layer(x)
    return keras.Model(inp, x, name=f"{model.name}_static")


def resize_conv(interpolation: str) -> keras.Model:
    """Same block with Resizing instead of UpSampling2D."""
    keras.utils.set_random_seed(SEED)
    inp = keras.Input((32, 32, 3), name="image")
    x = keras.layers.Resizing(64, 64, interpolation=interpolation, name="resize")(inp)
    out = keras.layers.Conv2D(8, 3, padding="same", name="conv")(x)
    return keras.Model(inp, out, name=f"resize_{interpolation}_conv")


def conv_transpose(shape: Shape, batch_size: int | None = None) -> keras.Model:
    keras.utils.set_random_seed(SEED)
    inp = keras.Input(shape, batch_size=batch_size, name="image")
    deconv = keras.layers.Conv2DTranspose(8, 3, strides=2, padding="same", name="deconv")
    return keras.Model(inp, deconv(inp), name="conv_transpose")


def classifier() -> keras.Model:
    """Flatten bakes the 32x32 input size into the Dense weights."""
    keras.utils.set_random_seed(SEED)
    inp = keras.Input((32, 32, 3), name="image")
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv")(inp)
    x = keras.layers.MaxPooling2D(4, name="pool")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    out = keras.layers.Dense(10, activation="softmax", name="logits")(x)
    return keras.Model(inp, out, name="classifier")


DENSE_IN = 32


def mlp() -> keras.Model:
    """Shared by all dense_* variants.

    Both weight matrices have >= 1024 elements: dynamic-range quantization
    leaves smaller tensors in float32, which would make that variant a no-op.
    """
    keras.utils.set_random_seed(SEED)
    inp = keras.Input((DENSE_IN,), name="features")
    x = keras.layers.Dense(64, activation="relu", name="hidden")(inp)
    x = keras.layers.Dense(16, name="logits")(x)
    out = keras.layers.Softmax(name="probs")(x)
    return keras.Model(inp, out, name="mlp")


def multi_io() -> keras.Model:
    """Declared order (zeta, alpha) / (score, aux) is the reverse of sorted order."""
    keras.utils.set_random_seed(SEED)
    zeta = keras.Input((4,), name="zeta")
    alpha = keras.Input((4,), name="alpha")
    x = keras.layers.Concatenate(name="concat")([zeta, alpha])
    x = keras.layers.Dense(8, activation="relu", name="hidden")(x)
    score = keras.layers.Dense(1, name="score")(x)
    aux = keras.layers.Dense(3, name="aux")(x)
    return keras.Model([zeta, alpha], [score, aux], name="multi_io")


def float_island() -> keras.Model:
    """SIN has no int8 kernel, so the quantizer leaves it in float."""
    keras.utils.set_random_seed(SEED)
    inp = keras.Input((16,), name="features")
    x = keras.layers.Dense(16, name="pre")(inp)
    x = keras.layers.Lambda(keras.ops.sin, name="sin")(x)
    out = keras.layers.Dense(4, name="post")(x)
    return keras.Model(inp, out, name="float_island")


class Determinant(keras.layers.Layer):
    """tf.linalg.det has no TFLite builtin, so it needs FlexMatrixDeterminant."""

    def call(self, x: tf.Tensor) -> tf.Tensor:
        return tf.linalg.det(x)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape[:-2]


def flex_det() -> keras.Model:
    keras.utils.set_random_seed(SEED)
    # batch_size=1: a dynamic batch adds a SHAPE/GATHER/RESHAPE chain around Dense.
    inp = keras.Input((4, 4), batch_size=1, name="matrix")
    x = keras.layers.Dense(4, name="mix")(inp)
    out = Determinant(name="det")(x)
    return keras.Model(inp, out, name="flex_det")


# --------------------------------------------------------------------------
# Samples
# --------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    file: str
    info: Info | None
    claims: Claims
    note: str = ""

    @property
    def ok(self) -> bool:
        return all(passed for _, passed in self.claims)


def sample_upsampling_dynamic() -> Result:
    """Fully dynamic H/W: the Conv2D stays tf.Conv2D and export fails."""
    model = upsample_conv((None, None, 3))
    model.save(OUT / "upsampling_dynamic.keras")
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    error = ""
    with tempfile.TemporaryDirectory() as tmp:
        conv.ir_dump_dir = tmp
        try:
            quiet(conv.convert)
        except Exception as exc:  # ConverterError; the error text is the sample
            error = str(exc)
        if error:
            (OUT / "upsampling_dynamic.error.txt").write_text(error + "\n")
            mlir_note = save_last_tfl_dump(Path(tmp), OUT / "upsampling_dynamic.mlir")
    if not error:
        return Result("upsampling_dynamic", "", None, [("conversion fails", False)])

    reloaded = keras.models.load_model(OUT / "upsampling_dynamic.keras")
    static = convert_keras(rebuild_static(reloaded, (32, 32, 3)))
    claims = [
        ("conversion fails", True),
        ("tf.Conv2D not legalized", "'tf.Conv2D' op is neither a custom op" in error),
        ("error embeds the MLIR module", '"func.func"' in error and '"tfl.' in error),
        (".keras rebuilt with static input converts", len(static) > 0),
    ]
    note = f"error {len(error)} chars; {mlir_note}"
    return Result("upsampling_dynamic", "upsampling_dynamic.error.txt", None, claims, note)


def save_last_tfl_dump(dump_dir: Path, dest: Path) -> str:
    """Keep the last pass dump in the TFL dialect: the module the exporter rejected."""
    dumps = sorted(
        (p for p in dump_dir.rglob("*_after.mlir") if re.match(r"[0-9a-f]{8}\.", p.name)),
        key=lambda p: (p.parent.name, p.name),
    )
    tfl = [p for p in dumps if '"tfl.' in p.read_text(errors="replace")]
    if not tfl:
        return f"no TFL-dialect dump among {len(dumps)} pass dumps"
    last, size = tfl[-1], tfl[-1].stat().st_size
    if size > MAX_MLIR_BYTES:
        return f"last TFL dump {last.name} is {size} bytes, not saved"
    dest.write_text(last.read_text())
    return f"mlir = {last.name} ({size} B, last of {len(dumps)} pass dumps)"


def sample_upsampling_static(batch_size: int | None) -> Result:
    name = "upsampling_static" if batch_size is None else "upsampling_static_batch1"
    data = convert_keras(upsample_conv((32, 32, 3), batch_size))
    info = Info.of(write(f"{name}.tflite", data))
    ops = set(info.names)
    if batch_size is None:
        claims = [
            ("input [-1,32,32,3]", info.shape_sig(info.inputs) == [-1, 32, 32, 3]),
            ("EXPAND_DIMS/TILE/RESHAPE", {"EXPAND_DIMS", "TILE", "RESHAPE"} <= ops),
            ("SHAPE/STRIDED_SLICE/CONCATENATION", {"SHAPE", "STRIDED_SLICE", "CONCATENATION"} <= ops),
            ("no RESIZE_*", not any(op.startswith("RESIZE") for op in ops)),
        ]
    else:
        claims = [
            ("input [1,32,32,3]", info.shape_sig(info.inputs) == [1, 32, 32, 3]),
            ("output [1,64,64,8]", info.shape_sig(info.outputs) == [1, 64, 64, 8]),
            ("no SHAPE", "SHAPE" not in ops),
        ]
    return Result(name, f"{name}.tflite", info, claims)


def sample_resizing(interpolation: str) -> Result:
    name = f"resizing_{interpolation}"
    info = Info.of(write(f"{name}.tflite", convert_keras(resize_conv(interpolation))))
    op = {"nearest": "RESIZE_NEAREST_NEIGHBOR", "bilinear": "RESIZE_BILINEAR"}[interpolation]
    claims = [
        (f"{op} -> CONV_2D", info.names == [op, "CONV_2D"]),
        ("output [-1,64,64,8]", info.shape_sig(info.outputs) == [-1, 64, 64, 8]),
    ]
    return Result(name, f"{name}.tflite", info, claims)


def sample_conv_transpose(static: bool) -> Result:
    if static:
        name, model = "conv2d_transpose_static", conv_transpose((16, 16, 3), batch_size=1)
    else:
        name, model = "conv2d_transpose_dynamic", conv_transpose((None, None, 3))
    info = Info.of(write(f"{name}.tflite", convert_keras(model)))
    if static:
        claims = [
            ("TRANSPOSE_CONV only", info.names == ["TRANSPOSE_CONV"]),
            (
                "output_shape is a constant",
                info.ops[0]["inputs"][0] not in {o for op in info.ops for o in op["outputs"]},
            ),
            ("output [1,32,32,8]", info.shape_sig(info.outputs) == [1, 32, 32, 8]),
        ]
    else:
        claims = [
            ("SHAPE/STRIDED_SLICE/MUL/PACK", {"SHAPE", "STRIDED_SLICE", "MUL", "PACK"} <= set(info.names)),
            (
                "PACK feeds TRANSPOSE_CONV",
                info.names[-2:] == ["PACK", "TRANSPOSE_CONV"]
                and info.ops[-1]["inputs"][0] == info.ops[-2]["outputs"][0],
            ),
            ("input [-1,-1,-1,3]", info.shape_sig(info.inputs) == [-1, -1, -1, 3]),
        ]
    return Result(name, f"{name}.tflite", info, claims)


def sample_classifier() -> Result:
    name = "classifier_flatten"
    path = write(f"{name}.tflite", convert_keras(classifier()))
    info = Info.of(path)
    batch8 = run_with(path, (8, 32, 32, 3))
    big = run_with(path, (1, 64, 64, 3))
    claims = [
        ("input [-1,32,32,3]", info.shape_sig(info.inputs) == [-1, 32, 32, 3]),
        ("batch 8 runs", batch8 == "ok"),
        ("64x64 input fails at invoke", big != "ok"),
    ]
    return Result(name, f"{name}.tflite", info, claims, f"64x64: {big}")


CALIBRATED = {"optimizations": DEFAULT, "calibrate": True}
DENSE_VARIANTS: dict[str, dict[str, Any]] = {
    "dense_float32": {},
    "dense_float16": {"optimizations": DEFAULT, "supported_types": [tf.float16]},
    "dense_dynamic_range": {"optimizations": DEFAULT},
    "dense_int8_float_io": CALIBRATED,
    "dense_int8": {
        **CALIBRATED,
        "supported_ops": INT8_ONLY,
        "inference_input_type": tf.int8,
        "inference_output_type": tf.int8,
    },
    "dense_uint8_io": {
        **CALIBRATED,
        "supported_ops": INT8_ONLY,
        "inference_input_type": tf.uint8,
        "inference_output_type": tf.uint8,
    },
    "dense_int8_in_uint8_out": {
        **CALIBRATED,
        "supported_ops": INT8_ONLY,
        "inference_input_type": tf.int8,
        "inference_output_type": tf.uint8,
    },
}


def sample_dense(name: str) -> Result:
    settings = dict(DENSE_VARIANTS[name])
    calibrated = settings.pop("calibrate", False)
    if calibrated:
        settings["representative_dataset"] = representative((DENSE_IN,))
    info = Info.of(write(f"{name}.tflite", convert_keras(mlp(), **settings)))
    ops, weights = info.names, info.weight_dtypes()
    qdq = {"QUANTIZE", "DEQUANTIZE"} & set(ops)
    io_want = {
        "dense_int8": ("int8", "int8"),
        "dense_uint8_io": ("uint8", "uint8"),
        "dense_int8_in_uint8_out": ("int8", "uint8"),
    }.get(name, ("float32", "float32"))
    specific: dict[str, Claims] = {
        "dense_float32": [("float32 weights", weights == {"float32"})],
        "dense_float16": [
            (
                "float16 weights + DEQUANTIZE",
                weights == {"float16"} and ops[:2] == ["DEQUANTIZE", "DEQUANTIZE"],
            )
        ],
        "dense_dynamic_range": [("int8 weights, no (DE)QUANTIZE", weights == {"int8"} and not qdq)],
        "dense_int8_float_io": [("QUANTIZE first, DEQUANTIZE last", ops[0] == "QUANTIZE" and ops[-1] == "DEQUANTIZE")],
        "dense_int8": [("no (DE)QUANTIZE", not qdq)],
        "dense_uint8_io": [("QUANTIZE at both ends", ops[0] == ops[-1] == "QUANTIZE")],
        "dense_int8_in_uint8_out": [("QUANTIZE only at the end", ops[-1] == "QUANTIZE" and "QUANTIZE" not in ops[:-1])],
    }
    claims = [(f"I/O {io_want[0]}/{io_want[1]}", info.io_dtypes() == io_want), *specific[name]]
    if calibrated:
        claims += [("int8 weights", weights == {"int8"}), ("per-channel scales", info.per_channel())]
    return Result(name, f"{name}.tflite", info, claims, f"weights {sorted(weights)}")


def sample_multi_io() -> Result:
    """Own serving endpoint returning a dict, so signature outputs keep their names."""
    model = multi_io()
    archive = keras.export.ExportArchive()
    archive.track(model)

    def serve(zeta: tf.Tensor, alpha: tf.Tensor) -> dict[str, tf.Tensor]:
        score, aux = model([zeta, alpha], training=False)
        return {"score": score, "aux": aux}

    spec = [tf.TensorSpec((None, 4), tf.float32, name=n) for n in ("zeta", "alpha")]
    archive.add_endpoint("serving_default", serve, input_signature=spec)
    with tempfile.TemporaryDirectory() as tmp:
        archive.write_out(tmp, verbose=False)
        data = quiet(tf.lite.TFLiteConverter.from_saved_model(tmp).convert)
    return multi_io_result(write("multi_io.tflite", data), ["aux", "score"])


def sample_multi_io_keras() -> Result:
    """Same model through from_keras_model: outputs become output_0/output_1."""
    path = write("multi_io_keras.tflite", convert_keras(multi_io()))
    return multi_io_result(path, ["output_0", "output_1"])


def multi_io_result(path: Path, sig_outputs: list[str]) -> Result:
    info = Info.of(path)
    sig = info.signatures["serving_default"]
    sub_in = [d["index"] for d in info.inputs]
    sub_out = [d["index"] for d in info.outputs]
    sig_in = [sig["inputs"][k] for k in sorted(sig["inputs"])]
    sig_out = [sig["outputs"][k] for k in sorted(sig["outputs"])]
    claims = [
        (
            "subgraph inputs zeta, alpha",
            [d["name"] for d in info.inputs] == ["serving_default_zeta:0", "serving_default_alpha:0"],
        ),
        (f"signature outputs {sig_outputs}", sorted(sig["outputs"]) == sig_outputs),
        ("input order != signature order", sub_in != sig_in),
        ("output order != signature order", sub_out != sig_out),
    ]
    note = f"signature {sig}; subgraph inputs {sub_in} outputs {sub_out}"
    return Result(path.stem, path.name, info, claims, note)


def sample_float_island() -> Result:
    name = "float_island_int8"
    data = convert_keras(
        float_island(),
        optimizations=DEFAULT,
        representative_dataset=representative((16,)),
    )
    info = Info.of(write(f"{name}.tflite", data))
    ops = info.names
    k = ops.index("SIN") if "SIN" in ops else 0
    sin_io = {info.dtype(t) for t in (*info.ops[k]["inputs"], *info.ops[k]["outputs"])}
    claims = [
        (
            "DEQUANTIZE -> SIN -> QUANTIZE",
            0 < k < len(ops) - 1 and ops[k - 1 : k + 2] == ["DEQUANTIZE", "SIN", "QUANTIZE"],
        ),
        ("SIN in/out float32", sin_io == {"float32"}),
        ("FULLY_CONNECTED weights int8", info.weight_dtypes() == {"int8"}),
    ]
    return Result(name, f"{name}.tflite", info, claims)


def sample_flex() -> Result:
    name = "flex_select_tf"
    ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
    path = write(f"{name}.tflite", convert_keras(flex_det(), supported_ops=ops))
    info = Info.of(path)
    result = run_with(path, (1, 4, 4))
    claims = [
        (
            "FULLY_CONNECTED -> FlexMatrixDeterminant",
            info.names == ["FULLY_CONNECTED", "FlexMatrixDeterminant"],
        ),
        ("plain LiteRT cannot run it", "Select TensorFlow op" in result),
    ]
    return Result(name, f"{name}.tflite", info, claims, f"LiteRT invoke: {result[:70]}...")


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------


def run_all() -> list[Result]:
    steps: list[Callable[[], Result]] = [
        sample_upsampling_dynamic,
        lambda: sample_upsampling_static(None),
        lambda: sample_upsampling_static(1),
        lambda: sample_resizing("nearest"),
        lambda: sample_resizing("bilinear"),
        lambda: sample_conv_transpose(static=False),
        lambda: sample_conv_transpose(static=True),
        sample_classifier,
        *[(lambda n=n: sample_dense(n)) for n in DENSE_VARIANTS],
        sample_multi_io,
        sample_multi_io_keras,
        sample_float_island,
        sample_flex,
    ]
    return [step() for step in steps]


def summary(r: Result) -> str:
    line = f"{'OK  ' if r.ok else 'FAIL'} {r.name:<25}"
    if r.info is not None:
        size = (OUT / r.file).stat().st_size
        line += f" {size:>6} B  {' > '.join(r.info.names)}  in: {fmt_io(r.info.inputs)}  out: {fmt_io(r.info.outputs)}"
    if r.note:
        line += f"  | {r.note}"
    failed = [claim for claim, passed in r.claims if not passed]
    if failed:
        line += f"  | FAILED: {'; '.join(failed)}"
    return line


def table(results: list[Result]) -> str:
    rows = ["| sample | ops (execution order) | inputs | outputs |", "|---|---|---|---|"]
    for r in results:
        if r.info is None:
            rows.append(f"| `{r.name}` | conversion fails (see `{r.file}`) | | |")
        else:
            rows.append(
                f"| `{r.file}` | {' → '.join(r.info.names)} | {fmt_io(r.info.inputs)} | {fmt_io(r.info.outputs)} |"
            )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate samples/*.tflite.")
    parser.add_argument("--table", action="store_true", help="print the README table")
    args = parser.parse_args(argv)
    results = run_all()
    print()
    for r in results:
        print(summary(r))
    if args.table:
        print("\n" + table(results))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
