"""``tfl-inspect report MODEL|DIR -o OUT``: a self-contained HTML page per model, and an index for a folder."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._batch import Outcome

if TYPE_CHECKING:
    from ..exporters.dot_plan import Box, Plan
    from ..model import Model
    from ..rules.base import Finding

__all__ = ["HELP", "add_arguments", "run", "page_worker"]

HELP = (
    "write a self-contained HTML report (summary, I/O, findings, diagram); a folder gets an index page; "
    "--diff B puts what changed from MODEL to B on one page"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help=".tflite / .mlir file, or a directory (searched recursively)")
    parser.add_argument(
        "-o", "--output", metavar="OUT", help="HTML file for a model (default MODEL.html), directory for a folder"
    )
    parser.add_argument("--jobs", type=int, metavar="N", help="folder: parallel processes (default: CPU count)")
    parser.add_argument("--max-nodes", type=int, default=300, help="diagram: collapse above this many nodes")
    parser.add_argument("--no-graph", action="store_true", help="leave the diagram out (no Graphviz needed)")
    diff = parser.add_argument_group("two models on one page (see tfl-inspect diff)")
    diff.add_argument(
        "--diff",
        metavar="B",
        help="compare MODEL (A, the reference) with B: contract, op and weight changes, and A's diagram coloured "
        "by what changed, with both models' details on click",
    )
    diff.add_argument(
        "--run",
        "--diff-run",
        dest="run",
        action="store_true",
        help="with --diff: run both with LiteRT (ai-edge-litert) on the same inputs: per-layer error table, "
        "SQNR plot, diagram coloured by the SQNR of each op's output",
    )
    diff.add_argument("--inputs", metavar="NPZ", help="with --run: input values keyed by signature input name")
    diff.add_argument("--samples", type=int, default=1, metavar="N", help="with --run: random samples (default 1)")
    diff.add_argument("--seed", type=int, default=0, metavar="S", help="with --run: seed for random inputs (0)")
    diff.add_argument("--signature", metavar="KEY", help="with --diff: signature to compare and run")


def _drawings(
    model: Model, findings: Sequence[Finding], options: Mapping[str, Any]
) -> Callable[[], tuple[list[Any], str | None]]:
    """Plan and write the model's diagram and every box's inside, and start laying them out.

    The returned call waits for the layouts: the drawings, or none and why. What the caller does
    before calling it (compat, profile) overlaps with Graphviz.
    """
    from ..errors import TflInspectError
    from ..exporters.dot import iter_levels
    from ..exporters.dot_layout import Layouts
    from ..exporters.html_report import Drawing

    if options.get("no_graph"):
        return lambda: ([], None)
    marks = options.get("marks", ())
    drawn: list[tuple[Box | None, str | None, Plan]] = []  # the plans; each DOT text is dropped once laid out

    def sources() -> Iterator[str]:  # written while the first ones are laid out
        for lv in iter_levels(model, findings=findings, marks=marks, max_nodes=options.get("max_nodes", 300)):
            drawn.append((lv.box, lv.parent, lv.diagram.plan))
            yield lv.diagram.source

    def failed(exc: TflInspectError) -> Callable[[], tuple[list[Any], str | None]]:
        return lambda: ([], f"no diagram: {exc}")  # Graphviz missing or timed out: the page says so

    try:
        pending = Layouts(sources(), jobs=options.get("layout_jobs"))
    except TflInspectError as exc:
        return failed(exc)

    def finish() -> tuple[list[Any], str | None]:
        try:
            layouts = pending.result()
        except TflInspectError as exc:
            return failed(exc)()
        return [Drawing(box, parent, p, lay) for (box, parent, p), lay in zip(drawn, layouts, strict=True)], None

    return finish


def _page(path: str, options: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The page for one model and its index row."""
    from ..exporters.html_report import ReportInput, model_page
    from ..readers import load
    from ..rules import run as lint
    from ..summary import summarize
    from ._aside import aside

    model = load(path)
    analysed = aside(lambda: _analyses(model)) if options.get("aside") else (lambda: _analyses(model))
    findings = lint(model)
    drawn = _drawings(model, findings, options)
    sections, targets = analysed()  # while Graphviz lays out the last diagrams
    drawings, note = drawn()
    page = model_page(ReportInput(model, findings, drawings, note, sections))
    summary = summarize(model)
    row = {
        "ops": summary.n_ops,
        "size": model.size,
        "scheme": summary.scheme,
        "errors": sum(f.severity.value == "error" for f in findings),
        "warnings": sum(f.severity.value == "warning" for f in findings),
        "targets": targets,
    }
    return page, row


def _analyses(model: Model) -> tuple[dict[str, Any], list[str]]:
    """compat and profile as the page shows them; the targets that take the whole model, for the index."""
    from ..exporters.compat_json import to_json_dict as compat_json
    from ..exporters.generative_json import generative_dict
    from ..exporters.model_json import composites_dict
    from ..exporters.profile_json import profile_to_dict
    from ..exporters.profile_plot import svg as memory_plot
    from ..generative import generative
    from ..profiling import profile
    from ..targets import compat

    report = compat(model)
    prof = profile(model)
    sections: dict[str, Any] = {"compat": compat_json(report, model.source)}
    sections["profile"] = {**profile_to_dict(prof, timeline=False), "plot_svg": memory_plot(prof)}
    gen = generative(model)
    if gen is not None:
        sections["generative"] = generative_dict(gen)
    found = composites_dict(model)
    if found:
        sections["composites"] = found
    return sections, [name for name, t in report.targets.items() if t.whole_model]


def page_worker(path: str, options: Mapping[str, Any]) -> Outcome:
    """Folder worker: writes the model's page into ``options['site']`` and returns its index row."""
    from pathlib import Path

    page, row = _page(path, options)
    name = options["names"][path]
    (Path(options["site"]) / name).write_text(page, encoding="utf-8")
    row["page"] = name
    return Outcome(path, 0, row)


def _page_name(rel: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9._-]+", "_", rel) + ".html"


def _check_diff_options(args: argparse.Namespace, folder: bool) -> None:
    from ..errors import UsageError

    if args.diff is None:
        for flag, given in (("--run", args.run), ("--inputs", args.inputs), ("--signature", args.signature)):
            if given:
                raise UsageError(f"{flag} needs --diff B")
        return
    if folder:
        raise UsageError("--diff compares two model files, not a folder")
    if not args.run and args.inputs:
        raise UsageError("--inputs needs --run")
    if args.samples < 1:
        raise UsageError(f"--samples must be at least 1, not {args.samples}")


def _diff(args: argparse.Namespace) -> int:
    """``report A --diff B``: one page with what changed, the numbers (``--run``) and A's diagram coloured."""
    import sys
    from pathlib import Path

    from ..compare import diff
    from ..errors import UsageError
    from ..exporters.dot_marks import marks_from_diff
    from ..exporters.html_report import DiffInput, diff_page
    from ..readers import load

    a, b = load(args.model), load(args.diff)
    report = diff(
        a, b, run=args.run, inputs=args.inputs, samples=args.samples, seed=args.seed, signature=args.signature
    )
    options = {"max_nodes": args.max_nodes, "no_graph": args.no_graph, "marks": marks_from_diff(report, args.diff)}
    drawings, note = _drawings(a, (), options)()
    page = diff_page(DiffInput(a, b, report, drawings, note))
    out = Path(args.output) if args.output else Path(Path(args.model).name + ".diff.html")
    try:
        out.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    what = f"{len(report.contract)} contract change(s), {len(report.structure.ops)} op change(s)"
    if report.numeric is not None:
        what += f", {len(report.numeric.tensors)} tensors measured"
    print(f"wrote {out}: {what}", file=sys.stderr)
    return 0


def run(args: argparse.Namespace) -> int:
    import os
    import sys
    from pathlib import Path

    from ..errors import UsageError

    folder = os.path.isdir(args.model)
    _check_diff_options(args, folder)
    if args.diff is not None:
        return _diff(args)
    if folder:
        from ..exporters.html_report import index_page
        from ._batch import find_models, run_all, worst

        if not args.output:
            raise UsageError("a folder report needs -o DIR for the site")
        site = Path(args.output)
        try:
            site.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create {site}: {exc.strerror or exc}") from None
        models = find_models(args.model)
        if not models:
            raise UsageError(f"no .tflite or .mlir files under {args.model}")
        root = Path(args.model)
        names = {str(p): _page_name(str(p.relative_to(root))) for p in models}
        options = {
            "site": str(site),
            "names": names,
            "max_nodes": args.max_nodes,
            "no_graph": args.no_graph,
            "layout_jobs": 1,  # the pages are laid out in parallel already
        }
        outcomes = run_all(models, page_worker, options, jobs=args.jobs)
        rows = []
        for o in outcomes:
            rel = str(Path(o.path).relative_to(root))
            rows.append({"name": rel, "page": o.row.get("page"), "error": o.error, **o.row})
        (site / "index.html").write_text(index_page(str(args.model), rows), encoding="utf-8")
        failed = sum(1 for o in outcomes if o.error)
        print(f"wrote {site / 'index.html'}: {len(outcomes)} models ({failed} unreadable)", file=sys.stderr)
        return worst(outcomes)
    out = Path(args.output) if args.output else Path(Path(args.model).name + ".html")
    # one model: compat and profile on a second core while the diagrams are drawn
    page, row = _page(args.model, {"max_nodes": args.max_nodes, "no_graph": args.no_graph, "aside": True})
    try:
        out.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote {out}: {row['ops']} ops, {row['errors']} errors, {row['warnings']} warnings", file=sys.stderr)
    return 0
