"""State kept between invokes: resource variables of streaming models.

Streaming models (keyword spotters, streaming conv/RNN layers) keep state in resource variables:
a CALL_ONCE op runs an init subgraph whose ASSIGN_VARIABLE ops write the initial values (constants),
and the main subgraph's VAR_HANDLE / READ_VARIABLE / ASSIGN_VARIABLE ops read and update them. A
deployer needs to know how much memory that state takes, what each variable holds and that it
carries over between invokes — feeding unrelated inputs into one interpreter mixes them.

Variables are identified as LiteRT does, by VAR_HANDLE's (container, shared_name). Shape, dtype and
quantization come from the init subgraph's constant when there is one (the runtime's first value),
else from a READ_VARIABLE result or an assigned value with a known shape.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import dtypes
from .model import Model, Quantization, Subgraph, Tensor

__all__ = ["Variable", "State", "model_state", "PERSISTENCE_NOTE"]

# Checked with ai-edge-litert 2.3.0 (tests/test_state.py): reset_all_variables() leaves resource
# variables as they are; only a new interpreter starts again from the init subgraph's values.
PERSISTENCE_NOTE = (
    "state persists across invoke() calls: the init subgraph runs once, at the first invoke, and each "
    "invoke continues from the previous one (feed one stream per interpreter). In LiteRT, "
    "reset_all_variables() does not reset resource variables; create a new interpreter to start over."
)


@dataclass(frozen=True, slots=True)
class Variable:
    """One resource variable and where the model touches it."""

    name: str  # VAR_HANDLE shared_name
    container: str
    shape: tuple[int, ...] | None
    dtype: str | None
    quantization: Quantization | None
    bytes: int | None
    initial_value: tuple[int, int] | None  # (subgraph, tensor) of the init constant
    reads: tuple[tuple[int, int], ...]  # (subgraph, tensor) READ_VARIABLE results
    assigns: tuple[tuple[int, int], ...]  # (subgraph, op) ASSIGN_VARIABLE ops


@dataclass(frozen=True, slots=True)
class State:
    variables: tuple[Variable, ...]
    init_subgraphs: tuple[int, ...]  # subgraphs run by CALL_ONCE
    bytes: int  # total of the variables whose size is known

    @property
    def note(self) -> str:
        return PERSISTENCE_NOTE


def _handles(sg: Subgraph) -> dict[int, tuple[str, str]]:
    """Tensor index of each VAR_HANDLE result → (container, shared_name)."""
    out = {}
    for op in sg.operators:
        if op.builtin == "VAR_HANDLE" and op.outputs:
            out[op.outputs[0]] = (str(op.options.get("container") or ""), str(op.options.get("shared_name") or ""))
    return out


def _static(t: Tensor | None) -> bool:
    return t is not None and t.has_rank and all(d >= 0 for d in t.shape_signature)


def model_state(model: Model) -> State | None:
    """The model's resource variables, or None when it has none."""
    init_subgraphs = []
    for sg in model.subgraphs:
        for op in sg.operators:
            if op.builtin == "CALL_ONCE":
                idx = op.options.get("init_subgraph_index")
                if isinstance(idx, int) and 0 <= idx < len(model.subgraphs) and idx not in init_subgraphs:
                    init_subgraphs.append(idx)
    found: dict[tuple[str, str], dict[str, list[tuple[int, int]]]] = {}
    for sg in model.subgraphs:
        handles = _handles(sg)
        for made in handles.values():
            found.setdefault(made, {"init": [], "reads": [], "assigns": [], "values": []})
        for op in sg.operators:
            if op.builtin not in ("READ_VARIABLE", "ASSIGN_VARIABLE") or not op.inputs:
                continue
            key = handles.get(op.inputs[0])
            if key is None:
                continue  # a handle passed in from another subgraph: counted where it is made
            entry = found[key]
            if op.builtin == "READ_VARIABLE" and op.outputs:
                entry["reads"].append((sg.index, op.outputs[0]))
            elif op.builtin == "ASSIGN_VARIABLE" and len(op.inputs) > 1:
                entry["assigns"].append((sg.index, op.index))
                value = sg.tensor(op.inputs[1])
                if value is not None:
                    slot = "init" if sg.index in init_subgraphs and value.is_constant else "values"
                    entry[slot].append((sg.index, value.index))
    if not found:
        return None
    variables = []
    for (container, name), entry in found.items():
        candidates = entry["init"] + entry["reads"] + entry["values"]
        best = next((c for c in candidates if _static(model.tensor(*c))), None)
        t = model.tensor(*best) if best is not None else None
        variables.append(
            Variable(
                name=name,
                container=container,
                shape=tuple(t.shape) if t is not None else None,
                dtype=t.dtype if t is not None else None,
                quantization=t.quantization if t is not None else None,
                bytes=dtypes.tensor_bytes(t.dtype, t.shape) if t is not None else None,
                initial_value=entry["init"][0] if entry["init"] else None,
                reads=tuple(entry["reads"]),
                assigns=tuple(entry["assigns"]),
            )
        )
    variables.sort(key=lambda v: v.name)
    total = sum(v.bytes or 0 for v in variables)
    return State(tuple(variables), tuple(init_subgraphs), total)
