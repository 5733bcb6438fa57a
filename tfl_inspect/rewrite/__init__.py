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
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from .dedup import Dedup
from .fold_shapes import FoldShapes
from .io_type import IoType
from .passes import Option, Pass, PassManager, PassResult
from .rename_io import RenameIo
from .static_shapes import StaticShapes
from .strip_unused import StripUnused

if TYPE_CHECKING:
    from ..model import Model
    from .report import FixReport
    from .writer import Source

__all__ = ["fix", "FixReport", "PASSES", "Pass", "PassResult", "PassManager", "Option"]

# The registry: the order passes run in; the fix command's flags and help come from it.
PASSES: tuple[type[Pass], ...] = (StaticShapes, FoldShapes, IoType, RenameIo, Dedup, StripUnused)


def __getattr__(name: str) -> Any:
    if name == "FixReport":  # the report's dataclasses load on first use: every command builds fix's parser
        from .report import FixReport

        return FixReport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def fix(
    model_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    verify: bool = True,
    signature: str | None = None,
    verify_inputs: Mapping[str | int, Sequence[int]] | Sequence[str] | None = None,
    **options: Any,
) -> FixReport:
    """Rewrite ``model_path`` into ``out_path`` with the passes asked for; return what changed.

    ``options`` are the passes' keywords, named after their flags (``static``, ``static_batch``,
    ``allow_dynamic``, ``fold_shapes``, ``io_type``, ``rename_io``, ``dedup``, ``strip_unused``):
    ``static`` maps a signature input name, tensor name or index to a shape; ``static_batch`` sets
    dim 0 of every input; ``rename_io`` is True or ``{old: new}`` signature names. With no pass the
    model is repacked unchanged (a check that it can be rewritten). ``verify_inputs`` gives the
    shapes to check inputs with unknown dims at (names as in the rewritten model). Raises
    :class:`~tfl_inspect.errors.UsageError` or :class:`~tfl_inspect.errors.ModelFormatError` for
    input that cannot be rewritten safely. When verification fails, or static shapes were asked
    for and dims stay unknown, the report says why and ``written`` is False.
    """
    from .edit import Rewrite
    from .report import FixReport
    from .writer import read

    manager = PassManager(PASSES, options)
    src_path, out = _paths(model_path, out_path)
    model = _load(src_path)
    shapes = manager.shapes(model, signature)
    s, key = (shapes.subgraph, shapes.signature) if shapes is not None else _subgraph(model, signature)
    report = FixReport(str(src_path), str(out), manager.names, s, key)
    # A bundle's model is rewritten from its .tflite, copied out; the output is a plain .tflite.
    flat = src_path if model.container is None else Path(_flatbuffer_file(model))
    report.bytes_before = flat.stat().st_size
    report.ops_before = len(model.subgraphs[s].operators)
    src = read(flat, model.trailing_bytes)
    try:
        rw = Rewrite(src.model, model, s, report.signature, report, source=src, shapes=shapes)
        manager(rw)
        report.ops_after = len(rw.sg.operators or [])
        _write(src, model, out, report, verify, verify_inputs, xnnpack=shapes is not None)
    finally:
        src.close()
    return report


def _paths(model_path: str | os.PathLike[str], out_path: str | os.PathLike[str]) -> tuple[Path, Path]:
    src_path, out = Path(model_path), Path(out_path)
    if not src_path.is_file():
        raise UsageError(f"{src_path}: no such file")
    if out.exists() and out.resolve() == src_path.resolve():
        raise UsageError("the output must be a new file: fix never overwrites its input")
    if out.is_dir():
        raise UsageError(f"{out} is a directory: give the output file name")
    if not out.parent.is_dir():
        raise UsageError(f"{out.parent}: no such directory for the output")
    return src_path, out


def _load(src_path: Path) -> Model:
    from ..readers import load

    model = load(src_path)
    if model.format != "tflite":
        raise UsageError(f"{src_path}: fix rewrites .tflite flatbuffers, not {model.format}")
    if not model.subgraphs:
        raise UsageError(f"{src_path}: the model has no subgraphs, nothing to rewrite")
    if model.bytecode:
        raise UsageError(
            f"{src_path}: compiled for an NPU (its DISPATCH_OPs point at bytecode by file offset, which a rewrite "
            "would move): fix the source model and compile it again"
        )
    return model


def _write(
    src: Source,
    model: Model,
    out: Path,
    report: FixReport,
    verify: bool,
    verify_inputs: Mapping[str | int, Sequence[int]] | Sequence[str] | None,
    xnnpack: bool,
) -> None:
    """Write through a temporary file, re-read it, verify and re-lint; move it into place only if all passed."""
    from ..readers import load
    from .report import Verification
    from .verify import lint_delta
    from .writer import write

    tmp = out.with_name(f".{out.name}.tfl-inspect-fix.tmp")
    try:
        try:
            report.bytes_after = write(src.model, src, tmp)
        except OSError as exc:
            raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from exc
        if not verify:
            load(tmp)  # our reader re-checks every offset of what we wrote
            report.verification = Verification("skipped", "--no-verify")
        elif report.refused is not None:
            report.lint = lint_delta(model, load(tmp))
            report.verification = Verification("skipped", "the shapes are still dynamic")
        else:
            _verify(model, tmp, report, verify_inputs, xnnpack)
        if report.verification is not None and report.verification.ok and report.refused is None:
            os.replace(tmp, out)
            report.written = True
    finally:
        if tmp.exists():
            tmp.unlink()


def _verify(
    model: Model,
    tmp: Path,
    report: FixReport,
    verify_inputs: Mapping[str | int, Sequence[int]] | Sequence[str] | None,
    xnnpack: bool,
) -> None:
    """LiteRT runs both models in a child process while our reader re-reads and re-lints the output."""
    from ..readers import load
    from .verify import lint_delta, renames, resolve_shapes, start

    new_model = load(tmp) if verify_inputs else None  # our reader re-checks every offset of what we wrote
    shapes = resolve_shapes(new_model, report, verify_inputs) if new_model is not None else None
    source = report.source if model.container is None else _flatbuffer_file(model)
    pending = start(source, tmp, xnnpack=xnnpack, shapes=shapes, renames=renames(report))
    try:
        report.lint = lint_delta(model, new_model if new_model is not None else load(tmp))
    finally:
        report.verification = pending.result()


def _flatbuffer_file(model: Model) -> str:
    from ..readers.containers import flatbuffer_file

    path = flatbuffer_file(model)
    if path is None:
        raise UsageError("fix needs the model in a file")
    return path


def _subgraph(model: Model, signature: str | None) -> tuple[int, str | None]:
    from ..shapes.infer import select_subgraph

    s, sig = select_subgraph(model, signature)
    return s, sig.key if sig is not None else None
