"""Fidelity metrics for synthetic data, shared by the zoo's model card, the
notebook and the benchmarks.

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
