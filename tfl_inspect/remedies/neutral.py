"""Advice for models whose producer is unknown (or has no texts of its own): no framework's API, only
what to change in the conversion, in words any toolchain's user can act on."""

from __future__ import annotations

from . import Cause, Remedy

__all__ = ["TEXTS"]

TEXTS: dict[Remedy | Cause, str] = {
    # --- dynamic shapes ---------------------------------------------------------------------
    Cause.DYNAMIC_DIMS: (
        "The model was converted with unknown (dynamic) non-batch dims in this input. The interpreter allocates "
        "`shape` (1 in each unknown dim) until resized; static-shape delegates (GPU, NNAPI, Edge TPU) reject "
        "dynamic tensors."
    ),
    Cause.DYNAMIC_BATCH_NOTE: "A dynamic batch alone is common: the export left the batch unspecified (info).",
    Cause.DYNAMIC_BATCH: (
        "The export left the batch dim unspecified; the converter stores it as -1 and writes 1 in `shape`. Most "
        "runtimes cope, but an interpreter used without resizing runs with batch 1."
    ),
    Remedy.STATIC_INPUT: "export the model with fully static input shapes (every dim, the batch included).",
    Cause.UPSAMPLING_LEAD: "repeat-based upsampling (EXPAND_DIMS → TILE → RESHAPE, target shape from SHAPE)",
    Cause.UPSAMPLING: (
        "The upsampling repeats rows and columns with EXPAND_DIMS/TILE/RESHAPE; with an unknown dim in the input "
        "(usually the batch) the RESHAPE target is rebuilt from SHAPE at run time, and the converter may lose the "
        "static dims of its result."
    ),
    Remedy.RESIZE_NOT_UPSAMPLING: (
        "Upsample with a resize to a constant size (one RESIZE_NEAREST_NEIGHBOR) instead of repeating rows and "
        "columns, or convert with a fully static input, batch included, so the converter folds the SHAPE chain "
        "into constants."
    ),
    Cause.CONV_TRANSPOSE_LEAD: (
        "transposed convolution on a dynamic input (SHAPE → STRIDED_SLICE → MUL → PACK → TRANSPOSE_CONV)"
    ),
    Cause.CONV_TRANSPOSE: (
        "The transposed convolution computes its `output_shape` from the input's run-time shape; with unknown dims "
        "in the input the converter keeps SHAPE/STRIDED_SLICE/MUL/PACK to build it."
    ),
    Remedy.STATIC_INPUT_OUTPUT_SHAPE: "Convert with a static input shape: `output_shape` then becomes a constant.",
    Cause.FLATTEN_LEAD: "flatten with a dynamic batch (SHAPE → STRIDED_SLICE → PACK → RESHAPE)",
    Cause.FLATTEN: "The flatten reshapes to (batch, -1) with the batch read by SHAPE at run time.",
    Remedy.STATIC_BATCH_FOLDS_RESHAPE: "Give the input a static batch; the RESHAPE target then folds to a constant.",
    Cause.DYN002_DOC: "Recognises the upsampling, transposed-convolution and flatten lowerings.",
    Cause.RUNTIME_SHAPE: (
        "The model reads a tensor's shape at run time (a shape-of op, a reshape or flatten that keeps the batch, a "
        "resize on an input with unknown dims) and the converter could not fold it into a constant because the "
        "input shape was not fully static."
    ),
    Remedy.STATIC_SIZES_NOT_RUNTIME_SHAPE: (
        "Convert with fully static input shapes (batch included), or use static sizes in the model instead of "
        "reading a tensor's shape at run time."
    ),
    Remedy.KNOWN_RANK: (
        "Give the model inputs (and loop-carried values) a known rank and static dims when converting."
    ),
    Cause.UNRANKED_INPUT: (
        "The model was converted with an input of unknown rank, so not even the number of dims is recorded; no "
        "delegate can plan for it."
    ),
    Remedy.KNOWN_RANK_SPEC: "Convert with inputs of known rank and, ideally, static dims.",
    Cause.LOST_DIM: (
        "The weights fix this dim, but the recorded shape lost it — typically after a run-time RESHAPE (an "
        "upsampling or reshape on an input with unknown dims) the converter could not infer. Delegates refuse the "
        "op; the CPU checks it only at allocation."
    ),
    Cause.LITERAL_BATCH: (
        "A reshape or shape argument written with a literal batch (a target shape of [1, ...] in the model code, "
        "or a traced concrete batch) is stored as a constant, while the input keeps a dynamic batch."
    ),
    Remedy.BATCH_NOT_LITERAL: (
        "Use -1 for the batch in reshapes in the model code, or convert with a static batch and do not resize the "
        "batch."
    ),
    # --- names -------------------------------------------------------------------------------
    Cause.GENERATED_NAMES_DOC: (
        "I/O tensor names the converter generated (`serving_default_x:0`, `StatefulPartitionedCall_1:0`, numbered "
        "tensor names) and signature outputs `output_0`: the names of the source model are lost, so code must go "
        "by the signature. The finding lists the signature's name → tensor mapping."
    ),
    Cause.GENERATED_NAMES: (
        "The converter named the I/O tensors after the exported function's signature, and outputs without names "
        "became output_0, output_1, … (sorted by name, not in model order)."
    ),
    Remedy.NAMED_OUTPUTS: (
        "To get meaningful output names, export a function that returns its outputs by name and convert that."
    ),
    Cause.SIGNATURE_ORDER: (
        "The converter sorts signature inputs and outputs by name, while the subgraph keeps the order of the "
        "traced function. `get_input_details()`/`get_output_details()` follow the subgraph."
    ),
    Remedy.NAMED_IO: "Re-export the model with named inputs and outputs.",
    Cause.NO_SIGNATURES: (
        "Models converted from a graph without a signature, by older converters, or written by other tools carry "
        "no SignatureDefs."
    ),
    Remedy.ADD_SIGNATURES: "Re-convert with a current converter, which adds a `serving_default` signature.",
    # --- ops -----------------------------------------------------------------------------------
    Cause.FLEX: (
        "The model was converted with TensorFlow ops allowed (Select TF ops): these ops have no TFLite builtin and "
        "run through the Flex delegate, which adds megabytes to the app and is not available on microcontrollers "
        "or most accelerators."
    ),
    Remedy.FLEX_TO_BUILTINS: "rewrite the model with ops that have builtins and convert with builtin ops only.",
    Cause.CUSTOM_OPS: (
        "Custom ops come from converting with custom ops allowed, from graphs that use them (text processing, "
        "MediaPipe) or from composite-op fusion: the stock interpreter does not ship their kernels, and "
        "`allocate_tensors()` fails with 'Encountered unresolved custom op' until they are registered."
    ),
    Remedy.NO_CUSTOM_OPS_FLAG: "converting with custom ops disallowed shows which ops need them.",
    Remedy.MATCHING_CONVERTER: (
        "convert with a converter release matching it (the converter of TF X.Y targets runtime X.Y) and avoid "
        "features that need newer op versions."
    ),
    Remedy.CURRENT_CONVERTER: "Re-convert with a current converter to get the modern encoding (both fields set).",
    # --- quantization --------------------------------------------------------------------------
    Cause.FLOAT_IO_DOC: "the converter kept float I/O because integer I/O was not asked for.",
    Cause.FLOAT_IO: (
        "Full-integer quantization keeps float32 I/O unless integer I/O is asked for, adding QUANTIZE/DEQUANTIZE "
        "at the boundaries. Integer-only accelerators (Edge TPU, some NPUs) and microcontrollers without float "
        "support then cannot run those ops."
    ),
    Remedy.INTEGER_IO: (
        "Ask the converter for integer (int8 or uint8) inputs and outputs together with full-integer calibration; "
        "the application then quantizes inputs with the input's scale/zero point and dequantizes outputs itself."
    ),
    Cause.MIXED_IO: (
        "The input and output types were set differently (or only one of them was set), so the model expects one "
        "encoding in and produces another out; code that reuses the input's quantization for the output reads "
        "garbage."
    ),
    Remedy.SAME_IO_TYPE: "Convert with the same type for inputs and outputs,",
    Cause.PROBABILITY_OUTPUT: (
        "A single uint8 output with scale 1/256 and zero point 0 next to int8 inputs is how streaming keyword "
        "spotters are converted on purpose (int8 in, uint8 out): the output is a probability, and 0…255 covers "
        "[0, 1) in steps of 1/256 without a signed offset."
    ),
    Cause.FLOAT_FALLBACK: (
        "Full-integer quantization left ops in float{ops} and wrapped them in DEQUANTIZE/QUANTIZE: they have no "
        "integer kernel, or the quantizer did not quantize them. They run slower, and integer-only accelerators "
        "cannot run them."
    ),
    Remedy.FAIL_ON_FLOAT_FALLBACK: (
        "Replace those layers with ones that have int8 kernels, or have the quantizer quantize every op (and fail "
        "at an op it cannot, instead of falling back silently)."
    ),
    Remedy.FULL_INTEGER_RERUN: "Re-run full-integer quantization instead of editing the types.",
    Remedy.SYMMETRIC_INT8: (
        "Quantize weights with the TFLite int8 scheme (symmetric, zero point 0), or requantize them symmetrically."
    ),
    Cause.FLOAT16_DOC: (
        "FLOAT16 constants feed DEQUANTIZE ops, directly or through DENSIFY (sparse float16 weights): a "
        "float16-quantized model. One finding per subgraph with the count and stored bytes."
    ),
    Cause.DYNAMIC_RANGE_DOC: " (weights quantized, activations left float: no calibration data)",
    Remedy.FULL_INTEGER: (
        "calibrate the activations too (full-integer quantization) and use integer inputs and outputs."
    ),
    Remedy.FOLD_QAT: (
        "Convert the quantization-aware model with quantization on so the pairs fold into integer ops, or remove "
        "the quantization nodes from the float model."
    ),
    # --- shapes and hygiene -----------------------------------------------------------------------
    Remedy.CHANGE_SIZE_IN_SOURCE: (
        "Re-convert from the source model; if you changed an input size, change it in the source model (or call "
        "`resize_tensor_input`) rather than in the file."
    ),
    Cause.DUPLICATE_CONSTANTS: (
        "Identical constants in separate buffers: tied weights exported twice, models merged from several files, "
        "or tools that do not deduplicate."
    ),
    Remedy.STATIC_ZERO_STATE: (
        "Check that trained weights were loaded before conversion; keep a zero state as a constant of static "
        "shape (folded, or a FILL) if it is intentional."
    ),
    # --- target reasons -----------------------------------------------------------------------
    Remedy.STATIC_INPUT_SHORT: "give the model a static input shape",
    Remedy.STATIC_SHAPES_FOLD: "give the model static input shapes so the converter folds the SHAPE chain",
    Remedy.STATIC_BATCH_FOLDS_SHAPES: "use a static input shape so the converter folds the SHAPE chain",
    Remedy.STATIC_BATCH: "use a static input shape",
    Remedy.INTEGER_IO_SHORT: "convert with integer (int8 or uint8) inputs and outputs so the graph has no float I/O",
    Remedy.FULL_INTEGER_SHORT: "quantize fully to int8 (weights and activations, integer ops only)",
    Remedy.NO_FLOAT16_WEIGHTS: "convert without float16 weights or quantize to int8",
    Remedy.FULL_INTEGER_OR_FLOAT: "quantize fully to int8 (activations too), or keep float weights",
    Remedy.NEAREST_RESIZE_LAYER: (
        "for nearest-neighbour upsampling resize to a constant size, which converts to RESIZE_NEAREST_NEIGHBOR"
    ),
    Remedy.NO_FLEX: "rewrite the TensorFlow op with builtin ops and convert without Select TF ops",
    # --- dynamic in name only, layouts ----------------------------------------------------------
    Cause.PINNED_SIZE_LEAD: "",
    Cause.PINNED_SIZE: (
        "The converter kept these input dims dynamic, but an op was fixed at the size of the sample input the "
        "model was traced or exported with (a resize to a constant size, an operand of constant shape, a reshape to "
        "constant dims). LiteRT checks sizes when it prepares the op: after a resize to any other size "
        "`allocate_tensors()` fails, and static-shape delegates see only the fixed size."
    ),
    Remedy.PINNED_SIZE: (
        "Convert with a static input at the size the model accepts{shape} and resize the data to it before "
        "invoking; for other sizes convert once per size, or make the fixed op follow its input (a resize by a "
        "scale factor read from the input's shape) before converting."
    ),
    Cause.CHANNELS_FIRST_IO: (
        "The source model takes and returns channels-first tensors (NCHW); LiteRT kernels work channels-last "
        "(NHWC), so the converter put a TRANSPOSE after each such input and before each such output. Each copies "
        "the whole tensor on every invoke, and some accelerators leave it to the CPU."
    ),
    Remedy.CHANNELS_LAST_IO: (
        "Convert with channels-last (NHWC) inputs and outputs, so the model has no boundary TRANSPOSE, and lay out "
        "the data as NHWC in the application (camera frames and image decoders usually are)."
    ),
    Remedy.NPU_FULL_INTEGER: (
        "quantize fully: int8 weights and activations, or 16x8 (int16 activations, int8 weights) where int8 "
        "activations lose too much accuracy, instead of weight-only or dynamic-range quantization"
    ),
    Remedy.INT32_INDEX: "produce the index as int32 (ARG_MAX/ARG_MIN with output type INT32) instead of int64",
    Remedy.NPU_NEWER_SOC: "target an SoC with HTP v73 or later, or quantize the activations to 8 bits",
    Remedy.STATE_AS_IO: (
        "keep the state out of resource variables: pass it in as an input and return the new state as an output, "
        "so the model is stateless"
    ),
}
