"""Explain a failed TFLite conversion in the user's terms.

Input: the converter's error message (the ``str()`` of ``ConverterError``), an MLIR dump, or
(with TensorFlow installed) a Keras model / ``.keras`` file / SavedModel directory, which is
converted first. A litert-torch failure (the Python traceback of ``litert_torch.convert``) is read
by :mod:`.pytorch`; :func:`tfl_inspect.convert_torch` converts a module and diagnoses it. For each
op the TensorFlow converter could not handle, the diagnosis gives:

- the dialect op and the converter's own message (and error code);
- the Keras layer, recovered from the op's location (see :func:`keras_layer`);
- operand and result types, with the unknown (``?``) dims marked, and which of them matter
  for this op (a convolution needs its input channel count);
- for each unknown dim, the chain back to where it became unknown: a model input with ``?``,
  or a RESHAPE whose target shape is computed at run time (and the Keras layer whose lowering
  that is, e.g. UpSampling2D's EXPAND_DIMS → TILE → RESHAPE);
- the fixes, each saying whether it applies here: a static ``keras.Input(shape=..., batch_size=...)``,
  ``Resizing``/``tf.image.resize`` instead of UpSampling2D, ``SELECT_TF_OPS`` (and its cost).

Nothing here imports TensorFlow; a Keras model passed as context is only read (layer names,
classes, inbound layers, input shapes).
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import ModelFormatError, UsageError
from ..model import Model
from .analyze import build_failure, raw_failures
from .layers import KerasContext, keras_layer
from .records import SCHEMA_ID, Diagnosis, Failure, Fix, Origin, TraceStep, UnknownDim

__all__ = [
    "diagnose",
    "diagnose_text",
    "is_convertible",
    "Diagnosis",
    "Failure",
    "UnknownDim",
    "Origin",
    "TraceStep",
    "Fix",
    "keras_layer",
    "SCHEMA_ID",
]


def diagnose(source: Any, *, keras_model: Any = None, **converter_options: Any) -> Diagnosis:
    """Diagnose a failed conversion.

    ``source`` is a converter error message (text or a file holding it), an MLIR file or a
    parsed :class:`~tfl_inspect.model.Model`; models that must be converted first go through
    :func:`tfl_inspect.diagnose`. ``keras_model`` gives the layer names, classes and input
    shapes that the MLIR alone lacks.

    Returns a :class:`Diagnosis` (``.ok`` when nothing failed); it does not raise for a
    failed conversion — :func:`tfl_inspect.convert` is the form that raises.
    """
    if isinstance(source, Model):
        return _from_document(None, source, keras_model, source.source)
    if is_convertible(source):
        # The converter sits above this module (it calls diagnose_text); convert first with
        # tfl_inspect.diagnose or converter.try_convert, which hand the error text here.
        raise UsageError("a model to convert goes through tfl_inspect.diagnose() or converter.try_convert()")
    if converter_options:
        raise UsageError("converter options only apply when diagnosing a model that is converted here")
    from ..readers.mlir import parse_document, read_text
    from .pytorch import diagnose_pytorch_text, is_pytorch_failure

    text, path = read_text(source)
    if is_pytorch_failure(text):  # a litert-torch traceback, not TensorFlow converter output
        return diagnose_pytorch_text(text, path)

    doc = parse_document(source, strict=False)
    return _diagnose_document(doc, keras_model)


def is_convertible(source: Any) -> bool:
    """True for what has to go through the converter first: a model object, a Keras file, a directory."""
    if isinstance(source, bytes | bytearray | memoryview):
        return False
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        if "\n" in path:
            return False
        return os.path.isdir(path) or path.endswith((".keras", ".h5", ".hdf5"))
    return not isinstance(source, str)


def _diagnose_document(doc: Any, keras_model: Any = None) -> Diagnosis:
    model = None
    notes: list[str] = []
    if doc.converter is not None:
        notes.extend(f"the MLIR in the message does not parse: {p}" for p in doc.converter.problems)
    if doc.module is not None:
        from ..readers.mlir.to_model import to_model

        try:
            model = to_model(doc.module, doc.path, doc.size)
        except ModelFormatError as exc:
            notes.append(f"the embedded MLIR could not be read as a model: {exc.detail}")
    return _from_document(doc, model, keras_model, doc.path, notes)


def diagnose_text(text: str, keras_model: Any = None, source: str | None = None) -> Diagnosis:
    """Diagnose a converter error message held in a string (what :mod:`converter` calls)."""
    from ..readers.mlir import parse_document

    doc = parse_document(text.encode("utf-8"), source, strict=False)
    return _diagnose_document(doc, keras_model)


def _from_document(
    doc: Any, model: Model | None, keras_model: Any, source: str | None, notes: list[str] | None = None
) -> Diagnosis:
    keras = KerasContext(keras_model) if keras_model is not None else None
    if doc is None:
        doc = _NoText()
    raws, extra_notes, select = raw_failures(doc, model)
    failures = tuple(build_failure(r, model, keras) for r in raws)
    all_notes = [*(notes or []), *extra_notes]
    if doc.converter is not None and not failures and doc.converter.errors:
        all_notes.append("the converter reported errors, but none names an op: see the notes above")
    return Diagnosis(source, failures, tuple(dict.fromkeys(all_notes)), tuple(select), None, model)


class _NoText:
    converter = None
