"""Inferred shapes against the official LiteRT interpreter, on every model it can allocate.

For each model: the recorded input shapes, a changed batch, a changed spatial size (NHWC
H and W, or the sequence axis) and an odd size. The interpreter resizes, allocates and
invokes once on zeros (so tensors it sizes only at run time get their shapes); it runs in
child processes because some models abort it. Compared: tensors produced by ops that have
a rule and whose inferred shape is fully known. Data-dependent shapes (a RESHAPE target or
TOPK k read from an input) stay -1 and are counted as ``unknown``, not compared.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

import tfl_inspect
from tests.conftest import INTERPRETER_REFUSES, corpus_files, in_corpus, needs_corpus, sample_models, thirdparty_models
from tfl_inspect.shapes import engine
from tfl_inspect.shapes.engine import run
from tfl_inspect.shapes.infer import select_subgraph
from tfl_inspect.shapes.types import ShapeResult
from tfl_inspect.shapes.verify import Verification, compare, run_batch

pytest.importorskip("ai_edge_litert", reason="ai-edge-litert not installed")

Shape = tuple[int, ...]


@dataclass
class Case:
    path: Path
    label: str
    result: ShapeResult
    verification: Verification | None = None


def _variants(model: tfl_inspect.Model) -> tuple[int, str | None, list[tuple[str, dict[int, Shape]]]]:
    s, sig = select_subgraph(model, None)
    sg = model.subgraphs[s]
    rec = {i: tuple(sg.tensors[i].shape) for i in sg.inputs if i >= 0}
    batch = {i: ((3 if sh[0] == 2 else 2), *sh[1:]) if sh else sh for i, sh in rec.items()}
    spatial, odd = {}, {}
    for i, sh in rec.items():
        if len(sh) == 4 and sh[1] * sh[2] <= 1_000_000:
            spatial[i] = (sh[0], 2 * sh[1], 2 * sh[2], sh[3])
            odd[i] = (3, sh[1] + 3, sh[2] + 1, sh[3])
        elif len(sh) == 3:
            spatial[i] = (sh[0], 2 * sh[1], sh[2])
            odd[i] = (sh[0] + 1, sh[1] + 3, sh[2])
        else:
            spatial[i] = sh
            odd[i] = (sh[0] + 2, *sh[1:]) if len(sh) == 2 else sh
    out = [("recorded", rec)]
    out += [(label, v) for label, v in (("batch", batch), ("spatial", spatial), ("odd", odd)) if v != rec]
    return s, (sig.key if sig else None), out


def _run_cases(models: list[tuple[Path, list[tuple[str, dict[int, Shape]]]]], *, invoke: bool = True) -> list[Case]:
    """Infer (rule bugs raise) and ask the interpreter, all children batched."""
    cases, requests = [], []
    engine._STRICT = True
    try:
        for path, variants in models:
            model = tfl_inspect.load(path)
            s, sig = select_subgraph(model, None)
            sg = model.subgraphs[s]
            for label, given in variants:
                result = run(model, s, given, sig.key if sig else None)
                size = sum(
                    math.prod(max(d, 1) for d in (result.shapes[t.index] or ()))
                    for t in sg.tensors
                    if not t.is_constant
                )
                loops = any(op.opcode == "WHILE" for op in sg.operators)
                cases.append(Case(path, label, result))
                requests.append(
                    {
                        "model": str(path),
                        "subgraph": s,
                        "inputs": {str(k): list(v) for k, v in given.items()},
                        "graph_inputs": [i for i in sg.inputs if i >= 0],
                        "invoke": invoke and size < 20_000_000 and not loops,  # huge static models: allocate only
                    }
                )
    finally:
        engine._STRICT = False
    for case, report in zip(cases, run_batch(requests, timeout=120), strict=True):
        case.verification = compare(case.result, report)
    return cases


@pytest.fixture(scope="module", params=["samples+thirdparty", pytest.param("corpus", marks=needs_corpus)])
def corpus_cases(request: pytest.FixtureRequest) -> tuple[list[Case], list[str]]:
    """The cases of one part: the samples and third-party models (everywhere), or the corpus with the samples."""
    if request.param == "corpus":
        paths = [*corpus_files("litert"), *sample_models()]
    else:
        paths = [*sample_models(), *thirdparty_models()]
    models = []
    for path in paths:
        if path.name in INTERPRETER_REFUSES:
            continue
        model = tfl_inspect.load(path)
        if not model.subgraphs:
            continue
        models.append((path, _variants(model)[2]))
    cases = _run_cases(models)
    # A model that allocates but whose invoke fails on any data (string inputs, a missing
    # buffer) is compared after allocate_tensors only.
    no_run = {c.path for c in cases if c.label == "recorded" and c.verification.stage == "invoke"}
    if no_run:
        redo = _run_cases([m for m in models if m[0] in no_run], invoke=False)
        cases = [c for c in cases if c.path not in no_run] + redo
    # Only models the interpreter can allocate at their recorded shapes count.
    refused = {c.path for c in cases if c.label == "recorded" and not c.verification.interpreter_ok}
    return [c for c in cases if c.path not in refused], sorted(p.name for p in refused)


def _figures(cases: list[Case]) -> tuple[int, int, int]:
    agree = sum(c.verification.agree for c in cases)
    total = sum(c.verification.total for c in cases)
    unknown = sum(c.verification.unknown for c in cases)
    return agree, total, unknown


def test_inferred_shapes_agree_with_the_interpreter_on_the_corpus(corpus_cases) -> None:
    cases, refused = corpus_cases
    corpus = any(in_corpus(c.path) for c in cases)
    agree, total, unknown = _figures(cases)
    figure = (
        f"shape agreement with LiteRT: {agree}/{total} tensors = {agree / total:.2%} "
        f"over {len({c.path for c in cases})} models x {Counter(c.label for c in cases)} input variants; "
        f"{unknown} data-dependent tensors left unknown; {len(refused)} models excluded because the "
        f"interpreter cannot allocate them as recorded: {', '.join(refused)}"
    )
    print("\n" + figure)
    mismatches = [(c.path.name, c.label, m) for c in cases for m in c.verification.mismatches]
    assert total > (1000 if corpus else 100), figure
    assert agree / total >= 0.99, f"{figure}\n{mismatches[:20]}"


def test_every_shape_the_interpreter_refuses_is_reported_as_a_failure(corpus_cases) -> None:
    cases, _ = corpus_cases
    refused = [c for c in cases if not c.verification.interpreter_ok]
    missed = [(c.path.name, c.label, c.verification.error) for c in refused if c.result.ok]
    same_op = sum(1 for c in refused if c.result.failure and c.result.failure.op == c.verification.failed_op)
    print(
        f"\ninterpreter refused {len(refused)} variants; inference reported {len(refused) - len(missed)}, "
        f"{same_op} at the same op"
    )
    assert len(refused) > (20 if any(in_corpus(c.path) for c in cases) else 0)  # the variants probe the limits
    assert not missed


def test_no_failure_is_reported_where_the_interpreter_checks_and_accepts(corpus_cases) -> None:
    cases, _ = corpus_cases
    false_alarms = [
        (c.path.name, c.label, c.result.failure.text)
        for c in cases
        if c.verification.interpreter_ok and c.result.failure and c.result.failure.runtime_checks
    ]
    assert not false_alarms


def test_classifier_sample_agrees_with_the_interpreter_on_both_answers() -> None:
    path = next((p for p in sample_models() if p.name == "classifier_flatten.tflite"), None)
    if path is None:
        pytest.skip("sample classifier_flatten not generated")
    model = tfl_inspect.load(path)
    rec = model.subgraphs[0].tensors[model.subgraphs[0].inputs[0]].shape
    larger = (1, 2 * rec[1], 2 * rec[2], rec[3])
    eight = (8, *rec[1:])
    bad, good = _run_cases([(path, [("larger", {0: larger}), ("batch8", {0: eight})])])
    assert not bad.result.ok and not bad.verification.interpreter_ok
    assert bad.verification.failed_op == bad.result.failure.op  # the Flatten RESHAPE, at invoke
    assert good.result.ok and good.verification.interpreter_ok
    assert good.verification.total > 0 and good.verification.agree == good.verification.total


@pytest.mark.slow
def test_converter_built_models_agree_across_many_input_sizes(tmp_path_factory) -> None:
    pytest.importorskip("tensorflow", reason="TensorFlow not installed")
    from tests.shapes.tf_models import TENSORS_SHAPES, VISION_SHAPES, build

    paths = build(tmp_path_factory.mktemp("tf_models"))
    cases = _run_cases(
        [
            (paths["vision"], [(str(s), {0: s}) for s in VISION_SHAPES]),
            (paths["tensors"], [(str(s), {0: s, 1: k}) for s, k in TENSORS_SHAPES]),
        ]
    )
    agree, total, unknown = _figures(cases)
    print(f"\nconverter-built models: {agree}/{total} tensors agree, {unknown} unknown")
    for c in cases:
        v = c.verification
        assert v.consistent, (c.path.name, c.label, v.verdict, c.result.failure, v.error, v.mismatches)
    assert agree == total and total > 200
    covered = set()
    for c in cases:
        ops = c.result.model.subgraphs[0].operators
        covered |= {ops[i].opcode for i in c.result.inferred_ops}
    from tests.shapes.test_rules import ISSUE_OPS

    exercised = {op for op in ISSUE_OPS if op in covered}
    assert len(exercised) >= 35, sorted(set(ISSUE_OPS) - covered)
    assert {c.result.ok for c in cases} == {True, False}  # sizes that work and sizes that do not
