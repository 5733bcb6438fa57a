"""Every command in every output format over every model we have: no format may crash unseen.

Samples, every file in the shared LiteRT corpus (unreadable ones must be refused with exit 2) and the
third-party models fetched by tests/fetch_models.py. An internal error is exit 3 with "internal error"
on stderr; a traceback must never reach the user. Run in-process through the CLI's ``main()`` so the
whole sweep stays well under a minute.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import CORPUS, SAMPLES, corpus_files, run_cli, sample_models, thirdparty_models
from tfl_inspect import schemas

# (label, argv after the model path); "{out}" is replaced by a file in tmp_path.
FORMATS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("inspect text --show all", ("inspect", "{model}", "--show", "all")),
    ("inspect json", ("inspect", "{model}", "--format", "json")),
    ("lint text", ("lint", "{model}")),
    ("lint json", ("lint", "{model}", "--format", "json")),
    ("lint sarif", ("lint", "{model}", "--format", "sarif")),
    ("graph dot", ("graph", "{model}", "-o", "{out}.dot")),
    ("shapes text", ("shapes", "{model}")),
    ("shapes json", ("shapes", "{model}", "--format", "json")),
    ("compat text", ("compat", "{model}", "--ops")),
    ("compat json", ("compat", "{model}", "--format", "json")),
    ("profile text", ("profile", "{model}")),
    ("profile json", ("profile", "{model}", "--format", "json")),
    ("profile csv", ("profile", "{model}", "--format", "csv")),
    ("diff text", ("diff", "{model}", "{model}")),
    ("diff json", ("diff", "{model}", "{model}", "--format", "json")),
    (
        "graph dot --color macs --target gpu",
        ("graph", "{model}", "--color", "macs", "--target", "gpu", "-o", "{out}.dot"),
    ),
    ("report html", ("report", "{model}", "--no-graph", "-o", "{out}.html")),
)
# `fix` writes and runs LiteRT per model: tests/rewrite/test_writer.py repacks every sample and corpus model.
INSPECT_SCHEMA = schemas.load("inspect")
JSON_FORMATS = {"inspect json", "lint json", "lint sarif", "shapes json", "compat json", "profile json", "diff json"}
SCHEMAS = {
    "compat json": schemas.load("compat"),
    "profile json": schemas.load("profile"),
    "diff json": schemas.load("diff"),
}


def _models() -> list[Path]:
    return sample_models() + corpus_files("litert") + thirdparty_models()


def _id(path: Path) -> str:
    for base in (CORPUS, SAMPLES, path.parents[1]):
        if base in path.parents:
            return str(path.relative_to(base))
    return path.name


@pytest.mark.parametrize("model", _models(), ids=_id)
def test_every_command_and_format_runs_without_internal_error(model: Path, tmp_path: Path) -> None:
    readable = None
    for label, argv in FORMATS:
        args = [a.replace("{model}", str(model)).replace("{out}", str(tmp_path / "out")) for a in argv]
        result = run_cli(*args)
        where = f"{label} on {model}"
        assert result.code != 3, f"{where}: internal error: {result.err.strip()}"
        assert "Traceback" not in result.err + result.out, f"{where}: traceback reached the user"
        assert result.code in (0, 1, 2), f"{where}: exit {result.code}"
        if result.code == 2:
            lines = result.err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("tfl-inspect: error:"), f"{where}: {result.err!r}"
        if label == "inspect text --show all":
            readable = result.code == 0
        elif readable and label in JSON_FORMATS and result.code in (0, 1):
            doc = json.loads(result.out)  # strict JSON whenever the command produced a document
            if label == "inspect json" and "thirdparty" in model.parts:
                jsonschema.validate(doc, INSPECT_SCHEMA)  # samples and corpus: tests/exporters/test_model_json.py
            if label in SCHEMAS:
                jsonschema.validate(doc, SCHEMAS[label])
    if model.parent == SAMPLES or "thirdparty" in model.parts:
        assert readable, f"{model} is a model we ship or fetched: inspect must read it"


def test_diagnose_runs_on_every_error_text_and_mlir_sample() -> None:
    sources = sorted(SAMPLES.glob("*.error.txt")) + sorted(SAMPLES.glob("*.mlir"))
    assert sources, "samples ship converter error texts and MLIR dumps"
    for source in sources:
        for fmt in ("text", "json"):
            result = run_cli("diagnose", source, "--format", fmt)
            assert result.code in (0, 1), f"diagnose {fmt} on {source}: exit {result.code}: {result.err.strip()}"
            assert "Traceback" not in result.err
            if fmt == "json":
                json.loads(result.out)


def test_internal_error_exits_3_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import tfl_inspect.commands.inspect as inspect_cmd

    def boom(args: object) -> int:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(inspect_cmd, "run", boom)
    monkeypatch.delenv("TFL_INSPECT_DEBUG", raising=False)
    result = run_cli("inspect", SAMPLES / "dense_float32.tflite")
    assert result.code == 3
    assert result.err.strip().splitlines() == [
        "tfl-inspect: internal error: RuntimeError: simulated bug "
        "(set TFL_INSPECT_DEBUG=1 for the traceback, and please report it)"
    ]


def test_exit_codes_are_documented() -> None:
    from tfl_inspect import cli

    help_text = run_cli("--help").out
    for code, words in (("2", "bad usage"), ("3", "internal error")):
        assert any(line.strip().startswith(code) and words in line for line in help_text.splitlines()), help_text
    assert "3 an internal error" in (cli.__doc__ or "")
    readme = (SAMPLES.parent / "README.md").read_text(encoding="utf-8")
    assert "3 an internal error" in readme
