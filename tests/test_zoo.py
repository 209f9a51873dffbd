"""The pretrained zoo: listing, loading, and finding it after an install."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from smrt_keras import zoo

ROOT = Path(__file__).resolve().parents[1]


def test_list_and_unknown_name():
    sets = zoo.list()
    assert "mnist" in sets and "digit" in sets["mnist"]
    with pytest.raises(ValueError, match="unknown zoo set name='cifar'"):
        zoo.load("cifar")


def test_mnist_zoo_generates_every_digit():
    smrt = zoo.load("mnist")
    assert smrt.classes_.tolist() == list(range(10))
    X, y = smrt.generate(3, random_state=0)
    assert X.shape == (30, 28, 28) and X.dtype == np.uint8
    assert np.bincount(y).tolist() == [3] * 10
    again, _ = smrt.generate(3, random_state=0)
    np.testing.assert_array_equal(X, again)
    assert "recognisable" in zoo.info("mnist")


def test_zoo_is_small():
    size = sum(p.stat().st_size for p in (ROOT / "zoo").rglob("*") if p.is_file())
    assert size < 20 * 2**20


def test_zoo_found_in_a_regular_install(tmp_path):
    """`pip install .` (not editable) ships the zoo as package data."""
    target = tmp_path / "site"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr
    code = (
        "import smrt_keras, smrt_keras.zoo as z; "
        "print(smrt_keras.__file__); print(z.path('mnist')); "
        "print(z.load('mnist').generate(2)[0].shape)"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    module_file, zoo_dir, shape = out.stdout.split("\n")[:3]
    assert module_file.startswith(str(target)) and zoo_dir.startswith(str(target))
    assert shape == "(20, 28, 28)"


def test_model_card_is_generated_from_the_saved_set_and_results():
    """The shipped card is exactly what the training script renders from the
    saved set's own parameters and recipes plus the committed results file,
    so it cannot drift from what ships."""
    import importlib.util
    import json

    script = ROOT / zoo.preset("mnist")["script"]
    spec = importlib.util.spec_from_file_location("train_mnist", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    results = json.loads((ROOT / zoo.preset("mnist")["results"]).read_text())
    facts = module.fitted_facts(zoo.load("mnist"))
    card = "\n".join(module.card_lines(results, facts))
    assert card == zoo.info("mnist")
    assert f"beta = {facts['beta']}," in card and facts["beta"] == "1.0"


def test_training_scripts_are_not_installed():
    import importlib.resources

    root = Path(str(importlib.resources.files("smrt_keras.zoo_data")))
    assert not list(root.glob("train_*.py"))


@pytest.mark.parametrize("name, shape", [("mnist-backbone", (28, 28)),
                                         ("digits-backbone", (8, 8))])  # fmt: skip
def test_zoo_backbones_load_and_describe_their_data(name, shape):
    from smrt_keras.backbone import Backbone

    backbone = zoo.load_backbone(name)
    assert isinstance(backbone, Backbone) and zoo.preset(name)["kind"] == "backbone"
    assert tuple(backbone.recipe.vae_config["input_shape"]) == shape
    assert isinstance(zoo.load(name), Backbone)
    assert backbone.trained_on["source"] == zoo.preset(name)["data"]
    card = zoo.info(name)
    assert f'Reconstructor(backbone="{name}")' in card
    assert f"{backbone.trained_on['n_samples']:,} images" in card


def test_backbone_cards_are_rendered_from_the_saved_backbone_and_results():
    import importlib.util
    import json
    import tempfile

    from smrt_keras.backbone import Backbone

    script = ROOT / zoo.preset("mnist-backbone")["script"]
    spec = importlib.util.spec_from_file_location("train_backbone", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in ("mnist-backbone", "digits-backbone"):
        results = json.loads((ROOT / zoo.preset(name)["results"]).read_text())
        with tempfile.TemporaryDirectory() as tmp:
            module.write_card(Path(tmp), results, Backbone.load(zoo.path(name)))
            rendered = (Path(tmp) / "MODEL_CARD.md").read_text()
        assert rendered == zoo.info(name), name


def test_loading_a_generator_set_as_a_backbone_explains():
    from smrt_keras.files import InvalidSaveError

    with pytest.raises(InvalidSaveError, match="holds no backbone"):
        zoo.load_backbone("mnist")
