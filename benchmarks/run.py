"""Whole-process benchmarks for tfl-inspect (no TensorFlow needed).

Users experience tfl-inspect as a command: interpreter start-up, imports,
file I/O and output all count.  So each measurement runs the real command in a
fresh subprocess and records its wall time and peak RSS (from ``os.wait4``'s
rusage of that very child, so runs do not contaminate each other).

Usage::

    python benchmarks/run.py [-n 5] [--json results.json]
        [--cmd NAME=TEMPLATE ...] [--only-cmd NAME ...] [--model STEM ...]

Templates are ``str.format`` strings with ``{tfl_inspect}``, ``{python}``,
``{model}``, ``{model_b}`` (the second model of a diff: ``<models>/diff/<name>``,
made by ``benchmarks/make_diff_models.py``) and ``{out}`` (a scratch directory)
placeholders, split with ``shlex``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_MODELS = HERE / "models"

REFERENCE_SNIPPET = (
    "import os, sys; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'; "
    "import tensorflow as tf; "
    "tf.lite.experimental.Analyzer.analyze(model_path=sys.argv[1])"
)

# Model Explorer's C++ adapter: the viewer's own flatbuffer → graph JSON conversion.
MODEL_EXPLORER_SNIPPET = (
    "import sys; "
    "import ai_edge_model_explorer_adapter as me; "
    "me.ConvertFlatbufferDirectlyToJson(me.VisualizeConfig(), sys.argv[1])"
)


@dataclass(frozen=True)
class Command:
    """A benchmarked command; ``reference`` ones need TensorFlow, not tfl-inspect."""

    name: str
    template: str
    reference: bool = False


DEFAULT_COMMANDS: tuple[Command, ...] = (
    Command("inspect", "{tfl_inspect} inspect {model} --format json"),
    # The text report with every table (ops, tensors incl. sparsity, buffers, metadata, state).
    Command("inspect-all", "{tfl_inspect} inspect {model} --show all"),
    Command("lint", "{tfl_inspect} lint {model} --format json"),
    Command("graph", "{tfl_inspect} graph {model} -o {out}/graph.svg"),
    Command("report", "{tfl_inspect} report {model} -o {out}/report.html"),
    Command("model-explorer", "{python} -c " + shlex.quote(MODEL_EXPLORER_SNIPPET) + " {model}"),
    # The diagram's own work (plan, marks, DOT text) without the Graphviz layout.
    Command("graph-dot", "{tfl_inspect} graph {model} -o {out}/graph.dot"),
    Command("shapes", "{tfl_inspect} shapes {model} --format json"),
    Command("diff", "{tfl_inspect} diff {model} {model_b} --format json"),
    Command("profile", "{tfl_inspect} profile {model} --format json"),
    Command("compat", "{tfl_inspect} compat {model} --format json -o {out}/compat.json"),
    # fix: the streaming writer, then LiteRT runs both models (verification is on by default).
    Command("fix", "{tfl_inspect} fix {model} -o {out}/fixed.tflite --rename-io"),
    Command("fix-no-verify", "{tfl_inspect} fix {model} -o {out}/fixed.tflite --rename-io --no-verify"),
    Command(
        "tf-analyzer",
        "{python} -c " + shlex.quote(REFERENCE_SNIPPET) + " {model}",
        True,
    ),
)

# (command, model stem) -> (reference command, max ratio of medians), judged in the same run.
RELATIVE_TARGETS: dict[tuple[str, str], tuple[str, float]] = {
    ("inspect", "ops10k"): ("model-explorer", 0.4),
    ("lint", "ops10k"): ("model-explorer", 0.6),
}

# (command, model stem) -> (max median wall seconds, max peak RSS MB or None)
TARGETS: dict[tuple[str, str], tuple[float, float | None]] = {
    ("inspect", "ops10k"): (1.0, None),
    ("inspect", "big2gb"): (0.3, 50.0),
    ("lint", "ops10k"): (1.5, None),
    ("graph", "ops10k"): (30.0, None),
    ("report", "ops10k"): (10.0, None),
    ("shapes", "ops10k"): (3.0, None),
    ("shapes", "big2gb"): (1.0, 200.0),
    ("diff", "ops10k"): (2.0, None),
    ("diff", "big2gb"): (30.0, 500.0),  # every weight read and compared, in 16 MB chunks
    ("profile", "ops10k"): (1.5, None),
    ("compat", "ops10k"): (1.0, None),
    ("fix", "ops10k"): (5.0, None),
    ("fix", "big2gb"): (30.0, 500.0),
    ("fix-no-verify", "big2gb"): (30.0, 500.0),
    # The mid-size LLM (make_generative.py): 24 layers, 32k vocabulary, INT4 blocks, 3 signatures, 213 composites.
    ("inspect", "gen_decoder_int4"): (2.0, None),
    ("lint", "gen_decoder_int4"): (2.0, None),
    ("profile", "gen_decoder_int4"): (2.0, None),
    ("report", "gen_decoder_int4"): (2.0, None),
}


@dataclass
class RunResult:
    """One subprocess execution."""

    wall_s: float
    max_rss_mb: float
    returncode: int
    stderr_tail: str
    timed_out: bool = False


@dataclass
class Result:
    """All runs of one command on one model, plus the verdict against targets."""

    command: str
    model: str
    model_bytes: int
    argv: list[str]
    status: str  # ok | failed | not available | skipped | timeout
    note: str = ""
    runs: list[RunResult] = field(default_factory=list)
    min_s: float | None = None
    median_s: float | None = None
    max_rss_mb: float | None = None
    target_s: float | None = None
    target_rss_mb: float | None = None
    verdict: str = ""


def run_once(argv: list[str], timeout: float) -> RunResult:
    """Run argv in a fresh process; measure wall time and that child's peak RSS.

    ``os.wait4`` returns the rusage of exactly this child (including any
    descendants it waited for), unlike ``getrusage(RUSAGE_CHILDREN)`` whose
    ``ru_maxrss`` is a running maximum over every child ever reaped.
    """
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped
        err.seek(0)
        tail = err.read()[-2000:].decode(errors="replace")
    rss_mb = usage.ru_maxrss / 1024  # Linux reports KiB
    if sys.platform == "darwin":
        rss_mb = usage.ru_maxrss / 2**20  # macOS reports bytes
    return RunResult(wall, rss_mb, proc.returncode, tail.strip(), killed.is_set())


def _looks_unavailable(stderr: str) -> bool:
    """Heuristic: argparse/click complaining about an unknown subcommand/option."""
    s = stderr.lower()
    return any(
        k in s
        for k in (
            "invalid choice",
            "no such command",
            "unrecognized arguments",
            "no such option",
        )
    )


def find_tfl_inspect(explicit: str | None) -> str | None:
    """Prefer the console script next to this interpreter (the project venv)."""
    if explicit:
        return explicit
    candidates = [
        Path(sys.executable).parent / "tfl-inspect",
        HERE.parent / ".venv" / "bin" / "tfl-inspect",
    ]
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return str(c)
    return shutil.which("tfl-inspect")


def has_tensorflow(python: str) -> bool:
    """Check in a subprocess so this script never imports TensorFlow itself."""
    code = "import importlib.util, sys; sys.exit(importlib.util.find_spec('tensorflow') is None)"
    try:
        return subprocess.run([python, "-c", code], timeout=60, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def bench(
    cmd: Command,
    model: Path,
    *,
    tfl_inspect: str | None,
    python: str,
    tf_ok: bool,
    repeat: int,
    timeout: float,
) -> Result:
    """Warm up once (page cache, .pyc), then time ``repeat`` runs."""
    target = TARGETS.get((cmd.name, model.stem), (None, None))
    model_b = model.parent / "diff" / model.name
    with tempfile.TemporaryDirectory(prefix="tfl_bench_") as out:
        argv = shlex.split(
            cmd.template.format(
                tfl_inspect=tfl_inspect or "tfl-inspect",
                python=python,
                model=model,
                model_b=model_b,
                out=out,
            )
        )
        res = Result(
            cmd.name,
            model.stem,
            model.stat().st_size,
            argv,
            "ok",
            target_s=target[0],
            target_rss_mb=target[1],
        )
        if "{model_b}" in cmd.template and not model_b.is_file():
            res.status, res.note = "skipped", "no second model: run benchmarks/make_diff_models.py"
            return res
        if cmd.reference and not tf_ok:
            res.status, res.note = "skipped", "TensorFlow not importable"
            return res
        if not cmd.reference and cmd.template.startswith("{tfl_inspect}") and tfl_inspect is None:
            res.status, res.note = "skipped", "tfl-inspect console script not installed"
            return res
        try:
            warm = run_once(argv, timeout)
        except OSError as e:
            res.status, res.note = "skipped", f"cannot execute: {e}"
            return res
        if warm.timed_out:
            res.status, res.note = "timeout", f"> {timeout:.0f}s"
            return res
        if warm.returncode != 0:
            if _looks_unavailable(warm.stderr_tail):
                res.status, res.note = (
                    "not available",
                    warm.stderr_tail.splitlines()[-1][:120],
                )
            else:
                last = warm.stderr_tail.splitlines()[-1][:120] if warm.stderr_tail else ""
                res.status, res.note = "failed", f"rc={warm.returncode}: {last}"
            return res
        for _ in range(repeat):
            r = run_once(argv, timeout)
            res.runs.append(r)
            if r.timed_out:
                res.status, res.note = "timeout", f"> {timeout:.0f}s on a timed run"
                return res
            if r.returncode != 0:
                res.status, res.note = (
                    "failed",
                    f"rc={r.returncode} on a timed run: {r.stderr_tail[-120:]}",
                )
                return res
    walls = [r.wall_s for r in res.runs]
    res.min_s, res.median_s = min(walls), statistics.median(walls)
    res.max_rss_mb = max(r.max_rss_mb for r in res.runs)
    if res.target_s is not None:
        fails = []
        if res.median_s > res.target_s:
            fails.append("time")
        if res.target_rss_mb is not None and res.max_rss_mb > res.target_rss_mb:
            fails.append("rss")
        res.verdict = "PASS" if not fails else "FAIL (" + ", ".join(fails) + ")"
    return res


def judge_relative(results: list[Result]) -> None:
    """Add the ratio to a reference measured in this same run (machines vary; ratios less)."""
    by_key = {(r.command, r.model): r for r in results}
    for (command, model), (ref_name, limit) in RELATIVE_TARGETS.items():
        r, ref = by_key.get((command, model)), by_key.get((ref_name, model))
        if r is None or r.median_s is None:
            continue
        if ref is None or ref.median_s is None:
            r.note = (r.note + f"; {ref_name} not measured: ratio not judged").lstrip("; ")
            continue
        ratio = r.median_s / ref.median_s
        ok = ratio <= limit
        r.note = (r.note + f"; {ratio:.2f} × {ref_name} (≤ {limit:g})").lstrip("; ")
        verdict = "PASS" if ok else "FAIL (ratio)"
        if r.verdict.startswith("FAIL") and ok:
            verdict = r.verdict
        elif r.verdict.startswith("FAIL"):
            verdict = r.verdict[:-1] + ", ratio)"
        r.verdict = verdict


def _fmt(v: float | None, spec: str) -> str:
    return "" if v is None else format(v, spec)


def markdown(results: list[Result]) -> str:
    """Render results; targets are compared against the median and the max RSS."""
    rows = [
        ("| model | size | command | status | min s | median s | peak RSS MB | target | verdict |"),
        "|---|---:|---|---|---:|---:|---:|---|---|",
    ]
    for r in results:
        target = ""
        if r.target_s is not None:
            target = f"≤ {r.target_s:g} s" + (f", ≤ {r.target_rss_mb:g} MB" if r.target_rss_mb else "")
        name = r.command + (" (reference)" if r.command == "tf-analyzer" else "")
        note = r.note if len(r.note) <= 80 else r.note[:77] + "..."
        status = r.status + (f": {note}" if note else "")
        rows.append(
            f"| {r.model} | {r.model_bytes / 1e6:,.1f} MB | {name} "
            f"| {status.replace('|', '/')} | {_fmt(r.min_s, '.3f')} "
            f"| {_fmt(r.median_s, '.3f')} | {_fmt(r.max_rss_mb, '.0f')} | "
            f"{target} | {r.verdict} |"
        )
    return "\n".join(rows)


def growth(results: list[Result]) -> list[str]:
    """Time ratio ops45k / ops10k per command, against the op-count ratio (linear = equal).

    Startup (interpreter, imports) is a constant, so the ratio of the time above the
    ``--version`` startup is the fair one; both are shown.
    """
    by = {(r.command, r.model): r for r in results if r.median_s is not None}
    lines = []
    for (cmd, model), big in sorted(by.items()):
        small = by.get((cmd, "ops10k"))
        if model != "ops45k" or small is None or small.median_s is None or big.median_s is None:
            continue
        ratio = big.median_s / small.median_s
        lines.append(f"{cmd}: ops45k / ops10k time ratio {ratio:.2f} (op-count ratio ~4.5; linear means <= 4.5)")
    return lines


def parse_cmd(spec: str) -> Command:
    """Parse ``NAME=TEMPLATE`` given on the command line."""
    name, sep, template = spec.partition("=")
    if not sep or not name or not template:
        raise argparse.ArgumentTypeError(f"expected NAME=TEMPLATE, got {spec!r}")
    return Command(
        name,
        template,
        reference="{python}" in template and "{tfl_inspect}" not in template,
    )


def compile_bytecode() -> None:
    """Byte-compile the package as a wheel install does (pip writes .pyc files at install time).

    The references run from site-packages with their bytecode in place; an editable checkout
    under ``PYTHONDONTWRITEBYTECODE=1`` would otherwise recompile every module on every run,
    and the benchmark would time the compiler rather than tfl-inspect.
    """
    import compileall

    compileall.compile_dir(str(HERE.parent / "tfl_inspect"), quiet=1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--repeat", type=int, default=5, help="timed runs per command (default 5)")
    ap.add_argument("--models-dir", type=Path, default=DEFAULT_MODELS)
    ap.add_argument("--model", action="append", help="model stem(s) to run (default: all *.tflite)")
    ap.add_argument(
        "--cmd",
        action="append",
        type=parse_cmd,
        default=[],
        help="add/override NAME=TEMPLATE",
    )
    ap.add_argument("--only-cmd", action="append", help="command name(s) to run (default: all)")
    ap.add_argument("--tfl-inspect", help="path to the tfl-inspect executable")
    ap.add_argument("--python", default=sys.executable, help="python used for the TF reference")
    ap.add_argument("--timeout", type=float, default=600.0, help="per-run timeout in seconds")
    ap.add_argument("--json", type=Path, help="write machine-readable results here")
    ap.add_argument("--strict", action="store_true", help="exit 1 if any target is missed")
    args = ap.parse_args(argv)

    commands = {c.name: c for c in DEFAULT_COMMANDS}
    commands.update({c.name: c for c in args.cmd})
    selected = [c for n, c in commands.items() if not args.only_cmd or n in args.only_cmd]
    models = sorted(args.models_dir.glob("*.tflite"))
    if args.model:
        models = [m for m in models if m.stem in args.model]
    if not models:
        print(
            f"no models in {args.models_dir}; run: python benchmarks/make_models.py",
            file=sys.stderr,
        )
        return 1

    tfl_inspect = find_tfl_inspect(args.tfl_inspect)
    compile_bytecode()
    tf_ok = any(c.reference for c in selected) and has_tensorflow(args.python)
    print(f"tfl-inspect: {tfl_inspect or 'NOT INSTALLED'}; TensorFlow reference: {'yes' if tf_ok else 'no'}")
    print(
        f"{args.repeat} timed runs after 1 warm-up; fresh process each; peak RSS via wait4\n",
        flush=True,
    )

    results = []
    for model in models:
        for cmd in selected:
            r = bench(
                cmd,
                model,
                tfl_inspect=tfl_inspect,
                python=args.python,
                tf_ok=tf_ok,
                repeat=args.repeat,
                timeout=args.timeout,
            )
            detail = r.note
            if r.median_s is not None and r.max_rss_mb is not None:
                detail = f"median {r.median_s:.3f}s, rss {r.max_rss_mb:.0f}MB {r.verdict}"
            print(f"  {model.stem:>10} {cmd.name:<12} {r.status:<13} {detail}", flush=True)
            results.append(r)

    judge_relative(results)
    print()
    print(markdown(results))
    for line in growth(results):
        print(line)
    if args.json:
        doc = {
            "host": {
                "platform": platform.platform(),
                "python": sys.version.split()[0],
                "cpus": os.cpu_count(),
            },
            "tfl_inspect": tfl_inspect,
            "repeat": args.repeat,
            "results": [asdict(r) for r in results],
        }
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    missed = any(r.verdict.startswith("FAIL") for r in results)
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
