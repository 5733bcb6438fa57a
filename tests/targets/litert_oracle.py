"""What the real runtimes do with a model, run in child processes (they may crash or print to C++ stderr).

``python -m tests.targets.litert_oracle xnnpack PATH...`` prints one JSON line per model:
the ops of the primary subgraph the XNNPACK delegate took (from the ``DELEGATE`` nodes the
interpreter appends with node fusion disabled, matched to original ops by their outputs) and
the number of partitions it formed with fusion on (the ``DELEGATE`` nodes then).
``... tflm PATH...`` prints whether ``tflite_micro``'s interpreter loads each model (64 MiB arena)
and, if not, what it wrote to the C++ stderr. A crash loses only the model being read: the
parent restarts after it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

_TIMEOUT = 300


def _xnnpack_one(path: str) -> dict[str, object]:
    from ai_edge_litert.interpreter import Interpreter

    out: dict[str, object] = {"path": path}
    try:
        interp = Interpreter(model_path=path, experimental_disable_delegate_node_fusion=True)
        interp.allocate_tensors()
    except Exception as exc:
        out["error"] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return out
    ops = interp._get_ops_details()
    originals = [o for o in ops if o["op_name"] != "DELEGATE"]
    n = len(originals)

    # A one-op DELEGATE node has that op's inputs (omitted ones dropped) and outputs; ops without
    # outputs (ASSIGN_VARIABLE) are told apart by their inputs.
    def key(o: dict[str, object]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        ins = sorted({int(t) for t in o["inputs"] if int(t) >= 0})  # type: ignore[attr-defined]
        return tuple(ins), tuple(int(t) for t in o["outputs"])  # type: ignore[attr-defined]

    by_key: dict[tuple[tuple[int, ...], tuple[int, ...]], list[int]] = {}
    for o in originals:
        by_key.setdefault(key(o), []).append(int(o["index"]))
    delegated = []
    for o in ops[n:]:
        candidates = by_key.get(key(o), [])
        delegated.append(candidates.pop(0) if candidates else -1)
    out["total"] = n
    out["delegated"] = sorted(delegated)
    fused = Interpreter(model_path=path)
    fused.allocate_tensors()
    out["partitions"] = sum(1 for o in fused._get_ops_details() if o["op_name"] == "DELEGATE")
    return out


ARENA_SIZE = 64 * 1024 * 1024


def _tflm_one(path: str) -> dict[str, object]:
    """Load with TFLM, catching what its C++ side writes to fd 2 for this model only."""
    import gc

    from tflite_micro.python.tflite_micro import runtime

    saved = os.dup(2)
    with tempfile.TemporaryFile() as err:
        os.dup2(err.fileno(), 2)
        try:
            interp = runtime.Interpreter.from_file(path, arena_size=ARENA_SIZE)
            del interp
            loads, message = True, ""
        except Exception as exc:  # the oracle reports, the test decides
            loads, message = False, f"{type(exc).__name__}: {exc}"
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
        gc.collect()
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    return {"path": path, "loads": loads, "stderr": (text + message)[-4000:]}


def run(kind: str, paths: list[str]) -> dict[str, dict[str, object]]:
    """Results keyed by path; a model that crashes the child gets ``{"error": "crashed ..."}``."""
    results: dict[str, dict[str, object]] = {}
    pending = list(paths)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    root = str(Path(__file__).resolve().parents[2])
    while pending:
        proc = subprocess.run(
            [sys.executable, "-m", "tests.targets.litert_oracle", kind, *pending],
            capture_output=True,
            text=True,
            timeout=_TIMEOUT * max(1, len(pending)),
            cwd=root,
            env=env,
        )
        for line in proc.stdout.splitlines():
            if line.startswith("{"):
                rec = json.loads(line)
                results[rec["path"]] = rec
        done = [p for p in pending if p in results]
        rest = [p for p in pending if p not in results]
        if rest and proc.returncode != 0:
            results[rest[0]] = {"path": rest[0], "error": f"crashed (exit {proc.returncode})"}
            rest = rest[1:]
        elif rest:
            for p in rest:
                results[p] = {"path": p, "error": "no answer"}
            rest = []
        assert done or rest != pending
        pending = rest
    return results


def main(argv: list[str]) -> int:
    kind, paths = argv[0], argv[1:]
    one = _xnnpack_one if kind == "xnnpack" else _tflm_one
    for p in paths:
        print(json.dumps(one(p)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
