"""VAE models: shapes, training, saving, seeding, configuration errors.

Marked ``backend``: .ci/run repeats these under KERAS_BACKEND=jax.
"""

import json

import keras
import numpy as np
import pytest

from smrt_keras.models import VAE, TrainingDivergedError

pytestmark = pytest.mark.backend


def small_dense(likelihood="bernoulli", **kw):
    return VAE(6, hidden_units=(16,), latent_dim=2, likelihood=likelihood, seed=1, **kw)


def small_conv(shape=(8, 8), likelihood="bernoulli", **kw):
    return VAE(
        shape,
        encoder="conv",
        filters=(4, 8),
        hidden_units=(16,),
        latent_dim=3,
        likelihood=likelihood,
        seed=1,
        **kw,
    )


def data_for(vae, n=64, seed=0):
    x = np.random.default_rng(seed).random((n, *vae.data_shape)).astype("float32")
    if vae.likelihood == "gaussian":
        x = (x - 0.5) * 3
    return x


@pytest.mark.parametrize("shape", [(8, 8), (28, 28), (28, 28, 1), (32, 32, 3), (13, 9)])
def test_conv_shapes(shape):
    vae = small_conv(shape)
    x = data_for(vae, 5)
    z_mean, z_log_var = vae.encode(x)
    assert z_mean.shape == z_log_var.shape == (5, 3)
    assert vae.decode(z_mean).shape == (5, *shape)
    assert vae.reconstruct(x).shape == (5, *shape)
    assert vae.sample(7, seed=0).shape == (7, *shape)
    assert vae.sample_posterior(x, seed=0).shape == (5, *shape)
    out = vae(x)
    assert out["x_params"].shape == (5, *shape)


@pytest.mark.parametrize("n_features", [1, 6, 300])
def test_dense_any_number_of_features(n_features):
    vae = VAE(n_features, hidden_units=(8,), latent_dim=2, seed=0)
    assert vae.sample(3, seed=0).shape == (3, n_features)


def test_bernoulli_decode_is_a_probability():
    out = small_dense().sample(200, seed=0)
    assert out.min() >= 0.0 and out.max() <= 1.0


def test_empty_and_batched_outputs():
    vae = small_dense()
    assert vae.sample(0).shape == (0, 6)
    x = data_for(vae, 50)
    # Batching must not change results.
    np.testing.assert_allclose(
        vae.reconstruct(x, batch_size=7),
        vae.reconstruct(x, batch_size=1000),
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.parametrize(
    "likelihood", ["bernoulli", "continuous_bernoulli", "gaussian"]
)
def test_loss_goes_down_and_history_keys(likelihood):
    vae = small_dense(likelihood)
    x = data_for(vae, 256)
    hist = vae.fit(
        x, validation_data=x[:32], epochs=15, batch_size=32, verbose=0
    ).history
    assert set(hist) == {
        "loss",
        "reconstruction",
        "kl",
        "val_loss",
        "val_reconstruction",
        "val_kl",
    }
    assert hist["loss"][-1] < hist["loss"][0]
    assert all(np.isfinite(v) for v in hist["loss"])


def test_loss_is_reconstruction_plus_beta_kl():
    vae = small_dense(beta=0.5)
    x = data_for(vae, 32)
    hist = vae.fit(x, epochs=1, batch_size=32, verbose=0, shuffle=False).history
    assert hist["loss"][0] == pytest.approx(
        hist["reconstruction"][0] + 0.5 * hist["kl"][0], rel=1e-4
    )


def test_kl_warmup_ramps_weight():
    vae = small_dense(kl_warmup_steps=4)
    x = data_for(vae, 32)
    vae.fit(x, epochs=2, batch_size=16, verbose=0)
    assert float(keras.ops.convert_to_numpy(vae.kl_step)) == 4.0
    assert float(keras.ops.convert_to_numpy(vae._kl_weight())) == pytest.approx(1.0)


# Every likelihood on the dense VAE, and the conv VAE with the one that saves
# a learned variable of its own (the Gaussian's output variance): each part a
# save holds is covered without fitting all six pairs (each pays a Keras fit).
@pytest.mark.parametrize(
    "kind, likelihood",
    [
        ("dense", "bernoulli"),
        ("dense", "continuous_bernoulli"),
        ("dense", "gaussian"),
        ("conv", "gaussian"),
    ],
)
def test_save_load_round_trip(tmp_path, kind, likelihood):
    vae = (
        small_dense(likelihood)
        if kind == "dense"
        else small_conv(likelihood=likelihood)
    )
    x = data_for(vae, 64)
    vae.fit(x, epochs=2, batch_size=32, verbose=0)
    path = tmp_path / "m.keras"
    vae.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded, VAE)
    assert loaded.get_config() == vae.get_config()
    z = np.random.default_rng(5).standard_normal((10, vae.latent_dim))
    np.testing.assert_array_equal(loaded.decode(z), vae.decode(z))
    np.testing.assert_array_equal(loaded.sample(4, seed=3), vae.sample(4, seed=3))
    # The loaded model keeps training (its optimizer came back with it).
    hist = loaded.fit(x, epochs=1, batch_size=32, verbose=0).history
    assert np.isfinite(hist["loss"][0])


def test_continuous_bernoulli_normaliser_and_mean_match_integration():
    """log C(lambda) and the mean against numerical integration of the
    unnormalised density lambda^x (1 - lambda)^(1 - x) on [0, 1]."""
    from scipy.special import expit

    from smrt_keras.models.likelihoods import (
        cb_log_normaliser,
        continuous_bernoulli_mean,
    )

    logits = np.array([-6.0, -1.0, -0.004, 0.0, 0.3, 2.5], "float32")
    log_c = keras.ops.convert_to_numpy(cb_log_normaliser(keras.ops.array(logits)))
    means = continuous_bernoulli_mean(logits)
    xs = np.linspace(0.0, 1.0, 200_001)
    for p, got_log_c, got_mean in zip(logits, log_c, means, strict=True):
        lam = expit(float(p))
        density = lam**xs * (1 - lam) ** (1 - xs)
        z = np.trapezoid(density, xs)
        assert got_log_c == pytest.approx(-np.log(z), abs=1e-4)
        assert got_mean == pytest.approx(np.trapezoid(xs * density, xs) / z, abs=1e-4)


def test_config_is_primitive_json():
    config = small_conv().get_config()
    assert json.loads(json.dumps(config)) == config
    rebuilt = VAE.from_config(config)
    assert rebuilt.count_params() == small_conv().count_params()


def test_seeded_sampling_repeats():
    vae = small_dense()
    np.testing.assert_array_equal(vae.sample(20, seed=7), vae.sample(20, seed=7))
    assert not np.array_equal(vae.sample(20, seed=7), vae.sample(20, seed=8))
    x = data_for(vae, 10)
    np.testing.assert_array_equal(
        vae.sample_posterior(x, seed=1), vae.sample_posterior(x, seed=1)
    )
    # Unseeded draws come from the model's own SeedGenerator and differ.
    assert not np.array_equal(vae.sample(20), vae.sample(20))


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"latent_dim": 0}, "latent_dim"),
        ({"latent_dim": -3}, "latent_dim"),
        ({"encoder": "transformer"}, "encoder"),
        ({"likelihood": "poisson"}, "likelihood"),
        ({"dropout": 1.5}, "dropout"),
        ({"beta": -1.0}, "beta"),
        ({"output_variance": 0}, "output_variance"),
        ({"hidden_units": (0,)}, "hidden_units"),
    ],
)
def test_bad_configuration(kwargs, name):
    with pytest.raises(ValueError, match=name) as info:
        VAE(6, **kwargs)
    value = next(iter(kwargs.values()))
    assert repr(value) in str(info.value) or str(value) in str(info.value)


def test_image_too_small_for_strides():
    with pytest.raises(ValueError, match=r"too small.*at least 8"):
        VAE((7, 7), encoder="conv", strides=(2, 2, 2), filters=(4, 4, 4))


def test_dense_rejects_image_shape():
    with pytest.raises(ValueError, match="input_shape"):
        VAE((8, 8), encoder="dense")


def test_fit_data_of_wrong_shape():
    vae = small_dense()
    with pytest.raises(ValueError, match=r"x has sample shape \(5,\).*\(6,\)"):
        vae.fit(np.zeros((10, 5), "float32"), epochs=1, verbose=0)


def test_bernoulli_rejects_out_of_range_data():
    vae = small_dense()
    with pytest.raises(ValueError, match=r"\[0, 1\].*bernoulli"):
        vae.fit(np.full((10, 6), 255.0, "float32"), epochs=1, verbose=0)


def test_diverging_training_raises_with_causes():
    vae = small_dense("gaussian", output_variance=1e-30)
    x = np.full((32, 6), 1e19, "float32")
    with pytest.raises(TrainingDivergedError, match="learning rate"):
        vae.fit(x, epochs=2, batch_size=16, verbose=0)


def test_dtype_policy_survives_saving(tmp_path):
    vae = VAE(4, hidden_units=(8,), latent_dim=2, dtype="mixed_float16", seed=0)
    vae.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    assert loaded.dtype_policy.name == "mixed_float16"


@pytest.mark.parametrize("likelihood", ["gaussian", "bernoulli"])
def test_both_trained_forms_follow_the_trained_model_protocol(likelihood):
    """A Keras VAE and the engine's weights-only TrainedVAE answer what
    generators ask without getattr: materialise() and trainable_arrays()."""
    from smrt_keras.models.jobs import TrainingJob
    from smrt_keras.models.trained import TrainedModel, TrainedVAE
    from smrt_keras.models.training import train_jobs

    x = np.random.default_rng(0).random((24, 5)).astype("float32")
    config = {"input_shape": [5], "encoder": "dense", "hidden_units": [8]}
    job = TrainingJob(
        config={**config, "latent_dim": 2, "likelihood": likelihood},
        x_train=x, x_val=None, seed=3, epochs=2, batch_size=8,
        learning_rate=1e-3, patience=None,
    )  # fmt: skip
    ((trained, _),) = train_jobs([job])
    vae = trained.materialise()
    assert isinstance(trained, TrainedVAE) and isinstance(vae, VAE)
    assert isinstance(trained, TrainedModel) and isinstance(vae, TrainedModel)
    assert vae.materialise() is vae  # already the full model
    from_vae, from_trained = vae.trainable_arrays(), trained.trainable_arrays()
    expected = [keras.ops.convert_to_numpy(v.value) for v in vae.trainable_variables]
    assert [a.shape for a in from_vae] == [a.shape for a in expected]
    for a, b, c in zip(from_vae, from_trained, expected, strict=True):
        assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, c)
    # The arrays are the caller's: changing them leaves the models alone.
    from_vae[0][...] = 0.0
    from_trained[0][...] = 0.0
    np.testing.assert_array_equal(vae.trainable_arrays()[0], expected[0])
    np.testing.assert_array_equal(trained.trainable_arrays()[0], expected[0])
    # Both forms decode alike and report the same configuration.
    z = np.zeros((3, 2), "float32")
    np.testing.assert_allclose(trained.decode(z), vae.decode(z), atol=1e-6)
    assert trained.get_config() == vae.get_config()
    assert (trained.latent_dim, trained.data_shape) == (vae.latent_dim, vae.data_shape)
