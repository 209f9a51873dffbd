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
    "digits_demo",
    "mixed_speed",
    "edges",
    "scale_out",
    "simulate",
    "packed_save",
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
    if name == "memory":  # its fit part writes files of its own
        assert "Smoke run" in (tmp_path / "memory_fit.md").read_text()


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


def test_flop_count_matches_hand_count():
    from smrt_keras import VAE

    forward_flops = load("_flops").forward_flops

    dense = VAE(input_shape=(30,), hidden_units=(16, 8), latent_dim=2)
    # encoder 30-16-8 and two 8-2 heads; decoder 2-16-8-30 (Bernoulli: one
    # output per feature); 2 FLOPs per multiply-add.
    enc = 2 * (30 * 16 + 16 * 8 + 2 * 8 * 2)
    dec = 2 * (2 * 16 + 16 * 8 + 8 * 30)
    assert forward_flops(dense.encoder) == enc
    assert forward_flops(dense.decoder) == dec
    assert forward_flops(dense) == enc + dec

    conv = VAE(
        input_shape=(8, 8),
        encoder="conv",
        filters=(4,),
        strides=(2,),
        hidden_units=(),
        latent_dim=2,
    )
    # conv 3x3x1x4 to a 4x4 map; heads 64->2 twice; decoder dense 2->64,
    # deconv 3x3 4->4 over the 4x4 input, conv 3x3x4x1 to the 8x8 output.
    enc = 2 * (9 * 4 * 16 + 2 * 64 * 2)
    dec = 2 * (2 * 64 + 9 * 4 * 4 * 16 + 9 * 4 * 64)
    assert forward_flops(conv.encoder) == enc
    assert forward_flops(conv.decoder) == dec
