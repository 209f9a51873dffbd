"""Load checks every manifest field against the files it describes.

Nothing signs ``manifest.json`` itself, so each field that says what the
model, codes or input are is swept through values other than the true one
(smaller, larger, zero, negative, 10**12, a float, a string): every one is
refused with an ``InvalidSaveError`` naming the field, before any sample is
drawn."""

import copy
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from smrt_keras import InvalidSaveError, Reconstructor
from smrt_keras.persistence import MANIFEST

SWEEP = ("smaller", "larger", 0, -1, 10**12, 2.5, "x")


@pytest.fixture(scope="module")
def saves(tmp_path_factory):
    """A table of 30 features, a mixed frame and a small image set, saved."""
    root = tmp_path_factory.mktemp("saves")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 30)), np.r_[[0] * 45, [1] * 15]
    Reconstructor(epochs=1, random_state=0).fit(X, y).save(root / "table")
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=60),
            "b": rng.choice(["x", "y"], 60),
            "c": rng.normal(size=60),
        }
    )
    Reconstructor(epochs=1, random_state=0).fit(frame, y).save(root / "mixed")
    images = rng.integers(0, 256, size=(40, 8, 8)).astype("uint8")
    labels = np.r_[[0] * 30, [1] * 10]
    Reconstructor(epochs=1, random_state=0, backbone=None).fit(images, labels).save(
        root / "image"
    )
    return root


def _get(manifest, path):
    for key in path:
        manifest = manifest[key]
    return manifest


def _value(true, change):
    if change == "smaller":
        return true - 1
    if change == "larger":
        return true + 1
    return change


def _tampered(src, tmp_path, path, value):
    target = tmp_path / "t"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(src, target)
    manifest = json.loads((target / MANIFEST).read_text())
    edited = copy.deepcopy(manifest)
    _get(edited, path[:-1])[path[-1]] = value
    (target / MANIFEST).write_text(json.dumps(edited))
    return target


G = ("generators", 0)
RECIPE = (*G, "recipe")
#: Fields that describe the files: every value but the saved one is refused.
#: (save, path to the field, words the message must hold)
DESCRIBING = [
    ("table", ("input", "sample_shape", 0), "sample"),
    ("table", (*RECIPE, "vae_config", "input_shape", 0), "vae_config.input_shape"),
    ("table", (*RECIPE, "vae_config", "latent_dim"), "vae_config.latent_dim"),
    ("table", (*RECIPE, "vae_config", "hidden_units", 0), "vae_config.hidden_units"),
    ("table", (*G, "label_index"), "label_index"),
    ("image", ("input", "sample_shape", 1), "sample"),
    ("image", (*RECIPE, "vae_config", "input_shape", 0), "vae_config.input_shape"),
    ("image", (*RECIPE, "vae_config", "filters", 0), "vae_config.filters"),
    ("mixed", ("input", "sample_shape", 0), "sample"),
    ("mixed", (*RECIPE, "vae_config", "column_types", 1, 1), "vae_config"),
]


@pytest.mark.parametrize("save, path, named", DESCRIBING)
@pytest.mark.parametrize("change", SWEEP)
def test_a_field_that_describes_the_files_is_checked(
    saves, tmp_path, save, path, named, change
):
    src = saves / save
    true = _get(json.loads((src / MANIFEST).read_text()), path)
    value = _value(true, change)
    target = _tampered(src, tmp_path, path, value)
    with pytest.raises(InvalidSaveError) as info:
        Reconstructor.load(target)
    assert named in str(info.value), str(info.value)


#: Fields with a range: out-of-range values and wrong types are refused.
RANGED = [
    ((*RECIPE, "temperature"), (0, -1, "x", None)),
    ((*RECIPE, "batch_size"), (-1, 2.5, "x")),
    ((*RECIPE, "learning_rate"), (-1, "x")),
    ((*RECIPE, "generation"), ("sideways", 3)),
    ((*RECIPE, "output_noise"), (2, "x")),
    ((*G, "scaler", "scale"), ([1.0], [], "x")),
    ((*G, "scaler", "offset"), ([0.0] * 29, [0.0] * 31)),
    ((*G, "history", "loss"), ("x", ["x"])),
    (("params", "temperature"), (0, -1, "x")),
    (("params", "epochs"), (0, -1, 2.5, "x")),
    (("params", "latent_dim"), (0, "x")),
    (("labels", "values", 0), (2.5, "x")),
    (("sampling_strategy_", 0, 1), (-1, 2.5, "x")),
    (("input", "dtype"), ("no-such-dtype",)),
    (("input", "kind"), ("spreadsheet",)),
]


@pytest.mark.parametrize(
    "path, value", [(p, v) for p, values in RANGED for v in values]
)
def test_a_field_out_of_range_is_refused_naming_it(saves, tmp_path, path, value):
    target = _tampered(saves / "table", tmp_path, path, value)
    with pytest.raises(InvalidSaveError) as info:
        Reconstructor.load(target)
    message = str(info.value)
    named = (
        "labels" if path[0] == "labels" else [k for k in path if isinstance(k, str)][-1]
    )
    assert named in message, message


def test_mixed_column_kinds_must_match_the_codec(saves, tmp_path):
    path = (*G, "scaler", "kinds")
    target = _tampered(saves / "mixed", tmp_path, path, ["numeric", "numeric"])
    with pytest.raises(InvalidSaveError, match="levels do not match its columns"):
        Reconstructor.load(target)
    path = (*G, "scaler", "kinds", 0)
    target = _tampered(saves / "mixed", tmp_path, path, "skewed")
    with pytest.raises(InvalidSaveError, match="recipe.column_kinds"):
        Reconstructor.load(target)
    target = _tampered(saves / "mixed", tmp_path, ("input", "columns"), ["a"])
    with pytest.raises(InvalidSaveError, match="input.columns"):
        Reconstructor.load(target)


def test_untouched_saves_load_and_draw(saves):
    for name in ("table", "mixed", "image"):
        X_new, _ = Reconstructor.load(saves / name).generate(3, random_state=0)
        assert len(X_new) == 3


def _deleted(src, tmp_path, path):
    target = _tampered(src, tmp_path, path, None)
    manifest = json.loads((target / MANIFEST).read_text())
    del _get(manifest, path[:-1])[path[-1]]
    (target / MANIFEST).write_text(json.dumps(manifest))
    return target


def test_edits_a_sceptic_found_are_refused(saves, tmp_path):
    """Edits that loaded and then gave wrong samples or a raw error."""
    cases = [
        (_tampered, "table", ("labels", "dtype"), "<U5", "labels"),
        (_tampered, "table", ("labels", "dtype"), "<f8", "labels"),
        (_tampered, "mixed", (*G, "scaler", "numeric", "upper"), [-5.0, -5.0], "upper"),
        (_tampered, "mixed", ("input", "columns"), ["a", "a", "c"], "input.columns"),
    ]
    for edit, save, path, value, named in cases:
        target = edit(saves / save, tmp_path, path, value)
        with pytest.raises(InvalidSaveError, match=named):
            Reconstructor.load(target)
    for save, path, named in [
        ("mixed", ("input", "levels"), "input.levels"),
        ("table", (*RECIPE, "vae_config", "input_shape"), "vae_config"),
        ("table", (*RECIPE, "vae_config", "likelihood"), "vae_config"),
    ]:
        with pytest.raises(InvalidSaveError, match=named):
            Reconstructor.load(_deleted(saves / save, tmp_path, path))
