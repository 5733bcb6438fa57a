"""TFLM's allocation scopes, including control flow walked in place."""

from __future__ import annotations

from tfl_inspect.model import Model, Operator, Subgraph, Tensor
from tfl_inspect.profiling import profile
from tfl_inspect.profiling.lifetimes import lifetimes


def _t(s: int, i: int) -> Tensor:
    return Tensor(s, i, f"t{i}", "FLOAT32", (4,), (4,))


def test_while_body_runs_inside_the_while_scope() -> None:
    # sg0: op0 RELU t0→t1 ; op1 WHILE(t1)→t2 (cond sg1, body sg2) ; op2 RELU t2→t3
    sg0 = Subgraph.build(
        0, "main", tuple(_t(0, i) for i in range(4)),
        (
            Operator(0, 0, "RELU", "RELU", 1, (0,), (1,)),
            Operator(0, 1, "WHILE", "WHILE", 1, (1,), (2,), (), {"cond_subgraph_index": 1, "body_subgraph_index": 2}),
            Operator(0, 2, "RELU", "RELU", 1, (2,), (3,)),
        ),
        (0,), (3,),
    )  # fmt: skip
    sg1 = Subgraph.build(1, "cond", (_t(1, 0), _t(1, 1)), (Operator(1, 0, "LESS", "LESS", 1, (0,), (1,)),), (0,), (1,))
    sg2 = Subgraph.build(2, "body", (_t(2, 0), _t(2, 1)), (Operator(2, 0, "ADD", "ADD", 1, (0,), (1,)),), (0,), (1,))
    life = lifetimes(Model("tflite", 3, "", (sg0, sg1, sg2)))
    # scopes: 0 entry sg0, 1 op0, 2 op1(WHILE), 3 entry cond, 4 LESS, 5 entry body, 6 ADD, 7 op2
    assert [(s.subgraph, s.op) for s in life.steps] == [
        (0, -1),
        (0, 0),
        (0, 1),
        (1, -1),
        (1, 0),
        (2, -1),
        (2, 0),
        (0, 2),
    ]
    assert (life.first[0][1], life.last[0][1]) == (1, 6)  # the WHILE input lives through the body
    assert (life.first[0][2], life.last[0][2]) == (2, 7)
    assert life.op_span[(0, 1)] == (2, 6)
    assert (life.first[2][0], life.last[2][0]) == (5, 6)


def test_unreached_subgraphs_keep_minus_one() -> None:
    sg0 = Subgraph.build(0, "main", (_t(0, 0), _t(0, 1)), (Operator(0, 0, "RELU", "RELU", 1, (0,), (1,)),), (0,), (1,))
    sg1 = Subgraph.build(1, "other", (_t(1, 0), _t(1, 1)), (Operator(1, 0, "RELU", "RELU", 1, (0,), (1,)),), (0,), (1,))
    life = lifetimes(Model("tflite", 3, "", (sg0, sg1)))
    assert life.unreached == (1,)
    assert life.first[1] == [-1, -1] and life.last[1] == [-1, -1]


def test_self_calling_subgraph_does_not_loop_forever() -> None:
    op = Operator(0, 0, "CALL_ONCE", "CALL_ONCE", 1, (), (), (), {"init_subgraph_index": 0})
    sg0 = Subgraph.build(0, "main", (_t(0, 0),), (op,), (0,), (0,))
    life = lifetimes(Model("tflite", 3, "", (sg0,)))
    assert [s.op for s in life.steps] == [-1, 0]


def test_a_call_not_entered_takes_no_scope() -> None:
    # Found by fuzzing (tests/fuzz.py): an IF calling its own subgraph, then more ops. The skipped
    # re-entry took a scope without a step, so every later scope pointed past the plan's timeline.
    ops = (
        Operator(0, 0, "IF", "IF", 1, (0,), (), (), {"then_subgraph_index": 0, "else_subgraph_index": 0}),
        Operator(0, 1, "RELU", "RELU", 1, (0,), (1,)),
    )
    model = Model("tflite", 3, "", (Subgraph.build(0, "main", (_t(0, 0), _t(0, 1)), ops, (0,), (1,)),))
    life = lifetimes(model)
    assert [s.scope for s in life.steps] == list(range(len(life.steps))) == [0, 1, 2]
    assert profile(model).memory.arena_bytes > 0
