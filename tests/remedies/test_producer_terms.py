"""Findings on PyTorch- and onnx2tf-born models speak their converter's language, and the API they quote exists."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import SAMPLES
from tfl_inspect.remedies import litert_torch

TORCH_SAMPLES = sorted((SAMPLES / "torch").glob("*.tflite"))
# What a TensorFlow user types, and a PyTorch or ONNX user never has.
TF_TERMS = re.compile(r"keras|TFLiteConverter|SavedModel|saved_model|\bconverter\.[a-z_]|tf\.[a-z]", re.IGNORECASE)


@pytest.mark.parametrize("path", TORCH_SAMPLES, ids=lambda p: p.name)
def test_findings_on_pytorch_and_onnx2tf_models_name_no_tensorflow_api(path: Path) -> None:
    model = tfl_inspect.load(path)
    assert model.producer.id in ("litert-torch", "onnx2tf"), model.producer
    findings = tfl_inspect.lint(model, targets="xnnpack,gpu,tflm,edgetpu,nnapi")
    report = tfl_inspect.compat(model)
    texts = [(f.rule, t) for f in findings for t in (f.message, f.explanation, f.fix)]
    texts += [(n, r.fix or "") for n, t in report.targets.items() for v in t.operators for r in v.reasons]
    texts += [(n, r.fix or "") for n, t in report.targets.items() for r in t.model_reasons]
    bad = [f"{rule}: {m.group(0)!r} in {text[:120]!r}" for rule, text in texts for m in [TF_TERMS.search(text)] if m]
    assert not bad, "\n".join(bad)


# Names quoted without their module, and where they live.
_BARE = {
    "prepare_pt2e": "torchao.quantization.pt2e.quantize_pt2e.prepare_pt2e",
    "convert_pt2e": "torchao.quantization.pt2e.quantize_pt2e.convert_pt2e",
    "PT2EQuantizer": "litert_torch.quantize.pt2e_quantizer.PT2EQuantizer",
    "get_symmetric_quantization_config": "litert_torch.quantize.pt2e_quantizer.get_symmetric_quantization_config",
    "set_global": "litert_torch.quantize.pt2e_quantizer.PT2EQuantizer.set_global",
    "register_buffer": "torch.nn.Module.register_buffer",
}
_DOTTED = re.compile(r"\b((?:litert_torch|torch|torchao)(?:\.[A-Za-z_]\w*)+)")


def _quoted_api() -> set[str]:
    names: set[str] = set()
    for text in litert_torch.TEXTS.values():
        for code in re.findall(r"`([^`]+)`", text):
            names.update(m.group(1) for m in _DOTTED.finditer(code))
            names.update(_BARE[b] for b in _BARE if re.search(rf"\b{b}\b", code))
    return names


def _resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def test_every_pytorch_api_quoted_exists() -> None:
    """Run where torch and litert-torch are installed (the `torch` extra); elsewhere it says so."""
    pytest.importorskip("torch", reason="torch not installed (pip install -e '.[torch]' in its own venv)")
    pytest.importorskip("litert_torch", reason="litert-torch not installed (the `torch` extra)")
    names = _quoted_api()
    assert "litert_torch.convert" in names and "torch.export.Dim" in names
    missing = []
    for name in sorted(names):
        try:
            _resolve(name)
        except (ImportError, AttributeError) as exc:
            missing.append(f"{name}: {exc}")
    assert not missing, missing


def test_every_pytorch_api_diagnose_quotes_exists() -> None:
    """The fixes and causes `diagnose` gives for litert-torch failures name real API too."""
    pytest.importorskip("torch", reason="torch not installed (pip install -e '.[torch]' in its own venv)")
    pytest.importorskip("litert_torch", reason="litert-torch not installed (the `torch` extra)")
    from tfl_inspect.diagnosis.pytorch import CAUSES, CLASHES

    texts = [why for _, why in CAUSES.values()] + [c.detail + c.pin for c in CLASHES]
    for path in sorted((SAMPLES / "torch").glob("*.error.txt")):
        d = tfl_inspect.diagnose(path)
        texts += [t for f in d.failures for x in f.fixes for t in (x.title, x.why, x.code)]
        texts += [f.layer_class or "" for f in d.failures]
    names = {m.group(1) for t in texts for code in [t, *re.findall(r"`([^`]+)`", t)] for m in _DOTTED.finditer(code)}
    assert {"litert_torch.convert", "litert_torch.signature", "torch.nn.modules.flatten"} <= names
    missing = []
    for name in sorted(names):
        try:
            _resolve(name)
        except (ImportError, AttributeError) as exc:
            missing.append(f"{name}: {exc}")
    assert not missing, missing
