"""The conditional VAE (#15): one model for every class, whose class slices
are exact plain VAEs, behind ``Reconstructor(backbone="conditional")``."""

import keras
import numpy as np
import pytest
from scipy.special import expit
from sklearn.base import clone

from smrt_keras import Reconstructor
from smrt_keras.models.cvae import ConditionalVAE, fit_conditional, one_hot
from smrt_keras.models.jobs import TrainingJob
from smrt_keras.models.vae import VAE

FAST = dict(epochs=2, backbone_epochs=2, random_state=0)
ARCHITECTURES = [
    ((6,), dict(encoder="dense", hidden_units=(8,))),
    ((6,), dict(encoder="dense", hidden_units=())),
    ((8, 8, 1), dict(encoder="conv", hidden_units=(16,), filters=(4,), strides=(2,))),
    ((8, 8), dict(encoder="conv", hidden_units=(), filters=(4,), strides=(2,))),
]
#: One dense and one conv case also run on the other backends.
ON_EVERY_BACKEND = [
    pytest.param(*case, marks=pytest.mark.backend) if i in (0, 3) else case
    for i, case in enumerate(ARCHITECTURES)
]


def _randomised(shape, kwargs, n_classes=3):
    model = ConditionalVAE(shape, n_classes=n_classes, latent_dim=2, seed=0, **kwargs)
    rng = np.random.default_rng(1)
    for v in model.trainable_variables:
        # Non-zero biases and condition rows, so that a wrong fold shows.
        v.assign(0.3 * rng.standard_normal(v.shape).astype("float32"))
    return model


@pytest.mark.parametrize("shape, kwargs", ON_EVERY_BACKEND)
def test_a_class_slice_is_the_conditioned_model(shape, kwargs):
    model = _randomised(shape, kwargs)
    rng = np.random.default_rng(2)
    x = rng.random((5, *shape)).astype("float32")
    z = rng.standard_normal((5, 2)).astype("float32")
    for k in range(3):
        vae = model.class_vae(k)
        assert type(vae) is VAE and vae.data_shape == model.data_shape
        c = one_hot(np.full(5, k), 3)
        z_mean, z_log_var = (keras.ops.convert_to_numpy(t) for t in model._encode(x, c))
        got_mean, got_log_var = vae.encode(x)
        np.testing.assert_allclose(got_mean, z_mean, atol=1e-5)
        np.testing.assert_allclose(got_log_var, z_log_var, atol=1e-5)
        logits = model.decoder(keras.ops.concatenate([z, c], axis=-1))
        want = expit(keras.ops.convert_to_numpy(logits))
        np.testing.assert_allclose(vae.decode(z), want, atol=1e-5)
    # Different conditions decode the same code differently.
    assert not np.allclose(model.class_vae(0).decode(z), model.class_vae(1).decode(z))


@pytest.mark.backend
def test_fit_conditional_trains_with_validation_and_early_stopping():
    rng = np.random.default_rng(0)
    x = rng.random((48, 6)).astype("float32")
    config = dict(input_shape=(6,), encoder="dense", hidden_units=(8,), latent_dim=2)
    job = TrainingJob(config, x[:40], x[40:], seed=3, epochs=4, batch_size=8,
                      learning_rate=1e-2, patience=1)  # fmt: skip
    labels = (np.arange(40) % 2, np.arange(8) % 2)
    model, history = fit_conditional(job, 2, labels)
    assert isinstance(model, ConditionalVAE) and model.n_classes == 2
    assert {"loss", "val_loss", "kl", "reconstruction"} <= set(history)
    assert 1 <= len(history["loss"]) <= 4
    assert np.isfinite(history["loss"]).all()
    again, history_again = fit_conditional(job, 2, labels)
    assert history_again["loss"] == pytest.approx(history["loss"])


def test_conditional_vae_saves_and_loads_in_safe_mode(tmp_path):
    model = _randomised(*ARCHITECTURES[2])
    path = tmp_path / "cvae.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert type(loaded) is ConditionalVAE and loaded.n_classes == 3
    z = np.random.default_rng(0).standard_normal((4, 2)).astype("float32")
    np.testing.assert_allclose(
        loaded.class_vae(2).decode(z), model.class_vae(2).decode(z), atol=1e-6
    )


@pytest.mark.parametrize("bad", [0, -1, 2.5, "3"])
def test_bad_n_classes_is_refused(bad):
    with pytest.raises(ValueError, match="n_classes must be an int >= 1"):
        ConditionalVAE(6, n_classes=bad)


def test_a_class_index_out_of_range_is_refused():
    model = ConditionalVAE(6, n_classes=2, hidden_units=(4,), latent_dim=2)
    with pytest.raises(ValueError, match=r"index must be in \[0, 2\); got index=2"):
        model.class_vae(2)


# ------------------------------------------------------------------ facade
@pytest.fixture(scope="module")
def digits_few(digit_images):
    """The 8x8 digits with class 0 cut to 12 images."""
    X, y = digit_images
    keep = np.concatenate([np.flatnonzero(y != 0)[:300], np.flatnonzero(y == 0)[:12]])
    return X[keep], y[keep]


@pytest.fixture(scope="module")
def fitted(digits_few):
    X, y = digits_few
    return Reconstructor(backbone="conditional", **FAST).fit(X, y)


def test_conditional_fits_one_model_and_slices_every_class(fitted, digits_few):
    X, y = digits_few
    assert fitted.backbone_ is None  # nothing to fine-tune from or save twice
    assert 0 in fitted.generators_
    for gen in fitted.generators_.values():
        assert type(gen.vae) is VAE and gen.z_rival is not None
    gen = fitted.generators_[0]
    assert len(gen.history["loss"]) <= FAST["backbone_epochs"]
    X_new, y_new = fitted.generate(20, label=0, random_state=1)
    assert X_new.shape == (20, *X.shape[1:]) and set(y_new) == {0}
    zeros = X[y == 0]
    assert X_new.min() >= zeros.min() - 1e-6 and X_new.max() <= zeros.max() + 1e-6


def test_conditional_fit_is_reproducible_and_clones(fitted, digits_few):
    X, y = digits_few
    again = clone(fitted).fit(X, y)
    np.testing.assert_allclose(
        again.generate(10, label=0, random_state=0)[0],
        fitted.generate(10, label=0, random_state=0)[0],
        atol=1e-5,
    )


def test_conditional_resamples_and_round_trips(fitted, digits_few, tmp_path):
    X, y = digits_few
    # Every new slot synthetic and unfiltered: at the image default (share 0)
    # fit_resample fits no generator, so there would be nothing to save.
    fitted.set_params(synthetic_fraction=1.0, filter_samples=False)
    X_res, y_res = fitted.fit_resample(X, y)
    fitted.set_params(synthetic_fraction="auto", filter_samples="auto")
    counts = np.bincount(y_res)
    assert counts[0] == counts.max() and len(X_res) == len(y_res)
    assert not fitted.resample_only_
    fitted.save(tmp_path / "saved")
    loaded = Reconstructor.load(tmp_path / "saved")
    assert loaded.get_params()["backbone"] == "conditional"
    for mode in ("kde-away", "prior"):
        loaded.set_params(generation=mode)
        fitted.set_params(generation=mode)
        np.testing.assert_allclose(
            loaded.generate(8, label=0, random_state=3)[0],
            fitted.generate(8, label=0, random_state=3)[0],
            atol=1e-5,
        )
    fitted.set_params(generation="auto")


def test_conditional_on_a_table_keeps_each_class_in_its_range(small_tabular):
    """Tables get a dense conditional VAE with per-feature scaling; each
    class's samples stay inside that class's own range widened by one average
    gap (#16), feature by feature."""
    from smrt_keras.preprocessing import widened_bounds

    X, y = small_tabular
    smrt = Reconstructor(backbone="conditional", **FAST).fit(X, y)
    assert sorted(smrt.generators_) == [1, 2]
    for label in (1, 2):
        assert smrt.generators_[label].vae.encoder_type == "dense"
        X_new, _ = smrt.generate(50, label=label, random_state=0)
        own = X[y == label]
        lo, hi = own.min(axis=0), own.max(axis=0)
        gap = (hi - lo) / (len(own) - 1)
        assert X_new.shape == (50, X.shape[1]) and np.isfinite(X_new).all()
        assert (X_new >= lo - gap - 1e-6).all() and (X_new <= hi + gap + 1e-6).all()
        # The class's own bounds, not the shared scaler's (all of X).
        scaler = smrt.generators_[label].scaler
        expected = widened_bounds(lo, hi, len(own))
        np.testing.assert_allclose(scaler.lower_, expected[0])
        np.testing.assert_allclose(scaler.upper_, expected[1])
    # A prefit generator is kept as it is beside the slices, and
    # fine_tune_epochs (nothing to fine-tune) is refused with a warning; one
    # fit checks both (each fit trains a conditional VAE).
    prefit = {1: smrt.generators_[1]}
    with pytest.warns(UserWarning, match="fine_tune_epochs is not used"):
        again = Reconstructor(
            backbone="conditional", fine_tune_epochs=5, generators=prefit, **FAST
        ).fit(X, y)
    assert again.generators_[1] is smrt.generators_[1]
    assert again.generators_[2] is not smrt.generators_[2]


def test_batches_draw_every_class_equally_often():
    from smrt_keras.models.keras_fit import LabelledBatches

    labels = np.r_[np.zeros(900, int), np.ones(100, int)]
    x = np.arange(1000, dtype="float32")[:, None]
    data = LabelledBatches(x, one_hot(labels, 2), 100, seed=0)
    drawn = np.concatenate([data[i][0][1] for i in range(len(data))])
    assert len(drawn) == 1000
    share = drawn[:, 1].mean()
    assert 0.45 < share < 0.55  # 10 % of the rows, half of the draws
    rows = np.concatenate([data[i][0][0][:, 0] for i in range(len(data))])
    np.testing.assert_array_equal(labels[rows.astype(int)], drawn.argmax(axis=1))


def test_validation_rows_come_from_every_class_and_never_empty_one():
    """A random split could put both rows of a 2-row class in validation (its
    condition would never train): the split is per class, rounded down."""
    from smrt_keras.fitting.sources import stratified_split

    index = np.r_[np.zeros(240, int), np.ones(58, int), np.full(2, 2)]
    for seed in range(200):
        train, val = stratified_split(index, 30, seed)
        assert np.bincount(index[train], minlength=3).tolist() == [216, 53, 2]
        assert np.bincount(index[val], minlength=3).tolist() == [24, 5, 0]
        assert sorted(np.r_[train, val].tolist()) == list(range(300))
