"""LiteRT's NPU compiler plugins (ai-edge-litert 2.3.0) as oracles: what the NPU would take, per op.

``apply_plugin_main --cmd=partition`` runs a vendor plugin's ``LiteRtCompilerPluginPartition`` on
every subgraph and writes the model with each group of selected ops moved into a new subgraph
behind a ``DISPATCH_OP``; the ops left in the original subgraphs run on the CPU. Ops are matched
back to the source by their output tensor names (input names for ops without outputs). The log
gives ``Partitioned subgraph<i>, selected N ops, from a total of M ops. resulted in K partitions``
(``litert/compiler/plugin/compiler_plugin.cc``) and the reasons:

- Qualcomm (QNN HTP; QNN x86-64 libraries from the ``onnxruntime-qnn`` wheel): per op,
  ``LiteRT Op #i 'Name' (code=c) is not supported in Qualcomm Compiler.``
  (``litert/vendors/qualcomm/compiler/qnn_compose_graph.cc`` ``DescribeUnsupportedOp``), preceded by
  ``QNN op validation failed: 'Name_k' (type=T) ... QNN error=N`` when a builder exists and
  QNN's validator refused it (the validator's own lines name the cause). The QNN libraries are not
  the version the plugin was built with: a run that aborts is no verdict.
- Intel OpenVINO (``openvino`` wheel): ``op type <builtin code> is not supported`` per refused op
  (a type list, ``litert/vendors/intel_openvino/compiler/openvino_compiler_plugin.cc``).

``python -m tests.targets.oracles.npu VENDOR SOC MODEL...`` prints the verdicts.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tfl_inspect.readers.opcodes import BUILTIN_NAMES

from . import LITERT_VERSION, cached, oracle_env, run_child, with_library_path

_CODES = {name: code for code, name in BUILTIN_NAMES.items()}
HARNESS = 5  # bump when the parsing below changes: cached verdicts are keyed by it
TIMEOUT = 300.0
DECIDED, NO_VERDICT = "decided", "no_verdict"

# vendor -> (--soc_manufacturer, env.sh variable naming the plugin directory, default SoC)
VENDORS = {
    "qualcomm": ("Qualcomm", "PLUGINS_QUALCOMM", "SM8650"),
    "intel": ("IntelOpenVINO", "PLUGINS_INTEL", "LNL"),
}


def socs(vendor: str) -> tuple[str, ...]:
    """The SoC models the plugin's Python target accepts (``ai_edge_litert/aot/vendors/<v>/target.py``)."""
    from importlib import import_module

    module = {"qualcomm": "qualcomm", "intel": "intel_openvino", "mediatek": "mediatek"}.get(vendor, vendor)
    target = import_module(f"ai_edge_litert.aot.vendors.{module}.target")
    return tuple(str(m.value) for m in target.SocModel if m.name != "ALL")


@dataclass(frozen=True)
class NpuSubgraph:
    """One source subgraph. ``taken``: op index -> partition number (0-based, in the order the plugin
    made them); ``reasons``: op index -> what the plugin logged for it; ``unmatched``: ops the
    partitioned model does not let us place (no verdict for them). ``selected``/``total``/
    ``partitions``: the plugin's own summary line.
    """

    index: int
    taken: dict[int, int]
    cpu: frozenset[int]
    reasons: dict[int, tuple[str, ...]] = field(default_factory=dict)
    unmatched: frozenset[int] = frozenset()
    selected: int | None = None
    total: int | None = None
    partitions: int | None = None


@dataclass(frozen=True)
class NpuVerdict:
    status: str
    vendor: str
    soc: str
    subgraphs: tuple[NpuSubgraph, ...] = ()
    message: str = ""
    type_reasons: dict[int, str] = field(default_factory=dict)  # builtin code (-1: custom) -> reason

    @property
    def decided(self) -> bool:
        return self.status == DECIDED

    def subgraph(self, index: int) -> NpuSubgraph | None:
        return next((s for s in self.subgraphs if s.index == index), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "vendor": self.vendor,
            "soc": self.soc,
            "message": self.message,
            "type_reasons": {str(k): v for k, v in self.type_reasons.items()},
            "subgraphs": [
                {
                    "index": s.index,
                    "taken": {str(k): v for k, v in sorted(s.taken.items())},
                    "cpu": sorted(s.cpu),
                    "reasons": {str(k): list(v) for k, v in sorted(s.reasons.items())},
                    "unmatched": sorted(s.unmatched),
                    "selected": s.selected,
                    "total": s.total,
                    "partitions": s.partitions,
                }
                for s in self.subgraphs
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NpuVerdict:
        subs = tuple(
            NpuSubgraph(
                int(s["index"]),
                {int(k): int(v) for k, v in s["taken"].items()},
                frozenset(int(i) for i in s["cpu"]),
                {int(k): tuple(v) for k, v in s["reasons"].items()},
                frozenset(int(i) for i in s["unmatched"]),
                s.get("selected"),
                s.get("total"),
                s.get("partitions"),
            )
            for s in data.get("subgraphs", [])
        )
        return cls(
            str(data["status"]),
            str(data["vendor"]),
            str(data["soc"]),
            subs,
            str(data.get("message", "")),
            {int(k): str(v) for k, v in data.get("type_reasons", {}).items()},
        )


@functools.cache
def npu_skip_reason(vendor: str = "qualcomm") -> str | None:
    """None when this vendor's partitioner runs here; otherwise why not (one line)."""
    if vendor not in VENDORS:
        return f"no oracle for NPU vendor '{vendor}' here (its plugin needs SDK libraries that cannot be had)"
    env = oracle_env()
    if isinstance(env, str):
        return env
    tool = env.get("APPLY_PLUGIN", "")
    if not tool or not os.access(tool, os.X_OK):
        return f"apply_plugin_main not found ({tool or 'APPLY_PLUGIN unset'}): run `make oracles`"
    plugins = Path(env.get(VENDORS[vendor][1], ""))
    if not plugins.is_dir() or not any(plugins.glob("libLiteRtCompilerPlugin*.so")):
        return f"the {vendor} compiler plugin is not in {plugins}: run `make oracles`"
    if vendor == "qualcomm":
        qnn = [Path(d) / "libQnnHtp.so" for d in env.get("QNN_LD", "").split(":") if d]
        if not any(p.is_file() for p in qnn):
            return "the QNN x86-64 libraries (from the onnxruntime-qnn wheel) are missing: run `make oracles`"
    return None


def npu_partition(path: str | Path, vendor: str = "qualcomm", soc: str | None = None) -> NpuVerdict:
    """What ``vendor``'s compiler plugin would put on the NPU of ``soc`` (child process, cached on disk)."""
    soc = soc or VENDORS.get(vendor, ("", "", ""))[2]
    reason = npu_skip_reason(vendor)
    if reason is not None:
        return NpuVerdict(NO_VERDICT, vendor, soc, message=f"oracle unavailable: {reason}")
    oracle_id = f"npu-{vendor}-{soc}-litert{LITERT_VERSION}-h{HARNESS}"
    full = str(Path(path).resolve())
    return NpuVerdict.from_json(cached(oracle_id, path, lambda: _compute(full, vendor, soc)))


def apply_plugin(
    path: str | Path, out: str | Path, vendor: str, soc: str, cmd: str = "partition", extra: tuple[str, ...] = ()
) -> Any:
    """Run ``apply_plugin_main --cmd=<cmd>`` (``partition`` or ``apply``, which compiles for real); ``extra``:
    more flags (Intel's ``--intel_openvino_graph_backends=cpu`` compiles without the NPU's VCL compiler)."""
    env = oracle_env()
    assert not isinstance(env, str), env
    manufacturer, plugin_var, _ = VENDORS[vendor]
    child_env = with_library_path(dict(os.environ), env.get("QNN_LD", ""), env.get("PLUGIN_LD", ""))
    argv = [
        env["APPLY_PLUGIN"],
        f"--cmd={cmd}",
        f"--model={path}",
        f"--o={out}",
        f"--soc_manufacturer={manufacturer}",
        f"--soc_model={soc}",
        f"--libs={env[plugin_var]}",
        "--err=-",
        *extra,
    ]
    return run_child(argv, child_env, TIMEOUT)


def _key(sg: Any, op: Any) -> tuple[str, ...]:
    if op.outputs:
        return ("out", *(sg.tensors[t].name if t >= 0 else "" for t in op.outputs))
    return ("in", *(sg.tensors[t].name if t >= 0 else "" for t in op.inputs))


_OP = re.compile(r"LiteRT Op #(\d+) '([^']*)' \(code=(\d+)\) is not supported in Qualcomm Compiler")
_QNN_FAIL = re.compile(r"QNN op validation failed: '([^']*)' \(type=([^)]*)\)")
_QNN_ERR = re.compile(r"QNN error=(\d+)")
_SUMMARY = re.compile(r"Partitioned subgraph<(\d+)>, selected (\d+) ops, from a total of (\d+) ops\. resulted in (\d+)")
_INTEL = re.compile(r"op type (\d+) is not supported")
_VALIDATOR = re.compile(r"validator ([^:\s]+):[^ ]* failed (\d+)")


def _validator_details(stdout: str) -> dict[str, list[str]]:
    """QNN validator ERROR lines (stdout), by the QNN op name they end with."""
    out: dict[str, list[str]] = {}
    recent: list[str] = []
    for line in stdout.splitlines():
        if "[ ERROR ]" not in line:
            continue
        text = line.split("[ ERROR ]", 1)[1].strip()
        m = _VALIDATOR.search(text)
        if m:
            for t in recent:
                if t not in out.setdefault(m.group(1), []):
                    out[m.group(1)].append(t)
            recent = []
        elif not text.startswith("<E>"):
            recent.append(text)
    return out


def _add(types: dict[int, str], code: int, text: str) -> None:
    """Per op type, the distinct lines logged for it (newline-joined)."""
    lines = types.get(code, "").split("\n") if code in types else []
    if text not in lines:
        types[code] = "\n".join([*lines, text])


def parse_log(stderr: str, stdout: str) -> tuple[dict[int, dict[str, Any]], dict[int, str]]:
    """Per source subgraph: the summary and the per-op reasons; and Intel's per-type reasons."""
    details = _validator_details(stdout)
    subs: dict[int, dict[str, Any]] = {}
    pending: dict[int, list[str]] = {}
    types: dict[int, str] = {}
    qnn: str | None = None
    builder: list[str] = []  # op builder refusals ("[Qnn]" lines): the op is skipped without a "LiteRT Op" line
    for line in stderr.splitlines():
        m = _QNN_FAIL.search(line)
        if m:
            qnn = f"QNN op validation failed: '{m.group(1)}' (type={m.group(2)})"
            extra = details.get(m.group(1), [])
            if extra:
                qnn += ": " + "; ".join(extra)
            continue
        m = _QNN_ERR.search(line)
        if m and qnn is not None and "QNN error" not in qnn:
            qnn += f" [QNN error={m.group(1)}]"
            continue
        if line.startswith("ERROR: [Qnn]"):
            builder.append(line.split("]", 1)[1].strip())
            continue
        m = _OP.search(line)
        if m:
            msg = f"'{m.group(2)}' (code={m.group(3)}) is not supported in Qualcomm Compiler"
            pending[int(m.group(1))] = [qnn, msg] if qnn else [msg]
            qnn = None
            continue
        m = _INTEL.search(line)
        if m:
            _add(types, int(m.group(1)), m.group(0))
            continue
        if "No custom package registered for custom op" in line:
            _add(types, -1, "custom op: no QNN custom op package registered, no QNN op is created")
            continue
        if "TOPK_V2 with non-constant K" in line:
            _add(types, 48, line.split("]", 1)[-1].strip())
            continue
        m = _SUMMARY.search(line)
        if m:
            s = int(m.group(1))
            subs[s] = {
                "selected": int(m.group(2)),
                "total": int(m.group(3)),
                "partitions": int(m.group(4)),
                "reasons": pending,
                "builder": builder,
            }
            pending, builder = {}, []
    return subs, types


def _abort_line(run: Any) -> str:
    """Why the tool stopped: its last non-empty ERROR line (every run warns that the QNN library
    versions differ from the plugin's; that warning is not the cause), else its own failure line.
    """
    errors = [ln.split("]", 1)[-1].strip() for ln in run.stderr.splitlines() if ln.startswith("ERROR:")]
    errors = [e for e in errors if e]
    if errors:
        return errors[-1][:300]
    tool = [ln.strip() for ln in (run.stdout + run.stderr).splitlines() if "Failed" in ln]
    return tool[0][:300] if tool else "no error line"


def _compute(path: str, vendor: str, soc: str) -> dict[str, Any]:
    import tfl_inspect

    with tempfile.TemporaryDirectory(prefix="npu_oracle_") as tmp:
        out = Path(tmp) / "partitioned.tflite"
        run = apply_plugin(path, out, vendor, soc)
        failure = run.failure()
        if failure or run.returncode != 0 or not out.is_file():
            why = failure or f"apply_plugin exit {run.returncode}"
            return NpuVerdict(NO_VERDICT, vendor, soc, message=f"{why}: {_abort_line(run)}").to_json()
        try:
            source = tfl_inspect.load(path)
            result = tfl_inspect.load(out)
        except Exception as exc:  # a file our reader refuses is no verdict, reported as such
            return NpuVerdict(NO_VERDICT, vendor, soc, message=f"cannot read: {exc}").to_json()
    if any(op.custom_code == "DISPATCH_OP" for sg in source.subgraphs for op in sg.operators):
        return NpuVerdict(NO_VERDICT, vendor, soc, message="already compiled for an NPU (DISPATCH_OP)").to_json()
    summary, types = parse_log(run.stderr, run.stdout)
    return _match(source, result, summary, types, vendor, soc).to_json()


def _decompositions(source: Any) -> dict[int, tuple[int, int]]:
    """Decomposition subgraph -> the composite op (subgraph, index) that calls it (outermost first)."""
    out: dict[int, tuple[int, int]] = {}
    for sg in source.subgraphs:
        for op in sg.operators:
            if op.builtin == "STABLEHLO_COMPOSITE":
                for _, ref in op.called():
                    out.setdefault(ref, (sg.index, op.index))
    for d in list(out):  # nested composites belong to the outermost one
        seen = {d}
        while out[d][0] in out and out[d][0] not in seen:
            seen.add(out[d][0])
            out[d] = out[out[d][0]]
    return out


def _match(
    source: Any, result: Any, summary: dict[int, dict[str, Any]], types: dict[int, str], vendor: str, soc: str
) -> NpuVerdict:
    """Place every source op: in a new subgraph (the NPU) or left in its own (the CPU).

    The plugin appends one subgraph per new DISPATCH_OP and drops the decomposition subgraphs of
    composites (``PartitionModel``), so the new subgraphs are the last ones. A composite the plugin
    does not select is inlined into its caller first: its decomposition's ops are matched and
    counted for the composite (``inlined``: composite index -> (ops on the NPU, ops)).
    Decomposition subgraphs are not partitioned on their own and are not reported.
    """

    def dispatch_ops(m: Any) -> int:
        return sum(1 for sg in m.subgraphs for op in sg.operators if op.custom_code == "DISPATCH_OP")

    n = len(result.subgraphs) - (dispatch_ops(result) - dispatch_ops(source))
    decomp = _decompositions(source)
    where: dict[tuple[str, ...], list[tuple[int, int]]] = {}
    for sg in source.subgraphs:
        for op in sg.operators:
            where.setdefault(_key(sg, op), []).append((sg.index, op.index))
    ambiguous = {k for k, v in where.items() if len(v) > 1}

    def owner(s: int, i: int) -> tuple[int, int]:
        return decomp.get(s, (s, i))

    taken: dict[tuple[int, int], int] = {}
    inlined: dict[tuple[int, int], list[int]] = {}  # composite -> [on NPU, total] of its inlined ops
    part_of: dict[int, int] = {}  # new subgraph -> source subgraph
    ordinal: dict[int, int] = {}  # new subgraph -> partition number within its source subgraph
    cpu: set[tuple[int, int]] = set()
    for sg in result.subgraphs:
        new = sg.index >= n
        for op in sg.operators:
            k = _key(sg, op)
            if (op.custom_code == "DISPATCH_OP" and not new) or k not in where or k in ambiguous:
                continue
            s, i = where[k][0]
            o = owner(s, i)
            if (s, i) != o:
                count = inlined.setdefault(o, [0, 0])
                count[1] += 1
                count[0] += 1 if new else 0
            if not new:
                cpu.add(o)
                continue
            if sg.index not in part_of:
                part_of[sg.index] = o[0]
                ordinal[sg.index] = sum(1 for v in part_of.values() if v == o[0]) - 1
            taken[o] = ordinal[sg.index]
    cpu -= {o for o, (on, total) in inlined.items() if on == total}
    for o, (on, total) in inlined.items():
        if on < total:
            taken.pop(o, None)  # partly inlined onto the NPU: the composite as such stays on the CPU
            cpu.add(o)
    if not taken and not cpu:
        return NpuVerdict(NO_VERDICT, vendor, soc, message="no op of the partitioned model matches the source")
    subs = []
    for sg in source.subgraphs:
        s = sg.index
        if s in decomp:
            continue
        info = summary.get(s, {})
        reasons: dict[int, tuple[str, ...]] = {int(i): tuple(r) for i, r in info.get("reasons", {}).items()}
        for op in sg.operators:
            codes = [c for c in (_CODES.get(op.builtin), -1 if op.is_custom else None) if c in types]
            if op.index not in reasons and (s, op.index) in cpu and codes:
                reasons[op.index] = tuple(types[codes[0]].split("\n"))
            if (s, op.index) in inlined:
                on, total = inlined[(s, op.index)]
                note = f"not selected: inlined, {on} of {total} ops on the NPU"
                reasons[op.index] = (*reasons.get(op.index, ()), note)
        builder = info.get("builder", [])
        unexplained = [op.index for op in sg.operators if (s, op.index) in cpu and op.index not in reasons]
        unexplained = [i for i in unexplained if not sg.operators[i].is_custom]
        if builder and len(builder) == len(unexplained):
            reasons.update({i: (f"op builder: {msg}",) for i, msg in zip(unexplained, builder, strict=True)})
        elif builder:
            reasons.update({i: tuple(f"op builder (one of these ops): {m}" for m in builder) for i in unexplained})
        subs.append(
            NpuSubgraph(
                s,
                {i: p for (t, i), p in taken.items() if t == s},
                frozenset(i for (t, i) in cpu if t == s),
                reasons,
                frozenset(op.index for op in sg.operators if (s, op.index) not in taken and (s, op.index) not in cpu),
                info.get("selected"),
                info.get("total"),
                info.get("partitions"),
            )
        )
    return NpuVerdict(DECIDED, vendor, soc, tuple(subs), type_reasons=types)


def main(argv: list[str]) -> int:
    vendor, soc, paths = argv[0], argv[1], argv[2:]
    reason = npu_skip_reason(vendor)
    if reason:
        print(f"{vendor} oracle unavailable: {reason}", file=sys.stderr)
        return 2
    for p in paths:
        print(json.dumps({"path": p, **npu_partition(p, vendor, soc).to_json()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
