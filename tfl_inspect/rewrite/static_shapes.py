"""``--static NAME=SHAPE`` / ``--static-batch N``: fix the input shapes and write every shape out.

Removes DYN001/DYN002-type findings at their root: the inputs get the given shapes, our shape
inference propagates them, and every tensor whose shape it now knows gets that shape with the
-1s cleared from ``shape_signature``. Tensors it cannot follow keep their record and are listed.
An input whose dims are still unknown (a dynamic height and width under ``--static-batch``) is
named with the ``--static`` to add, and the model is not written unless ``--allow-dynamic``:
static shapes were asked for and not obtained. Tensors whose shapes depend on values (WHERE,
NON_MAX_SUPPRESSION outputs) stay dynamic whatever the input shapes; they are only listed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from .passes import SHAPES, Option, Pass, PassResult, shape_map

if TYPE_CHECKING:
    from ..shapes import ShapeResult
    from .edit import Rewrite

__all__ = ["StaticShapes", "input_shapes"]


class StaticShapes(Pass):
    name = "static-shapes"
    options = (
        Option(
            "--static",
            "DYN001: give this input a fixed shape, e.g. image=1x224x224x3 (repeatable; NAME: signature input "
            "name, tensor name or index, or the name --rename-io gives it)",
            {"action": "append", "metavar": "NAME=SHAPE"},
        ),
        Option("--static-batch", "DYN001: set the batch dim of every input to N", {"type": int, "metavar": "N"}),
        Option(
            "--allow-dynamic",
            "write the model even if --static/--static-batch leave input dims unknown (otherwise: exit 1, "
            "nothing written, and the --static to add)",
            {"action": "store_true"},
            default=False,
            activates=False,
        ),
    )
    requires = frozenset({SHAPES})

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self.rename = values.get("rename_io")  # --static may use the names --rename-io gives
        self.inputs: dict[str | int, tuple[int, ...]] = {}
        self.dynamic: list[int] = []

    def input_shapes(self, model: Any, signature: str | None) -> dict[str | int, tuple[int, ...]]:
        from .rename_io import input_aliases

        static = shape_map(self.values["static"], "--static")
        aliases = input_aliases(model, self.rename)
        static = {aliases.get(k, k) if isinstance(k, str) else k: v for k, v in static.items()}
        self.inputs = input_shapes(model, signature, static, self.values["static_batch"])
        return self.inputs

    def __call__(self, rw: Rewrite) -> PassResult:
        batch = self.values["static_batch"]
        if batch is not None and not any(isinstance(k, int) for k in self.inputs):
            rw.report.notes.append(f"static-batch: no input has a dynamic batch dim to set to {batch}")
        assert rw.shapes is not None
        before = len(rw.report.shapes_fixed)
        self.dynamic = apply(rw, rw.shapes)
        return PassResult(len(rw.report.shapes_fixed) > before)

    def after(self, rw: Rewrite) -> None:
        """Name what is still dynamic as the rewritten model names it, and the ``--static`` each input needs."""
        import shlex

        from .edit import tensor_name

        assert rw.shapes is not None
        rw.report.still_dynamic = [tensor_name(rw.sg.tensors[i]) for i in self.dynamic]
        sg = rw.model.subgraphs[rw.subgraph]
        names = _input_names(rw)
        for i in sg.inputs:
            shape = rw.shapes.shape(i)
            if shape is not None and any(d < 0 for d in shape):
                rw.report.static_needed.append(f"--static {shlex.quote(names.get(i, str(i)))}={_placeholder(shape)}")
        if rw.report.static_needed and not self.values["allow_dynamic"]:
            rw.report.refused = (
                f"inputs are still dynamic: add {' '.join(rw.report.static_needed)} with the real sizes "
                "(--allow-dynamic writes the model as it is)"
            )


def _input_names(rw: Rewrite) -> dict[int, str]:
    """Input tensor -> the name ``--static`` takes in the rewritten model: its signature name, else the tensor's."""
    from .edit import tensor_name

    names = {i: tensor_name(rw.sg.tensors[i]) for i in rw.model.subgraphs[rw.subgraph].inputs}
    for sig in rw.fb.signatureDefs or []:
        if sig.subgraphIndex == rw.subgraph:
            for tm in sig.inputs or []:
                if tm.tensorIndex in names:
                    names[int(tm.tensorIndex)] = tensor_name(tm)
    return names


def _placeholder(shape: Sequence[int]) -> str:
    """``[1, -1, -1, 3]`` → ``1xHxWx3``: the sizes to fill in (N, H, W for an image; D<k> otherwise)."""
    letters = {0: "N", 1: "H", 2: "W"} if len(shape) == 4 else {0: "N"}
    return "x".join(str(d) if d >= 0 else letters.get(k, f"D{k}") for k, d in enumerate(shape))


def input_shapes(
    model: Any, signature: str | None, static: Mapping[str | int, Sequence[int]] | None, batch: int | None
) -> dict[str | int, tuple[int, ...]]:
    """The ``inputs`` argument for :func:`infer_shapes`: given shapes, plus ``batch`` in every input's
    dynamic (-1) dim 0."""
    from ..shapes import infer_shapes

    out: dict[str | int, tuple[int, ...]] = {k: tuple(int(d) for d in v) for k, v in (static or {}).items()}
    if batch is not None:
        if batch < 1:
            raise UsageError(f"--static-batch must be at least 1, not {batch}")
        probe = infer_shapes(model, signature=signature)
        sg = model.subgraphs[probe.subgraph]
        for i in sg.inputs:
            t = sg.tensors[i]
            if i in out or not t.has_rank or not t.shape_signature or t.is_constant:
                continue
            if any(_same_input(model, probe, k, i) for k in out):
                continue
            sig = list(t.shape_signature)
            if sig[0] != -1:
                continue  # a batch fixed at conversion is the model's own: leave it
            sig[0] = batch
            out[i] = tuple(sig)
    return out


def _same_input(model: Any, probe: ShapeResult, key: str | int, index: int) -> bool:
    if isinstance(key, int):
        return key == index
    sg = model.subgraphs[probe.subgraph]
    if sg.tensors[index].name == key:
        return True
    sig = model.signature(probe.signature) if probe.signature else None
    return bool(sig is not None and sig.inputs.get(key) == index)


def apply(rw: Rewrite, result: ShapeResult) -> list[int]:
    """Write the inferred shapes into the object tree (activations only; constants are as stored);
    return the tensors that stay dynamic."""
    from .report import ShapeFix

    sg = rw.model.subgraphs[rw.subgraph]
    tensors = rw.sg.tensors
    dynamic = []
    for t in sg.tensors:
        if t.is_constant:
            continue
        shape = result.shape(t.index)
        if shape is None or any(d < 0 for d in shape):
            if t.is_dynamic:
                dynamic.append(t.index)
            continue
        new = [int(d) for d in shape]
        if t.has_rank and list(t.shape) == new and list(t.shape_signature) == new:
            continue
        ft = tensors[t.index]
        ft.shape = new
        ft.shapeSignature = None  # as the converter writes static tensors
        ft.hasRank = True
        rw.report.shapes_fixed.append(ShapeFix(t.index, t.name, list(t.shape_signature) if t.has_rank else [], new))
    return dynamic
