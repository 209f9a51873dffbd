"""Latent draws, in numpy: the one sampling path of the VAE and the generator.

Every way SMRT draws latent codes lives here; the VAE's ``sample`` and
``sample_posterior`` and the per-class generator's modes all call these, and
decode what they return. No Keras: importing this module stays cheap.
"""

from __future__ import annotations

import numpy as np

#: Neighbours considered when interpolating between latent codes.
INTERPOLATION_NEIGHBORS = 5


def prior(n: int, dim: int, rng: np.random.Generator, temperature: float = 1.0):
    """``n`` codes from ``N(0, temperature^2 I)``."""
    return rng.standard_normal((n, dim), dtype=np.float32) * temperature


def posterior(z_mean, z_log_var, rng: np.random.Generator, temperature: float = 1.0):
    """One code per row from ``q(z | x) = N(z_mean, exp(z_log_var))``, the noise
    scaled by ``temperature``."""
    eps = rng.standard_normal(np.shape(z_mean), dtype=np.float32) * temperature
    return z_mean + np.exp(0.5 * z_log_var) * eps


def kde(z_mean, scale, rng: np.random.Generator, temperature: float = 1.0):
    """One code per row of ``z_mean`` plus Gaussian noise of width ``scale``."""
    eps = rng.standard_normal(np.shape(z_mean), dtype=np.float32)
    return z_mean + scale * temperature * eps


def kde_directed(z_mean, z_rival, scale, rng, temperature: float = 1.0, sign=1.0):
    """:func:`kde` whose noise points away from (``sign=1``) or toward
    (``sign=-1``) each member's nearest other-class code ``z_rival``.

    The noise is drawn as for kde, then its component along the line from
    the rival code to the member is reflected to the chosen side, so the
    kernel keeps its width and only its direction changes.
    """
    eps = kde(np.zeros(np.shape(z_mean), np.float32), scale, rng, temperature)
    away = np.asarray(z_mean - z_rival, dtype=np.float32)
    away /= np.maximum(np.linalg.norm(away, axis=1, keepdims=True), 1e-12)
    along = np.sum(eps * away, axis=1, keepdims=True)
    eps += (sign * np.abs(along) - along) * away
    return z_mean + eps


def nearest(codes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """For each row of ``codes``, the nearest row of ``others``."""
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=1).fit(others)
    return others[nn.kneighbors(codes, return_distance=False)[:, 0]]


def kde_scale(codes: np.ndarray) -> np.ndarray:
    """Per-dimension kernel width: the codes' spread times Scott's factor
    ``n ** (-1 / (d + 4))``; ones when there are fewer than two codes."""
    n, d = codes.shape
    if n < 2:
        return np.ones(d, dtype=np.float32)
    factor = n ** (-1.0 / (d + 4))
    return (codes.std(axis=0) * factor).astype(np.float32)


def interpolate(codes: np.ndarray, idx: np.ndarray, rng: np.random.Generator):
    """For each ``codes[idx]``, a random point on the segment to one of its
    :data:`INTERPOLATION_NEIGHBORS` nearest neighbours among ``codes``."""
    if len(codes) < 2:
        return codes[idx]
    from sklearn.neighbors import NearestNeighbors

    n = len(idx)
    k = min(INTERPOLATION_NEIGHBORS + 1, len(codes))
    nn = NearestNeighbors(n_neighbors=k).fit(codes)
    neighbours = nn.kneighbors(codes[idx], return_distance=False)[:, 1:]
    partner = neighbours[np.arange(n), rng.integers(0, k - 1, size=n)]
    t = rng.random((n, 1), dtype=np.float32)
    return (1 - t) * codes[idx] + t * codes[partner]
