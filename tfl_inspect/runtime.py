"""LiteRT in a child process: the one runner ``shapes --verify``, ``diff --run`` and ``fix`` use.

The interpreter can abort the process (a C++ check), crash in a kernel, loop forever or print
from C++, none of which may take the CLI down or garble its output. So a function that runs
LiteRT is called here by name (``"package.module:function"``) in ``python -m tfl_inspect.runtime``,
with JSON arguments and a JSON result; what ended the call comes back as an :class:`Outcome`.
Many calls can share one child (:func:`call_each`): after a crash or a timeout a new child takes
the calls that are left. In the child, file descriptor 1 is moved to stderr so that whatever
LiteRT prints cannot mix with the results.

:class:`Streamed` keeps a big model's weights from piling up in the child's resident set.
"""

from __future__ import annotations

import importlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

__all__ = ["Outcome", "Running", "call", "call_each", "start", "Streamed", "one_line"]

STREAM_MIN_BYTES = 64 << 20  # files above this stream their weights through the page cache
_MADV_DONTNEED = 4  # the same value on Linux and macOS


def one_line(exc: BaseException | str, limit: int = 400) -> str:
    """An exception (LiteRT's own words, often several lines) as one line."""
    return " ".join(str(exc).split())[:limit]


@dataclass(frozen=True)
class Outcome:
    """How one call in the child ended: ``ok`` (``value`` is what it returned), ``raised`` (an
    exception: ``exception`` is its type, ``error`` its message), ``crash`` (the process died:
    ``returncode``, and ``error`` the last line it wrote to stderr) or ``timeout``."""

    ended: str
    value: Any = None
    error: str = ""
    exception: str = ""
    returncode: int | None = None
    timeout: float | None = None

    @property
    def ok(self) -> bool:
        return self.ended == "ok"

    def how(self) -> str:
        """``crashed (signal 6, SIGABRT)``, ``exited with status 1``, ``took longer than 3 s``, ``raised X``."""
        if self.ended == "timeout":
            return f"took longer than {self.timeout:g} s"
        if self.ended == "raised":
            return f"raised {self.exception}"
        code = self.returncode if self.returncode is not None else 0
        if code < 0:
            try:
                return f"crashed (signal {-code}, {signal.Signals(-code).name})"
            except ValueError:
                return f"crashed (signal {-code})"
        return f"exited with status {code}"


def _env() -> dict[str, str]:
    """The child imports this very package, and TensorFlow's C++ logging stays quiet unless asked for."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return env


def _last_line(err: bytes) -> str:
    lines = [ln for ln in err.decode(errors="replace").splitlines() if ln.strip() and not ln.startswith("INFO:")]
    return one_line(lines[-1], 300) if lines else ""


class Running:
    """Calls running in one child process after another; :meth:`outcomes` waits for them.

    A crash or a timeout ends the child: the call it was running gets that outcome and the calls
    after it run in a new child.
    """

    def __init__(self, target: str, calls: Sequence[Sequence[Any]], timeout: float | None) -> None:
        self.target, self.calls, self.timeout = target, [list(c) for c in calls], timeout
        self.done: list[Outcome] = []
        self._spawn()

    def _spawn(self) -> None:
        start = len(self.done)
        request = {"target": self.target, "calls": [[start + k, c] for k, c in enumerate(self.calls[start:])]}
        self.err: IO[bytes] = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tfl_inspect.runtime"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.err,
            env=_env(),
        )
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(request).encode())  # the child reads it all before it starts
            self.proc.stdin.close()
        except BrokenPipeError:  # it died first: the outcome says how
            pass

    def outcomes(self) -> list[Outcome]:
        while len(self.done) < len(self.calls):
            ended = self._read()
            self.proc.wait()
            assert self.proc.stdout is not None
            self.proc.stdout.close()
            self.err.seek(0)
            tail = _last_line(self.err.read())
            self.err.close()
            if len(self.done) < len(self.calls):
                self.done.append(ended or Outcome("crash", error=tail, returncode=self.proc.returncode))
                if len(self.done) < len(self.calls):
                    self._spawn()
        return self.done

    def _read(self) -> Outcome | None:
        """Collect results until the child ends (None) or a call outlives the timeout."""
        assert self.proc.stdout is not None
        fd, buf = self.proc.stdout.fileno(), b""
        while len(self.done) < len(self.calls):
            ready, _, _ = select.select([fd], [], [], self.timeout)
            if not ready:
                self.proc.kill()
                return Outcome("timeout", timeout=self.timeout)
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return None
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for line in lines:
                rec = json.loads(line)
                if rec.pop("id") == len(self.done):
                    self.done.append(Outcome(**rec))
        return None

    def result(self) -> Outcome:
        """The outcome of the one call :func:`start` made."""
        return self.outcomes()[0]


def start(target: str, *args: Any, timeout: float | None = None) -> Running:
    """Start ``target(*args)`` in a child process; ``.result()`` waits for its :class:`Outcome`."""
    return Running(target, [args], timeout)


def call(target: str, *args: Any, timeout: float | None = None) -> Outcome:
    """``target(*args)`` in a child process."""
    return start(target, *args, timeout=timeout).result()


def call_each(target: str, calls: Sequence[Sequence[Any]], timeout: float | None = None) -> list[Outcome]:
    """``target(*args)`` for each ``args`` in as few child processes as the calls allow;
    ``timeout`` applies to each call."""
    return Running(target, calls, timeout).outcomes() if calls else []


class Streamed:
    """While the body runs, keep dropping the pages of ``path``'s read-only mappings from this
    process (``madvise(MADV_DONTNEED)`` every few ms).

    LiteRT maps the model file read-only and reads weights through the mapping, so every weight
    page it touches would stay resident: a 2 GB model would cost 2 GB of RSS, all of it clean page
    cache. Dropped, the weights stream through the page cache and LiteRT reads the same bytes.
    Safe only because the mapping is ``PROT_READ``: a dropped page refaults with the same bytes.
    A no-op for files up to :data:`STREAM_MIN_BYTES` and where ``/proc/self/maps`` or ``madvise``
    is missing."""

    def __init__(self, path: str, period: float = 0.002) -> None:
        self.path, self.period = os.path.realpath(path), period
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def _ranges(self) -> list[tuple[int, int]]:
        found = []
        try:
            with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
                for line in maps:
                    fields = line.split(maxsplit=5)
                    if len(fields) == 6 and fields[5].rstrip("\n") == self.path and "w" not in fields[1]:
                        lo, hi = (int(x, 16) for x in fields[0].split("-"))
                        found.append((lo, hi))
        except OSError:
            return []
        return found

    def __enter__(self) -> Streamed:
        try:
            big = os.path.getsize(self.path) > STREAM_MIN_BYTES
        except OSError:
            big = False
        ranges = self._ranges() if big else []
        if ranges:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            madvise = libc.madvise
            madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]

            def drop() -> None:
                while True:
                    for lo, hi in ranges:
                        madvise(lo, hi - lo, _MADV_DONTNEED)
                    if self.stop.wait(self.period):
                        return

            self.thread = threading.Thread(target=drop, daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()


# --- the child ---------------------------------------------------------------------------------


def serve() -> None:
    """The child: read ``{"target", "calls": [[id, args], ...]}`` from stdin, answer one JSON line per call."""
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # LiteRT's C++ prints and Python's print() go to stderr, never into the results
    request = json.loads(sys.stdin.read())
    module, _, name = request["target"].partition(":")
    fn = getattr(importlib.import_module(module), name)
    for ident, args in request["calls"]:
        try:
            rec: dict[str, Any] = {"id": ident, "ended": "ok", "value": fn(*args)}
        except Exception as exc:  # the caller decides what an exception means
            rec = {"id": ident, "ended": "raised", "exception": type(exc).__name__, "error": one_line(exc)}
        out.write(json.dumps(rec) + "\n")
        out.flush()


if __name__ == "__main__":
    from tfl_inspect.runtime import serve as _serve  # the module object the targets import, not __main__

    _serve()
