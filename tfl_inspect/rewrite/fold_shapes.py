"""``--fold-shapes``: turn SHAPE → STRIDED_SLICE/GATHER → PACK/CONCATENATION chains into constants.

These chains (how UpSampling2D, Conv2DTranspose and Flatten lower with a dynamic batch) are what
GPU delegates and the Edge TPU compiler reject (DYN002). Once the input shapes are known, the
shape engine's partial evaluation knows each chain's value; every op whose outputs are all
known integers is dropped and the tensors the rest of the graph reads become int32/int64
constants. Ops and buffers that fed only the chain go with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .passes import SHAPES, Option, Pass, PassResult

if TYPE_CHECKING:
    from ..shapes import ShapeResult
    from .edit import Rewrite

__all__ = ["FoldShapes"]

_MAX_ELEMENTS = 4096  # shape vectors are tiny; never inline a large computed tensor


class FoldShapes(Pass):
    name = "fold-shapes"
    options = (
        Option(
            "--fold-shapes",
            "DYN002: fold SHAPE → STRIDED_SLICE/GATHER → PACK/CONCATENATION chains into constants",
            {"action": "store_true"},
            default=False,
        ),
    )
    requires = frozenset({SHAPES})

    def __call__(self, rw: Rewrite) -> PassResult:
        from .report import Folded

        assert rw.shapes is not None
        foldable = _foldable(rw, rw.shapes)
        constants = _constants(rw, rw.shapes, foldable) if foldable else None
        if constants is None:
            return PassResult(False)
        sg = rw.model.subgraphs[rw.subgraph]
        for t, data in constants:
            ft = rw.sg.tensors[t]
            ft.shape = [int(d) for d in data.shape]
            ft.shapeSignature = None
            ft.hasRank = True
            rw.add_constant(ft, data)
            rw.report.folded.append(Folded(t, sg.tensors[t].name, [int(x) for x in data.reshape(-1)]))
        for i in foldable:
            rw.remove_op(i, self.name)
        return PassResult(True)


def _foldable(rw: Rewrite, result: ShapeResult) -> set[int]:
    """Ops whose every output the shape engine knows completely, as small int32/int64 values."""
    from .edit import NUMPY_TYPES, STATEFUL

    sg = rw.model.subgraphs[rw.subgraph]
    outputs = set(sg.inputs) | set(sg.outputs)
    foldable: set[int] = set()
    for op in sg.operators:
        if op.builtin in STATEFUL or not op.outputs or op.is_custom:
            continue
        ok = True
        for t in op.outputs:
            tensor = sg.tensors[t]
            v = result.value(t)
            if (
                t in outputs
                or tensor.dtype not in NUMPY_TYPES
                or tensor.is_variable
                or v is None
                or not v.complete
                or v.data.size > _MAX_ELEMENTS
            ):
                ok = False
                break
        if ok:
            foldable.add(op.index)
    return foldable


def _constants(rw: Rewrite, result: ShapeResult, foldable: set[int]) -> list[tuple[int, Any]] | None:
    """The folded tensors the rest of the graph reads, with their values; None when a value does not
    fit its tensor's type (then every chain is left alone)."""
    import numpy as np

    from .edit import NUMPY_TYPES

    sg = rw.model.subgraphs[rw.subgraph]
    constants: list[tuple[int, np.ndarray]] = []
    for i in sorted(foldable):
        for t in sg.operators[i].outputs:
            if all(c in foldable for c in sg.consumers(t)):
                continue  # read only inside the chain: goes with it
            v = result.value(t)
            assert v is not None
            dtype = NUMPY_TYPES[sg.tensors[t].dtype]
            info = np.iinfo(dtype)  # type: ignore[type-var]
            if v.data.size and (v.data.min() < info.min or v.data.max() > info.max):
                return None  # does not fit the tensor's type: nothing is changed yet
            constants.append((t, np.asarray(v.data).astype(dtype).reshape(v.shape)))
    return constants
