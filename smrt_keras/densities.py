"""Latent densities: where a class's new latent codes come from, one small
class per way (``Reconstructor(generation=...)``, resolved once by the
recipe and saved with it). Each draws ``n`` codes from the class's stored
member codes (or the prior) with the caller's random stream; the decoder
then turns them into samples.

- ``"prior"``: ``N(0, I)``, the original SMRT ``generate``;
- ``"posterior"``: a random member's ``q(z | x)`` (``generate_from_sample``);
- ``"interpolate"``: a point between a member's code and a neighbour's;
- ``"kde"``: a kernel density estimate over the members' codes, and
  ``"kde-away"`` / ``"kde-toward"``: its kernel steered away from or toward
  each member's nearest other-class code;
- ``"gmm"``: a Gaussian mixture fitted to the members' codes (ex-post density
  estimation, Ghosh et al. 2020, "From Variational to Deterministic
  Autoencoders"), its components chosen by BIC.

Examples
--------
>>> import numpy as np
>>> from types import SimpleNamespace
>>> codes = SimpleNamespace(
...     z_mean=np.random.default_rng(0).normal(size=(40, 2)).astype("float32"),
...     z_log_var=np.zeros((40, 2), "float32"), z_rival=None, latent_dim=2)
>>> density_for("gmm").draw(codes, 5, np.random.default_rng(1), 1.0).shape
(5, 2)
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from smrt_keras.models import latent
from smrt_keras.settings import GENERATION_MODES

#: Most mixture components a class's codes are given, and the fewest codes
#: per component (BIC chooses among 1 to the smaller of the two bounds).
GMM_MAX_COMPONENTS, GMM_CODES_PER_COMPONENT = 10, 10


class LatentDensity:
    """One way to draw a class's latent codes. ``codes`` has ``z_mean``,
    ``z_log_var``, ``z_rival`` (or None) and ``latent_dim``."""

    name: ClassVar[str]

    def draw(self, codes, n: int, rng, temperature: float) -> np.ndarray:
        if len(codes.z_mean) == 0:  # a generator without members: the prior
            return latent.prior(n, codes.latent_dim, rng, temperature)
        return self.around(
            codes, rng.integers(0, len(codes.z_mean), size=n), rng, temperature
        )

    def around(self, codes, idx: np.ndarray, rng, temperature: float) -> np.ndarray:
        """Codes drawn from members ``idx`` (one each)."""
        raise NotImplementedError


class Prior(LatentDensity):
    name = "prior"

    def draw(self, codes, n, rng, temperature):
        return latent.prior(n, codes.latent_dim, rng, temperature)


class Posterior(LatentDensity):
    name = "posterior"

    def around(self, codes, idx, rng, temperature):
        return latent.posterior(
            codes.z_mean[idx], codes.z_log_var[idx], rng, temperature
        )


class Interpolate(LatentDensity):
    name = "interpolate"

    def around(self, codes, idx, rng, temperature):
        return latent.interpolate(codes.z_mean, idx, rng)


class KDE(LatentDensity):
    name = "kde"

    def around(self, codes, idx, rng, temperature):
        scale = latent.kde_scale(codes.z_mean)
        return latent.kde(codes.z_mean[idx], scale, rng, temperature)


class _DirectedKDE(LatentDensity):
    sign: ClassVar[float]

    def around(self, codes, idx, rng, temperature):
        if codes.z_rival is None:
            raise ValueError(
                f"generation={self.name!r} needs the codes of other classes, which "
                "this generator does not have (adopted, or saved by an older "
                "version); refit it, or use generation='kde'."
            )
        scale = latent.kde_scale(codes.z_mean)
        return latent.kde_directed(
            codes.z_mean[idx], codes.z_rival[idx], scale, rng, temperature, self.sign
        )


class KDEAway(_DirectedKDE):
    name, sign = "kde-away", 1.0


class KDEToward(_DirectedKDE):
    name, sign = "kde-toward", -1.0


class GMM(LatentDensity):
    """A Gaussian mixture over the members' codes, fitted once per class (the
    fit is seeded, so a save and its reload draw alike)."""

    name = "gmm"

    def draw(self, codes, n, rng, temperature):
        if len(codes.z_mean) == 0:
            return latent.prior(n, codes.latent_dim, rng, temperature)
        mixture = getattr(codes, "_mixture", None)
        if mixture is None:  # fitted once per generator, then reused
            mixture = fitted_mixture(codes.z_mean)
            codes._mixture = mixture
        weights, means, roots = mixture
        k = rng.choice(len(weights), size=n, p=weights)
        eps = rng.standard_normal((n, means.shape[1])) * temperature
        return (means[k] + np.einsum("nij,nj->ni", roots[k], eps)).astype("float32")


def fitted_mixture(z: np.ndarray) -> tuple:
    """``(weights, means, Cholesky factors)`` of the BIC-best mixture of 1 to
    :data:`GMM_MAX_COMPONENTS` full-covariance Gaussians over codes ``z``."""
    from sklearn.mixture import GaussianMixture

    z = np.asarray(z, dtype="float64")
    top = max(1, min(GMM_MAX_COMPONENTS, len(z) // GMM_CODES_PER_COMPONENT))
    best, best_bic = None, np.inf
    for k in range(1, top + 1):
        gmm = GaussianMixture(k, covariance_type="full", reg_covar=1e-4, random_state=0)
        bic = gmm.fit(z).bic(z)
        if bic < best_bic:
            best, best_bic = gmm, bic
    roots = np.linalg.cholesky(best.covariances_)
    return best.weights_ / best.weights_.sum(), best.means_, roots


DENSITIES = {
    c.name: c for c in (Prior, Posterior, Interpolate, KDE, KDEAway, KDEToward, GMM)
}
assert tuple(DENSITIES) == GENERATION_MODES  # one list of modes, in settings


def density_for(mode: str) -> LatentDensity:
    """The latent density of a resolved ``generation`` mode."""
    if not isinstance(mode, str) or mode not in DENSITIES:
        raise ValueError(
            f"generation must be one of {GENERATION_MODES}; got generation={mode!r}."
        )
    return DENSITIES[mode]()
