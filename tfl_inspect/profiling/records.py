"""The typed result of :func:`tfl_inspect.profile`: frozen records the exporters read."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "OpProfile",
    "LiveTensor",
    "TimelinePoint",
    "SignatureMemory",
    "KVCache",
    "Memory",
    "Totals",
    "Group",
    "Reorder",
    "Profile",
]


@dataclass(frozen=True, slots=True)
class OpProfile:
    subgraph: int
    index: int
    opcode: str
    arith: str  # kernel kind: float32, int8, int16x8, hybrid, int4...
    scope: str  # name scope (Keras layer) or PyTorch module ("" for the root module)
    macs: int
    flops: int
    params: int
    weight_bytes: int
    live_bytes: int | None  # planned bytes alive while the op runs; None: the op never runs
    arena_extent: int | None  # highest arena offset in use while it runs (TFLM plan)
    tensor_name: str = ""  # the first output's name, as the file spells it (``scope`` is read from it)
    bytes_moved: int = 0  # activation bytes read and written at the recorded shapes
    # (subgraph, op) of the STABLEHLO_COMPOSITE whose decomposition the op belongs to; None elsewhere
    composite: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class LiveTensor:
    subgraph: int
    tensor: int  # -1 for a scratch buffer
    name: str
    bytes: int
    offset: int


@dataclass(frozen=True, slots=True)
class TimelinePoint:
    step: int
    subgraph: int
    op: int  # -1: a subgraph entry
    live_bytes: int
    arena_extent: int


@dataclass(frozen=True, slots=True)
class SignatureMemory:
    """One signature's memory under the planner: its subgraph's arena plus those of the decompositions it runs."""

    key: str
    subgraph: int
    subgraphs: tuple[int, ...]  # its subgraph, then the decomposition subgraphs its composites run
    arena_bytes: int
    peak_live_bytes: int
    peak_op: tuple[int, int] | None
    kind: str | None = None  # "prefill" / "decode" for a generative model
    tokens: int | None = None


@dataclass(frozen=True, slots=True)
class KVCache:
    """The external KV cache of a generative model: bytes at the exported length and per token of context."""

    length: int | None
    bytes: int
    bytes_per_token: int | None
    in_arena_bytes: int  # what the planner counted for the cache inputs and outputs of every signature

    def at(self, tokens: int) -> int | None:
        return None if self.bytes_per_token is None else self.bytes_per_token * tokens


@dataclass(frozen=True, slots=True)
class Memory:
    planner: str  # "tflm" or "litert (modelled)"
    arena_bytes: int
    persistent_bytes: int
    persistent: tuple[tuple[str, int], ...]
    peak_op: tuple[int, int] | None  # (subgraph, op) where the most planned memory is live
    peak_live_bytes: int
    peak_tensors: tuple[LiveTensor, ...]
    timeline: tuple[TimelinePoint, ...]
    notes: tuple[str, ...] = ()
    signatures: tuple[SignatureMemory, ...] = ()
    kv_cache: KVCache | None = None
    planner_reason: str = ""  # why this planner when none was asked for


@dataclass(frozen=True, slots=True)
class Totals:
    macs: int
    flops: int
    params: int
    weight_bytes: int
    weight_ram_bytes: int  # after LiteRT dequantizes FLOAT16 constants to FLOAT32 at load
    bytes_moved: int = 0  # activation bytes all ops read and write


@dataclass(frozen=True, slots=True)
class Group:
    """One row of a by-scope / by-type / by-dtype breakdown."""

    key: str
    ops: int
    macs: int
    params: int
    weight_bytes: int


@dataclass(frozen=True, slots=True)
class Reorder:
    """Best execution order of one subgraph by peak live bytes (small graphs only)."""

    subgraph: int
    current_peak: int
    best_peak: int
    order: tuple[int, ...]
    searched_states: int


@dataclass(frozen=True, slots=True)
class Profile:
    source: str | None
    signature: str | None
    operators: tuple[OpProfile, ...]
    memory: Memory
    totals: Totals
    by_scope: tuple[Group, ...]
    by_type: tuple[Group, ...]
    by_dtype: tuple[Group, ...]
    reorder: tuple[Reorder, ...] = ()
    modules: bool = False  # scopes are PyTorch module names (``named_modules()``; "" is the root module)

    def op(self, subgraph: int, index: int) -> OpProfile | None:
        for o in self.operators:
            if o.subgraph == subgraph and o.index == index:
                return o
        return None
