"""Framework advice lives in the remedy catalogue only: rules and targets name remedies, never framework API."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tfl_inspect.provenance import Producer
from tfl_inspect.remedies import FALLBACK, Cause, Remedy, neutral, say
from tfl_inspect.remedies.tensorflow import TEXTS

PACKAGE = Path(__file__).resolve().parents[2] / "tfl_inspect"

# API of a converter or framework: what a user types in their export script.
FRAMEWORK_API = re.compile(
    r"keras|\btf\.[A-Za-z_]|TFLiteConverter|\bconverter\.[a-z_]|SavedModel|saved_model|representative[ _]dataset|"
    r"TFLITE_BUILTINS|SELECT_TF_OPS|inference_(?:input|output)_type|target_spec|supported_types|allow_custom_ops|"
    r"Optimize\.DEFAULT|optimizations=|from_(?:saved_model|keras_model|concrete_functions)|concrete function|"
    r"TensorSpec|\btorch\b|litert_torch|ai_edge_torch|onnx2tf|dynamic_shapes|jax2tf",
    re.IGNORECASE,
)


def _strings(path: Path) -> list[tuple[int, str]]:
    """Every string literal of a module (docstrings included), except regular expressions it compiles."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "compile":
            skip.update(id(n) for a in node.args for n in ast.walk(a))
    return [
        (n.lineno, n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip
    ]


MODULES = sorted((*PACKAGE.joinpath("rules").glob("*.py"), *PACKAGE.joinpath("targets").glob("*.py")))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_rule_or_target_module_names_framework_api(path: Path) -> None:
    hits = [
        f"{path.name}:{line}: {m.group(0)!r} in {text[:90]!r}"
        for line, text in _strings(path)
        for m in [FRAMEWORK_API.search(text)]
        if m
    ]
    assert not hits, "framework API belongs in tfl_inspect/remedies:\n" + "\n".join(hits)


def test_the_check_catches_framework_api() -> None:
    assert FRAMEWORK_API.search("use `keras.Input(shape=(...), batch_size=1)`")
    assert FRAMEWORK_API.search("set converter.inference_input_type")
    assert not FRAMEWORK_API.search("the interpreter's resize_tensor_input, then allocate_tensors()")


def test_every_remedy_and_cause_has_the_fallback_and_the_tensorflow_text() -> None:
    assert FALLBACK == "neutral"
    for texts in (neutral.TEXTS, TEXTS):
        missing = [m for m in (*Remedy, *Cause) if m not in texts]
        assert not missing, missing


def test_neutral_texts_name_no_framework_api() -> None:
    hits = [f"{k}: {m.group(0)!r}" for k, text in neutral.TEXTS.items() for m in [FRAMEWORK_API.search(text)] if m]
    assert not hits, hits


def test_say_joins_fills_and_falls_back() -> None:
    assert say(("a ", Remedy.STATIC_INPUT)) == "a " + neutral.TEXTS[Remedy.STATIC_INPUT]
    assert say(Remedy.STATIC_INPUT, Producer("tensorflow")) == TEXTS[Remedy.STATIC_INPUT]
    assert say(Remedy.STATIC_INPUT, Producer("mediapipe")) == TEXTS[Remedy.STATIC_INPUT]  # by its framework
    assert "(ADD ×2)" in say(Cause.FLOAT_FALLBACK, ops=" (ADD ×2)")
    assert "{ops}" not in say(Cause.FLOAT_FALLBACK) and "in float and wrap" in say(Cause.FLOAT_FALLBACK)
    assert "{'score'" in say(Remedy.NAMED_OUTPUTS, "tensorflow")  # braces that are not placeholders stay
    # a producer without texts of its own gets the neutral ones
    assert say(Remedy.STATIC_INPUT, Producer("jax")) == neutral.TEXTS[Remedy.STATIC_INPUT]
