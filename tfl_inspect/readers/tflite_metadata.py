"""The ``TFLITE_METADATA`` entry: a ModelMetadata flatbuffer (tflite-support ``metadata_schema.fbs``).

It says how a caller must feed and read the model — image colour space and size, the normalization
to apply (mean/std), value ranges, label files — which the tensors themselves do not. No generated
package for this schema installs cleanly next to current TensorFlow (tflite-support pins protobuf<4),
so fields are read by slot through the bounds-checked :class:`~.fbtable.Table`. Slots follow
``tensorflow_lite_support/metadata/metadata_schema.fbs`` (tflite-support 0.4.4): field *i* of a table
is slot ``4 + 2*i``; a union takes two slots (type, value).
"""

from __future__ import annotations

import struct
from typing import Any

from .fbtable import FormatFaultError, Table

__all__ = ["decode_model_metadata", "preprocessing_formula"]

_U8 = struct.Struct("<B").unpack_from
_I32 = struct.Struct("<i").unpack_from
_U32 = struct.Struct("<I").unpack_from
_F32 = struct.Struct("<f").unpack_from
_LIMIT = 4096  # entries read from any one vector (labels, stats): a summary, not a dump

_FILE_TYPES = {
    0: "UNKNOWN",
    1: "DESCRIPTIONS",
    2: "TENSOR_AXIS_LABELS",
    3: "TENSOR_VALUE_LABELS",
    4: "TENSOR_AXIS_SCORE_CALIBRATION",
    5: "VOCABULARY",
    6: "SCANN_INDEX_FILE",
}
_COLOR_SPACES = {0: "UNKNOWN", 1: "RGB", 2: "GRAYSCALE"}
_BOX_TYPES = {0: "UNKNOWN", 1: "BOUNDARIES", 2: "UPPER_LEFT", 3: "CENTER"}
_COORDINATES = {0: "RATIO", 1: "PIXEL"}
_SCORE_TRANSFORMS = {0: "IDENTITY", 1: "LOG", 2: "INVERSE_LOGISTIC"}


def _text(t: Table | None, slot: int) -> str | None:
    return t.string(slot) if t is not None and t.has(slot) else None


def _strings(t: Table, slot: int) -> list[str]:
    start, n = t.vector(slot, 4)
    out = []
    for i in range(min(n, _LIMIT)):
        at = start + 4 * i
        target = at + _U32(t.buf, at)[0]
        if target + 4 > t.size:
            raise FormatFaultError(f"string at {target} lies outside the metadata")
        (length,) = _U32(t.buf, target)
        if target + 4 + length > t.size:
            raise FormatFaultError(f"string of {length} bytes at {target} runs past the metadata")
        out.append(bytes(t.buf[target + 4 : target + 4 + length]).decode("utf-8", "replace"))
    return out


def _floats(t: Table, slot: int) -> list[float]:
    start, n = t.vector(slot, 4)
    return list(struct.unpack_from(f"<{min(n, _LIMIT)}f", t.buf, start)) if n else []


def _uints(t: Table, slot: int) -> list[int]:
    start, n = t.vector(slot, 4)
    return list(struct.unpack_from(f"<{min(n, _LIMIT)}I", t.buf, start)) if n else []


def _files(t: Table, slot: int) -> list[dict[str, Any]]:
    # AssociatedFile { name 4; description 6; type 8 (byte); locale 10; version 12 }
    return [
        {
            "name": _text(f, 4),
            "description": _text(f, 6),
            "type": _FILE_TYPES.get(f.scalar(8, _U8, 0), "UNKNOWN"),
            "locale": _text(f, 10),
            "version": _text(f, 12),
        }
        for f in t.tables(slot)[:_LIMIT]
    ]


def _content(c: Table | None) -> dict[str, Any] | None:
    # Content { content_properties (type 4, value 6); range 8 }
    if c is None:
        return None
    kind = c.scalar(4, _U8, 0)
    props = c.table(6) if kind else None
    out: dict[str, Any] = {"kind": {1: "feature", 2: "image", 3: "bounding_box", 4: "audio"}.get(kind)}
    if kind == 2 and props is not None:  # ImageProperties { color_space 4; default_size 6 }
        out["color_space"] = _COLOR_SPACES.get(props.scalar(4, _U8, 0), "UNKNOWN")
        size = props.table(6)  # ImageSize { width 4; height 6 }
        if size is not None:
            out["default_size"] = {"width": size.scalar(4, _U32, 0), "height": size.scalar(6, _U32, 0)}
    elif kind == 3 and props is not None:  # BoundingBoxProperties { index 4; type 6; coordinate_type 8 }
        out["index"] = _uints(props, 4)
        out["box_type"] = _BOX_TYPES.get(props.scalar(6, _U8, 0), "UNKNOWN")
        out["coordinate_type"] = _COORDINATES.get(props.scalar(8, _U8, 0), "RATIO")
    elif kind == 4 and props is not None:  # AudioProperties { sample_rate 4; channels 6 }
        out["sample_rate"] = props.scalar(4, _U32, 0)
        out["channels"] = props.scalar(6, _U32, 0)
    rng = c.table(8)  # ValueRange { min 4; max 6 }
    if rng is not None:
        out["range"] = {"min": rng.scalar(4, _I32, 0), "max": rng.scalar(6, _I32, 0)}
    return out


def _process_units(t: Table, slot: int) -> list[dict[str, Any]]:
    # ProcessUnit { options (type 4, value 6) }
    out: list[dict[str, Any]] = []
    for pu in t.tables(slot)[:_LIMIT]:
        kind = pu.scalar(4, _U8, 0)
        o = pu.table(6) if kind else None
        if kind == 1 and o is not None:  # NormalizationOptions { mean 4; std 6 }
            out.append({"type": "NormalizationOptions", "mean": _floats(o, 4), "std": _floats(o, 6)})
        elif kind == 2 and o is not None:  # ScoreCalibrationOptions { score_transformation 4; default_score 6 }
            out.append(
                {
                    "type": "ScoreCalibrationOptions",
                    "score_transformation": _SCORE_TRANSFORMS.get(o.scalar(4, _U8, 0), "IDENTITY"),
                    "default_score": o.scalar(6, _F32, 0.0),
                }
            )
        elif kind == 3 and o is not None:  # ScoreThresholdingOptions { global_score_threshold 4 }
            out.append({"type": "ScoreThresholdingOptions", "global_score_threshold": o.scalar(4, _F32, 0.0)})
        elif kind == 4 and o is not None:  # BertTokenizerOptions { vocab_file 4 }
            out.append({"type": "BertTokenizerOptions", "vocab_file": _files(o, 4)})
        elif kind == 5 and o is not None:  # SentencePieceTokenizerOptions { sentencePiece_model 4; vocab_file 6 }
            out.append(
                {
                    "type": "SentencePieceTokenizerOptions",
                    "sentencepiece_model": _files(o, 4),
                    "vocab_file": _files(o, 6),
                }
            )
        elif kind == 6 and o is not None:  # RegexTokenizerOptions { delim_regex_pattern 4; vocab_file 6 }
            out.append(
                {"type": "RegexTokenizerOptions", "delim_regex_pattern": _text(o, 4), "vocab_file": _files(o, 6)}
            )
        else:
            out.append({"type": f"ProcessUnitOptions_{kind}"})
    return out


def _tensor(t: Table) -> dict[str, Any]:
    # TensorMetadata { name 4; description 6; dimension_names 8; content 10; process_units 12; stats 14;
    #   associated_files 16 }
    stats = t.table(14)  # Stats { max 4; min 6 }
    out = {
        "name": _text(t, 4),
        "description": _text(t, 6),
        "dimension_names": _strings(t, 8),
        "content": _content(t.table(10)),
        "process_units": _process_units(t, 12),
        "stats": None if stats is None else {"max": _floats(stats, 4), "min": _floats(stats, 6)},
        "associated_files": _files(t, 16),
    }
    formula = preprocessing_formula(out)
    if formula:
        out["preprocessing"] = formula
    return out


def _subgraph(s: Table) -> dict[str, Any]:
    # SubGraphMetadata { name 4; description 6; input_tensor_metadata 8; output_tensor_metadata 10;
    #   associated_files 12; input_process_units 14; output_process_units 16; input_tensor_groups 18;
    #   output_tensor_groups 20; custom_metadata 22 }
    return {
        "name": _text(s, 4),
        "description": _text(s, 6),
        "inputs": [_tensor(t) for t in s.tables(8)[:_LIMIT]],
        "outputs": [_tensor(t) for t in s.tables(10)[:_LIMIT]],
        "associated_files": _files(s, 12),
        "input_process_units": _process_units(s, 14),
        "output_process_units": _process_units(s, 16),
        "input_tensor_groups": [{"name": _text(g, 4), "tensor_names": _strings(g, 6)} for g in s.tables(18)],
        "output_tensor_groups": [{"name": _text(g, 4), "tensor_names": _strings(g, 6)} for g in s.tables(20)],
        "custom_metadata": [{"name": _text(c, 4), "bytes": c.vector(6, 1)[1]} for c in s.tables(22)],
    }


def decode_model_metadata(root: Table) -> dict[str, Any]:
    """The whole ModelMetadata table as plain data (file identifier ``M001``)."""
    # ModelMetadata { name 4; description 6; version 8; subgraph_metadata 10; author 12; license 14;
    #   associated_files 16; min_parser_version 18 }
    files = _files(root, 16)
    return {
        "name": _text(root, 4),
        "description": _text(root, 6),
        "version": _text(root, 8),
        "author": _text(root, 12),
        "license": _text(root, 14),
        # Kept as a list of names (the earlier, shallow decoding) for readers of older JSON.
        "associated_files": [f["name"] for f in files],
        "associated_file_details": files,
        "min_parser_version": _text(root, 18),
        "subgraphs": [_subgraph(s) for s in root.tables(10)[:_LIMIT]],
    }


def _num(x: float) -> str:
    return f"{x:.6g}"


def preprocessing_formula(tensor_metadata: dict[str, Any]) -> str | None:
    """The exact preprocessing TFLite Support applies: ``x = (v - mean[c]) / std[c]`` per channel."""
    for unit in tensor_metadata.get("process_units") or ():
        if unit.get("type") != "NormalizationOptions":
            continue
        mean, std = unit.get("mean") or [], unit.get("std") or []
        if not mean or not std:
            return None
        if len(mean) == 1 and len(std) == 1:
            text = f"x = (v - {_num(mean[0])}) / {_num(std[0])}"
        else:
            means = ", ".join(_num(m) for m in mean)
            stds = ", ".join(_num(v) for v in std)
            text = f"x[c] = (v[c] - mean[c]) / std[c] with mean [{means}], std [{stds}]"
        lo_hi = _input_range(mean, std)
        return text + (f" (v in [0, 255] → x in {lo_hi})" if lo_hi else "")
    return None


def _input_range(mean: list[float], std: list[float]) -> str | None:
    if len(mean) != 1 or len(std) != 1 or std[0] == 0:
        return None
    lo, hi = (0 - mean[0]) / std[0], (255 - mean[0]) / std[0]
    return f"[{_num(min(lo, hi))}, {_num(max(lo, hi))}]"
