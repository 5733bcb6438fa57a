"""Ask the real TFLite Micro (the ``tflite_micro`` package) for its arena head, in child processes.

``RecordingMicroAllocator::PrintAllocations`` prints "Arena allocation head N bytes" from C++:
``SingleArenaBufferAllocator::GetNonPersistentUsedBytes``, i.e. the non-persistent section,
which after ``CommitStaticMemoryPlan`` is exactly the greedy planner's maximum extent
(``ReserveNonPersistentOverlayMemory(max_head_buffer_usage_)``). "tail" is the persistent
section (TFLM's own structs included), which we do not compare.
A model TFLM refuses (unsupported op, bad file) or that crashes it yields None.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

__all__ = ["arena_heads"]

_WORKER = r"""
import sys
from tflite_micro.python.tflite_micro import runtime
for path in sys.argv[1:]:
    print("BEGIN", path, flush=True)
    try:
        ip = runtime.Interpreter.from_file(path, arena_size=64 * 1024 * 1024)
        sys.stdout.flush()
        ip.print_allocations()
    except Exception as exc:  # the model is refused: no figure
        print("REFUSED", type(exc).__name__, flush=True)
    print("END", path, flush=True)
"""

_HEAD = re.compile(r"Arena allocation head (\d+) bytes")


def arena_heads(paths: list[Path], timeout: float = 600) -> dict[Path, int | None]:
    """Head bytes per model; a crashing model is skipped and the worker restarted after it."""
    out: dict[Path, int | None] = {}
    todo = list(paths)
    while todo:
        proc = subprocess.run(
            [sys.executable, "-c", _WORKER, *map(str, todo)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=timeout,
        )
        current: Path | None = None
        head: int | None = None
        done = 0
        for line in proc.stdout.splitlines():
            if line.startswith("BEGIN "):
                current, head = Path(line[6:]), None
            elif line.startswith("END ") and current is not None:
                out[current] = head
                done += 1
                current = None
            elif current is not None:
                m = _HEAD.search(line)
                if m:
                    head = int(m.group(1))
        if done == len(todo):
            break
        # The worker died inside todo[done]: record it as refused and carry on after it.
        out[todo[done]] = None
        todo = todo[done + 1 :]
    return out
