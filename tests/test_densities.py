"""Latent densities as a family (smrt_keras.densities): every mode draws by
the one registry, the Gaussian mixture follows the members' codes, and a
generator drawing by it saves and loads to the same samples."""

from types import SimpleNamespace

import numpy as np
import pytest

from smrt_keras import Reconstructor
from smrt_keras.densities import DENSITIES, density_for, fitted_mixture
from smrt_keras.settings import GENERATION_MODES


def two_clusters(n=100, seed=0):
    rng = np.random.default_rng(seed)
    z = np.r_[rng.normal(-3, 0.3, (n // 2, 2)), rng.normal(3, 0.3, (n // 2, 2))]
    rival = z + 1.0
    return SimpleNamespace(
        z_mean=z.astype("float32"),
        z_log_var=np.full_like(z, -4.0, dtype="float32"),
        z_rival=rival.astype("float32"),
        latent_dim=2,
    )


def test_every_mode_is_one_small_class():
    assert tuple(DENSITIES) == GENERATION_MODES
    codes = two_clusters()
    for mode in GENERATION_MODES:
        z = density_for(mode).draw(codes, 7, np.random.default_rng(0), 1.0)
        assert z.shape == (7, 2) and np.isfinite(z).all(), mode
    with pytest.raises(ValueError, match="generation must be one of"):
        density_for("sideways")


def test_the_mixture_follows_the_members_not_the_prior():
    codes = two_clusters()
    weights, means, _ = fitted_mixture(codes.z_mean)
    assert len(weights) >= 2  # BIC finds both clusters
    z = density_for("gmm").draw(codes, 2000, np.random.default_rng(1), 1.0)
    near = np.minimum(np.abs(z[:, 0] - 3), np.abs(z[:, 0] + 3))
    assert np.mean(near < 1.0) > 0.95  # around the clusters
    assert 0.4 < np.mean(z[:, 0] > 0) < 0.6  # both, by their weights
    prior = density_for("prior").draw(codes, 2000, np.random.default_rng(1), 1.0)
    assert np.mean(np.abs(prior[:, 0]) < 1.0) > 0.6  # the prior sits between


def test_a_small_class_gets_one_component():
    codes = two_clusters(n=12)
    assert len(fitted_mixture(codes.z_mean)[0]) == 1


def test_gmm_generation_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(120, 4)), np.r_[np.zeros(80, int), np.ones(40, int)]
    smrt = Reconstructor(epochs=3, generation="gmm", random_state=0).fit(X, y)
    a = smrt.generate(25, random_state=2)[0]
    loaded = Reconstructor.load(smrt.save(tmp_path / "g"))
    np.testing.assert_array_equal(loaded.generate(25, random_state=2)[0], a)
    assert np.isfinite(a).all()
