"""Who produced a model — TensorFlow/Keras, litert-torch, onnx2tf, JAX, MediaPipe, TOCO… — with the evidence.

Read once per model (:attr:`Model.producer`), like the schema version, so that rules, fixes,
names and target reasons speak the producer's language instead of each assuming Keras. Every
verdict lists the facts it rests on; producers leave different traces:

- the TensorFlow converter writes ``CONVERSION_METADATA`` (TF version, source model type) and
  ``min_runtime_version``, names I/O after the SavedModel signature (``serving_default_x:0``);
- litert-torch (ai-edge-torch) converts through the same converter (older releases even write
  its ``CONVERSION_METADATA``), but names tensors after the Python class path of each enclosing
  module (``torch.nn.modules.linear.Linear_fc``), leaves ``keep_stablehlo_constant`` metadata and
  emits ``odml.*`` StableHLO composites; it records no version of its own;
- onnx2tf builds a Keras model from ONNX, so the metadata says KERAS_MODEL (with Select TF ops
  enabled), but most of its tensor names are TF-op layer names (``model_2/tf.nn.convolution/…``);
- jax2tf names tensors ``jit(fn)/jit(main)/…``; TOCO wrote the description "TOCO Converted.";
  MediaPipe graphs use MediaPipe's custom ops; TFLite Micro's tools add an offline memory plan.

Only a bounded sample of tensor names is read, so detection costs the same on any model size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Model

__all__ = ["Producer", "detect", "PRODUCERS", "UNKNOWN"]

# id → (title, the framework family whose API the advice names)
PRODUCERS: dict[str, tuple[str, str | None]] = {
    "tensorflow": ("TensorFlow/Keras", "tensorflow"),
    "litert-torch": ("PyTorch via litert-torch (ai-edge-torch)", "pytorch"),
    "onnx2tf": ("ONNX via onnx2tf", "onnx"),
    "jax": ("JAX via jax2tf", "jax"),
    "mediapipe": ("MediaPipe (TensorFlow/Keras)", "tensorflow"),
    "toco": ("TensorFlow (TOCO, TF 1.x)", "tensorflow"),
    "tflm": ("TensorFlow, prepared for TFLite Micro", "tensorflow"),
    "unknown": ("unknown", None),
}


@dataclass(frozen=True, slots=True)
class Producer:
    """``id`` is a key of :data:`PRODUCERS`; ``evidence`` says what in the file shows it."""

    id: str
    version: str | None = None
    evidence: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return PRODUCERS[self.id][0]

    @property
    def family(self) -> str | None:
        """The framework whose API fixes name: tensorflow, pytorch, onnx, jax, or None."""
        return PRODUCERS[self.id][1]

    def to_json(self) -> dict[str, object]:
        return {"name": self.id, "title": self.title, "version": self.version, "evidence": list(self.evidence)}


UNKNOWN = Producer("unknown")

_SAMPLE = 400  # tensor names read per model, at most
_TORCH_CLASS = re.compile(r"(?:^|[/;])(?:torch|torchvision|torchaudio|transformers|timm)\.[\w.]+\.[A-Z]\w*")
# A Keras functional model's TF-op layers (``model_2/tf.nn.convolution/…``, ``model/tf.math.add_2/Add``).
_TF_OP_LAYER = re.compile(r"(?:^|[/;])model(?:_\d+)?/tf\.[A-Za-z_][\w.]*/")
_JAX = re.compile(r"^jit\([^)]*\)/")
_MEDIAPIPE_OPS = frozenset(
    {
        "Convolution2DTransposeBias",
        "MaxPoolingWithArgmax2D",
        "MaxUnpooling2D",
        "Landmarks2TransformMatrix",
        "TransformLandmarks",
        "TransformTensorBilinear",
    }
)


def _names(model: Model) -> list[str]:
    out: list[str] = []
    for sg in model.subgraphs:
        for t in sg.tensors:
            if t.name:
                out.append(t.name)
            if len(out) >= _SAMPLE:
                return out
    return out


def _custom_codes(model: Model) -> set[str]:
    return {op.custom_code for sg in model.subgraphs for op in sg.operators if op.is_custom and op.custom_code}


def detect(model: Model) -> Producer:
    """The most specific producer the file shows, with every fact it rests on."""
    tf: list[str] = []
    meta = model.conversion_metadata
    env = meta.get("environment") if isinstance(meta, dict) else None
    tf_version = env.get("tensorflow_version") if isinstance(env, dict) else None
    if tf_version:
        kind = env.get("model_type") if isinstance(env, dict) else None
        tf.append(f"CONVERSION_METADATA: TensorFlow {tf_version} converter" + (f", from {kind}" if kind else ""))
    if model.description == "TOCO Converted.":
        return Producer("toco", None, ('description "TOCO Converted."',))
    names = _names(model)
    torch = next((n for n in names if _TORCH_CLASS.search(n)), None)
    stablehlo_flag = model.metadata_value("keep_stablehlo_constant") is not None or any(
        e.name == "keep_stablehlo_constant" for e in model.metadata
    )
    if torch is not None or stablehlo_flag:
        ev = [f"tensor names are PyTorch module class paths (e.g. '{_short(torch)}')"] if torch else []
        if stablehlo_flag:
            ev.append("keep_stablehlo_constant metadata (written by litert-torch's converter)")
        composites = sorted(
            {
                str(op.options.get("name"))
                for sg in model.subgraphs
                for op in sg.operators
                if op.builtin == "STABLEHLO_COMPOSITE" and str(op.options.get("name", "")).startswith("odml.")
            }
        )
        if composites:
            ev.append(f"odml composites: {', '.join(composites[:4])}")
        return Producer("litert-torch", None, (*ev, *tf))
    # Keras TF-op layers appear in hand-written Keras models too (a few per model); onnx2tf builds
    # every ONNX node as one, so they dominate its names.
    onnx = [n for n in names if _TF_OP_LAYER.search(n)]
    if names and len(onnx) >= 0.3 * len(names):
        share = f"{len(onnx)} of {len(names)} tensor names"
        return Producer(
            "onnx2tf", None, (f"{share} are Keras TF-op layers as onnx2tf builds them (e.g. '{_short(onnx[0])}')", *tf)
        )
    jax = next((n for n in names if _JAX.match(n)), None)
    if jax is not None:
        return Producer("jax", None, (f"tensor names are jax2tf traces (e.g. '{_short(jax)}')", *tf))
    mediapipe = sorted(_custom_codes(model) & _MEDIAPIPE_OPS)
    if mediapipe:
        return Producer("mediapipe", tf_version, (f"MediaPipe custom ops: {', '.join(mediapipe)}", *tf))
    if model.metadata_value("OfflineMemoryAllocation") is not None or any(
        e.name == "OfflineMemoryAllocation" for e in model.metadata
    ):
        return Producer("tflm", tf_version, ("OfflineMemoryAllocation metadata (TFLite Micro offline plan)", *tf))
    if tf:
        return Producer("tensorflow", tf_version, tuple(tf))
    serving = next((n for n in names if n.startswith("serving_default_") and n.endswith(":0")), None)
    if serving is not None:
        return Producer("tensorflow", None, (f"SavedModel signature tensor names (e.g. '{_short(serving)}')",))
    return UNKNOWN


def _short(name: str, limit: int = 80) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
