"""``tfl-inspect report MODEL|DIR -o OUT``: a self-contained HTML page per model, and an index for a folder."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._batch import Outcome

if TYPE_CHECKING:
    from ..model import Model

__all__ = ["HELP", "add_arguments", "run", "page_worker"]

HELP = "write a self-contained HTML report (summary, I/O, findings, diagram); a folder gets an index page"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help=".tflite / .mlir file, or a directory (searched recursively)")
    parser.add_argument(
        "-o", "--output", metavar="OUT", help="HTML file for a model (default MODEL.html), directory for a folder"
    )
    parser.add_argument("--jobs", type=int, metavar="N", help="folder: parallel processes (default: CPU count)")
    parser.add_argument("--max-nodes", type=int, default=300, help="diagram: collapse above this many nodes")
    parser.add_argument("--no-graph", action="store_true", help="leave the diagram out (no Graphviz needed)")


def _page(path: str, options: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The page for one model and its index row."""
    import tempfile
    from pathlib import Path

    from ..errors import TflInspectError
    from ..exporters.html_report import ReportInput, model_page
    from ..readers import load
    from ..rules import run as lint
    from ..summary import summarize

    model = load(path)
    findings = lint(model)
    svg, note = None, None
    if not options.get("no_graph"):
        from ..exporters.dot import render

        with tempfile.TemporaryDirectory(prefix="tfl_report_") as tmp:
            target = Path(tmp) / "graph.svg"
            try:
                render(model, target, findings=findings, max_nodes=options.get("max_nodes", 300))
                svg = target.read_text(encoding="utf-8")
            except TflInspectError as exc:  # Graphviz missing or timed out: the page says so
                note = f"no diagram: {exc}"
    sections, targets = _analyses(model)
    page = model_page(ReportInput(model, findings, svg, note, sections))
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


def run(args: argparse.Namespace) -> int:
    import os
    import sys
    from pathlib import Path

    from ..errors import UsageError

    if os.path.isdir(args.model):
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
        options = {"site": str(site), "names": names, "max_nodes": args.max_nodes, "no_graph": args.no_graph}
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
    page, row = _page(args.model, {"max_nodes": args.max_nodes, "no_graph": args.no_graph})
    try:
        out.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote {out}: {row['ops']} ops, {row['errors']} errors, {row['warnings']} warnings", file=sys.stderr)
    return 0
