"""tfl-inspect: see what a converted TFLite / LiteRT model contains and what will break.

Heavy modules load on first use so that ``import tfl_inspect`` and the JSON paths start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .converter import ConversionError
from .errors import MlirSyntaxError, ModelFormatError, TflInspectError, UsageError
from .model import Model, Operator, Quantization, Signature, Subgraph, Tensor
from .readers import load

if TYPE_CHECKING:
    import networkx

from ._version import __version__

__all__ = [
    "load",
    "to_networkx",
    "summarize",
    "lint",
    "infer_shapes",
    "render",
    "diagnose",
    "convert",
    "fix",
    "Model",
    "Subgraph",
    "Tensor",
    "Operator",
    "Quantization",
    "Signature",
    "TflInspectError",
    "ModelFormatError",
    "MlirSyntaxError",
    "UsageError",
    "ConversionError",
    "__version__",
]


def to_networkx(model: Model) -> networkx.MultiDiGraph:
    """The model as a ``networkx.MultiDiGraph`` (see :mod:`tfl_inspect.graph` for node ids)."""
    from .graph import to_networkx as _to_networkx

    return _to_networkx(model)


def summarize(model: Model) -> Any:
    """Headline facts: op counts, weight bytes by dtype, quantization scheme, I/O types."""
    from .summary import summarize as _summarize

    return _summarize(model)


def lint(model: Model, **options: Any) -> Any:
    """Findings for a model: see :func:`tfl_inspect.rules.run` for the options."""
    from .rules import run

    return run(model, **options)


def infer_shapes(model: Model, inputs: Any = None, signature: str | None = None) -> Any:
    """Static shape inference: see :func:`tfl_inspect.shapes.infer_shapes`."""
    from .shapes import infer_shapes as _infer

    return _infer(model, inputs=inputs, signature=signature)


def render(model: Model, path: Any, **options: Any) -> Any:
    """Draw the model with Graphviz: see :func:`tfl_inspect.exporters.dot.render`."""
    from .exporters.dot import render as _render

    return _render(model, path, **options)


def diagnose(source: Any, **options: Any) -> Any:
    """Explain a failed conversion: see :func:`tfl_inspect.diagnosis.diagnose`."""
    from .diagnosis import diagnose as _diagnose

    return _diagnose(source, **options)


def convert(model_or_saved_model_dir: Any, **converter_options: Any) -> Any:
    """Run the TFLite converter (needs TensorFlow): see :func:`tfl_inspect.converter.convert`."""
    from .converter import convert as _convert

    return _convert(model_or_saved_model_dir, **converter_options)


def fix(model_path: Any, out_path: Any, **options: Any) -> Any:
    """Rewrite a model so lint's findings go away (needs ai-edge-litert): see :func:`tfl_inspect.fix.fix`."""
    from .fix import fix as _fix

    return _fix(model_path, out_path, **options)
