"""``--rename-io [OLD=NEW,...]``: signature inputs and outputs take their signature names (NAM001),
and with ``OLD=NEW`` pairs the signature names themselves change first.

The converter names I/O tensors ``serving_default_x:0`` / ``StatefulPartitionedCall_1:0``; users and
runtimes that look tensors up by name want ``x`` / ``output_0``. Keras 3 and PyTorch exports also lose
the output names, so the signature says ``output_0``: ``--rename-io output_0=logits`` renames that
signature output (in every signature that has it; inputs likewise) and the tensor takes the new name,
so ``get_signature_runner()`` takes and returns ``logits``. Tensor names are made unique within the
subgraph (``name_1``…); nothing else in the model changes. Tensors are found through the signature's
tensor index, never by guessing from buffer numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from .passes import Option, Pass, PassResult

if TYPE_CHECKING:
    from .edit import Rewrite

__all__ = ["RenameIo", "parse", "input_aliases"]


class RenameIo(Pass):
    name = "rename-io"
    options = (
        Option(
            "--rename-io",
            "NAM001: I/O tensors take their signature names; OLD=NEW,... renames those signature inputs and "
            "outputs first (e.g. output_0=logits,output_1=boxes)",
            {"nargs": "?", "const": True, "metavar": "OLD=NEW,..."},
            default=False,
        ),
    )

    def __call__(self, rw: Rewrite) -> PassResult:
        fb = rw.fb
        wanted = parse(self.values["rename_io"])
        if not fb.signatureDefs:
            if wanted:
                raise UsageError(f"--rename-io {_pairs(wanted)}: the model has no signatures, so no names to rename")
            rw.report.notes.append("rename-io: the model has no signatures, so there are no names to take")
            return PassResult(False)
        before = len(rw.report.renamed)
        if wanted:
            _rename_keys(rw, wanted)
        _take_signature_names(rw)
        return PassResult(len(rw.report.renamed) > before or bool(rw.report.signature_renamed))


def parse(value: bool | str | Mapping[str, str] | None) -> dict[str, str]:
    """``output_0=logits,output_1=boxes`` (or a mapping) as {old: new}; ``True`` (plain ``--rename-io``) as {}."""
    if value is None or isinstance(value, bool):
        return {}
    if isinstance(value, Mapping):
        pairs = [(str(k), str(v)) for k, v in value.items()]
    else:
        pairs = []
        for part in str(value).split(","):
            old, sep, new = part.partition("=")
            if not sep:
                raise UsageError(
                    f"--rename-io {_esc(str(value))!r}: expected OLD=NEW[,OLD=NEW...], e.g. output_0=logits"
                )
            pairs.append((old.strip(), new.strip()))
    out: dict[str, str] = {}
    for old, new in pairs:
        if not old or not new:
            raise UsageError(f"--rename-io {_esc(old)}={_esc(new)}: both names must be given")
        if old in out:
            raise UsageError(f"--rename-io: {_esc(old)!r} is renamed twice")
        out[old] = new
    return out


def input_aliases(model: Any, value: bool | str | Mapping[str, str] | None) -> dict[str, str]:
    """{new name: old name} for the signature inputs ``value`` renames: ``--static`` may use either."""
    wanted = parse(value)
    inputs = {name for sig in model.signatures for name in sig.inputs}
    return {new: old for old, new in wanted.items() if old in inputs}


def _pairs(wanted: Mapping[str, str]) -> str:
    return ",".join(f"{_esc(k)}={_esc(v)}" for k, v in wanted.items())


def _rename_keys(rw: Rewrite, wanted: Mapping[str, str]) -> None:
    """Signature input/output names become the new ones, in every signature that has them."""
    from .edit import tensor_name
    from .report import SignatureRenamed

    seen: set[str] = set()
    for sig in rw.fb.signatureDefs:
        key = _text(sig.signatureKey)
        for role, entries in (("input", sig.inputs or []), ("output", sig.outputs or [])):
            names = [tensor_name(tm) for tm in entries]
            after = [wanted.get(n, n) for n in names]
            clash = sorted({n for n in after if after.count(n) > 1})
            if clash:
                raise UsageError(
                    f"--rename-io: signature {_esc(key)!r} would have two {role}s named {_esc(clash[0])!r}"
                )
            for tm, old, new in zip(entries, names, after, strict=True):
                seen.add(old)
                if new != old:
                    tm.name = new.encode("utf-8")
                    rw.report.signature_renamed.append(SignatureRenamed(key, role, old, new))
    unknown = [k for k in wanted if k not in seen]
    if unknown:
        raise UsageError(f"--rename-io: no signature input or output {_esc(unknown[0])!r} ({_known(rw)})")


def _known(rw: Rewrite) -> str:
    from .edit import tensor_name

    parts = []
    for sig in rw.fb.signatureDefs:
        ins = ", ".join(_esc(tensor_name(tm)) for tm in sig.inputs or []) or "none"
        outs = ", ".join(_esc(tensor_name(tm)) for tm in sig.outputs or []) or "none"
        parts.append(f"signature {_esc(_text(sig.signatureKey))!r} has inputs {ins}; outputs {outs}")
    return "; ".join(parts)


def _take_signature_names(rw: Rewrite) -> None:
    """Each signature input/output tensor takes its signature name, made unique within its subgraph."""
    from .edit import tensor_name

    fb = rw.fb
    done: set[tuple[int, int]] = set()
    taken: dict[int, dict[str, int]] = {}
    for sig in fb.signatureDefs:
        s = int(sig.subgraphIndex)
        tensors = fb.subgraphs[s].tensors
        io = {int(i) for i in fb.subgraphs[s].inputs}, {int(o) for o in fb.subgraphs[s].outputs}
        names = taken.setdefault(s, {})
        if not names:
            for i, t in enumerate(tensors):
                names.setdefault(tensor_name(t), i)
        entries = [(tm, io[0]) for tm in sig.inputs or []] + [(tm, io[1]) for tm in sig.outputs or []]
        for tm, own in entries:
            t = int(tm.tensorIndex)
            if t not in own:  # a stale entry (NAM005): the tensor it names is not this subgraph's I/O
                rw.report.notes.append(
                    f"rename-io: signature {_text(sig.signatureKey)!r} entry {tensor_name(tm)!r} names "
                    f"tensor {t}, which is not an input or output of its subgraph (NAM005): left alone"
                )
                continue
            if (s, t) in done:
                continue
            done.add((s, t))
            _take(rw, tensors, names, t, tensor_name(tm))


def _take(rw: Rewrite, tensors: Any, names: dict[str, int], t: int, want: str) -> None:
    from .edit import tensor_name
    from .report import Renamed

    old = tensor_name(tensors[t])
    if old == want:
        return
    new, k = want, 0
    while names.get(new, t) != t:
        k += 1
        new = f"{want}_{k}"
    if names.get(old) == t:
        del names[old]
    names[new] = t
    tensors[t].name = new.encode("utf-8")
    rw.report.renamed.append(Renamed(t, old, new))


def _esc(value: str) -> str:
    from ..escape import text

    return text(value)


def _text(value: bytes | str | None) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value or "")
