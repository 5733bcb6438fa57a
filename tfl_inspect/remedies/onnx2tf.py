"""ONNX via onnx2tf: what to change, in onnx2tf's command-line flags (onnx2tf 1.29).

onnx2tf rebuilds the ONNX graph as a Keras model and converts it with TensorFlow's converter, so
the fixes are flags of `onnx2tf` (or changes to the ONNX export). Entries missing here fall back
to :mod:`.neutral`.
"""

from __future__ import annotations

from . import Cause, Remedy

__all__ = ["TEXTS"]

TEXTS: dict[Remedy | Cause, str] = {
    Cause.DYNAMIC_DIMS: (
        "The ONNX model has unknown (symbolic) non-batch dims in this input and onnx2tf kept them. The interpreter "
        "allocates `shape` (1 in each unknown dim) until resized; static-shape delegates (GPU, NNAPI, Edge TPU) "
        "reject dynamic tensors."
    ),
    Cause.DYNAMIC_BATCH_NOTE: "A dynamic batch comes from a symbolic batch in the ONNX export (info).",
    Cause.DYNAMIC_BATCH: (
        "The ONNX input has a symbolic batch dim and onnx2tf kept it; the converter stores it as -1 and writes 1 "
        "in `shape`. Most runtimes cope, but an interpreter used without resizing runs with batch 1."
    ),
    Remedy.STATIC_INPUT: (
        "convert with a static input shape: `onnx2tf -i model.onnx -ois input:1,3,224,224` (or `-b 1` for the "
        "batch alone), or export the ONNX model without `dynamic_axes`."
    ),
    Remedy.STATIC_SIZES_NOT_RUNTIME_SHAPE: (
        "Convert with static input shapes (`onnx2tf -ois NAME:1,...` or `-b 1`), or export the ONNX model "
        "without `dynamic_axes` so Shape/Gather chains fold to constants."
    ),
    Remedy.STATIC_BATCH_FOLDS_RESHAPE: (
        "Convert with a static batch (`onnx2tf -b 1`); the RESHAPE target then folds to a constant."
    ),
    Remedy.STATIC_INPUT_OUTPUT_SHAPE: (
        "Convert with a static input shape (`onnx2tf -ois NAME:1,...`): `output_shape` then becomes a constant."
    ),
    Cause.GENERATED_NAMES: (
        "onnx2tf names I/O tensors after the TensorFlow serving signature it builds (`serving_default_<input>:0`, "
        "`PartitionedCall:0`), not after the ONNX model's inputs and outputs."
    ),
    Remedy.NAMED_OUTPUTS: (
        "To keep the ONNX input/output names, convert with "
        "`onnx2tf -coion` (`--copy_onnx_input_output_names_to_tflite`) "
        "and call the model through its signature runner."
    ),
    Remedy.NAMED_IO: "Convert with `onnx2tf -coion` to keep the ONNX input and output names.",
    Remedy.ADD_SIGNATURES: "Convert with `onnx2tf -osd` (`--output_signaturedefs`), which adds a signature.",
    Cause.FLEX: (
        "onnx2tf converts with TensorFlow ops allowed (its metadata shows Select TF ops enabled): the ops it could "
        "not map to builtins run through the Flex delegate, which adds megabytes to the app and is not available "
        "on microcontrollers or most accelerators."
    ),
    Remedy.INTEGER_IO: (
        "Convert with `onnx2tf -oiqt -iqd int8 -oqd int8` (integer quantization with int8 input and output, "
        "calibrated with `-cind`); the application then quantizes inputs with the input's scale/zero point and "
        "dequantizes outputs itself."
    ),
    Remedy.FULL_INTEGER: (
        "convert with `onnx2tf -oiqt` (integer quantization, calibrated with `-cind`) and `-iqd int8 -oqd int8`."
    ),
    Remedy.FULL_INTEGER_SHORT: "quantize fully: `onnx2tf -oiqt -iqd int8 -oqd int8`",
    Remedy.INTEGER_IO_SHORT: "convert with `onnx2tf -oiqt -iqd int8 -oqd int8` so the graph has no float I/O",
    Remedy.STATIC_INPUT_SHORT: "convert with a static input (`onnx2tf -ois NAME:1,...` or `-b 1`)",
    Remedy.STATIC_SHAPES_FOLD: "convert with static shapes (`onnx2tf -ois NAME:1,...`) so the SHAPE chain folds",
    Remedy.STATIC_BATCH_FOLDS_SHAPES: "convert with a static input (`onnx2tf -b 1`) so the SHAPE chain folds",
    Remedy.STATIC_BATCH: "convert with a static input shape (`onnx2tf -ois NAME:1,...` or `-b 1`)",
    Remedy.CHANGE_SIZE_IN_SOURCE: (
        "Re-convert from the ONNX model with the size you need (`onnx2tf -ois NAME:1,...`), or call "
        "`resize_tensor_input`, rather than editing the file."
    ),
    # --- dynamic in name only, layouts ----------------------------------------------------------
    Cause.PINNED_SIZE: (
        "The ONNX graph keeps symbolic input dims, but a node was exported with constant sizes that the input must "
        "match (a Resize with constant `sizes`, an operand of constant shape, a Reshape to constant dims); onnx2tf "
        "keeps the input's dims dynamic anyway. LiteRT checks sizes when it prepares the op: after a resize to any "
        "other size `allocate_tensors()` fails."
    ),
    Remedy.PINNED_SIZE: (
        "Convert with the accepted size fixed (`onnx2tf -i model.onnx -ois NAME:N,C,H,W` with the sizes it "
        "accepts{shape}), or export the ONNX model without `dynamic_axes` on those dims."
    ),
    Cause.CHANNELS_FIRST_IO: (
        "onnx2tf was told to keep these I/O channels-first (NCHW), so the TFLite model transposes them to the "
        "channels-last layout its kernels use; each TRANSPOSE copies the whole tensor on every invoke."
    ),
    Remedy.CHANNELS_LAST_IO: (
        "Convert without `-k` (`--keep_ncw_or_nchw_or_ncdhw_input_names`): onnx2tf then transposes the I/O to NHWC "
        "itself and the model needs no boundary TRANSPOSE; feed it NHWC data."
    ),
}
