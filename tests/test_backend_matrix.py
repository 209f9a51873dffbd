"""Any backend loads any save: each installed Keras backend saves, and every
other one loads the directory in a fresh process and reproduces the samples.
Directories written by 0.1.0 (format 1, under TensorFlow and under torch,
``tests/data/format1``) load on every installed backend."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _need import require

BACKENDS = ["tensorflow", "jax", "torch"]
FORMAT1 = Path(__file__).resolve().parent / "data" / "format1"

#: Latent draws come from numpy; only the decoders' float32 arithmetic
#: differs between backends (seen: at most a few 1e-6).
TOLERANCE = 1e-4

SAVE = """
import sys
import numpy as np
from smrt_keras import Reconstructor
out = sys.argv[1]
if out != "-":
  rng = np.random.default_rng(0)
  X = rng.normal(size=(120, 5)); y = np.r_[[0] * 90, [1] * 30]
  table = Reconstructor(epochs=2, hidden_units=(16,), random_state=0).fit(X, y)
  table.save(out + "/table")
  images = rng.uniform(size=(40, 8, 8)); labels = np.r_[[0] * 30, [1] * 10]
  conv = Reconstructor(epochs=1, encoder="conv", random_state=0).fit(images, labels)
  conv.save(out + "/conv")
  np.save(out + "/table.npy", table.generate(6, random_state=1)[0])
  np.save(out + "/conv.npy", conv.generate(4, random_state=1)[0])
"""

LOAD = """
import json
from pathlib import Path
out = Path(sys.argv[2])
for src in map(Path, sys.argv[3:]):
    if src.name.startswith("saved_"):  # a format-1 fixture and its probe
        smrt = Reconstructor.load(src)
        probe = json.loads(Path(str(src) + ".json").read_text())
        z = np.asarray(probe["z"], dtype="float32")
        decoded = smrt.generators_[1].vae.decode(z)
        worst = np.abs(decoded - np.asarray(probe["decoded"])).max()
        (out / (src.name + ".json")).write_text(json.dumps(float(worst)))
        continue
    for name, n in (("table", 6), ("conv", 4)):
        X_new = Reconstructor.load(src / name).generate(n, random_state=1)[0]
        np.save(out / (src.name + "_" + name + ".npy"), X_new)
"""


def _installed(backend: str) -> bool:
    return importlib.util.find_spec(backend) is not None


def _need(*backends: str) -> None:
    for backend in backends:
        require(_installed(backend), backend, f"pip install {backend}")


def _run(backend: str, code: str, *args) -> str:
    env = dict(os.environ, KERAS_BACKEND=backend)
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, f"{backend}: {out.stderr[-3000:]}"
    return out.stdout


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    """``(saves, loads)``: ``{backend: directory}`` of each installed backend's
    save, and of what it made of every other backend's save and of the
    format-1 fixtures. A process saves and loads what exists so far; a last
    round loads the saves written after it (n + 1 processes for 2 backends)."""
    root = tmp_path_factory.mktemp("matrix")
    installed = [b for b in BACKENDS if _installed(b)]
    saves = {b: root / "saves" / b for b in installed}
    loads = {b: root / "loads" / b for b in installed}
    for path in [*saves.values(), *loads.values()]:
        path.mkdir(parents=True)
    fixtures = [FORMAT1 / "saved_tensorflow", FORMAT1 / "saved_torch"]
    for i, backend in enumerate(installed):
        earlier = [saves[b] for b in installed[:i]]
        _run(backend, SAVE + LOAD, saves[backend], loads[backend], *earlier,
             *(fixtures if i else []))  # fmt: skip
    for i, backend in enumerate(installed[:-1]):
        later = [saves[b] for b in installed[i + 1 :]]
        _run(backend, SAVE + LOAD, "-", loads[backend], *later,
             *(fixtures if i == 0 else []))  # fmt: skip
    return saves, loads


@pytest.mark.parametrize("saver", BACKENDS)
@pytest.mark.parametrize("loader", BACKENDS)
def test_any_backend_loads_any_save(matrix, saver, loader):
    saves, loads = matrix
    _need(saver, loader)
    if saver == loader:
        pytest.skip("the same backend: test_persistence covers it")
    for name in ("table", "conv"):
        expected = np.load(saves[saver] / f"{name}.npy")
        got = np.load(loads[loader] / f"{saver}_{name}.npy")
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, atol=TOLERANCE, rtol=0)


@pytest.mark.parametrize("loader", BACKENDS)
@pytest.mark.parametrize("saved_by", ["tensorflow", "torch"])
def test_format_1_saves_of_0_1_0_load_on_every_backend(matrix, saved_by, loader):
    loads = matrix[1]
    _need(loader)
    directory = FORMAT1 / f"saved_{saved_by}"
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["format_version"] == 1 and manifest["backend"] == saved_by
    worst = json.loads((loads[loader] / f"saved_{saved_by}.json").read_text())
    assert worst < TOLERANCE
