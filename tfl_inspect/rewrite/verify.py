"""Check a rewrite with the real runtime: LiteRT runs both models on the same seeded inputs.

Runs in a child process (:mod:`tfl_inspect.runtime`) because the interpreter can crash or print
to C++ stderr. Subgraph 0 is fed positionally; signatures on other subgraphs run through their
signature runners, and so does every signature whose names the rewrite changed (called by the new
names). Inputs run at the rewritten model's shapes, or at the shapes given for them
(``--verify-input``); an unknown dim runs at its recorded placeholder (1), and the result says
so. Both models use LiteRT's built-in kernels without default delegates, so the comparison is
bit for bit: float outputs must have identical bytes. Where a rewrite changed an I/O type
(``--io-type``), the integer side gets integers and the float side the real values they stand
for (``scale * (q - zero_point)``); outputs are compared after quantizing the float side with the
integer side's parameters. The child also counts the ops XNNPACK takes in each model (DELEGATE
nodes with node fusion disabled).

Every invoke streams a big file's weights through the page cache (:class:`~tfl_inspect.runtime.Streamed`),
so the child's resident set stays near one layer's weights; the bytes LiteRT reads are the same.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import UsageError
from ..runtime import Outcome, Streamed, call, one_line
from ..runtime import start as start_child
from .report import FixReport, LintDelta, Verification

__all__ = ["verify", "start", "Pending", "compare", "lint_delta", "xnnpack_ops", "resolve_shapes", "renames"]

SEED = 20260
_XNNPACK_MAX_BYTES = 256 << 20
_COMPARE = "tfl_inspect.rewrite.verify:compare"

Shapes = Mapping[str, Sequence[int]]  # "SUBGRAPH:TENSOR" -> the shape to run that input at
Renames = Mapping[str, Mapping[str, Mapping[str, str]]]  # signature -> "inputs"/"outputs" -> old -> new name


def verify(original: str | os.PathLike[str], rewritten: str | os.PathLike[str], **options: Any) -> Verification:
    """Run both models in a child process and compare their outputs (``options``: :func:`start`'s)."""
    return start(original, rewritten, **options).result()


class Pending:
    """A verification running in its child process while the caller does other work (re-lint)."""

    def __init__(
        self,
        original: str,
        rewritten: str,
        timeout: float,
        xnnpack: bool,
        shapes: Shapes | None,
        renames: Renames | None,
    ) -> None:
        self.original, self.rewritten, self.timeout, self.xnnpack = original, rewritten, timeout, xnnpack
        args = (dict(shapes or {}), {k: {r: dict(m) for r, m in v.items()} for k, v in (renames or {}).items()})
        self.running = start_child(_COMPARE, original, rewritten, SEED, *args, timeout=timeout)

    def result(self) -> Verification:
        """Wait for the child; with ``xnnpack``, also count the ops XNNPACK takes in each model
        (one child per model: the delegate aborts the process on some models, which says nothing
        about the rewrite)."""
        done = self.running.result()
        if done.ended == "timeout":
            return Verification("failed", f"LiteRT did not finish within {self.timeout:.0f} s", SEED)
        if not done.ok:
            return self._crashed(done)
        result = Verification(**done.value)
        if self.xnnpack and os.path.getsize(self.original) < _XNNPACK_MAX_BYTES:  # XNNPACK copies packed weights
            result.xnnpack_before = _count_in_child(self.original, self.timeout)
            result.xnnpack_after = _count_in_child(self.rewritten, self.timeout)
        return result

    def _crashed(self, done: Outcome) -> Verification:
        """The rewritten model crashed LiteRT, or the input model does too: run it alone to tell."""
        if done.ended == "raised":
            tail = f"{done.exception}: {done.error}"
        else:
            tail = done.error or done.how()
        alone = call(_COMPARE, self.original, self.original, SEED, timeout=self.timeout)
        if not alone.ok:
            return Verification("unverifiable", f"LiteRT crashes on the input model too: {tail[:300]}", SEED)
        return Verification("failed", f"LiteRT crashed running the rewritten model: {tail[:300]}", SEED)


def start(
    original: str | os.PathLike[str],
    rewritten: str | os.PathLike[str],
    timeout: float = 900,
    xnnpack: bool = False,
    shapes: Shapes | None = None,
    renames: Renames | None = None,
) -> Pending:
    """Start :func:`verify` in its child process; ``.result()`` waits for it."""
    return Pending(str(original), str(rewritten), timeout, xnnpack, shapes, renames)


def resolve_shapes(model: Any, report: FixReport, given: Any) -> dict[str, list[int]]:
    """``--verify-input NAME=SHAPE`` (names as the rewritten ``model`` has them) as the child's
    ``"SUBGRAPH:TENSOR" -> shape``; only dims the rewritten model leaves unknown may be chosen."""
    from ..escape import text as esc
    from ..shapes.infer import resolve_inputs
    from .passes import shape_map

    sg = model.subgraphs[report.subgraph]
    sig = model.signature(report.signature) if report.signature else None
    out: dict[str, list[int]] = {}
    for name, shape in shape_map(given, "--verify-input").items():
        ((i, dims),) = resolve_inputs(model, sg, sig, {name: shape}).items()
        recorded = sg.tensors[i].shape_signature if sg.tensors[i].has_rank else ()
        if any(d < 0 for d in dims):
            raise UsageError(f"--verify-input {esc(str(name))!r}: give every dim a size, not {list(dims)}")
        if any(r >= 0 and r != d for r, d in zip(recorded, dims, strict=False)):
            raise UsageError(
                f"--verify-input {esc(str(name))!r}: the rewritten model fixes this input at {list(recorded)}; "
                "only its unknown (-1) dims can be chosen"
            )
        out[f"{report.subgraph}:{i}"] = [int(d) for d in dims]
    return out


def renames(report: FixReport) -> dict[str, dict[str, dict[str, str]]]:
    """The signature names the rewrite changed, for the child to call the rewritten model by them."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for r in report.signature_renamed:
        out.setdefault(r.signature, {}).setdefault(r.role + "s", {})[r.old] = r.new
    return out


def _count_in_child(path: str, timeout: float) -> int | None:
    done = call("tfl_inspect.rewrite.verify:xnnpack_ops", path, timeout=timeout)
    return done.value if done.ok and isinstance(done.value, int) else None


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


def _interpreter(path: str) -> Any:
    """LiteRT's built-in kernels without default delegates: deterministic, bit-comparable results."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType  # type: ignore[import-untyped]

    return Interpreter(model_path=path, experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)


def _shape(d: dict[str, Any], sub: int, shapes: Shapes) -> tuple[list[int], str]:
    """The shape to run an input at, and where it comes from: ``given`` (``--verify-input``),
    ``static`` (the rewritten model's own) or ``recorded`` (an unknown dim, run as recorded: 1)."""
    given = shapes.get(f"{sub}:{d['index']}")
    if given is not None:
        return [int(x) for x in given], "given"
    sig = d.get("shape_signature")
    unknown = sig is not None and any(int(x) < 0 for x in sig)
    return [int(x) for x in d["shape"]], "recorded" if unknown else "static"


def _sources(found: set[str]) -> str:
    return next((k for k in ("recorded", "given") if k in found), "static")


def compare(
    original: str, rewritten: str, seed: int = SEED, shapes: Shapes | None = None, renames: Renames | None = None
) -> dict[str, Any]:
    """Run both models in this process (callers use a child process) and compare; a Verification's fields."""
    import numpy as np

    out: dict[str, Any] = {"status": "identical", "message": "", "seed": seed, "inputs": [], "outputs": []}
    out["input_shapes"] = None
    try:
        a = _interpreter(original)
    except Exception as exc:  # LiteRT's own words are the finding
        return {**out, "status": "unverifiable", "message": f"LiteRT cannot load the input model: {one_line(exc)}"}
    try:
        b = _interpreter(rewritten)
    except Exception as exc:
        return {**out, "status": "failed", "message": f"LiteRT cannot load the rewritten model: {one_line(exc)}"}
    rng = np.random.default_rng(seed)
    feeds = _feeds(a, b, rng, shapes or {}, out)
    if feeds is None:
        return out
    aout, bout = a.get_output_details(), b.get_output_details()
    if len(aout) != len(bout):
        return {**out, "status": "different", "message": f"{len(aout)} outputs became {len(bout)}"}
    # One model at a time: the two never need to be mapped together (and each run streams a
    # big file's weights, see Streamed).
    del b
    a_out, a_error = _run(a, original, [(da, va) for da, va, _, _ in feeds], aout)
    del a
    gc.collect()
    b = _interpreter(rewritten)
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
        _record(out, str(db["name"]), ra, rb)
    if out["status"] == "identical":
        del b
        gc.collect()
        _signatures(original, rewritten, rng, shapes or {}, renames or {}, out)
    if out["status"] == "different":
        bad = [o["name"] for o in out["outputs"] if not o["equal"]]
        out["message"] = f"outputs differ: {', '.join(bad)}"
    return out


def _feeds(a: Any, b: Any, rng: Any, shapes: Shapes, out: dict[str, Any]) -> list[tuple[Any, Any, Any, Any]] | None:
    """Subgraph 0's inputs for both models (resized to the shapes to check at), or None with ``out`` saying why."""
    import numpy as np

    ain, bin_ = a.get_input_details(), b.get_input_details()
    if len(ain) != len(bin_):
        out.update(status="different", message=f"{len(ain)} inputs became {len(bin_)}")
        return None
    feeds, found = [], set()
    try:
        for da, db in zip(ain, bin_, strict=True):
            shape, source = _shape(db, 0, shapes)
            found.add(source)
            if list(da["shape"]) != shape:
                a.resize_tensor_input(da["index"], shape)  # the input model takes the shape (or says why not)
            vb = _gen(rng, db["dtype"], shape, quantized=_qparams(db) is not None)
            va = vb if np.dtype(da["dtype"]) == np.dtype(db["dtype"]) else _to_side(vb, db, da)
            feeds.append((da, va, db, vb))
            out["inputs"].append({"name": str(db["name"]), "dtype": np.dtype(db["dtype"]).name, "shape": shape})
    except Exception as exc:
        out.update(status="unverifiable", message=f"cannot make inputs for this model: {one_line(exc)}")
        return None
    out["input_shapes"] = _sources(found)
    return feeds


def _record(out: dict[str, Any], name: str, ra: Any, rb: Any) -> None:
    """One output pair: bit-identical, or the largest difference (and the status becomes ``different``)."""
    import numpy as np

    ra, rb = np.asarray(ra), np.asarray(rb)
    equal = ra.shape == rb.shape and ra.dtype == rb.dtype and _bytes(ra) == _bytes(rb)
    diff = None
    if not equal and ra.shape == rb.shape and ra.dtype.kind in "fiub":
        diff = float(np.max(np.abs(ra.astype(np.float64) - rb.astype(np.float64)))) if ra.size else 0.0
    out["outputs"].append({"name": name, "shape": list(rb.shape), "equal": equal, "max_abs_diff": diff})
    if not equal:
        out["status"] = "different"


def _runners(path: str, every: bool) -> tuple[Any, dict[str, Any]]:
    """Signature runners on subgraphs other than 0 (which the positional run covered), or on all of them."""
    it = _interpreter(path)
    found = {}
    for key in it.get_signature_list():
        r = it.get_signature_runner(key)
        if every or getattr(r, "_subgraph_index", 0) != 0:
            found[key] = r
    return it, found


def _signatures(original: str, rewritten: str, rng: Any, shapes: Shapes, renames: Renames, out: dict) -> None:
    """Run signatures through their runners, by name: those on other subgraphs, and every one whose
    input or output names the rewrite changed (the new names must work)."""
    every = bool(renames)
    _, b_runners = _runners(rewritten, every)
    feeds: dict[str, dict[str, Any]] = {}
    for key, r in b_runners.items():
        sub = getattr(r, "_subgraph_index", 0)
        feeds[key] = {}
        for n, d in r.get_input_details().items():
            shape, _ = _shape(d, sub, shapes)
            feeds[key][n] = _gen(rng, d["dtype"], shape)
    if not feeds:
        return
    del b_runners
    results: dict[str, dict[str, Any]] = {}
    for side, path in (("a", original), ("b", rewritten)):
        it, rs = _runners(path, every)
        for key, r in rs.items():
            new_in = renames.get(key, {}).get("inputs", {})
            feed = feeds.get(key)
            if feed is not None and side == "a":
                feed = {old: feed[new_in.get(old, old)] for old in r.get_input_details()}
            try:
                with Streamed(path):
                    results.setdefault(key, {})[side] = r(**feed) if feed is not None else None
            except Exception as exc:  # LiteRT's own words are the finding
                results.setdefault(key, {})[side] = one_line(exc)
        del it, rs
        gc.collect()
    _compare_signatures(results, renames, out)


def _compare_signatures(results: dict[str, dict[str, Any]], renames: Renames, out: dict) -> None:
    for key, sides in results.items():
        ra, rb = sides.get("a"), sides.get("b")
        if isinstance(ra, str) or ra is None:
            continue  # the input model cannot run this signature: nothing to compare with
        if not isinstance(rb, dict):
            out["status"] = "failed"
            out["message"] = f"LiteRT cannot run signature {key} of the rewritten model: {rb}"
            return
        new_out = renames.get(key, {}).get("outputs", {})
        for name in sorted(ra):
            new = new_out.get(name, name)
            if new not in rb:
                out["outputs"].append({"name": f"{key}/{new}", "shape": [], "equal": False, "max_abs_diff": None})
                out["status"] = "different"
                continue
            _record(out, f"{key}/{new}", ra[name], rb[new])


def _run(
    it: Any, path: str, feeds: list[tuple[dict[str, Any], Any]], outputs: list[dict[str, Any]]
) -> tuple[Any, str | None]:
    """Resize to the values' shapes, allocate, feed, invoke, and copy the outputs out; or LiteRT's error."""
    try:
        for d, value in feeds:
            if list(d["shape"]) != list(value.shape):
                it.resize_tensor_input(d["index"], list(value.shape))
        it.allocate_tensors()
        for d, value in feeds:
            it.set_tensor(d["index"], value)
        with Streamed(path):
            it.invoke()
        return [it.get_tensor(d["index"]) for d in outputs], None
    except Exception as exc:  # LiteRT's own words are the finding
        return None, one_line(exc)
