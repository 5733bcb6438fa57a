"""How far ``compat -t gpu`` is from LiteRT's GPU accelerator, and what the NPU plugins say, per op.

``python -m tests.targets.measure_oracles [--npu] [--socs SM8650,...] [--json OUT] [MODEL ...]``
(from the repository root; default models: samples/*.tflite and samples/torch/*.tflite, every model file
of ../shared/corpus/litert (``$TFL_INSPECT_SHARED/corpus/litert`` from a worktree) and tests/data/thirdparty;
``--fixtures DIR`` adds the converter fixtures of make_fixtures.py and make_gpu_fixtures.py, made with
TensorFlow). Needs ``make oracles``; verdicts are cached
under tests/data/oracle_cache, so a second run takes seconds. Run it with ``nice``: a first run
takes a few seconds per model.

GPU: per op, ours = the op is in a partition ``compat`` keeps; the oracle's = the accelerator
takes it. A DEQUANTIZE of constant float16 weights is absorbed (the partition helper folds it
into its consumer) and is not counted. A model the accelerator refuses as a whole counts every
op as CPU. Disagreements are grouped by opcode, direction and the accelerator's reason for that
op type ("(no reason logged)": an op type it supports, so the op sat in a partition it dropped).
NPU (``--npu``, samples/torch added): ``compat -t qualcomm``/``-t intel`` against the plugin's partition per op
and per subgraph (tests/targets/npu_agreement.py), then the plugin's own figures and reasons.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tfl_inspect
from tests.conftest import CORPUS, ROOT, SAMPLES, THIRDPARTY
from tests.targets.npu_agreement import tally as npu_tally
from tests.targets.oracles.gpu import NO_VERDICT, REFUSED, GpuVerdict, gpu_skip_reason, gpu_verdict, gpu_verdicts
from tests.targets.oracles.npu import VENDORS, NpuVerdict, npu_partition, npu_skip_reason
from tests.targets.oracles.npu_batch import npu_partition_many
from tfl_inspect.targets import compat

MODEL_SUFFIXES = (".tflite", ".bin", ".lite")
WE_GPU, WE_CPU = "we GPU, accelerator CPU", "we CPU, accelerator GPU"


def default_models() -> list[Path]:
    found = sorted(SAMPLES.glob("*.tflite")) + sorted((SAMPLES / "torch").glob("*.tflite"))
    for base in (CORPUS / "litert", THIRDPARTY):
        if base.is_dir():
            found += sorted(p for p in base.rglob("*") if p.is_file() and p.suffix in MODEL_SUFFIXES)
    return found


def make_fixtures(out: Path) -> list[Path]:
    """The compat tests' converter-made models (tests/targets/make_fixtures.py and make_gpu_fixtures.py),
    made once into ``out`` and ``out/gpu``."""
    import os
    import subprocess

    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    for script, where in (("make_fixtures", out), ("make_gpu_fixtures", out / "gpu")):
        if not any(where.glob("*.tflite")):
            cmd = [sys.executable, "-m", f"tests.targets.{script}", str(where)]
            subprocess.run(cmd, cwd=ROOT, env=env, check=True, timeout=1200)
    return sorted(out.glob("*.tflite")) + sorted((out / "gpu").glob("*.tflite"))


def short(path: Path) -> str:
    for base in (CORPUS, ROOT):
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return str(path)


def absorbed(sg: Any, op: Any) -> bool:
    """A DEQUANTIZE of constant float16 weights: folded into its consumer, not an op of its own."""
    if op.builtin != "DEQUANTIZE" or not op.inputs or op.inputs[0] < 0:
        return False
    t = sg.tensors[op.inputs[0]]
    return t.dtype == "FLOAT16" and t.is_constant


@dataclass
class GpuTally:
    files: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    no_verdict: list[tuple[str, str]] = field(default_factory=list)
    decided: int = 0
    refused: list[str] = field(default_factory=list)
    refused_agree: list[str] = field(default_factory=list)
    we_refuse_only: list[str] = field(default_factory=list)
    ops: int = 0
    agree: int = 0
    absorbed: int = 0
    skipped_subgraphs: int = 0
    full: int = 0
    kinds: dict[tuple[str, str, str], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    ours: dict[tuple[str, str, str], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    per_model: list[dict[str, Any]] = field(default_factory=list)


def _scrub(text: str, names: list[str]) -> str:
    """Tensor names out (they make every model's reason unique), one line."""
    for n in sorted((n for n in names if n and len(n) > 2), key=len, reverse=True):
        if n in text:
            text = text.replace(n, "<tensor>")
    return re.sub(r"#\d+", "#N", text.replace("\n", " "))


def decompositions_taken(model: Any, verdict: GpuVerdict) -> set[int]:
    """Decomposition subgraphs of composites the accelerator takes: it lowers those itself and marks the
    subgraph skippable (model_builder.cc BuildModel), so their ops never run. With every node excluded
    the oracle still logs them; they are not counted.
    """
    todo = []
    for sub in verdict.subgraphs:
        ops = model.subgraphs[sub.index].operators
        todo += [ref for i in sub.taken if ops[i].builtin == "STABLEHLO_COMPOSITE" for _, ref in ops[i].called()]
    seen: set[int] = set()
    while todo:
        s = todo.pop()
        if s not in seen and 0 <= s < len(model.subgraphs):
            seen.add(s)
            todo += [ref for op in model.subgraphs[s].operators for _, ref in op.called()]
    return seen


def _reason(verdict: GpuVerdict, s: int, opcode: str, names: list[str]) -> str:
    sub = verdict.subgraph(s)
    found = sub.reasons.get(opcode) if sub is not None else None
    if not found:
        return "(no reason logged)"
    return " | ".join(sorted({_scrub(r, names) for r in found}))


def measure_gpu(model_path: Path, tally: GpuTally) -> None:
    tally.files += 1
    name = short(model_path)
    try:
        model = tfl_inspect.load(model_path)
        report = compat(model, targets="gpu").targets["gpu"]
    except Exception as exc:  # a file we cannot read is reported, not measured
        tally.unreadable.append((name, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"))
        return
    verdict = gpu_verdict(model_path)
    if verdict.status == NO_VERDICT:
        tally.no_verdict.append((name, verdict.message.splitlines()[0] if verdict.message else "?"))
        return
    tally.decided += 1
    we_refuse = any(r.code == "DYNAMIC_TENSOR" for r in report.model_reasons)
    ours = {(v.subgraph, v.index): v for v in report.operators}
    if verdict.status == REFUSED:
        tally.refused.append(name)
        if we_refuse:
            tally.refused_agree.append(name)
        subgraphs = [sg.index for sg in model.subgraphs if not (sg.name or "").startswith("VALIDATION:")]
    else:
        if we_refuse:
            tally.we_refuse_only.append(name)
        skip = decompositions_taken(model, verdict)
        tally.skipped_subgraphs += len(skip)
        subgraphs = [s.index for s in verdict.subgraphs if s.index not in skip]
    agree = total = 0
    rows = []
    for s in subgraphs:
        sg = model.subgraphs[s]
        sub = verdict.subgraph(s)
        taken = sub.taken if sub is not None else frozenset()
        names = [t.name for t in sg.tensors]
        for op in sg.operators:
            if absorbed(sg, op):
                tally.absorbed += 1
                continue
            v = ours.get((s, op.index))
            we = v is not None and v.supported
            they = op.index in taken
            total += 1
            if we == they:
                agree += 1
                continue
            direction = WE_GPU if we else WE_CPU
            if we or v is None or not v.reasons:
                why = verdict.message if verdict.status == REFUSED else _reason(verdict, s, op.opcode, names)
            else:  # the accelerator logs no reason for an op it takes: show ours
                why = "ours: " + _scrub(v.reasons[0].message, names)
            if verdict.status == REFUSED:
                why = "whole model refused: " + re.sub(r"tensor#\d+", "tensor#N", why)
            kind = (op.opcode, direction, why)
            tally.kinds[kind][name] += 1
            code = v.reasons[0].code if v is not None and v.reasons else "-"
            tally.ours[kind][code] += 1
            rows.append({"subgraph": s, "op": op.index, "opcode": op.opcode, "ours": we, "oracle": they, "why": why})
    tally.ops += total
    tally.agree += agree
    refusal_ok = (verdict.status == REFUSED) == we_refuse
    if agree == total and refusal_ok:
        tally.full += 1
    tally.per_model.append(
        {
            "model": name,
            "status": verdict.status,
            "ops": total,
            "agree": agree,
            "we_refuse": we_refuse,
            "disagreements": rows,
        }
    )


def print_gpu(t: GpuTally, out: Any) -> None:
    p = 100.0 * t.agree / t.ops if t.ops else 0.0
    print("== GPU: compat -t gpu vs LiteRT 2.3.0's GPU accelerator (WebGPU on lavapipe)", file=out)
    print(
        f"model files: {t.files}; unreadable here: {len(t.unreadable)}; no GPU verdict: {len(t.no_verdict)}", file=out
    )
    print(f"models decided: {t.decided} (refused as a whole: {len(t.refused)})", file=out)
    print(f"ops agreeing: {t.agree} / {t.ops} ({p:.1f}%); float16-weight DEQUANTIZE absorbed: {t.absorbed}", file=out)
    print(f"models fully agreeing: {t.full} / {t.decided}", file=out)
    print(f"decomposition subgraphs of composites the accelerator takes (not counted): {t.skipped_subgraphs}", file=out)
    print(
        f"whole-model refusals: accelerator {len(t.refused)}, we agree on {len(t.refused_agree)}; "
        f"we refuse {len(t.we_refuse_only)} model(s) it does not refuse",
        file=out,
    )
    for m in t.we_refuse_only:
        print(f"  we refuse, the accelerator does not: {m}", file=out)
    for m in t.refused:
        if m not in t.refused_agree:
            print(f"  accelerator refuses, we do not: {m}", file=out)
    print(
        "\ndisagreements by kind (ops, models: opcode | direction | accelerator's reason | our codes | e.g.):", file=out
    )
    order = sorted(t.kinds.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    for kind, models in order:
        opcode, direction, why = kind
        codes = ", ".join(f"{c}×{n}" for c, n in t.ours[kind].most_common())
        eg = ", ".join(m for m, _ in models.most_common(3))
        print(
            f"{sum(models.values()):5d} {len(models):3d}  {opcode} | {direction} | {why[:160]} | {codes} | {eg}",
            file=out,
        )
    print("\nno GPU verdict (grouped):", file=out)
    groups: dict[str, list[str]] = defaultdict(list)
    for m, why in t.no_verdict:
        groups[re.sub(r"\d+", "N", why)[:140]].append(m)
    for why, ms in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(ms):3d}  {why}  e.g. {', '.join(ms[:3])}", file=out)
    for m, why in t.unreadable:
        print(f"  unreadable: {m}: {why}", file=out)


def measure_npu(paths: list[Path], vendor: str, soc: str, out: Any, dump: list[dict[str, Any]]) -> None:
    print(f"\n== NPU: {vendor} {soc} (apply_plugin_main --cmd=partition)", file=out)
    reason = npu_skip_reason(vendor)
    if reason:
        print(f"skipped: {reason}", file=out)
        return
    npu_partition_many(paths, vendor, soc)  # many models per plugin run; cached per model
    print("\n".join(npu_tally(paths, vendor, soc, short).lines()), file=out)
    decided = no_verdict = ops = on_npu = unmatched = 0
    count_mismatch: list[str] = []
    reasons: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    aborts: Counter[str] = Counter()
    for path in paths:
        name = short(path)
        try:
            model = tfl_inspect.load(path)
        except Exception:
            continue
        v: NpuVerdict = npu_partition(path, vendor, soc)
        if not v.decided:
            no_verdict += 1
            aborts[re.sub(r"\d+", "N", v.message)[:120]] += 1
            dump.append({"model": name, "vendor": vendor, "soc": soc, **v.to_json()})
            continue
        decided += 1
        parts = []
        for sub in v.subgraphs:
            sg = model.subgraphs[sub.index]
            ops += len(sg.operators)
            on_npu += len(sub.taken)
            unmatched += len(sub.unmatched)
            formed = len(set(sub.taken.values()))
            if sub.partitions is not None and formed != sub.partitions:
                count_mismatch.append(f"{name} sg{sub.index}: log {sub.partitions}, model {formed}")
            parts.append(f"sg{sub.index}: {len(sub.taken)}/{len(sg.operators)} ops, {sub.partitions} partition(s)")
            for i in sorted(sub.cpu):
                op = sg.operators[i]
                why = " / ".join(sub.reasons.get(i, ("(no reason logged)",)))
                for t in sg.tensors:
                    if t.name and len(t.name) > 2 and t.name in why:
                        why = why.replace(t.name, "<tensor>")
                why = re.sub(r"'[A-Za-z]+_\d+'", "'<qnn op>'", why)
                why = re.sub(r"\d{3,}", "N", why)
                reasons[(op.opcode, why[:200])][name] += 1
        print(f"  {name}: " + "; ".join(parts), file=out)
        dump.append({"model": name, "vendor": vendor, "soc": soc, **v.to_json()})
    p = 100.0 * on_npu / ops if ops else 0.0
    print(f"models partitioned: {decided}; no verdict: {no_verdict}", file=out)
    print(f"ops on the NPU: {on_npu} / {ops} ({p:.1f}%); ops not placed (name match failed): {unmatched}", file=out)
    print(f"partition count: log vs partitioned model differ on {len(count_mismatch)} subgraph(s)", file=out)
    for m in count_mismatch[:10]:
        print(f"  {m}", file=out)
    print("ops left on the CPU by opcode and reason (ops, models, e.g.):", file=out)
    for (opcode, why), models in sorted(reasons.items(), key=lambda kv: -sum(kv[1].values())):
        eg = ", ".join(m for m, _ in models.most_common(2))
        print(f"{sum(models.values()):5d} {len(models):3d}  {opcode}: {why} | {eg}", file=out)
    if aborts:
        print("no verdict (grouped):", file=out)
        for why, n in aborts.most_common():
            print(f"  {n:3d}  {why}", file=out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*", type=Path)
    ap.add_argument("--npu", action="store_true", help="also run the Qualcomm and Intel partitioners")
    ap.add_argument("--no-gpu", action="store_true")
    ap.add_argument("--socs", default="", help="extra Qualcomm SoCs besides SM8650 (comma list)")
    ap.add_argument("--json", type=Path, help="write every per-op verdict and disagreement here")
    ap.add_argument("--fixtures", type=Path, help="also make the converter fixtures (TensorFlow) in this folder")
    args = ap.parse_args(argv)
    paths = args.models or default_models()
    if args.fixtures:
        paths = paths + make_fixtures(args.fixtures)
    start = time.monotonic()
    dump: dict[str, Any] = {}
    out = sys.stdout
    if not args.no_gpu:
        reason = gpu_skip_reason()
        if reason:
            print(f"GPU oracle unavailable: {reason}", file=out)
        else:
            tally = GpuTally()
            gpu_verdicts(paths)  # the ones not cached yet, in one batch
            for i, p in enumerate(paths):
                print(f"[{i + 1}/{len(paths)}] {short(p)}", file=sys.stderr, flush=True)
                measure_gpu(p, tally)
            print_gpu(tally, out)
            dump["gpu"] = tally.per_model
    if args.npu:
        paths = [*paths, *(p for p in sorted((SAMPLES / "torch").glob("*.tflite")) if p not in paths)]
        npu: list[dict[str, Any]] = []
        runs = [("qualcomm", VENDORS["qualcomm"][2])]
        runs += [("qualcomm", s) for s in args.socs.split(",") if s and s != VENDORS["qualcomm"][2]]
        runs.append(("intel", VENDORS["intel"][2]))
        for vendor, soc in runs:
            measure_npu(paths, vendor, soc, out, npu)
        dump["npu"] = npu
    print(f"\n({time.monotonic() - start:.0f} s)", file=out)
    if args.json:
        args.json.write_text(json.dumps(dump, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
