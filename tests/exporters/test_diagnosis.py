"""``diagnose`` output lives with the exporters: text through the console writer, JSON in the envelope."""

from __future__ import annotations

import io
import json

import jsonschema

import tfl_inspect
from tests.conftest import SAMPLES, run_cli
from tfl_inspect import schemas
from tfl_inspect.exporters.diagnosis import print_text, render_text, to_json_dict

ERROR_TEXT = SAMPLES / "upsampling_dynamic.error.txt"


def test_json_is_the_envelope_then_the_diagnosis() -> None:
    d = tfl_inspect.diagnose(ERROR_TEXT)
    doc = to_json_dict(d)
    assert list(doc)[:3] == ["$schema", "tool", "source"] and doc["source"] == d.source
    assert {k: v for k, v in doc.items() if k not in ("$schema", "tool", "source")} == d.to_dict()
    jsonschema.validate(doc, schemas.load("diagnose"))
    assert json.loads(run_cli("diagnose", ERROR_TEXT, "--format", "json").out) == json.loads(json.dumps(doc))


def test_text_through_the_writer_and_the_cli_is_the_rendered_diagnosis() -> None:
    d = tfl_inspect.diagnose(ERROR_TEXT)
    out = io.StringIO()
    print_text(d, out)
    assert out.getvalue() == render_text(d) + "\n" == d.to_text() + "\n"
    r = run_cli("diagnose", ERROR_TEXT)
    assert r.code == 1 and r.out == out.getvalue()
    assert r.out.startswith("Conversion failed: 1 op could not be converted")
