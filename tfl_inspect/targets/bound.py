"""A model compiled ahead of time for one NPU is bound to it: what every target's report says about that.

A ``DISPATCH_OP`` holds bytecode for one vendor's NPU on one SoC (its LiteRtStamp); an ``ethos-u``
op holds a command stream for one Ethos-U configuration (:mod:`tfl_inspect.compiled`). No CPU
kernel, delegate or other NPU runs them, so each target's report gets one model-level reason and
those ops get it too, in place of the generic "custom op unknown". A target that does run such
a model (an NPU target for the stamped SoC) says so by overriding
:meth:`~tfl_inspect.targets.base.Target.compiled_reason`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .reasons import UNSUPPORTED, Reason

if TYPE_CHECKING:
    from ..compiled import CompiledModel
    from ..model import Model
    from .base import Target, TargetReport

__all__ = ["bound_reason", "bind"]


def bound_reason(npu: CompiledModel) -> Reason:
    """Why a runtime other than the one it was compiled for cannot run the model."""
    n = len(npu.partitions)
    if npu.kind == "ethos-u":
        config = npu.soc or "an Arm Ethos-U NPU"
        return Reason(
            "MODEL_LIMIT",
            f"compiled by Vela for {config}: its {n} ethos-u op(s) need TFLite Micro built with the Ethos-U "
            "kernel (kernels/ethos_u/ethosu.cc) and Arm's Ethos-U driver on that NPU; the stock TFLite Micro "
            "build, LiteRT and every delegate have no kernel for them",
            fix="build TFLite Micro with CO_PROCESSOR=ethos_u for that NPU, or deploy the model as it was "
            "before Vela compiled it (a compiled model cannot be retargeted)",
        )
    if npu.partition_subgraphs:
        return Reason(
            "MODEL_LIMIT",
            f"partitioned for an NPU but not compiled: its {n} DISPATCH_OP(s) carry no bytecode, nothing runs them",
            fix="compile it for one SoC (apply_plugin --cmd=apply), or deploy the model before partitioning",
        )
    if npu.refused:
        return Reason(
            "MODEL_LIMIT",
            f"compiled for {npu.target} in an older layout: {npu.refused}",
            fix="compile the source model again with a current LiteRT compiler plugin",
        )
    library = f" ({npu.dispatch_library})" if npu.dispatch_library else ""
    where = npu.soc or "the SoC it was compiled for"
    return Reason(
        "MODEL_LIMIT",
        f"compiled for {npu.target}: its {n} DISPATCH_OP partition(s) run only with LiteRT and "
        f"{npu.vendor or 'the vendor'}'s dispatch library{library} on {where}; no CPU kernel, delegate or "
        "other SoC runs them",
        fix=f"run it with LiteRT's NPU dispatch on {where}, or deploy the source model (before compilation) "
        "to this target: a compiled model cannot be retargeted",
    )


def _op_reason(npu: CompiledModel, name: str, model_reason: Reason) -> Reason:
    if npu.kind == "ethos-u":
        what = f"Ethos-U command stream for {npu.soc or 'an unrecognised Ethos-U'}"
        runs = "only TFLite Micro's Ethos-U kernel on that NPU runs it"
    elif npu.partition_subgraphs:
        what, runs = "NPU partition without bytecode", "not compiled yet"
    else:
        what = f"NPU partition '{name}' compiled for {npu.target}" if name else f"NPU partition for {npu.target}"
        runs = npu.refused or f"only LiteRT's {npu.vendor or 'vendor'} dispatch library on that SoC runs it"
    return Reason("UNSUPPORTED_OPERATOR", f"{what}: {runs}", None, model_reason.fix)


def bind(
    model: Model, npu: CompiledModel, target: Target, report: TargetReport, options: Mapping[str, Any]
) -> TargetReport:
    """``report`` with the model bound to its NPU: one model-level reason, and the NPU ops refused with it."""
    reason = target.compiled_reason(model, npu, options)
    if reason is None:
        return report
    npu_ops = {(p.subgraph, p.op): _op_reason(npu, p.name, reason) for p in npu.partitions}
    ops = tuple(
        v._replace(status=UNSUPPORTED, reasons=(npu_ops[(v.subgraph, v.index)],), caveats=())
        if (v.subgraph, v.index) in npu_ops
        else v
        for v in report.operators
    )
    kept = tuple(p for p in report.partitions if not any((p.subgraph, i) in npu_ops for i in p.ops))
    first = report.first_blocker
    if first is None:
        first = next(((v.subgraph, v.index) for v in ops if not v.supported), None)
    return replace(
        report, operators=ops, partitions=kept, model_reasons=(reason, *report.model_reasons), first_blocker=first
    )
