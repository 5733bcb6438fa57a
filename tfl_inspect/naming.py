"""Layer names from tensor names: one parser per producer's naming scheme.

A converted model keeps, in each tensor's name, where in the source model the tensor was made;
every view that groups or labels ops by layer (profile ``--by scope``, the report, graph boxes,
diff's divergence, diagnose) reads it through :func:`layer`. The schemes:

- ``tensorflow``: the TF converter names a tensor after its MLIR location
  (``GetNameFromLoc``, tensorflow/compiler/mlir/utils/name_utils.cc): the node name
  ``model/block_3/conv/Conv2D``, with fused ops' names joined by ``;`` (the first one is the op's
  own), ``:0`` ports on signature tensors (``serving_default_x:0``, ``StatefulPartitionedCall:0``)
  and ``<name>_dequantize`` on the DEQUANTIZE of a float16 or dynamic-range weight
  (LiteRT tflite/converter/quantization/lite/toco_legacy/quantize_weights.cc). The last part is the
  op; everything before it is the Keras layer path. A name without ``/`` is a flat Keras layer
  name (``conv2d_21``), which is its own layer.
- ``mediapipe``: MediaPipe's Keras models, the TF scheme plus the ``__xeno_compat__N`` suffix its
  converter adds to flat layer names (``add_17__xeno_compat__1`` is layer ``add_17``).
- ``litert-torch`` (ai-edge-torch): ``backend/debuginfo/_build.py`` (google-ai-edge/litert-torch
  @a6e75de9) writes ``nn_module_stack`` as ``<class path>_<attribute>`` per module joined by ``/``
  and closed by ``;`` -- the root module has no attribute: ``torchvision.models.resnet.ResNet/
  torch.nn.modules.container.Sequential_layer1/torchvision.models.resnet.BasicBlock_0/
  torch.nn.modules.activation.ReLU_relu;`` is module ``layer1.0.relu`` (``named_modules()``'s
  name). Every part is a module (no op part); a tensor made in the root module's own ``forward``
  belongs to ``""``, the root's name; of fused names, the first inside a submodule counts. The
  attribute is what follows the first ``_`` of the class name after any leading ``_``
  (``_FeedForwardModule_ffn2`` is ``ffn2``): a class name with an inner ``_`` is split there.
- ``onnx2tf``: ONNX node names from ``torch.onnx`` (``/layer1/layer1.0/relu/Relu``, outputs
  ``.../Relu_output_0``), whose scopes repeat their parent's name before a container index
  (``conv``, ``conv.0``, ``conv.0.0``); onnx2tf rewrites the leading ``/`` to ``wa/``
  (PINTO0309/onnx2tf onnx2tf/onnx2tf.py ``sanitizing``, @2c0cb019). Its older TF-converter path
  names tensors after Keras ``TFOpLambda`` layers (``model_1/tf.math.multiply_94/Mul``): those
  take the TF scheme.

Given a producer id (``tensorflow``, ``litert-torch``, ``onnx2tf``, ``mediapipe``) its scheme is
used; otherwise (``None``, ``unknown``, another producer) the name's own shape chooses. Views pass
``model.producer.id`` and read an op's layer through :func:`op_layer`, which also places the ops
whose output carries a signature name (a litert-torch model's last op writes
``serving_default_output_0_output``) in the module that owns their weights, or the root module.
:func:`module_name` / :func:`scope` give what a view shows: the module's ``named_modules()`` name
(``""`` for the root) for PyTorch-born names, the layer path otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .model import Operator, Subgraph

__all__ = [
    "Layer",
    "SCHEMES",
    "layer",
    "layer_name",
    "MODULE_SCHEMES",
    "module_name",
    "op_layer",
    "scope",
    "scope_label",
    "scheme_of",
    "tensorflow",
    "mediapipe",
    "litert_torch",
    "onnx",
    "keras_layer",
]

_PORT = re.compile(r":\d+$")
_DEQUANTIZE = re.compile(r"_dequantize$")
_XENO = re.compile(r"__xeno_compat__\d+$")
# ``module.Class`` (the root module of a litert-torch name): a dotted path ending in a class name.
_CLASS_PATH = re.compile(r"^[A-Za-z_][\w]*(?:\.[\w<>]+)*\.(?:_*[A-Z])[\w<>]*$")
# ``module.Class_attribute`` below the root.
_MODULE_PART = re.compile(r"^[A-Za-z_][\w]*(?:\.[\w<>]+)*\.[\w<>]+$")
_UNIQUIFY = re.compile(r"^(.*\D.*?)_(\d+)$")


class Layer(NamedTuple):
    """Where a tensor was made.

    ``name``: the layer as its framework spells it (``model/block_3/conv``, ``layer1.0.relu``); a
    flat TF name is its own layer (``scoped`` is then False); ``""`` for no name and for a PyTorch
    model's root module, whose class path is ``root``. ``path``: the enclosing scopes, outermost
    first (TF ``("model", "block_3", "conv")``, PyTorch ``("layer1", "0", "relu")``); empty when the
    name has no scope. (A named tuple that splits ``path`` on demand: one is made per op per view.)
    """

    scheme: str
    name: str
    scoped: bool
    root: str = ""  # litert-torch: the root module's class path (``torchvision.models.resnet.ResNet``)

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.name.split(self.sep)) if self.scoped and self.name else ()

    @property
    def label(self) -> str:
        """What a view calls the layer: its name, or for a PyTorch root module its class path."""
        return self.name or self.root

    @property
    def sep(self) -> str:
        """How the scheme joins ``path`` (``/`` for TF names, ``.`` for PyTorch module names)."""
        return "/" if self.scheme in ("tensorflow", "mediapipe") else "."

    def join(self, parts: Sequence[str]) -> str:
        """A prefix of ``path`` spelled as this scheme spells a layer."""
        return self.sep.join(parts)


def _first(name: str) -> str:
    """The op's own name: the first of the ``;``-joined fused names, without a ``:N`` port."""
    first = name.split(";", 1)[0]
    return _PORT.sub("", first) if ":" in first else first


def tensorflow(name: str) -> Layer:
    """``model/block_3/conv/Conv2D;model/block_3/conv/Relu`` → path ``(model, block_3, conv)``."""
    return _tensorflow(_first(name))


def _tensorflow(first: str) -> Layer:
    cut = first.rfind("/")
    if cut < 0:
        return Layer("tensorflow", first[: -len("_dequantize")] if first.endswith("_dequantize") else first, False)
    if "//" in first or first[0] == "/" or cut == len(first) - 1:  # empty scopes do not count
        parts = [p for p in first.split("/") if p]
        return Layer("tensorflow", "/".join(parts[:-1]), True)
    return Layer("tensorflow", first[:cut], True)


def mediapipe(name: str) -> Layer:
    """The TF scheme, with the ``__xeno_compat__N`` suffix of a flat layer name removed."""
    first = _first(name)
    if "/" not in first:
        return Layer("mediapipe", _DEQUANTIZE.sub("", _XENO.sub("", first)), False)
    return tensorflow(first)._replace(scheme="mediapipe")


def _attribute(part: str) -> str | None:
    """``torch.nn.modules.container.Sequential_layer1`` → ``layer1``; None for the root's class path."""
    leaf = part.rsplit(".", 1)[-1]
    body = leaf.lstrip("_")
    cut = body.find("_")
    return body[cut + 1 :] if cut >= 0 and cut + 1 < len(body) else None


def litert_torch(name: str) -> Layer:
    """``…ResNet/…Sequential_layer1/…BasicBlock_0/…ReLU_relu;`` → ``layer1.0.relu``.

    An op the converter fused with work of the root module's own ``forward`` (a residual scale
    folded into a FULLY_CONNECTED: ``…ConformerLayer;;…ConformerLayer/…_ffn1/…/…Linear_4;2``) lists
    the root first: the first fused part inside a submodule names it. Names that are not module
    paths (signature tensors such as ``serving_default_args_0:0``, ``StatefulPartitionedCall:0``)
    are read, and reported, as TF names: the converter wrote them.
    """
    parts = [part for part in name.split(";") if part]
    paths = [_module_path(part) for part in parts]
    found = [p for p in paths if p is not None]
    if not found:
        return tensorflow(name)
    path = next((p for p in found if p), ())
    root = next(part for part, p in zip(parts, paths, strict=True) if p is not None).split("/", 1)[0]
    return Layer("litert-torch", ".".join(path), True, root)


def _module_path(part: str) -> tuple[str, ...] | None:
    """The attributes of one ``nn_module_stack`` string; None when ``part`` is not one."""
    parts = part.split("/")
    if not _CLASS_PATH.match(parts[0]) or not all(_MODULE_PART.match(p) for p in parts[1:]):
        return None
    return tuple(a for a in map(_attribute, parts[1:]) if a is not None)


def _onnx_modules(scopes: Sequence[str]) -> tuple[str, ...]:
    """``(layer1, layer1.0, relu)`` → ``(layer1, 0, relu)``: a scope that repeats the previous one
    before a ``.`` continues it (container children), any other scope is a child attribute."""
    out: list[str] = []
    prev = ""
    for scope in scopes:
        rest = scope[len(prev) + 1 :] if prev and scope.startswith(prev + ".") else scope
        out.extend(p for p in rest.split(".") if p)
        prev = scope
    return tuple(out)


def onnx(name: str) -> Layer:
    """``/layer1/layer1.0/relu/Relu`` (or onnx2tf's ``wa/layer1/…``) → ``layer1.0.relu``.

    Names without the leading ``/`` (onnx2tf's TF-converter path, ``model_1/tf.math.multiply_94/Mul``)
    are read, and reported, as TF names.
    """
    first = _first(name)
    if first.startswith("wa/"):
        first = first[2:]
    if not first.startswith("/"):
        return tensorflow(name)
    parts = [p for p in first.split("/") if p]
    return Layer("onnx2tf", ".".join(_onnx_modules(parts[:-1])), True)


_BY_PRODUCER: dict[str, Callable[[str], Layer]] = {
    "tensorflow": tensorflow,
    "mediapipe": mediapipe,
    "litert-torch": litert_torch,
    "onnx2tf": onnx,
}
SCHEMES = tuple(_BY_PRODUCER)


def scheme_of(name: str, producer: str | None = None) -> str:
    """The naming scheme for ``name``: the producer's, else the one the name's shape shows."""
    if producer is not None and producer in _BY_PRODUCER:
        return producer
    return _shape_scheme(_first(name))


def _shape_scheme(first: str) -> str:
    if first.startswith("/"):
        return "onnx2tf"
    if "." in first:
        cut = first.find("/")
        if _CLASS_PATH.match(first if cut < 0 else first[:cut]):
            return "litert-torch"
    if "__xeno_compat__" in first and _XENO.search(first):
        return "mediapipe"
    return "tensorflow"


@lru_cache(maxsize=1 << 16)
def layer(name: str, producer: str | None = None) -> Layer:
    """The layer a tensor name belongs to, read with the producer's scheme (or the name's own).

    Cached: every view asks for the same names (an LLM's report reads each one about three times)."""
    if producer is not None and producer in _BY_PRODUCER:
        return _BY_PRODUCER[producer](name)
    first = _first(name)
    scheme = _shape_scheme(first)
    return _tensorflow(first) if scheme == "tensorflow" else _BY_PRODUCER[scheme](name)


def layer_name(name: str, producer: str | None = None) -> str:
    """The layer's label for a view: ``layer(name, producer).label``."""
    return layer(name, producer).label


# Schemes whose layer names are PyTorch module names (``named_modules()`` keys; ``""`` is the root).
MODULE_SCHEMES = frozenset({"litert-torch", "onnx2tf"})
# Producers whose every op belongs to a module, so an op whose output carries a signature name
# is placed by its weights (or in the root module) instead of under that name.
_MODULE_PRODUCERS = frozenset({"litert-torch"})


def module_name(name: str, producer: str | None = None) -> str | None:
    """The PyTorch module a tensor name records (``layer1.0.relu``; ``""``: the root module), or
    None when the name is not a module path (TF/Keras names, signature tensors)."""
    found = layer(name, producer)
    return found.name if found.scheme in MODULE_SCHEMES else None


def op_layer(sg: Subgraph, op: Operator, producer: str | None = None) -> Layer:
    """The layer an op belongs to, from its first output's name.

    For a litert-torch model an output named by the signature (``serving_default_logits_output``)
    records no module: the op is placed in the module its weights are named after (a final
    ``nn.Linear``'s weight), else in the root module (``""``), which is where ``forward`` returns it.
    """
    out = sg.tensor(op.outputs[0]) if op.outputs else None
    found = layer(out.name if out is not None else "", producer)
    if producer not in _MODULE_PRODUCERS or found.scheme in MODULE_SCHEMES:
        return found
    for i in op.inputs:
        t = sg.tensor(i)
        if t is not None and t.is_constant and t.name:
            owner = layer(t.name, producer)
            if owner.scheme in MODULE_SCHEMES:
                return owner
    return Layer("litert-torch", "", True)


def scope(found: Layer) -> str:
    """What a view groups and labels by: the module name (``""`` for the root) for PyTorch-born
    names, else :attr:`Layer.label` (the layer path, or a flat name itself)."""
    return found.name if found.scheme in MODULE_SCHEMES else found.label


def scope_label(key: str, is_module: bool) -> str:
    """A scope as text shows it: the root module, whose ``named_modules()`` name is ``""``, as ``(root)``."""
    return "(root)" if is_module and key == "" else key


# ---- TF node names in converter errors (diagnose) ----------------------------------------------


def keras_layer(tf_node: str | None, layer_names: Sequence[str] | None = None) -> tuple[str | None, tuple[str, ...]]:
    """(Keras layer, layer path) for a TF node name such as ``functional_1/conv2d_1_2/convolution``.

    The node name is ``<model scope>/<layer scope>/.../<op>`` (``@<function>`` after it in MLIR
    locations). Keras 3 opens a TF name scope per layer while the model is traced for export, and
    TensorFlow makes scope names unique by appending ``_N`` — so a layer named ``conv`` shows up
    as ``conv_1``, and ``conv2d_1`` as ``conv2d_1_1`` or ``conv2d_1_2``. The heuristic therefore
    removes exactly one trailing ``_N`` (``conv2d_1_2`` → ``conv2d_1``, never down to ``conv2d``).
    When the model's layer names are known, the first of (one suffix removed, as printed, more
    suffixes removed) that is a real layer wins, which settles the cases a name alone cannot (a
    layer that really is called ``conv_1``). The path is every scope between the model and the op.
    """
    if not tf_node:
        return None, ()
    scopes = tensorflow(tf_node.split("@", 1)[0]).path[1:]
    if not scopes:
        return None, ()
    path = tuple(_layer_from_scope(s, layer_names) for s in scopes)
    return path[0], path


def _strip_suffix(name: str) -> str | None:
    m = _UNIQUIFY.match(name)
    return m.group(1) if m else None


def _layer_from_scope(scope: str, layer_names: Sequence[str] | None) -> str:
    once = _strip_suffix(scope)
    if layer_names:
        names = set(layer_names)
        candidates = [c for c in (once, scope) if c]
        more = once
        while more and (more := _strip_suffix(more)):
            candidates.append(more)
        for c in candidates:
            if c in names:
                return c
    return once or scope
