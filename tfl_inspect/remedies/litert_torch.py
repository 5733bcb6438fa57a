"""PyTorch via litert-torch: how `litert_torch.convert` got there and what to change, in PyTorch and litert-torch API.

Names quoted here are real API of litert-torch 0.10 / torch 2.14 (a test resolves every dotted name in
an environment that has them). Entries missing here fall back to :mod:`.neutral`, never to TensorFlow.
"""

from __future__ import annotations

from . import Cause, Remedy

__all__ = ["TEXTS"]

_STATIC = "static sample args and no `dynamic_shapes` in `litert_torch.convert`"

TEXTS: dict[Remedy | Cause, str] = {
    # --- dynamic shapes ---------------------------------------------------------------------
    Cause.DYNAMIC_DIMS: (
        "The model was converted with `dynamic_shapes` marking non-batch dims of this input (a `torch.export.Dim`). "
        "The interpreter allocates `shape` (1 in each unknown dim) until resized; static-shape delegates (GPU, NNAPI, "
        "Edge TPU) reject dynamic tensors."
    ),
    Cause.DYNAMIC_BATCH_NOTE: "A dynamic batch comes from a `torch.export.Dim` on dim 0 in `dynamic_shapes` (info).",
    Cause.DYNAMIC_BATCH: (
        "`dynamic_shapes` marks the batch dim dynamic (a `torch.export.Dim` on dim 0); the converter stores it as -1 "
        "and writes 1 in `shape`. Most runtimes cope, but an interpreter used without resizing runs with batch 1."
    ),
    Remedy.STATIC_INPUT: (
        f"convert with {_STATIC}: `litert_torch.convert(model.eval(), (torch.randn(1, C, H, W),))` (or put a "
        "`torch.export.Dim` only on the dims that must vary)."
    ),
    Remedy.RESIZE_NOT_UPSAMPLING: (
        "Upsample to a constant size (`torch.nn.Upsample(size=(H, W), mode='nearest')` or "
        f"`torch.nn.functional.interpolate(x, size=(H, W))`), or convert with {_STATIC} so the converter folds the "
        "SHAPE chain into constants."
    ),
    Remedy.STATIC_INPUT_OUTPUT_SHAPE: f"Convert with {_STATIC}: `output_shape` then becomes a constant.",
    Cause.FLATTEN_LEAD: (
        "flatten with a dynamic batch (`torch.flatten` / "
        "`x.view(x.size(0), -1)`: SHAPE → STRIDED_SLICE → PACK → RESHAPE)"
    ),
    Cause.FLATTEN: (
        "`forward` flattens to (batch, -1) with the batch read at run time, because `dynamic_shapes` marks the "
        "batch dynamic."
    ),
    Remedy.STATIC_BATCH_FOLDS_RESHAPE: (
        "Convert with a static batch in the sample args (no `torch.export.Dim` on dim 0); the RESHAPE target then "
        "folds to a constant."
    ),
    Cause.RUNTIME_SHAPE: (
        "`forward` reads a tensor's size at run time (`x.shape`, `x.size(i)` in a `view`, `reshape` or "
        "`interpolate`) on a dim that `dynamic_shapes` marks dynamic, so the converter could not fold it into a "
        "constant."
    ),
    Remedy.STATIC_SIZES_NOT_RUNTIME_SHAPE: (
        f"Convert with {_STATIC} (or a `torch.export.Dim` only on dims that must vary), or use fixed sizes and -1 "
        "in `forward` instead of `x.size(i)` arithmetic."
    ),
    Remedy.KNOWN_RANK: "Export with sample args of fixed rank and static dims where possible.",
    Remedy.KNOWN_RANK_SPEC: "Export with sample args of fixed rank and, ideally, static dims.",
    Cause.LOST_DIM: (
        "The weights fix this dim, but the recorded shape lost it — typically after a `view`/`reshape` that reads a "
        "dynamic size (`x.size(i)`) the converter could not infer. Delegates refuse the op; the CPU checks it only "
        "at allocation."
    ),
    Cause.LITERAL_BATCH: (
        "A reshape written with a literal batch (`x.view(1, ...)`, or the sample args' batch traced as a constant) "
        "is stored as a constant, while `dynamic_shapes` keeps the input's batch dynamic."
    ),
    Remedy.BATCH_NOT_LITERAL: (
        "Use -1 for the batch in `forward` (`x.view(-1, ...)`, `torch.flatten(x, 1)`), or convert with a static "
        "batch (no `torch.export.Dim` on dim 0) and do not resize the batch."
    ),
    # --- names -------------------------------------------------------------------------------
    Cause.GENERATED_NAMES: (
        "litert-torch names signature inputs after `forward`'s arguments (`args_0`, …) and outputs `output_0`, "
        "`output_1`, … unless `forward` returns a dict; the tensor names are the converter's, not yours."
    ),
    Remedy.NAMED_OUTPUTS: (
        "To get meaningful output names, return a dict from `forward` (`return {'logits': logits, 'boxes': boxes}`) "
        "and convert that."
    ),
    Cause.SIGNATURE_ORDER: (
        "The converter sorts signature inputs and outputs by name, while the subgraph keeps the order of `forward`'s "
        "arguments and results. `get_input_details()`/`get_output_details()` follow the subgraph."
    ),
    Remedy.NAMED_IO: "Re-export with a `forward` whose outputs are a dict of named tensors.",
    Remedy.ADD_SIGNATURES: (
        "Convert with `litert_torch.convert` (one `serving_default` signature), or chain "
        "`litert_torch.signature(name, module, sample_args)` for several."
    ),
    # --- quantization --------------------------------------------------------------------------
    Cause.FLOAT_IO_DOC: "litert-torch kept float I/O around the quantized graph (the boundary ops stay in the model).",
    Cause.FLOAT_IO: (
        "The model was quantized (PT2E through `quant_config`, or a litert-torch recipe) but keeps float32 inputs "
        "and outputs, with QUANTIZE/DEQUANTIZE at the boundaries. Integer-only accelerators (Edge TPU, some NPUs) "
        "and microcontrollers without float support then cannot run those ops."
    ),
    Remedy.INTEGER_IO: (
        "litert-torch has no option for integer model I/O: quantize inputs and dequantize outputs in the "
        "application with each tensor's scale and zero point, and drop the boundary ops from the converted model."
    ),
    Cause.FLOAT_FALLBACK: (
        "The PT2E quantizer left these ops unannotated{ops}: `litert_torch.quantize.pt2e_quantizer.PT2EQuantizer` "
        "quantizes only the op patterns its config covers (conv2d, linear, add, max_pool2d, adaptive_avg_pool2d, …), "
        "so the converter keeps the others in float between DEQUANTIZE and QUANTIZE. They run slower, and "
        "integer-only accelerators cannot run them."
    ),
    Remedy.FAIL_ON_FLOAT_FALLBACK: (
        "Annotate those ops in the quantizer config: `PT2EQuantizer().set_global(get_symmetric_quantization_config("
        "is_per_channel=True))` from `litert_torch.quantize.pt2e_quantizer`, then `prepare_pt2e` / calibrate / "
        "`convert_pt2e`, passed to `litert_torch.convert` as "
        "`quant_config=litert_torch.quantize.quant_config.QuantConfig(pt2e_quantizer=...)`; or write those "
        "layers with ops the quantizer covers."
    ),
    Remedy.FULL_INTEGER_RERUN: "Re-run PT2E static quantization (calibrated) instead of editing the types.",
    Cause.DYNAMIC_RANGE_DOC: (
        " (a dynamic or weight-only recipe such as "
        "`litert_torch.generative.quantize.quant_recipes.full_dynamic_recipe`, or PT2E with `is_dynamic=True`)"
    ),
    Remedy.FULL_INTEGER: (
        "quantize activations too: PT2E static quantization "
        "(`litert_torch.quantize.pt2e_quantizer.get_symmetric_quantization_config` with `is_dynamic=False`, "
        "calibrated on sample inputs)."
    ),
    Remedy.FOLD_QAT: (
        "Convert the QAT model through PT2E (`convert_pt2e`) with `quant_config` so the pairs fold into integer ops, "
        "or remove the fake-quantize modules from the float model."
    ),
    # --- shapes and hygiene -----------------------------------------------------------------------
    Remedy.CHANGE_SIZE_IN_SOURCE: (
        "Re-convert from the PyTorch module with sample args of the size you need (or call `resize_tensor_input`) "
        "rather than editing the file."
    ),
    Cause.DUPLICATE_CONSTANTS: (
        "Identical constants in separate buffers: tied weights (`weight` shared by two modules) exported twice, or "
        "tools that do not deduplicate."
    ),
    Remedy.STATIC_ZERO_STATE: (
        "Check that trained weights were loaded before conversion; keep a zero state as a buffer of static shape "
        "(`register_buffer`) if it is intentional."
    ),
    # --- target reasons -----------------------------------------------------------------------
    Remedy.STATIC_INPUT_SHORT: f"convert with {_STATIC}",
    Remedy.STATIC_SHAPES_FOLD: f"convert with {_STATIC} so the converter folds the SHAPE chain",
    Remedy.STATIC_BATCH_FOLDS_SHAPES: f"convert with {_STATIC} so the converter folds the SHAPE chain",
    Remedy.STATIC_BATCH: f"convert with {_STATIC}",
    Remedy.INTEGER_IO_SHORT: "quantize inputs and outputs in the application and drop the boundary ops",
    Remedy.FULL_INTEGER_SHORT: "quantize fully with PT2E static quantization (int8 activations and weights)",
    Remedy.NO_FLOAT16_WEIGHTS: (
        "convert without float16 weights (no `litert_torch.generative.quantize.quant_recipes.full_fp16_recipe`) or "
        "quantize to int8"
    ),
    Remedy.FULL_INTEGER_OR_FLOAT: "quantize fully with PT2E static quantization, or keep float weights",
    Remedy.NEAREST_RESIZE_LAYER: (
        "for nearest-neighbour upsampling use `torch.nn.functional.interpolate(x, size=(H, W), mode='nearest')` "
        "with a constant size, which converts to RESIZE_NEAREST_NEIGHBOR"
    ),
    # --- dynamic in name only, layouts ----------------------------------------------------------
    Cause.PINNED_SIZE_LEAD: " (the sample args' size, fixed when litert-torch traced `forward`)",
    Cause.PINNED_SIZE: (
        "litert-torch traced `forward` with the sample args, and a size computed from them became a constant: the "
        "output size of `torch.nn.Upsample(scale_factor=...)` or `torch.nn.functional.interpolate` (litert-torch "
        "0.10 fixes it even when written `size=skip.shape[-2:]`), the target of a reshape (litert-torch 0.10 writes "
        "the sample's size into `x.reshape(-1, n)` too), or a parameter or buffer of fixed shape that the input must "
        "match. `dynamic_shapes` (a `torch.export.Dim` per dim) still marks the input's dims dynamic. "
        "LiteRT checks sizes when it prepares the op: after a resize to any other size `allocate_tensors()` fails."
    ),
    Remedy.PINNED_SIZE: (
        "Convert with static sample args at the size it accepts{shape}, keeping a `torch.export.Dim` in "
        "`dynamic_shapes` only on the dims that do vary{free}; for several sizes, one signature per size: "
        "`litert_torch.signature('hw64x48', model, (x_64x48,)).signature('hw128x96', model, (x_128x96,)).convert()`."
    ),
    Cause.CHANNELS_FIRST_IO: (
        "PyTorch modules take and return NCHW tensors; litert-torch keeps that I/O layout and adds a TRANSPOSE after "
        "each NCHW input and before each NCHW output, since LiteRT kernels work channels-last (NHWC). Each copies "
        "the whole tensor on every invoke, and some accelerators leave it to the CPU."
    ),
    Remedy.CHANNELS_LAST_IO: (
        "Wrap the module before converting: `litert_torch.to_channel_last_io(model, args=[0], outputs=[0])` (the "
        "positions of the NCHW inputs and outputs{positions}) takes and returns NHWC, and the converted model has "
        "no boundary TRANSPOSE; feed it NHWC data (sample args `x.permute(0, 2, 3, 1)`)."
    ),
    Remedy.NPU_FULL_INTEGER: (
        "quantize fully with PT2E static quantization (`get_symmetric_quantization_config(is_dynamic=False)`, "
        "calibrated on sample inputs), or quantize the converted model with ai-edge-quantizer's static recipes "
        "(`ai_edge_quantizer.recipe.static_wi8_ai8()`, or `static_wi8_ai16()` for 16x8), instead of a dynamic-range "
        "recipe"
    ),
    Remedy.INT32_INDEX: (
        "litert-torch converts `torch.argmax` with int64 indices; compute the index on the CPU side, or keep the "
        "scores as the model's output and take the argmax in the application"
    ),
    Remedy.NPU_NEWER_SOC: (
        "target an SoC with HTP v73 or later, or quantize the activations to 8 bits (ai-edge-quantizer's "
        "`static_wi8_ai8()` recipe instead of `static_wi8_ai16()`)"
    ),
    Remedy.STATE_AS_IO: (
        "keep the state out of mutable buffers: pass it to `forward` as an input and return the new state as an output"
    ),
}
