"""The library's shape (docs/architecture.md): a straight import chain, small
modules and functions, and a facade that stays small."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "smrt_keras"

#: The chain, top to bottom. A module may import only modules below it.
CHAIN = [
    "reconstructor", "constraints", "persistence", "backbone", "conditional",
    "generator",
    "recipe", "models",
]  # fmt: skip
#: Entry points above the chain (they may import anything).
ENTRY = {"__init__", "cli", "zoo"}
#: Helpers beside the chain: they import no chain module except models (the
#: bottom) and no entry point.
HELPERS = {
    "_version", "params", "spec", "validation", "strategy", "preprocessing",
    "augmentation", "progress", "datasets", "evaluation", "plot", "baselines",
    "files", "presets", "tables", "sampler", "typed_json", "rows", "settings",
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
