"""Convert a PyTorch module with litert-torch, and diagnose the failure when it does not convert.

``convert_torch(module, sample_args, **options)`` calls ``litert_torch.convert`` with the same
arguments and returns the ``.tflite`` bytes, or raises :class:`~tfl_inspect.converter.ConversionError`
whose ``.diagnosis`` explains the failure (:mod:`tfl_inspect.diagnosis.pytorch`). Having the module,
it says more than the failure text alone: which input dim each symbolic size is, and the
``torch.export.Dim`` of ``dynamic_shapes`` behind it. torch and litert-torch are imported only
here, when called (``pip install tfl-inspect[torch]``, its own environment: litert-torch pins torch).
"""

from __future__ import annotations

import contextlib
import io
import os
import traceback
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .errors import UsageError

if TYPE_CHECKING:
    from .diagnosis import Diagnosis
    from .diagnosis.records import Frame

__all__ = ["convert_torch", "try_convert_torch"]


def _litert_torch() -> Any:
    try:
        import litert_torch
    except ImportError:
        raise UsageError(
            "converting a PyTorch module needs torch and litert-torch: pip install 'tfl-inspect[torch]' "
            "(in its own environment)"
        ) from None
    return litert_torch


def try_convert_torch(module: Any, sample_args: Any, **options: Any) -> tuple[bytes | None, Diagnosis]:
    """(flatbuffer, diagnosis): the bytes and an ``ok`` diagnosis, or None and what went wrong."""
    from .diagnosis import Diagnosis
    from .diagnosis.pytorch import diagnose_pytorch_text, failure_from, parse

    litert_torch = _litert_torch()
    name = type(module).__name__
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # litert-torch prints progress lines
            converted = litert_torch.convert(module, sample_args, **options)
            flatbuffer = bytes(converted.model_content())
    except Exception as exc:
        text = "".join(traceback.format_exception(exc))
        parsed = replace(parse(text), conversion_call=_caller())
        from_text = diagnose_pytorch_text(text, name)
        if from_text.environment:  # no fault of the module: the text says all there is
            return None, from_text
        spec = options.get("dynamic_shapes")
        symbolic = _symbolic(module, sample_args, spec, parsed) if parsed.node else _declared(spec)
        return None, Diagnosis(name, (failure_from(parsed, symbolic or None),))
    return flatbuffer, Diagnosis(name, (), converted_bytes=len(flatbuffer))


def _caller() -> Frame | None:
    """The user's frame that asked for the conversion (the first one outside this package)."""
    from .diagnosis.records import Frame

    here = os.path.dirname(os.path.abspath(__file__))
    for f in reversed(traceback.extract_stack()):
        if not os.path.abspath(f.filename).startswith(here + os.sep):
            return Frame(f.filename, f.lineno or 0, f.name, (f.line or "").strip())
    return None


def convert_torch(module: Any, sample_args: Any, **options: Any) -> bytes:
    """``litert_torch.convert(module, sample_args, **options)`` as ``.tflite`` bytes; raises
    :class:`~tfl_inspect.converter.ConversionError` with the diagnosis when it fails."""
    from .converter import ConversionError

    flatbuffer, diagnosis = try_convert_torch(module, sample_args, **options)
    if flatbuffer is None:
        raise ConversionError(diagnosis, diagnosis.headline)
    return flatbuffer


def _symbolic(module: Any, sample_args: Any, dynamic_shapes: Any, parsed: Any) -> list[Any]:
    """The symbolic sizes the failing node reads, each traced to an input dim and its ``Dim``.

    The module is exported again as litert-torch does (``torch.export.export`` then the core aten
    decompositions), the failing node found by name (else by target), and the symbols in its
    arguments matched to the symbols of the inputs' shapes.
    """
    import torch

    from .diagnosis.records import SymbolicDim

    if not dynamic_shapes:
        return []
    try:
        program = torch.export.export(module, tuple(sample_args), dynamic_shapes=dynamic_shapes).run_decompositions()
    except Exception:
        return []
    nodes = list(program.graph.nodes)
    node = next((n for n in nodes if n.name == parsed.node), None)
    if node is None and parsed.target:
        node = next((n for n in nodes if str(n.target) == parsed.target and _symbols(n.args)), None)
    if node is None:
        return []
    inputs = [n for n in nodes if n.op == "placeholder" and n.name in program.graph_signature.user_inputs]
    where: dict[str, tuple[int, int]] = {}
    for k, n in enumerate(inputs):
        for d, size in enumerate(getattr(n.meta.get("val"), "shape", ())):
            if isinstance(size, torch.SymInt):
                where.setdefault(str(size), (k, d))
    specs = dynamic_shapes if isinstance(dynamic_shapes, Sequence) else list(dynamic_shapes.values())
    ranges = {str(s): (int(r.lower), int(r.upper)) for s, r in program.range_constraints.items()}
    out = []
    seen: set[str] = set()
    # a size node (``%sym_size_int_1``) names a symbol better than a tensor whose shape holds it
    for value, symbol, _ in sorted(_symbols(node.args), key=lambda x: not x[2]):
        if symbol in seen:
            continue
        seen.add(symbol)
        spot = next((where[s] for s in _free(symbol) if s in where), None)
        if spot is None:
            continue
        k, d = spot
        spec = specs[k] if k < len(specs) and isinstance(specs[k], dict) else {}
        dim = spec.get(d)
        dim_name = getattr(dim, "__name__", None) or (str(dim) if dim is not None else None)
        lo_hi = ranges.get(symbol)
        out.append(
            SymbolicDim(
                value,
                f"dim {d} of args[{k}] ({symbol}), which `dynamic_shapes` marks dynamic"
                + (f" with torch.export.Dim {dim_name!r}" if dim_name else "")
                + (f" ({lo_hi[0]}..{lo_hi[1]})" if lo_hi else ""),
                f"args[{k}]",
                d,
                dim_name,
                lo_hi,
            )
        )
    return out


def _declared(dynamic_shapes: Any) -> list[Any]:
    """Every dim ``dynamic_shapes`` marks, when no graph node names the size that failed."""
    from .diagnosis.records import SymbolicDim

    if not dynamic_shapes:
        return []
    specs = dynamic_shapes if isinstance(dynamic_shapes, Sequence) else list(dynamic_shapes.values())
    out = []
    for k, spec in enumerate(specs):
        for d, dim in spec.items() if isinstance(spec, dict) else ():
            name = getattr(dim, "__name__", None) or str(dim)
            lo, hi = getattr(dim, "min", None), getattr(dim, "max", None)
            span = (int(lo), int(hi)) if isinstance(lo, int) and isinstance(hi, int) else None
            out.append(
                SymbolicDim(
                    f"args[{k}] dim {d}",
                    f"dim {d} of args[{k}], which `dynamic_shapes` marks dynamic with torch.export.Dim {name!r}"
                    + (f" ({span[0]}..{span[1]})" if span else ""),
                    f"args[{k}]",
                    int(d),
                    name,
                    span,
                )
            )
    return out


def _symbols(args: Any) -> list[tuple[str, str, bool]]:
    """(``%node``, symbol, is a size node) for each symbolic size among a node's arguments (tensors: the
    symbols of their shape)."""
    import torch

    out: list[tuple[str, str, bool]] = []
    stack = list(args) if isinstance(args, list | tuple) else [args]
    while stack:
        a = stack.pop(0)
        if isinstance(a, list | tuple):
            stack[:0] = list(a)
            continue
        val = getattr(a, "meta", {}).get("val") if hasattr(a, "meta") else None
        if isinstance(val, torch.SymInt):
            out.append((f"%{a.name}", str(val), True))
        elif isinstance(val, torch.Tensor):
            out.extend((f"%{a.name}", str(s), False) for s in val.shape if isinstance(s, torch.SymInt))
    return out


def _free(symbol: str) -> list[str]:
    """The plain symbols in an expression such as ``2*s35`` or ``s77``."""
    import re

    return re.findall(r"\bs\d+\b", symbol)
