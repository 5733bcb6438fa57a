"""Explain a failed litert-torch (or onnx2tf) conversion from the traceback the user saw (no torch needed).

``litert_torch.convert`` exports the module with ``torch.export`` and lowers each aten op of the
exported graph; when a lowering fails, the exception carries a note that names the graph node
(``While executing %view : … call_function[target=torch.ops.aten.view.default](args = (…))``)
and the user's own frames (``Original traceback:`` into ``forward``). This module reads that text:

- the aten op and its arguments, and which of them are sizes ``torch.export`` kept symbolic
  (``%sym_size_int_1``: a dim that ``dynamic_shapes`` marks dynamic);
- the user's source line, and the ``torch.nn`` module whose ``forward`` ran the op;
- the conversion call (its ``dynamic_shapes=`` argument), from the frames before litert-torch's;
- what kind of failure it is (:data:`CAUSES`), and fixes in PyTorch terms, each of which the tests
  check by converting the fixed module with litert-torch;
- failures that are no fault of the model: packages that clash (:data:`CLASHES`), with the
  versions that do work.

An onnx2tf traceback (ONNX exported from PyTorch, converted by onnx2tf) is read too: the ONNX op
whose onnx2tf handler failed, the Keras layer it was building and a named dynamic dim that reached
a shape argument.

Facts from litert-torch 0.10.0 / torch 2.14.1 / onnx2tf 1.29.24 (samples/torch/README.md, the
failure texts there).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .records import Clash, Diagnosis, Failure, Fix, Frame, SymbolicDim

__all__ = ["is_pytorch_failure", "diagnose_pytorch_text", "parse", "Parsed", "CAUSES", "CLASHES"]

# What a failure is, in words: cause id → (title, why).
CAUSES: dict[str, tuple[str, str]] = {
    "no_lowering": (
        "an op litert-torch cannot lower",
        "litert-torch has no lowering for this aten op: the model must compute it with ops that lower.",
    ),
    "symbolic_size_in_view": (
        "a dynamic size reaches a reshape",
        "a size read from a dim that `dynamic_shapes` marks dynamic (`x.size(0)`, `nn.Flatten`, "
        "`x.view(x.size(0), -1)`) is an argument of this view; litert-torch lowers views through JAX, which "
        "needs concrete sizes, so the symbolic one cannot pass.",
    ),
    "symbolic_dim_flattened": (
        "a view to -1 over a dynamic dim",
        "the view folds a dim that `dynamic_shapes` marks dynamic into -1 (as `nn.Linear` does with the leading "
        "dims of a 3-D input: `view(-1, in_features)`); litert-torch's JAX lowering computes that size from the "
        "symbolic dim and gets -9223372036854775808, which no reshape accepts.",
    ),
    "symbolic_in_converter_pass": (
        "a dynamic size in a litert-torch rewrite",
        "a litert-torch pass compares a size with a constant, but `dynamic_shapes` made that size symbolic (an "
        "`arange` to a dynamic length, as the causal mask of `scaled_dot_product_attention(is_causal=True)` "
        "builds); the pass cannot handle it.",
    ),
    "export_failed": (
        "torch.export could not export the module",
        "the failure happened while exporting the module, before litert-torch lowered anything.",
    ),
    "conversion_failed": ("the conversion failed", "litert-torch raised an error this tool does not recognise."),
    "onnx_dim_name_in_shape": (
        "a named dynamic dim reaches a shape argument",
        "the ONNX model has a named dynamic dim (`dynamic_axes` in `torch.onnx.export`); onnx2tf passed its name "
        "where TensorFlow needs a number (a transposed convolution's output shape), so the Keras layer it builds "
        "cannot be made.",
    ),
    "onnx2tf_failed": ("onnx2tf failed", "onnx2tf raised an error this tool does not recognise."),
}

_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<fn>.+?)\s*$')
_EXCEPTION = re.compile(r"^(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)): ?(?P<msg>.*)$")
_EXECUTING = re.compile(
    r"While executing %(?P<node>\w+) : .*?call_function\[target=(?P<target>[\w.]+)\]"
    r"\(args = (?P<args>.*), kwargs = (?P<kwargs>\{.*\})\)\s*$"
)
_SYMBOLIC = re.compile(r"%(sym_size_int_\d+|sym_\w+|s\d+)\b")
_NO_LOWERING = re.compile(r"Lowering not found: (?P<op>aten\.[\w.]+)")
_INT64_MIN = "-9223372036854775808"
_SITE = re.compile(r"[/\\](?:site|dist)-packages[/\\](?P<pkg>[A-Za-z_][\w]*)[/\\]")


@dataclass(frozen=True, slots=True)
class KnownClash:
    """A failure that packages cause together, whatever the model: how to recognise it and the pin that works."""

    pattern: re.Pattern[str]
    packages: tuple[tuple[str, str], ...]  # (distribution, version that fails)
    detail: str
    pin: str


CLASHES: tuple[KnownClash, ...] = (
    KnownClash(
        re.compile(r"is not decorated with @use_kernel_forward_from_hub and cannot be used with @use_kernelized_func"),
        (("litert-torch", "0.10.0"), ("transformers", "5.25.0"), ("kernels", "0.19.1")),
        "litert-torch's Hugging Face export (`python -m litert_torch.generative.export_hf`) replaces "
        "transformers' `use_kernel_forward_from_hub` with its own decorator (generative/export_hf/core/patches.py) "
        "and imports its gemma3 patch when it starts; transformers 5.25 decorates gemma3's `apply_rotary_pos_emb` "
        "with that decorator and passes it to `@use_kernelized_func`, which (from the `kernels` package) rejects a "
        "function the real decorator did not register. So export_hf fails at import, before it reads its "
        "arguments, for any model.",
        "pin transformers to 5.24.0 (`pip install 'transformers==5.24.0'`; 5.23.0 works too) until litert-torch "
        "supports 5.25",
    ),
)


@dataclass(frozen=True)
class Parsed:
    """What a litert-torch failure text says, before interpretation."""

    frames: tuple[Frame, ...]  # the main traceback, outermost first
    exception: str  # "TypeError"
    message: str  # its message, up to the notes
    node: str | None  # the graph node (``view``)
    target: str | None  # ``aten.view.default``
    args: str | None  # ``(%clone_3, [%sym_size_int_1, 2048])``
    user_frames: tuple[Frame, ...]  # "Original traceback:", the user's frame first
    conversion_call: Frame | None  # the frame that called litert_torch


def _frames(lines: Sequence[str]) -> list[Frame]:
    out: list[Frame] = []
    for k, line in enumerate(lines):
        m = _FRAME.match(line)
        if not m:
            continue
        code = ""
        if k + 1 < len(lines) and not _FRAME.match(lines[k + 1]):
            nxt = lines[k + 1].strip()
            if nxt and set(nxt) - set("^~ ") and not _EXCEPTION.match(nxt):
                code = nxt
        out.append(Frame(m.group("file"), int(m.group("line")), m.group("fn"), code))
    return out


def is_pytorch_failure(text: str) -> bool:
    """A Python traceback through litert-torch or onnx2tf (or a known package clash around them)."""
    if "Traceback (most recent call last)" not in text:
        return False
    return (
        _is_onnx2tf(text)
        or "litert_torch" in text
        or "ai_edge_torch" in text
        or "While executing %" in text
        or any(c.pattern.search(text) for c in CLASHES)
    )


def parse(text: str) -> Parsed:
    lines = text.splitlines()
    start = max((k for k, line in enumerate(lines) if line.startswith("Traceback (most recent call last)")), default=0)
    body = lines[start:]
    original = next((k for k, line in enumerate(body) if line.strip() == "Original traceback:"), None)
    exc_at = next((k for k, line in enumerate(body) if _EXCEPTION.match(line)), len(body))
    frames = _frames(body[:exc_at])
    m = _EXCEPTION.match(body[exc_at]) if exc_at < len(body) else None
    exception = m.group("type") if m else "Error"
    message_lines = [m.group("msg")] if m else []
    for line in body[exc_at + 1 :]:
        if line.startswith(("While executing %", "Original traceback:")) or line.startswith("----"):
            break
        message_lines.append(line)
    message = "\n".join(message_lines).strip()
    executing = next((_EXECUTING.search(line) for line in body if "While executing %" in line), None)
    target = executing.group("target") if executing else None
    if target and target.startswith("torch.ops."):
        target = target[len("torch.ops.") :]
    user: list[Frame] = []
    if original is not None:
        end = next(
            (
                k
                for k in range(original + 1, len(body))
                if body[k].startswith(("Use tlparse", "----", "For simplicity"))
            ),
            len(body),
        )
        user = _frames(body[original + 1 : end])
    call = None
    for k, f in enumerate(frames):
        if _package(f.file) in ("litert_torch", "ai_edge_torch"):
            call = frames[k - 1] if k > 0 else None
            break
    return Parsed(
        tuple(frames),
        exception,
        message,
        executing.group("node") if executing else None,
        target,
        executing.group("args") if executing else None,
        tuple(user),
        call,
    )


def _package(path: str) -> str | None:
    m = _SITE.search(path)
    return m.group("pkg") if m else None


def _installed(names: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Versions of these distributions in this environment (read from metadata: nothing is imported)."""
    from importlib import metadata

    out = []
    for name in names:
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            continue
    return tuple(out)


def _cause(p: Parsed) -> str:
    if _NO_LOWERING.search(p.message):
        return "no_lowering"
    if p.target and p.target.split(".")[1] in ("view", "reshape", "_unsafe_view", "expand"):
        if p.args and _SYMBOLIC.search(p.args):
            return "symbolic_size_in_view"
        if _INT64_MIN in p.message:
            return "symbolic_dim_flattened"
    if "'Node'" in p.message and any(
        _package(f.file) in ("litert_torch", "ai_edge_torch") and f.function.startswith(("rewrite", "_convert"))
        for f in p.frames
    ):
        return "symbolic_in_converter_pass"
    if any(
        f.function in ("_export", "export", "_export_for_training") and _package(f.file) == "torch" for f in p.frames
    ):
        return "export_failed"
    return "conversion_failed"


def _rewritten_op(p: Parsed) -> str | None:
    """The aten op a litert-torch graph pass was rewriting (``rewrite_arange`` → ``aten.arange``)."""
    for f in reversed(p.frames):
        m = re.match(r"rewrite_(\w+)$", f.function)
        if m and _package(f.file) in ("litert_torch", "ai_edge_torch"):
            return f"aten.{m.group(1)}"
    return None


def _user_module(frames: Sequence[Frame]) -> tuple[str | None, str | None]:
    """(attribute, torch.nn module file) from the user's line and the module frame under it:
    ``f = self.flatten(f)`` over ``torch/nn/modules/flatten.py`` → ``("flatten", "torch.nn.modules.flatten")``."""
    if not frames:
        return None, None
    attrs = re.findall(r"\bself\.(\w+)\(", frames[0].code)
    module = None
    for f in frames[1:]:
        m = re.search(r"[/\\](torch[/\\]nn[/\\]modules[/\\]\w+)\.py$", f.file)
        if m:
            module = m.group(1).replace("/", ".").replace("\\", ".")
            break
    return (attrs[-1] if attrs else None), module


def _symbolic(p: Parsed) -> list[SymbolicDim]:
    dynamic = _dynamic_call(p.conversion_call)
    how = (
        f"the conversion call passes `{dynamic}` ({p.conversion_call.where})"
        if dynamic and p.conversion_call
        else "the conversion passed `dynamic_shapes`"
    )
    out = [
        SymbolicDim(f"%{name}", f"a size torch.export kept symbolic because a `torch.export.Dim` marks it: {how}")
        for name in dict.fromkeys(_SYMBOLIC.findall(p.args or ""))
    ]
    if not out and _INT64_MIN in p.message and p.args:
        tensor = re.match(r"\(\s*%(\w+)", p.args)
        out.append(
            SymbolicDim(
                f"%{tensor.group(1)}" if tensor else "the view's input",
                f"an input dim of the view that a `torch.export.Dim` marks dynamic (folded into -1, lowered as "
                f"{_INT64_MIN}): {how}",
            )
        )
    return out


def _dynamic_call(call: Frame | None) -> str | None:
    if call is None:
        return None
    m = re.search(r"dynamic_shapes\s*=\s*([^,)]+)", call.code)
    return f"dynamic_shapes={m.group(1).strip()}" if m else None


def _view_sizes(args: str | None) -> list[str] | None:
    """``(%clone_3, [%sym_size_int_1, 2048])`` → ``["%sym_size_int_1", "2048"]``."""
    if not args:
        return None
    m = re.search(r"\[([^\]]*)\]", args)
    return [x.strip() for x in m.group(1).split(",")] if m else None


def _fixes(p: Parsed, cause: str, attr: str | None) -> list[Fix]:
    fixes: list[Fix] = []
    user = p.user_frames[0] if p.user_frames else None
    static = Fix(
        "static_shapes",
        "Convert with static sample args (no `dynamic_shapes`)",
        True,
        True,
        "with every dim static, torch.export traces concrete sizes and every lowering gets numbers; resize or pad "
        "the inputs to the converted size in the application",
        "litert_torch.convert(model.eval(), (torch.randn(1, ...),))  # the sizes you run, no dynamic_shapes",
        cost="the model then accepts only those sizes (one signature per size lifts that)",
        params={"dynamic_shapes": None},
    )
    per_length = _per_size("seq", (16, 32))
    if cause == "no_lowering":
        m = _NO_LOWERING.search(p.message)
        op = m.group("op") if m else (p.target or "")
        replacement = _replacement(op, p.args, user)
        if replacement is not None:
            fixes.append(replacement)
        fixes.append(
            Fix(
                "rewrite_op",
                f"Compute {op} with ops litert-torch lowers",
                True,
                replacement is None,
                "litert-torch 0.10 has no lowering for it; an equivalent written with other torch ops converts "
                "(check a candidate by converting a module that does only that, e.g. with tfl_inspect.convert_torch)",
                f"# in forward, instead of the call that becomes {op}:\n# an equivalent from ops that lower",
                params={"op": op},
            )
        )
    elif cause == "symbolic_size_in_view":
        sizes = _view_sizes(p.args) or []
        symbolic = [k for k, s in enumerate(sizes) if _SYMBOLIC.fullmatch(s)]
        fixes.append(static)
        fixes.append(_per_size("batch" if symbolic == [0] else "size", (1, 4)))
        if len(symbolic) == 1:
            var = _view_input(user, attr)
            shape = ", ".join("-1" if k == symbolic[0] else s for k, s in enumerate(sizes))
            code = f"{var}.reshape({shape})"
            replaces = f"self.{attr}({var})" if attr else "the view that reads x.size(i)"
            fixes.append(
                Fix(
                    "reshape_keeps_dynamic_dim",
                    "Not a fix: -1 in place of the symbolic size",
                    False,
                    False,
                    f"replacing {replaces} with {code} (same dynamic_shapes) converts, but litert-torch 0.10 "
                    "computes the -1 from the sample args and writes the result into the RESHAPE: the model then "
                    "runs only at the sample's size, although its input stays marked dynamic (`tfl-inspect lint` "
                    "reports it as DYN005). With this litert-torch, a dim that a reshape folds cannot stay dynamic.",
                    code,
                    params={"replaces": replaces, "replacement": code, "dynamic_shapes": "unchanged"},
                )
            )
    elif cause in ("symbolic_dim_flattened", "symbolic_in_converter_pass"):
        fixes.append(static)
        fixes.append(per_length)
    elif cause == "export_failed":
        fixes.append(static)
    return fixes


def _per_size(kind: str, sizes: tuple[int, int]) -> Fix:
    """One signature per size: litert-torch's generative API does this for sequence lengths."""
    a, b = (f"{kind}_{n}" for n in sizes)
    return Fix(
        "signature_per_size",
        "One signature per size instead of a dynamic dim",
        True,
        False,
        "each signature is converted with static sample args of its size (what litert-torch's generative API does "
        "for sequence lengths), and the application calls the one that fits, padding up to it",
        f"litert_torch.signature('{a}', model, (x_{sizes[0]},)).signature('{b}', model, (x_{sizes[1]},)).convert()",
        cost="one subgraph per size in the file (the weights are shared)",
        params={"signatures": [a, b], "sizes": list(sizes)},
    )


def _view_input(user: Frame | None, attr: str | None) -> str:
    """The tensor the failing call reshapes: ``f`` in ``self.flatten(f)`` or ``f.view(...)``."""
    if user is None:
        return "x"
    if attr:
        m = re.search(rf"\bself\.{re.escape(attr)}\(\s*(\w+)", user.code)
        if m:
            return m.group(1)
    m = re.search(r"\b(\w+)\.(?:view|reshape|flatten)\(", user.code)
    return m.group(1) if m else "x"


def _replacement(op: str, args: str | None, user: Frame | None) -> Fix | None:
    """Known equivalents from ops litert-torch 0.10 lowers (each converted in the tests)."""
    if op != "aten.median.dim":
        return None
    m = re.match(r"\(\s*%\w+\s*,\s*(-?\d+)\s*(?:,\s*(True|False))?", args or "")
    dim = m.group(1) if m else "-1"
    keep = bool(m and m.group(2) == "True")
    call = re.search(r"torch\.median\(\s*(\w+)", user.code) if user else None
    var = call.group(1) if call else "x"
    code = f"{var}.sort(dim={dim}).values.narrow({dim}, ({var}.shape[{dim}] - 1) // 2, 1)" + (
        "" if keep else f".squeeze({dim})"
    )
    return Fix(
        "replace_op",
        "Take the median from a sort",
        True,
        True,
        "torch.median returns the lower of the two middle values, element (n - 1) // 2 of the sorted values; "
        f"aten.sort lowers: use {code} for torch.median({var}, dim={dim}{', keepdim=True' if keep else ''}).values",
        code,
        params={"op": op, "replacement": code},
    )


def _clashes(text: str, p: Parsed) -> list[Clash]:
    out = []
    for known in CLASHES:
        if not known.pattern.search(text):
            continue
        shown = {_package(f.file) for f in p.frames}
        packages = tuple((n, v) for n, v in known.packages if n.replace("-", "_") in shown or n == "litert-torch")
        out.append(Clash(packages, known.detail, known.pin, _installed([n for n, _ in known.packages])))
    return out


def _is_onnx2tf(text: str) -> bool:
    return bool(re.search(r"[/\\]onnx2tf[/\\]\w+\.py", text))


def _onnx2tf(p: Parsed, text: str) -> Failure:
    """An onnx2tf failure: the ONNX op whose handler failed and the Keras layer it was building."""
    onnx_op = next(
        (m.group(1) for f in reversed(p.frames) if (m := re.search(r"onnx2tf[/\\]ops[/\\](\w+)\.py$", f.file))),
        None,
    )
    layer = re.search(r'calling layer "([^"]+)"(?: \(type (\w+)\))?', text)
    detail = next((line.strip() for line in p.message.splitlines()[1:] if line.strip()), "")
    names = re.findall(r"got \[((?:'[^']+'|\d+)(?:, (?:'[^']+'|\d+))*)\]", detail)
    dims = [n for group in names for n in re.findall(r"'([^']+)'", group)]
    cause = "onnx_dim_name_in_shape" if dims else "onnx2tf_failed"
    fixes = []
    if dims:
        fixes.append(
            Fix(
                "static_onnx_export",
                "Export the ONNX model with static dims (no `dynamic_axes`)",
                True,
                True,
                "onnx2tf then sees numbers where it builds shapes; its -b / -ois overrides do not help here (with "
                "onnx2tf 1.29.24 they fail the same way)",
                "torch.onnx.export(model, (x,), 'model.onnx', input_names=['image'], output_names=['logits'])  "
                "# no dynamic_axes",
                cost="the model then accepts only the exported size",
                params={"dims": dims},
            )
        )
    symbolic = tuple(
        SymbolicDim(
            f"'{d}'",
            "a named dynamic dim of the ONNX model (`dynamic_axes` in `torch.onnx.export`), passed by onnx2tf as a "
            "string into a shape argument",
        )
        for d in dict.fromkeys(dims)
    )
    return Failure(
        op=f"ONNX {onnx_op}" if onnx_op else p.exception,
        message=f"{p.exception}: {detail or p.message.splitlines()[0] if p.message else ''}".strip(),
        error_code=p.exception,
        location=None,
        tf_node=None,
        layer=layer.group(1) if layer else None,
        layer_path=(layer.group(1),) if layer else (),
        layer_class=layer.group(2) if layer and layer.group(2) else None,
        operands=(),
        results=(),
        unknown_dims=(),
        origin=(),
        fixes=tuple(fixes),
        producer="onnx2tf",
        cause=cause,
        symbolic=symbolic,
    )


def diagnose_pytorch_text(text: str, source: str | None = None) -> Diagnosis:
    """The diagnosis of a litert-torch (or onnx2tf) failure text (what ``traceback.format_exception`` printed)."""
    p = parse(text)
    if _is_onnx2tf(text) and "litert_torch" not in text:
        return Diagnosis(source, (_onnx2tf(p, text),))
    clashes = _clashes(text, p)
    if clashes:
        note = f"{p.exception}: {p.message.splitlines()[0] if p.message else ''}".strip()
        return Diagnosis(source, (), (f"the error: {note}",), environment=tuple(clashes))
    return Diagnosis(source, (failure_from(p),))


def failure_from(p: Parsed, symbolic: Sequence[SymbolicDim] | None = None) -> Failure:
    """The :class:`Failure` for a parsed text; ``symbolic`` replaces what the text alone can say."""
    cause = _cause(p)
    attr, module_file = _user_module(p.user_frames)
    m = _NO_LOWERING.search(p.message)
    op = p.target or (m.group("op") if m else None) or _rewritten_op(p) or f"{p.exception} (no graph node named)"
    first = p.message.splitlines()[0] if p.message else ""
    return Failure(
        op=op,
        message=f"{p.exception}: {first}" if first else p.exception,
        error_code=p.exception,
        location=p.user_frames[0].where if p.user_frames else None,
        tf_node=f"%{p.node}" if p.node else None,
        layer=attr,
        layer_path=(attr,) if attr else (),
        layer_class=module_file,
        operands=(),
        results=(),
        unknown_dims=(),
        origin=(),
        fixes=tuple(_fixes(p, cause, attr)),
        producer="litert-torch",
        cause=cause,
        user_frames=p.user_frames,
        symbolic=tuple(symbolic) if symbolic is not None else tuple(_symbolic(p)),
        conversion_call=p.conversion_call,
    )
