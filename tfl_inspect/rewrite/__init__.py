"""``tfl-inspect fix``: rewrite a model so lint's findings go away, each rewrite checked by LiteRT.

The one write path of tfl-inspect. Passes (one module each) edit LiteRT's flatbuffer object
tree, deciding on the model as our reader sees it; :mod:`.writer` packs the result (streaming
data kept outside a > 2 GB flatbuffer); :mod:`.verify` runs both models in LiteRT and re-lints
them. The output is written only when verification passes (unless ``verify=False``), through
a temporary file next to it, so a refused rewrite leaves nothing behind; the input is only read.
Needs ``ai-edge-litert`` (the ``runtime`` extra), imported on first use.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import UsageError
from .report import FixReport

__all__ = ["fix", "FixReport", "PASSES"]

PASSES = ("static-shapes", "fold-shapes", "io-type", "rename-io", "dedup", "strip-unused")


def fix(
    model_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    static: Mapping[str, Sequence[int]] | None = None,
    static_batch: int | None = None,
    fold_shapes: bool = False,
    rename_io: bool = False,
    io_type: str | None = None,
    strip_unused: bool = False,
    dedup: bool = False,
    verify: bool = True,
    signature: str | None = None,
) -> FixReport:
    """Rewrite ``model_path`` into ``out_path`` with the passes asked for; return what changed.

    ``static`` maps a signature input name, tensor name or index to a shape; ``static_batch``
    sets dim 0 of every input. With no pass at all the model is repacked unchanged (a check
    that it can be rewritten). Raises :class:`~tfl_inspect.errors.UsageError` or
    :class:`~tfl_inspect.errors.ModelFormatError` for input that cannot be rewritten safely.
    When verification fails the report says why and ``written`` is False.
    """
    from ..readers import load
    from . import dedup as dedup_pass
    from . import fold_shapes as fold_pass
    from . import io_type as io_pass
    from . import rename_io as rename_pass
    from . import static_shapes as static_pass
    from . import strip_unused as strip_pass
    from .edit import Rewrite
    from .writer import read, write

    src_path, out = Path(model_path), Path(out_path)
    if not src_path.is_file():
        raise UsageError(f"{src_path}: no such file")
    if out.exists() and out.resolve() == src_path.resolve():
        raise UsageError("the output must be a new file: fix never overwrites its input")
    if out.is_dir():
        raise UsageError(f"{out} is a directory: give the output file name")
    if not out.parent.is_dir():
        raise UsageError(f"{out.parent}: no such directory for the output")
    model = load(src_path)
    if model.format != "tflite":
        raise UsageError(f"{src_path}: fix rewrites .tflite flatbuffers, not {model.format}")
    if not model.subgraphs:
        raise UsageError(f"{src_path}: the model has no subgraphs, nothing to rewrite")

    passes = []
    if static or static_batch is not None:
        passes.append("static-shapes")
    if fold_shapes:
        passes.append("fold-shapes")
    if io_type:
        passes.append("io-type")
    if rename_io:
        passes.append("rename-io")
    if dedup:
        passes.append("dedup")
    if strip_unused:
        passes.append("strip-unused")

    inputs = static_pass.input_shapes(model, signature, static, static_batch) if "static-shapes" in passes else None
    result = static_pass.infer(model, signature, inputs) if inputs is not None or fold_shapes else None
    s, key = (result.subgraph, result.signature) if result is not None else _subgraph(model, signature)
    report = FixReport(str(src_path), str(out), passes, s, key)
    report.bytes_before = src_path.stat().st_size
    report.ops_before = len(model.subgraphs[s].operators)

    src = read(src_path, model.trailing_bytes)
    try:
        rw = Rewrite(src.model, model, s, report.signature, report)
        if result is not None and inputs is not None:
            if static_batch is not None and not any(isinstance(k, int) for k in inputs):
                report.notes.append(f"static-batch: no input has a dynamic batch dim to set to {static_batch}")
            static_pass.apply(rw, result)
        if result is not None and fold_shapes:
            fold_pass.apply(rw, result)
        if io_type:
            io_pass.apply(rw, io_type)
        if rename_io:
            rename_pass.apply(rw)
        if dedup:
            dedup_pass.apply(rw, src)
        if strip_unused:
            strip_pass.apply(rw)
        else:
            strip_pass.finish(rw)
        report.ops_after = len(rw.sg.operators or [])
        tmp = out.with_name(f".{out.name}.tfl-inspect-fix.tmp")
        try:
            try:
                report.bytes_after = write(src.model, src, tmp)
            except OSError as exc:
                raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from exc
            if verify:
                from .verify import lint_delta, start

                shape_passes = bool({"static-shapes", "fold-shapes"} & set(passes))
                pending = start(src_path, tmp, xnnpack=shape_passes)  # LiteRT runs while we re-lint
                try:
                    new_model = load(tmp)  # our reader re-checks every offset of what we wrote
                    report.lint = lint_delta(model, new_model)
                finally:
                    report.verification = pending.result()
            else:
                from .report import Verification

                load(tmp)  # our reader re-checks every offset of what we wrote
                report.verification = Verification("skipped", "--no-verify")
            if report.verification.ok:
                os.replace(tmp, out)
                report.written = True
        finally:
            if tmp.exists():
                tmp.unlink()
    finally:
        src.close()
    return report


def _subgraph(model: object, signature: str | None) -> tuple[int, str | None]:
    from ..shapes.infer import select_subgraph

    s, sig = select_subgraph(model, signature)  # type: ignore[arg-type]
    return s, sig.key if sig is not None else None
