"""Shared fixtures: where the samples and the shared corpus are, and a CLI runner."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED = Path(os.environ.get("TFL_INSPECT_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
# Real models published by others, downloaded by tests/fetch_models.py (never committed).
THIRDPARTY = Path(os.environ.get("TFL_INSPECT_THIRDPARTY", ROOT / "tests" / "data" / "thirdparty"))

# Diagram tests lay out with the system Graphviz; `make test` installs it where it can.
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="Graphviz 'dot' not installed (apt-get install graphviz / brew install graphviz)",
)

# Files in the corpus that LiteRT's own interpreter refuses (see shared/corpus/README.md).
INTERPRETER_REFUSES = {
    "0_subgraphs.bin",
    "no_subgraphs.bin",
    "transpose.bin",
    "lstm_quantized2.bin",
    "lstm_calibrated2.bin",
}


# The shared corpus lives outside the repository (../shared beside a checkout, or TFL_INSPECT_SHARED).
# A clone without it runs every other test: a test that needs it is marked `needs_corpus` (taking the
# `corpus` fixture marks it too) and skips with this reason; `require_corpus()` is the same check for
# helpers. Tests over every model split into the part that runs everywhere and the corpus part.
HAVE_CORPUS = (CORPUS / "litert").is_dir()
NO_CORPUS = f"shared corpus not found at {CORPUS} (put shared/ beside the repository or set TFL_INSPECT_SHARED)"
needs_corpus = pytest.mark.skipif(not HAVE_CORPUS, reason=NO_CORPUS)


def in_corpus(path: str | os.PathLike[str]) -> bool:
    return CORPUS in Path(path).parents


def corpus_files(kind: str = "litert") -> list[Path]:
    """Every file under shared/corpus/<kind>, sorted; empty when shared/ is absent."""
    base = CORPUS / kind
    if not base.is_dir():
        return []
    return sorted(p for p in base.rglob("*") if p.is_file())


def sample(name: str) -> Path:
    """A committed sample model; a missing one fails the test (samples are part of the repo)."""
    path = SAMPLES / name
    assert path.is_file(), f"sample {name} is missing: regenerate with samples/generate.py"
    return path


def thirdparty_models() -> list[Path]:
    """Every downloaded third-party ``.tflite`` model, sorted; empty when none were fetched."""
    if not THIRDPARTY.is_dir():
        return []
    return sorted(p for p in THIRDPARTY.rglob("*.tflite") if p.is_file())


NO_THIRDPARTY = f"no third-party models at {THIRDPARTY}: run python tests/fetch_models.py"
needs_thirdparty = pytest.mark.skipif(not thirdparty_models(), reason=NO_THIRDPARTY)


def require_thirdparty() -> list[Path]:
    models = thirdparty_models()
    if not models:
        pytest.skip(NO_THIRDPARTY)
    return models


def sample_models() -> list[Path]:
    return sorted(SAMPLES.glob("*.tflite"))


def require_corpus() -> Path:
    if not HAVE_CORPUS:
        pytest.skip(NO_CORPUS)
    return CORPUS


def corpus_ids(paths: list[Path]) -> list[str]:
    """Test ids: the path under the corpus or the third-party folder (names repeat there), else the name."""
    return [
        str(p.relative_to(base)) if base in p.parents else p.name
        for p in paths
        for base in [CORPUS if CORPUS in p.parents else THIRDPARTY]
    ]


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail, instead of hanging, when the block runs past ``seconds`` (tests of code that once looped)."""

    def expire(signum: int, frame: object) -> None:
        pytest.fail(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class CliResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


def run_cli(*args: str) -> CliResult:
    """Run ``tfl-inspect`` in-process (fast); output captured."""
    from tfl_inspect.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return CliResult(code, out.getvalue(), err.getvalue())


def run_cli_process(*args: str, timeout: float = 120) -> CliResult:
    """Run ``tfl-inspect`` as a separate process, as users and CI do."""
    proc = subprocess.run(
        [sys.executable, "-m", "tfl_inspect", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def corpus() -> Path:
    return require_corpus()


@pytest.fixture(scope="session")
def npu_compiled(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    """Every sample compiled by LiteRT's Qualcomm (SM8650, SM8850, SA8255) and Intel (LNL) plugins, once.

    Skips, saying why, when neither plugin runs here; a vendor whose plugin does not run is left out.
    """
    from tests.compiled_models import compile_with_plugins

    cases, skipped = compile_with_plugins(sample_models(), tmp_path_factory.mktemp("npu_compiled"))
    if not cases:
        pytest.skip("no NPU compiler plugin runs here: " + "; ".join(skipped))
    return cases


@pytest.fixture(scope="session")
def vela_compiled(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The int8 samples compiled by Arm's Vela for an Ethos-U55, U65 and U85, once."""
    from tests.compiled_models import VELA_CONFIGS, vela_compile, vela_skip_reason

    reason = vela_skip_reason()
    if reason is not None:
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("vela")
    sources = [sample(n) for n in ("dense_int8.tflite", "dense_int8_float_io.tflite", "float_island_int8.tflite")]
    return [vela_compile(src, out / config, config) for config in VELA_CONFIGS for src in sources]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "corpus" in getattr(item, "fixturenames", ()):
            item.add_marker(needs_corpus)  # skipped at setup, reported at the test
