"""The MLIR parser on real converter/Analyzer output: forms, types, attributes, locations, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES, run_cli
from tfl_inspect.errors import MlirSyntaxError, ModelFormatError
from tfl_inspect.readers.mlir import parse_document
from tfl_inspect.readers.mlir.errortext import parse_converter_text
from tfl_inspect.readers.mlir.ir import DenseElements, DenseResource, FunctionType, Operation, QuantType, TensorType
from tfl_inspect.readers.mlir.parser import Parser, parse_module

FIXTURES = ROOT / "tests" / "fixtures_mlir"


def _ops(path: Path, func: int = 0) -> list[Operation]:
    module = parse_document(path).module
    assert module is not None
    return module.functions()[func].regions[0].blocks[0].operations


def test_analyzer_output_parses_past_its_header() -> None:
    module = parse_document(FIXTURES / "dense_int8.analyzer.mlir").module
    assert module is not None
    (func,) = module.functions()
    assert func.attr("sym_name") == "main"
    assert module.module_attributes()["tfl.schema_version"] == 3
    entry = func.attributes["tf.entry_function"]
    assert entry["inputs"] == "serving_default_features:0"


def test_per_axis_quantized_type_keeps_every_scale_and_the_storage_range() -> None:
    weights = next(op for op in _ops(FIXTURES / "dense_int8.analyzer.mlir") if op.name == "tfl.pseudo_qconst")
    typ = weights.result_types[0]
    assert isinstance(typ, TensorType) and typ.shape == (64, 32)
    q = typ.element
    assert isinstance(q, QuantType)
    assert (q.storage, q.expressed, q.axis, q.storage_min, q.storage_max) == ("i8", "f32", 0, -127, 127)
    assert len(q.scales) == 64 and q.zero_points == (0,) * 64
    assert q.scales[0] == pytest.approx(0.00195665517821908)
    assert isinstance(weights.attr("value"), DenseResource) and weights.attr("value").name == "__elided__"


def test_per_tensor_quantized_type_and_function_signature() -> None:
    module = parse_document(FIXTURES / "dense_int8.analyzer.mlir").module
    assert module is not None
    ftype = module.functions()[0].attr("function_type").type
    assert isinstance(ftype, FunctionType)
    (arg,) = ftype.inputs
    assert arg.shape == (None, 32)
    assert arg.element.scales == (0.027315523475408554,) and arg.element.zero_points == (15,)


def test_one_type_custom_form_and_regions_calling_functions() -> None:
    ops = _ops(FIXTURES / "nested_while.analyzer.mlir", 1)  # @while_cond
    mul = ops[0]
    assert mul.name == "tfl.mul" and mul.operands == ["%arg0", "%arg0"]
    assert [str(t) for t in mul.operand_types] == ["tensor<f32>", "tensor<f32>"]
    assert mul.attributes["fused_activation_function"] == "NONE"
    loop = _ops(FIXTURES / "nested_while.analyzer.mlir")[0]
    assert loop.name == "tfl.while" and len(loop.regions) == 2
    call = loop.regions[0].blocks[0].operations[0]
    assert call.name == "func.call" and call.attr("callee").name == "while_cond"
    assert loop.regions[0].blocks[0].arguments[0][0] == "%arg1"


def test_generic_function_with_block_arguments_from_an_error_message() -> None:
    text = (SAMPLES / "upsampling_dynamic.error.txt").read_text()
    conv = parse_converter_text(text)
    assert conv.module is not None
    (func,) = conv.module.functions()
    assert func.attr("sym_name") == "main"
    block = func.regions[0].blocks[0]
    assert block.label == "^bb0" and str(block.arguments[0][1]) == "tensor<?x?x?x3xf32>"
    assert func.attr("arg_attrs")[0]["tf_saved_model.index_path"] == ["image"]
    conv2d = next(op for op in block.operations if op.name == "tf.Conv2D")
    assert conv2d.results == ["%29"] and conv2d.attributes["device"] == ""
    assert conv2d.properties["strides"] == [1, 1, 1, 1]


def test_error_lines_carry_locations_and_the_failing_operation() -> None:
    conv = parse_converter_text((SAMPLES / "upsampling_dynamic.error.txt").read_text())
    first = conv.errors[0]
    assert first.headline == "'tf.Conv2D' op is neither a custom op nor a flex op"
    assert first.loc is not None and first.loc.kind == "callsite"
    assert first.loc.node_names()[0] == "upsample_conv_1/conv_1/convolution"
    snippets = [d.operation for d in conv.diagnostics if d.operation is not None and d.operation.name == "tf.Conv2D"]
    assert snippets and snippets[0].results == ["%29"]
    assert str(snippets[0].operand_types[0]) == "tensor<?x?x?x?xf32>"


def test_location_aliases_defined_after_use_resolve() -> None:
    """Real `show_debug_info` output: `loc(#loc223)` with `#loc223 = loc(fused[...callsite...])` at the end."""
    ops = _ops(FIXTURES / "dense.tf_debuginfo.mlir")
    matmul = next(op for op in ops if op.name == "tf.MatMul")
    assert matmul.loc is not None and matmul.loc.kind == "fused"
    assert matmul.loc.node_names() == ["tiny_1/dense_1/MatMul"]
    files = [n for n in matmul.loc.names() if n.endswith(".py")]
    assert files, "the callsite's Python frames (file locations) are kept"


@pytest.mark.parametrize(
    ("text", "shape", "element"),
    [
        ("tensor<?x?x3xf32>", (None, None, 3), "f32"),
        ("tensor<*xf32>", None, "f32"),
        ("tensor<i32>", (), "i32"),
        ("tensor<0x!quant.uniform<i16:f32, 5.2e-06>>", (0,), "!quant.uniform<i16:f32, 5.2e-06>"),
        ("tensor<1x!tf_type.string>", (1,), "!tf_type.string"),
        ("tensor<4xcomplex<f32>>", (4,), "complex<f32>"),
    ],
)
def test_tensor_types(text: str, shape: tuple | None, element: str) -> None:
    typ = Parser(text).type()
    assert isinstance(typ, TensorType)
    assert typ.shape == shape and str(typ.element) == element
    assert str(typ) == text


def test_calibrated_type_carries_min_and_max() -> None:
    typ = Parser("tensor<1x2x!quant.calibrated<f32<-0.5:0.75>>>").type()
    assert (typ.element.min, typ.element.max) == (-0.5, 0.75)


@pytest.mark.parametrize(
    ("attr", "values", "splat"),
    [
        ("dense<[[1, 2], [3, -4]]> : tensor<2x2xi32>", (1, 2, 3, -4), False),
        ("dense<2.500000e-01> : tensor<3xf32>", (0.25,), True),
        ("dense<[true, false]> : tensor<2xi1>", (True, False), False),
        ("dense<> : tensor<0xi32>", (), False),
    ],
)
def test_dense_values(attr: str, values: tuple, splat: bool) -> None:
    value = Parser(attr).attribute()
    assert isinstance(value, DenseElements)
    assert value.values == values and value.splat == splat


def test_hex_dense_and_dialect_attributes() -> None:
    value = Parser('dense<"0x0000803F00000040"> : tensor<2xf32>').attribute()
    assert value.hex == "0000803F00000040"
    assert Parser("#tfl<mirror_pad_attr REFLECT>").attribute().value == "REFLECT"
    assert Parser('#tfl<const_bytes : "0x4142">').attribute().value == b"AB"


def test_multi_result_ops_and_their_uses() -> None:
    text = """
    func.func @f(%arg0: tensor<4xf32>) -> tensor<2xf32> {
      %0 = "tfl.pseudo_const"() <{value = dense<0> : tensor<i32>}> : () -> tensor<i32>
      %1:2 = "tfl.split"(%0, %arg0) <{num_splits = 2 : i32}>
          : (tensor<i32>, tensor<4xf32>) -> (tensor<2xf32>, tensor<2xf32>)
      %2 = tfl.add %1#0, %1#1 {fused_activation_function = "NONE"} : tensor<2xf32>
      return %2 : tensor<2xf32>
    }
    """
    module = parse_module(text)
    ops = module.functions()[0].regions[0].blocks[0].operations
    assert ops[1].results == ["%1#0", "%1#1"]
    assert ops[2].operands == ["%1#0", "%1#1"]


MALFORMED = [
    ('func.func @f() {\n  %0 = "tfl.relu"(%x) : (tensor<1xf32>) -> tensor<1xf32>\n', 3, "unterminated region"),
    ("func.func @f(%a: tensor<2xf32>) {\n  return %a tensor<2xf32>\n}\n", 2, "expected ':'"),
    ("module {\n  func.func @f(%a: tensor<2x>) {\n    return\n  }\n}\n", 2, "expected a type"),
    ("module {\n  func.func @f(%a: tensor<2xq8>) {\n    return\n  }\n}\n", 2, "unknown type 'q8'"),
    ('"tfl.add"(%a, %b) <{x = 1 : i32} : (tensor<f32>) -> tensor<f32>\n', 1, "expected '>'"),
    # Found by fuzzing (tests/fuzz.py): dims after '*' were appended to no list (exit 3).
    ("func.func @f(%a: tensor<*x?xf32>) {\n  return\n}\n", 1, "'*' (unranked) must be the only dimension"),
    ("func.func @f(%a: tensor<2x*xf32>) {\n  return\n}\n", 1, "'*' (unranked) must be the only dimension"),
    # Found by fuzzing: the fast path took '3?' for a dimension (int('3?'): ValueError, exit 3).
    ("func.func @f(%a: tensor<3?x4xf32>) {\n  return\n}\n", 1, "expected 'x' after a dimension"),
]


@pytest.mark.parametrize(("text", "line", "words"), MALFORMED)
def test_malformed_mlir_reports_line_and_column(text: str, line: int, words: str) -> None:
    with pytest.raises(MlirSyntaxError) as info:
        parse_module(text, "bad.mlir")
    assert info.value.line == line and info.value.column >= 1
    assert words in str(info.value)
    assert str(info.value).startswith(f"bad.mlir: {line}:")


def test_malformed_file_is_one_line_exit_2_without_traceback() -> None:
    path = FIXTURES / "malformed.mlir"
    bad = path.read_text().splitlines()[3]
    result = run_cli("inspect", path)
    assert result.code == 2 and result.out == ""
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert f"malformed.mlir: 4:{bad.index('q32') + 1}: unknown type 'q32'" in result.err


def test_empty_analyzer_output_is_a_clear_error() -> None:
    with pytest.raises(ModelFormatError, match="Analyzer printed nothing"):
        parse_document(b"=== /x/model.tflite ===\n\n")
