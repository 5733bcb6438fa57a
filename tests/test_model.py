"""The model's use-def index, signature names and short reprs."""

from __future__ import annotations

import pytest

import tfl_inspect
from tfl_inspect.errors import ModelFormatError
from tfl_inspect.graph import op_graph, to_networkx
from tfl_inspect.model import Operator, Subgraph, Tensor

from .conftest import corpus_files, sample, sample_models


def _tensor(i: int) -> Tensor:
    return Tensor(0, i, f"t{i}", "FLOAT32", (1,), (1,))


def test_index_gives_producer_and_consumers_once_per_op() -> None:
    ops = (
        Operator(0, 0, "ADD", "ADD", inputs=(0, 0), outputs=(1,)),
        Operator(0, 1, "MUL", "MUL", inputs=(1, -1, 0), outputs=(2,)),
    )
    sg = Subgraph.build(0, "main", tuple(_tensor(i) for i in range(3)), ops, (0,), (2,))
    assert [sg.producer(t) for t in range(3)] == [-1, 0, 1]
    assert sg.consumers(0) == (0, 1)  # ADD reads tensor 0 twice: listed once
    assert sg.consumers(1) == (1,) and sg.consumers(2) == ()
    assert sg.producer(-1) == -1 and sg.consumers(99) == ()
    assert sg.producer_op(2) is ops[1]


@pytest.mark.parametrize("bad", [(0, 5), (-2,)])
def test_build_refuses_operands_out_of_range(bad: tuple[int, ...]) -> None:
    op = Operator(0, 0, "ADD", "ADD", inputs=bad, outputs=(1,))
    with pytest.raises(ModelFormatError, match="out of range"):
        Subgraph.build(0, "main", (_tensor(0), _tensor(1)), (op,), (0,), (1,))


BIG = 2**31 - 1


@pytest.mark.parametrize(
    ("shape", "dtype", "refused"),
    [
        ((BIG, BIG, 0), "FLOAT32", False),  # 2^62 elements, then 0: LiteRT builds it
        ((BIG, BIG), "FLOAT32", False),  # 2^64 - 2^34 bytes: still fits
        ((BIG, BIG), "INT64", True),  # the bytes overflow
        ((BIG, BIG, BIG), "FLOAT32", True),  # the element count overflows
        ((0, BIG, BIG, BIG), "FLOAT32", False),  # 0 first: nothing overflows
        ((7,) * 100_000, "INT8", True),  # a corrupt rank (found by fuzzing: a 84,510-digit size, exit 3)
        ((BIG, BIG, BIG), "STRING", False),  # sized at run time: not checked, as in LiteRT
        ((-1, 4), "FLOAT32", False),  # negative dims are the analyses' unknowns
    ],
)
def test_build_refuses_tensors_whose_size_overflows_64_bits(shape: tuple[int, ...], dtype: str, refused: bool) -> None:
    tensors = (_tensor(0), Tensor(0, 1, "big", dtype, shape, shape))
    if refused:
        with pytest.raises(ModelFormatError, match=r"tensor 1 'big': shape \[.*\] \(\d+ dims\) is too large"):
            Subgraph.build(0, "main", tensors, (), (0,), (0,))
    else:
        Subgraph.build(0, "main", tensors, (), (0,), (0,))


def test_index_agrees_with_networkx_on_every_model() -> None:
    paths = sample_models() + [p for p in corpus_files() if p.suffix in (".tflite", ".bin")][:60]
    for path in paths:
        try:
            model = tfl_inspect.load(path)
        except tfl_inspect.TflInspectError:
            continue
        g = to_networkx(model)
        assert to_networkx(model) is g  # cached
        for sg in model.subgraphs:
            og = op_graph(model, sg.index)
            for t in range(len(sg.tensors)):
                preds = [n for n in g.predecessors(f"tensor:{sg.index}:{t}") if n.startswith("op:")]
                want = sg.producer(t)
                assert (want >= 0) == bool(preds), (path, t)
                if want >= 0:
                    assert f"op:{sg.index}:{want}" in preds
                succs = sorted(
                    {
                        int(n.rsplit(":", 1)[1])
                        for _, n, d in g.out_edges(f"tensor:{sg.index}:{t}", data=True)
                        if d["role"] == "input"
                    }
                )
                assert list(sg.consumers(t)) == succs, (path, t)
            for op in sg.operators:
                for c in og.successors(op.index):
                    assert any(c in sg.consumers(t) for t in op.outputs)


def test_io_names_follow_the_signatures() -> None:
    model = tfl_inspect.load(sample("multi_io.tflite"))
    sig = model.signatures[0]
    for name, t in sig.inputs.items():
        assert model.io_name(0, t, "input") == tfl_inspect.IoName(sig.key, "input", name)
    for name, t in sig.outputs.items():
        assert model.io_name(0, t).name == name  # type: ignore[union-attr]
    assert model.io_names(5) == {}


def test_reprs_are_short() -> None:
    model = tfl_inspect.load(sample("dense_int8.tflite"))
    text = repr(model)
    assert text.startswith("<Model ") and "3 ops" in text and "serving_default" in text
    sg = model.subgraphs[0]
    assert repr(sg).startswith("<Subgraph 0 'main': 3 ops")
    assert repr(sg.tensors[0]) == "<Tensor 0:0 'serving_default_features:0' int8[?,32] q(scale=0.02732, zp=15)>"
    assert repr(sg.operators[0]).startswith("<Operator 0:0 FULLY_CONNECTED v4 in=[0, 2, -1]")
    for path in sample_models():
        m = tfl_inspect.load(path)
        assert len(repr(m)) < 300
        assert all(len(repr(sg)) < 400 for sg in m.subgraphs)


def test_every_command_looks_a_signature_up_the_same_way(tmp_path) -> None:
    """shapes, profile, compat, graph and fix name the signatures there are, with the same words."""
    from tests.conftest import run_cli
    from tfl_inspect.errors import UsageError

    model = tfl_inspect.load(sample("multi_io.tflite"))
    assert model.require_signature("serving_default").subgraph == 0
    with pytest.raises(UsageError) as exc:
        model.require_signature("nope\n")  # a name from the command line is escaped like one from a model
    assert "\n" not in str(exc.value) and str(exc.value).endswith("in this model (signatures: serving_default)")
    path = sample("multi_io.tflite")
    for argv in (
        ["shapes", path],
        ["profile", path],
        ["compat", path],
        ["graph", path, "-o", str(tmp_path / "g.dot")],
        ["fix", path, "-o", str(tmp_path / "o.tflite")],
    ):
        r = run_cli(*argv, "--signature", "nope")
        assert r.code == 2 and r.err.strip().endswith("no signature 'nope' in this model (signatures: serving_default)")
