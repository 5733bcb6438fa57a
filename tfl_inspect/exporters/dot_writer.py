"""Writing the DOT document: one node per drawn op, box, I/O or tensor; edges for the data flow.

Input is data only: the model, a :class:`~.dot_plan.Plan` (what to draw) and
:class:`~.dot_marks.Mark` records (what to draw on it). Nothing here runs lint or inference.
Colours and escaping come from :mod:`.dot_style`; every string from the model goes through
``h`` (labels) or ``tooltip`` (attributes). The legend explains exactly the conventions the
picture uses, collected while the nodes and edges are written.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from graphviz.quoting import quote, quote_edge  # type: ignore[import-untyped]

from ..compiled import compiled
from .dot_legend import Legend, draw_legend
from .dot_marks import Mark, worst
from .dot_plan import Plan, SubgraphPlan
from .dot_style import (
    FAMILY_STYLE,
    FONT,
    SEVERITY_COLOR,
    family,
    h,
    heat_color,
    options_text,
    quant_text,
    shape_html,
    shorten_path,
    tensor_html,
    tensor_tooltip,
    tooltip,
)

if TYPE_CHECKING:
    import graphviz  # type: ignore[import-untyped]

    from ..compiled import NpuPartition
    from ..model import IoName, Model, Operator, Subgraph, Tensor

__all__ = ["write_diagram"]

_GREY = "#555555"
_MAX_FOLDED_CONSTANTS = 3
_MAX_IDS = 4
_SHORT_LABEL = 16  # labels up to this long (rule ids) are listed on one line; longer ones are reasons
_REASON_WIDTH = 44
_REASON_LINES = 3
_RESOURCE = "RESOURCE"
_CACHED = 64  # ids, colours, styles and short labels repeat thousands of times: quoted once


@lru_cache(maxsize=8192)
def _quote_short(value: str) -> str:
    return str(quote(value))


def _q(value: str) -> str:
    """The library's DOT quoting (``graphviz.quoting.quote``), memoised for short strings."""
    return _quote_short(value) if len(value) < _CACHED else str(quote(value))


def _attr_list(label: str | None, attrs: Mapping[str, str | None]) -> str:
    """``graphviz``'s attribute list, byte for byte: the label first, then the rest sorted by name."""
    parts = [f"label={_q(label)}"] if label is not None else []
    parts += [f"{_q(k)}={_q(v)}" for k, v in sorted(attrs.items()) if v is not None]
    return f" [{' '.join(parts)}]" if parts else ""


def _node(g: graphviz.Digraph, name: str, label: str | None = None, **attrs: str) -> None:
    """``g.node(name, label=…, **attrs)`` without the library's per-call overhead (same DOT line):
    an LLM's report writes some 13,000 statements, and half the writing time went to that overhead."""
    g.body.append(f"\t{_q(name)}{_attr_list(label, attrs)}\n")


def _edge(g: graphviz.Digraph, tail: str, head: str, label: str | None = None, **attrs: str) -> None:
    """``g.edge(tail, head, label=…, **attrs)``, the same DOT line (see :func:`_node`)."""
    g.body.append(f"\t{_quote_edge(tail)} -> {_quote_edge(head)}{_attr_list(label, attrs)}\n")


@lru_cache(maxsize=8192)
def _quote_edge(name: str) -> str:
    return str(quote_edge(name))


def write_diagram(
    model: Model,
    plan: Plan,
    marks: Sequence[Mark] = (),
    *,
    tensor_names: bool = False,
    shapes: dict[tuple[int, int], Sequence[int]] | None = None,
    depth: int = 3,
    notes: Sequence[str] = (),
    tooltips: bool = True,
) -> graphviz.Digraph:
    """The ``graphviz.Digraph`` for ``plan`` with ``marks`` drawn on their nodes.

    ``tooltips=False`` leaves the hover texts out (a page that shows details on click needs none).
    """
    return _Writer(model, plan, list(marks), tensor_names, dict(shapes or {}), depth, notes, tooltips).build()


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _kib(n: int) -> str:
    return f"{n:,} B" if n < 1024 else f"{n / 1024:,.1f} KiB"


# Inside a box, a node with edges to this many others is drawn as a reference beside each of them.
_HUB_FANOUT = 8


def _labelled(src: str, dst: str) -> bool:
    """Edges out of input/constant/tensor nodes and into outputs repeat what the node says."""
    return not (src.startswith(("in_", "const_", "t_")) or dst.startswith("out_"))


def _role(field: str) -> str:
    """``body_subgraph_index`` → ``body``; ``branch_subgraph_indices[1]`` → ``branch[1]``."""
    return re.sub(r"_?subgraph_ind(ex|ices)", "", field) or "calls"


def _level(marks: Iterable[Mark]) -> str:
    """``error``/``warning``/``info``: the worst severity among ``marks``."""
    sev = worst(marks)
    return sev.value if sev is not None else "info"


class _Writer:
    """One diagram's construction; holds the lookups the node and edge writers share."""

    def __init__(
        self,
        model: Model,
        p: Plan,
        marks: list[Mark],
        tensor_names: bool,
        shapes: dict[tuple[int, int], Sequence[int]],
        depth: int,
        notes: Sequence[str] = (),
        tooltips: bool = True,
    ) -> None:
        self.model, self.plan, self.marks = model, p, marks
        self.tooltips = tooltips
        self.tensor_names, self.shapes, self.depth = tensor_names, shapes, depth
        self.notes = list(notes)
        self.clusters = len(p.subgraphs) > 1
        self.io_meta = _io_metadata(model)
        self.npu = compiled(model)
        self.on_node: dict[str, list[Mark]] = {}
        self.related: dict[str, list[Mark]] = {}
        self.model_level: list[Mark] = []
        self.elsewhere = 0  # marks in subgraphs this diagram leaves out
        # What the picture uses, for the legend.
        self.families: set[str] = set()
        self.used: set[str] = set()
        self._place_marks()

    # -- lookups ---------------------------------------------------------------------------

    def _io_names(self, s: int, t: int, role: str) -> list[IoName]:
        names = self.model.io_names(s).get(t, ())
        key = self.plan.signature
        return [n for n in names if n.role == role and (key is None or n.signature == key)]

    def _override(self, s: int, t: int) -> Sequence[int] | None:
        return self.shapes.get((s, t))

    def _source(self, sp: SubgraphPlan, sg: Subgraph, t: int) -> str | None:
        """The node a tensor comes from, or None when it is folded (constant) or absent."""
        s = sp.index
        p = sg.producer(t)
        if p >= 0:
            return sp.unit.get(p) or sp.hidden_at.get(p)
        if t in sp.inputs:
            return f"in_{s}_{t}"
        if t in sp.const_nodes:
            return f"const_{s}_{t}"
        if t in sp.orphans:
            return f"t_{s}_{t}"
        return None

    def _mark_node(self, m: Mark) -> str | None:
        s = m.subgraph
        if s is None:
            return None
        sp = self.plan.subgraphs.get(s)
        if sp is None:
            return f"stub_{s}" if s in self.plan.stubs else None
        if m.op is not None:
            return self.plan.accounting.placement.get((s, m.op)) or None
        t = m.tensor
        if t is None:
            return None
        if t in sp.inputs:
            return f"in_{s}_{t}"
        if t in sp.outputs:
            return f"out_{s}_{t}"
        sg = self.model.subgraphs[s]
        src = self._source(sp, sg, t)
        if src is not None:
            return src
        for c in sg.consumers(t):
            return sp.unit.get(c) or sp.hidden_at.get(c)
        return None

    def _place_marks(self) -> None:
        placement = self.plan.accounting.placement
        for m in self.marks:
            node = self._mark_node(m)
            if node:
                self.on_node.setdefault(node, []).append(m)
            elif m.subgraph is not None and m.subgraph not in self.plan.subgraphs:
                self.elsewhere += 1
            else:
                self.model_level.append(m)
            for s, i in m.related:
                target = placement.get((s, i))
                if target and target != node:
                    self.related.setdefault(target, []).append(m)

    # -- shared attribute pieces -----------------------------------------------------------

    def _tip(self, lines: Iterable[str]) -> dict[str, str]:
        return {"tooltip": tooltip(lines)} if self.tooltips else {}

    def _mark(self, node: str, attrs: dict[str, str], tip: list[str]) -> str:
        """Severity border, label lines, fill and tooltip lines for the marks on ``node``."""
        found = self.on_node.get(node, [])
        related = self.related.get(node, [])
        line = ""
        problems = [m for m in found if m.severity is not None]
        if problems:
            level = _level(problems)
            colour = SEVERITY_COLOR[level]
            attrs.update(color=colour, penwidth="3")
            attrs["class"] = f"{attrs.get('class', '')} finding {level}".strip()
            self.used.add("finding")
            short = Counter(m.label for m in problems if m.label and len(m.label) <= _SHORT_LABEL)
            ids = [f"{label}×{n}" if n > 1 else label for label, n in short.most_common(_MAX_IDS)]
            if len(short) > _MAX_IDS:
                ids.append(f"+{len(short) - _MAX_IDS}")
            if ids:
                line += f'<BR/><FONT COLOR="{colour}"><B>{h(" ".join(ids))}</B></FONT>'
            reasons = list(dict.fromkeys(m.label for m in problems if len(m.label) > _SHORT_LABEL))
            for reason in reasons[:2]:
                wrapped = textwrap.wrap(reason, _REASON_WIDTH)
                if len(wrapped) > _REASON_LINES:
                    wrapped = [*wrapped[: _REASON_LINES - 1], wrapped[_REASON_LINES - 1] + " …"]
                line += f'<BR/><FONT COLOR="{colour}" POINT-SIZE="9">' + "<BR/>".join(h(w) for w in wrapped)
                line += "</FONT>"
                self.used.add("reason")
            tip.append("")
        elif related:
            attrs.update(color=SEVERITY_COLOR[_level(related)], penwidth="2", style=attrs["style"] + ",dashed")
            self.used.add("related")
        tip += [m.tooltip or m.label for m in found if m.tooltip or m.label]
        tip += [f"related to {m.tooltip or m.label}" for m in related]
        fills = [m for m in found if m.fill is not None or m.heat is not None]
        if fills:
            m = fills[-1]
            attrs["fillcolor"] = m.fill if m.fill is not None else heat_color(m.heat or 0.0)
            self.used.add("fill")
            self.used.add(f"fill:{m.kind}")
        return line

    def _cluster(self, node: str) -> str | None:
        for m in self.on_node.get(node, ()):
            if m.cluster is not None:
                return m.cluster
        return None

    # -- graph -----------------------------------------------------------------------------

    def build(self) -> graphviz.Digraph:
        import graphviz  # type: ignore[import-untyped]

        g = graphviz.Digraph(name="model", format="svg")
        g.attr(
            rankdir="TB",
            fontname=FONT,
            nodesep="0.25",
            ranksep="0.35",
            outputorder="edgesfirst",
            pad="0.2",
            **self._tip([self.model.source or "model"]),
        )
        if self.clusters and any(self._calls()):
            g.attr(compound="true")
        g.attr("node", fontname=FONT, fontsize="11", shape="box", style="rounded,filled", margin="0.12,0.05")
        g.attr("edge", fontname=FONT, fontsize="9", arrowsize="0.7", fontcolor="#333333")
        for s, sp in self.plan.subgraphs.items():
            sg = self.model.subgraphs[s]
            if self.clusters:
                with g.subgraph(name=f"cluster_{s}") as c:
                    name = f" · {h(sg.name, 40)}" if sg.name else ""
                    c.attr(
                        id=f"cluster_{s}",
                        label=f"<<B>subgraph {s}</B>{name}>",
                        style="rounded",
                        color="#999999",
                        fontsize="12",
                        labeljust="l",
                    )
                    self._subgraph_nodes(c, sg, sp)
            else:
                self._subgraph_nodes(g, sg, sp)
        for s, sp in self.plan.subgraphs.items():
            self._edges(g, self.model.subgraphs[s], sp)
        self._stubs(g)
        self._calls_edges(g)
        if self.plan.box is None:  # the inside of a box is read with the model's diagram and its legend
            legend = Legend(self.plan, self.families, self.used, self.notes, self.model_level, self.elsewhere)
            draw_legend(g, self.model, legend, self.marks)
        return g

    def _calls(self) -> Iterable[tuple[int, int, str, int]]:
        for s, sp in self.plan.subgraphs.items():
            ops = self.model.subgraphs[s].operators
            for i in sp.ops:
                for field, target in ops[i].called():
                    yield s, i, field, target

    # -- nodes -----------------------------------------------------------------------------

    def _subgraph_nodes(self, g: graphviz.Digraph, sg: Subgraph, sp: SubgraphPlan) -> None:
        s = sg.index
        for t in sp.inputs:
            self._io_node(g, sg, t, "input")
        parts: dict[str, list[str]] = {}  # cluster id → op/box nodes, outlined together
        for i in sp.ops:
            node = sp.unit[i]
            if node.startswith("op_"):
                cluster = self._cluster(node)
                if cluster is not None:
                    parts.setdefault(cluster, []).append(node)
                    continue
                self._op_node(g, sg, sg.operators[i])
        for box in sp.boxes.values():
            cluster = self._cluster(box.id)
            if cluster is not None:
                parts.setdefault(cluster, []).append(box.id)
                continue
            self._box_node(g, sg, box.id, box.title, box.ops, box.namespaced)
        for k, (cluster, nodes) in enumerate(parts.items()):
            self.used.add("cluster")
            with g.subgraph(name=f"cluster_{s}_part_{k}") as c:
                c.attr(
                    id=f"part_{s}_{k}", label=f"<{h(cluster, 40)}>", style="dashed,rounded", color=_GREY, fontsize="10"
                )
                for node in nodes:
                    if node.startswith("op_"):
                        self._op_node(c, sg, sg.operators[int(node.rsplit("_", 1)[1])])
                    else:
                        box = sp.boxes[node]
                        self._box_node(c, sg, box.id, box.title, box.ops, box.namespaced)
        for t in sp.orphans:
            self._tensor_node(g, sg, t, f"t_{s}_{t}", "variable" if sg.tensors[t].is_variable else "tensor")
        for t in sp.const_nodes:
            self._tensor_node(g, sg, t, f"const_{s}_{t}", "constant")
        for t in sp.outputs:
            self._io_node(g, sg, t, "output")
        for marker, count in Counter(sp.hidden_at.values()).items():
            ctx = self.plan.context.get(marker)
            if ctx is not None:
                self._context_node(g, marker, ctx.title)
            else:
                self._hidden_node(g, marker, count, upstream=marker.endswith("_0"))
        if not (sp.ops or sp.inputs or sp.outputs):
            _node(g, f"empty_{s}", label="<<I>no ops</I>>", shape="plaintext", style="")

    def _io_node(self, g: graphviz.Digraph, sg: Subgraph, t: int, role: str) -> None:
        s = sg.index
        tensor = sg.tensors[t]
        node = f"{'in' if role == 'input' else 'out'}_{s}_{t}"
        names = self._io_names(s, t, role)
        keys = {n.signature for n in names}
        if names:
            title = "<BR/>".join(
                f"<B>{h(n.name, 40)}</B>" if len(keys) == 1 else f"{h(n.signature, 24)}: <B>{h(n.name, 32)}</B>"
                for n in names[:3]
            )
        else:
            pos = (sg.inputs if role == "input" else sg.outputs).index(t)
            title = f"<B>{role} {pos}</B>"
        show_name = self.tensor_names or not names
        label = f'<FONT POINT-SIZE="9" COLOR="{_GREY}">{role}</FONT><BR/>{title}<BR/>'
        label += self._tensor_label(sg, tensor, name=show_name)
        meta = self.io_meta.get((s, role, t))
        if meta:
            label += (
                f'<BR/><FONT POINT-SIZE="9" COLOR="{_GREY}">' + "<BR/>".join(h(line, 60) for line in meta) + "</FONT>"
            )
            self.used.add("metadata")
        self.used.add("io")
        fam = family(tensor.dtype)
        self.families.add(fam)
        attrs = {
            "style": "filled,bold",
            "shape": "box",
            "penwidth": "2",
            "fillcolor": "#ffffff",
            "color": FAMILY_STYLE[fam][1],
            "id": node,
            "class": role,
        }
        tip = [f"{role}: " + ", ".join(f"{n.signature} / {n.name}" for n in names)] if names else [role]
        tip += tensor_tooltip(tensor, self._override(s, t))
        label += self._mark(node, attrs, tip)
        _node(g, node, label=f"<{label}>", **self._tip(tip), **attrs)

    def _resource_name(self, sg: Subgraph, tensor: Tensor) -> str:
        """The variable a RESOURCE handle stands for: its VAR_HANDLE's shared_name, else the tensor name."""
        op = sg.producer_op(tensor.index)
        name = op.options.get("shared_name") if op is not None else None
        return str(name) if name else tensor.name

    def _tensor_label(self, sg: Subgraph, tensor: Tensor, *, name: bool = False) -> str:
        """``int8[?,32] s=…`` — or ``resource NAME`` for a variable handle (handles have no data shape)."""
        if tensor.dtype == _RESOURCE:
            self.used.add("resource")
            return f"resource <I>{h(self._resource_name(sg, tensor), 40)}</I>"
        return tensor_html(tensor, self._override(sg.index, tensor.index), name=name)

    def _op_node(self, g: graphviz.Digraph, sg: Subgraph, op: Operator) -> None:
        s = sg.index
        node = f"op_{s}_{op.index}"
        fam = self._op_family(sg, op)
        self.families.add(fam)
        self.used.add("op")
        fill, line = FAMILY_STYLE[fam]
        label = f'<B>{h(op.opcode, 40)}</B> <FONT POINT-SIZE="9" COLOR="{_GREY}">#{op.index}</FONT>'
        tip = [f"op {op.index}: {op.opcode}" + (f" ({op.builtin})" if op.builtin != op.opcode else "")]
        if op.version > 1:
            tip[0] += f" v{op.version}"
        npu = self.npu.partition_at(s, op.index) if self.npu is not None else None
        if npu is not None and self.npu is not None:
            label += self._npu_label(npu, tip)
        elif op.is_custom:
            kind = f"flex: {op.flex_op}" if op.flex_op else "custom op"
            label += f'<BR/><FONT POINT-SIZE="9" COLOR="{_GREY}">{h(kind, 40)}</FONT>'
        opts = options_text(op)
        if opts:
            label += f'<BR/><FONT POINT-SIZE="10">{h(" · ".join(opts), 60)}</FONT>'
        sp = self.plan.subgraphs[s]
        label += self._constants(sg, sp, op, tip)
        for field, target in op.called():
            tip.append(f"calls subgraph {target} ({field})")
        tip += [f"{k} = {v}" for k, v in op.options.items() if not isinstance(v, (list, dict))][:20]
        attrs = {"fillcolor": fill, "color": line, "style": "rounded,filled", "id": node, "class": "op"}
        if npu is not None:  # an NPU partition: a solid box, not a rounded op
            attrs.update(shape="box3d", style="filled", penwidth="1.5")
            self.used.add("npu")
        label += self._mark(node, attrs, tip)
        _node(g, node, label=f"<{label}>", **self._tip(tip), **attrs)

    def _npu_label(self, p: NpuPartition, tip: list[str]) -> str:
        """Label rows of a DISPATCH_OP / ethos-u op: the NPU it was compiled for, its name and bytecode size."""
        npu = self.npu
        assert npu is not None
        kind = "Ethos-U command stream" if p.ethos_u is not None else "NPU partition"
        size = (
            f"{_kib(p.bytecode_size)} {'command stream' if p.ethos_u else 'bytecode'}"
            if p.bytecode_size
            else "no bytecode"
        )
        shared = ""
        if p.block is not None and len(npu.blocks[p.block].partitions) > 1:
            shared = f", shared by {len(npu.blocks[p.block].partitions)}"
        rows = [f"{kind}: {npu.target}", p.name if p.ethos_u is None else "", size + shared]
        tip += [f"{kind} for {npu.target}", f"{size}{shared}", f"runs on: {npu.runtime}"]
        if p.bytecode_offset is not None:
            tip.append(f"bytecode at file offset {p.bytecode_offset:,}")
        return "".join(f'<BR/><FONT POINT-SIZE="10">{h(r, 60)}</FONT>' for r in rows if r)

    def _constants(self, sg: Subgraph, sp: SubgraphPlan, op: Operator, tip: list[str]) -> str:
        """Label rows for the constants an op reads: plain ones, and folded DEQUANTIZE results."""
        s = sg.index
        shown = 0
        plain: list[str] = []
        dequantized: dict[tuple[str, bool], list[str]] = {}  # (family of the stored constant, sparse) → shapes
        for slot, t in enumerate(op.inputs):
            tensor = sg.tensor(t)
            if tensor is None or t in sp.inputs:
                continue
            p = sg.producer(t)
            if p >= 0 and p in sp.folded:
                src, steps = self._prepared(sg, sp, p)
                tip.append(
                    f"{src.dtype.lower()} const input {slot}: {src.name} {src.dtype}{list(src.shape)}, "
                    f"made {tensor.dtype} at load ({', '.join(steps)}, folded)"
                )
                sparse = any(step.startswith("DENSIFY") for step in steps)
                dequantized.setdefault((family(src.dtype), sparse), []).append(shape_html(src))
                continue
            if p >= 0 or not tensor.is_constant:
                continue
            tip.append(f"const input {slot}: {tensor.name} {tensor.dtype}{list(tensor.shape_signature)}")
            if t in sp.const_nodes:
                continue
            if shown < _MAX_FOLDED_CONSTANTS:
                q = quant_text(tensor.quantization)
                plain.append(
                    f"{h(tensor.dtype.lower())}{shape_html(tensor, self._override(s, t))}" + (f" {h(q)}" if q else "")
                )
            shown += 1
        out = ""
        if plain:
            self.used.add("const")
            more = f" +{shown - len(plain)}" if shown > len(plain) else ""
            rows = [", ".join(plain[k : k + 2]) for k in range(0, len(plain), 2)]
            out += f'<BR/><FONT POINT-SIZE="9" COLOR="#444444">const {"<BR/>".join(rows)}{more}</FONT>'
        for (fam, sparse), shapes in dequantized.items():
            self.families.add(fam)
            self.used.add("folded")
            kind = ("fp16" if fam == "float16" else fam) + (" sparse" if sparse else "")  # e.g. "fp16 sparse const"
            if sparse:
                self.used.add("sparse")
            colour = FAMILY_STYLE[fam][1]
            out += f'<BR/><FONT POINT-SIZE="9" COLOR="{colour}"><B>{h(kind)} const</B> {", ".join(shapes)}</FONT>'
        return out

    def _prepared(self, sg: Subgraph, sp: SubgraphPlan, p: int) -> tuple[Tensor, list[str]]:
        """The stored constant behind folded op ``p`` and the folded steps (``DEQUANTIZE #3``...)."""
        steps: list[str] = []
        while p >= 0 and p in sp.folded:
            op = sg.operators[p]
            steps.insert(0, f"{op.builtin} #{p}")
            t = op.inputs[0]
            p = sg.producer(t)
        return sg.tensors[t], steps

    def _op_family(self, sg: Subgraph, op: Operator) -> str:
        for t in (*op.outputs, *op.inputs):
            tensor = sg.tensor(t)
            if tensor is not None:
                return family(tensor.dtype)
        return "other"

    def _box_node(
        self, g: graphviz.Digraph, sg: Subgraph, node: str, title: str, ops: Sequence[int], namespaced: bool
    ) -> None:
        sp = self.plan.subgraphs[sg.index]
        kinds = Counter(sg.operators[i].opcode for i in ops)
        fams = Counter(self._op_family(sg, sg.operators[i]) for i in ops)
        fam = fams.most_common(1)[0][0]
        self.families.add(fam)
        self.used.add("box")
        fill, line = FAMILY_STYLE[fam]
        top = [f"{n}× {opcode}" for opcode, n in kinds.most_common(4)]
        rows = [" · ".join(top[:2]), " · ".join(top[2:])]
        if len(kinds) > 4:
            rows[1] += f" · +{len(kinds) - 4} types"
        inside = set(ops)
        folded = Counter(  # one per prepared constant: count the last folded step of each chain
            family(self._prepared(sg, sp, d)[0].dtype)
            for d, reader in sp.folded.items()
            if reader in inside and any(c not in sp.folded for c in sg.consumers(sg.operators[d].outputs[0]))
        )
        count = f"{len(ops)} ops · #{min(ops)}–#{max(ops)}"
        for fam_folded, n in folded.most_common():
            kind = "fp16" if fam_folded == "float16" else fam_folded
            count += f' · <FONT COLOR="{FAMILY_STYLE[fam_folded][1]}">{n} {h(kind)} const</FONT>'
            self.families.add(fam_folded)
            self.used.add("folded")
        label = f"<B>{h(shorten_path(title), 64)}</B><BR/>{count}"
        label += "".join(f'<BR/><FONT POINT-SIZE="9">{h(r, 64)}</FONT>' for r in rows if r)
        what = "name scope" if namespaced else "layers"
        tip = [
            f"{what} {title}",
            f"{len(ops)} ops collapsed (#{min(ops)}–#{max(ops)}); draw part with --focus",
        ]
        tip += [f"{n}× {opcode}" for opcode, n in kinds.most_common()]
        attrs = {
            "fillcolor": fill,
            "color": line,
            "style": "filled",
            "peripheries": "2",
            "id": node,
            "class": "box",
        }
        label += self._mark(node, attrs, tip)
        _node(g, node, label=f"<{label}>", **self._tip(tip), **attrs)

    def _tensor_node(self, g: graphviz.Digraph, sg: Subgraph, t: int, node: str, kind: str) -> None:
        tensor = sg.tensors[t]
        fam = family(tensor.dtype)
        self.families.add(fam)
        self.used.add(kind)
        label = f'<FONT POINT-SIZE="9" COLOR="{_GREY}">{kind}</FONT><BR/>'
        label += self._tensor_label(sg, tensor, name=self.tensor_names or kind != "constant")
        attrs = {
            "shape": "note" if kind == "constant" else "ellipse",
            "style": "filled" if kind == "constant" else "filled,dashed",
            "fillcolor": "#ffffff",
            "color": FAMILY_STYLE[fam][1],
            "fontsize": "9",
            "id": node,
            "class": kind,
        }
        tip = [kind, *tensor_tooltip(tensor, self._override(sg.index, t))]
        label += self._mark(node, attrs, tip)
        _node(g, node, label=f"<{label}>", **self._tip(tip), **attrs)

    def _hidden_node(self, g: graphviz.Digraph, node: str, n: int, *, upstream: bool) -> None:
        ops = _count(n, "op")
        where = "upstream, not shown" if upstream else "downstream or elsewhere, not shown"
        label = f"<I>… {ops} {where}</I>"
        focus = self.plan.focus
        if focus is not None:
            centre = ", ".join(f"#{i}" for i in sorted(focus[1])[:4])
            label += f'<BR/><FONT POINT-SIZE="9">drawn: depth {self.depth} around {h(centre)}</FONT>'
        attrs = {"style": "rounded,dashed", "color": "#999999", "fontcolor": _GREY, "id": node, "class": "hidden"}
        tip = [f"{ops} not drawn: widen with --depth or drop --focus"]
        label += self._mark(node, attrs, tip)
        _node(g, node, label=f"<{label}>", **self._tip(tip), **attrs)

    def _context_node(self, g: graphviz.Digraph, node: str, title: str) -> None:
        """An op or box outside the box drawn here, which feeds or reads it."""
        label = f'<FONT POINT-SIZE="9" COLOR="{_GREY}">outside this box</FONT><BR/><I>{h(shorten_path(title), 56)}</I>'
        attrs = {"style": "rounded,dashed", "color": "#999999", "fontcolor": _GREY, "id": node, "class": "context"}
        tip = [f"outside this box: {title}"]
        label += self._mark(node, attrs, tip)
        _node(g, node, label=f"<{label}>", **self._tip(tip), **attrs)

    def _stubs(self, g: graphviz.Digraph) -> None:
        for s in self.plan.stubs:
            sg = self.model.subgraphs[s]
            node = f"stub_{s}"
            name = f" · {h(sg.name, 40)}" if sg.name else ""
            label = f"<B>subgraph {s}</B>{name}<BR/>{len(sg.operators)} ops, not drawn"
            attrs = {"shape": "component", "style": "filled", "fillcolor": "#f4f4f4", "id": node, "class": "stub"}
            tip = [f"subgraph {s}: {sg.name}", f"draw it with --subgraph {s}"]
            label += self._mark(node, attrs, tip)
            _node(g, node, label=f"<{label}>", **self._tip(tip), **attrs)

    # -- edges -----------------------------------------------------------------------------

    def _edges(self, g: graphviz.Digraph, sg: Subgraph, sp: SubgraphPlan) -> None:
        s = sg.index
        single: dict[tuple[str, str, int], None] = {}
        grouped: dict[tuple[str, str], list[int]] = {}

        def add(src: str | None, dst: str | None, t: int) -> None:
            if src is None or dst is None or src == dst:
                return
            if src.startswith(("box_", "hidden_")) or dst.startswith(("box_", "hidden_")):
                grouped.setdefault((src, dst), [])
                if t not in grouped[(src, dst)]:
                    grouped[(src, dst)].append(t)
            else:
                single[(src, dst, t)] = None

        for i in sp.ops:
            op = sg.operators[i]
            dst = sp.unit[i]
            for t in op.inputs:
                if t >= 0:
                    add(self._source(sp, sg, t), dst, t)
            if sp.hidden_at:
                for t in op.outputs:
                    for c in sg.consumers(t):
                        add(dst, sp.hidden_at.get(c), t)
        for t in sp.outputs:
            add(self._source(sp, sg, t), f"out_{s}_{t}", t)
        single, grouped = self._hub_references(g, sg, single, grouped)

        for src, dst, t in single:
            tensor = sg.tensors[t]
            attrs = self._edge_style(tensor)
            if _labelled(src, dst):
                attrs["label"] = f"<{self._tensor_label(sg, tensor, name=self.tensor_names)}>"
            _edge(g, src, dst, **self._tip(self._edge_tooltip(sg, tensor) if self.tooltips else ()), **attrs)
        for (src, dst), ts in grouped.items():
            tensor = sg.tensors[ts[0]]
            attrs = self._edge_style(tensor)
            if len(ts) == 1:
                if _labelled(src, dst):
                    attrs["label"] = f"<{self._tensor_label(sg, tensor, name=self.tensor_names)}>"
                tip = self._edge_tooltip(sg, tensor) if self.tooltips else []
            else:
                attrs["label"] = f"<{len(ts)} tensors>"
                attrs["penwidth"] = "1.6"
                self.used.add("bundle")
                tip = [f"{len(ts)} tensors:"] + [f"{sg.tensors[t].name}" for t in ts]
            _edge(g, src, dst, **self._tip(tip), **attrs)

    def _hub_references(
        self,
        g: graphviz.Digraph,
        sg: Subgraph,
        single: dict[tuple[str, str, int], None],
        grouped: dict[tuple[str, str], list[int]],
    ) -> tuple[dict[tuple[str, str, int], None], dict[tuple[str, str], list[int]]]:
        """Inside a box, a node feeding many others (the positions, the mask, RoPE tables an LLM's every
        layer reads) gets a small reference node beside each reader instead of edges across the whole
        drawing: those edges cost Graphviz seconds per box and say no more than the reference does."""
        if self.plan.box is None:
            return single, grouped
        fanout = Counter(src for src, _ in {(a, b) for a, b, _ in single} | set(grouped))
        hubs = {src for src, n in fanout.items() if n >= _HUB_FANOUT}
        if not hubs:
            return single, grouped
        refs: dict[tuple[str, str], str] = {}

        def ref(src: str, dst: str) -> str:
            node = refs.get((src, dst))
            if node is None:
                node = refs[(src, dst)] = f"ref_{src}_{len(refs)}"
                title = self._node_title(sg, src)
                label = f'<FONT POINT-SIZE="9" COLOR="{_GREY}">from</FONT> <I>{h(shorten_path(title), 48)}</I>'
                _node(g, node, label=f"<{label}>", shape="plaintext", style="", id=node, **{"class": "ref"})
            return node

        single = {((ref(a, b) if a in hubs else a), b, t): None for a, b, t in single}
        grouped = {((ref(a, b) if a in hubs else a), b): ts for (a, b), ts in grouped.items()}
        return single, grouped

    def _node_title(self, sg: Subgraph, node: str) -> str:
        """What a node of this drawing stands for, in a few words (for a reference to it)."""
        sp = self.plan.subgraphs[sg.index]
        if node.startswith("op_"):
            op = sg.operators[int(node.rsplit("_", 1)[1])]
            return f"{op.opcode} #{op.index}"
        if node in sp.boxes:
            return sp.boxes[node].title
        if node.startswith(("in_", "t_", "const_")):
            t = int(node.rsplit("_", 1)[1])
            names = self._io_names(sg.index, t, "input") if node.startswith("in_") else []
            return names[0].name if names else sg.tensors[t].name
        ctx = self.plan.context.get(node)
        return ctx.title if ctx is not None else node

    def _edge_tooltip(self, sg: Subgraph, tensor: Tensor) -> list[str]:
        if tensor.dtype == _RESOURCE:
            return [
                f"tensor {tensor.index}: {tensor.name}",
                f"resource handle of variable {self._resource_name(sg, tensor)} (state kept between invokes)",
            ]
        return tensor_tooltip(tensor, self._override(sg.index, tensor.index))

    def _edge_style(self, tensor: Tensor) -> dict[str, str]:
        fam = family(tensor.dtype)
        self.families.add(fam)
        return {"color": FAMILY_STYLE[fam][1]}

    def _anchor(self, s: int) -> str | None:
        sp = self.plan.subgraphs.get(s)
        if sp is None:
            return f"stub_{s}" if s in self.plan.stubs else None
        if sp.inputs:
            return f"in_{s}_{sp.inputs[0]}"
        if sp.ops:
            return sp.unit[sp.ops[0]]
        if sp.outputs:
            return f"out_{s}_{sp.outputs[0]}"
        return f"empty_{s}"

    def _calls_edges(self, g: graphviz.Digraph) -> None:
        for s, i, field, target in self._calls():
            head = self._anchor(target)
            if head is None:
                continue
            self.used.add("calls")
            src = self.plan.subgraphs[s].unit[i]
            attrs = {
                "style": "dashed",
                "color": _GREY,
                "fontcolor": _GREY,
                "label": f"<{h(_role(field), 24)}>",
                **self._tip([f"op {i} calls subgraph {target} ({field})"]),
            }
            if self.clusters and target in self.plan.subgraphs and target != s:
                attrs["lhead"] = f"cluster_{target}"
            _edge(g, src, head, **attrs)


def _io_metadata(model: Model) -> dict[tuple[int, str, int], list[str]]:
    """What TFLite Metadata says about each I/O tensor, as short lines for its box: the
    preprocessing formula and the label file (count and first labels)."""
    from ..summary import io_metadata

    out: dict[tuple[int, str, int], list[str]] = {}
    for e in io_metadata(model):
        if e["tensor"] is None:
            continue
        lines = []
        if e.get("preprocessing"):
            lines.append(str(e["preprocessing"]))
        for f in e.get("associated_files") or ():
            if f.get("type") == "TENSOR_AXIS_LABELS" and f.get("lines"):
                first = ", ".join(str(x) for x in (f.get("first") or [])[:3])
                more = " …" if f["lines"] > 3 else ""
                lines.append(f"{f['lines']} labels ({f.get('name')}): {first}{more}")
        if e.get("mismatch"):
            lines.append("metadata order differs from get_*_details()")
        if lines:
            out[(0, e["role"], e["tensor"])] = lines
    return out
