"""The shared backbone (#15): fitted on all classes or loaded, fine-tuned per
class, saved once, and every misuse refused with a clear error."""

import json

import numpy as np
import pytest
from sklearn.base import clone

from smrt_keras import Reconstructor
from smrt_keras.backbone import Backbone
from smrt_keras.files import InvalidSaveError
from smrt_keras.models.training import TrainingJob, train_jobs
from smrt_keras.persistence import BACKBONE_FILE

FAST = dict(epochs=2, backbone_epochs=2, fine_tune_epochs=2, random_state=0)


@pytest.fixture(scope="module")
def digits_few(digit_images):
    """The 8x8 digits with class 0 cut to 12 images."""
    X, y = digit_images
    keep = np.concatenate([np.flatnonzero(y != 0)[:600], np.flatnonzero(y == 0)[:12]])
    return X[keep], y[keep]


@pytest.fixture(scope="module")
def fitted(digits_few):
    X, y = digits_few
    return Reconstructor(backbone="fit", **FAST).fit(X, y)


@pytest.mark.backend
def test_warm_start_starts_from_the_given_weights():
    """A job with initial_weights and a vanishing learning rate ends where it
    started; without them it starts from its seed's fresh weights."""
    x = np.random.default_rng(0).random((16, 6)).astype("float32")
    config = dict(input_shape=(6,), encoder="dense", hidden_units=(8,), latent_dim=2)
    base = TrainingJob(config, x, None, seed=1, epochs=1, batch_size=8,
                       learning_rate=1e-12, patience=None)  # fmt: skip
    ((fresh, _),) = train_jobs([base])
    start = [w + 0.5 for w in fresh.trainable]
    warm = TrainingJob(**{**base.__dict__, "initial_weights": start})
    ((tuned, _),) = train_jobs([warm])
    for got, want in zip(tuned.trainable, start, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-5)
    assert not np.allclose(tuned.trainable[0], fresh.trainable[0])


def test_warm_start_of_another_shape_is_refused():
    x = np.zeros((8, 6), "float32")
    config = dict(input_shape=(6,), encoder="dense", hidden_units=(8,), latent_dim=2)
    job = TrainingJob(config, x, None, 1, 1, 8, 1e-3, None,
                      initial_weights=[np.zeros((3, 3))])  # fmt: skip
    with pytest.raises(ValueError, match="initial weights of shapes"):
        train_jobs([job])


def test_fit_builds_a_backbone_and_fine_tunes_every_class(fitted, digits_few):
    X, y = digits_few
    backbone = fitted.backbone_
    assert isinstance(backbone, Backbone)
    assert backbone.trained_on["n_samples"] == len(X)
    assert backbone.trained_on["classes"] == sorted(set(y.tolist()))
    for gen in fitted.generators_.values():
        # Every class shares the backbone's architecture and scale.
        assert gen.recipe.vae_config["input_shape"] == (8, 8)
        np.testing.assert_array_equal(gen.scaler.offset_, backbone.scaler.offset_)
        np.testing.assert_array_equal(gen.scaler.scale_, backbone.scaler.scale_)
        assert len(gen.history["loss"]) == FAST["fine_tune_epochs"]
    assert len(backbone.history["loss"]) == FAST["backbone_epochs"]
    X_new, y_new = fitted.generate(5, label=0, random_state=0)
    assert X_new.shape == (5, 8, 8) and np.isfinite(X_new).all()
    assert X_new.min() >= X.min() and X_new.max() <= X.max()


def test_without_backbone_nothing_changes(digits_few):
    X, y = digits_few
    smrt = Reconstructor(epochs=2, random_state=0).fit(X, y)
    assert smrt.backbone_ is None


@pytest.mark.backend
def test_saved_once_and_round_trips(fitted, tmp_path):
    path = fitted.save(tmp_path / "s")
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["backbone"]["model"] == BACKBONE_FILE
    assert sorted(p.name for p in path.glob("*backbone*")) == [BACKBONE_FILE]
    loaded = Reconstructor.load(path)
    a, _ = fitted.generate(4, label=0, random_state=3)
    b, _ = loaded.generate(4, label=0, random_state=3)
    np.testing.assert_array_equal(a, b)
    assert loaded.backbone_.trained_on == fitted.backbone_.trained_on
    for want, got in zip(fitted.backbone_.weights(), loaded.backbone_.weights(),
                         strict=True):  # fmt: skip
        np.testing.assert_array_equal(want, got)


def test_standalone_save_and_fine_tune_from_a_path(fitted, digits_few, tmp_path):
    X, y = digits_few
    path = fitted.backbone_.save(tmp_path / "bb")
    assert Backbone.load(path).recipe == fitted.backbone_.recipe
    # The backbone inside a saved Reconstructor loads on its own as well.
    assert Backbone.load(fitted.save(tmp_path / "s")).recipe == fitted.backbone_.recipe
    smrt = Reconstructor(backbone=str(path), **FAST).fit(X, y)
    assert smrt.backbone_.trained_on == fitted.backbone_.trained_on
    again = Reconstructor(backbone=fitted.backbone_, **FAST).fit(X, y)
    a, _ = smrt.generate(3, label=0, random_state=1)
    b, _ = again.generate(3, label=0, random_state=1)
    np.testing.assert_allclose(a, b, atol=1e-4)


def test_clone_keeps_the_backbone_parameter(fitted):
    copy = clone(Reconstructor(backbone=fitted.backbone_))
    assert copy.backbone is fitted.backbone_


def test_backbone_object_parameter_survives_save(fitted, digits_few, tmp_path):
    X, y = digits_few
    smrt = Reconstructor(backbone=fitted.backbone_, **FAST).fit(X, y)
    loaded = Reconstructor.load(smrt.save(tmp_path / "s"))
    assert isinstance(loaded.backbone, Backbone)


def test_outputs_stay_in_the_class_range_not_the_backbone_range(fitted, digits_few):
    X, y = digits_few
    X_half = X / 2.0  # 0..8, on a backbone of 0..16 (half its range: accepted)
    smrt = Reconstructor(backbone=fitted.backbone_, **FAST).fit(X_half, y)
    X_new, _ = smrt.generate(200, label=0, random_state=0)
    assert X_new.max() <= X_half[y == 0].max() and X_new.min() >= X_half.min()


@pytest.mark.parametrize(
    "value, error, match",
    [
        (3, ValueError, "backbone must be"),
        ("no-such-backbone", ValueError, "neither 'fit', 'conditional', a zoo"),
        ("", ValueError, "backbone='' is neither"),
        ("mnist", ValueError, "a zoo set of generators, not a backbone"),
    ],
)
def test_bad_backbone_values(digits_few, value, error, match):
    X, y = digits_few
    with pytest.raises(error, match=match):
        Reconstructor(backbone=value, **FAST).fit(X, y)


def test_backbone_of_another_shape_or_scale_is_refused(fitted, digits_few):
    X, y = digits_few
    with pytest.raises(ValueError, match=r"shape \(8, 8\).*shape \(64,\)"):
        Reconstructor(backbone=fitted.backbone_, **FAST).fit(X.reshape(len(X), -1), y)
    with pytest.raises(ValueError, match=r"values in \[0, 1\].*\[0, 16\]"):
        Reconstructor(backbone=fitted.backbone_, **FAST).fit(X / 16.0, y)


def test_directory_without_backbone_is_refused(digits_few, tmp_path):
    X, y = digits_few
    path = Reconstructor(epochs=1, random_state=0).fit(X, y).save(tmp_path / "s")
    with pytest.raises(InvalidSaveError, match="holds no backbone"):
        Backbone.load(path)


def test_tampered_backbone_file_is_refused(fitted, tmp_path):
    path = fitted.backbone_.save(tmp_path / "bb")
    with open(path / BACKBONE_FILE, "ab") as fh:
        fh.write(b"x")
    with pytest.raises(InvalidSaveError, match="checksum mismatch"):
        Backbone.load(path)


def test_malformed_backbone_entry_is_refused(fitted, tmp_path):
    from smrt_keras.files import sha256

    path = fitted.save(tmp_path / "s")
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["backbone"]["recipe"] = {"bogus": 1}
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InvalidSaveError, match="backbone entry is malformed"):
        Reconstructor.load(path)
    assert sha256(path / BACKBONE_FILE)  # the file itself was untouched


def test_repr_names_what_it_was_trained_on(fitted, digits_few):
    assert f"trained_on={len(digits_few[0])} samples" in repr(fitted.backbone_)


def test_output_augment_transforms_images_only(fitted, small_tabular):
    plain, _ = fitted.generate(6, label=0, random_state=5)
    fitted.set_params(output_augment=True)
    try:
        augmented, _ = fitted.generate(6, label=0, random_state=5)
        again, _ = fitted.generate(6, label=0, random_state=5)
    finally:
        fitted.set_params(output_augment=False)
    assert augmented.shape == plain.shape
    assert not np.allclose(augmented, plain)
    np.testing.assert_array_equal(augmented, again)  # seeded like the rest
    X, y = small_tabular
    smrt = Reconstructor(epochs=2, random_state=0).fit(X, y)
    a, _ = smrt.generate(5, random_state=1)
    b, _ = smrt.set_params(output_augment=True).generate(5, random_state=1)
    np.testing.assert_array_equal(a, b)  # nothing to transform in a table
    with pytest.raises(ValueError, match="output_augment"):
        smrt.set_params(output_augment="yes").generate(5)


def test_directed_kde_keeps_width_and_picks_a_side():
    from smrt_keras.models import latent

    rng = np.random.default_rng(0)
    z = np.zeros((4000, 3), "float32")
    rival = np.tile(np.array([[1.0, 0.0, 0.0]], "float32"), (4000, 1))
    scale = np.ones(3, "float32")
    away = latent.kde_directed(z, rival, scale, rng, 1.0, 1.0)
    toward = latent.kde_directed(z, rival, scale, rng, 1.0, -1.0)
    plain = latent.kde(z, scale, rng)
    assert (away[:, 0] <= 0).all() and (toward[:, 0] >= 0).all()
    # Only the side changes: each coordinate keeps the kernel's spread.
    np.testing.assert_allclose(np.abs(away).std(0), np.abs(plain).std(0), rtol=0.1)


@pytest.mark.backend
def test_directed_modes_use_rival_codes_and_survive_save(fitted, tmp_path):
    gen = fitted.generators_[0]
    assert gen.z_rival.shape == gen.z_mean.shape
    from smrt_keras.models.latent import nearest

    def rival_distance(mode):
        z = gen.latent(2000, np.random.default_rng(1), mode, 1.0)
        return np.linalg.norm(z - nearest(z, gen.z_rival), axis=1).mean()

    assert rival_distance("kde-away") > rival_distance("kde")
    assert rival_distance("kde") > rival_distance("kde-toward")
    loaded = Reconstructor.load(fitted.save(tmp_path / "s"))
    np.testing.assert_array_equal(loaded.generators_[0].z_rival, gen.z_rival)


def test_directed_mode_without_rival_codes_explains(fitted):
    from smrt_keras.generator import ClassGenerator

    gen = fitted.generators_[0]
    bare = ClassGenerator(gen.model, gen.scaler, gen.z_mean, gen.z_log_var)
    with pytest.raises(ValueError, match="needs the codes of other classes"):
        bare.latent(3, np.random.default_rng(0), "kde-away", 1.0)


def test_images_default_to_kde_away_and_fall_back_without_rival_codes(digits_few):
    from smrt_keras.generator import ClassGenerator

    X, y = digits_few
    smrt = Reconstructor(epochs=2, random_state=0).fit(X, y)
    assert smrt.generators_[0].recipe.generation == "kde-away"
    auto, _ = smrt.generate(4, label=0, random_state=2)
    away, _ = smrt.set_params(generation="kde-away").generate(
        4, label=0, random_state=2
    )
    np.testing.assert_array_equal(auto, away)
    # A generator without other-class codes (adopted, or saved before #15):
    # "auto" draws the undirected kde, a named directed mode explains.
    gen = smrt.generators_[0]
    bare = ClassGenerator(gen.model, gen.scaler, gen.z_mean, gen.z_log_var,
                          recipe=gen.recipe)  # fmt: skip
    smrt.generators_[0] = bare
    fallback, _ = smrt.set_params(generation="auto").generate(
        4, label=0, random_state=2
    )
    kde, _ = smrt.set_params(generation="kde").generate(4, label=0, random_state=2)
    np.testing.assert_array_equal(fallback, kde)
    with pytest.raises(ValueError, match="needs the codes of other classes"):
        smrt.set_params(generation="kde-away").generate(4, label=0)


def test_corrupt_backbone_file_with_a_matching_checksum_is_named(fitted, tmp_path):
    from smrt_keras.files import sha256

    path = fitted.backbone_.save(tmp_path / "bb")
    (path / BACKBONE_FILE).write_bytes(b"hello world")
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["files"][BACKBONE_FILE] = sha256(path / BACKBONE_FILE)
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="is not a .keras file"):
        Backbone.load(path)
