"""Run the TFLite converter and turn its failures into a diagnosis (TensorFlow is optional).

``convert(model)`` returns the ``.tflite`` bytes, or raises :class:`ConversionError`: an
exception is what a failed build step should be (scripts stop, CI fails), and the error
carries everything needed to act on it — ``.diagnosis`` (structured: failing ops, Keras
layers, unknown dims and their origin, fixes), ``.converter_message`` (the converter's own
text) — while ``str(error)`` is the readable diagnosis, so a notebook shows the explanation,
not pages of MLIR. :func:`try_convert` is the non-raising form.

Install the extra: ``pip install tfl-inspect[convert]``.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .errors import TflInspectError, UsageError

if TYPE_CHECKING:
    from .diagnosis import Diagnosis

__all__ = ["convert", "try_convert", "ConversionError", "with_static_inputs", "load_keras_model"]

# Shortcuts for converter.target_spec fields.
_TARGET_SPEC = {"supported_ops", "supported_types", "experimental_select_user_tf_ops"}


class ConversionError(TflInspectError):
    """The converter failed; ``diagnosis`` explains why and what to change."""

    def __init__(self, diagnosis: Diagnosis, converter_message: str) -> None:
        self.diagnosis = diagnosis
        self.converter_message = converter_message
        super().__init__(diagnosis.headline)

    def __str__(self) -> str:
        return self.diagnosis.to_text()


def _tensorflow() -> Any:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import tensorflow as tf
    except ImportError:
        raise UsageError(
            "converting needs TensorFlow: pip install 'tfl-inspect[convert]' (or tensorflow-cpu)"
        ) from None
    return tf


def load_keras_model(path: str | os.PathLike[str]) -> Any:
    """A ``.keras``/``.h5`` file as a Keras model (not compiled: only the graph is needed)."""
    _tensorflow()
    import keras

    try:
        return keras.models.load_model(os.fspath(path), compile=False)
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(f"{os.fspath(path)}: cannot load the Keras model: {exc}") from None


def _make_converter(tf: Any, source: Any) -> tuple[Any, Any]:
    """(TFLiteConverter, Keras model or None) for a Keras model, a model file or a SavedModel dir."""
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        if os.path.isdir(path):
            if not os.path.exists(os.path.join(path, "saved_model.pb")):
                raise UsageError(f"{path}: not a SavedModel directory (no saved_model.pb)")
            return tf.lite.TFLiteConverter.from_saved_model(path), None
        if path.endswith((".keras", ".h5", ".hdf5")):
            model = load_keras_model(path)
            return tf.lite.TFLiteConverter.from_keras_model(model), model
        raise UsageError(f"{path}: expected a .keras/.h5 file or a SavedModel directory")
    if hasattr(source, "layers") and hasattr(source, "inputs"):
        return tf.lite.TFLiteConverter.from_keras_model(source), source
    if hasattr(source, "structured_input_signature"):  # a ConcreteFunction
        return tf.lite.TFLiteConverter.from_concrete_functions([source]), None
    raise UsageError(f"cannot convert a {type(source).__name__}: pass a Keras model, a .keras file or a SavedModel dir")


def _apply_options(converter: Any, options: Mapping[str, Any]) -> None:
    for key, value in options.items():
        if key in _TARGET_SPEC:
            setattr(converter.target_spec, key, value)
        elif hasattr(converter, key):
            setattr(converter, key, value)
        else:
            known = sorted(k for k in vars(converter) if not k.startswith("__")) + sorted(_TARGET_SPEC)
            raise UsageError(f"unknown converter option {key!r} (known: {', '.join(known)})")


def _run(source: Any, options: Mapping[str, Any]) -> tuple[bytes | None, Diagnosis, BaseException | None]:
    from .diagnosis import Diagnosis, diagnose_text

    tf = _tensorflow()
    converter, keras_model = _make_converter(tf, source)
    _apply_options(converter, options)
    name = _describe(source)
    try:
        # Keras prints "Saved artifact at ..." while exporting: keep stdout clean for JSON users.
        with contextlib.redirect_stdout(io.StringIO()):
            flatbuffer = bytes(converter.convert())
    except Exception as exc:
        if type(exc).__name__ != "ConverterError":  # only the converter's own failure is diagnosed
            raise
        return None, diagnose_text(str(exc), keras_model=keras_model, source=name), exc
    return flatbuffer, Diagnosis(name, (), converted_bytes=len(flatbuffer)), None


def try_convert(model_or_saved_model_dir: Any, **converter_options: Any) -> tuple[bytes | None, Diagnosis]:
    """(flatbuffer, diagnosis): the bytes and an ``ok`` diagnosis, or None and what went wrong."""
    flatbuffer, diagnosis, _ = _run(model_or_saved_model_dir, converter_options)
    return flatbuffer, diagnosis


def convert(model_or_saved_model_dir: Any, **converter_options: Any) -> bytes:
    """Convert to a ``.tflite`` flatbuffer, or raise :class:`ConversionError` with a diagnosis.

    ``model_or_saved_model_dir``: a Keras model, a ``.keras``/``.h5`` path, a SavedModel
    directory or a ``tf.function`` ConcreteFunction. ``converter_options`` are set on the
    ``tf.lite.TFLiteConverter`` (``optimizations=[tf.lite.Optimize.DEFAULT]``,
    ``representative_dataset=...``, ``inference_input_type=tf.int8``...); ``supported_ops``
    and ``supported_types`` go to its ``target_spec``. Unknown names raise
    :class:`~tfl_inspect.errors.UsageError`. The original ``ConverterError`` is the
    exception's ``__cause__``.
    """
    flatbuffer, diagnosis, error = _run(model_or_saved_model_dir, converter_options)
    if flatbuffer is None:
        raise ConversionError(diagnosis, str(error)) from error
    return flatbuffer


def with_static_inputs(
    model: Any,
    shapes: Mapping[str, Sequence[int | None]] | Sequence[Sequence[int | None]],
    batch_size: int | None = None,
) -> Any:
    """The same Keras model behind new inputs of a fixed shape (the ``static_input`` fix).

    ``shapes`` gives each input's per-example shape (no batch dim), by input name or in order.
    The layers (and weights) are shared with ``model``; it is called on the new inputs.
    """
    _tensorflow()
    import keras

    originals = list(model.inputs)
    new_inputs = []
    for k, t in enumerate(originals):
        name = str(getattr(t, "name", f"input_{k}"))
        if isinstance(shapes, Mapping):
            shape = shapes.get(name, tuple(t.shape[1:]))
        else:
            shape = shapes[k] if k < len(shapes) else tuple(t.shape[1:])
        new_inputs.append(keras.Input(shape=tuple(shape), batch_size=batch_size, name=name, dtype=t.dtype))
    args = new_inputs[0] if len(new_inputs) == 1 else new_inputs
    return keras.Model(new_inputs if len(new_inputs) > 1 else new_inputs[0], model(args), name=model.name)


def _describe(source: Any) -> str:
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    name = getattr(source, "name", None)
    return f"Keras model '{name}'" if name else type(source).__name__
