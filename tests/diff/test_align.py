"""Alignment: a float model and its int8 versions line up, by name and, with names gone, by structure."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import sample
from tests.diff.helpers import edited
from tfl_inspect import load
from tfl_inspect.diff.align import align

INT8 = ["int8_float_io.tflite", "int8_int8_io.tflite"]


@pytest.mark.parametrize("other", INT8)
def test_float_and_int8_align_on_95_percent(oracle: Path, other: str) -> None:
    a, b = load(oracle / "float.tflite"), load(oracle / other)
    al = align(a, b)
    assert al.n_activations_a == sum(1 for t in a.subgraphs[0].tensors if not t.is_constant)
    assert al.coverage >= 0.95, (al.coverage, al.unaligned_a)
    # Every pair joins tensors of the same element count (a value, not a coincidence of names).
    for p in al.pairs:
        ta, tb = a.subgraphs[0].tensors[p.a], b.subgraphs[0].tensors[p.b]
        assert ta.shape == tb.shape, (ta.name, tb.name)


def _rename_all(model: object) -> None:
    for sg in model.subgraphs:  # type: ignore[attr-defined]
        for i, t in enumerate(sg.tensors):
            t.name = f"regenerated_{i}".encode()


@pytest.mark.parametrize("other", INT8)
def test_renamed_tensors_still_align_by_structure(oracle: Path, other: str, tmp_path: Path) -> None:
    b_path = edited(oracle / other, tmp_path / "renamed.tflite", _rename_all)
    a, b = load(oracle / "float.tflite"), load(b_path)
    al = align(a, b)
    assert al.coverage >= 0.95, (al.coverage, al.unaligned_a)
    assert {p.how for p in al.pairs} <= {"signature", "structure"}
    # Same answer as with the names: structure found the partners names would have given.
    by_name = {p.a: p.b for p in align(a, load(oracle / other)).pairs}
    assert all(by_name[p.a] == p.b for p in al.pairs)


def test_fused_activation_is_stepped_over(tmp_path: Path) -> None:
    """A standalone RELU in A and the same RELU fused into B's producer: A's RELU output pairs with B's op."""
    src = sample("dense_float32.tflite")
    a = load(src)
    sg = a.subgraphs[0]
    fused = [op for op in sg.operators if op.options.get("fused_activation_function") == "RELU"]
    if not fused:
        pytest.skip("sample has no fused RELU")
    op = fused[0]

    def unfuse(model: object) -> None:
        import numpy as np

        from tests.modeledit import schema

        m = model  # type: ignore[assignment]
        g = m.subgraphs[0]  # type: ignore[attr-defined]
        o = g.operators[op.index]
        o.builtinOptions.fusedActivationFunction = 0
        out = int(o.outputs[0])
        mid = schema.TensorT()
        src_t = g.tensors[out]
        mid.name, mid.shape, mid.type, mid.buffer = b"pre_relu", src_t.shape, src_t.type, 0
        mid.shapeSignature = src_t.shapeSignature
        g.tensors.append(mid)
        o.outputs = np.array([len(g.tensors) - 1], dtype=np.int32)
        code = schema.OperatorCodeT()
        code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.RELU
        code.version = 1
        m.operatorCodes.append(code)  # type: ignore[attr-defined]
        relu = schema.OperatorT()
        relu.opcodeIndex = len(m.operatorCodes) - 1  # type: ignore[attr-defined]
        relu.inputs = np.array([len(g.tensors) - 1], dtype=np.int32)
        relu.outputs = np.array([out], dtype=np.int32)
        g.operators.insert(op.index + 1, relu)
        _rename_all(m)

    unfused = load(edited(src, tmp_path / "unfused.tflite", unfuse))
    # Every name is regenerated too, so only structure can pair them.
    al = align(unfused, a)
    relu_out = sg.operators[op.index].outputs[0]
    pair = [p for p in al.pairs if p.a == relu_out]
    assert pair and pair[0].b == relu_out and pair[0].how == "fused"
    pre_relu = len(unfused.subgraphs[0].tensors) - 1
    assert pre_relu in al.unaligned_a  # B never materialises the value before the activation
    assert al.op_pairs.get(op.index) == op.index
    assert al.coverage >= (al.n_activations_a - 1) / al.n_activations_a


def test_int8_against_float_steps_over_its_own_quantize(oracle: Path) -> None:
    """The other direction: A's QUANTIZE/DEQUANTIZE outputs stand for the float value B holds."""
    a, b = load(oracle / "int8_float_io.tflite"), load(oracle / "float.tflite")
    al = align(a, b)
    assert al.coverage == 1.0, al.unaligned_a_names
    sga = a.subgraphs[0]
    steps = {p.a: p.b for p in al.pairs if p.how == "step"}
    quantize = next(op for op in sga.operators if op.opcode == "QUANTIZE")
    dequantize = next(op for op in sga.operators if op.opcode == "DEQUANTIZE")
    # QUANTIZE's output is the input value; the op before DEQUANTIZE writes the output value.
    assert steps[quantize.outputs[0]] == b.subgraphs[0].inputs[0]
    assert steps[dequantize.inputs[0]] == b.subgraphs[0].outputs[0]


def _densified(src: Path, dst: Path) -> int:
    """``src`` with every DENSIFY replaced by the dense constant LiteRT computes for it."""
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    from tests.modeledit import schema

    it = Interpreter(
        model_path=str(src),
        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        experimental_preserve_all_tensors=True,
    )
    it.allocate_tensors()
    d = it.get_input_details()[0]
    it.set_tensor(d["index"], np.zeros(d["shape"], d["dtype"]))
    it.invoke()
    removed = 0

    def edit(m: object) -> None:
        nonlocal removed
        g = m.subgraphs[0]  # type: ignore[attr-defined]
        keep = []
        for op in g.operators:
            code = m.operatorCodes[op.opcodeIndex]  # type: ignore[attr-defined]
            if max(code.builtinCode, code.deprecatedBuiltinCode) == schema.BuiltinOperator.DENSIFY:
                out = int(op.outputs[0])
                buf = schema.BufferT()
                buf.data = np.frombuffer(np.ascontiguousarray(it.get_tensor(out)).tobytes(), np.uint8)
                m.buffers.append(buf)  # type: ignore[attr-defined]
                g.tensors[out].buffer = len(m.buffers) - 1  # type: ignore[attr-defined]
                removed += 1
            else:
                keep.append(op)
        g.operators = keep

    edited(src, dst, edit)
    return removed


def test_sparse_model_against_its_dense_version(tmp_path: Path) -> None:
    """DENSIFY (and the DEQUANTIZE of float16 weights after it) are stepped over."""
    pytest.importorskip("ai_edge_litert")
    from tests.conftest import require_thirdparty

    sparse = [p for p in require_thirdparty() if p.name == "face_detection_full_range_sparse.tflite"]
    if not sparse:
        pytest.skip("face_detection_full_range_sparse.tflite was not fetched")
    dense = tmp_path / "dense.tflite"
    removed = _densified(sparse[0], dense)
    assert removed > 0
    from tfl_inspect.diff import diff

    r = diff(sparse[0], dense, run=True)
    assert r.contract == ()
    assert r.alignment.coverage >= 0.95
    assert [o.opcode for o in r.structure.ops] == ["DENSIFY"] * removed
    assert all(o.kind == "removed" for o in r.structure.ops)
    assert r.numeric is not None
    assert all(e.max_abs == 0 for e in r.numeric.tensors if e.is_output)
    assert any("sparse in A only" in w.note for w in r.structure.weights)
