"""The real accelerators as test oracles: LiteRT's GPU accelerator and the NPU compiler plugins, run offline.

Set up by ``make oracles`` (``../shared/oracles/setup_accel.sh``; recipe and log lines in
``../shared/notes/accelerator-oracles.md``). Every run happens in a child process with a timeout
(the accelerators abort on some models) and its verdict is cached on disk under
``tests/data/oracle_cache/<oracle id>/<sha256 of the file>.json``, so a second run costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
CACHE = Path(os.environ.get("TFL_INSPECT_ORACLE_CACHE", ROOT / "tests" / "data" / "oracle_cache"))
LITERT_VERSION = "2.3.0"  # the ai-edge-litert release these oracles (and the notes) were checked with


def oracle_home() -> Path:
    """Where ``setup_accel.sh`` put the oracles (its default, or ``$TFL_INSPECT_ORACLES``)."""
    if "TFL_INSPECT_ORACLES" in os.environ:
        return Path(os.environ["TFL_INSPECT_ORACLES"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tfl-inspect-oracles"


def oracle_env() -> dict[str, str] | str:
    """The variables ``env.sh`` defines, or why they cannot be had."""
    path = oracle_home() / "env.sh"
    if not path.is_file():
        return f"accelerator oracles not set up: {path} not found (run `make oracles`)"
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip().strip('"')
    return env


def litert_version() -> str | None:
    """The ai-edge-litert installed in this interpreter's environment (None when absent)."""
    from importlib import metadata

    try:
        return metadata.version("ai-edge-litert")
    except metadata.PackageNotFoundError:
        return None


def sha256(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cached(oracle_id: str, path: str | os.PathLike[str], compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``compute()``'s JSON-able result for this file's content and this oracle, from disk when known."""
    where = CACHE / oracle_id / f"{sha256(path)}.json"
    if where.is_file():
        try:
            data: dict[str, Any] = json.loads(where.read_text())
            return data
        except ValueError:
            pass
    data = compute()
    where.parent.mkdir(parents=True, exist_ok=True)
    tmp = where.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    tmp.replace(where)
    return data


@dataclass(frozen=True)
class ChildRun:
    """What a child process did: exit code (negative: killed by that signal), output, and whether it timed out."""

    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False

    def failure(self) -> str | None:
        """A one-line description of an abnormal end, or None."""
        if self.timed_out:
            return "timed out"
        if self.returncode < 0:
            try:
                name = signal.Signals(-self.returncode).name
            except ValueError:
                name = f"signal {-self.returncode}"
            return f"crashed ({name})"
        return None


def run_child(argv: list[str], env: dict[str, str], timeout: float, cwd: Path = ROOT) -> ChildRun:
    """Run ``argv`` with ``env``, in its own process group so a timeout kills everything it started."""
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        timed_out = True
    return ChildRun(proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), timed_out)


def with_library_path(env: dict[str, str], *dirs: str) -> dict[str, str]:
    """``env`` with ``dirs`` (colon lists) in front of LD_LIBRARY_PATH."""
    parts = [d for d in dirs if d]
    if env.get("LD_LIBRARY_PATH"):
        parts.append(env["LD_LIBRARY_PATH"])
    return {**env, "LD_LIBRARY_PATH": ":".join(parts)}
