"""Option decoding reads every field of every options table, with the values the generated code gives."""

from __future__ import annotations

from pathlib import Path

import pytest
import tflite

import tfl_inspect
from tests.conftest import corpus_files, sample_models
from tfl_inspect.readers import opcodes

_HELPERS = ("AsNumpy", "Length", "IsNone", "BufferHasIdentifier")


def _accessors(cls: type) -> set[str]:
    return {
        name
        for name in vars(cls)
        if name[:1].isupper() and name != "Init" and not name.startswith("GetRootAs") and not name.endswith(_HELPERS)
    }


@pytest.mark.parametrize("enum", [tflite.BuiltinOptions, tflite.BuiltinOptions2], ids=lambda e: e.__name__)
def test_every_field_of_every_options_table_is_decoded(enum: type) -> None:
    for name, value in vars(enum).items():
        if name.startswith("_") or value == 0:
            continue
        spec = opcodes._spec(name)
        assert spec is not None, name
        decoded = {field[0] for field in spec}
        expected = {opcodes._snake(a) for a in _accessors(getattr(tflite, name))}
        assert decoded == expected, name


def _reference(op_table: tflite.Operator) -> dict:
    """Options as the tflite package's own accessors read them."""
    out = {}
    for union_type, union_table, enum in (
        (op_table.BuiltinOptionsType(), op_table.BuiltinOptions(), tflite.BuiltinOptions),
        (op_table.BuiltinOptions2Type(), op_table.BuiltinOptions2(), tflite.BuiltinOptions2),
    ):
        names = {v: k for k, v in vars(enum).items() if not k.startswith("_")}
        cls = getattr(tflite, names.get(union_type, "NONE"), None)
        if not union_type or union_table is None or cls is None:
            continue
        obj = cls()
        obj.Init(union_table.Bytes, union_table.Pos)
        for attr in _accessors(cls):
            if hasattr(cls, attr + "Length"):
                out[opcodes._snake(attr)] = [getattr(obj, attr)(j) for j in range(getattr(obj, attr + "Length")())]
            else:
                value = getattr(obj, attr)()
                if isinstance(value, bytes) or (value is None and attr in _strings(cls)):
                    value = (value or b"").decode()  # an absent string is "" to the kernels
                out[opcodes._snake(attr)] = value
    return out


@pytest.mark.parametrize("path", sample_models() + corpus_files("litert"), ids=lambda p: p.name)
def test_decoded_values_equal_the_generated_accessors(path: Path) -> None:
    try:
        model = tfl_inspect.load(path)
    except tfl_inspect.ModelFormatError:
        pytest.skip("not a readable model")
    fb = tflite.Model.GetRootAs(path.read_bytes(), 0)
    for sg in model.subgraphs:
        g = fb.Subgraphs(sg.index)
        for op in sg.operators:
            ref = _reference(g.Operators(op.index))
            assert set(ref) <= set(op.options) | {"composite_attributes", "custom_attributes"}, op.opcode
            for key, expected in ref.items():
                ours = op.options[key]
                if key.endswith("attributes"):
                    continue  # FlexBuffer: we decode it, the accessors give raw bytes
                enum = opcodes._ENUM_FIELDS.get("".join(p.title() for p in key.split("_")))
                if isinstance(ours, list):
                    ours = [_code(v, enum) for v in ours]
                else:
                    ours = _code(ours, enum)
                assert ours == expected, (op.index, op.opcode, key)


def _strings(cls: type) -> set[str]:
    import inspect

    return {name for name in _accessors(cls) if "_tab.String(" in inspect.getsource(getattr(cls, name))}


def _code(value: object, enum: dict | None) -> object:
    """Map an enum name back to its number so it can be compared with the raw accessor."""
    if isinstance(value, str) and enum:
        reverse = {name: number for number, name in enum.items()}
        return reverse.get(value, value)
    return value
