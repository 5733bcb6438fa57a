"""The package's imports go one way: core → readers → index/engine → analyses → exporters → commands → cli.

Every import counts for the layers, lazy ones inside functions and type-only ones included (a lazy
upward import is still an upward dependency; it only hides the cycle from the interpreter). Cycles
are judged on the imports that run: a name imported only for annotations (``if TYPE_CHECKING:``)
creates no import cycle. ``Model._repr_svg_`` and ``str(Diagnosis)`` reach their exporters through
the slots of :mod:`tfl_inspect.hooks`, filled by the package root, not through an import, so they
need no exception.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "tfl_inspect"

# (layer, module prefixes) from the bottom up; a module belongs to the first layer naming its prefix.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "core",
        (
            "tfl_inspect._version",
            "tfl_inspect.errors",
            "tfl_inspect.escape",
            "tfl_inspect.dtypes",
            "tfl_inspect.fmt",
            "tfl_inspect.opdefs",
            "tfl_inspect.naming",
            "tfl_inspect.custom_ops",
            "tfl_inspect.hooks",
            "tfl_inspect.model",
            "tfl_inspect.provenance",
            "tfl_inspect.remedies",
            "tfl_inspect.schemas",
        ),
    ),
    ("readers", ("tfl_inspect.readers",)),
    (
        "index",
        (
            "tfl_inspect.graph",
            "tfl_inspect.shapes",
            "tfl_inspect.summary",
            "tfl_inspect.state",
            "tfl_inspect.runtime",
            "tfl_inspect.compiled",
            "tfl_inspect.composites",
            "tfl_inspect.generative",
        ),
    ),
    (
        "analyses",
        (
            "tfl_inspect.rules",
            "tfl_inspect.diagnosis",
            "tfl_inspect.converter",
            "tfl_inspect.converter_torch",
            "tfl_inspect.targets",
            "tfl_inspect.profiling",
            "tfl_inspect.compare",
            "tfl_inspect.rewrite",
        ),
    ),
    ("exporters", ("tfl_inspect.exporters",)),
    ("commands", ("tfl_inspect.commands",)),
    ("cli", ("tfl_inspect.cli", "tfl_inspect.__main__")),
    ("api", ("tfl_inspect",)),  # the package root: the public facade over everything below
)


def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        out[".".join(parts)] = (path, is_pkg)
    return out


def _type_only(tree: ast.Module) -> set[int]:
    """ids of the import nodes inside ``if TYPE_CHECKING:`` blocks."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            out.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return out


def _imports(name: str, path: Path, is_pkg: bool, known: set[str], runtime_only: bool = False) -> set[str]:
    pkg = name if is_pkg else name.rsplit(".", 1)[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_only(tree) if runtime_only else set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            for alias in node.names:
                candidate = f"{mod}.{alias.name}"
                found.add(candidate if candidate in known else mod)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    found.discard(name)
    return {m for m in found if m in known}


def _graph(runtime_only: bool = False) -> nx.DiGraph:
    mods = _modules()
    g = nx.DiGraph()
    g.add_nodes_from(mods)
    for name, (path, is_pkg) in mods.items():
        for target in _imports(name, path, is_pkg, set(mods), runtime_only):
            g.add_edge(name, target)
    return g


def layer_of(module: str) -> int:
    best: tuple[int, int] | None = None  # (prefix length, layer) — the most specific prefix wins
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), rank)
    assert best is not None, f"{module} has no layer: add it to LAYERS"
    return best[1]


def test_every_module_has_a_layer() -> None:
    for module in _graph():
        layer_of(module)


def test_no_import_goes_up_the_layers() -> None:
    upward = [
        f"{a} ({LAYERS[layer_of(a)][0]}) imports {b} ({LAYERS[layer_of(b)][0]})"
        for a, b in _graph().edges
        if layer_of(b) > layer_of(a)
    ]
    assert not upward, "\n".join(sorted(upward))


def test_no_import_cycles() -> None:
    cycles = [sorted(c) for c in nx.strongly_connected_components(_graph(runtime_only=True)) if len(c) > 1]
    assert not cycles, cycles
