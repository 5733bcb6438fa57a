"""Second models for ``tfl-inspect diff`` benchmarks: each benchmark model with every tensor renamed.

A re-conversion gives tensors other generated names; renaming all of them forces the structural
alignment (no name matches at all) on the full 10k-op graph. Written to ``<models>/diff/<name>``
(a subfolder, so ``run.py`` does not benchmark them as models of their own).

Usage: python benchmarks/make_diff_models.py [--models-dir benchmarks/models] [--model ops10k] [--model big2gb]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write_renamed(src: Path, dst: Path) -> None:
    """Rename every tensor and write through tfl-inspect's fix writer, which keeps a > 2 GB
    model's data after the flatbuffer (a plain ``Builder`` stops at 2 GB)."""
    sys.path.insert(0, str(HERE.parent))
    from tfl_inspect.readers import load
    from tfl_inspect.rewrite.writer import read, write

    source = read(src, load(src).trailing_bytes)
    try:
        for s, sg in enumerate(source.model.subgraphs):
            for i, t in enumerate(sg.tensors):
                t.name = f"renamed_{s}_{i}".encode()
        write(source.model, source, dst)
    finally:
        source.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models-dir", type=Path, default=HERE / "models")
    ap.add_argument("--model", action="append", default=None, help="model stem(s) (default: ops10k, big2gb)")
    args = ap.parse_args(argv)
    out_dir = args.models_dir / "diff"
    out_dir.mkdir(parents=True, exist_ok=True)
    for stem in args.model or ["ops10k", "big2gb"]:
        src = args.models_dir / f"{stem}.tflite"
        if not src.is_file():
            print(f"missing {src}: run benchmarks/make_models.py first", file=sys.stderr)
            return 1
        dst = out_dir / src.name
        write_renamed(src, dst)
        print(f"wrote {dst} ({dst.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
