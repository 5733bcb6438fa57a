"""Renumbering tensors and buffers: every reference follows, including ones outside op operands."""

from __future__ import annotations

import copy
from pathlib import Path

import tfl_inspect
from tests.conftest import needs_corpus, require_corpus, sample
from tests.modeledit import pack, unpack
from tfl_inspect.rewrite import fix


@needs_corpus
def test_blockwise_scale_tensor_index_follows_the_renumbering(tmp_path: Path) -> None:
    """The INT4 weight names its scales tensor by index in its quantization details, not as an operand."""
    src = next(require_corpus().rglob("qwen_fc_blockwise_quantized.tflite"))
    m = unpack(src)
    sg = m.subgraphs[0]
    dummy = copy.deepcopy(sg.tensors[0])
    dummy.name = b"unused"
    sg.tensors.insert(3, dummy)  # the scales tensor moves to 4
    sg.tensors[1].quantization.details.scales = 4
    edited = tmp_path / "edited.tflite"
    edited.write_bytes(pack(m))
    report = fix(edited, tmp_path / "o.tflite", strip_unused=True)
    assert report.written and report.tensors_removed == 1
    assert report.verification is not None and report.verification.status == "identical"
    out = tfl_inspect.load(tmp_path / "o.tflite").subgraphs[0]
    q = out.tensors[1].quantization
    assert q is not None and q.details is not None and q.details["scales"] == 3
    assert out.tensors[3].dtype == "FLOAT16" and "scale" in out.tensors[3].name


def test_metadata_buffers_survive_buffer_renumbering(tmp_path: Path) -> None:
    """Folding drops buffers that sit before the metadata ones; metadata still decodes."""
    src = sample("classifier_flatten.tflite")
    report = fix(src, tmp_path / "o.tflite", static_batch=1, fold_shapes=True)
    assert report.written and report.buffers_removed > 0
    a, b = tfl_inspect.load(src), tfl_inspect.load(tmp_path / "o.tflite")
    assert [(x.name, x.value) for x in b.metadata] == [(x.name, x.value) for x in a.metadata]
    assert b.min_runtime_version == a.min_runtime_version and b.conversion_metadata == a.conversion_metadata
