"""NAM: names and the I/O contract — what application code indexes by and gets wrong."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..remedies import Cause, Remedy
from ..rewrite.hint import command as fix_command
from .base import Finding, RuleSpec, Severity, check
from .context import Context

if TYPE_CHECKING:
    from ..model import Tensor

__all__ = ["GENERATED_TENSOR_NAME", "GENERATED_OUTPUT_NAME"]

GENERATED_TENSOR_NAME = re.compile(
    r"^(serving_default_.*:\d+|StatefulPartitionedCall(_\d+)?:\d+|keras_tensor(_\d+)?(:\d+)?|"
    r"PartitionedCall(_\d+)?:\d+)$"
)
GENERATED_OUTPUT_NAME = re.compile(r"^output_\d+$")


def _mapping(ctx: Context, names: dict[str, int], sub: int) -> str:
    parts = []
    for name, idx in names.items():
        t = ctx.model.tensor(sub, idx)
        parts.append(f"{name} → tensor {idx}" + (f" '{t.name}'" if t is not None and t.name else ""))
    return "; ".join(parts)


NAM001 = RuleSpec(
    "NAM001",
    Severity.INFO,
    "converter-generated I/O names",
    Cause.GENERATED_NAMES_DOC,
    explanation=Cause.GENERATED_NAMES,
    fix=(
        "Call the model through `interpreter.get_signature_runner(KEY)` with the names listed in the finding, not "
        "by tensor name or position. ",
        Remedy.NAMED_OUTPUTS,
    ),
)


@check(NAM001)
def nam001(ctx: Context) -> Iterator[Finding]:
    for sig in ctx.model.signatures:
        generated_outputs = [n for n in sig.outputs if GENERATED_OUTPUT_NAME.match(n)]
        tensors = [
            t
            for idx in (*sig.inputs.values(), *sig.outputs.values())
            if (t := ctx.model.tensor(sig.subgraph, idx)) is not None and GENERATED_TENSOR_NAME.match(t.name)
        ]
        if not generated_outputs and not tensors:
            continue
        what = []
        if tensors:
            what.append(f"{len(tensors)} I/O tensor name(s) are converter-generated (e.g. '{tensors[0].name}')")
        if generated_outputs:
            what.append(
                f"outputs are named {', '.join(generated_outputs[:4])}{' …' if len(generated_outputs) > 4 else ''}"
            )
        yield ctx.finding(
            NAM001,
            f"signature '{sig.key}': {' and '.join(what)}. Inputs: {_mapping(ctx, dict(sig.inputs), sig.subgraph)}. "
            f"Outputs: {_mapping(ctx, dict(sig.outputs), sig.subgraph)}",
            subgraph=sig.subgraph,
            signature=sig.key,
            tensor=tensors[0].index if tensors else None,
            tensor_name=tensors[0].name if tensors else None,
            fix=NAM001.fix_for(ctx.model.producer).replace("KEY", repr(sig.key)) + _rename_fix(ctx, generated_outputs),
        )


def _rename_fix(ctx: Context, generated_outputs: list[str]) -> str:
    """The ``fix`` command that removes the finding: signature names for the tensors, and real names
    for ``output_k`` outputs (placeholders the user fills in)."""
    if not generated_outputs:
        return (
            " To give the I/O tensors their signature names in the converted model: `"
            + fix_command(ctx.model.source, "--rename-io")
            + "`."
        )
    one = len(generated_outputs) == 1
    pairs = ",".join(f"{n}={'NAME' if one else f'NAME_{k}'}" for k, n in enumerate(generated_outputs))
    return (
        " To name the outputs in the converted model (and give the I/O tensors their signature names): `"
        + fix_command(ctx.model.source, "--rename-io " + shlex.quote(pairs))
        + "` with the names you want for "
        + ("NAME" if one else ", ".join(f"NAME_{k}" for k in range(len(generated_outputs))))
        + "."
    )


def _shape(t: Tensor | None) -> str:
    """``[?, 4]``: the dims a caller sees, ``?`` where the batch (or any dim) is dynamic."""
    if t is None:
        return "[?]"
    if not t.has_rank:
        return "[unknown rank]"
    return "[" + ", ".join("?" if d < 0 else str(d) for d in t.shape_signature) + "]"


def _order(ctx: Context, sub: int, label: str, names: dict[str, int], sg_order: tuple[int, ...]) -> str | None:
    """What sits at each get_*_details() position that the signature order gets wrong, with shapes."""
    sig_order = list(names.values())
    shared = set(sig_order) & set(sg_order)
    if [t for t in sig_order if t in shared] == [t for t in sg_order if t in shared]:
        return None
    by_tensor = {v: k for k, v in names.items()}
    sig_names = list(names)

    def entry(name: str | None, idx: int) -> str:
        return f"{name if name is not None else f'tensor {idx}'} {_shape(ctx.model.tensor(sub, idx))}"

    parts = []
    for k, idx in enumerate(sg_order):
        expected = sig_names[k] if k < len(sig_names) else None
        actual = by_tensor.get(idx)
        if actual == expected:
            continue
        text = f"get_{label[:-1]}_details()[{k}] is {entry(actual, idx)}"
        if expected is not None:
            text += f", not {entry(expected, names[expected])}"
        parts.append(text)
    return "; ".join(parts) + f" (signature {label} in order: {', '.join(sig_names)})"


NAM002 = RuleSpec(
    "NAM002",
    Severity.WARNING,
    "signature order differs from subgraph order",
    """The signature lists inputs/outputs in another order than the subgraph, so code indexing
    `get_input_details()[i]` / `get_output_details()[i]` gets another tensor than the signature
    position suggests.""",
    explanation=Cause.SIGNATURE_ORDER,
    fix="""Use `interpreter.get_signature_runner(KEY)` and pass/read tensors by name; if you must use
    indices, look them up by matching `details['index']` with the signature's tensor indices
    (`interpreter.get_signature_list()` / `_get_full_signature_list()`).""",
)


@check(NAM002)
def nam002(ctx: Context) -> Iterator[Finding]:
    for sig in ctx.model.signatures:
        sg = ctx.model.subgraphs[sig.subgraph]
        for label, names, order in (("inputs", sig.inputs, sg.inputs), ("outputs", sig.outputs, sg.outputs)):
            text = _order(ctx, sig.subgraph, label, dict(names), order)
            if text is None:
                continue
            t = ctx.model.tensor(sig.subgraph, order[0]) if order else None
            io_name = next((n for n, i in names.items() if t is not None and i == t.index), None)
            yield ctx.finding(
                NAM002,
                f"signature '{sig.key}': {text}",
                subgraph=sig.subgraph,
                signature=sig.key,
                io_name=io_name,
                tensor=t.index if t is not None else None,
                tensor_name=t.name if t is not None else None,
                fix=NAM002.fix_for(ctx.model.producer).replace("KEY", repr(sig.key)),
            )


NAM003 = RuleSpec(
    "NAM003",
    Severity.WARNING,
    "duplicate or empty I/O names",
    """Two inputs/outputs share a tensor name, or one has no name (a tensor or a signature entry):
    lookups by name pick the wrong tensor or fail.""",
    explanation="""Tools that rename tensors, or models assembled by hand, can leave I/O tensors with
    empty or clashing names; code that finds tensors by name then picks the wrong one.""",
    fix="""Address I/O by signature name (`get_signature_runner`) or by `details['index']`, and give
    the tensors unique names when building the model.""",
)


@check(NAM003)
def nam003(ctx: Context) -> Iterator[Finding]:
    for view in ctx.views:
        if view.index != 0 and not any(s.subgraph == view.index for s in ctx.model.signatures):
            continue
        seen: dict[str, int] = {}
        for role, idxs in (("input", view.sg.inputs), ("output", view.sg.outputs)):
            for idx in idxs:
                t = view.tensor(idx)
                if t is None:
                    continue
                if not t.name:
                    problem = f"{role} tensor {idx} has an empty name"
                elif t.name in seen and seen[t.name] != idx:
                    problem = f"{role} tensor {idx} has the same name as tensor {seen[t.name]}: '{t.name}'"
                else:
                    seen[t.name] = idx
                    continue
                key, name = ctx.io_label(t)
                yield ctx.at_tensor(NAM003, t, problem, signature=key, io_name=name)
    for sig in ctx.model.signatures:
        for role, names in (("input", sig.inputs), ("output", sig.outputs)):
            if "" in names:
                yield ctx.finding(
                    NAM003,
                    f"signature '{sig.key}' has an {role} with an empty name",
                    subgraph=sig.subgraph,
                    signature=sig.key,
                    tensor=names[""],
                    explanation="A signature entry with no name cannot be passed by keyword to a signature runner.",
                    fix=Remedy.NAMED_IO,
                )


NAM004 = RuleSpec(
    "NAM004",
    Severity.INFO,
    "no SignatureDefs",
    """The model has no signatures, so `get_signature_runner()` is impossible and callers must
    rely on tensor indices and names.""",
    explanation=Cause.NO_SIGNATURES,
    fix=Remedy.ADD_SIGNATURES,
)


@check(NAM004)
def nam004(ctx: Context) -> Iterator[Finding]:
    if ctx.model.signatures or ctx.model.format != "tflite":
        return
    yield ctx.finding(NAM004, "the model has no SignatureDefs: no signature runner, I/O only by index", subgraph=0)


NAM005 = RuleSpec(
    "NAM005",
    Severity.ERROR,
    "signature does not match its subgraph",
    """A signature entry names a tensor the subgraph does not have, or a tensor that is not one of
    the subgraph's inputs (for an input) or outputs (for an output). LiteRT loads the model and
    `get_input_details()` works, but `get_signature_runner(KEY)` fails: "Invalid tensor index N
    exceeds max tensor index N", or "Cannot set tensor: Tensor is unallocated" for an input that no
    op reads any more.""",
    explanation="""Tools that remove or renumber tensors without rewriting the SignatureDefs leave
    them pointing at the old tensors. LiteRT's C++ `modify_model_interface` (the
    `_pywrap_modify_model_interface` binding behind integer I/O scripts) does this: it removes the
    boundary QUANTIZE/DEQUANTIZE ops and their float tensors, but the signature still names them.""",
    fix="""Until the model is rebuilt, call it positionally through `get_input_details()` /
    `get_output_details()`, which follow the subgraph. To make integer I/O from the float-I/O model
    with signatures kept right, run `tfl-inspect fix MODEL -o OUT --io-type int8` (`int16` for 16x8 models) instead of
    `modify_model_interface`.""",
)


@check(NAM005)
def nam005(ctx: Context) -> Iterator[Finding]:
    for sig in ctx.model.signatures:
        sg = ctx.model.subgraphs[sig.subgraph]
        for role, name, idx in sig.dangling:
            own = sg.inputs if role == "input" else sg.outputs
            t = ctx.model.tensor(sig.subgraph, idx)
            if t is None:
                problem = f"names tensor {idx}, but subgraph {sig.subgraph} has {len(sg.tensors)} tensors"
            else:
                which = ", ".join(f"{i} '{x.name}'" for i in own if (x := ctx.model.tensor(sig.subgraph, i)))
                problem = (
                    f"names tensor {idx}"
                    + (f" '{t.name}'" if t.name else "")
                    + f", which is not an {role} of subgraph {sig.subgraph} (its {role}s: {which or 'none'})"
                )
            yield ctx.finding(
                NAM005,
                f"signature '{sig.key}' {role} '{name}' {problem}: the signature runner fails",
                subgraph=sig.subgraph,
                signature=sig.key,
                io_name=name,
                tensor=t.index if t is not None else None,
                tensor_name=t.name if t is not None else None,
            )
