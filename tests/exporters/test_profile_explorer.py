"""The Model Explorer overlay uses the graph and node ids the viewer's own adapter produces."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import corpus_files, needs_corpus, sample_models, thirdparty_models
from tfl_inspect import load
from tfl_inspect.errors import TflInspectError
from tfl_inspect.exporters.profile_explorer import graph_id, overlay
from tfl_inspect.profiling import profile

_ADAPTER = r"""
import json, sys
import ai_edge_model_explorer_adapter as a
out = {}
for p in sys.argv[1:]:
    try:
        d = json.loads(a.ConvertFlatbufferDirectlyToJson(a.VisualizeConfig(), p))
    except Exception:
        continue
    out[p] = {g["id"]: [n["id"] for n in g["nodes"]] for c in d for g in c["subgraphs"]}
print(json.dumps(out))
"""


def _check_against_the_adapter(paths: list[Path]) -> int:
    """Overlay graph and node ids equal the adapter's on every readable model; returns how many."""
    pytest.importorskip("ai_edge_model_explorer_adapter")
    proc = subprocess.run(
        [sys.executable, "-c", _ADAPTER, *map(str, paths)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-1000:]
    graphs = json.loads(proc.stdout)
    checked = 0
    for p, ids in graphs.items():
        try:
            model = load(Path(p))
        except TflInspectError:
            continue
        assert [graph_id(model, s) for s in range(len(model.subgraphs))] == list(ids), p
        data = overlay(model, profile(model, reorder=False), "macs")
        for gid, entry in data.items():
            assert set(entry["results"]) <= set(ids[gid]), p
        checked += 1
    print(f"overlay ids checked against the adapter on {checked} models")
    return checked


def test_overlay_keys_match_the_adapter() -> None:
    paths = sample_models() + thirdparty_models()
    assert _check_against_the_adapter(paths) >= len(sample_models())


@needs_corpus
def test_overlay_keys_match_the_adapter_on_the_corpus() -> None:
    assert _check_against_the_adapter([p for p in corpus_files("litert") if p.stat().st_size < 20_000_000]) >= 100
