"""What to change, and why it happened, in the words of the framework that produced the model.

Rules and target reasons never write framework API themselves: they name a :class:`Remedy` (what
to change) or a :class:`Cause` (how the converter got there) and :func:`say` gives the text for
the model's producer (:mod:`tfl_inspect.provenance`). The texts live in one module per producer
(:mod:`.tensorflow`, …) plus :mod:`.neutral` for unknown producers, so adding a producer's advice is
one file and a row in :data:`CATALOGUES`; a test checks that no rule or target module names framework
API itself, and that the neutral texts name none either.

A text is a :class:`Remedy` or :class:`Cause`, a plain string, or a tuple of texts joined as
they are; ``{name}`` in a catalogue text is filled from the keyword values given to :func:`say`
(and left empty when none is given).
"""

from __future__ import annotations

import enum
import importlib
import re
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from ..provenance import Producer

__all__ = ["Remedy", "Cause", "Text", "say", "variants", "CATALOGUES", "FALLBACK"]


class Remedy(enum.Enum):
    """What to change in the model or its conversion."""

    STATIC_INPUT = "static-input"  # convert with fully static input shapes
    STATIC_INPUT_SHORT = "static-input-short"
    STATIC_INPUT_OUTPUT_SHAPE = "static-input-output-shape"
    STATIC_BATCH_FOLDS_RESHAPE = "static-batch-folds-reshape"
    STATIC_BATCH = "static-batch"
    STATIC_BATCH_FOLDS_SHAPES = "static-batch-folds-shapes"
    STATIC_SHAPES_FOLD = "static-shapes-fold"  # so the converter folds the SHAPE chain
    STATIC_SIZES_NOT_RUNTIME_SHAPE = "static-sizes-not-runtime-shape"
    RESIZE_NOT_UPSAMPLING = "resize-not-upsampling"
    KNOWN_RANK = "known-rank"
    KNOWN_RANK_SPEC = "known-rank-spec"
    BATCH_NOT_LITERAL = "batch-not-literal"
    NAMED_OUTPUTS = "named-outputs"
    NAMED_IO = "named-io"
    ADD_SIGNATURES = "add-signatures"
    NO_FLEX = "no-flex"
    FLEX_TO_BUILTINS = "flex-to-builtins"
    NO_CUSTOM_OPS_FLAG = "no-custom-ops-flag"
    MATCHING_CONVERTER = "matching-converter"
    CURRENT_CONVERTER = "current-converter"
    INTEGER_IO = "integer-io"
    INTEGER_IO_SHORT = "integer-io-short"
    SAME_IO_TYPE = "same-io-type"
    FAIL_ON_FLOAT_FALLBACK = "fail-on-float-fallback"
    FULL_INTEGER = "full-integer"
    FULL_INTEGER_SHORT = "full-integer-short"
    FULL_INTEGER_RERUN = "full-integer-rerun"
    SYMMETRIC_INT8 = "symmetric-int8"
    NO_FLOAT16_WEIGHTS = "no-float16-weights"
    FOLD_QAT = "fold-qat"
    STATIC_ZERO_STATE = "static-zero-state"
    CHANGE_SIZE_IN_SOURCE = "change-size-in-source"
    NEAREST_RESIZE_LAYER = "nearest-resize-layer"
    FULL_INTEGER_OR_FLOAT = "full-integer-or-float"
    PINNED_SIZE = "pinned-size"  # an input dynamic in name only: convert at the size it accepts
    CHANNELS_LAST_IO = "channels-last-io"  # move the boundary TRANSPOSE ops out of the model
    NPU_FULL_INTEGER = "npu-full-integer"  # full int8 or 16x8 where an NPU refuses float/hybrid ops
    INT32_INDEX = "int32-index"  # ARG_MAX/ARG_MIN with int32 indices
    NPU_NEWER_SOC = "npu-newer-soc"
    STATE_AS_IO = "state-as-io"  # resource variables → explicit state inputs and outputs


class Cause(enum.Enum):
    """How the converter (or the source model) produced what a rule found."""

    DYNAMIC_DIMS = "dynamic-dims"
    DYNAMIC_BATCH = "dynamic-batch"
    DYNAMIC_BATCH_NOTE = "dynamic-batch-note"
    RUNTIME_SHAPE = "runtime-shape"
    UPSAMPLING_LEAD = "upsampling-lead"
    UPSAMPLING = "upsampling"
    CONV_TRANSPOSE_LEAD = "conv-transpose-lead"
    CONV_TRANSPOSE = "conv-transpose"
    FLATTEN_LEAD = "flatten-lead"
    FLATTEN = "flatten"
    DYN002_DOC = "dyn002-doc"
    UNRANKED_INPUT = "unranked-input"
    LOST_DIM = "lost-dim"
    LITERAL_BATCH = "literal-batch"
    GENERATED_NAMES_DOC = "generated-names-doc"
    GENERATED_NAMES = "generated-names"
    SIGNATURE_ORDER = "signature-order"
    NO_SIGNATURES = "no-signatures"
    FLEX = "flex"
    CUSTOM_OPS = "custom-ops"
    FLOAT_IO_DOC = "float-io-doc"
    FLOAT_IO = "float-io"
    MIXED_IO = "mixed-io"
    PROBABILITY_OUTPUT = "probability-output"
    FLOAT_FALLBACK = "float-fallback"
    FLOAT16_DOC = "float16-doc"
    DYNAMIC_RANGE_DOC = "dynamic-range-doc"
    DUPLICATE_CONSTANTS = "duplicate-constants"
    PINNED_SIZE_LEAD = "pinned-size-lead"  # how the size got fixed, in a few words (or nothing)
    PINNED_SIZE = "pinned-size"  # a dim recorded dynamic that the graph fixed at the sample's size
    CHANNELS_FIRST_IO = "channels-first-io"  # NCHW I/O kept, TRANSPOSE ops added at the boundary


Text: TypeAlias = "str | Remedy | Cause | tuple[Text, ...]"

# producer id or framework family → module under tfl_inspect.remedies with its TEXTS
CATALOGUES: dict[str, str] = {
    "tensorflow": "tensorflow",
    "litert-torch": "litert_torch",
    "onnx2tf": "onnx2tf",
    "neutral": "neutral",
}
# What a producer without texts of its own (or an unknown one) gets: advice that names no framework.
FALLBACK = "neutral"

_LOADED: dict[str, dict[Remedy | Cause, str]] = {}
# ``{name}``: a value the caller fills in; one it does not give reads as nothing (a spec's default text).
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _texts(key: str) -> dict[Remedy | Cause, str]:
    texts = _LOADED.get(key)
    if texts is None:
        texts = _LOADED[key] = importlib.import_module(f"{__package__}.{CATALOGUES[key]}").TEXTS
    return texts


def _catalogue_for(producer: Producer | str | None) -> list[str]:
    """Catalogues to look in, most specific first: the producer, its framework, then the fallback."""
    keys: list[str] = []
    if producer is not None:
        pid = producer if isinstance(producer, str) else producer.id
        family = None if isinstance(producer, str) else producer.family
        keys += [k for k in (pid, family) if k in CATALOGUES]
    keys.append(FALLBACK)
    return list(dict.fromkeys(keys))


def say(text: Text, producer: Producer | str | None = None, **values: str) -> str:
    """The text for ``producer``: catalogue entries looked up, tuples joined, ``{name}`` filled in."""
    if isinstance(text, str):
        return text
    if isinstance(text, tuple):
        return "".join(say(t, producer, **values) for t in text)
    for key in _catalogue_for(producer):
        found = _texts(key).get(text)
        if found is not None:
            return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), found)
    raise KeyError(f"no text for {text} in the {FALLBACK} catalogue")


def variants(text: Text) -> dict[str, str]:
    """How each producer with a catalogue of its own words ``text``, where that differs from the neutral words."""
    neutral = say(text)
    return {key: own for key in CATALOGUES if key != FALLBACK and (own := say(text, key)) != neutral}
