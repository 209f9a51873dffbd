"""The library's shape (docs/architecture.md): a straight import chain, small
modules and functions, and a facade that stays small."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "smrt_keras"

#: The chain, top to bottom. A module may import only modules below it.
CHAIN = [
    "reconstructor", "resampling", "backbone", "fitting", "persistence",
    "manifest_checks", "generator", "recipe", "models",
]  # fmt: skip
#: Entry points above the chain (they may import anything).
ENTRY = {"__init__", "cli", "zoo"}
#: Helpers beside the chain: they import no chain module except models (the
#: bottom) and no entry point.
HELPERS = {
    "_version", "params", "spec", "validation", "strategy", "preprocessing",
    "augmentation", "progress", "datasets", "evaluation", "plot", "baselines",
    "files", "presets", "tables", "sampler", "typed_json", "rows", "settings",
    "report", "filtering", "table_filter", "noise", "densities",
}  # fmt: skip


def _unit(path: Path) -> str:
    """The unit a file belongs to: its top-level module or subpackage."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imported_units(path: Path) -> set[str]:
    """Every smrt_keras unit a file imports, at any level (lazy ones too)."""
    units = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "smrt_keras":
                names = [f"smrt_keras.{a.name}" for a in node.names]
            else:
                names = [node.module]
        for name in names:
            if name.startswith("smrt_keras."):
                units.add(name.split(".")[1])
    return units


def test_every_module_is_placed():
    units = {_unit(p) for p in PACKAGE.rglob("*.py")}
    assert units <= set(CHAIN) | ENTRY | HELPERS, units - set(CHAIN) - ENTRY - HELPERS


def test_import_graph_is_a_straight_chain():
    problems = []
    for path in PACKAGE.rglob("*.py"):
        unit = _unit(path)
        if unit in ENTRY:
            continue
        for target in _imported_units(path) - {unit}:
            if unit in CHAIN:
                ok = target in HELPERS or (
                    target in CHAIN and CHAIN.index(target) > CHAIN.index(unit)
                )
                if unit == "models":
                    ok = target in {"params"}  # a leaf with no imports
            else:
                ok = target in HELPERS | {"models"}
            if not ok:
                problems.append(f"{path.relative_to(PACKAGE)} imports {target}")
    assert not problems, problems


def test_helpers_import_nothing_of_the_chain_above_models():
    # params is the one helper models may use, so it must stay a leaf.
    assert _imported_units(PACKAGE / "params.py") == set()
    # settings is read by the command line before any backend starts.
    assert _imported_units(PACKAGE / "settings.py") == {"params"}


def _module_name(path: Path) -> str:
    parts = ("smrt_keras", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_graph() -> dict[str, set[str]]:
    """Every smrt_keras module and the modules it imports (lazy ones too;
    ``from package import name`` counts as the submodule where one exists,
    else as the package)."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                candidates = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                candidates = [f"{base}.{a.name}" for a in node.names] or [base]
            else:
                continue
            for candidate in candidates:
                while candidate and candidate not in paths:
                    candidate = candidate.rpartition(".")[0]
                if candidate and candidate != name:
                    found.add(candidate)
        graph[name] = found
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while not component or component[-1] != v:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_between_any_two_modules():
    # Module by module, inside subpackages too (models/, cli/, fitting/):
    # the unit-level chain above cannot see a circle within a subpackage.
    assert _cycles(_module_graph()) == []


def test_the_cycle_check_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_functions_are_under_60_lines():
    long = [
        f"{path.relative_to(PACKAGE)}:{node.name} ({node.end_lineno - node.lineno + 1})"
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > 60
    ]
    assert not long, long


def test_facade_stays_small():
    lines = (PACKAGE / "reconstructor.py").read_text().count("\n")
    assert lines < 450, lines
