"""``compat -t qualcomm|intel`` against the real compiler plugin's partition, per op and per subgraph.

Shared by the agreement test (tests/targets/test_npu.py) and ``measure_oracles.py --npu``. Per op:
ours = the op's verdict is supported (a composite: only when its whole body goes to the NPU, as the
oracle counts it); the plugin's = the op ended in a partition of the partitioned model. Ops the
oracle cannot place (``unmatched``) and bodies of composites are not counted. Per subgraph: our
partition count against the plugin's own log line. A run the plugin aborts is no verdict: it is
not counted, and ``we_stop`` says whether compat reports the stop.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tfl_inspect
from tests.targets.oracles.npu import NpuVerdict, npu_partition
from tfl_inspect.targets import compat

__all__ = ["ModelAgreement", "Tally", "compare", "tally"]


@dataclass
class ModelAgreement:
    model: str
    status: str  # decided | no_verdict | unreadable
    message: str = ""
    ops: int = 0
    agree: int = 0
    partitions_agree: bool = True
    we_stop: bool = False  # compat says the plugin stops on this model
    rows: list[dict[str, Any]] = field(default_factory=list)  # disagreements
    counts: list[str] = field(default_factory=list)  # partition count mismatches


def _scrub(text: str, names: list[str]) -> str:
    for n in sorted((n for n in names if n and len(n) > 2), key=len, reverse=True):
        text = text.replace(n, "<tensor>")
    text = re.sub(r"'[A-Za-z]+_\d+'", "'<qnn op>'", text)
    return re.sub(r"\d{3,}", "N", text.replace("\n", " "))


def compare(path: Path, vendor: str, soc: str, name: str | None = None) -> ModelAgreement:
    name = name or str(path)
    try:
        model = tfl_inspect.load(path)
    except Exception as exc:  # a file we cannot read is no comparison
        return ModelAgreement(name, "unreadable", f"{type(exc).__name__}: {exc}")
    report = compat(model, targets=vendor, soc=soc).targets[vendor]
    verdict: NpuVerdict = npu_partition(path, vendor, soc)
    we_stop = any(r.code == "MODEL_LIMIT" for r in report.model_reasons)
    if not verdict.decided:
        first = verdict.message.splitlines()[0] if verdict.message else ""
        return ModelAgreement(name, "no_verdict", first, we_stop=we_stop)
    out = ModelAgreement(name, "decided", we_stop=we_stop)
    ours = {(v.subgraph, v.index): v for v in report.operators}
    parts: Counter[int] = Counter()
    body_of = {
        ref: sg.index
        for sg in model.subgraphs
        for op in sg.operators
        if op.builtin == "STABLEHLO_COMPOSITE"
        for _, ref in op.called()
    }
    for p in report.partitions:
        s = p.subgraph
        while s in body_of:
            s = body_of[s]
        parts[s] += 1
    for sub in verdict.subgraphs:
        sg = model.subgraphs[sub.index]
        names = [t.name for t in sg.tensors]
        for op in sg.operators:
            if op.index in sub.unmatched:
                continue
            v = ours.get((sub.index, op.index))
            we = v is not None and v.supported
            they = op.index in sub.taken
            out.ops += 1
            if we == they:
                out.agree += 1
                continue
            if they:
                why = "ours: " + (_scrub(v.reasons[0].message, names) if v is not None and v.reasons else "?")
            else:
                why = "plugin: " + _scrub(" / ".join(sub.reasons.get(op.index, ("(no reason logged)",))), names)
            out.rows.append(
                {"subgraph": sub.index, "op": op.index, "opcode": op.opcode, "ours": we, "plugin": they, "why": why}
            )
        if sub.partitions is not None and parts[sub.index] != sub.partitions:
            out.partitions_agree = False
            out.counts.append(f"sg{sub.index}: plugin {sub.partitions}, ours {parts[sub.index]}")
    return out


@dataclass
class Tally:
    vendor: str
    soc: str
    models: list[ModelAgreement] = field(default_factory=list)

    @property
    def decided(self) -> list[ModelAgreement]:
        return [m for m in self.models if m.status == "decided"]

    @property
    def ops(self) -> int:
        return sum(m.ops for m in self.decided)

    @property
    def agree(self) -> int:
        return sum(m.agree for m in self.decided)

    @property
    def share(self) -> float:
        return self.agree / self.ops if self.ops else 1.0

    def kinds(self) -> dict[tuple[str, str, str], Counter[str]]:
        """Disagreements grouped by (opcode, direction, reason) → model → ops."""
        out: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
        for m in self.decided:
            for r in m.rows:
                direction = "we NPU, plugin CPU" if r["ours"] else "we CPU, plugin NPU"
                out[(r["opcode"], direction, r["why"][:200])][m.model] += 1
        return out

    def lines(self) -> list[str]:
        d = self.decided
        full = sum(1 for m in d if m.agree == m.ops and m.partitions_agree)
        counts = [m for m in d if not m.partitions_agree]
        stops = [m for m in self.models if m.status == "no_verdict"]
        out = [
            f"== {self.vendor} {self.soc}: compat vs the compiler plugin's partition (apply_plugin_main)",
            f"models partitioned: {len(d)}; no verdict (plugin aborted or not comparable): {len(stops)}",
            f"ops agreeing: {self.agree} / {self.ops} ({100 * self.share:.2f}%); models fully agreeing: {full}",
            f"partition counts agree on {len(d) - len(counts)} / {len(d)} models",
        ]
        out += [f"  partition count differs: {m.model}: {'; '.join(m.counts)}" for m in counts]
        for (opcode, direction, why), models in sorted(self.kinds().items(), key=lambda kv: -sum(kv[1].values())):
            eg = ", ".join(m for m, _ in models.most_common(2))
            out.append(f"  {sum(models.values()):4d} {opcode} | {direction} | {why} | {eg}")
        said = sum(1 for m in stops if m.we_stop)
        out.append(f"no verdict: compat reports the plugin stopping on {said} of {len(stops)}")
        groups: Counter[str] = Counter(re.sub(r"\d+", "N", m.message)[:110] for m in stops)
        out += [f"  {n:3d}  {why}" for why, n in groups.most_common()]
        return out


def tally(paths: list[Path], vendor: str, soc: str, short: Any = str) -> Tally:
    t = Tally(vendor, soc)
    for p in paths:
        t.models.append(compare(p, vendor, soc, short(p)))
    return t
