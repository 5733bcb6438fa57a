"""Colours and label text for the Graphviz diagrams.

Everything that puts model text into DOT goes through :func:`h` (HTML-like labels) or
:func:`tooltip` (quoted attributes), because tensor names, custom op codes and option strings
come from the file and are untrusted: a name with ``"``, ``}``, ``<script>``, a newline or a
backslash must come out as text, never as DOT syntax or SVG markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .. import dtypes
from ..escape import html_text
from ..fmt import format_shape

if TYPE_CHECKING:
    from ..model import Operator, Quantization, Tensor

__all__ = [
    "FONT",
    "FAMILIES",
    "FAMILY_STYLE",
    "SEVERITY_COLOR",
    "DYNAMIC_COLOR",
    "heat_color",
    "h",
    "tooltip",
    "shorten",
    "shorten_path",
    "family",
    "shape_html",
    "shape_text",
    "tensor_html",
    "tensor_tooltip",
    "quant_text",
    "options_text",
]

#: Liberation Sans first: metric-compatible with Arial/Helvetica, so the SVG a browser draws in
#: Helvetica has the sizes ``dot`` measured, and PNG/PDF (drawn by cairo with this very font)
#: match the SVG. With plain "Helvetica" fontconfig substitutes a wider face for PNG and the
#: labels overflow and clip (underscores of bold names vanished).
FONT = "Liberation Sans,Arial,Helvetica,sans-serif"

#: dtype family → (fill, line) colours; the order is the legend's.
FAMILY_STYLE: dict[str, tuple[str, str]] = {
    "float32": ("#dbe9f6", "#2f6fa8"),
    "float16": ("#dcf0d5", "#3c8d2f"),
    "int8": ("#fde5c8", "#c0660e"),
    "int16": ("#ebdcf5", "#7b4aa6"),
    "other": ("#ececec", "#6b6b6b"),
}
FAMILIES: tuple[str, ...] = tuple(FAMILY_STYLE)

SEVERITY_COLOR: dict[str, str] = {"error": "#d62728", "warning": "#f09000", "info": "#17a2b8"}
DYNAMIC_COLOR = "#d62728"

_LABEL_LIMIT = 48
_TOOLTIP_LINES = 40
_TOOLTIP_WIDTH = 300


def shorten(value: str, limit: int = _LABEL_LIMIT) -> str:
    """Cut long names in the middle (the start says the layer, the end says the op)."""
    if len(value) <= limit:
        return value
    keep = limit - 1
    return value[: keep // 2] + "…" + value[len(value) - (keep - keep // 2) :]


def shorten_path(value: str, limit: int = _LABEL_LIMIT) -> str:
    """Keep the end of a long namespace (``…/block_3/conv``): the layer name is at the end."""
    if len(value) <= limit:
        return value
    parts = value.split("/")
    kept = parts[-1]
    for part in reversed(parts[:-1]):
        if len(part) + len(kept) + 3 > limit:
            break
        kept = f"{part}/{kept}"
    return "…/" + shorten(kept, limit - 2)


def h(value: Any, limit: int | None = None) -> str:
    """Text for an HTML-like label: markup and control characters escaped.

    Graphviz expands ``\\N``, ``\\G``, ... even inside HTML-like labels, after decoding
    entities, and reads ``\\\\`` as one backslash: so a backslash becomes ``&#92;&#92;``.
    Empty text becomes ``(empty)``: Graphviz rejects empty ``<B></B>``/``<FONT></FONT>``
    elements, and an empty name is worth seeing anyway.
    """
    text = str(value)
    if not text:
        return "(empty)"
    if limit is not None:
        text = shorten(text, limit)
    return html_text(text).replace("\\", "&#92;&#92;")


def tooltip(lines: Iterable[str]) -> str:
    """A quoted-attribute value (tooltip) from plain-text lines, for ``graphviz`` to quote.

    Each line is escaped for SVG (``&lt;``, ``&quot;``, control characters as ``\\xNN``) and the
    result for DOT by :func:`graphviz.escape`, so no line can end the string or start an escape;
    lines are joined with an XML newline entity. Graphviz unescapes tooltips twice (``\\\\N``
    would still become the node name), hence four backslashes for each one in a name.
    """
    import graphviz  # type: ignore[import-untyped]

    kept = list(lines)
    extra = len(kept) - _TOOLTIP_LINES
    kept = [shorten(line, _TOOLTIP_WIDTH) for line in kept[:_TOOLTIP_LINES]]
    if extra > 0:
        kept.append(f"… {extra} more")
    text = "&#10;".join(html_text(line) for line in kept)
    return graphviz.escape(text.replace("\\", "\\\\"))


def heat_color(value: float) -> str:
    """A fill on a white → red scale for ``value`` in 0..1 (clamped): heat overlays (MACs, memory)."""
    v = min(max(float(value), 0.0), 1.0)
    g = round(255 - 175 * v)
    return f"#ff{g:02x}{g:02x}" if v > 0 else "#ffffff"


def family(dtype: str) -> str:
    """The legend family of a dtype name; anything unusual is ``other``."""
    row = dtypes.by_name(dtype)
    fam = row.family if row is not None else "other"
    return fam if fam in FAMILY_STYLE else "other"


def _dims(tensor: Tensor, override: Sequence[int] | None) -> tuple[int, ...] | None:
    if override is not None:
        return tuple(int(d) for d in override)
    if not tensor.has_rank:
        return None
    return tensor.shape_signature


def shape_text(tensor: Tensor, override: Sequence[int] | None = None) -> str:
    """``[?,32,32,3]`` in plain text (``[*]`` for an unknown rank)."""
    dims = _dims(tensor, override)
    if dims is None:
        return "[*]"
    return format_shape(dims, sep=",")


def shape_html(tensor: Tensor, override: Sequence[int] | None = None) -> str:
    """The shape with unknown dims (and unknown rank) in bold red."""
    dims = _dims(tensor, override)
    dyn = f'<FONT COLOR="{DYNAMIC_COLOR}"><B>{{}}</B></FONT>'
    if dims is None:
        return dyn.format("[*]")
    if len(dims) > 8:
        head = format_shape(dims[:6], sep=",", unknown=dyn.format("?"), brackets=False)
        return f"[{head},…{len(dims)}d]"
    return format_shape(dims, sep=",", unknown=dyn.format("?"))


def _num(x: float) -> str:
    return f"{x:.3g}"


def quant_text(q: Quantization | None) -> str:
    """Scale/zero point; per-channel summarised as count and range."""
    if q is None or not q.has_params:
        return ""
    if q.details is not None:
        kind = str(q.details.get("type", "custom"))
        block = q.details.get("block_size")
        return f"{kind} {block}" if block is not None else kind
    n = len(q.scale)
    zps = q.zero_point or (0,)
    zp = str(zps[0]) if min(zps) == max(zps) else f"{min(zps)}…{max(zps)}"
    if n == 1:
        return f"s={_num(q.scale[0])} zp={zp}"
    return f"{n} ch (axis {q.quantized_dimension}) s={_num(min(q.scale))}…{_num(max(q.scale))} zp={zp}"


def tensor_html(
    tensor: Tensor,
    override: Sequence[int] | None = None,
    *,
    name: bool = False,
    quant: bool = True,
) -> str:
    """``int8[?,32] s=0.02 zp=15`` as HTML-like label text, optionally under the name."""
    parts = []
    if name and tensor.name:
        parts.append(f"<I>{h(tensor.name, 40)}</I><BR/>")
    parts.append(f"{h(tensor.dtype.lower())}{shape_html(tensor, override)}")
    qt = quant_text(tensor.quantization) if quant else ""
    if qt:
        parts.append(f"<BR/>{h(qt)}")
    return "".join(parts)


def tensor_tooltip(tensor: Tensor, override: Sequence[int] | None = None) -> list[str]:
    """Plain-text lines describing a tensor in full (escaped later by :func:`tooltip`)."""
    lines = [
        f"tensor {tensor.index}: {tensor.name}",
        f"{tensor.dtype} shape_signature {shape_text(tensor)} shape {list(tensor.shape)}",
    ]
    if override is not None:
        lines.append(f"inferred shape {shape_text(tensor, override)}")
    qt = quant_text(tensor.quantization)
    if qt:
        lines.append(f"quantized {qt}")
    if tensor.is_constant:
        lines.append(f"constant, {tensor.nbytes:,} bytes" + (" (external)" if tensor.external else ""))
    if tensor.is_variable:
        lines.append("variable")
    return lines


def _pair(o: Mapping[str, Any], h_key: str, w_key: str) -> tuple[Any, Any] | None:
    a, b = o.get(h_key), o.get(w_key)
    return (a, b) if a is not None and b is not None else None


def options_text(op: Operator) -> list[str]:
    """The few options that change what an op computes, in reading order."""
    o = op.options
    out: list[str] = []
    kernel = _pair(o, "filter_height", "filter_width")
    if kernel and kernel != (0, 0):
        out.append(f"{kernel[0]}×{kernel[1]}")
    stride = _pair(o, "stride_h", "stride_w")
    if stride and stride != (1, 1) and stride != (0, 0):
        out.append(f"stride {stride[0]}×{stride[1]}")
    dil = _pair(o, "dilation_h_factor", "dilation_w_factor")
    if dil and dil != (1, 1) and dil != (0, 0):
        out.append(f"dilation {dil[0]}×{dil[1]}")
    if isinstance(o.get("padding"), str):
        out.append(str(o["padding"]))
    if o.get("depth_multiplier") not in (None, 0, 1):
        out.append(f"depth×{o['depth_multiplier']}")
    if "axis" in o and op.builtin not in ("SQUEEZE",):
        out.append(f"axis {o['axis']}")
    for key, label in (("num_splits", "splits"), ("values_count", "values"), ("num", "outputs")):
        if o.get(key) not in (None, 0):
            out.append(f"{o[key]} {label}")
    if o.get("squeeze_dims"):
        out.append(f"squeeze {list(o['squeeze_dims'])}")
    if o.get("new_shape"):
        out.append("→ [" + ",".join(str(d) for d in o["new_shape"]) + "]")
    if o.get("batch_dims") not in (None, 0):
        out.append(f"batch_dims {o['batch_dims']}")
    for flag in ("keep_dims", "keep_num_dims", "align_corners", "half_pixel_centers", "adj_x", "adj_y"):
        if o.get(flag) is True:
            out.append(flag)
    if o.get("asymmetric_quantize_inputs") is True:
        out.append("asymmetric inputs")
    if o.get("weights_format") not in (None, "DEFAULT"):
        out.append(str(o["weights_format"]))
    if op.builtin == "SOFTMAX" and o.get("beta") not in (None, 1.0):
        out.append(f"β={_num(float(o['beta']))}")
    if op.builtin == "LEAKY_RELU" and o.get("alpha") is not None:
        out.append(f"α={_num(float(o['alpha']))}")
    if isinstance(o.get("mode"), str):
        out.append(str(o["mode"]))
    if op.builtin == "VAR_HANDLE" and o.get("shared_name"):
        out.append(str(o["shared_name"]))
    if op.builtin == "STABLEHLO_COMPOSITE" and o.get("name"):
        out.append(str(o["name"]))
    act = o.get("fused_activation_function")
    if isinstance(act, str) and act != "NONE":
        out.append(act)
    return out
