"""The NPU targets: Qualcomm and Intel against their real compiler plugins, MediaTek and Google Tensor from source.

The agreement tests run LiteRT's ``apply_plugin_main --cmd=partition`` (``make oracles``) over every
sample, PyTorch sample, corpus model, third-party model and converter fixture, many models per plugin
run (:mod:`tests.targets.oracles.npu_batch`), and print the figures; they skip, saying why, where the
plugins cannot run. The other tests need no oracle.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import tfl_inspect
from tests.conftest import CORPUS, ROOT, SAMPLES, corpus_files, run_cli, sample, sample_models, thirdparty_models
from tests.targets.conftest import converter_made
from tests.targets.editing import DTYPE, edited, tensor_t
from tests.targets.npu_agreement import Tally, tally
from tfl_inspect.errors import UsageError
from tfl_inspect.schemas import load as load_schema
from tfl_inspect.targets import compat
from tfl_inspect.targets.base import SubgraphCheck
from tfl_inspect.targets.policies import ConsecutiveRuns

TORCH = SAMPLES / "torch"
DOCS = ROOT / "docs" / "compat.md"
MODEL_SUFFIXES = (".tflite", ".bin", ".lite")


def _report(path: Path | tfl_inspect.Model, target: str, **options: object) -> tfl_inspect.targets.TargetReport:
    model = path if isinstance(path, tfl_inspect.Model) else tfl_inspect.load(path)
    return compat(model, targets=target, **options).targets[target]


# --- the rules --------------------------------------------------------------------------------


def test_upsampling_on_qualcomm_no_builder_and_a_placeholder_shape() -> None:
    t = _report(sample("upsampling_static.tflite"), "qualcomm")
    cpu = {v.index: v.reasons[0] for v in t.operators if not v.supported}
    assert set(cpu) == {0, 1, 6, 7, 11}
    assert cpu[0].code == "UNSUPPORTED_OPERATOR" and "has no op builder" in cpu[0].message
    assert cpu[0].fix and "static" in cpu[0].fix  # SHAPE folds away with static shapes
    assert "RESHAPE" in (cpu[1].fix or "")  # EXPAND_DIMS: the builtin alternative the NPU has
    assert cpu[11].code == "DYNAMIC_TENSOR" and "needs static shapes" in cpu[11].message
    assert "12288 elements" in cpu[11].message and "batch_size=1" in (cpu[11].fix or "")
    # the plugin groups runs of consecutive selected ops: 2-5, 8-10, 12
    assert [p.ops for p in t.partitions] == [(2, 3, 4, 5), (8, 9, 10), (12,)]
    assert t.transitions == 5 and t.title == "Qualcomm NPU (SM8650)"


def test_intel_is_a_type_list() -> None:
    t = _report(sample("upsampling_static.tflite"), "intel")
    cpu = [v for v in t.operators if not v.supported]
    assert [v.opcode for v in cpu] == ["SHAPE", "SHAPE"]
    assert "op type 77" in cpu[0].reasons[0].message
    assert [p.ops for p in t.partitions] == [(1, 2, 3, 4, 5), (7, 8, 9, 10, 11, 12)]


def test_a_fully_quantized_model_is_one_partition_everywhere() -> None:
    report = compat(tfl_inspect.load(sample("dense_int8.tflite")), targets="qualcomm,intel,mediatek,google-tensor")
    for t in report.targets.values():
        assert t.whole_model and len(t.partitions) == 1 and t.transitions == 0, t.name


def test_soc_option_picks_the_vendors_soc_and_names_the_others() -> None:
    model = tfl_inspect.load(sample("dense_int8.tflite"))
    r = compat(model, targets="qualcomm,intel,mediatek,google-tensor", soc="sm8850, ptl")
    titles = {n: t.title for n, t in r.targets.items()}
    assert titles == {
        "qualcomm": "Qualcomm NPU (SM8850)",
        "intel": "Intel NPU (PTL)",
        "mediatek": "MediaTek NPU (MT6989)",
        "google-tensor": "Google Tensor TPU (Tensor_G4)",
    }
    assert r.options["soc"] == "sm8850,ptl"
    assert any("SM8850 (HTP v81)" in n and "SM8650" in n for n in r.targets["qualcomm"].notes)
    with pytest.raises(UsageError, match=r"not one of qualcomm's: SA8255, .*SM8850"):
        compat(model, targets="qualcomm", soc="LNL")
    with pytest.raises(UsageError, match="intel: LNL, PTL"):
        compat(model, targets="qualcomm,intel", soc="SM8650,XYZ")
    with pytest.raises(UsageError, match="not one of the targets'"):
        compat(model, targets="gpu", soc="XYZ")  # no NPU chosen: still checked against every NPU target
    assert compat(model, targets="gpu", soc="SM8450").targets["gpu"].name == "gpu"


def test_cli_soc_errors_exit_2_with_the_vendors_socs() -> None:
    r = run_cli("compat", sample("dense_int8.tflite"), "-t", "qualcomm", "--soc", "SM9999")
    assert r.code == 2 and "SM8650" in r.err and r.err.count("\n") == 1
    r = run_cli("compat", sample("dense_int8.tflite"), "-t", "qualcomm", "--soc", "SM8850")
    assert r.code == 0 and "Qualcomm NPU (SM8850)" in r.out


def test_sixteen_bit_matmul_needs_htp_v73() -> None:
    path = CORPUS / "litert/litert/test/testdata/matmul_quant.tflite"
    if not path.is_file():
        pytest.skip(f"{path} not found (set TFL_INSPECT_SHARED)")
    new = _report(path, "qualcomm", soc="SM8650")
    old = _report(path, "qualcomm", soc="SM8450")
    assert new.whole_model
    refused = [v for v in old.operators if not v.supported]
    assert [v.opcode for v in refused] == ["BATCH_MATMUL", "BATCH_MATMUL"]
    assert "HTP v69" in refused[0].reasons[0].message and "v73" in (refused[0].reasons[0].fix or "")


def test_a_resource_tensor_stops_the_qualcomm_plugin_for_the_whole_model() -> None:
    model = edited(sample("dense_float32.tflite"), lambda m: setattr(tensor_t(m, 0), "type", DTYPE.RESOURCE))
    t = _report(model, "qualcomm")
    assert not t.partitions and t.supported_ops == 0
    assert t.model_reasons[0].code == "MODEL_LIMIT" and "stops on this model" in t.model_reasons[0].message
    assert "RESOURCE" in t.model_reasons[0].message and t.model_reasons[0].fix
    assert all(v.reasons[0].code == "MODEL_LIMIT" for v in t.operators)
    assert _report(model, "intel").partitions  # Intel's partition step looks at no type


def test_a_variable_tensor_stops_every_plugin_in_litert_s_loader() -> None:
    model = edited(sample("dense_float32.tflite"), lambda m: setattr(tensor_t(m, 0), "isVariable", True))
    report = compat(model, targets="qualcomm,intel,mediatek,google-tensor")
    for t in report.targets.values():
        assert t.supported_ops == 0 and "Variable tensors not yet supported" in t.model_reasons[0].message


def test_an_input_of_rank_6_stops_the_intel_plugin() -> None:
    def rank6(m: object) -> None:
        t = tensor_t(m, 0)
        t.shape = [1, 1, 1, 1, *t.shape]
        t.shapeSignature = None

    t = _report(edited(sample("dense_float32.tflite"), rank6), "intel")
    assert t.supported_ops == 0 and "rank 6" in t.model_reasons[0].message


def test_dynamic_range_convolutions_get_the_full_integer_fix_in_the_producer_s_words() -> None:
    t = _report(TORCH / "tv_mobilenet_v3_small_dynamic_int8.tflite", "qualcomm")
    hybrid = [v for v in t.operators if not v.supported]
    assert hybrid and {v.opcode for v in hybrid} <= {"CONV_2D", "DEPTHWISE_CONV_2D"}
    assert all(v.reasons[0].code == "UNSUPPORTED_HYBRID_OPERATOR" for v in hybrid)
    fix = hybrid[0].reasons[0].fix or ""
    assert "static_wi8_ai16" in fix and "keras" not in fix  # 16x8 named, in litert-torch terms
    fc = [v for v in t.operators if v.opcode == "FULLY_CONNECTED"]
    assert fc and all(v.supported for v in fc)  # per-channel int8 weights: the plugin takes them


def test_composite_bodies_are_inlined_or_lowered() -> None:
    model = tfl_inspect.load(TORCH / "gen_decoder_f32.tflite")
    report = compat(model, targets="qualcomm,google-tensor")
    sdpa = [op for op in model.subgraphs[0].operators if op.options.get("name") == "odml.scaled_dot_product_attention"]
    body = dict(sdpa[0].called())["decomposition_subgraph_index"]
    qc, gt = report.targets["qualcomm"], report.targets["google-tensor"]
    # Qualcomm builds no QNN op for SDPA: its body is inlined and every body op goes to the NPU
    # (the body no longer runs as a subgraph of its own either way: it is not counted)
    assert qc.verdict(0, sdpa[0].index).supported and qc.verdict(body, 0) is None
    # Google Tensor lowers SDPA itself: the body never runs
    assert gt.verdict(0, sdpa[0].index).supported
    assert gt.verdict(body, 0) is None  # the body never runs: not counted, and the notes say so
    assert any("odml.scaled_dot_product_attention" in n and "not counted" in n for n in gt.notes)
    assert not any(p.subgraph == body for t in (qc, gt) for p in t.partitions)


def test_consecutive_runs_go_through_an_inlined_body() -> None:
    sg = tfl_inspect.load(sample("upsampling_static.tflite")).subgraphs[0]  # 13 ops
    policy = ConsecutiveRuns()
    check = SubgraphCheck(taken={0, 1, 3, 4, 6, 7, 8, 9, 10, 11, 12})
    check.inlined = {3: (5, (True, False, True))}  # op 3: a composite whose body's middle op stays on the CPU
    check.taken.discard(3)
    placed, trans = policy.placed(sg, check, None)  # type: ignore[arg-type]
    assert placed == [(0, (0, 1)), (5, (0,)), (0, (4,)), (0, (6, 7, 8, 9, 10, 11, 12))]
    assert trans == 6  # 0-1 | 2 | body 0 | body 1 | body 2, 4 | 5 | 6-12
    plain = SubgraphCheck(taken=set(range(13)) - {2, 5})
    assert policy.placed(sg, plain, None) == ([(0, (0, 1)), (0, (3, 4)), (0, tuple(range(6, 13)))], 4)  # type: ignore[arg-type]


def test_mediatek_needs_neuron_types_and_google_tensor_a_deny_list() -> None:
    raw = edited(sample("dense_int8.tflite"), lambda m: setattr(tensor_t(m, 0), "quantization", None))
    t = _report(raw, "mediatek")
    refused = [v for v in t.operators if not v.supported]
    assert refused and "INT8 is supported only quantized" in refused[0].reasons[0].message
    qc = _report(raw, "qualcomm")  # QNN: a plain int8 operand next to quantized ones
    assert [(v.index, v.reasons[0].code) for v in qc.operators if not v.supported] == [
        (0, "UNSUPPORTED_QUANTIZATION_PARAMETERS")
    ]
    t = _report(sample("upsampling_static.tflite"), "google-tensor")
    assert [v.opcode for v in t.operators if not v.supported] == ["SHAPE", "SHAPE"]
    assert "unverified" in tfl_inspect.targets.get("google-tensor").verified


# --- the commands -----------------------------------------------------------------------------


def test_require_lint_and_graph_take_the_npu_targets(tmp_path: Path) -> None:
    assert run_cli("compat", sample("dense_int8.tflite"), "--require", "qualcomm,intel").code == 0
    r = run_cli("compat", sample("upsampling_static.tflite"), "--require", "qualcomm", "-t", "intel")
    assert r.code == 1 and "Qualcomm NPU (SM8650) does not take the whole model" in r.err
    up = sample("upsampling_static.tflite")
    r = run_cli("lint", up, "--target", "qualcomm", "--select", "CMP", "--format", "json")
    (finding,) = json.loads(r.out)["findings"]
    assert r.code == 1 and finding["rule"] == "CMP001" and finding["opcode"] == "SHAPE"
    assert "Qualcomm NPU (SM8650) takes 8 of 13 ops in 3 partition(s)" in finding["message"]
    r = run_cli("lint", sample("upsampling_static.tflite"), "--target", "qualcomm", "--soc", "LNL")
    assert r.code == 2 and "SM8650" in r.err
    out = tmp_path / "g.dot"
    r = run_cli("graph", sample("upsampling_static.tflite"), "--target", "qualcomm", "--soc", "SM8450", "-o", out)
    assert r.code == 0, r.err
    dot = out.read_text(encoding="utf-8")
    assert dot.count("qualcomm: unsupported") == 5 and "has no op builder" in dot


def test_json_names_the_soc_and_validates() -> None:
    up = sample("upsampling_static.tflite")
    r = run_cli("compat", up, "-t", "qualcomm,intel", "--soc", "SA8255", "--format", "json")
    doc = json.loads(r.out)
    jsonschema.validate(doc, load_schema("compat"))
    assert doc["options"]["soc"] == "SA8255"
    assert doc["targets"]["qualcomm"]["title"] == "Qualcomm NPU (SA8255)"
    assert doc["targets"]["intel"]["title"] == "Intel NPU (LNL)"
    assert doc["targets"]["qualcomm"]["cpu_by_reason"] == {"UNSUPPORTED_OPERATOR": 4, "DYNAMIC_TENSOR": 1}


# --- against the compiler plugins ------------------------------------------------------------


@pytest.fixture(scope="session")
def npu_fixtures(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """One converter-made model per QNN condition (tests/targets/make_npu_fixtures.py), made once."""
    from tests.targets.make_npu_fixtures import NAMES

    paths = list(converter_made(tmp_path_factory, "make_npu_fixtures", NAMES).values())
    return paths + _edited_fixtures(paths[0].parent)


def _edited_fixtures(out: Path) -> list[Path]:
    """The int8 sample edited the way hand-made or post-processed files go wrong: an int8 operand without
    quantization parameters next to quantized ones (QNN refuses the op), per-channel scales without their zero
    points (LiteRT's loader refuses the file)."""
    from tests.modeledit import pack, unpack

    def write(name: str, change: Callable[[Any], None]) -> Path:
        m = unpack(sample("dense_int8.tflite"))
        change(m)
        path = out / f"{name}.tflite"
        path.write_bytes(pack(m))
        return path

    def zero_points(m: Any) -> None:
        tensor_t(m, 2).quantization.zeroPoint = []

    return [
        write("int8_input_without_scale", lambda m: setattr(tensor_t(m, 0), "quantization", None)),
        write("int8_output_without_scale", lambda m: setattr(tensor_t(m, 5), "quantization", None)),
        write("per_channel_scales_without_zero_points", zero_points),
    ]


@pytest.fixture(scope="session")
def npu_models(converted: dict[str, Path], npu_fixtures: list[Path]) -> list[Path]:
    """Every model the acceptance names: samples, PyTorch samples, corpus, third-party, converter fixtures."""
    corpus = [p for p in corpus_files() if p.suffix in MODEL_SUFFIXES]
    torch = sorted(TORCH.glob("*.tflite"))
    return [*sample_models(), *torch, *corpus, *thirdparty_models(), *converted.values(), *npu_fixtures]


def _short(path: Path) -> str:
    for base in (CORPUS, ROOT):
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return path.name


def _tally(paths: list[Path], vendor: str, soc: str) -> Tally:
    from tests.targets.oracles.npu import npu_skip_reason
    from tests.targets.oracles.npu_batch import npu_partition_many

    reason = npu_skip_reason(vendor)
    if reason:
        pytest.skip(reason)
    npu_partition_many(paths, vendor, soc)  # fills the verdict cache, many models per plugin run
    t = tally(paths, vendor, soc, _short)
    print("\n" + "\n".join(t.lines()))
    return t


def _listed_in_docs(t: Tally) -> list[str]:
    """Every disagreement (model and opcode) must be listed in docs/compat.md with its cause."""
    text = DOCS.read_text(encoding="utf-8")
    missing = []
    for m in t.decided:
        for row in m.rows:
            if not re.search(rf"{re.escape(Path(m.model).name)}.*{row['opcode']}", text):
                missing.append(f"{m.model} {row['opcode']} #{row['op']}: {row['why']}")
        if not m.partitions_agree and Path(m.model).name not in text:
            missing.append(f"{m.model}: partition count {m.counts}")
    return missing


# With the corpus the plugins decide 229 (Qualcomm) and 245 (Intel) models; without it (a clone without ../shared)
# the samples, PyTorch fixtures, third-party and converter-made models still give dozens.
_DECIDED_AT_LEAST = 200 if corpus_files() else 40


@pytest.mark.parametrize("soc", ["SM8650", "SM8450", "SM8850"])
def test_qualcomm_agrees_with_the_plugin_per_op_and_per_partition(npu_models: list[Path], soc: str) -> None:
    t = _tally(npu_models, "qualcomm", soc)
    assert len(t.decided) >= _DECIDED_AT_LEAST, t.lines()
    assert t.share >= 0.98, t.lines()
    assert all(m.partitions_agree for m in t.decided), [m.counts for m in t.decided if not m.partitions_agree]
    assert not _listed_in_docs(t)


def test_intel_agrees_with_the_plugin_on_every_op(npu_models: list[Path]) -> None:
    t = _tally(npu_models, "intel", "LNL")
    assert len(t.decided) >= _DECIDED_AT_LEAST and t.agree == t.ops, t.lines()
    assert all(m.partitions_agree for m in t.decided)


@pytest.mark.parametrize("vendor, soc", [("qualcomm", "SM8650"), ("intel", "LNL")])
def test_compat_reports_each_plugin_stop(npu_models: list[Path], vendor: str, soc: str) -> None:
    """A run the plugin stops with an error (no verdict) is one compat reports at model level."""
    t = _tally(npu_models, vendor, soc)
    stops = [m for m in t.models if m.status == "no_verdict" and m.message.startswith("apply_plugin exit")]
    stated = [m for m in stops if "no error line" not in m.message]
    assert stated and all(m.we_stop for m in stated), [m.model for m in stated if not m.we_stop]


def test_batched_runs_give_the_single_run_verdicts(tmp_path: Path) -> None:
    from tests.targets.oracles import npu as oracle
    from tests.targets.oracles.npu_batch import _run_batch

    reason = oracle.npu_skip_reason("qualcomm")
    if reason:
        pytest.skip(reason)
    paths = [sample("upsampling_static.tflite"), sample("dense_int8.tflite"), TORCH / "gen_decoder_f32.tflite"]
    batched = _run_batch(paths, "qualcomm", "SM8650")
    assert batched is not None
    for p in paths:
        alone = oracle.NpuVerdict.from_json(oracle._compute(str(p), "qualcomm", "SM8650"))
        got = batched[p]
        assert [(s.index, s.taken, s.cpu, s.partitions) for s in got.subgraphs] == [
            (s.index, s.taken, s.cpu, s.partitions) for s in alone.subgraphs
        ], p.name
