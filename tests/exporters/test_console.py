"""The one text writer: rich on a terminal, plain when piped; NO_COLOR, TERM=dumb and COLUMNS honoured."""

from __future__ import annotations

import io
import re

import pytest

import tfl_inspect
from tests.conftest import SAMPLES, sample
from tfl_inspect.exporters.blocks import emit
from tfl_inspect.exporters.console import writer
from tfl_inspect.exporters.diagnosis import print_text, render_text
from tfl_inspect.exporters.findings import print_text as print_findings
from tfl_inspect.exporters.model_text import inspect_blocks


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_COLOR", "COLUMNS", "TERM", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


def test_rich_only_on_a_terminal() -> None:
    assert not writer(io.StringIO()).rich
    w = writer(Terminal())
    assert w.rich and w.color


def test_term_dumb_is_plain_and_no_color_keeps_layout_without_colours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")
    assert not writer(Terminal()).rich
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("NO_COLOR", "1")
    w = writer(Terminal())
    assert w.rich and not w.color
    out = Terminal()
    model = tfl_inspect.load(sample("dense_int8.tflite"))
    emit(inspect_blocks(model, {"ops"}), out)
    assert "─" in out.getvalue() or "━" in out.getvalue()  # rich tables...
    colour = re.compile(r"\x1b\[(?:\d+;)*(?:3\d|9[0-7])(?:;\d+)*m")
    assert not colour.search(out.getvalue())  # ...bold, but no colour codes
    monkeypatch.delenv("NO_COLOR")
    coloured = Terminal()
    emit(inspect_blocks(model, {"ops"}), coloured)
    assert colour.search(coloured.getvalue())


def test_columns_sets_the_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "70")
    w = writer(Terminal())
    assert w.width == 70 and w.console().width == 70
    monkeypatch.setenv("COLUMNS", "wide")
    assert writer(Terminal()).width is None


def test_every_text_renderer_decides_through_the_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forcing the writer's decision changes all of them: no renderer tests isatty on its own."""
    from tfl_inspect.exporters import console

    model = tfl_inspect.load(sample("upsampling_static.tflite"))
    findings = tfl_inspect.lint(model)
    diagnosis = tfl_inspect.diagnose(SAMPLES / "upsampling_dynamic.error.txt")
    plain = {"blocks": io.StringIO(), "findings": io.StringIO(), "diagnosis": io.StringIO()}
    emit(inspect_blocks(model, set()), plain["blocks"])
    print_findings(findings, "m", plain["findings"])
    print_text(diagnosis, plain["diagnosis"])
    assert plain["diagnosis"].getvalue() == render_text(diagnosis) + "\n"
    real = console.writer
    monkeypatch.setattr(console, "writer", lambda stream=None, rich=None: real(stream, rich=True))
    forced = Terminal()
    print_findings(findings, "m", forced)
    assert forced.getvalue() != plain["findings"].getvalue()  # the rich rendering was chosen
