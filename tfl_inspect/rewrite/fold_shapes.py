"""``--fold-shapes``: turn SHAPE → STRIDED_SLICE/GATHER → PACK/CONCATENATION chains into constants.

These chains (how UpSampling2D, Conv2DTranspose and Flatten lower with a dynamic batch) are what
GPU delegates and the Edge TPU compiler reject (DYN002). Once the input shapes are known, the
shape engine's partial evaluation knows each chain's value; every op whose outputs are all
known integers is dropped and the tensors the rest of the graph reads become int32/int64
constants. Ops and buffers that fed only the chain go with it.
"""

from __future__ import annotations

import numpy as np

from ..shapes import ShapeResult
from .edit import NUMPY_TYPES, STATEFUL, Rewrite
from .report import Folded

__all__ = ["apply"]

NAME = "fold-shapes"
_MAX_ELEMENTS = 4096  # shape vectors are tiny; never inline a large computed tensor


def apply(rw: Rewrite, result: ShapeResult) -> None:
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
    if not foldable:
        return
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
                return  # does not fit the tensor's type: leave every chain alone, nothing is changed yet
            constants.append((t, np.asarray(v.data).astype(dtype).reshape(v.shape)))
    for t, data in constants:
        ft = rw.sg.tensors[t]
        ft.shape = [int(d) for d in data.shape]
        ft.shapeSignature = None
        ft.hasRank = True
        rw.add_constant(ft, data)
        rw.report.folded.append(Folded(t, sg.tensors[t].name, [int(x) for x in data.reshape(-1)]))
    for i in foldable:
        rw.remove_op(i, NAME)
