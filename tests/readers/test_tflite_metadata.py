"""TFLite Metadata, appended associated files and embedded flatbuffers.

The fixture is written here with the flatbuffers builder, slot by slot from tflite-support's
``metadata_schema.fbs`` (the same slots the reader uses would make the test circular, so the builder
uses field *indices* as the schema lists them), attached to a converter-made sample with the LiteRT
object API, and followed by a ZIP of its label file, as the metadata writer does. Third-party
MediaPipe models (when fetched) check the decoding on files we did not write.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import flatbuffers
import jsonschema
import pytest

from tests.conftest import run_cli, sample, thirdparty_models
from tests.modeledit import pack, schema, unpack
from tfl_inspect import schemas
from tfl_inspect.readers.attachments import attachments
from tfl_inspect.readers.flatbuffer import read_flatbuffer
from tfl_inspect.summary import converter_command, io_metadata

LABELS = [f"class_{i}" for i in range(16)]  # the sample's output is [?, 16]


def _string_vector(b: flatbuffers.Builder, items: list[str]) -> int:
    offsets = [b.CreateString(s) for s in items]
    b.StartVector(4, len(offsets), 4)
    for o in reversed(offsets):
        b.PrependUOffsetTRelative(o)
    return b.EndVector()


def _float_vector(b: flatbuffers.Builder, items: list[float]) -> int:
    b.StartVector(4, len(items), 4)
    for x in reversed(items):
        b.PrependFloat32(x)
    return b.EndVector()


def _table_vector(b: flatbuffers.Builder, offsets: list[int]) -> int:
    b.StartVector(4, len(offsets), 4)
    for o in reversed(offsets):
        b.PrependUOffsetTRelative(o)
    return b.EndVector()


def build_model_metadata() -> bytes:
    """ModelMetadata: an RGB 32x1 'image' input normalised (v - 127.5) / 127.5, a 'probabilities'
    output with a TENSOR_AXIS_LABELS file."""
    b = flatbuffers.Builder(1024)
    # AssociatedFile { name 0; description 1; type 2 (byte); locale 3; version 4 }
    fname, fdesc = b.CreateString("labels.txt"), b.CreateString("Class names, one per line.")
    b.StartObject(5)
    b.PrependUOffsetTRelativeSlot(0, fname, 0)
    b.PrependUOffsetTRelativeSlot(1, fdesc, 0)
    b.PrependInt8Slot(2, 2, 0)  # TENSOR_AXIS_LABELS
    label_file = b.EndObject()
    # ImageSize { width 0; height 1 }, ImageProperties { color_space 0; default_size 1 }
    b.StartObject(2)
    b.PrependUint32Slot(0, 32, 0)
    b.PrependUint32Slot(1, 1, 0)
    size = b.EndObject()
    b.StartObject(2)
    b.PrependInt8Slot(0, 1, 0)  # RGB
    b.PrependUOffsetTRelativeSlot(1, size, 0)
    image = b.EndObject()
    # ValueRange { min 0; max 1 }
    b.StartObject(2)
    b.PrependInt32Slot(0, 0, 0)
    b.PrependInt32Slot(1, 255, 0)
    value_range = b.EndObject()
    # Content { content_properties_type 0; content_properties 1; range 2 }
    b.StartObject(3)
    b.PrependUint8Slot(0, 2, 0)  # ImageProperties
    b.PrependUOffsetTRelativeSlot(1, image, 0)
    b.PrependUOffsetTRelativeSlot(2, value_range, 0)
    content = b.EndObject()
    # NormalizationOptions { mean 0; std 1 }, ProcessUnit { options_type 0; options 1 }
    mean, std = _float_vector(b, [127.5]), _float_vector(b, [127.5])
    b.StartObject(2)
    b.PrependUOffsetTRelativeSlot(0, mean, 0)
    b.PrependUOffsetTRelativeSlot(1, std, 0)
    norm = b.EndObject()
    b.StartObject(2)
    b.PrependUint8Slot(0, 1, 0)
    b.PrependUOffsetTRelativeSlot(1, norm, 0)
    unit = b.EndObject()
    # Stats { max 0; min 1 }
    smax, smin = _float_vector(b, [1.0]), _float_vector(b, [-1.0])
    b.StartObject(2)
    b.PrependUOffsetTRelativeSlot(0, smax, 0)
    b.PrependUOffsetTRelativeSlot(1, smin, 0)
    stats = b.EndObject()
    # TensorMetadata { name 0; description 1; dimension_names 2; content 3; process_units 4; stats 5; files 6 }
    in_name, in_desc = b.CreateString("image"), b.CreateString("An RGB row of 32 pixels.")
    dims = _string_vector(b, ["batch", "pixels"])
    units = _table_vector(b, [unit])
    b.StartObject(7)
    b.PrependUOffsetTRelativeSlot(0, in_name, 0)
    b.PrependUOffsetTRelativeSlot(1, in_desc, 0)
    b.PrependUOffsetTRelativeSlot(2, dims, 0)
    b.PrependUOffsetTRelativeSlot(3, content, 0)
    b.PrependUOffsetTRelativeSlot(4, units, 0)
    b.PrependUOffsetTRelativeSlot(5, stats, 0)
    tin = b.EndObject()
    out_name, out_desc = b.CreateString("probabilities"), b.CreateString("Scores per class.")
    files = _table_vector(b, [label_file])
    b.StartObject(7)
    b.PrependUOffsetTRelativeSlot(0, out_name, 0)
    b.PrependUOffsetTRelativeSlot(1, out_desc, 0)
    b.PrependUOffsetTRelativeSlot(6, files, 0)
    tout = b.EndObject()
    # SubGraphMetadata { name 0; description 1; input_tensor_metadata 2; output_tensor_metadata 3; ... }
    ins, outs = _table_vector(b, [tin]), _table_vector(b, [tout])
    b.StartObject(10)
    b.PrependUOffsetTRelativeSlot(2, ins, 0)
    b.PrependUOffsetTRelativeSlot(3, outs, 0)
    sub = b.EndObject()
    # ModelMetadata { name 0; description 1; version 2; subgraph_metadata 3; author 4; license 5;
    #   associated_files 6; min_parser_version 7 }
    subs = _table_vector(b, [sub])
    name, desc = b.CreateString("TinyClassifier"), b.CreateString("A test classifier.")
    version, author, lic = b.CreateString("v7"), b.CreateString("tfl-inspect tests"), b.CreateString("Apache-2.0")
    parser = b.CreateString("1.0.0")
    b.StartObject(8)
    b.PrependUOffsetTRelativeSlot(0, name, 0)
    b.PrependUOffsetTRelativeSlot(1, desc, 0)
    b.PrependUOffsetTRelativeSlot(2, version, 0)
    b.PrependUOffsetTRelativeSlot(3, subs, 0)
    b.PrependUOffsetTRelativeSlot(4, author, 0)
    b.PrependUOffsetTRelativeSlot(5, lic, 0)
    b.PrependUOffsetTRelativeSlot(7, parser, 0)
    root = b.EndObject()
    b.Finish(root, file_identifier=b"M001")
    return bytes(b.Output())


def _embedded_block(text: str) -> bytes:
    """A small flatbuffer with its own identifier holding one string (like MediaPipe's MSMD)."""
    b = flatbuffers.Builder(256)
    s = b.CreateString(text)
    b.StartObject(1)
    b.PrependUOffsetTRelativeSlot(0, s, 0)
    b.Finish(b.EndObject(), file_identifier=b"MSMD")
    return bytes(b.Output())


COMMAND = "(location //tools:keras2tflite) --name=tiny.tflite --output=probabilities"


@pytest.fixture(scope="module")
def with_metadata(tmp_path_factory: pytest.TempPathFactory) -> Path:
    model = unpack(sample("dense_float32.tflite"))
    # No CONVERSION_METADATA (as in MediaPipe's files): the embedded command line is the provenance.
    for m in model.metadata or []:
        if m.name in ("CONVERSION_METADATA", b"CONVERSION_METADATA"):
            model.buffers[m.buffer].data = None
    model.metadata = [m for m in model.metadata or [] if m.name not in ("CONVERSION_METADATA", b"CONVERSION_METADATA")]
    for name, data in (("TFLITE_METADATA", build_model_metadata()), (None, _embedded_block(COMMAND))):
        buf = schema.BufferT()
        buf.data = list(data)
        model.buffers.append(buf)
        if name:
            entry = schema.MetadataT()
            entry.name, entry.buffer = name, len(model.buffers) - 1
            model.metadata.append(entry)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("labels.txt", "\n".join(LABELS) + "\n")
    path = tmp_path_factory.mktemp("meta") / "with_metadata.tflite"
    path.write_bytes(pack(model) + archive.getvalue())
    return path


def test_model_metadata_is_decoded_at_tensor_level(with_metadata: Path) -> None:
    meta = read_flatbuffer(with_metadata).metadata_value("TFLITE_METADATA")
    assert (meta["name"], meta["version"], meta["author"], meta["license"]) == (
        "TinyClassifier",
        "v7",
        "tfl-inspect tests",
        "Apache-2.0",
    )
    (sub,) = meta["subgraphs"]
    (tin,) = sub["inputs"]
    assert tin["name"] == "image" and tin["dimension_names"] == ["batch", "pixels"]
    assert tin["content"] == {
        "kind": "image",
        "color_space": "RGB",
        "default_size": {"width": 32, "height": 1},
        "range": {"min": 0, "max": 255},
    }
    assert tin["process_units"] == [{"type": "NormalizationOptions", "mean": [127.5], "std": [127.5]}]
    assert tin["stats"] == {"max": [1.0], "min": [-1.0]}
    assert tin["preprocessing"] == "x = (v - 127.5) / 127.5 (v in [0, 255] → x in [-1, 1])"
    (tout,) = sub["outputs"]
    assert tout["associated_files"][0]["name"] == "labels.txt"
    assert tout["associated_files"][0]["type"] == "TENSOR_AXIS_LABELS"


def test_associated_files_embedded_data_and_provenance(with_metadata: Path) -> None:
    model = read_flatbuffer(with_metadata)
    files = attachments(model)
    assert files is not None and [(a.name, a.lines, a.first[:2]) for a in files] == [
        ("labels.txt", 16, ("class_0", "class_1"))
    ]
    assert files[0].described_as == "TENSOR_AXIS_LABELS for output 'probabilities'"
    io = io_metadata(model)
    assert [(e["role"], e["tensor"], e["name"]) for e in io] == [("input", 0, "image"), ("output", 5, "probabilities")]
    assert io[1]["associated_files"][0]["lines"] == 16 and io[1]["mismatch"] is None
    embedded = {b.embedded["file_identifier"]: b for b in model.buffers if b.embedded}
    assert set(embedded) == {"M001", "MSMD"}
    assert converter_command(model) == COMMAND


def test_inspect_text_and_json_show_metadata(with_metadata: Path) -> None:
    text = run_cli("inspect", with_metadata)
    assert text.code == 0, text.err
    for expected in (
        "TFLite Metadata  'TinyClassifier'; version v7; author tfl-inspect tests; license Apache-2.0",
        "x = (v - 127.5) / 127.5",
        "labels.txt (TENSOR_AXIS_LABELS, 16 entries: class_0, class_1, class_2, class_3, class_4 …)",
        "Associated files (ZIP of",
        f"embedded command line: {COMMAND}",
    ):
        assert expected in text.out, expected
    doc = json.loads(run_cli("inspect", with_metadata, "--format", "json").out)
    jsonschema.validate(doc, schemas.load("inspect"))
    assert doc["attachments"][0]["lines"] == 16
    assert doc["provenance"]["converter_command"] == COMMAND
    assert doc["io_metadata"][0]["preprocessing"].startswith("x = (v - 127.5) / 127.5")


def test_embedded_flatbuffers_are_not_orphaned_buffers(with_metadata: Path) -> None:
    doc = json.loads(run_cli("lint", with_metadata, "--format", "json", "--select", "GRF001").out)
    assert not [f for f in doc["findings"] if "referenced by no tensor" in f["message"]]


def test_label_count_not_matching_the_tensor_is_said(tmp_path: Path, with_metadata: Path) -> None:
    data = with_metadata.read_bytes()
    model = read_flatbuffer(data)
    head = data[: model.size - model.trailing_bytes]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("labels.txt", "left\nright\n")
    path = tmp_path / "mismatch.tflite"
    path.write_bytes(head + archive.getvalue())
    (out_meta,) = [e for e in io_metadata(read_flatbuffer(path)) if e["role"] == "output"]
    assert "has 2 labels in 'labels.txt'" in out_meta["mismatch"]
    assert "shape [1, 16]" in out_meta["mismatch"]


def _mediapipe(name: str) -> Path:
    for p in thirdparty_models():
        if p.name == name:
            return p
    pytest.skip(f"{name} not fetched: run python tests/fetch_models.py")


def test_mediapipe_selfie_segmentation_metadata() -> None:
    model = read_flatbuffer(_mediapipe("selfie_segmentation.tflite"))
    (inp, out) = io_metadata(model)
    assert inp["content"]["color_space"] == "RGB"
    assert inp["preprocessing"] == "x = (v - 0) / 255 (v in [0, 255] → x in [0, 1])"
    assert out["associated_files"][0]["first"] == ["selfie"]
    assert {b.embedded["file_identifier"] for b in model.buffers if b.embedded} == {"SEMD", "MSMD", "M001"}
    assert "keras2tflite" in (converter_command(model) or "")
    lint = json.loads(run_cli("lint", _mediapipe("selfie_segmentation.tflite"), "--format", "json").out)
    assert not [f for f in lint["findings"] if "referenced by no tensor" in f["message"]]


def test_mediapipe_metadata_order_differs_from_tensor_order() -> None:
    """hand_landmark_full lists 'handedness' first, but its first output is the 63 landmark values."""
    model = read_flatbuffer(_mediapipe("hand_landmark_full.tflite"))
    first_out = next(e for e in io_metadata(model) if e["role"] == "output")
    assert first_out["name"] == "handedness"
    assert "shape [1, 63]" in first_out["mismatch"]


def _generated_metadata_schema() -> object:
    """tflite-support's generated accessors, as MediaPipe's wheel ships them (an independent oracle).

    Loaded from the cached wheel at test time, never committed: the reader is checked against code
    generated from the schema by flatc, field for field.
    """
    import sys
    import types

    from tests.conftest import THIRDPARTY

    wheels = sorted((THIRDPARTY / ".wheels" / "mediapipe").glob("*.whl"))
    if not wheels:
        pytest.skip("mediapipe wheel not fetched: run python tests/fetch_models.py")
    with zipfile.ZipFile(wheels[0]) as zf:
        source = zf.read("mediapipe/tasks/metadata/metadata_schema_py_generated.py").decode("utf-8")
    module = types.ModuleType("metadata_schema_py_generated")
    sys.modules[module.__name__] = module  # the generated code looks itself up for nested types
    exec(compile(source, "metadata_schema_py_generated.py", "exec"), module.__dict__)
    return module


def _with_metadata_models() -> list[Path]:
    out = [p for p in thirdparty_models() if read_flatbuffer(p).metadata_value("TFLITE_METADATA")]
    if not out:
        pytest.skip("no third-party model with TFLite Metadata: run python tests/fetch_models.py")
    return out


def _s(value: bytes | None) -> str | None:
    return value.decode("utf-8") if value is not None else None


def test_decoding_agrees_with_the_generated_accessors(with_metadata: Path) -> None:
    gen = _generated_metadata_schema()
    for path in [with_metadata, *_with_metadata_models()]:
        model = read_flatbuffer(path)
        ours = model.metadata_value("TFLITE_METADATA")
        entry = next(e for e in model.metadata if e.name == "TFLITE_METADATA")
        raw = path.read_bytes()
        # locate the buffer's bytes through the generated TFLite schema of ai-edge-litert
        data = bytes(unpack(raw).buffers[entry.buffer].data)
        theirs = gen.ModelMetadataT.InitFromPackedBuf(bytearray(data), 0)  # type: ignore[attr-defined]
        assert ours["name"] == _s(theirs.name) and ours["description"] == _s(theirs.description), path
        assert ours["version"] == _s(theirs.version) and ours["min_parser_version"] == _s(theirs.minParserVersion)
        assert len(ours["subgraphs"]) == len(theirs.subgraphMetadata or [])
        for sub, tsub in zip(ours["subgraphs"], theirs.subgraphMetadata or [], strict=True):
            for side, tside in (("inputs", tsub.inputTensorMetadata), ("outputs", tsub.outputTensorMetadata)):
                assert len(sub[side]) == len(tside or [])
                for t, tt in zip(sub[side], tside or [], strict=True):
                    assert t["name"] == _s(tt.name) and t["description"] == _s(tt.description), (path, side)
                    files = [(f["name"], f["type"]) for f in t["associated_files"]]
                    tfiles = [(_s(f.name), _FILE_TYPE_NAMES[f.type]) for f in tt.associatedFiles or []]
                    assert files == tfiles, (path, side)
                    if tt.content is not None and tt.content.contentProperties is not None:
                        props = tt.content.contentProperties
                        if hasattr(props, "colorSpace"):
                            assert t["content"]["color_space"] == ("UNKNOWN", "RGB", "GRAYSCALE")[props.colorSpace]
                    norms = [p.options for p in tt.processUnits or [] if hasattr(p.options, "mean")]
                    ours_norm = [p for p in t["process_units"] if p["type"] == "NormalizationOptions"]
                    assert [(list(n.mean), list(n.std)) for n in norms] == [(u["mean"], u["std"]) for u in ours_norm]
                    if tt.stats is not None:
                        assert t["stats"]["max"] == list(tt.stats.max if tt.stats.max is not None else [])
                        assert t["stats"]["min"] == list(tt.stats.min if tt.stats.min is not None else [])


_FILE_TYPE_NAMES = {
    0: "UNKNOWN",
    1: "DESCRIPTIONS",
    2: "TENSOR_AXIS_LABELS",
    3: "TENSOR_VALUE_LABELS",
    4: "TENSOR_AXIS_SCORE_CALIBRATION",
    5: "VOCABULARY",
    6: "SCANN_INDEX_FILE",
}
