"""Who produced a model, with the evidence, read once per model."""

from __future__ import annotations

import pytest

import tfl_inspect
from tests.conftest import CORPUS, require_corpus, sample, thirdparty_models
from tfl_inspect.provenance import PRODUCERS, Producer


def test_tensorflow_sample_names_the_converter_version() -> None:
    model = tfl_inspect.load(sample("dense_int8.tflite"))
    p = model.producer
    assert p.id == "tensorflow" and p.version == "2.21.0" and p.family == "tensorflow"
    assert p.evidence == ("CONVERSION_METADATA: TensorFlow 2.21.0 converter, from KERAS_MODEL",)
    assert model.producer is p  # detected once


def test_every_producer_has_a_title() -> None:
    for pid in PRODUCERS:
        assert Producer(pid).title
    assert Producer("unknown").family is None


@pytest.mark.parametrize(
    "name, producer",
    [
        ("torchaudio_conformer.tflite", "litert-torch"),  # class-path names win over the TF converter's metadata
        ("rope.tflite", "jax"),
        ("simple_add_op_qc_v75_precompiled.tflite", "unknown"),
        ("single_add_default_a8w8_recipe_quantized.tflite", "tensorflow"),
    ],
)
def test_corpus_producers(name: str, producer: str) -> None:
    require_corpus()
    model = tfl_inspect.load(CORPUS / "litert" / "litert" / "test" / "testdata" / name)
    assert model.producer.id == producer, model.producer
    if producer != "unknown":
        assert model.producer.evidence


def test_mediapipe_and_keras_op_layers_are_not_onnx2tf() -> None:
    found = {p.name: tfl_inspect.load(p).producer.id for p in thirdparty_models()}
    if not found:
        pytest.skip("no third-party models: run python tests/fetch_models.py")
    assert found["selfie_segmentation.tflite"] == "mediapipe"
    # microWakeWord's Keras model uses TF-op layers (model_1/tf.split_3/…) in a few places: still TensorFlow
    assert found["okay_nabu.tflite"] == "tensorflow"
