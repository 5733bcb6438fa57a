"""``tfl-inspect rules``: the registry as users and scripts see it."""

from __future__ import annotations

import json

from tests.conftest import run_cli
from tfl_inspect.rules import RULES


def test_lists_every_rule_with_its_default_severity() -> None:
    r = run_cli("rules")
    assert r.code == 0
    for rule in RULES:
        assert f"{rule.id}  {rule.severity.value}" in r.out


def test_details_for_an_id_or_a_family() -> None:
    r = run_cli("rules", "DYN002")
    assert r.code == 0 and "DYN002" in r.out and "upsampling" in r.out and "DYN001" not in r.out
    assert "fix (TensorFlow/Keras):" in r.out and "`litert_torch.convert`" in r.out  # each producer's words
    fam = run_cli("rules", "qnt")
    assert [line.split()[0] for line in fam.out.splitlines() if line[:3] == "QNT"] == [
        x.id for x in RULES if x.family == "QNT"
    ]


def test_json_listing() -> None:
    import jsonschema

    from tfl_inspect import schemas

    doc = json.loads(run_cli("rules", "--format", "json").out)
    assert doc["$schema"] == "urn:tfl-inspect:schema:rules" and doc["source"] is None
    jsonschema.validate(doc, schemas.load("rules"))
    assert [r["id"] for r in doc["rules"]] == [r.id for r in RULES]
    assert all(r["severity"] in ("error", "warning", "info") and r["doc"] for r in doc["rules"])


def test_unknown_rule_is_a_usage_error() -> None:
    r = run_cli("rules", "ABC123")
    assert r.code == 2 and "ABC123" in r.err
