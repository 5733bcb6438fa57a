"""TensorFlow/Keras: how the TF converter got there and what to change, in TF and Keras API.

One entry per :class:`~tfl_inspect.remedies.Remedy` / :class:`~tfl_inspect.remedies.Cause`;
``{name}`` is filled in by :func:`~tfl_inspect.remedies.say`.
"""

from __future__ import annotations

from . import Cause, Remedy

__all__ = ["TEXTS"]

TEXTS: dict[Remedy | Cause, str] = {
    # --- dynamic shapes ---------------------------------------------------------------------
    Cause.DYNAMIC_DIMS: (
        "The model was converted with None in non-batch dims (e.g. `keras.Input((None, None, 3))` or a "
        "`tf.TensorSpec` with None). The interpreter allocates `shape` (1 in each unknown dim) until resized; "
        "static-shape delegates (GPU, NNAPI, Edge TPU) reject dynamic tensors."
    ),
    Cause.DYNAMIC_BATCH_NOTE: (
        "Keras models also keep a None batch dim unless `keras.Input(..., batch_size=1)` is given (batch only: info)."
    ),
    Cause.DYNAMIC_BATCH: (
        "Keras models keep a None batch dim unless `keras.Input(..., batch_size=1)` is given; the converter stores "
        "it as -1 and writes 1 in `shape`. Most runtimes cope, but an interpreter used without resizing runs with "
        "batch 1."
    ),
    Remedy.STATIC_INPUT: (
        "convert with a static input: `keras.Input(shape=(...), batch_size=1)` or a concrete function with a "
        "fully defined TensorSpec."
    ),
    Cause.UPSAMPLING_LEAD: "Keras UpSampling2D lowering (EXPAND_DIMS → TILE → RESHAPE, target shape from SHAPE)",
    Cause.UPSAMPLING: (
        "Keras `UpSampling2D` repeats rows and columns with EXPAND_DIMS/TILE/RESHAPE; with a None dim in the input "
        "(usually the batch) the RESHAPE target is rebuilt from SHAPE at run time, and the converter may lose the "
        "static dims of its result."
    ),
    Remedy.RESIZE_NOT_UPSAMPLING: (
        "Replace `UpSampling2D(size=s)` with `keras.layers.Resizing(H*s, W*s, interpolation='nearest')` or "
        "`tf.image.resize(x, (H*s, W*s), method='nearest')`: one RESIZE_NEAREST_NEIGHBOR with a constant size. Or "
        "convert with a fully static input, batch included (`keras.Input(shape=(H, W, C), batch_size=1)`), so the "
        "converter folds the SHAPE chain into constants."
    ),
    Cause.CONV_TRANSPOSE_LEAD: (
        "Keras Conv2DTranspose on a dynamic input (SHAPE → STRIDED_SLICE → MUL → PACK → TRANSPOSE_CONV)"
    ),
    Cause.CONV_TRANSPOSE: (
        "Keras `Conv2DTranspose` computes its `output_shape` from the input's run-time shape; with None dims in the "
        "input the converter keeps SHAPE/STRIDED_SLICE/MUL/PACK to build it."
    ),
    Remedy.STATIC_INPUT_OUTPUT_SHAPE: (
        "Convert with a static input shape (`keras.Input(shape=(H, W, C), batch_size=1)`, or a concrete function "
        "with a fully defined TensorSpec): `output_shape` then becomes a constant."
    ),
    Cause.FLATTEN_LEAD: "Keras Flatten with a dynamic batch (SHAPE → STRIDED_SLICE → PACK → RESHAPE)",
    Cause.FLATTEN: "Keras `Flatten` reshapes to (batch, -1) with the batch read by SHAPE at run time.",
    Remedy.STATIC_BATCH_FOLDS_RESHAPE: (
        "Give the input a static batch (`keras.Input(shape=(...), batch_size=1)`); the RESHAPE target then folds to "
        "a constant."
    ),
    Cause.DYN002_DOC: "Recognises the Keras UpSampling2D, Conv2DTranspose and Flatten lowerings.",
    Cause.RUNTIME_SHAPE: (
        "The model reads a tensor's shape at run time (`tf.shape(x)`, a Keras `Reshape`/`Flatten` or resize on an "
        "input with None dims) and the converter could not fold it into a constant because the input shape was not "
        "fully static."
    ),
    Remedy.STATIC_SIZES_NOT_RUNTIME_SHAPE: (
        "Convert with fully static input shapes (batch included: `keras.Input(shape=(...), batch_size=1)`), or use "
        "static sizes in the model instead of `tf.shape(x)`."
    ),
    Remedy.KNOWN_RANK: (
        "Give the model inputs (and loop variables: `tf.while_loop(shape_invariants=...)`) a known rank and static "
        "dims when converting."
    ),
    Cause.UNRANKED_INPUT: (
        "The model was converted from a function whose input TensorSpec had shape=None, so not even the number of "
        "dims is recorded; no delegate can plan for it."
    ),
    Remedy.KNOWN_RANK_SPEC: "Convert with a TensorSpec of known rank and, ideally, static dims.",
    Cause.LOST_DIM: (
        "The weights fix this dim, but the recorded shape lost it — typically after a run-time RESHAPE (e.g. Keras "
        "UpSampling2D or Reshape on an input with None dims) the converter could not infer. Delegates refuse the "
        "op; the CPU checks it only at allocation."
    ),
    Cause.LITERAL_BATCH: (
        "A reshape or shape argument written with a literal batch (`tf.reshape(x, [1, ...])`, "
        "`keras.layers.Reshape` after code that assumed batch 1, a traced concrete batch) is stored as a constant, "
        "while the input keeps a None batch."
    ),
    Remedy.BATCH_NOT_LITERAL: (
        "Use -1 (or `tf.shape(x)[0]`) for the batch in the model code, or convert with a static batch "
        "(`keras.Input(..., batch_size=1)`) and do not resize the batch."
    ),
    # --- names -------------------------------------------------------------------------------
    Cause.GENERATED_NAMES_DOC: (
        "I/O tensor names like `serving_default_x:0`, `StatefulPartitionedCall_1:0`, `keras_tensor_3` and signature "
        "outputs `output_0`: the Keras names are lost, so code must go by the signature. The finding lists the "
        "signature's name → tensor mapping."
    ),
    Cause.GENERATED_NAMES: (
        "The converter names I/O tensors after the SavedModel's serving function (`serving_default_<input>:0`, "
        "`StatefulPartitionedCall_1:<k>`); Keras 3 output names do not survive, so signature outputs become "
        "output_0, output_1, … (sorted by name, not in model order)."
    ),
    Remedy.NAMED_OUTPUTS: (
        "To get meaningful output names, export a `tf.function` that returns a dict (`{'score': ..., 'aux': ...}`) "
        "and convert that."
    ),
    Cause.SIGNATURE_ORDER: (
        "The converter sorts signature inputs and outputs by name, while the subgraph keeps the order of the traced "
        "function (outputs even in another order than Keras'). `get_input_details()`/`get_output_details()` follow "
        "the subgraph."
    ),
    Remedy.NAMED_IO: "Re-export the model with named inputs/outputs (a `tf.function` with named TensorSpecs).",
    Cause.NO_SIGNATURES: (
        "Models converted from a GraphDef / `from_concrete_functions` in older TF versions, or written by other "
        "tools, carry no SignatureDefs."
    ),
    Remedy.ADD_SIGNATURES: (
        "Convert with `TFLiteConverter.from_saved_model` or `from_keras_model` (TF ≥ 2.7), which add a "
        "`serving_default` signature."
    ),
    # --- ops -----------------------------------------------------------------------------------
    Cause.FLEX: (
        "The model was converted with `target_spec.supported_ops` including `tf.lite.OpsSet.SELECT_TF_OPS`: these "
        "TensorFlow ops have no TFLite builtin and run through the Flex delegate, which adds megabytes to the app "
        "and is not available on microcontrollers or most accelerators."
    ),
    Remedy.FLEX_TO_BUILTINS: "rewrite the model with ops that have builtins and convert with `TFLITE_BUILTINS` only.",
    Cause.CUSTOM_OPS: (
        "Custom ops come from `converter.allow_custom_ops = True`, from TF Text/SentencePiece/MediaPipe graphs or "
        "from composite-op fusion: the stock interpreter does not ship their kernels, and `allocate_tensors()` "
        "fails with 'Encountered unresolved custom op' until they are registered."
    ),
    Remedy.NO_CUSTOM_OPS_FLAG: "`converter.allow_custom_ops = False` shows which ops need them.",
    Remedy.MATCHING_CONVERTER: (
        "convert with a TensorFlow release matching it (the converter of TF X.Y targets runtime X.Y) and avoid "
        "features that need newer op versions."
    ),
    Remedy.CURRENT_CONVERTER: "Re-convert with a current TensorFlow to get the modern encoding (both fields set).",
    # --- quantization --------------------------------------------------------------------------
    Cause.FLOAT_IO_DOC: (
        "the converter kept float I/O because inference_input_type / inference_output_type were left at float32."
    ),
    Cause.FLOAT_IO: (
        "Full-integer conversion (`optimizations=[tf.lite.Optimize.DEFAULT]` with a representative dataset) keeps "
        "float32 I/O unless told otherwise, adding QUANTIZE/DEQUANTIZE at the boundaries. Integer-only accelerators "
        "(Edge TPU, some NPUs) and microcontrollers without float support then cannot run those ops."
    ),
    Remedy.INTEGER_IO: (
        "Set `converter.inference_input_type = tf.int8` and `converter.inference_output_type = tf.int8` (or "
        "tf.uint8) together with a representative dataset; the application then quantizes inputs with the input's "
        "scale/zero point and dequantizes outputs itself."
    ),
    Cause.MIXED_IO: (
        "`inference_input_type` and `inference_output_type` were set differently (or only one of them was set), so "
        "the model expects one encoding in and produces another out; code that reuses the input's quantization for "
        "the output reads garbage."
    ),
    Remedy.SAME_IO_TYPE: (
        "Set `converter.inference_input_type` and `converter.inference_output_type` to the same type,"
    ),
    Cause.PROBABILITY_OUTPUT: (
        "A single uint8 output with scale 1/256 and zero point 0 next to int8 inputs is how streaming keyword "
        "spotters are converted on purpose (microWakeWord's converter sets `inference_input_type=tf.int8` and "
        "`inference_output_type=tf.uint8`): the output is a probability, and 0…255 covers [0, 1) in steps of 1/256 "
        "without a signed offset."
    ),
    Cause.FLOAT_FALLBACK: (
        "With `optimizations=[DEFAULT]` and a representative dataset (but without "
        "`target_spec.supported_ops=[TFLITE_BUILTINS_INT8]`) the converter leaves ops that have no integer kernel "
        "in float{ops} and wraps them in DEQUANTIZE/QUANTIZE. They run slower, and integer-only accelerators cannot "
        "run them."
    ),
    Remedy.FAIL_ON_FLOAT_FALLBACK: (
        "Replace those layers with ones that have int8 kernels, or set `converter.target_spec.supported_ops = "
        "[tf.lite.OpsSet.TFLITE_BUILTINS_INT8]` to make the conversion fail at them instead of falling back "
        "silently."
    ),
    Remedy.FULL_INTEGER_RERUN: (
        "Re-run full-integer conversion with a representative dataset instead of editing the types."
    ),
    Remedy.SYMMETRIC_INT8: (
        "Quantize with the TFLite converter's int8 scheme (`optimizations=[DEFAULT]` + representative dataset), or "
        "requantize the weights symmetrically."
    ),
    Cause.FLOAT16_DOC: (
        "FLOAT16 constants feed DEQUANTIZE ops, directly or through DENSIFY (sparse float16 weights): a "
        "float16-quantized model (`target_spec.supported_types=[tf.float16]`). One finding per subgraph with the "
        "count and stored bytes."
    ),
    Cause.DYNAMIC_RANGE_DOC: " (`optimizations=[DEFAULT]` without a representative dataset)",
    Remedy.FULL_INTEGER: (
        "give the converter a `representative_dataset` (and `inference_input_type/output_type = tf.int8`)."
    ),
    Remedy.FOLD_QAT: (
        "Convert the QAT model with `optimizations=[DEFAULT]` so the pairs fold into integer ops, or remove the "
        "quantization nodes from the float model."
    ),
    # --- shapes and hygiene -----------------------------------------------------------------------
    Remedy.CHANGE_SIZE_IN_SOURCE: (
        "Re-convert from the source model; if you changed an input size, change it in the Keras model (or call "
        "`resize_tensor_input`) rather than in the file."
    ),
    Cause.DUPLICATE_CONSTANTS: (
        "Identical constants in separate buffers: weights tied in Keras but exported twice, models merged from "
        "several files, or tools that do not deduplicate (the TF converter does)."
    ),
    Remedy.STATIC_ZERO_STATE: (
        "Check that trained weights were loaded before conversion; replace zero state with `tf.zeros` of a static "
        "shape (folded, or a FILL) if it is intentional."
    ),
    # --- target reasons -----------------------------------------------------------------------
    Remedy.STATIC_INPUT_SHORT: "give the model a static input (keras.Input(..., batch_size=1))",
    Remedy.STATIC_SHAPES_FOLD: (
        "give the model static shapes (keras.Input(..., batch_size=1)) so the converter folds the SHAPE chain"
    ),
    Remedy.STATIC_BATCH_FOLDS_SHAPES: (
        "use a static input (keras.Input(..., batch_size=1)) so the converter folds the SHAPE chain"
    ),
    Remedy.STATIC_BATCH: "use a static input shape: keras.Input(..., batch_size=1)",
    Remedy.INTEGER_IO_SHORT: (
        "convert with inference_input_type/inference_output_type = tf.int8 (or tf.uint8) so the graph has no float I/O"
    ),
    Remedy.FULL_INTEGER_SHORT: "quantize fully: representative_dataset + supported_ops=[TFLITE_BUILTINS_INT8]",
    Remedy.NO_FLOAT16_WEIGHTS: (
        "convert without float16 weights (drop target_spec.supported_types=[tf.float16]) or quantize to int8"
    ),
    Remedy.FULL_INTEGER_OR_FLOAT: "quantize fully to int8 with a representative dataset, or keep float weights",
    Remedy.NEAREST_RESIZE_LAYER: (
        "for nearest-neighbour upsampling use keras.layers.Resizing(interpolation='nearest'), which converts to "
        "RESIZE_NEAREST_NEIGHBOR"
    ),
    Remedy.NO_FLEX: "rewrite the TensorFlow op with builtin ops and convert without SELECT_TF_OPS",
    # --- dynamic in name only, layouts ----------------------------------------------------------
    Cause.PINNED_SIZE_LEAD: "",
    Cause.PINNED_SIZE: (
        "The Keras model fixes a size that the input's None dims must match: a resize to a constant size "
        "(`keras.layers.Resizing(64, 48)`, `tf.image.resize(x, (64, 48))`), a weight or constant of fixed shape, or a "
        "reshape to constant dims; the converter keeps the input's dims dynamic anyway. LiteRT checks sizes when it "
        "prepares the op: after a resize to any other size `allocate_tensors()` fails."
    ),
    Remedy.PINNED_SIZE: (
        "Convert with a static input at the size the model accepts{shape}: `keras.Input(shape=...)` with those "
        "sizes (only the batch None), resizing images to it in the app; for several sizes, one model per size, or "
        "resize to a size computed from the input (`tf.shape`) instead of a constant."
    ),
    Cause.CHANNELS_FIRST_IO: (
        "The model takes or returns channels-first tensors (`data_format='channels_first'`, or a model ported from "
        "a channels-first framework); TFLite kernels work channels-last, so the converter put a TRANSPOSE at each "
        "such input and output. Each copies the whole tensor on every invoke."
    ),
    Remedy.CHANNELS_LAST_IO: (
        "Build the Keras model channels-last (`data_format='channels_last'`, inputs `(H, W, C)`) and convert that; "
        "feed NHWC data."
    ),
    Remedy.NPU_FULL_INTEGER: (
        "quantize fully with a representative_dataset: supported_ops=[tf.lite.OpsSet.TFLITE_BUILTINS_INT8] for "
        "int8, or [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8] for 16x8, instead "
        "of dynamic-range quantization (optimizations=[tf.lite.Optimize.DEFAULT] alone)"
    ),
    Remedy.INT32_INDEX: "ask for int32 indices: tf.math.argmax(x, axis, output_type=tf.int32)",
    Remedy.NPU_NEWER_SOC: (
        "target an SoC with HTP v73 or later, or quantize the activations to int8 (TFLITE_BUILTINS_INT8) "
        "instead of 16x8"
    ),
    Remedy.STATE_AS_IO: (
        "export a stateless model: pass the state in as an input and return the new state as an output instead of "
        "keeping it in tf.Variable objects the converter turns into resource variables"
    ),
}
