"""Fidelity and memorisation metrics for synthetic data, shared by the zoo's
model card, the notebook, the CLI demo and the benchmarks.

All metrics take numpy arrays; :class:`ImageJudge` trains the independent
classifier whose predictions and features they use.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import linalg


def frechet_distance(real: np.ndarray, fake: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (FID).

    Parameters
    ----------
    real, fake : ndarray of shape (n, d)
        Features, e.g. a classifier's penultimate layer.
    """
    real = np.asarray(real, dtype="float64")
    fake = np.asarray(fake, dtype="float64")
    mu_r, mu_f = real.mean(0), fake.mean(0)
    cov_r = np.cov(real, rowvar=False)
    cov_f = np.cov(fake, rowvar=False)
    with warnings.catch_warnings():
        # A singular product (e.g. collapsed samples) is handled just below.
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean, _ = linalg.sqrtm(cov_r @ cov_f, disp=False)
    if not np.isfinite(covmean).all():
        # Nearly singular product: regularise as the reference FID code does.
        eps = np.eye(len(cov_r)) * 1e-6
        covmean = linalg.sqrtm((cov_r + eps) @ (cov_f + eps))
    covmean = np.real(covmean)
    return float(np.sum((mu_r - mu_f) ** 2) + np.trace(cov_r + cov_f - 2.0 * covmean))


def knn_precision_recall(
    real: np.ndarray, fake: np.ndarray, k: int = 3
) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al., 2019).

    Precision: share of fake samples inside the real manifold (the union of
    balls around each real sample reaching its k-th nearest real neighbour).
    Recall: share of real samples inside the fake manifold.
    """
    from sklearn.metrics import pairwise_distances
    from sklearn.neighbors import NearestNeighbors

    def radii(x):
        dist, _ = NearestNeighbors(n_neighbors=k + 1).fit(x).kneighbors(x)
        return dist[:, -1]  # column 0 is the point itself

    def coverage(support, radius, queries):
        # A query is covered if it lies within some support point's radius;
        # rows are done in blocks to keep the distance matrix small.
        covered = []
        for start in range(0, len(queries), 512):
            d = pairwise_distances(queries[start : start + 512], support)
            covered.append((d <= radius[None, :]).any(axis=1))
        return float(np.mean(np.concatenate(covered)))

    real = np.asarray(real, dtype="float64")
    fake = np.asarray(fake, dtype="float64")
    return coverage(real, radii(real), fake), coverage(fake, radii(fake), real)


def closest_distances(reference: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Euclidean distance from each query row to its nearest reference row.

    Parameters
    ----------
    reference, queries : ndarray of shape (n, ...)
        Rows (images are flattened). Both are compared as float64.
    """
    from sklearn.neighbors import NearestNeighbors

    reference = np.asarray(reference, dtype="float64").reshape(len(reference), -1)
    queries = np.asarray(queries, dtype="float64").reshape(len(queries), -1)
    dist, _ = NearestNeighbors(n_neighbors=1).fit(reference).kneighbors(queries)
    return dist[:, 0]


def dcr_ratio(train: np.ndarray, holdout: np.ndarray, fake: np.ndarray) -> float:
    """Memorisation: how close synthetic samples sit to the training data.

    DCR (distance to closest record) of a sample is its distance to the
    nearest training member. The ratio is the median DCR of the synthetic
    samples over the median DCR of held-out real members of the same class:
    Values near 0 mean near-copies of training members; 1.0 means samples sit
    as far from the training set as new real data does; values well above 1
    mean further than real data (off the data). It guards against winning by
    copying and says nothing about variety: a blurred class average repeated
    many times scores near 1 too, so read it beside k-NN recall and the
    pictures.

    Parameters
    ----------
    train : ndarray of shape (n_train, ...)
        The training members of one class, the data the sampler saw.
    holdout : ndarray of shape (n_holdout, ...)
        Real members of that class the sampler never saw.
    fake : ndarray of shape (n_fake, ...)
        Synthetic members of that class.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> train, holdout = rng.normal(size=(200, 5)), rng.normal(size=(200, 5))
    >>> dcr_ratio(train, holdout, train[:100] + 1e-3) < 0.01  # near-copies
    True
    """
    held = np.median(closest_distances(train, holdout))
    if held <= 0:
        raise ValueError(
            "holdout: every held-out member duplicates a training member, so "
            "the DCR ratio is undefined"
        )
    return float(np.median(closest_distances(train, fake)) / held)


def dcr_ratio_by_class(
    train: tuple[np.ndarray, np.ndarray],
    holdout: tuple[np.ndarray, np.ndarray],
    fake: tuple[np.ndarray, np.ndarray],
) -> float:
    """:func:`dcr_ratio` with every distance taken within a sample's class.

    Each of ``train``, ``holdout`` and ``fake`` is an ``(X, y)`` pair; the
    medians pool the per-class distances of every label in ``fake``.
    """
    fake_d, held_d = [], []
    for label in np.unique(fake[1]):
        members = train[0][train[1] == label]
        fake_d.append(closest_distances(members, fake[0][fake[1] == label]))
        held_d.append(closest_distances(members, holdout[0][holdout[1] == label]))
    held = np.median(np.concatenate(held_d))
    if held <= 0:
        raise ValueError("holdout: held-out members duplicate training members")
    return float(np.median(np.concatenate(fake_d)) / held)


def border_share(
    reference: np.ndarray, labels: np.ndarray, queries: np.ndarray, label
) -> float:
    """Share of synthetic rows that land beside another class.

    SMRT's founding claim is that its samples stay inside their class, where
    SMOTE's lines between neighbours can cross into another class. This
    measures it: the share of ``queries`` (rows meant to be of class
    ``label``) whose nearest row of ``reference`` (real rows with ``labels``)
    has another label. Euclidean, so encode the rows first (standardise
    numeric columns, one-hot categories) as the downstream classifier sees
    them; :func:`real_border_share` gives the data's own share to read it by.

    Parameters
    ----------
    reference : ndarray of shape (n_real, n_features)
        Real rows of every class.
    labels : array-like of shape (n_real,)
        Their labels.
    queries : ndarray of shape (n_synthetic, n_features)
        Synthetic rows of class ``label``.
    label : object
        The class the synthetic rows are meant to belong to.

    Returns
    -------
    float
        In [0, 1]; ``nan`` for no queries.

    Examples
    --------
    >>> import numpy as np
    >>> reference, labels = np.array([[0.0], [1.0], [10.0]]), np.array([0, 0, 1])
    >>> border_share(reference, labels, np.array([[0.4], [9.0]]), label=0)
    0.5
    """
    from sklearn.metrics import pairwise_distances_argmin

    labels = np.asarray(labels)
    if label not in labels:
        raise ValueError(
            f"label={label!r} is not among the reference rows' labels "
            f"{np.unique(labels).tolist()}."
        )
    if not len(queries):
        return float("nan")
    nearest = pairwise_distances_argmin(queries, reference)
    return float(np.mean(labels[nearest] != label))


def real_border_share(rows: np.ndarray, labels: np.ndarray, label, index=None) -> float:
    """The data's own border share for class ``label``: the share of its real
    rows (those at positions ``index``, default all) whose nearest other real
    row has another label.

    Examples
    --------
    >>> import numpy as np
    >>> rows, labels = np.array([[0.0], [1.0], [10.0], [11.0]]), np.array([0, 0, 1, 0])
    >>> real_border_share(rows, labels, 0)  # the 0 at 11 sits beside the 1
    0.3333333333333333
    """
    from sklearn.neighbors import NearestNeighbors

    labels = np.asarray(labels)
    own = np.flatnonzero(labels == label) if index is None else np.asarray(index)
    _, nearest = NearestNeighbors(n_neighbors=2).fit(rows).kneighbors(rows[own])
    return float(np.mean(labels[nearest[:, 1]] != label))


class ImageJudge:
    """An independent CNN trained on real images to score generated ones.

    Parameters
    ----------
    epochs : int, default=2
        Training epochs.
    seed : int, default=0
        Seeds initialisation and minibatch order.

    Examples
    --------
    >>> judge = ImageJudge(epochs=1).fit(x_train, y_train)  # doctest: +SKIP
    >>> judge.recognisability(fake_sevens, 7)  # doctest: +SKIP
    0.99
    """

    def __init__(self, epochs: int = 2, seed: int = 0):
        self.epochs = epochs
        self.seed = seed

    @staticmethod
    def _scale(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype="float32")
        return x / 255.0 if x.max(initial=0) > 1.0 else x

    def fit(self, x: np.ndarray, y: np.ndarray) -> ImageJudge:
        from smrt_keras.models.classifier import (
            build_image_classifier,
            train_classifier,
        )

        x = self._scale(x)
        self.classes_ = np.unique(y)
        index = np.searchsorted(self.classes_, y)
        self.model_ = build_image_classifier(x.shape[1:], len(self.classes_), self.seed)
        train_classifier(self.model_, x, index, self.epochs, self.seed)
        return self

    def features(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Penultimate features and predicted labels of images ``x``."""
        from smrt_keras.models.classifier import features_and_probabilities

        feats, probs = features_and_probabilities(self.model_, self._scale(x))
        return feats, self.classes_[probs.argmax(1)]

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        """Share of ``x`` labelled ``y``."""
        return float(np.mean(self.features(x)[1] == np.asarray(y)))

    def recognisability(self, x: np.ndarray, label) -> float:
        """Share of images ``x`` that the judge labels ``label``."""
        return float(np.mean(self.features(x)[1] == label))


def _frame(data):
    import pandas as pd

    return data if isinstance(data, pd.DataFrame) else pd.DataFrame(np.asarray(data))


def _is_categorical(series) -> bool:
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return is_bool_dtype(series.dtype) or not is_numeric_dtype(series.dtype)


def column_fidelity(real, fake, categorical=None) -> dict:
    """How closely synthetic rows match real ones, column by column.

    Parameters
    ----------
    real, fake : DataFrame or 2-D array
        Rows of one class: real members and synthetic ones, same columns.
    categorical : sequence of column names/indices or None
        Columns compared as categories; ``None``: bool, category, string and
        object columns.

    Returns
    -------
    dict
        ``tvd``: mean total-variation distance of the categorical columns'
        level frequencies (0 = same, 1 = disjoint); ``ks``: mean
        Kolmogorov-Smirnov statistic of the numeric columns; ``corr``: mean
        absolute difference between the numeric columns' correlation
        matrices (off-diagonal); ``edge``: share of synthetic numeric values
        lying exactly on the real class's min or max, and ``edge_real`` that
        share among the real rows. ``nan`` where a kind of column is absent.

    Examples
    --------
    >>> import pandas as pd
    >>> real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": list("aabb")})
    >>> fake = pd.DataFrame({"x": [1.5, 2.5, 3.5, 4.0], "c": list("aaab")})
    >>> column_fidelity(real, fake)["tvd"]
    0.25
    """
    from scipy.stats import ks_2samp

    real, fake = _frame(real), _frame(fake)
    cats = [c for c in real.columns if _is_categorical(real[c])]
    if categorical is not None:
        cats = [c for c in real.columns if c in list(categorical)]
    nums = [c for c in real.columns if c not in cats]
    tvd = [
        0.5
        * real[c]
        .astype(object)
        .value_counts(normalize=True)
        .sub(fake[c].astype(object).value_counts(normalize=True), fill_value=0)
        .abs()
        .sum()
        for c in cats
    ]
    r = real[nums].to_numpy(float)
    f = fake[nums].to_numpy(float)
    ks = [ks_2samp(r[:, j], f[:, j]).statistic for j in range(len(nums))]
    lo, hi = r.min(axis=0), r.max(axis=0)
    return {
        "tvd": float(np.mean(tvd)) if tvd else float("nan"),
        "ks": float(np.mean(ks)) if ks else float("nan"),
        "corr": _corr_gap(r, f),
        "edge": float(np.mean((f == lo) | (f == hi))) if nums else float("nan"),
        "edge_real": float(np.mean((r == lo) | (r == hi))) if nums else float("nan"),
    }


def _corr_gap(real: np.ndarray, fake: np.ndarray) -> float:
    keep = (real.std(axis=0) > 0) & (fake.std(axis=0) > 0)
    if keep.sum() < 2:
        return float("nan")
    a = np.corrcoef(real[:, keep], rowvar=False)
    b = np.corrcoef(fake[:, keep], rowvar=False)
    off = ~np.eye(len(a), dtype=bool)
    return float(np.mean(np.abs(a - b)[off]))
