"""The report's per-class metrics, on plain arrays and DataFrames.

Fidelity follows SDMetrics' definitions (column shapes, column pair trends,
boundary and category adherence); images use k-NN precision, recall,
density and coverage (Naeem et al., 2020); memorisation uses SDMetrics' DCR
distance and its baseline and overfitting-protection scores. Every distance
is taken in chunks of query rows, so memory stays flat for large data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smrt_keras.evaluation import knn_precision_recall

#: Query rows per block of a chunked distance computation.
CHUNK_ROWS = 256
#: Bins of a numeric column in a mixed column pair (SDMetrics' default).
PAIR_BINS = 10


def ks_complement(real, fake) -> float:
    """SDMetrics' KSComplement: 1 minus the two-sample Kolmogorov-Smirnov
    statistic of a numeric column (missing values dropped)."""
    from scipy.stats import ks_2samp

    r = pd.Series(real, dtype="float64").dropna().to_numpy()
    f = pd.Series(fake, dtype="float64").dropna().to_numpy()
    if not len(r) or not len(f):
        return float("nan")
    return float(1.0 - ks_2samp(r, f).statistic)


def _frequencies(values) -> pd.Series:
    return pd.Series(values, dtype=object).value_counts(normalize=True, dropna=False)


def tv_complement(real, fake) -> float:
    """SDMetrics' TVComplement: 1 minus the total variation distance between
    the category frequencies of a categorical column."""
    gap = _frequencies(real).sub(_frequencies(fake), fill_value=0.0)
    return float(1.0 - 0.5 * gap.abs().sum())


def correlation_similarity(real: np.ndarray, fake: np.ndarray) -> float:
    """SDMetrics' CorrelationSimilarity of two numeric columns: ``1 - |r_real -
    r_fake| / 2`` with Pearson's r of each; ``nan`` where a column is constant.

    ``real`` and ``fake`` are arrays of shape (n, 2)."""
    r, f = np.asarray(real, dtype="float64"), np.asarray(fake, dtype="float64")
    if min(r.std(axis=0).min(), f.std(axis=0).min()) == 0:
        return float("nan")
    a = np.corrcoef(r, rowvar=False)[0, 1]
    b = np.corrcoef(f, rowvar=False)[0, 1]
    return float(1.0 - abs(a - b) / 2.0)


def contingency_similarity(real: pd.DataFrame, fake: pd.DataFrame) -> float:
    """SDMetrics' ContingencySimilarity of two categorical columns: 1 minus the
    total variation distance of their joint frequency tables."""
    cols = list(real.columns)
    a = real.astype(object).groupby(cols, dropna=False).size() / len(real)
    b = fake.astype(object).groupby(cols, dropna=False).size() / len(fake)
    return float(1.0 - 0.5 * a.sub(b, fill_value=0.0).abs().sum())


def discretize(real, fake, bins: int = PAIR_BINS) -> tuple[np.ndarray, np.ndarray]:
    """Bin a numeric column as SDMetrics' ContingencySimilarity does: ``bins``
    equal-width bins over the real values, the outer two open-ended, both
    columns digitised with them."""
    r = np.asarray(real, dtype="float64")
    f = np.asarray(fake, dtype="float64")
    edges = np.histogram_bin_edges(r[~np.isnan(r)], bins=bins)
    edges[0], edges[-1] = -np.inf, np.inf
    return np.digitize(r, edges), np.digitize(f, edges)


def pair_similarity(real: pd.DataFrame, fake: pd.DataFrame, kinds: tuple) -> float:
    """Column pair trend of the two columns of ``real`` and ``fake``: the
    correlation similarity of two numeric columns, else the contingency
    similarity with numeric columns binned (:func:`discretize`)."""
    if kinds == ("numeric", "numeric"):
        return correlation_similarity(real.to_numpy(float), fake.to_numpy(float))
    r, f = real.copy(), fake.copy()
    for col, kind in zip(real.columns, kinds, strict=True):
        if kind == "numeric":
            r[col], f[col] = discretize(real[col], fake[col])
    return contingency_similarity(r, f)


def boundary_adherence(real, fake) -> float:
    """SDMetrics' BoundaryAdherence: share of synthetic values of a numeric
    column within the real values' [min, max] (missing values dropped)."""
    r = pd.Series(real, dtype="float64").dropna()
    f = pd.Series(fake, dtype="float64").dropna()
    if not len(f) or not len(r):
        return float("nan")
    return float(((f >= r.min()) & (f <= r.max())).mean())


def category_adherence(real, fake) -> float:
    """SDMetrics' CategoryAdherence: share of synthetic values of a
    categorical column among the categories the real column shows."""
    seen = set(pd.Series(real, dtype=object).tolist())
    f = pd.Series(fake, dtype=object)
    return float(f.isin(seen).mean()) if len(f) else float("nan")


def _radii(x: np.ndarray, k: int) -> np.ndarray:
    from sklearn.neighbors import NearestNeighbors

    dist, _ = NearestNeighbors(n_neighbors=k + 1).fit(x).kneighbors(x)
    return dist[:, -1]  # column 0 is the point itself


def density_coverage(real: np.ndarray, fake: np.ndarray, k: int = 5):
    """Density and coverage (Naeem et al., 2020) of ``fake`` against ``real``.

    Density: mean number of real k-NN balls holding a fake sample, over ``k``
    (about 1 for matching distributions; above 1 where fakes crowd dense real
    regions). Coverage: share of real samples whose k-NN ball holds at least
    one fake sample. A ball reaches its centre's k-th nearest real neighbour,
    boundary included, as in :func:`~smrt_keras.evaluation.knn_precision_recall`.
    """
    from sklearn.metrics import pairwise_distances

    real = np.asarray(real, dtype="float64").reshape(len(real), -1)
    fake = np.asarray(fake, dtype="float64").reshape(len(fake), -1)
    radius = _radii(real, k)
    inside = 0.0
    nearest_fake = np.full(len(real), np.inf)
    for start in range(0, len(fake), CHUNK_ROWS):
        d = pairwise_distances(fake[start : start + CHUNK_ROWS], real)
        inside += float((d <= radius[None, :]).sum())
        nearest_fake = np.minimum(nearest_fake, d.min(axis=0))
    density = inside / (k * len(fake))
    return float(density), float(np.mean(nearest_fake <= radius))


def prdc(real: np.ndarray, fake: np.ndarray, k: int = 5) -> dict:
    """k-NN precision, recall, density and coverage of ``fake`` against
    ``real`` (rows of features), with ``k`` neighbours (Naeem et al.'s 5)."""
    precision, recall = knn_precision_recall(real, fake, k=k)
    density, coverage = density_coverage(real, fake, k=k)
    return {
        "precision": precision,
        "recall": recall,
        "density": density,
        "coverage": coverage,
    }
