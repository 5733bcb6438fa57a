"""``--run`` in a child process: a runtime that crashes (a segfault in a kernel, an abort) or
prints from C++ must not take the CLI or the caller's Python down with it.

The parent writes a request (model paths, input npz, options) to a temporary folder; the child
loads both models, aligns them the same way, runs :func:`~tfl_inspect.diff.numeric.run_in_process`
and writes the result as JSON. Anything but a result becomes one :class:`UsageError` line.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..errors import TflInspectError, UsageError
from .report import Numeric, TensorError

__all__ = ["run_in_child", "main"]


def _numeric_from(d: dict[str, Any]) -> Numeric:
    d = dict(d)
    d["tensors"] = tuple(TensorError(**t) for t in d["tensors"])
    for key in ("ranking", "skipped"):
        d[key] = tuple(d[key])
    return Numeric(**d)


def run_in_child(
    sources: tuple[str | bytes, str | bytes],
    *,
    inputs: str | os.PathLike[str] | Mapping[str, Any] | None,
    samples: int,
    seed: int,
    signature: str | None,
    local: bool,
) -> Numeric:
    with tempfile.TemporaryDirectory(prefix="tfl_inspect_diff_") as tmp:
        paths = []
        for name, src in zip(("a.tflite", "b.tflite"), sources, strict=True):
            if isinstance(src, bytes | bytearray):
                (Path(tmp) / name).write_bytes(bytes(src))
                paths.append(str(Path(tmp) / name))
            else:
                paths.append(os.fspath(src))
        inputs_path = None
        label = None
        if isinstance(inputs, Mapping):
            import numpy as np

            inputs_path = str(Path(tmp) / "inputs.npz")
            arrays: dict[str, Any] = {k: np.asarray(v) for k, v in inputs.items()}
            np.savez(inputs_path, **arrays)
            label = "inputs"
        elif inputs is not None:
            inputs_path = os.fspath(inputs)
        request: dict[str, Any] = {
            "a": paths[0],
            "b": paths[1],
            "inputs": inputs_path,
            "samples": samples,
            "seed": seed,
            "signature": signature,
            "local": local,
            "out": str(Path(tmp) / "result.json"),
        }
        req = Path(tmp) / "request.json"
        req.write_text(json.dumps(request))
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = package_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        proc = subprocess.run(
            [sys.executable, "-m", "tfl_inspect.diff.child", str(req)],
            capture_output=True,
            text=True,
            env=env,
            stdin=subprocess.DEVNULL,
        )
        out = Path(request["out"])
        if proc.returncode != 0 or not out.is_file():
            raise UsageError(_crash_message(proc.returncode, proc.stderr))
        result = json.loads(out.read_text())
    if "error" in result:
        raise UsageError(result["error"])
    numeric = _numeric_from(result["numeric"])
    if label is not None:
        numeric = Numeric(**{**asdict(numeric), "inputs_from": label, "tensors": numeric.tensors})
    return numeric


def _crash_message(code: int, stderr: str) -> str:
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip() and not ln.startswith("INFO:")]
    last = " ".join(lines[-1].split())[:200] if lines else ""
    if code < 0:
        try:
            what = signal.Signals(-code).name
        except ValueError:
            what = f"signal {-code}"
        return f"LiteRT crashed ({what}) while running the models" + (f": {last}" if last else "")
    return f"running the models failed (exit {code})" + (f": {last}" if last else "")


def main(argv: list[str] | None = None) -> int:
    from ..readers import load
    from .align import align
    from .numeric import run_in_process

    request = json.loads(Path((argv or sys.argv[1:])[0]).read_text())
    out = Path(request["out"])
    try:
        ma, mb = load(request["a"]), load(request["b"])
        al = align(ma, mb, request["signature"])
        numeric = run_in_process(
            ma,
            mb,
            al,
            sources=(request["a"], request["b"]),
            inputs=request["inputs"],
            samples=request["samples"],
            seed=request["seed"],
            signature=request["signature"],
            local=request["local"],
        )
    except TflInspectError as exc:
        out.write_text(json.dumps({"error": " ".join(str(exc).split())}))
        return 0
    out.write_text(json.dumps({"numeric": asdict(numeric)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
