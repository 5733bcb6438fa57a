"""The fixes a failure suggests, each saying whether it applies here."""

from __future__ import annotations

import re
from typing import Any

from ..model import Model
from .layers import KerasContext
from .records import Fix, Origin, UnknownDim
from .trace import NO_KERNEL, RNN_CLASSES, TENSOR_LIST, UPSAMPLING_CLASSES, Tracer, input_names, type_text, unknown_dims

__all__ = ["fixes_for", "SELECT_COST"]

SHAPES_INSTEAD = " — but here it only failed because shapes were lost, so fix the shapes instead"

SELECT_COST = (
    "the app must ship the Select TF ops (Flex) delegate — several MB per ABI on Android/iOS — and those ops "
    "run as TensorFlow kernels on the CPU: GPU/NNAPI/Core ML delegates skip them and TFLite Micro cannot run "
    "them at all"
)


def fixes_for(
    raw: Any,
    kind: str,
    message: str,
    unknown: list[UnknownDim],
    origins: list[Origin],
    model: Model | None,
    keras: KerasContext | None,
    layer_class: str | None,
    layer: str | None,
) -> list[Fix]:
    """Fixes in the order to try them: shapes first, then a resize, then Select TF ops, then a custom op."""
    fixes: list[Fix] = []
    mattering = [u for u in unknown if u.matters]
    tensor_list = bool(TENSOR_LIST.search(message))
    is_tf_op = raw.op_name.startswith("tf.")
    rnn = tensor_list or layer_class in RNN_CLASSES
    shape_related = bool(mattering) or tensor_list

    # 1. A static input shape.
    static = _static_input_fix(mattering, origins, model, keras, rnn)
    if static is not None:
        fixes.append(static)
    elif shape_related:
        if rnn:
            why = (
                "Keras recurrent layers keep a TensorList of per-step states shaped (batch, units); the converter "
                "needs that element shape static, so the batch must be fixed (the time axis may stay None)"
            )
            code = "keras.Input(shape=(None, FEATURES), batch_size=1)"
        else:
            why = "the failing op needs dims the converter cannot know; a fixed input shape lets it fold them"
            code = "keras.Input(shape=(...), batch_size=1)"
        fixes.append(
            Fix(
                "static_input",
                "Give the model input a static shape" + (" (at least a fixed batch size)" if rnn else ""),
                True,
                True,
                why,
                code,
                cost="the model then accepts only that input size",
                params={"inputs": []},
            )
        )

    # 2. UpSampling lowering → a resize op.
    ups = [o for o in origins if o.pattern and o.pattern.startswith("UpSampling")]
    if ups or layer_class in UPSAMPLING_CLASSES:
        who = ups[0].layer if ups and ups[0].layer else None
        target = f"'{who}'" if who else "the UpSampling2D layer"
        fixes.append(
            Fix(
                "resize_instead_of_upsampling",
                f"Replace {target} with a resize op",
                True,
                True,
                "UpSampling2D lowers to EXPAND_DIMS → TILE → RESHAPE with a run-time target shape, which loses "
                "the channel count when the input is dynamic; a resize is a single RESIZE_NEAREST_NEIGHBOR "
                "that keeps it",
                "keras.layers.Resizing(2 * H, 2 * W, interpolation='nearest')   # static H, W\n"
                "# or, for a dynamic input size:\n"
                "keras.layers.Lambda(lambda t: tf.image.resize(t, tf.shape(t)[1:3] * 2, method='nearest'))",
                params={"layer": who, "interpolation": "nearest"},
            )
        )

    # 3. Select TF ops.
    if is_tf_op:  # any TensorFlow op with a kernel can run as a Flex op
        code = (
            "converter.target_spec.supported_ops = [\n    tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]"
        )
        if tensor_list:
            code += "\nconverter._experimental_lower_tensor_list_ops = False"
        op_short = raw.op_name.split(".", 1)[-1]
        fixes.append(
            Fix(
                "select_tf_ops",
                f"Enable Select TF ops (runs {op_short} with TensorFlow's kernel)",
                True,
                not (fixes and fixes[0].applies),
                f"{raw.op_name} stays a TensorFlow op; Select TF ops ship it as a Flex op"
                + (SHAPES_INSTEAD if shape_related and not tensor_list else ""),
                code,
                cost=SELECT_COST,
                params={"ops": [op_short]},
            )
        )
    # 4. A custom op, for ops TFLite has no kernel for at all.
    if is_tf_op and not shape_related and bool(NO_KERNEL.search(message) or raw.error_code):
        fixes.append(
            Fix(
                "custom_op",
                f"Implement {raw.op_name.split('.', 1)[-1]} as a custom op",
                True,
                False,
                "TFLite has no builtin kernel for this op; a custom op keeps the binary small but you write, "
                "register and ship the kernel yourself",
                "converter.allow_custom_ops = True   # then register the kernel with the interpreter",
                cost="a C++ kernel to write and maintain for every platform you ship",
                params={"op": raw.op_name.split(".", 1)[-1]},
            )
        )
    return fixes


def _static_input_fix(
    mattering: list[UnknownDim],
    origins: list[Origin],
    model: Model | None,
    keras: KerasContext | None,
    rnn: bool,
) -> Fix | None:
    """Which inputs to make static: those a mattering dim depends on (directly or through a
    run-time shape computed from them)."""
    wanted: dict[str, dict[str, Any]] = {}
    for u in mattering:
        if u.origin is None:
            continue
        origin = origins[u.origin]
        if origin.kind in ("input", "keras_input"):
            entry = wanted.setdefault(origin.input_name or origin.value, {"value": origin.value, "dims": set()})
            entry["dims"].update(origin.dims if origin.kind == "input" else (u.dim,))
            entry.setdefault("type", origin.type)
        elif origin.kind == "runtime_reshape" and model is not None:
            for name, value, typ, dims in _inputs_behind_origin(model, origin):
                entry = wanted.setdefault(name, {"value": value, "dims": set(), "type": typ})
                entry["dims"].update(dims)
    if not wanted:
        return None
    params_inputs = []
    codes = []
    for name, entry in wanted.items():
        shape = _input_shape(name, entry, model, keras)
        if shape is None:
            continue
        dims_to_fix = sorted(entry["dims"])
        batch_unknown = bool(shape) and shape[0] is None
        per_example: list[int | str | None] = []
        placeholders = iter(("H", "W", "D") if len(shape) == 4 else ("T", "N", "D"))
        for i, d in enumerate(shape[1:], start=1):
            if d is not None:
                per_example.append(d)
            elif i in dims_to_fix or not rnn:
                per_example.append(next(placeholders, f"D{i}"))
            else:
                per_example.append(None)
        batch = 1 if batch_unknown else shape[0]
        shape_code = ", ".join("None" if x is None else str(x) for x in per_example)
        if len(per_example) == 1:
            shape_code += ","
        codes.append(f"keras.Input(shape=({shape_code}), batch_size={batch}, name={name!r})")
        params_inputs.append(
            {
                "name": name,
                "current": [None if d is None else d for d in shape],
                "shape": [x if isinstance(x, int) or x is None else None for x in per_example],
                "fill": [x for x in per_example if isinstance(x, str)],
                "batch_size": batch,
                "dims": dims_to_fix,
            }
        )
    if not params_inputs:
        return None

    def fills(entry: dict[str, Any]) -> list[str]:
        return [str(p) for p in entry["fill"]]

    placeholders_used = sorted({p for i in params_inputs for p in fills(i)})
    fill = f" with your deployment sizes for {', '.join(placeholders_used)}" if placeholders_used else ""
    why = (
        "the unknown dims that break this op come from the model input"
        + ("s" if len(params_inputs) > 1 else "")
        + "; declare the input with a fixed shape"
        + fill
        + (" (a fixed batch is what recurrent layers need)" if rnn else "")
    )
    return Fix(
        "static_input",
        "Give the model input a static shape",
        True,
        True,
        why,
        "\n".join(codes),
        cost="the model then accepts only that input size (resize inputs before inference)",
        params={"inputs": params_inputs},
    )


def _inputs_behind_origin(model: Model, origin: Origin) -> list[tuple[str, str, str, tuple[int, ...]]]:
    out = []
    for sg in model.subgraphs:
        names = {t.name: t.index for t in sg.tensors}
        t = names.get(origin.value)
        if t is None:
            continue
        tracer = Tracer(model, sg, input_names(model, sg))
        for i in tracer.inputs_behind(t):
            tensor = sg.tensors[i]
            dims = tuple(unknown_dims(tensor))
            if dims:
                out.append((tracer.input_names[i], tensor.name, type_text(tensor), dims))
        break
    return out


def _input_shape(
    name: str, entry: dict[str, Any], model: Model | None, keras: KerasContext | None
) -> list[int | None] | None:
    if keras is not None:
        for kname, shape in keras.inputs():
            if kname == name or len(keras.inputs()) == 1:
                return list(shape)
    typ = entry.get("type", "")
    m = re.match(r"tensor<((?:[?\d]+x)*)", typ)
    if m and "*" not in typ:
        return [None if d == "?" else int(d) for d in m.group(1).split("x") if d]
    if typ.startswith("("):
        return [None if d.strip() == "None" else int(d) for d in typ.strip("()").split(",") if d.strip()]
    return None
