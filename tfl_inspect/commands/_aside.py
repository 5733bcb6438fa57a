"""Work set aside in a forked child while the command goes on: a second core for one model's report.

A report's analyses (compat over every target, profile) and its diagrams read the same loaded
model and share nothing else, so on Linux the analyses run in a ``fork`` of the process, which has
the model already, and send their result back pickled. Anywhere that cannot fork cheaply and safely
(not Linux, one CPU, Python threads already running) the work runs in this process when its result
is asked for. Native worker pools (OpenBLAS's) carry their own fork handlers, as they must for
``multiprocessing``'s fork start method. A child that fails is not trusted for the error: the work
runs again here, so an exception is raised with its own traceback and exit code.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["aside"]

T = TypeVar("T")


def _can_fork() -> bool:
    return sys.platform.startswith("linux") and (os.cpu_count() or 1) > 1 and threading.active_count() == 1


def aside(work: Callable[[], T]) -> Callable[[], T]:
    """Start ``work`` beside this process; the returned call waits for its result."""
    if not _can_fork():
        return work
    sys.stdout.flush()  # what is buffered now is written once, by this process
    sys.stderr.flush()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: do the work, send it back, leave without running the parent's exit code
        status = 1
        try:
            os.close(read)
            data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as out:
                out.write(data)
            status = 0
        except BaseException:
            pass
        finally:
            try:  # what the work itself wrote
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(status)
    os.close(write)

    def result() -> T:
        with os.fdopen(read, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        if status == 0 and data:
            value: Any = pickle.loads(data)
            return value  # type: ignore[no-any-return]
        return work()

    return result
