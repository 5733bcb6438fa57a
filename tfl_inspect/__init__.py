"""tfl-inspect: see what a converted TFLite / LiteRT model contains and what will break.

Heavy modules load on first use so that ``import tfl_inspect`` and the JSON paths start fast.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import hooks as _hooks
from ._version import __version__
from .converter import ConversionError
from .errors import MlirSyntaxError, ModelFormatError, TflInspectError, UsageError
from .model import IoName, Model, Operator, Quantization, Signature, Subgraph, Tensor
from .readers import load

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    import networkx

    from .compare import DiffReport
    from .diagnosis import Diagnosis
    from .profiling import Profile
    from .rewrite import FixReport
    from .rules.base import Finding, Severity
    from .shapes.types import ShapeResult
    from .state import State
    from .summary import Summary
    from .targets import CompatReport

__all__ = [
    "load",
    "to_networkx",
    "summarize",
    "state",
    "lint",
    "infer_shapes",
    "render",
    "diagnose",
    "convert",
    "convert_torch",
    "diff",
    "profile",
    "compat",
    "fix",
    "Model",
    "Subgraph",
    "Tensor",
    "Operator",
    "Quantization",
    "Signature",
    "IoName",
    "Finding",
    "Severity",
    "ShapeResult",
    "Diagnosis",
    "Summary",
    "DiffReport",
    "Profile",
    "CompatReport",
    "FixReport",
    "TflInspectError",
    "ModelFormatError",
    "MlirSyntaxError",
    "UsageError",
    "ConversionError",
    "__version__",
]

# Result types load with the analysis that makes them, not with ``import tfl_inspect``.
_LAZY = {
    "Finding": "rules.base",
    "Severity": "rules.base",
    "ShapeResult": "shapes.types",
    "Diagnosis": "diagnosis.records",
    "Summary": "summary",
    "DiffReport": "compare.report",
    "Profile": "profiling",
    "CompatReport": "targets",
    "FixReport": "rewrite.report",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tfl_inspect' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{module}", __name__), name)


def to_networkx(model: Model) -> networkx.MultiDiGraph:
    """The model as a ``networkx.MultiDiGraph`` (see :mod:`tfl_inspect.graph` for node ids)."""
    from .graph import to_networkx as _to_networkx

    return _to_networkx(model)


def summarize(model: Model) -> Summary:
    """Headline facts: op counts, weight bytes by dtype, quantization scheme, I/O types."""
    from .summary import summarize as _summarize

    return _summarize(model)


def profile(model: Model, planner: str | None = None, signature: str | None = None) -> Profile:
    """MACs, parameters and the activation arena per op: see :func:`tfl_inspect.profiling.profile`
    (``planner`` None: LiteRT's for a generative model, TFLite Micro's otherwise)."""
    from .profiling import profile as _profile

    return _profile(model, planner=planner, signature=signature)


def state(model: Model) -> State | None:
    """Resource variables kept between invokes (streaming models), or None: :mod:`tfl_inspect.state`."""
    from .state import model_state

    return model_state(model)


def lint(
    model: Model | str | os.PathLike[str] | bytes,
    select: Iterable[str] | str | None = None,
    ignore: Iterable[str] | str | None = None,
    runtime: str | None = None,
    targets: Iterable[str] | str | None = None,
    **target_options: Any,
) -> list[Finding]:
    """Findings for a model, most severe first: see :func:`tfl_inspect.rules.run`.

    ``targets`` (``"gpu,tflm"``) adds CMP001 for each; ``target_options`` are the targets' options
    (``nnapi_level=29``, ``arena_size=65536``).
    """
    from .rules import run

    return run(model, select=select, ignore=ignore, runtime=runtime, targets=targets, target_options=target_options)


def infer_shapes(
    model: Model, inputs: Mapping[str | int, Sequence[int] | str] | None = None, signature: str | None = None
) -> ShapeResult:
    """Static shape inference: see :func:`tfl_inspect.shapes.infer_shapes`."""
    from .shapes import infer_shapes as _infer

    return _infer(model, inputs=inputs, signature=signature)


def render(
    model: Model,
    path: str | os.PathLike[str],
    *,
    lint: bool = False,
    inputs: Mapping[str | int, Any] | None = None,
    **options: Any,
) -> Path:
    """Draw the model with Graphviz: see :func:`tfl_inspect.exporters.dot.render` for ``options``.

    ``lint=True`` runs the rules and draws their findings; ``inputs`` (``{"image": "1x64x64x3"}``)
    runs shape inference and draws the inferred shapes and the op that cannot take them.
    """
    from .exporters import dot

    if lint:
        options["findings"] = globals()["lint"](model)
    if inputs:
        result = infer_shapes(model, inputs=dict(inputs), signature=options.get("signature"))
        given = ", ".join(f"{k}={v if isinstance(v, str) else 'x'.join(map(str, v))}" for k, v in inputs.items())
        options["overlay"] = dot.shape_overlay(result, given)
    return dot.render(model, os.fspath(path), **options)


def _notebook_svg(model: Model) -> str | None:
    """``Model._repr_svg_`` through :mod:`tfl_inspect.hooks`: the core never imports the exporter."""
    from .exporters.dot import repr_svg

    return repr_svg(model)


def _diagnosis_text(diagnosis: Any) -> str:
    """``str(diagnosis)`` through :mod:`tfl_inspect.hooks`: the analysis never imports the exporter."""
    from .exporters.diagnosis import render_text

    return render_text(diagnosis)


_hooks.set_svg(_notebook_svg)
_hooks.set_text("diagnosis", _diagnosis_text)


def diagnose(source: Any, **options: Any) -> Diagnosis:
    """Explain a failed conversion: see :func:`tfl_inspect.diagnosis.diagnose`.

    A Keras model, ``.keras``/``.h5`` file or SavedModel directory is converted first
    (``options`` as for :func:`convert`, needs TensorFlow) and the converter's failure diagnosed;
    a PyTorch module is converted with litert-torch (``sample_args=`` and the options of
    :func:`convert_torch`). A litert-torch failure text is read as such.
    """
    from .diagnosis import diagnose as _diagnose
    from .diagnosis import is_convertible

    if hasattr(source, "named_modules") and hasattr(source, "forward"):  # a torch.nn.Module
        from .converter_torch import try_convert_torch

        if "sample_args" not in options:
            raise UsageError("diagnosing a PyTorch module converts it: pass sample_args=(...)")
        return try_convert_torch(source, options.pop("sample_args"), **options)[1]
    if is_convertible(source):
        from .converter import try_convert

        return try_convert(source, **options)[1]
    return _diagnose(source, **options)


def compat(model: Model | str | os.PathLike[str] | bytes, **options: Any) -> CompatReport:
    """Which ops run on XNNPACK, GPU, TFLite Micro, Edge TPU, NNAPI: see :func:`tfl_inspect.targets.compat`."""
    from .targets import compat as _compat

    return _compat(model, **options)


def convert(model_or_saved_model_dir: Any, **converter_options: Any) -> bytes:
    """Run the TFLite converter (needs TensorFlow): see :func:`tfl_inspect.converter.convert`."""
    from .converter import convert as _convert

    return _convert(model_or_saved_model_dir, **converter_options)


def convert_torch(module: Any, sample_args: Any, **options: Any) -> bytes:
    """Convert a PyTorch module with litert-torch (needs torch and litert-torch), diagnosing a
    failure: see :func:`tfl_inspect.converter_torch.convert_torch`."""
    from .converter_torch import convert_torch as _convert_torch

    return _convert_torch(module, sample_args, **options)


def diff(
    a: Model | str | os.PathLike[str] | bytes,
    b: Model | str | os.PathLike[str] | bytes,
    run: bool = False,
    **options: Any,
) -> DiffReport:
    """Compare two models (paths, bytes or loaded): see :func:`tfl_inspect.compare.diff`."""
    from .compare import diff as _diff

    return _diff(a, b, run=run, **options)


def fix(model_path: str | os.PathLike[str], out_path: str | os.PathLike[str], **options: Any) -> FixReport:
    """Rewrite a model so lint's findings go away (needs ai-edge-litert): see :func:`tfl_inspect.rewrite.fix`."""
    from .rewrite import fix as _fix

    return _fix(model_path, out_path, **options)
