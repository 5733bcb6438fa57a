"""``compat --format json`` for big models: operator records written as text, byte for byte what json.dumps gives."""

from __future__ import annotations

import json

import pytest

import tfl_inspect
from tests.conftest import SAMPLES, sample
from tfl_inspect.exporters import compat_json
from tfl_inspect.targets import compat


@pytest.mark.parametrize("path", [sample("upsampling_static.tflite"), SAMPLES / "torch" / "gen_decoder_f32.tflite"])
def test_compact_document_is_what_json_dumps_gives(path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    report = compat(tfl_inspect.load(path))  # every target: shared and per-op reasons, caveats, body subgraphs
    monkeypatch.setattr(compat_json, "COMPACT_PAST", 0)
    expected = json.dumps(compat_json.to_json_dict(report, "m"), separators=(",", ":"), ensure_ascii=False) + "\n"
    assert compat_json.to_json(report, "m") == expected
