"""Check a rewrite with the real runtime: LiteRT runs both models on the same seeded inputs.

Runs in a child process (``python -m tfl_inspect.rewrite.verify``) because the interpreter can
crash or print to C++ stderr. Subgraph 0 is fed positionally; signatures on other subgraphs run
through their signature runners. Both models use LiteRT's built-in kernels without default
delegates, so the comparison is bit for bit: float outputs must have identical bytes. Where a
rewrite changed an I/O type (``--io-type``), the integer side gets integers and the float side
the real values they stand for (``scale * (q - zero_point)``); outputs are compared after
quantizing the float side with the integer side's parameters. The child also counts the ops
XNNPACK takes in each model (DELEGATE nodes with node fusion disabled).

LiteRT maps the model file read-only and reads weights through the mapping, so every weight
page it touches stays in the child's resident set: a 2 GB model would cost 2 GB of RSS, all of
it clean page cache. For big files the child therefore drops the page-table entries of that
mapping while the interpreter runs (:class:`_Streamed`), so weights stream through the page
cache and the resident set stays near one layer's weights. The bytes LiteRT reads are the same.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from .report import LintDelta, Verification

__all__ = ["verify", "start", "Pending", "compare", "lint_delta", "xnnpack_ops"]

SEED = 20260
_XNNPACK_MAX_BYTES = 256 << 20
_STREAM_MIN_BYTES = 64 << 20  # files above this stream their weights through the page cache
_MADV_DONTNEED = 4  # the same value on Linux and macOS


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return env


def verify(
    original: str | os.PathLike[str],
    rewritten: str | os.PathLike[str],
    timeout: float = 900,
    xnnpack: bool = False,
) -> Verification:
    """Run both models in a child process and compare their outputs."""
    return start(original, rewritten, timeout, xnnpack).result()


class Pending:
    """A verification running in its child process while the caller does other work (re-lint)."""

    def __init__(self, original: str, rewritten: str, timeout: float, xnnpack: bool) -> None:
        self.original, self.rewritten, self.timeout, self.xnnpack = original, rewritten, timeout, xnnpack
        argv = [sys.executable, "-m", "tfl_inspect.rewrite.verify", original, rewritten, str(SEED)]
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=_child_env()
        )

    def result(self) -> Verification:
        """Wait for the child; with ``xnnpack``, also count the ops XNNPACK takes in each model
        (one child per model: the delegate aborts the process on some models, which says nothing
        about the rewrite)."""
        try:
            stdout, stderr = self.proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            return Verification("failed", f"LiteRT did not finish within {self.timeout:.0f} s", SEED)
        lines = [ln for ln in stdout.splitlines() if ln.startswith("{")]
        if self.proc.returncode != 0 or not lines:
            tail = (stderr.strip().splitlines() or [f"exit status {self.proc.returncode}"])[-1]
            alone = [sys.executable, "-m", "tfl_inspect.rewrite.verify", self.original, self.original, str(SEED)]
            try:
                again = subprocess.run(
                    alone, capture_output=True, text=True, timeout=self.timeout, env=_child_env(), check=False
                )
                crashes_alone = again.returncode != 0
            except subprocess.TimeoutExpired:
                crashes_alone = True
            if crashes_alone:
                return Verification("unverifiable", f"LiteRT crashes on the input model too: {tail[:300]}", SEED)
            return Verification("failed", f"LiteRT crashed running the rewritten model: {tail[:300]}", SEED)
        result = Verification(**json.loads(lines[-1]))
        if self.xnnpack and os.path.getsize(self.original) < _XNNPACK_MAX_BYTES:  # XNNPACK copies packed weights
            result.xnnpack_before = _count_in_child(self.original, self.timeout)
            result.xnnpack_after = _count_in_child(self.rewritten, self.timeout)
        return result


def start(
    original: str | os.PathLike[str], rewritten: str | os.PathLike[str], timeout: float = 900, xnnpack: bool = False
) -> Pending:
    """Start :func:`verify` in its child process; ``.result()`` waits for it."""
    return Pending(str(original), str(rewritten), timeout, xnnpack)


def _count_in_child(path: str | os.PathLike[str], timeout: float) -> int | None:
    argv = [sys.executable, "-m", "tfl_inspect.rewrite.verify", "--xnnpack", str(path)]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=_child_env(), check=False)
    except subprocess.TimeoutExpired:
        return None
    last = proc.stdout.strip().splitlines()[-1:] if proc.returncode == 0 else []
    return int(last[0]) if last and last[0].isdigit() else None


def lint_delta(before: Any, after: Any) -> LintDelta:
    """Lint both models (Model objects) and count findings by rule."""
    from collections import Counter

    from ..rules import run

    a, b = run(before), run(after)
    ca, cb = Counter(f.rule for f in a), Counter(f.rule for f in b)
    delta = LintDelta(dict(sorted(ca.items())), dict(sorted(cb.items())))
    delta.removed = {r: ca[r] - cb.get(r, 0) for r in sorted(ca) if ca[r] > cb.get(r, 0)}
    delta.added = {r: cb[r] - ca.get(r, 0) for r in sorted(cb) if cb[r] > ca.get(r, 0)}
    delta.added_messages = [f"{f.rule}: {f.message}" for f in b if f.rule in delta.added][:20]
    return delta


# --- the child -----------------------------------------------------------------------------


def xnnpack_ops(path: str) -> int | None:
    """How many ops XNNPACK takes: DELEGATE nodes once node fusion is disabled."""
    from ai_edge_litert.interpreter import Interpreter  # type: ignore[import-untyped]

    try:
        it = Interpreter(model_path=path, experimental_disable_delegate_node_fusion=True)
        it.allocate_tensors()
        return sum(1 for d in it._get_ops_details() if d.get("op_name") == "DELEGATE")
    except Exception:  # a model XNNPACK cannot take at all
        return None


def _qparams(d: dict[str, Any]) -> tuple[float, int] | None:
    scale, zp = d.get("quantization", (0.0, 0))
    return (float(scale), int(zp)) if scale else None


def _gen(rng: Any, dtype: Any, shape: Any, quantized: bool = False) -> Any:
    """Seeded inputs: normal floats; 8-bit and quantized integers over their whole range; other
    integers (indices, lengths) small, so gathers and slices stay in bounds."""
    import numpy as np

    dt = np.dtype(dtype)
    if dt.kind == "f":
        return rng.standard_normal(shape).astype(dt)
    if dt.kind == "b":
        return rng.integers(0, 2, shape).astype(dt)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        lo, hi = (info.min, info.max) if dt.itemsize == 1 or quantized else (0, 3)
        return rng.integers(lo, hi, shape, endpoint=True).astype(dt)
    if dt.kind in "SOU":
        words = [b"a", b"bc", b"def", b""]
        flat = [words[int(k)] for k in rng.integers(0, len(words), int(np.prod(shape, dtype=np.int64)))]
        return np.array(flat, dtype=object).reshape(shape)
    raise ValueError(f"cannot make inputs of type {dt}")


def _bytes(a: Any) -> Any:
    """What to compare: raw bytes, or the values themselves for strings (object arrays)."""
    return a.tolist() if a.dtype.kind in "OSU" else a.tobytes()


def _to_side(values: Any, src: dict[str, Any], dst: dict[str, Any]) -> Any:
    """``values`` of tensor ``src`` expressed in ``dst``'s type (real values, or requantized)."""
    import numpy as np

    real = values.astype(np.float64)
    ps = _qparams(src)
    if ps is not None and np.dtype(src["dtype"]).kind in "iu":
        real = ps[0] * (real - ps[1])
    dt = np.dtype(dst["dtype"])
    pd = _qparams(dst)
    if dt.kind in "iu" and pd is not None:
        info = np.iinfo(dt)
        return np.clip(np.round(real / pd[0]) + pd[1], info.min, info.max).astype(dt)
    return real.astype(dt)


def compare(original: str, rewritten: str, seed: int = SEED) -> dict[str, Any]:
    """Run both models in this process (callers use a child process) and compare; a Verification's fields."""
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter, OpResolverType  # type: ignore[import-untyped]

    kw = {"experimental_op_resolver_type": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES}
    out: dict[str, Any] = {"status": "identical", "message": "", "seed": seed, "inputs": [], "outputs": []}
    try:
        a = Interpreter(model_path=original, **kw)
    except Exception as exc:  # LiteRT's own words are the finding
        return {**out, "status": "unverifiable", "message": f"LiteRT cannot load the input model: {_line(exc)}"}
    try:
        b = Interpreter(model_path=rewritten, **kw)
    except Exception as exc:
        return {**out, "status": "failed", "message": f"LiteRT cannot load the rewritten model: {_line(exc)}"}
    ain, bin_ = a.get_input_details(), b.get_input_details()
    if len(ain) != len(bin_):
        return {**out, "status": "different", "message": f"{len(ain)} inputs became {len(bin_)}"}
    rng = np.random.default_rng(seed)
    feeds = []
    try:
        for da, db in zip(ain, bin_, strict=True):
            shape = [int(d) for d in db["shape"]]
            if list(da["shape"]) != shape:
                a.resize_tensor_input(da["index"], shape)
            vb = _gen(rng, db["dtype"], shape, quantized=_qparams(db) is not None)
            va = vb if np.dtype(da["dtype"]) == np.dtype(db["dtype"]) else _to_side(vb, db, da)
            feeds.append((da, va, db, vb))
            out["inputs"].append({"name": str(db["name"]), "dtype": np.dtype(db["dtype"]).name, "shape": shape})
    except Exception as exc:
        return {**out, "status": "unverifiable", "message": f"cannot make inputs for this model: {_line(exc)}"}
    aout, bout = a.get_output_details(), b.get_output_details()
    if len(aout) != len(bout):
        return {**out, "status": "different", "message": f"{len(aout)} outputs became {len(bout)}"}
    # One model at a time: the two never need to be mapped together (and each run streams a
    # big file's weights, see _Streamed).
    del b
    a_out, a_error = _run(a, original, [(da, va) for da, va, _, _ in feeds], aout)
    del a
    gc.collect()
    b = Interpreter(model_path=rewritten, **kw)
    b_out, b_error = _run(b, rewritten, [(db, vb) for _, _, db, vb in feeds], bout)
    if a_error is not None:
        same = "the same way" if a_error == b_error else ("too" if b_error else "(the rewritten one runs)")
        return {**out, "status": "unverifiable", "message": f"LiteRT cannot run the input model {same}: {a_error}"}
    if b_error is not None:
        return {**out, "status": "failed", "message": f"LiteRT cannot run the rewritten model: {b_error}"}
    assert a_out is not None and b_out is not None
    for da, db, ra, rb in zip(aout, bout, a_out, b_out, strict=True):
        if np.dtype(da["dtype"]) != np.dtype(db["dtype"]):
            ra = _to_side(ra, da, db)
        equal = ra.shape == rb.shape and ra.dtype == rb.dtype and _bytes(ra) == _bytes(rb)
        diff = None
        if not equal and ra.shape == rb.shape and ra.dtype.kind in "fiub":
            diff = float(np.max(np.abs(ra.astype(np.float64) - rb.astype(np.float64)))) if ra.size else 0.0
        out["outputs"].append({"name": str(db["name"]), "shape": list(rb.shape), "equal": equal, "max_abs_diff": diff})
        if not equal:
            out["status"] = "different"
    if out["status"] == "identical":
        del b
        gc.collect()
        _other_signatures(Interpreter, kw, original, rewritten, rng, out)
    if out["status"] == "different":
        bad = [o["name"] for o in out["outputs"] if not o["equal"]]
        out["message"] = f"outputs differ: {', '.join(bad)}"
    return out


def _same(ra: Any, rb: Any) -> tuple[bool, float | None]:
    """Bit-identical, or the largest difference."""
    import numpy as np

    equal = ra.shape == rb.shape and ra.dtype == rb.dtype and _bytes(ra) == _bytes(rb)
    diff = None
    if not equal and ra.shape == rb.shape and ra.dtype.kind in "fiub":
        diff = float(np.max(np.abs(ra.astype(np.float64) - rb.astype(np.float64)))) if ra.size else 0.0
    return equal, diff


def _other_signatures(interpreter: Any, kw: dict[str, Any], original: str, rewritten: str, rng: Any, out: dict) -> None:
    """Signatures on subgraphs other than 0 (which the positional run covered), through signature runners."""
    import numpy as np

    def runners(path: str) -> tuple[Any, dict[str, Any]]:
        it = interpreter(model_path=path, **kw)
        found = {}
        for key in it.get_signature_list():
            r = it.get_signature_runner(key)
            if getattr(r, "_subgraph_index", 0) != 0:
                found[key] = r
        return it, found

    _, b_runners = runners(rewritten)
    feeds = {}
    for key, r in b_runners.items():
        details = r.get_input_details()
        feeds[key] = {n: _gen(rng, d["dtype"], [int(x) for x in d["shape"]]) for n, d in details.items()}
    if not feeds:
        return
    del b_runners
    results: dict[str, dict[str, Any]] = {}
    for side, path in (("a", original), ("b", rewritten)):
        it, rs = runners(path)
        for key, r in rs.items():
            try:
                with _Streamed(path):
                    results.setdefault(key, {})[side] = r(**feeds[key]) if key in feeds else None
            except Exception as exc:  # LiteRT's own words are the finding
                results.setdefault(key, {})[side] = _line(exc)
        del it, rs
        gc.collect()
    for key, sides in results.items():
        ra, rb = sides.get("a"), sides.get("b")
        if isinstance(ra, str) or ra is None:
            continue  # the input model cannot run this signature: nothing to compare with
        if not isinstance(rb, dict):
            out["status"] = "failed"
            out["message"] = f"LiteRT cannot run signature {key} of the rewritten model: {rb}"
            return
        for name in sorted(ra):
            if name not in rb:
                out["outputs"].append({"name": f"{key}/{name}", "shape": [], "equal": False, "max_abs_diff": None})
                out["status"] = "different"
                continue
            equal, diff = _same(np.asarray(ra[name]), np.asarray(rb[name]))
            out["outputs"].append(
                {"name": f"{key}/{name}", "shape": list(np.shape(rb[name])), "equal": equal, "max_abs_diff": diff}
            )
            if not equal:
                out["status"] = "different"


class _Streamed:
    """While the body runs, keep dropping the pages of ``path``'s read-only mappings from this
    process (``madvise(MADV_DONTNEED)`` every few ms). Safe only because LiteRT maps the model
    ``PROT_READ``: a dropped page is refaulted from the page cache with the same bytes. A no-op
    for small files and where ``/proc/self/maps`` or ``madvise`` is missing."""

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

    def __enter__(self) -> _Streamed:
        try:
            big = os.path.getsize(self.path) > _STREAM_MIN_BYTES
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


def _run(
    it: Any, path: str, feeds: list[tuple[dict[str, Any], Any]], outputs: list[dict[str, Any]]
) -> tuple[Any, str | None]:
    """Allocate, feed, invoke, and copy the outputs out; or LiteRT's error."""
    try:
        it.allocate_tensors()
        for d, value in feeds:
            it.set_tensor(d["index"], value)
        with _Streamed(path):
            it.invoke()
        return [it.get_tensor(d["index"]) for d in outputs], None
    except Exception as exc:  # LiteRT's own words are the finding
        return None, _line(exc)


def _line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:400]


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if sys.argv[1] == "--xnnpack":
        n = xnnpack_ops(sys.argv[2])
        sys.stdout.write(("" if n is None else str(n)) + "\n")
    else:
        sys.stdout.write(json.dumps(compare(sys.argv[1], sys.argv[2], int(sys.argv[3]))) + "\n")
