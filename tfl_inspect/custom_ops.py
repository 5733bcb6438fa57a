"""The custom ops users meet in models others made: where each kernel comes from, its options, its shapes.

Whoever reads a model usually did not convert it, so "avoid custom ops at conversion time" helps nobody:
what helps is which op resolver or library the app must link, which runtimes have the kernel, what the
options say and what output shape they fix. This module is that table, as data plus small functions,
and the one place that says which runtime or compat target runs which custom op (:data:`RUNTIMES`,
:func:`runs_on`): the XNNPACK, GPU and TFLite Micro targets read it.

Sources (read with ``git show``; layouts ported, no code copied):

- MediaPipe ``mediapipe/util/tflite/operations/*.cc`` and ``mediapipe/util/tflite/cpu_op_resolver.cc``
  at google-ai-edge/mediapipe@85c0cdc7d70653888903c88df45962b764296342. The pooling, unpooling and
  transposed-convolution ops read ``node->custom_initial_data`` as a raw C struct
  (``TfLitePoolParams``, ``TfLiteTransposeConvParams`` from ``tflite/core/c/builtin_op_data.h``); the
  landmark/transform ops read FlexBuffer maps.
- TFLite Micro ``tensorflow/lite/micro/micro_mutable_op_resolver.h`` and ``signal/micro/kernels/*.cc``
  at tensorflow/tflite-micro@90b983c2b3f1480642e040bbd2ddb37b998f3424 (signal op names and option keys;
  TFLM does not resize outputs, so those ops get no shape function).
- LiteRT ``tflite/kernels/detection_postprocess.cc`` at
  google-ai-edge/LiteRT@044e7a1d0cc6d0530ad57974e096327d066a1d39 (``TFLite_Detection_PostProcess``:
  outputs sized in Prepare from max_detections × max_classes_per_detection).
- TensorFlow ``tensorflow/lite/experimental/microfrontend/audio_microfrontend.cc`` at
  tensorflow/tensorflow@233739d9e063cf4666e437290db486a5381c3e7d (``AudioMicrofrontend``: FlexBuffer
  options, output size from its Prepare).
- Who runs what, at LiteRT@f67457790c9c (tflite/core/kernels/register.cc ``BuiltinOpResolver``;
  tflite/delegates/xnnpack/xnnpack_delegate.cc ``VisitNode`` for ``kTfLiteBuiltinCustom``;
  tflite/delegates/gpu/common/model_builder.cc ``NewOperationParser`` and
  tflite/tools/versioning/gpu_compatibility.cc ``CheckCustomOpsGpuDelegateCompatibility``), MediaPipe's
  ``cpu_op_resolver.cc`` and ``tasks/cc/core/mediapipe_builtin_op_resolver.cc`` (the latter has no
  ``Resampler``), and tflite-micro's ``python_ops_resolver.cc`` / ``micro_mutable_op_resolver.h``
  (``AddEthosU`` registers ``ethos-u`` only in a build with ``kernels/ethos_u/ethosu.cc``; the default
  ``kernels/ethosu.cc`` returns no registration). Checked with the runtimes in tests/test_custom_ops.py.

A shape function is ``(input_shapes, options) -> output shapes or None``; the shape engine hooks it in.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CustomOpInfo",
    "CUSTOM_OPS",
    "RUNTIMES",
    "Run",
    "runs_on",
    "codes_run_by",
    "lookup",
    "raw_options",
    "decode_options",
    "infer_shapes",
    "describe",
    "RAW_HEX_LIMIT",
]

Shape = tuple[int, ...]
ShapeFn = Callable[[Sequence[Shape | None], Mapping[str, Any]], list[Shape] | None]

RAW_HEX_LIMIT = 1024  # raw option bytes kept as hex up to this size (known layouts are far smaller)

_PADDING = {0: "UNKNOWN", 1: "SAME", 2: "VALID"}  # TfLitePadding
_ACTIVATION = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT", 6: "SIGMOID"}

_MEDIAPIPE_KERNEL = (
    "MediaPipe: link //mediapipe/util/tflite:cpu_op_resolver (MediaPipe_RegisterTfLiteOpResolver) or use "
    "MediaPipe Tasks' MediaPipeBuiltinOpResolver; the MediaPipe graph registers it for you"
)
_TFLM_SIGNAL_KERNEL = (
    "TFLite Micro signal library: MicroMutableOpResolver::Add{op}() (signal/micro/kernels); in TensorFlow "
    "the tflite_micro signal ops (tflm_signal)"
)


# Runtime (and compat target) ids → what the user calls them. The target ids are the targets' names.
RUNTIMES: dict[str, str] = {
    "litert": "LiteRT / TFLite (CPU)",  # the stock BuiltinOpResolver
    "mediapipe": "MediaPipe's op resolver (CPU kernels)",
    "xnnpack": "XNNPACK delegate",
    "gpu": "LiteRT GPU delegate",
    "tflm": "TFLite Micro",  # the tflite-micro package's resolver (python_ops_resolver.cc)
    "tflm-ethos-u": "TFLite Micro built for an Arm Ethos-U NPU",
    "litert-npu": "LiteRT with the SoC vendor's NPU dispatch library, on the SoC it was compiled for",
    "tf-signal": "TensorFlow with the tflite_micro signal ops",
    "litert-microfrontend": "LiteRT / TFLite with the microfrontend op linked",
}

_LITERT = "LiteRT tflite/core/kernels/register.cc (BuiltinOpResolver) @f67457790c9c"
_XNNPACK = (
    "LiteRT tflite/delegates/xnnpack/xnnpack_delegate.cc Subgraph::VisitNode (kTfLiteBuiltinCustom) @f67457790c9c"
)
_GPU = (
    "LiteRT tflite/delegates/gpu/common/model_builder.cc NewOperationParser + tflite/tools/versioning/"
    "gpu_compatibility.cc CheckCustomOpsGpuDelegateCompatibility @f67457790c9c"
)
_MP_CPU = "google-ai-edge/mediapipe mediapipe/util/tflite/cpu_op_resolver.cc @85c0cdc7d706"
_MP_BOTH = _MP_CPU + " and mediapipe/tasks/cc/core/mediapipe_builtin_op_resolver.cc"
_TFLM = "tflite-micro python/tflite_micro/python_ops_resolver.cc + micro_mutable_op_resolver.h @90b983c2b3f1"


@dataclass(frozen=True, slots=True)
class Run:
    """One runtime that runs the op, and where that is written."""

    runtime: str  # a RUNTIMES key
    source: str


@dataclass(frozen=True)
class CustomOpInfo:
    """What a deployer needs to know about one custom op."""

    name: str
    family: str
    kernel: str  # which resolver / library provides the kernel
    runs: tuple[Run, ...]  # runtimes that run it (a kernel, or a delegate that takes the node)
    options_format: str  # "raw <C struct>", "flexbuffer" or "none"
    source: str  # where the kernel and layout are defined
    decode_raw: Callable[[bytes], dict[str, Any] | None] | None = None
    shape: ShapeFn | None = None
    note: str = ""

    @property
    def runtimes(self) -> tuple[str, ...]:
        return tuple(RUNTIMES[r.runtime] for r in self.runs)


# --- raw C-struct layouts ------------------------------------------------------------------------


def _pool_params(raw: bytes) -> dict[str, Any] | None:
    """``TfLitePoolParams``: padding, stride_w, stride_h, filter_w, filter_h, activation, computed padding."""
    if len(raw) < 24:
        return None
    padding, sw, sh, fw, fh, act = struct.unpack_from("<6i", raw)
    return {
        "padding": _PADDING.get(padding, padding),
        "stride_width": sw,
        "stride_height": sh,
        "filter_width": fw,
        "filter_height": fh,
        "fused_activation_function": _ACTIVATION.get(act, act),
    }


def _transpose_conv_params(raw: bytes) -> dict[str, Any] | None:
    """``TfLiteTransposeConvParams``: padding, stride_width, stride_height (12 bytes)."""
    if len(raw) < 12:
        return None
    padding, sw, sh = struct.unpack_from("<3i", raw)
    return {"padding": _PADDING.get(padding, padding), "stride_width": sw, "stride_height": sh}


def _exec_info(raw: bytes) -> dict[str, Any] | None:
    """Older LiteRT's ``ExecInfo`` (``char entrypoint_name[125]; char metadata_key[125]``): the legacy
    DISPATCH_OP options, pointing at the ``NPU_BYTE_CODE`` metadata entry (tensorflow/tensorflow
    tensorflow/lite/experimental/litert/core/byte_code_util.cc @23f68d61c723)."""
    if len(raw) != 250:
        return None
    name, key = (raw[i : i + 125].split(b"\0", 1)[0].decode("utf-8", "replace") for i in (0, 125))
    return {"entry_point": name, "metadata_key": key}


# --- shape functions (ported from each kernel's Prepare) -----------------------------------------


def _rank4(shape: Shape | None) -> bool:
    return shape is not None and len(shape) == 4


def _max_pool_argmax(inputs: Sequence[Shape | None], o: Mapping[str, Any]) -> list[Shape] | None:
    if not inputs or not _rank4(inputs[0]) or not o.get("stride_width") or not o.get("stride_height"):
        return None
    n, h, w, c = inputs[0]  # type: ignore[misc]

    def out(size: int, k: int, s: int) -> int:
        if o.get("padding") == "SAME":
            return (size + s - 1) // s
        if o.get("padding") == "VALID":
            return (size - k + s) // s
        return 0

    shape = (n, out(h, o["filter_height"], o["stride_height"]), out(w, o["filter_width"], o["stride_width"]), c)
    return [shape, shape]  # pooled values and argmax indices (float32)


def _max_unpooling(inputs: Sequence[Shape | None], o: Mapping[str, Any]) -> list[Shape] | None:
    if not inputs or not _rank4(inputs[0]) or "filter_height" not in o:
        return None
    n, h, w, c = inputs[0]  # type: ignore[misc]
    return [(n, h * o["filter_height"], w * o["filter_width"], c)]


def _transpose_conv_bias(inputs: Sequence[Shape | None], o: Mapping[str, Any]) -> list[Shape] | None:
    if len(inputs) < 2 or not _rank4(inputs[0]) or not _rank4(inputs[1]) or not o.get("stride_height"):
        return None
    n, h, w, _ = inputs[0]  # type: ignore[misc]
    out_c, kh, kw, _ = inputs[1]  # type: ignore[misc]
    sh, sw = o["stride_height"], o["stride_width"]
    pad_h = pad_w = 0
    if o.get("padding") == "SAME":
        pad_h = max(0, kh - (h - 1) % sh - 1)
        pad_w = max(0, kw - (w - 1) % sw - 1)
    return [(n, sh * (h - 1) + kh - pad_h, sw * (w - 1) + kw - pad_w, out_c)]


def _transform_tensor_bilinear(inputs: Sequence[Shape | None], o: Mapping[str, Any]) -> list[Shape] | None:
    if not inputs or not _rank4(inputs[0]) or "output_height" not in o or "output_width" not in o:
        return None
    return [(1, int(o["output_height"]), int(o["output_width"]), inputs[0][3])]  # type: ignore[index]


def _landmarks_to_matrix(inputs: Sequence[Shape | None], o: Mapping[str, Any]) -> list[Shape] | None:
    return [(1, 4, 4)]


def _same_as_first(inputs: Sequence[Shape | None], o: Mapping[str, Any]) -> list[Shape] | None:
    return [inputs[0]] if inputs and inputs[0] is not None else None


def _audio_microfrontend(inputs: Sequence[Shape | None], o: Mapping[str, Any]) -> list[Shape] | None:
    """[frames, num_channels * (1 + left + right)] from a 1-D int16 audio input (its Prepare)."""
    if not inputs or inputs[0] is None or len(inputs[0]) != 1:
        return None
    rate = int(o.get("sample_rate", 0))
    size = int(o.get("window_size", 0)) * rate // 1000  # samples per window (lib/window_util.c)
    step = int(o.get("window_step", 0)) * rate // 1000
    stride = int(o.get("frame_stride") or 1)
    if size <= 0 or step <= 0:
        return None
    n = inputs[0][0]
    frames = (n - size) // step // stride + 1 if n >= size else 0
    width = int(o.get("num_channels", 0)) * (1 + int(o.get("left_context", 0)) + int(o.get("right_context", 0)))
    return [(frames, width)]


def _detection_postprocess(inputs: Sequence[Shape | None], o: Mapping[str, Any]) -> list[Shape] | None:
    if "max_detections" not in o:
        return None
    n = int(o["max_detections"]) * int(o.get("max_classes_per_detection", 1) or 1)
    return [(1, n, 4), (1, n), (1, n), (1,)]


# --- the table -----------------------------------------------------------------------------------

_MP = "google-ai-edge/mediapipe mediapipe/util/tflite/operations/"
_SIGNAL = "tensorflow/tflite-micro signal/micro/kernels/"


def _signal(name: str, adder: str, file: str, keys: str) -> CustomOpInfo:
    return CustomOpInfo(
        name,
        "TFLite Micro signal",
        _TFLM_SIGNAL_KERNEL.format(op=adder),
        (Run("tflm", _TFLM), Run("tf-signal", "tensorflow/tflite-micro signal/tensorflow_core/kernels")),
        "flexbuffer",
        _SIGNAL + file,
        note=f"audio front-end op; options: {keys}. LiteRT's BuiltinOpResolver has no kernel for it.",
    )


CUSTOM_OPS: dict[str, CustomOpInfo] = {
    info.name: info
    for info in (
        CustomOpInfo(
            "Convolution2DTransposeBias",
            "MediaPipe",
            _MEDIAPIPE_KERNEL,
            (Run("mediapipe", _MP_BOTH), Run("xnnpack", _XNNPACK), Run("gpu", _GPU)),
            "raw TfLiteTransposeConvParams",
            _MP + "transpose_conv_bias.cc",
            _transpose_conv_params,
            _transpose_conv_bias,
            "transposed convolution with bias (inputs: data, weights OHWI, bias); float32 only",
        ),
        CustomOpInfo(
            "MaxPoolingWithArgmax2D",
            "MediaPipe",
            _MEDIAPIPE_KERNEL,
            (Run("mediapipe", _MP_BOTH), Run("xnnpack", _XNNPACK), Run("gpu", _GPU)),
            "raw TfLitePoolParams",
            _MP + "max_pool_argmax.cc",
            _pool_params,
            _max_pool_argmax,
            "two outputs: pooled values and the argmax index within each window (float32)",
        ),
        CustomOpInfo(
            "MaxUnpooling2D",
            "MediaPipe",
            _MEDIAPIPE_KERNEL,
            (Run("mediapipe", _MP_BOTH), Run("xnnpack", _XNNPACK), Run("gpu", _GPU)),
            "raw TfLitePoolParams",
            _MP + "max_unpooling.cc",
            _pool_params,
            _max_unpooling,
            "inputs: values and the indices from MaxPoolingWithArgmax2D",
        ),
        CustomOpInfo(
            "TransformTensorBilinear",
            "MediaPipe",
            _MEDIAPIPE_KERNEL,
            (Run("mediapipe", _MP_BOTH),),
            "flexbuffer",
            _MP + "transform_tensor_bilinear.cc",
            None,
            _transform_tensor_bilinear,
            "bilinear crop of a feature map by a 4x4 matrix (version 2 in MediaPipe's resolver)",
        ),
        CustomOpInfo(
            "TransformLandmarks",
            "MediaPipe",
            _MEDIAPIPE_KERNEL,
            (Run("mediapipe", _MP_BOTH),),
            "none",
            _MP + "transform_landmarks.cc",
            None,
            _same_as_first,
            "maps landmarks through a 4x4 matrix; output has the landmarks' shape",
        ),
        CustomOpInfo(
            "Landmarks2TransformMatrix",
            "MediaPipe",
            _MEDIAPIPE_KERNEL,
            (Run("mediapipe", _MP_BOTH),),
            "flexbuffer",
            _MP + "landmarks_to_transform_matrix.cc",
            None,
            _landmarks_to_matrix,
            "a 1x4x4 crop matrix from landmarks (rotation indices, subset, scale)",
        ),
        CustomOpInfo(
            "Resampler",
            "MediaPipe",
            (
                "MediaPipe: link //mediapipe/util/tflite:cpu_op_resolver (MediaPipe_RegisterTfLiteOpResolver); "
                "MediaPipe Tasks' MediaPipeBuiltinOpResolver does not register it"
            ),
            (Run("mediapipe", _MP_CPU), Run("gpu", _GPU)),
            "none",
            _MP + "resampler.cc",
            None,
            None,
            "bilinear sampling of an image at given coordinates",
        ),
        CustomOpInfo(
            "TFLite_Detection_PostProcess",
            "TFLite",
            "built in: LiteRT/TFLite BuiltinOpResolver registers it; TFLite Micro: "
            "MicroMutableOpResolver::AddDetectionPostprocess()",
            (Run("litert", _LITERT), Run("tflm", _TFLM)),
            "flexbuffer",
            "tensorflow/lite/kernels/detection_postprocess.cc; tflite-micro tensorflow/lite/micro/kernels/"
            "detection_postprocess.cc",
            None,
            _detection_postprocess,
            "SSD anchor decoding and non-max suppression inside the model; inputs: box encodings, class "
            "scores, anchors; outputs: boxes [1,N,4], classes [1,N], scores [1,N], count [1]",
        ),
        CustomOpInfo(
            "AudioMicrofrontend",
            "TensorFlow experimental",
            "tensorflow/lite/experimental/microfrontend: register Register_AUDIO_MICROFRONTEND() with "
            "AddCustom('AudioMicrofrontend', ...); not in BuiltinOpResolver",
            (Run("litert-microfrontend", "tensorflow/lite/experimental/microfrontend/audio_microfrontend.cc"),),
            "flexbuffer",
            "tensorflow/lite/experimental/microfrontend/audio_microfrontend.cc",
            None,
            _audio_microfrontend,
            "spectrogram front end for keyword spotting (window, FFT, filterbank, noise reduction, PCAN, log); "
            "int16 audio in, int32 (or float32 with out_float) features out",
        ),
        CustomOpInfo(
            "CIRCULAR_BUFFER",
            "TFLite Micro",
            "TFLite Micro: MicroMutableOpResolver::AddCircularBuffer() (kernels/circular_buffer.cc)",
            (Run("tflm", _TFLM),),
            "flexbuffer",
            "tensorflow/tflite-micro tensorflow/lite/micro/kernels/circular_buffer.cc",
            note="streaming window over successive invocations (options: cycles_max); TFLM only",
        ),
        CustomOpInfo(
            "TFLM_DECODE",
            "TFLite Micro",
            "TFLite Micro: MicroMutableOpResolver::AddDecode() (kernels/decode.cc)",
            (Run("tflm", _TFLM),),
            "none",
            "tensorflow/tflite-micro tensorflow/lite/micro/kernels/decode.cc",
            note="decodes compressed constant tensors into the arena (inputs: encoded tensor, ancillary data "
            "per output); TFLM only",
        ),
        CustomOpInfo(
            "ethos-u",
            "Arm Ethos-U",
            "TFLite Micro built for an Arm Ethos-U NPU: MicroMutableOpResolver::AddEthosU() registers it only "
            "with tensorflow/lite/micro/kernels/ethos_u/ethosu.cc (the default kernels/ethosu.cc, as in the "
            "tflite-micro package, registers nothing)",
            (Run("tflm-ethos-u", "tensorflow/tflite-micro tensorflow/lite/micro/kernels/ethos_u/ethosu.cc"),),
            "flexbuffer",
            "tensorflow/tflite-micro tensorflow/lite/micro/kernels/ethos_u/ethosu.cc",
            note="an NPU command stream compiled by Arm's Vela; the ops it replaced run on the NPU",
        ),
        CustomOpInfo(
            "DISPATCH_OP",
            "LiteRT NPU dispatch",
            "LiteRT's dispatch delegate with the SoC vendor's dispatch library (libLiteRtDispatch_<Vendor>.so), "
            "on the SoC named in the model's LiteRtStamp; no CPU kernel exists",
            (Run("litert-npu", "LiteRT litert/runtime/dispatch/dispatch_delegate_kernel.cc @f67457790c9c"),),
            "flexbuffer",
            "LiteRT litert/core/dispatch_op_schema.cc (options), litert/core/build_stamp.h @f67457790c9c",
            _exec_info,
            note="an NPU partition compiled by a vendor plugin (apply_plugin / aot_compile); options "
            "{bytecode_offset, bytecode_size, name} point at its bytecode, appended after the flatbuffer",
        ),
        CustomOpInfo(
            "odml.scaled_dot_product_attention",
            "ODML (litert-torch)",
            "no CPU kernel in LiteRT's BuiltinOpResolver: the XNNPACK delegate takes the node "
            "(VisitScaledDotAttentionCompositeNode)",
            (Run("xnnpack", _XNNPACK),),
            "flexbuffer",
            "LiteRT tflite/delegates/xnnpack/xnnpack_delegate.cc (kOdmlSDPA)",
            note="scaled dot-product attention (query, key, value, mask) from litert-torch's SDPA lowering",
        ),
        _signal("SignalWindow", "Window", "window.cc", "shift"),
        _signal("SignalFftAutoScale", "FftAutoScale", "fft_auto_scale_kernel.cc", "none"),
        _signal("SignalRfft", "Rfft", "rfft.cc", "T, fft_length"),
        _signal("SignalIrfft", "Irfft", "irfft.cc", "T, fft_length"),
        _signal("SignalEnergy", "Energy", "energy.cc", "end_index, start_index"),
        _signal("SignalFilterBank", "FilterBank", "filter_bank.cc", "num_channels"),
        _signal("SignalFilterBankSquareRoot", "FilterBankSquareRoot", "filter_bank_square_root.cc", "none"),
        _signal(
            "SignalFilterBankSpectralSubtraction",
            "FilterBankSpectralSubtraction",
            "filter_bank_spectral_subtraction.cc",
            "smoothing, alternate_smoothing, one_minus_smoothing, clamping, min_signal_remaining, num_channels, "
            "smoothing_bits, spectral_subtraction_bits",
        ),
        _signal("SignalFilterBankLog", "FilterBankLog", "filter_bank_log.cc", "input_correction_bits, output_scale"),
        _signal("SignalPCAN", "PCAN", "pcan.cc", "snr_shift"),
        _signal("SignalFramer", "Framer", "framer.cc", "frame_size, frame_step, prefill"),
        _signal("SignalOverlapAdd", "OverlapAdd", "overlap_add.cc", "T, frame_step"),
        _signal(
            "SignalStacker",
            "Stacker",
            "stacker.cc",
            "num_channels, stacker_left_context, stacker_right_context, stacker_step",
        ),
        _signal("SignalDelay", "Delay", "delay.cc", "delay_length"),
    )
}


def runs_on(custom_code: str | None, runtime: str) -> bool:
    """Whether ``runtime`` (a :data:`RUNTIMES` key, e.g. a compat target) runs this custom op."""
    info = lookup(custom_code)
    return info is not None and any(r.runtime == runtime for r in info.runs)


def codes_run_by(runtime: str) -> frozenset[str]:
    """The custom codes ``runtime`` runs."""
    return frozenset(name for name, info in CUSTOM_OPS.items() if any(r.runtime == runtime for r in info.runs))


def lookup(custom_code: str | None) -> CustomOpInfo | None:
    """The table entry for a custom code; MediaPipe's older ``TransformTensor`` name maps to V1 of it."""
    if custom_code is None:
        return None
    if custom_code == "TransformTensor":
        return CUSTOM_OPS["TransformTensorBilinear"]
    return CUSTOM_OPS.get(custom_code)


def raw_options(custom_options: Any) -> bytes | None:
    """The raw bytes of options the reader kept as ``{"format": "raw", "hex": ...}``, else None."""
    if isinstance(custom_options, Mapping) and custom_options.get("format") == "raw":
        text = custom_options.get("hex")
        if isinstance(text, str) and not custom_options.get("truncated"):
            try:
                return bytes.fromhex(text)
            except ValueError:
                return None
    return None


def decode_options(custom_code: str | None, custom_options: Any) -> dict[str, Any] | None:
    """Options as named fields: the FlexBuffer map as read, or the known raw struct decoded."""
    info = lookup(custom_code)
    raw = raw_options(custom_options)
    if raw is not None:
        return info.decode_raw(raw) if info is not None and info.decode_raw is not None else None
    if isinstance(custom_options, Mapping):
        return dict(custom_options)
    return None


def infer_shapes(
    custom_code: str | None, input_shapes: Sequence[Shape | None], custom_options: Any
) -> list[Shape] | None:
    """Output shapes fixed by the inputs and options, or None where the table has no rule."""
    info = lookup(custom_code)
    if info is None or info.shape is None:
        return None
    options = decode_options(custom_code, custom_options) or {}
    try:
        return info.shape(input_shapes, options)
    except (TypeError, ValueError, KeyError, ZeroDivisionError):
        return None


def describe(custom_code: str | None, custom_options: Any) -> dict[str, Any] | None:
    """A JSON-ready description of a custom op (None for builtins and Flex ops)."""
    if custom_code is None or custom_code.startswith("Flex"):
        return None
    info = lookup(custom_code)
    if info is None:
        return {"known": False, "name": custom_code, "options": decode_options(custom_code, custom_options)}
    return {
        "known": True,
        "name": info.name,
        "family": info.family,
        "kernel": info.kernel,
        "runtimes": list(info.runtimes),
        "options_format": info.options_format,
        "options": decode_options(custom_code, custom_options),
        "source": info.source,
        "note": info.note,
    }
