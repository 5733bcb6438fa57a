"""Graphviz diagrams of a model: ops as nodes, tensors as labelled edges, findings on top.

Built with the ``graphviz`` package and laid out by the system ``dot``. Writing ``.dot`` needs
no Graphviz; SVG/PNG/PDF run ``dot`` with a timeout, and large graphs are collapsed first
(:mod:`.dot_plan`) so that default settings never hand ``dot`` a layout that takes minutes.
All model text reaches the DOT source through :mod:`.dot_style`'s escaping helpers.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import TflInspectError, UsageError
from ..fmt import format_shape
from .dot_defaults import DEFAULT_DEPTH, DEFAULT_MAX_NODES, DEFAULT_TIMEOUT, FORMATS
from .dot_plan import Accounting, Plan, SubgraphPlan, plan
from .dot_style import (
    DYNAMIC_COLOR,
    FAMILIES,
    FAMILY_STYLE,
    FONT,
    SEVERITY_COLOR,
    family,
    h,
    options_text,
    quant_text,
    shape_html,
    shorten_path,
    tensor_html,
    tensor_tooltip,
    tooltip,
)

if TYPE_CHECKING:
    import graphviz

    from ..model import Model, Operator, Subgraph, Tensor

__all__ = [
    "DEFAULT_MAX_NODES",
    "DEFAULT_DEPTH",
    "DEFAULT_TIMEOUT",
    "FORMATS",
    "Diagram",
    "ShapeNote",
    "build",
    "to_dot",
    "accounting",
    "render",
    "pipe",
    "write",
    "check_target",
    "repr_svg",
    "output_format",
]

INSTALL_HINT = "install Graphviz (apt-get install graphviz, brew install graphviz) or write a .dot file"

_REPR_MAX_NODES = 120
_REPR_TIMEOUT = 20.0
_GREY = "#555555"
_MAX_FOLDED_CONSTANTS = 3
_MAX_IDS = 4


@dataclass(frozen=True, slots=True)
class Diagram:
    """A built diagram: the ``graphviz.Digraph`` and what it drew."""

    graph: graphviz.Digraph
    plan: Plan

    @property
    def source(self) -> str:
        return self.graph.source

    @property
    def accounting(self) -> Accounting:
        return self.plan.accounting


def build(
    model: Model,
    *,
    findings: Iterable[Any] | None = None,
    lint: bool = False,
    lint_options: Mapping[str, Any] | None = None,
    subgraph: int | None = None,
    signature: str | None = None,
    show_constants: bool = False,
    tensor_names: bool = False,
    max_nodes: int = DEFAULT_MAX_NODES,
    focus: str | int | None = None,
    depth: int = DEFAULT_DEPTH,
    shapes: Mapping[tuple[int, int], Sequence[int]] | None = None,
    inputs: Mapping[str | int, Any] | None = None,
) -> Diagram:
    """Build the diagram without running ``dot``.

    ``findings`` (objects shaped like :class:`tfl_inspect.rules.Finding`) are drawn as given;
    ``lint=True`` runs the rules instead (``lint_options`` go to :func:`tfl_inspect.rules.run`).
    ``shapes`` maps (subgraph, tensor index) to a shape that replaces ``shape_signature`` in
    labels. ``inputs`` (``{"image": "1x64x64x3"}``) runs shape inference for those input
    shapes: labels show the inferred shapes and the op that cannot take them is marked like
    an error finding (rule ``SHAPE_FAIL``). Above ``max_nodes`` nodes, ops collapse into boxes.
    """
    p = plan(
        model,
        subgraph=subgraph,
        signature=signature,
        focus=focus,
        depth=depth,
        max_nodes=max_nodes,
        show_constants=show_constants,
    )
    found = _findings(model, findings, lint, lint_options)
    overrides: dict[tuple[int, int], Sequence[int]] = {}
    notes: list[str] = []
    if inputs:
        overrides, failures, note = _infer(model, inputs, signature)
        found += failures
        notes.append(note)
    overrides.update(shapes or {})  # explicit shapes win over inferred ones
    return Diagram(_Builder(model, p, found, tensor_names, overrides, depth, notes).build(), p)


@dataclass(frozen=True, slots=True)
class ShapeNote:
    """A shape-inference failure drawn like a lint finding (same attributes)."""

    message: str
    subgraph: int
    op: int
    severity: str = "error"
    rule: str = "SHAPE_FAIL"
    tensor: int | None = None
    related: tuple[tuple[int, int], ...] = ()


def _infer(
    model: Model, inputs: Mapping[str | int, Any], signature: str | None
) -> tuple[dict[tuple[int, int], Sequence[int]], list[ShapeNote], str]:
    from ..shapes import infer_shapes

    result = infer_shapes(model, inputs=dict(inputs), signature=signature)
    s = result.subgraph
    shapes = {
        (s, t): shape for t, shape in enumerate(result.shapes) if shape is not None and result.status[t] != "constant"
    }
    notes = [ShapeNote(f.text, f.subgraph, f.op, "error" if f.runtime_checks else "warning") for f in result.failures]
    given = ", ".join(f"{k}={_dims(v)}" for k, v in inputs.items())
    verdict = "fit" if result.ok else f"fail at op #{result.failures[0].op}"
    return shapes, notes, f"shapes inferred for {given}: they {verdict}"


def _dims(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return format_shape([int(d) for d in value], unknown="-1", sep="x", brackets=False)
    except (TypeError, ValueError):
        return str(value)


def to_dot(model: Model, **options: Any) -> str:
    """The DOT source of :func:`build`."""
    return build(model, **options).source


def accounting(model: Model, **options: Any) -> Accounting:
    """Where each op goes (drawn, boxed, hidden) with these options."""
    return build(model, **options).accounting


def output_format(path: str | Path, fmt: str | None = None) -> str:
    """The format asked for, from ``fmt`` or the file suffix."""
    if fmt is None:
        fmt = Path(path).suffix.lstrip(".").lower()
        if fmt == "gv":
            fmt = "dot"
        if fmt not in FORMATS:
            raise UsageError(
                f"cannot tell the output format from {str(path)!r}: use a .svg, .png, .pdf or .dot file (or --format)"
            )
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return fmt


def render(
    model: Model,
    path: str | Path,
    *,
    format: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    **options: Any,
) -> Path:
    """Draw ``model`` into ``path`` (.svg/.png/.pdf/.dot); options as for :func:`build`."""
    target = Path(path)
    fmt = output_format(target, format)
    check_target(target)
    source = build(model, **options).source
    data = source.encode("utf-8") if fmt == "dot" else pipe(source, fmt, timeout=timeout)
    return write(target, data)


def check_target(path: str | Path) -> None:
    """Fail before the layout work when the output cannot be written where asked."""
    parent = Path(path).parent
    if not parent.is_dir():
        raise UsageError(f"cannot write {path}: directory {str(parent)!r} does not exist")
    if Path(path).is_dir():
        raise UsageError(f"cannot write {path}: it is a directory")


def write(path: str | Path, data: bytes) -> Path:
    """Write rendered bytes; an unwritable path is a clean error, not a traceback."""
    target = Path(path)
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise TflInspectError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return target


def pipe(source: str, fmt: str, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Lay out DOT ``source`` with the system ``dot`` and return the rendered bytes."""
    import graphviz
    from graphviz.backend.dot_command import command
    from graphviz.backend.execute import run_check

    try:
        proc = run_check(
            command("dot", fmt),
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            quiet=True,
        )
    except graphviz.ExecutableNotFound as exc:
        raise TflInspectError(f"Graphviz 'dot' was not found on PATH: {INSTALL_HINT}") from exc
    except subprocess.TimeoutExpired as exc:
        raise TflInspectError(
            f"Graphviz 'dot' did not finish within {timeout:g} s: lower --max-nodes or draw part "
            "of the model with --focus or --subgraph"
        ) from exc
    except graphviz.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise TflInspectError(
            f"Graphviz 'dot' failed (exit {exc.returncode}): {detail[-1] if detail else 'no message'}"
        ) from exc
    except OSError as exc:
        raise TflInspectError(f"cannot run Graphviz 'dot': {exc}") from exc
    return proc.stdout


def repr_svg(model: Model) -> str | None:
    """SVG for notebooks (collapsed to a small budget); None when Graphviz is unavailable."""
    try:
        source = to_dot(model, max_nodes=_REPR_MAX_NODES)
        return pipe(source, "svg", timeout=_REPR_TIMEOUT).decode("utf-8")
    except TflInspectError:
        return None


def _findings(model: Model, findings: Iterable[Any] | None, lint: bool, options: Mapping[str, Any] | None) -> list[Any]:
    if findings is not None:
        return list(findings)
    if not lint:
        return []
    try:
        from ..rules import run
    except ImportError as exc:
        raise TflInspectError(f"lint rules are not available in this installation ({exc})") from exc
    return list(run(model, **dict(options or {})))


def _severity(finding: Any) -> str:
    """``error``/``warning``/``info`` (anything else counts as info: it lands in class names)."""
    sev = str(getattr(getattr(finding, "severity", "info"), "value", getattr(finding, "severity", "info"))).lower()
    return sev if sev in _RANK else "info"


_RANK = {"info": 0, "warning": 1, "error": 2}


def _worst(findings: Sequence[Any]) -> str:
    return max((_severity(f) for f in findings), key=lambda s: _RANK.get(s, 0))


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _labelled(src: str, dst: str) -> bool:
    """Edges out of input/constant/tensor nodes and into outputs repeat what the node says."""
    return not (src.startswith(("in_", "const_", "t_")) or dst.startswith("out_"))


def _role(field: str) -> str:
    """``body_subgraph_index`` → ``body``; ``branch_subgraph_indices[1]`` → ``branch[1]``."""
    return re.sub(r"_?subgraph_ind(ex|ices)", "", field) or "calls"


class _Builder:
    """One diagram's construction; holds the lookups the node and edge writers share."""

    def __init__(
        self,
        model: Model,
        p: Plan,
        findings: list[Any],
        tensor_names: bool,
        shapes: dict[tuple[int, int], Sequence[int]],
        depth: int,
        notes: Sequence[str] = (),
    ) -> None:
        self.model, self.plan, self.findings = model, p, findings
        self.tensor_names, self.shapes, self.depth = tensor_names, shapes, depth
        self.notes = list(notes)
        self.clusters = len(p.subgraphs) > 1
        self.sig_names = self._signature_names()
        self.marks: dict[str, list[Any]] = {}
        self.related: dict[str, list[Any]] = {}
        self.model_level: list[Any] = []
        self.elsewhere = 0  # findings in subgraphs this diagram leaves out
        self._place_findings()

    # -- lookups ---------------------------------------------------------------------------

    def _signature_names(self) -> dict[tuple[int, int, str], list[tuple[str, str]]]:
        names: dict[tuple[int, int, str], list[tuple[str, str]]] = {}
        for sig in self.model.signatures:
            if self.plan.signature is not None and sig.key != self.plan.signature:
                continue
            for role, mapping in (("input", sig.inputs), ("output", sig.outputs)):
                for name, t in mapping.items():
                    names.setdefault((sig.subgraph, t, role), []).append((sig.key, name))
        return names

    def _override(self, s: int, t: int) -> Sequence[int] | None:
        return self.shapes.get((s, t))

    def _source(self, sp: SubgraphPlan, t: int) -> str | None:
        """The node a tensor comes from, or None when it is folded (constant) or absent."""
        s = sp.index
        p = sp.producer.get(t)
        if p is not None:
            return sp.unit.get(p) or sp.hidden_at.get(p)
        if t in sp.inputs:
            return f"in_{s}_{t}"
        if t in sp.const_nodes:
            return f"const_{s}_{t}"
        if t in sp.orphans:
            return f"t_{s}_{t}"
        return None

    def _finding_node(self, f: Any) -> str | None:
        s = getattr(f, "subgraph", None)
        if s is None:
            return None
        sp = self.plan.subgraphs.get(s)
        if sp is None:
            return f"stub_{s}" if s in self.plan.stubs else None
        op = getattr(f, "op", None)
        if op is not None:
            return self.plan.accounting.placement.get((s, op)) or None
        t = getattr(f, "tensor", None)
        if t is None:
            return None
        if t in sp.inputs:
            return f"in_{s}_{t}"
        if t in sp.outputs:
            return f"out_{s}_{t}"
        src = self._source(sp, t)
        if src is not None:
            return src
        for c in sp.consumers.get(t, ()):
            return sp.unit.get(c) or sp.hidden_at.get(c)
        return None

    def _place_findings(self) -> None:
        placement = self.plan.accounting.placement
        for f in self.findings:
            node = self._finding_node(f)
            s = getattr(f, "subgraph", None)
            if node:
                self.marks.setdefault(node, []).append(f)
            elif s is not None and s not in self.plan.subgraphs:
                self.elsewhere += 1
            else:
                self.model_level.append(f)
            for rel in getattr(f, "related", ()) or ():
                try:
                    s, i = rel
                except (TypeError, ValueError):
                    continue
                target = placement.get((s, i))
                if target and target != node:
                    self.related.setdefault(target, []).append(f)

    # -- shared attribute pieces -----------------------------------------------------------

    def _mark(self, node: str, attrs: dict[str, str], tip: list[str]) -> str:
        """Severity border, rule-id label line and tooltip lines for findings on ``node``."""
        found = self.marks.get(node, [])
        related = self.related.get(node, [])
        line = ""
        if found:
            worst = _worst(found)
            attrs.update(color=SEVERITY_COLOR.get(worst, _GREY), penwidth="3")
            attrs["class"] = f"{attrs.get('class', '')} finding {worst}".strip()
            counts = Counter(str(getattr(f, "rule", "?")) for f in found)
            ids = [f"{rule}×{n}" if n > 1 else rule for rule, n in counts.most_common(_MAX_IDS)]
            if len(counts) > _MAX_IDS:
                ids.append(f"+{len(counts) - _MAX_IDS}")
            colour = SEVERITY_COLOR.get(worst, _GREY)
            line = f'<BR/><FONT COLOR="{colour}"><B>{h(" ".join(ids))}</B></FONT>'
            tip.append("")
            for f in found:
                tip.append(f"{getattr(f, 'rule', '?')} ({_severity(f)}): {getattr(f, 'message', '')}")
        elif related:
            worst = _worst(related)
            attrs.update(color=SEVERITY_COLOR.get(worst, _GREY), penwidth="2", style=attrs["style"] + ",dashed")
        for f in related:
            tip.append(f"related to {getattr(f, 'rule', '?')}: {getattr(f, 'message', '')}")
        return line

    # -- graph -----------------------------------------------------------------------------

    def build(self) -> graphviz.Digraph:
        import graphviz

        g = graphviz.Digraph(name="model", format="svg")
        g.attr(
            rankdir="TB",
            fontname=FONT,
            nodesep="0.25",
            ranksep="0.35",
            outputorder="edgesfirst",
            pad="0.2",
            tooltip=tooltip([self.model.source or "model"]),
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
        self._legend(g)
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
        for i in sp.ops:
            if sp.unit[i].startswith("op_"):
                self._op_node(g, sg, sg.operators[i])
        for box in sp.boxes.values():
            self._box_node(g, sg, box.id, box.title, box.ops, box.namespaced)
        for t in sp.orphans:
            self._tensor_node(g, sg, t, f"t_{s}_{t}", "variable" if sg.tensors[t].is_variable else "tensor")
        for t in sp.const_nodes:
            self._tensor_node(g, sg, t, f"const_{s}_{t}", "constant")
        for t in sp.outputs:
            self._io_node(g, sg, t, "output")
        for marker, count in Counter(sp.hidden_at.values()).items():
            self._hidden_node(g, marker, count, upstream=marker.endswith("_0"))
        if not (sp.ops or sp.inputs or sp.outputs):
            g.node(f"empty_{s}", label="<<I>no ops</I>>", shape="plaintext", style="")

    def _io_node(self, g: graphviz.Digraph, sg: Subgraph, t: int, role: str) -> None:
        s = sg.index
        tensor = sg.tensors[t]
        node = f"{'in' if role == 'input' else 'out'}_{s}_{t}"
        names = self.sig_names.get((s, t, role), [])
        keys = {k for k, _ in names}
        if names:
            title = "<BR/>".join(
                f"<B>{h(name, 40)}</B>" if len(keys) == 1 else f"{h(key, 24)}: <B>{h(name, 32)}</B>"
                for key, name in names[:3]
            )
        else:
            pos = (sg.inputs if role == "input" else sg.outputs).index(t)
            title = f"<B>{role} {pos}</B>"
        show_name = self.tensor_names or not names
        label = f'<FONT POINT-SIZE="9" COLOR="{_GREY}">{role}</FONT><BR/>{title}<BR/>'
        label += tensor_html(tensor, self._override(s, t), name=show_name)
        line = FAMILY_STYLE[family(tensor.dtype)][1]
        attrs = {
            "style": "filled,bold",
            "shape": "box",
            "penwidth": "2",
            "fillcolor": "#ffffff",
            "color": line,
            "id": node,
            "class": role,
        }
        tip = [f"{role}: " + ", ".join(f"{k} / {n}" for k, n in names)] if names else [role]
        tip += tensor_tooltip(tensor, self._override(s, t))
        label += self._mark(node, attrs, tip)
        g.node(node, label=f"<{label}>", tooltip=tooltip(tip), **attrs)

    def _op_node(self, g: graphviz.Digraph, sg: Subgraph, op: Operator) -> None:
        s = sg.index
        node = f"op_{s}_{op.index}"
        fam = self._op_family(sg, op)
        fill, line = FAMILY_STYLE[fam]
        label = f'<B>{h(op.opcode, 40)}</B> <FONT POINT-SIZE="9" COLOR="{_GREY}">#{op.index}</FONT>'
        tip = [f"op {op.index}: {op.opcode}" + (f" ({op.builtin})" if op.builtin != op.opcode else "")]
        if op.version > 1:
            tip[0] += f" v{op.version}"
        if op.is_custom:
            kind = f"flex: {op.flex_op}" if op.flex_op else "custom op"
            label += f'<BR/><FONT POINT-SIZE="9" COLOR="{_GREY}">{h(kind, 40)}</FONT>'
        opts = options_text(op)
        if opts:
            label += f'<BR/><FONT POINT-SIZE="10">{h(" · ".join(opts), 60)}</FONT>'
        shown = 0
        consts: list[str] = []
        sp = self.plan.subgraphs[s]
        for slot, t in enumerate(op.inputs):
            tensor = sg.tensor(t)
            if tensor is None or t in sp.producer or t in sp.inputs or not tensor.is_constant:
                continue
            tip.append(f"const input {slot}: {tensor.name} {tensor.dtype}{list(tensor.shape_signature)}")
            if t in sp.const_nodes:
                continue
            if shown < _MAX_FOLDED_CONSTANTS:
                q = quant_text(tensor.quantization)
                consts.append(
                    f"{h(tensor.dtype.lower())}{shape_html(tensor, self._override(s, t))}" + (f" {h(q)}" if q else "")
                )
            shown += 1
        if consts:
            more = f" +{shown - len(consts)}" if shown > len(consts) else ""
            rows = [", ".join(consts[k : k + 2]) for k in range(0, len(consts), 2)]
            label += f'<BR/><FONT POINT-SIZE="9" COLOR="#444444">const {"<BR/>".join(rows)}{more}</FONT>'
        for field, target in op.called():
            tip.append(f"calls subgraph {target} ({field})")
        tip += [f"{k} = {v}" for k, v in op.options.items() if not isinstance(v, (list, dict))][:20]
        attrs = {"fillcolor": fill, "color": line, "style": "rounded,filled", "id": node, "class": "op"}
        label += self._mark(node, attrs, tip)
        g.node(node, label=f"<{label}>", tooltip=tooltip(tip), **attrs)

    def _op_family(self, sg: Subgraph, op: Operator) -> str:
        for t in (*op.outputs, *op.inputs):
            tensor = sg.tensor(t)
            if tensor is not None:
                return family(tensor.dtype)
        return "other"

    def _box_node(
        self, g: graphviz.Digraph, sg: Subgraph, node: str, title: str, ops: Sequence[int], namespaced: bool
    ) -> None:
        kinds = Counter(sg.operators[i].opcode for i in ops)
        fams = Counter(self._op_family(sg, sg.operators[i]) for i in ops)
        fill, line = FAMILY_STYLE[fams.most_common(1)[0][0]]
        top = [f"{n}× {opcode}" for opcode, n in kinds.most_common(4)]
        rows = [" · ".join(top[:2]), " · ".join(top[2:])]
        if len(kinds) > 4:
            rows[1] += f" · +{len(kinds) - 4} types"
        label = (
            f"<B>{h(shorten_path(title) if namespaced else title, 64)}</B><BR/>{len(ops)} ops · #{min(ops)}–#{max(ops)}"
        )
        label += "".join(f'<BR/><FONT POINT-SIZE="9">{h(r, 64)}</FONT>' for r in rows if r)
        tip = [
            f"{'namespace' if namespaced else 'ops'} {title}",
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
        g.node(node, label=f"<{label}>", tooltip=tooltip(tip), **attrs)

    def _tensor_node(self, g: graphviz.Digraph, sg: Subgraph, t: int, node: str, kind: str) -> None:
        tensor = sg.tensors[t]
        line = FAMILY_STYLE[family(tensor.dtype)][1]
        label = f'<FONT POINT-SIZE="9" COLOR="{_GREY}">{kind}</FONT><BR/>'
        label += tensor_html(tensor, self._override(sg.index, t), name=self.tensor_names or kind != "constant")
        attrs = {
            "shape": "note" if kind == "constant" else "ellipse",
            "style": "filled" if kind == "constant" else "filled,dashed",
            "fillcolor": "#ffffff",
            "color": line,
            "fontsize": "9",
            "id": node,
            "class": kind,
        }
        tip = [kind, *tensor_tooltip(tensor, self._override(sg.index, t))]
        label += self._mark(node, attrs, tip)
        g.node(node, label=f"<{label}>", tooltip=tooltip(tip), **attrs)

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
        g.node(node, label=f"<{label}>", tooltip=tooltip(tip), **attrs)

    def _stubs(self, g: graphviz.Digraph) -> None:
        for s in self.plan.stubs:
            sg = self.model.subgraphs[s]
            node = f"stub_{s}"
            name = f" · {h(sg.name, 40)}" if sg.name else ""
            label = f"<B>subgraph {s}</B>{name}<BR/>{len(sg.operators)} ops, not drawn"
            attrs = {"shape": "component", "style": "filled", "fillcolor": "#f4f4f4", "id": node, "class": "stub"}
            tip = [f"subgraph {s}: {sg.name}", f"draw it with --subgraph {s}"]
            label += self._mark(node, attrs, tip)
            g.node(node, label=f"<{label}>", tooltip=tooltip(tip), **attrs)

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
                if 0 <= t < len(sg.tensors):
                    add(self._source(sp, t), dst, t)
            if sp.hidden_at:
                for t in op.outputs:
                    for c in sp.consumers.get(t, ()):
                        add(dst, sp.hidden_at.get(c), t)
        for t in sp.outputs:
            add(self._source(sp, t), f"out_{s}_{t}", t)

        for src, dst, t in single:
            tensor = sg.tensors[t]
            attrs = self._edge_style(tensor)
            if _labelled(src, dst):
                attrs["label"] = f"<{tensor_html(tensor, self._override(s, t), name=self.tensor_names)}>"
            g.edge(src, dst, tooltip=tooltip(tensor_tooltip(tensor, self._override(s, t))), **attrs)
        for (src, dst), ts in grouped.items():
            tensor = sg.tensors[ts[0]]
            attrs = self._edge_style(tensor)
            if len(ts) == 1:
                if _labelled(src, dst):
                    attrs["label"] = f"<{tensor_html(tensor, self._override(s, ts[0]), name=self.tensor_names)}>"
                tip = tensor_tooltip(tensor, self._override(s, ts[0]))
            else:
                attrs["label"] = f"<{len(ts)} tensors>"
                attrs["penwidth"] = "1.6"
                tip = [f"{len(ts)} tensors:"] + [f"{sg.tensors[t].name}" for t in ts]
            g.edge(src, dst, tooltip=tooltip(tip), **attrs)

    def _edge_style(self, tensor: Tensor) -> dict[str, str]:
        return {"color": FAMILY_STYLE[family(tensor.dtype)][1]}

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
            src = self.plan.subgraphs[s].unit[i]
            attrs = {
                "style": "dashed",
                "color": _GREY,
                "fontcolor": _GREY,
                "label": f"<{h(_role(field), 24)}>",
                "tooltip": tooltip([f"op {i} calls subgraph {target} ({field})"]),
            }
            if self.clusters and target in self.plan.subgraphs and target != s:
                attrs["lhead"] = f"cluster_{target}"
            g.edge(src, head, **attrs)

    # -- legend ----------------------------------------------------------------------------

    def _legend(self, g: graphviz.Digraph) -> None:
        acc = self.plan.accounting
        source = Path(self.model.source).name if self.model.source else "model"
        n_sub = len(self.model.subgraphs)
        head = f"<B>{h(source, 60)}</B> · {_count(acc.total_ops, 'op')} · {_count(n_sub, 'subgraph')}"
        rows = [f'<TR><TD COLSPAN="5" ALIGN="LEFT">{head}</TD></TR>']
        parts = [f"{_count(acc.drawn_ops, 'op')} drawn"]
        if acc.boxed_ops:
            parts.append(f"{acc.boxed_ops} in {acc.boxes} collapsed boxes (double border)")
        if acc.hidden_ops:
            parts.append(f"{acc.hidden_ops} not shown")
        if self.plan.signature is not None:
            parts.append(f"signature {h(self.plan.signature, 40)}")
        if len(self.plan.subgraphs) == 1 and n_sub > 1:
            parts.append(f"subgraph {next(iter(self.plan.subgraphs))}")
        rows.append(f'<TR><TD COLSPAN="5" ALIGN="LEFT"><FONT POINT-SIZE="9">{" · ".join(parts)}</FONT></TD></TR>')
        for note in self.notes:
            rows.append(f'<TR><TD COLSPAN="5" ALIGN="LEFT"><FONT POINT-SIZE="9">{h(note, 120)}</FONT></TD></TR>')
        cells = "".join(
            f'<TD BGCOLOR="{FAMILY_STYLE[f][0]}"><FONT COLOR="{FAMILY_STYLE[f][1]}">{f}</FONT></TD>' for f in FAMILIES
        )
        rows.append(f"<TR>{cells}</TR>")
        rows.append(
            f'<TR><TD COLSPAN="5" ALIGN="LEFT"><FONT POINT-SIZE="9"><FONT COLOR="{DYNAMIC_COLOR}"><B>?</B>'
            f'</FONT> unknown dim (-1) · <FONT COLOR="{DYNAMIC_COLOR}"><B>[*]</B></FONT> unknown rank · '
            "s/zp: quantization scale / zero point</FONT></TD></TR>"
        )
        if self.findings:
            counts = Counter(_severity(f) for f in self.findings)
            sev = "".join(
                f'<TD BGCOLOR="{SEVERITY_COLOR[k]}"><FONT COLOR="#ffffff"><B>{counts.get(k, 0)} {k}</B></FONT></TD>'
                for k in ("error", "warning", "info")
            )
            rows.append(f'<TR><TD COLSPAN="2" ALIGN="LEFT">lint findings</TD>{sev}</TR>')
            for f in self.model_level[:5]:
                text = f"{getattr(f, 'rule', '?')} ({_severity(f)}): {getattr(f, 'message', '')}"
                rows.append(f'<TR><TD COLSPAN="5" ALIGN="LEFT"><FONT POINT-SIZE="9">{h(text, 90)}</FONT></TD></TR>')
            if len(self.model_level) > 5:
                rows.append(
                    f'<TR><TD COLSPAN="5" ALIGN="LEFT"><FONT POINT-SIZE="9">… {len(self.model_level) - 5} '
                    "more model-level findings</FONT></TD></TR>"
                )
            if self.elsewhere:
                rows.append(
                    f'<TR><TD COLSPAN="5" ALIGN="LEFT"><FONT POINT-SIZE="9">{self.elsewhere} in subgraphs not drawn'
                    "</FONT></TD></TR>"
                )
        table = '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3" COLOR="#bbbbbb">'
        table += "".join(rows) + "</TABLE>"
        tip = [f"{getattr(f, 'rule', '?')} ({_severity(f)}): {getattr(f, 'message', '')}" for f in self.model_level]
        g.node(
            "legend",
            label=f"<{table}>",
            shape="plaintext",
            style="",
            id="legend",
            tooltip=tooltip(tip or ["legend"]),
        )
