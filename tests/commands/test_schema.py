"""``tfl-inspect schema``: every JSON output names a schema the tool can print, and validates against it."""

from __future__ import annotations

import json

import jsonschema
import pytest

from tests.conftest import SAMPLES, run_cli, sample
from tfl_inspect import schemas
from tfl_inspect._version import __version__

OUTPUTS = {
    "inspect": ("inspect", "{model}", "--format", "json"),
    "lint": ("lint", "{model}", "--format", "json"),
    "shapes": ("shapes", "{model}", "--format", "json"),
    "diagnose": ("diagnose", str(SAMPLES / "upsampling_dynamic.error.txt"), "--format", "json"),
}


def test_names_lists_the_shipped_schemas() -> None:
    r = run_cli("schema")
    assert r.code == 0
    listed = [line.split("\t") for line in r.out.splitlines()]
    assert [n for n, _ in listed] == schemas.names()
    assert set(OUTPUTS) <= set(schemas.names())
    assert all(urn == f"urn:tfl-inspect:schema:{n}" for n, urn in listed)


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_each_schema_prints_as_shipped_and_by_its_urn(name: str) -> None:
    by_name, by_urn = run_cli("schema", name), run_cli("schema", f"urn:tfl-inspect:schema:{name}")
    assert by_name.code == 0 and by_name.out == by_urn.out
    doc = json.loads(by_name.out)
    assert doc == schemas.load(name) and doc["$id"] == f"urn:tfl-inspect:schema:{name}"
    jsonschema.Draft202012Validator.check_schema(doc)


def test_an_unknown_name_is_a_usage_error_listing_the_known_ones() -> None:
    r = run_cli("schema", "nope")
    assert r.code == 2 and r.out == ""
    assert "nope" in r.err and all(n in r.err for n in schemas.names())
    assert len(r.err.strip().splitlines()) == 1


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_every_json_output_starts_with_the_one_envelope(name: str) -> None:
    model = str(sample("upsampling_static.tflite"))
    r = run_cli(*(a.format(model=model) for a in OUTPUTS[name]))
    assert r.code in (0, 1), r.err
    doc = json.loads(r.out)
    assert list(doc)[:3] == ["$schema", "tool", "source"]
    assert doc["$schema"] == schemas.schema_id(name)
    assert doc["tool"] == {"name": "tfl-inspect", "version": __version__}
    assert doc["source"] == OUTPUTS[name][1].format(model=model)
    jsonschema.validate(doc, schemas.load(doc["$schema"].rsplit(":", 1)[1]))


def test_inspect_names_the_tflite_schema_version_apart_from_its_own() -> None:
    doc = json.loads(run_cli("inspect", sample("dense_float32.tflite"), "--format", "json").out)
    assert doc["tflite_schema_version"] == 3
    assert "schema_version" not in doc and "file" not in doc
