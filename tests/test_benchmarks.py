"""Smoke runs of every benchmark at tiny sizes: each script must run end to end
and write its table, raw results and plot. The numbers are not checked (they
mean nothing at these sizes); full runs live in benchmarks/results/."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
SCRIPTS = (
    "deepsmote_mnist",
    "mnist_zeros",
    "tabular",
    "scaling",
    "throughput",
    "memory",
)


def load(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.parametrize("name", SCRIPTS)
def test_benchmark_smoke(name, tmp_path, capsys):
    load(name).main(["--smoke", "--out", str(tmp_path)])
    report = (tmp_path / f"{name}.md").read_text()
    assert "Smoke run" in report
    assert "| --- |" in report  # a markdown table was written
    assert json.loads((tmp_path / f"{name}.json").read_text())
    png = (tmp_path / f"{name}.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 1000
    assert f"wrote {tmp_path / (name + '.md')}" in capsys.readouterr().out


def test_every_benchmark_is_smoke_tested():
    scripts = {p.stem for p in BENCH.glob("*.py") if not p.stem.startswith("_")}
    assert scripts == set(SCRIPTS)


def test_readme_lists_every_benchmark_command():
    readme = (ROOT / "README.md").read_text()
    for name in SCRIPTS:
        assert f"python benchmarks/{name}.py" in readme, name


def test_readme_tables_match_the_results_files():
    # Every number in the README's comparison comes from benchmarks/results/:
    # the tables are rebuilt from the JSON files and must appear verbatim.
    tables = load("_readme")
    readme = (ROOT / "README.md").read_text()
    assert "\n".join(tables.comparison_table()) in readme
    assert "\n".join(tables.tabular_lines()) in readme
