"""OPS: runtime compatibility — what the interpreter on the device must provide."""

from __future__ import annotations

from collections.abc import Iterator

from .. import custom_ops
from ..remedies import Cause, Remedy
from .base import Finding, RuleSpec, Severity, check
from .context import Context, counts

__all__: list[str] = []


OPS001 = RuleSpec(
    "OPS001",
    Severity.WARNING,
    "Flex (Select TF) ops",
    """Custom ops named Flex<TfOp>: TensorFlow ops that need the Flex delegate at run time. One
    finding lists them all (with counts).""",
    explanation=Cause.FLEX,
    fix=(
        "Link the Flex delegate (Android: `org.tensorflow:tensorflow-lite-select-tf-ops`; iOS: "
        "`TensorFlowLiteSelectTfOps`; Python: the full `tensorflow` package's interpreter), or ",
        Remedy.FLEX_TO_BUILTINS,
    ),
)
OPS002 = RuleSpec(
    "OPS002",
    Severity.WARNING,
    "custom ops",
    """Non-Flex custom ops: each needs a kernel registered with the interpreter. One finding lists
    them all (with counts).""",
    explanation=Cause.CUSTOM_OPS,
    fix=(
        "Register each kernel with the interpreter's op resolver (C++ `resolver.AddCustom(name, Register...())`, "
        "Python `custom_op_registerers=[...]`), or run the model in the framework it was made for (e.g. a "
        "MediaPipe graph registers its ops itself). If you convert the model yourself, ",
        Remedy.NO_CUSTOM_OPS_FLAG,
    ),
)
OPS003 = RuleSpec(
    "OPS003",
    Severity.ERROR,
    "model needs a newer runtime",
    """The model's min_runtime_version metadata (or, when missing, the minimum runtime computed from
    its op versions as the converter does, runtime_version.cc) is newer than the runtime given with
    `--runtime X.Y`: some op versions in it are unknown to that runtime. The op that needs the
    newest runtime is named. Runs only with `--runtime`.""",
    explanation="""The converter records the oldest TFLite runtime that has every op at the version
    the model uses. A newer TensorFlow converter emits newer op versions (e.g. int16 activations,
    new options), which older runtimes reject with 'Didn't find op for builtin opcode ... version'.""",
    fix=("Upgrade the runtime on the device, or ", Remedy.MATCHING_CONVERTER),
)
OPS004 = RuleSpec(
    "OPS004",
    Severity.INFO,
    "legacy opcode encoding",
    """Operator codes with only deprecated_builtin_code (no builtin_code): written by an old
    converter (before TF 2.4); tools that trust builtin_code see every op as ADD.""",
    explanation="""Before TF 2.4 the opcode was stored in the int8 `deprecated_builtin_code` field.
    Current runtimes read max(builtin_code, deprecated_builtin_code), but third-party parsers that
    read only `builtin_code` misread these ops as ADD (0).""",
    fix=Remedy.CURRENT_CONVERTER,
)


def _builtin_custom(code: str) -> bool:
    """Custom codes whose kernel every stock runtime registers (e.g. TFLite_Detection_PostProcess)."""
    info = custom_ops.lookup(code)
    return info is not None and info.family == "TFLite"


def _where_kernels_come_from(names: list[str]) -> str:
    """One clause per distinct custom op: the library/resolver that provides it (tfl_inspect.custom_ops)."""
    by_kernel: dict[str, list[str]] = {}
    for code in dict.fromkeys(names):
        info = custom_ops.lookup(code)
        by_kernel.setdefault(info.kernel if info else "unknown here: ask the model's author", []).append(code)
    return "; ".join(f"{', '.join(codes)}: {kernel}" for kernel, codes in by_kernel.items())


def _custom_ops(ctx: Context, flex: bool) -> Iterator[Finding]:
    found = [
        (v, o)
        for v, o in ctx.iter_ops()
        if o.custom_code is not None
        and o.custom_code.startswith("Flex") == flex
        and (flex or not _builtin_custom(o.custom_code))
    ]
    if not found:
        return
    view, first = found[0]
    names = [str((o.flex_op or o.custom_code[4:]) if flex else o.custom_code) for _, o in found]  # type: ignore[index]
    related = tuple((v.index, o.index) for v, o in found[1:])
    if flex:
        message = f"{len(found)} Flex (Select TF) op(s) need the TensorFlow ops runtime: {counts(names)}"
        yield ctx.at_op(OPS001, view, first, message, related=related)
        return
    yield ctx.at_op(
        OPS002,
        view,
        first,
        f"{len(found)} custom op(s) must be registered with the interpreter: {counts(names)}",
        explanation=OPS002.explanation_for(ctx.model.producer)
        + " Where they come from: "
        + _where_kernels_come_from(names)
        + ".",
        related=related,
    )


@check(OPS001)
def ops001(ctx: Context) -> Iterator[Finding]:
    return _custom_ops(ctx, flex=True)


@check(OPS002)
def ops002(ctx: Context) -> Iterator[Finding]:
    return _custom_ops(ctx, flex=False)


def _version(text: str) -> tuple[int, ...] | None:
    parts = []
    for p in text.strip().split("."):
        if not p.isdigit():
            return None
        parts.append(int(p))
    return tuple(parts) or None


@check(OPS003)
def ops003(ctx: Context) -> Iterator[Finding]:
    if ctx.runtime is None:
        return
    from ..targets.runtime_version import minimum_runtime

    computed = minimum_runtime(ctx.model)
    need_text = ctx.model.min_runtime_version
    source = "min_runtime_version"
    if not need_text or _version(need_text) is None:
        need_text, source = computed.version, "computed from op versions"
    have, need = _version(ctx.runtime), _version(need_text or "")
    if have is None or need is None:
        return
    width = max(len(have), len(need))
    if need + (0,) * (width - len(need)) <= have + (0,) * (width - len(have)):
        return
    by = ""
    if computed.op is not None and computed.version is not None:
        by = f"; the newest op is {computed.opcode} v{computed.op_version} (runtime {computed.version})"
    message = f"the model needs runtime {need_text} ({source}{by}) but the target is {ctx.runtime}"
    if computed.op is not None and computed.subgraph is not None:
        view = ctx.views[computed.subgraph]
        yield ctx.at_op(OPS003, view, view.op(computed.op), message)
    else:
        yield ctx.finding(OPS003, message)


@check(OPS004)
def ops004(ctx: Context) -> Iterator[Finding]:
    legacy = [(v, o) for v, o in ctx.iter_ops() if o.legacy_opcode]
    if not legacy:
        return
    view, first = legacy[0]
    yield ctx.at_op(
        OPS004,
        view,
        first,
        f"{len(legacy)} op(s) use the legacy opcode encoding (deprecated_builtin_code only): "
        f"{counts([o.opcode for _, o in legacy])}",
        related=tuple((v.index, o.index) for v, o in legacy[1:]),
    )
