"""Download real third-party ``.tflite`` models that PyPI packages ship, for the tests.

Users judge the tool on models they did not convert themselves, so the tests run every command over
models published by others: MediaPipe's solution models (float16 and sparse weights, MediaPipe custom ops
with raw C-struct options, TFLite Metadata with an appended ZIP of associated files, TOCO-era files) and
two wake-word packages (streaming keyword spotters with resource variables and a CALL_ONCE init subgraph;
openWakeWord's melspectrogram/embedding front-ends).

The wheels are fetched with ``pip download --no-deps`` (pinned versions, so the set of models is stable),
cached in ``tests/data/thirdparty/.wheels/``, and only their ``.tflite`` members are extracted to
``tests/data/thirdparty/<source>/``. Nothing here is committed (``tests/data/`` is gitignored).

Run: ``python tests/fetch_models.py [DEST]``. Idempotent; prints one line per model; exits 0 even when a
source cannot be fetched (offline CI): it says which source failed and the tests skip what is missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DEST = Path(os.environ.get("TFL_INSPECT_THIRDPARTY", ROOT / "tests" / "data" / "thirdparty"))

# Wheels are platform wheels for some packages; we only read files out of them, so we ask pip for a
# fixed platform/Python whatever the host is.
_PLATFORM_ARGS = (
    "--only-binary=:all:",
    "--python-version",
    "3.11",
    "--platform",
    "manylinux2014_x86_64",
    "--platform",
    "manylinux_2_35_x86_64",
    "--platform",
    "any",
)


@dataclass(frozen=True)
class Source:
    name: str  # directory under DEST
    requirement: str  # pinned pip requirement
    prefix: str  # only .tflite members under this path inside the wheel
    why: str


SOURCES: tuple[Source, ...] = (
    Source(
        "mediapipe",
        "mediapipe==0.10.14",
        "mediapipe/modules/",
        "vision models: float16 + sparse weights, MediaPipe custom ops, metadata + associated files, TOCO-era",
    ),
    Source(
        "pymicro-wakeword",
        "pymicro-wakeword==2.5.0",
        "pymicro_wakeword/models/",
        "microWakeWord streaming keyword spotters: resource variables, CALL_ONCE, int8 in / uint8 out",
    ),
    Source(
        "pyopen-wakeword",
        "pyopen-wakeword==1.1.0",
        "pyopen_wakeword/models/",
        "openWakeWord: melspectrogram and embedding front-ends, wake-word classifiers",
    ),
)


def _wheel(source: Source, cache: Path, timeout: float) -> Path:
    """The cached wheel of ``source``, downloaded once."""
    target = cache / source.name
    target.mkdir(parents=True, exist_ok=True)
    wheels = sorted(target.glob("*.whl"))
    if wheels:
        return wheels[0]
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "-q",
        "--disable-pip-version-check",
        "--timeout",
        "30",
        "--retries",
        "2",
        "-d",
        str(target),
        *_PLATFORM_ARGS,
        source.requirement,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    wheels = sorted(target.glob("*.whl"))
    if proc.returncode != 0 or not wheels:
        lines = [ln for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip() and "WARNING" not in ln]
        raise RuntimeError(lines[-1] if lines else f"pip exited {proc.returncode}")
    return wheels[0]


def _extract(source: Source, wheel: Path, dest: Path) -> list[tuple[Path, int, bool]]:
    """Extract the wheel's ``.tflite`` members (flattened names); (path, size, was already there)."""
    out: list[tuple[Path, int, bool]] = []
    with zipfile.ZipFile(wheel) as zf:
        members = [i for i in zf.infolist() if i.filename.startswith(source.prefix) and i.filename.endswith(".tflite")]
        for info in sorted(members, key=lambda i: i.filename):
            path = dest / source.name / Path(info.filename).name
            if path.is_file() and path.stat().st_size == info.file_size:
                out.append((path, info.file_size, True))
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            tmp.write_bytes(zf.read(info))
            tmp.replace(path)
            out.append((path, info.file_size, False))
    return out


def fetch(dest: Path = DEFAULT_DEST, timeout: float = 300) -> tuple[int, list[str]]:
    """Fetch every source into ``dest``; returns (models available, names of sources that failed)."""
    cache = dest / ".wheels"
    count, failed = 0, []
    for source in SOURCES:
        try:
            wheel = _wheel(source, cache, timeout)
            models = _extract(source, wheel, dest)
        except zipfile.BadZipFile as exc:
            for bad in (cache / source.name).glob("*.whl"):
                bad.unlink()  # a damaged cached wheel: fetched again next run
            print(f"FAILED  {source.name} ({source.requirement}): damaged wheel removed ({exc})")
            failed.append(source.name)
            continue
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            print(f"FAILED  {source.name} ({source.requirement}): {exc}")
            failed.append(source.name)
            continue
        if not models:
            print(f"FAILED  {source.name} ({source.requirement}): no .tflite under {source.prefix}")
            failed.append(source.name)
        for path, size, cached in models:
            state = "cached" if cached else "fetched"
            print(f"{state:8}{path.relative_to(dest)}  {size} bytes")
            count += 1
    return count, failed


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    dest = Path(args[0]) if args else DEFAULT_DEST
    count, failed = fetch(dest)
    tail = f"; sources that failed: {', '.join(failed)} (tests skip what is missing)" if failed else ""
    print(f"{count} third-party models in {dest}{tail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
