"""Print `.tflite` files as TFL-dialect MLIR with TensorFlow's Analyzer, one file per model.

Usage: ``python capture_analyzer.py OUT_DIR MODEL...`` writes ``OUT_DIR/<i>.mlir`` for the i-th
model (its stdout captured at the file-descriptor level, because the Analyzer prints from C++)
and ``OUT_DIR/<i>.done`` once it is complete. The Analyzer crashes (SIGSEGV) on a few models,
so :func:`capture` runs this script in a subprocess and restarts it after the model that
killed it: one TensorFlow import for the whole batch unless something crashes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["capture"]


def _main(out_dir: str, models: list[str], start: int) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    out = Path(out_dir)
    for i in range(start, len(models)):
        done = out / f"{i}.done"
        if done.exists():
            continue
        (out / "current").write_text(str(i))
        sys.stdout.flush()
        fd = os.open(out / f"{i}.mlir", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        saved = os.dup(1)
        os.dup2(fd, 1)
        try:
            tf.lite.experimental.Analyzer.analyze(model_path=models[i], experimental_use_mlir=True)
        except Exception as exc:
            (out / f"{i}.error").write_text(f"{type(exc).__name__}: {exc}")
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(fd)
            os.close(saved)
        done.write_text("ok")


def capture(models: list[Path], out_dir: Path, timeout: float = 600) -> dict[Path, str | None]:
    """Analyzer MLIR text per model (None where the Analyzer failed or crashed); cached in out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [str(m) for m in models]
    listing = out_dir / "models.txt"
    if not listing.exists() or listing.read_text().splitlines() != paths:
        for f in out_dir.iterdir():
            f.unlink()
        listing.write_text("\n".join(paths))
    start = 0
    while start < len(paths):
        if all((out_dir / f"{i}.done").exists() for i in range(start, len(paths))):
            break
        proc = subprocess.run(
            [sys.executable, __file__, str(out_dir), str(start), *paths],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
        )
        if proc.returncode == 0:
            break
        current = out_dir / "current"
        crashed = int(current.read_text()) if current.exists() else start
        (out_dir / f"{crashed}.error").write_text(f"Analyzer crashed (exit {proc.returncode})")
        (out_dir / f"{crashed}.done").write_text("crashed")
        start = crashed + 1
    result: dict[Path, str | None] = {}
    for i, m in enumerate(models):
        text_file = out_dir / f"{i}.mlir"
        failed = (out_dir / f"{i}.error").exists()
        result[m] = None if failed or not text_file.exists() else text_file.read_text(errors="replace")
    return result


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[3:], int(sys.argv[2]))
