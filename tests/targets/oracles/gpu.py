"""LiteRT's GPU accelerator (``libLiteRtWebGpuAccelerator.so`` in ai-edge-litert 2.3.0) as an oracle.

The accelerator runs on Vulkan (Mesa lavapipe from bookworm-backports, set up by ``make oracles``).
``CompiledModel.from_file(path, GPU | CPU)`` with ``LITERT_GPU_DEBUG_EXCLUDE_NODES`` naming every
node makes the delegate log ``Excluding node i (j in ops_to_replace)`` for exactly the nodes it
would take (``ml_drift_delegate/delegate/delegate_webgpu.cc``), one block per subgraph it is applied
to, in subgraph order, after the reasons it gives for the ops it refuses (by op type, from
``GetOpsToReplaceWithOptions``). TFLite checks every subgraph for dynamic-sized tensors before
the delegate sees it (``Subgraph::ModifyGraphWithDelegateImpl``): that is a whole-model refusal.
Excluding float16-weight ops can make CPU kernels fail Prepare (the partition helper already
pointed them at the float16 constants), so a failed creation is retried without the variable.

Many models at once (:func:`gpu_verdicts`) go through one child process that creates them in turn,
its stderr redirected per model (a cold run of ~280 models then takes about a minute instead of
one process start, Vulkan set-up and plug-in scan per model). A model whose creation fails there is
run again alone: TFLite logs the static-size refusal only once per process
(``TFLITE_LOG_PROD_ONCE``), so only a fresh process says for sure why. A crash or a hang ends the
batch child; the models after the one it was on go to a new one.

``python -m tests.targets.oracles.gpu MODEL...`` prints the verdicts (for a look by hand).
"""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import CACHE, LITERT_VERSION, ROOT, cached, litert_version, oracle_env, run_child, sha256, with_library_path

HARNESS = 2  # bump when the parsing below changes: cached verdicts are keyed by it
ORACLE_ID = f"gpu-webgpu-litert{LITERT_VERSION}-h{HARNESS}"
TIMEOUT = 300.0
_MARK = "@@GPU_ORACLE@@"

DECIDED, REFUSED, NO_VERDICT = "decided", "refused", "no_verdict"


@dataclass(frozen=True)
class GpuSubgraph:
    """What the accelerator did with one subgraph.

    ``taken``: node (op) indices it would delegate. ``reasons``: op type (``CONV_2D``,
    ``CUSTOM name``) -> the reasons it logged for refusing ops of that type (the log names the
    type, not the node). ``gpu_ops``/``cpu_ops``: its own summary line, when it printed one.
    """

    index: int
    taken: frozenset[int]
    reasons: dict[str, tuple[str, ...]] = field(default_factory=dict)
    gpu_ops: int | None = None
    cpu_ops: int | None = None


@dataclass(frozen=True)
class GpuVerdict:
    """``status``: ``decided`` (``subgraphs`` holds the verdicts), ``refused`` (the accelerator refuses
    the whole model: ``message`` is the log line), or ``no_verdict`` (``message`` says why: the
    loader, an unresolved custom/Flex op, a CPU kernel's Prepare, a crash or a timeout).
    """

    status: str
    subgraphs: tuple[GpuSubgraph, ...] = ()
    message: str = ""
    errors: tuple[str, ...] = ()  # other error lines the run logged (e.g. unknown composites)

    @property
    def decided(self) -> bool:
        return self.status == DECIDED

    def subgraph(self, index: int) -> GpuSubgraph | None:
        for s in self.subgraphs:
            if s.index == index:
                return s
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "message": self.message,
            "errors": list(self.errors),
            "subgraphs": [
                {
                    "index": s.index,
                    "taken": sorted(s.taken),
                    "reasons": {k: list(v) for k, v in s.reasons.items()},
                    "gpu_ops": s.gpu_ops,
                    "cpu_ops": s.cpu_ops,
                }
                for s in self.subgraphs
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GpuVerdict:
        subs = tuple(
            GpuSubgraph(
                int(s["index"]),
                frozenset(int(i) for i in s["taken"]),
                {k: tuple(v) for k, v in s["reasons"].items()},
                s.get("gpu_ops"),
                s.get("cpu_ops"),
            )
            for s in data.get("subgraphs", [])
        )
        return cls(str(data["status"]), subs, str(data.get("message", "")), tuple(data.get("errors", [])))


@functools.cache
def gpu_skip_reason() -> str | None:
    """None when the GPU oracle runs here; otherwise why not (one line, for ``pytest.skip``)."""
    version = litert_version()
    if version is None:
        return "ai-edge-litert is not installed (the GPU oracle is its WebGPU accelerator)"
    if version != LITERT_VERSION:
        return f"ai-edge-litert {version} installed; the GPU oracle recipe is for {LITERT_VERSION}"
    env = oracle_env()
    if isinstance(env, str):
        return env
    icd = env.get("GPU_VK_ICD", "")
    if not icd or not Path(icd).is_file():
        return f"no Vulkan driver for the GPU oracle ({icd or 'GPU_VK_ICD unset'}): run `make oracles`"
    probe = ROOT / "samples" / "dense_float32.tflite"
    run = _child(str(probe), exclude=None, env=env)
    if "Selected adapter" not in run.stderr:
        last = [ln for ln in run.stderr.splitlines() if "rror" in ln or "adapter" in ln][-1:]
        return f"the GPU accelerator found no Vulkan adapter: {last[0] if last else run.failure() or 'no log'}"
    return None


def gpu_verdict(path: str | Path, *, use_cache: bool = True) -> GpuVerdict:
    """What the GPU accelerator does with ``path`` (run in child processes, cached on disk)."""
    reason = gpu_skip_reason()
    if reason is not None:
        return GpuVerdict(NO_VERDICT, message=f"oracle unavailable: {reason}")
    if not use_cache:
        return GpuVerdict.from_json(_compute(str(Path(path).resolve())))
    return GpuVerdict.from_json(cached(ORACLE_ID, path, lambda: _compute(str(Path(path).resolve()))))


def gpu_verdicts(paths: Iterable[str | Path]) -> dict[str, GpuVerdict]:
    """:func:`gpu_verdict` for many models: the ones not cached yet are run in one batch child process."""
    paths = [str(p) for p in paths]
    reason = gpu_skip_reason()
    if reason is not None:
        return {p: GpuVerdict(NO_VERDICT, message=f"oracle unavailable: {reason}") for p in paths}
    todo = [p for p in paths if not (CACHE / ORACLE_ID / f"{sha256(p)}.json").is_file()]
    if todo:
        computed = _compute_many([str(Path(p).resolve()) for p in todo])
        for p in todo:
            data = computed[str(Path(p).resolve())]
            cached(ORACLE_ID, p, lambda data=data: data)  # type: ignore[misc]
    return {p: GpuVerdict.from_json(cached(ORACLE_ID, p, lambda p=p: _compute(str(Path(p).resolve())))) for p in paths}


def _node_count(path: str) -> int:
    """The most ops any subgraph has (the exclusion list must name every node)."""
    import tfl_inspect

    try:
        model = tfl_inspect.load(path)
    except Exception:  # the oracle decides what the runtime makes of it
        return 4096
    return max((len(sg.operators) for sg in model.subgraphs), default=0)


def _child_env(env: dict[str, str]) -> dict[str, str]:
    child_env = with_library_path(dict(os.environ), env.get("GPU_LD", ""))
    child_env.update(
        VK_ICD_FILENAMES=env.get("GPU_VK_ICD", ""),
        XDG_RUNTIME_DIR=env.get("GPU_XDG", ""),
        TF_CPP_MIN_LOG_LEVEL="0",
    )
    child_env.pop("LITERT_GPU_DEBUG_EXCLUDE_NODES", None)
    return child_env


def _exclude_all(n: int) -> str:
    return ",".join(str(i) for i in range(max(n, 1)))


def _child(path: str, exclude: int | None, env: dict[str, str]) -> Any:
    child_env = _child_env(env)
    if exclude is not None:
        child_env["LITERT_GPU_DEBUG_EXCLUDE_NODES"] = _exclude_all(exclude)
    return run_child([sys.executable, "-m", "tests.targets.oracles.gpu", "--child", path], child_env, TIMEOUT)


def _created(stdout: str) -> tuple[bool, str]:
    for line in stdout.splitlines():
        if line.startswith(_MARK):
            rec = json.loads(line[len(_MARK) :])
            return bool(rec["ok"]), str(rec.get("error", ""))
    return False, ""


_REASON = re.compile(r"^([A-Z][A-Z0-9_]*(?: [^:]+)?): (.*)$")
_SUMMARY = re.compile(r"(\d+) operations will run on the GPU, and the remaining (\d+) operations")
_NONE = re.compile(r"No operations will run on the GPU, and all (\d+) operations")
_EXCLUDED = re.compile(r"Excluding node (\d+) \(\d+ in ops_to_replace\)")


def _strip(line: str) -> str:
    """Drop the logger prefix (``ERROR: ``, ``I0000 ... file.cc:123] ``)."""
    line = re.sub(r"^(INFO|WARNING|ERROR|VERBOSE): (\[[^\]]*\] )?", "", line)
    return re.sub(r"^[IWEF]\d{4} [\d:. ]+\s+\d+ [\w./]+:\d+\] ", "", line)


def parse_log(stderr: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The per-subgraph blocks (in application order) and the other error lines."""
    blocks: list[dict[str, Any]] = []
    pending: dict[str, Any] = {"reasons": {}, "gpu": None, "cpu": None}
    errors: list[str] = []
    in_reasons = False
    last_op = None
    for raw in stderr.splitlines():
        line = _strip(raw.rstrip())
        if "Following operations are not supported by GPU delegate:" in line:
            in_reasons, last_op = True, None
            continue
        if in_reasons:
            m_sum, m_none = _SUMMARY.search(line), _NONE.search(line)
            if m_sum or m_none:
                in_reasons = False
                if m_sum:
                    pending["gpu"], pending["cpu"] = int(m_sum.group(1)), int(m_sum.group(2))
                elif m_none:
                    pending["gpu"], pending["cpu"] = 0, int(m_none.group(1))
                continue
            m = _REASON.match(line)
            if m:
                last_op = m.group(1)
                pending["reasons"].setdefault(last_op, [])
                if m.group(2) not in pending["reasons"][last_op]:
                    pending["reasons"][last_op].append(m.group(2))
            elif line.strip() and last_op is not None:
                pending["reasons"][last_op][-1] += "\n" + line
            continue
        if "LITERT_GPU_DEBUG_EXCLUDE_NODES set to" in line:
            blocks.append({"taken": [], **pending})
            pending = {"reasons": {}, "gpu": None, "cpu": None}
            continue
        m = _EXCLUDED.search(line)
        if m and blocks:
            blocks[-1]["taken"].append(int(m.group(1)))
            continue
        if raw.startswith(("ERROR:", "E0000")) or "Unknown StableHLO composite" in line:
            if line.strip() and line not in errors:
                errors.append(line.strip())
    return blocks, errors


_NOISE = (
    "NPU accelerator",
    "libLiteRtCompilerPlugin",
    "OpenCL",
    "Restored original execution plan",
    "Failed to get hooks",
)


_NO_LINE = "creation failed without a log line"


def _first_error(stderr: str, exc: str) -> str:
    """The runtime's first ERROR line (the cause; later lines are consequences), or the exception."""
    for raw in stderr.splitlines():
        if raw.startswith(("ERROR:", "E0000")):
            line = _strip(raw).strip()
            if line and not any(n in line for n in _NOISE):
                return line
    return exc.replace("\n", " ").strip() or _NO_LINE


def _subgraphs(path: str) -> list[int]:
    """Indices of the subgraphs TFLite applies a delegate to, in order (validation subgraphs are skipped)."""
    import tfl_inspect

    try:
        model = tfl_inspect.load(path)
    except Exception:
        return []
    return [sg.index for sg in model.subgraphs if not (sg.name or "").startswith("VALIDATION:")]


def _refusal(stderr: str) -> str | None:
    return next((_strip(ln).strip() for ln in stderr.splitlines() if "static-sized tensors" in ln), None)


def _decided(path: str, blocks: list[dict[str, Any]], errors: list[str]) -> dict[str, Any]:
    """The verdict once creation worked with every node excluded: one logged block per subgraph, in order."""
    # TFLite applies the delegate to each subgraph in order; later delegates (the CPU accelerator's
    # XNNPACK) make it redo earlier applications, which logs further blocks: the first ones count.
    order = _subgraphs(path)
    if len(blocks) < len(order):
        msg = f"{len(blocks)} delegate application(s) logged for {len(order)} subgraph(s)"
        return GpuVerdict(NO_VERDICT, message=msg, errors=tuple(errors)).to_json()
    subs = tuple(
        GpuSubgraph(s, frozenset(b["taken"]), {k: tuple(v) for k, v in b["reasons"].items()}, b["gpu"], b["cpu"])
        for s, b in zip(order, blocks[: len(order)], strict=True)
    )
    return GpuVerdict(DECIDED, subs, errors=tuple(errors)).to_json()


def _compute_many(paths: list[str]) -> dict[str, dict[str, Any]]:
    """Verdicts for ``paths``: created in turn by batch children; failures are run again alone (see above)."""
    env = oracle_env()
    assert not isinstance(env, str)
    out: dict[str, dict[str, Any]] = {}
    todo = list(paths)
    with tempfile.TemporaryDirectory(prefix="gpu_oracle_") as tmp:
        while todo:
            done, rest = _batch(todo, env, Path(tmp))
            for path, rec in done.items():
                out[path] = _from_batch(path, rec) or _compute(path)
            if rest:  # the child died or hung on rest[0]: that one alone, then a new child for the others
                out[rest[0]] = _compute(rest[0])
                rest = rest[1:]
            todo = rest
    return out


def _from_batch(path: str, rec: dict[str, Any]) -> dict[str, Any] | None:
    """The verdict from a batch child's record, as :func:`_compute` would give it; None: ask a fresh process."""
    stderr = rec["stderr"]
    blocks, errors = parse_log(stderr)
    if rec["ok"]:
        return _decided(path, blocks, errors)
    refusal = _refusal(stderr)
    if refusal:
        return GpuVerdict(REFUSED, message=refusal, errors=tuple(errors)).to_json()
    if not blocks:
        cause = _first_error(stderr, "")
        if "Failed to modify graph with delegate" in rec["error"] and cause == _NO_LINE:
            return None  # a refusal whose log line this process already printed once
        return GpuVerdict(NO_VERDICT, message=_first_error(stderr, rec["error"]), errors=tuple(errors)).to_json()
    if rec.get("ok_b") and not _refusal(rec.get("stderr_b", "")):
        return _decided(path, blocks, parse_log(rec["stderr_b"])[1])
    return None


def _batch(paths: list[str], env: dict[str, str], tmp: Path) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """One batch child over ``paths``: per model its record (created?, error, stderr; the same without the
    exclusion list when the first creation failed after the delegate had logged), and the models it did not finish."""
    listing = tmp / "models.json"
    listing.write_text(json.dumps([[p, _node_count(p)] for p in paths]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.targets.oracles.gpu", "--batch", str(listing), str(tmp)],
        cwd=ROOT,
        env=_child_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    got = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            got.set()
        got.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    done: dict[str, dict[str, Any]] = {}
    while len(done) < len(paths):
        got.clear()
        while lines:
            line = lines.pop(0)
            if line.startswith(_MARK):
                rec = json.loads(line[len(_MARK) :])
                k = int(rec["k"])
                for key, name in (("stderr", f"{k}.err"), ("stderr_b", f"{k}.b.err")):
                    log = tmp / name
                    rec[key] = log.read_text(errors="replace") if log.is_file() else ""
                done[paths[k]] = rec
        if len(done) == len(paths) or (not reader.is_alive() and not lines):
            break
        if not got.wait(TIMEOUT) and not lines:
            os.killpg(proc.pid, signal.SIGKILL)  # hung on the next model
            break
    if proc.poll() is None and len(done) < len(paths):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return done, [p for p in paths if p not in done]


def _compute(path: str) -> dict[str, Any]:
    env = oracle_env()
    assert not isinstance(env, str)
    first = _child(path, exclude=_node_count(path), env=env)
    blocks, errors = parse_log(first.stderr)
    ok, error = _created(first.stdout)
    refusal = _refusal(first.stderr)
    if refusal:
        return GpuVerdict(REFUSED, message=refusal, errors=tuple(errors)).to_json()
    if not ok and not blocks:
        why = first.failure() or _first_error(first.stderr, error)
        return GpuVerdict(NO_VERDICT, message=why, errors=tuple(errors)).to_json()
    if not ok:
        # Excluded float16-weight ops can fail CPU Prepare; without the exclusion the list stands if it works.
        again = _child(path, exclude=None, env=env)
        ok2, error2 = _created(again.stdout)
        refusal = _refusal(again.stderr)
        if refusal:
            return GpuVerdict(REFUSED, message=refusal, errors=tuple(parse_log(again.stderr)[1])).to_json()
        if not ok2:
            why = again.failure() or _first_error(again.stderr, error2)
            return GpuVerdict(NO_VERDICT, message=f"creation fails with the GPU applied: {why}").to_json()
        errors = parse_log(again.stderr)[1]
    return _decided(path, blocks, errors)


def _child_main(path: str) -> int:
    """In the child: create the compiled model and say whether that worked."""
    from ai_edge_litert.compiled_model import CompiledModel
    from ai_edge_litert.hardware_accelerator import HardwareAccelerator

    rec: dict[str, object]
    try:
        CompiledModel.from_file(path, hardware_accel=HardwareAccelerator.GPU | HardwareAccelerator.CPU)
        rec = {"ok": True}
    except Exception as exc:  # the parent classifies it
        rec = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    sys.stderr.flush()
    print(_MARK + json.dumps(rec), flush=True)
    return 0


def _batch_main(listing: str, tmp: str) -> int:
    """In the batch child: create each model in turn, its C++ log (fd 2) going to ``tmp/<k>.err``."""
    from ai_edge_litert.compiled_model import CompiledModel
    from ai_edge_litert.hardware_accelerator import HardwareAccelerator

    def create(path: str, log_path: Path) -> tuple[bool, str]:
        sys.stderr.flush()
        log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        saved = os.dup(2)
        os.dup2(log, 2)
        os.close(log)
        try:
            CompiledModel.from_file(path, hardware_accel=HardwareAccelerator.GPU | HardwareAccelerator.CPU)
            ok, error = True, ""
        except Exception as exc:  # the parent classifies it
            ok, error = False, f"{type(exc).__name__}: {exc}"
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        return ok, error

    for k, (path, nodes) in enumerate(json.loads(Path(listing).read_text())):
        os.environ["LITERT_GPU_DEBUG_EXCLUDE_NODES"] = _exclude_all(int(nodes))  # the delegate reads it each time
        ok, error = create(path, Path(tmp) / f"{k}.err")
        rec: dict[str, Any] = {"k": k, "ok": ok, "error": error}
        if not ok and parse_log((Path(tmp) / f"{k}.err").read_text(errors="replace"))[0]:
            del os.environ["LITERT_GPU_DEBUG_EXCLUDE_NODES"]  # as _compute's second run
            rec["ok_b"], rec["error_b"] = create(path, Path(tmp) / f"{k}.b.err")
        print(_MARK + json.dumps(rec), flush=True)
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        return _child_main(argv[1])
    if argv[:1] == ["--batch"]:
        return _batch_main(argv[1], argv[2])
    reason = gpu_skip_reason()
    if reason:
        print(f"GPU oracle unavailable: {reason}", file=sys.stderr)
        return 2
    for p, v in gpu_verdicts(argv).items():
        print(json.dumps({"path": p, **v.to_json()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
