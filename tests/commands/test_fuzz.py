"""Every command on mutated models: a clean exit (0, 1, or 2 with one line), never exit 3, a traceback or a hang.

Seeded cases from :mod:`tests.fuzz` (byte flips, truncation, offset and length fields, object-API edits of
shapes, types, indices, options and names, appended garbage, MLIR text edits), run in-process through
``tfl_inspect.cli.main`` with a per-case alarm. A failure prints the line that replays it.
The larger campaign: ``.venv/bin/python -m tests.fuzz --seeds 1,2,3 --cases 3000 --jobs 2``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.fuzz import COMMANDS, make_case, run_case

pytest.importorskip("ai_edge_litert.schema_py_generated", reason="ai-edge-litert edits the models (object API)")

SEED = 23
CASES = 50  # per command
TIMEOUT = 60.0  # per case; the slowest takes about a second


def _run(command: str, cases: range, tmp_path: Path, verify: float = 0.0) -> list[int | None]:
    failures, codes = [], []
    for index in cases:
        case = make_case(SEED, index, (command,), verify)
        outcome = run_case(case, tmp_path, TIMEOUT)
        codes.append(outcome.code)
        if outcome.problem:
            failures.append(
                f"{case.mutation} of {case.source.name}: {outcome.problem}\n  replay: .venv/bin/python -m tests.fuzz"
                f" --commands {command} --seed {SEED} --case {index}" + (f" --verify {verify}" if verify else "")
            )
    assert not failures, "\n".join(failures)
    return codes


@pytest.mark.parametrize("command", COMMANDS)
def test_mutated_models_get_a_clean_exit(command: str, tmp_path: Path) -> None:
    codes = _run(command, range(CASES), tmp_path)
    # The mutations reach both sides: models that still read (the analyses run) and refused ones.
    assert any(c in (0, 1) for c in codes) and 2 in codes, codes


def test_fix_verifies_mutated_models_cleanly(tmp_path: Path) -> None:
    """``fix`` with its LiteRT check (a child process) on mutated models that still read."""
    if importlib.util.find_spec("ai_edge_litert.interpreter") is None:
        pytest.skip("ai-edge-litert's interpreter not installed")
    _run("fix", range(CASES, CASES + 8), tmp_path, verify=1.0)
