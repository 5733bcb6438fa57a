"""``--run``: both models on the same real-valued inputs, every aligned tensor measured.

Needs ``ai-edge-litert`` (imported here only). Both interpreters use
``BUILTIN_WITHOUT_DEFAULT_DELEGATES`` (XNNPACK rewrites ops and changes values) and
``experimental_preserve_all_tensors`` so intermediate tensors can be read after ``invoke``.
Integer-quantized inputs get the same real values as the float side: the values are snapped to
that input's quantization grid first, then quantized with its own scale and zero point.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import dtypes, naming
from ..errors import UsageError
from ..model import Model, Subgraph, Tensor
from .align import STEP_OPS
from .report import Alignment, Numeric, Pair, RunOptions, TensorError, is_int_quantized

__all__ = ["check_request", "run_in_process", "JUMP_DB", "metrics", "dequantize"]

JUMP_DB = 10.0  # SQNR lost at one tensor (10x more noise power) that marks the first divergence
_CAP_DB = 100.0  # SQNR at or above this counts as exact when computing jumps (float32 rounding is ~140 dB)


def metrics(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> tuple[float, float, float | None, float]:
    """(max |Δ|, RMSE, SQNR dB or None when there is no error, mean per-sample cosine) of B against A.

    MSE is the mean over samples of each sample's mean squared difference and cosine the mean of
    per-sample cosines: the aggregation ai-edge-quantizer's ``compare_model`` uses.
    """
    max_abs = 0.0
    mses, cosines = [], []
    signal = noise = 0.0
    for x, y in zip(a, b, strict=True):
        x = np.ravel(x).astype(np.float64)
        y = np.ravel(y).astype(np.float64)
        d = y - x
        if d.size:
            max_abs = max(max_abs, float(np.max(np.abs(d))))
            mses.append(float(np.mean(d * d)))
        else:
            mses.append(0.0)
        signal += float(np.dot(x, x))
        noise += float(np.dot(d, d))
        nx, ny = math.sqrt(float(np.dot(x, x))), math.sqrt(float(np.dot(y, y)))
        if not d.size:
            cosines.append(0.0)
        elif nx == 0 and ny == 0:
            cosines.append(1.0)
        elif nx == 0 or ny == 0:
            cosines.append(0.0)
        else:
            cosines.append(float(np.dot(x, y)) / (nx * ny))
    rmse = math.sqrt(float(np.mean(mses))) if mses else 0.0
    sqnr = None if noise == 0 else 10 * math.log10(max(signal, 1e-30) / noise)
    return max_abs, rmse, sqnr, float(np.mean(cosines)) if cosines else 1.0


def readable(t: Tensor) -> bool:
    """Values the interpreter hands back as numbers: not RESOURCE/VARIANT handles (reading those
    from Python crashes the runtime) nor strings."""
    return (
        dtypes.is_float(t.dtype)
        or t.dtype == "BOOL"
        or (dtypes.is_integer(t.dtype) and t.dtype not in ("INT4", "UINT4", "INT2"))
    )


def _scale_zp(t: Tensor, ndim: int) -> tuple[np.ndarray, np.ndarray]:
    q = t.quantization
    assert q is not None
    scale = np.asarray(q.scale, dtype=np.float64)
    zp = np.asarray(q.zero_point or [0] * len(q.scale), dtype=np.float64)
    if len(q.scale) > 1 and ndim > q.quantized_dimension:
        shape = [1] * ndim
        shape[q.quantized_dimension] = -1
        scale, zp = scale.reshape(shape), zp.reshape(shape)
    return scale, zp


def dequantize(t: Tensor, x: np.ndarray) -> np.ndarray:
    """Real values of an interpreter tensor (float64), dequantized when it is integer-quantized."""
    if is_int_quantized(t) and x.dtype.kind in "iu":
        scale, zp = _scale_zp(t, x.ndim)
        return (x.astype(np.float64) - zp) * scale
    return np.asarray(x, dtype=np.float64)


def _quantize(t: Tensor, x: np.ndarray) -> np.ndarray:
    row = dtypes.by_name(t.dtype)
    assert row is not None and row.qmin is not None and row.numpy is not None
    scale, zp = _scale_zp(t, x.ndim)
    return np.clip(np.round(x / scale) + zp, row.qmin, row.qmax).astype(row.numpy)


def _real_range(t: Tensor) -> tuple[float, float]:
    if is_int_quantized(t):
        row = dtypes.by_name(t.dtype)
        assert row is not None and row.qmin is not None and row.qmax is not None
        q = t.quantization
        assert q is not None
        s, z = q.scale[0], (q.zero_point[0] if q.zero_point else 0)
        return s * (row.qmin - z), s * (row.qmax - z)
    if dtypes.is_integer(t.dtype):
        return 1.0, 10.0  # positive: random integers are often divisors, sizes or counts
    return -1.0, 1.0


# -- inputs --------------------------------------------------------------------------------


def _io(model: Model, key: str | None) -> tuple[int, dict[str, int], dict[str, int]]:
    if key is not None:
        sig = model.signature(key)
        assert sig is not None
        return sig.subgraph, dict(sig.inputs), dict(sig.outputs)
    sg = model.subgraphs[0]
    return 0, {sg.tensors[i].name: i for i in sg.inputs}, {sg.tensors[i].name: i for i in sg.outputs}


def _choose_signature(ma: Model, mb: Model, signature: str | None) -> str | None:
    if signature is not None:
        return signature
    ka, kb = [s.key for s in ma.signatures], [s.key for s in mb.signatures]
    if not ka and not kb:
        return None
    common = [k for k in ka if k in kb]
    if not common:
        raise UsageError(f"--run needs a signature both models have: A has {ka or 'none'}, B has {kb or 'none'}")
    return common[0]


def _input_shape(t: Tensor) -> tuple[int, ...]:
    return tuple(d if d > 0 else 1 for d in (t.shape_signature if t.has_rank else t.shape))


def _load_inputs(
    path_or_dict: str | os.PathLike[str] | Mapping[str, Any], names: list[str], tensors: Mapping[str, Tensor]
) -> list[dict[str, np.ndarray]]:
    if isinstance(path_or_dict, Mapping):
        arrays = {k: np.asarray(v) for k, v in path_or_dict.items()}
        where = "inputs"
    else:
        where = f"--inputs {os.fspath(path_or_dict)}"
        try:
            with np.load(os.fspath(path_or_dict), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except (OSError, ValueError, EOFError) as exc:
            raise UsageError(f"{where}: cannot read as .npz ({' '.join(str(exc).split())})") from None
    missing = [n for n in names if n not in arrays]
    if missing:
        raise UsageError(f"{where}: no array for input(s) {', '.join(missing)} (it has: {', '.join(arrays) or 'none'})")
    counts = set()
    for n in names:
        rank = len(_input_shape(tensors[n]))
        arr = arrays[n]
        if arr.ndim == rank + 1:
            counts.add(arr.shape[0])
        elif arr.ndim == rank:
            counts.add(1)
            arrays[n] = arr[None]
        else:
            raise UsageError(
                f"{where}: array '{n}' has shape {list(arr.shape)}; input '{n}' has rank {rank} "
                "(give one sample, or samples stacked on a new first axis)"
            )
    if len(counts) != 1:
        raise UsageError(f"{where}: inputs have different sample counts {sorted(counts)}")
    n_samples = counts.pop()
    return [{n: np.asarray(arrays[n][i]) for n in names} for i in range(n_samples)]


def _random_inputs(
    names: list[str], ta: Mapping[str, Tensor], tb: Mapping[str, Tensor], samples: int, seed: int
) -> list[dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(samples):
        sample = {}
        for n in names:
            a, b = ta[n], tb[n]
            ref = b if is_int_quantized(b) else a
            lo, hi = _real_range(ref)
            shape = _input_shape(a)
            if not readable(a) or not readable(b):
                raise UsageError(
                    f"--run: input '{n}' is {a.dtype}; random values are numbers only: give it with --inputs"
                )
            if a.dtype == "BOOL":
                sample[n] = rng.integers(0, 2, size=shape).astype(bool)
            elif dtypes.is_integer(a.dtype) and not is_int_quantized(a):
                sample[n] = rng.integers(int(lo), int(hi), size=shape).astype(np.float64)
            else:
                sample[n] = rng.uniform(lo, hi, size=shape)
        out.append(sample)
    return out


def _feed(t: Tensor, real: np.ndarray) -> np.ndarray:
    """What to give the interpreter for real values ``real``: quantized for integer-quantized inputs."""
    if is_int_quantized(t):
        return _quantize(t, np.asarray(real, dtype=np.float64))
    row = dtypes.by_name(t.dtype)
    if row is None or not row.numpy:
        return np.asarray(real)  # strings and other non-numeric inputs go in as given
    return np.asarray(real).astype(row.numpy)


def _snap(ta: Tensor, tb: Tensor, real: np.ndarray) -> np.ndarray:
    """Real values both sides can represent exactly: on the integer side's grid when there is one."""
    for t in (tb, ta):
        if is_int_quantized(t):
            return dequantize(t, _quantize(t, np.asarray(real, dtype=np.float64)))
    return np.asarray(real)


# -- running -------------------------------------------------------------------------------


def _interpreter(source: str | bytes) -> Any:
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType  # type: ignore[import-untyped]
    except ImportError:
        raise UsageError("--run needs the LiteRT interpreter: pip install ai-edge-litert") from None
    kwargs = {
        "experimental_op_resolver_type": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        "experimental_preserve_all_tensors": True,
    }
    try:
        if isinstance(source, bytes | bytearray):
            return Interpreter(model_content=bytes(source), **kwargs)
        return Interpreter(model_path=source, **kwargs)
    except (ValueError, RuntimeError) as exc:
        raise UsageError(
            f"LiteRT cannot load {source if isinstance(source, str) else 'the model'}: "
            f"{' '.join(str(exc).split())[:300]}"
        ) from None


def _invoke(
    interp: Any, key: str | None, sg: Subgraph, names: Mapping[str, int], feed: Mapping[str, np.ndarray]
) -> None:
    try:
        if key is not None:
            interp.get_signature_runner(key)(**feed)
            return
        for name, t in names.items():
            interp.resize_tensor_input(t, feed[name].shape)
        interp.allocate_tensors()
        for name, t in names.items():
            interp.set_tensor(t, feed[name])
        interp.invoke()
    except (ValueError, RuntimeError) as exc:
        raise UsageError(f"LiteRT could not run the model: {' '.join(str(exc).split())[:300]}") from None


@dataclass(frozen=True)
class _Sides:
    """The signature (or subgraph 0) both models run, and each one's input tensors by input name."""

    key: str | None
    sa: int
    sb: int
    names: list[str]
    ins_a: dict[str, int]
    ins_b: dict[str, int]
    ta: dict[str, Tensor]
    tb: dict[str, Tensor]


def _sides(ma: Model, mb: Model, signature: str | None, samples: int) -> _Sides:
    """The usage errors that need no runtime, then what both runs feed."""
    if ma.format != "tflite" or mb.format != "tflite":
        raise UsageError("--run needs two .tflite files (MLIR text cannot be executed)")
    if samples < 1:
        raise UsageError("--samples must be at least 1")
    key = _choose_signature(ma, mb, signature)
    sa, ins_a, _ = _io(ma, key)
    sb, ins_b, _ = _io(mb, key)
    if key is None and len(ins_a) == len(ins_b):
        # No signatures: inputs by position, named as in A.
        ins_b = dict(zip(ins_a, ins_b.values(), strict=True))
    if set(ins_a) != set(ins_b):
        raise UsageError(f"--run: the models take different inputs (A: {', '.join(ins_a)}; B: {', '.join(ins_b)})")
    names = list(ins_a)
    ta = {n: ma.subgraphs[sa].tensors[ins_a[n]] for n in names}
    tb = {n: mb.subgraphs[sb].tensors[ins_b[n]] for n in names}
    return _Sides(key, sa, sb, names, ins_a, ins_b, ta, tb)


def check_request(ma: Model, mb: Model, run: RunOptions) -> None:
    """The usage errors that need no runtime: signatures, input names, the npz."""
    sides = _sides(ma, mb, run.signature, run.samples)
    if run.inputs is not None:
        _load_inputs(run.inputs, sides.names, sides.ta)


def run_in_process(
    ma: Model, mb: Model, al: Alignment, sources: tuple[str | bytes, str | bytes], run: RunOptions
) -> Numeric:
    """Run both interpreters here (the child process calls this)."""
    sides = _sides(ma, mb, run.signature, run.samples)
    if run.inputs is not None:
        data = _load_inputs(run.inputs, sides.names, sides.ta)
        inputs_from = "inputs" if isinstance(run.inputs, Mapping) else os.fspath(run.inputs)
    else:
        data = _random_inputs(sides.names, sides.ta, sides.tb, run.samples, run.seed)
        inputs_from = "random"
    ga, gb = ma.subgraphs[sides.sa], mb.subgraphs[sides.sb]
    pairs = [p for p in al.pairs if readable(ga.tensors[p.a]) and readable(gb.tensors[p.b])]
    values_a, values_b, local_inputs = _run(sides, ga, gb, al, sources, pairs, data, run.local)
    errors, skipped = _measure(ga, gb, pairs, values_a, values_b, ma.producer.id)
    errors = _with_jumps(ga, errors)
    if run.local:
        from .local import local_mse

        found = local_mse(ma, mb, sources[0], al, local_inputs)
        errors = [_replace(e, local_mse=found.get(e.a_tensor)) for e in errors]
    order = sorted(range(len(errors)), key=lambda i: (not errors[i].is_output, i))
    errors = [errors[i] for i in order]
    ranking = sorted(
        (i for i, e in enumerate(errors) if e.jump_db is not None and e.jump_db > 0),
        key=lambda i: -(errors[i].jump_db or 0.0),
    )
    exec_order = sorted(range(len(errors)), key=lambda i: _op_order(errors[i]))
    first = next((i for i in exec_order if (errors[i].jump_db or 0.0) >= JUMP_DB), None)
    return Numeric(
        signature=sides.key,
        samples=len(data),
        seed=run.seed,
        inputs_from=inputs_from,
        tensors=tuple(errors),
        ranking=tuple(ranking),
        first_divergence=first,
        skipped=tuple(skipped),
    )


_Values = dict[int, list[np.ndarray]]
_LocalInputs = list[tuple[dict[int, np.ndarray], dict[int, np.ndarray]]]


def _run(
    sides: _Sides,
    ga: Subgraph,
    gb: Subgraph,
    al: Alignment,
    sources: tuple[str | bytes, str | bytes],
    pairs: list[Pair],
    data: list[dict[str, np.ndarray]],
    local: bool,
) -> tuple[_Values, _Values, _LocalInputs]:
    """Both models on every sample: each aligned tensor's real values, and per sample what the
    local pass feeds (A's graph inputs and B's raw op inputs and outputs)."""
    ia, ib = _interpreter(sources[0]), _interpreter(sources[1])
    values_a: _Values = {p.a: [] for p in pairs}
    values_b: _Values = {p.b: [] for p in pairs}
    local_inputs: _LocalInputs = []
    names, ta, tb = sides.names, sides.ta, sides.tb
    for sample in data:
        real = {n: _snap(ta[n], tb[n], sample[n]) for n in names}
        _invoke(ia, sides.key, ga, sides.ins_a, {n: _feed(ta[n], real[n]) for n in names})
        _invoke(ib, sides.key, gb, sides.ins_b, {n: _feed(tb[n], real[n]) for n in names})
        # Several A tensors may stand for one B tensor (A's own QUANTIZE/DEQUANTIZE): read each once.
        for interp, sub, graph, values in ((ia, sides.sa, ga, values_a), (ib, sides.sb, gb, values_b)):
            for t in list(values):
                try:
                    values[t].append(dequantize(graph.tensors[t], np.array(interp.get_tensor(t, sub))))
                except ValueError:
                    del values[t]  # not kept by the runtime: reported as skipped
        if local:
            local_inputs.append(_local_sample(ia, ib, sides, ga, gb, al))
    return values_a, values_b, local_inputs


def _local_sample(
    ia: Any, ib: Any, sides: _Sides, ga: Subgraph, gb: Subgraph, al: Alignment
) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    wanted = {
        t
        for ob in al.op_pairs.values()
        for t in (*gb.operators[ob].inputs, *gb.operators[ob].outputs)
        if t >= 0 and not gb.tensors[t].is_constant and readable(gb.tensors[t])
    }
    b_vals = {}
    for t in wanted:
        try:
            b_vals[t] = np.array(ib.get_tensor(t, sides.sb))
        except ValueError:
            continue
    a_in = {t: np.array(ia.get_tensor(t, sides.sa)) for t in ga.inputs if readable(ga.tensors[t])}
    return a_in, b_vals


def _scope(sg: Subgraph, t: int, producer: str | None) -> str:
    """The layer a tensor was made in, as the views name it: the module of its producing op for
    PyTorch-born models (``layer1.0.relu``; ``""``: the root module), else the layer path its name shows."""
    if producer == "litert-torch":  # every tensor is made in a module: an input in the root's ``forward``
        op = sg.producer(t)
        if op >= 0:
            return naming.op_layer(sg, sg.operators[op], producer).name
        return naming.module_name(sg.tensors[t].name, producer) or ""
    return naming.scope(naming.layer(sg.tensors[t].name, producer))


def _measure(
    ga: Subgraph,
    gb: Subgraph,
    pairs: list[Pair],
    values_a: _Values,
    values_b: _Values,
    producer: str | None = None,
) -> tuple[list[TensorError], list[str]]:
    """Every aligned pair's error over the samples; the pairs that could not be measured, and why."""
    outputs_a = set(ga.outputs)
    errors: list[TensorError] = []
    skipped: list[str] = []
    for p in pairs:
        xa, xb = values_a.get(p.a), values_b.get(p.b)
        at = ga.tensors[p.a]
        if not xa or not xb or len(xa) != len(xb):
            skipped.append(f"{at.name}: not readable after invoke")
            continue
        if any(x.size != y.size for x, y in zip(xa, xb, strict=True)):
            skipped.append(f"{at.name}: {list(xa[0].shape)} in A, {list(xb[0].shape)} in B")
            continue
        max_abs, rmse, sqnr, cosine = metrics(xa, xb)
        steps = None
        for quantized in (gb.tensors[p.b], at):
            if is_int_quantized(quantized):
                q = quantized.quantization
                assert q is not None
                steps = max_abs / min(q.scale) if min(q.scale) > 0 else None
                break
        errors.append(
            TensorError(
                a_tensor=p.a,
                b_tensor=p.b,
                name=at.name,
                scope=_scope(ga, p.a, producer),
                is_output=p.a in outputs_a,
                max_abs=max_abs,
                rmse=rmse,
                sqnr_db=sqnr,
                cosine=cosine,
                steps=steps,
                a_op=ga.producer(p.a) if ga.producer(p.a) >= 0 else None,
                b_op=gb.producer(p.b) if gb.producer(p.b) >= 0 else None,
            )
        )
    return errors, skipped


def _op_order(e: TensorError) -> int:
    return -1 if e.a_op is None else e.a_op


def _replace(e: TensorError, **kw: Any) -> TensorError:
    from dataclasses import replace

    return replace(e, **kw)


def _with_jumps(ga: Subgraph, errors: list[TensorError]) -> list[TensorError]:
    """SQNR lost at each tensor relative to the worst of its producer's activation inputs."""
    by_a = {e.a_tensor: e for e in errors}

    def sqnr_of(t: int) -> float | None:
        for _ in range(8):
            e = by_a.get(t)
            if e is not None:
                return _CAP_DB if e.sqnr_db is None else min(e.sqnr_db, _CAP_DB)
            op = ga.producer_op(t)
            if op is None or op.builtin not in STEP_OPS or not op.inputs:
                return None
            t = op.inputs[0]
        return None

    out = []
    for e in errors:
        own = _CAP_DB if e.sqnr_db is None else min(e.sqnr_db, _CAP_DB)
        op = ga.producer_op(e.a_tensor)
        if op is None:
            out.append(_replace(e, jump_db=_CAP_DB - own))  # graph input: its own error is the jump
            continue
        ins = [sqnr_of(t) for t in op.inputs if t >= 0 and not ga.tensors[t].is_constant]
        known = [s for s in ins if s is not None]
        base = min(known) if known else _CAP_DB
        out.append(_replace(e, jump_db=base - own))
    return out
