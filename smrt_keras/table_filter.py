"""Filtering synthetic table rows: drop the candidates that another class's
density claims.

SMRT's claim is that its samples stay inside their class. A VAE fitted on a
small class spreads some mass into the region of another class, and such a
row teaches the downstream classifier the wrong boundary (the tabular suite's
border share: the share of synthetic rows whose nearest real row is of
another class). :class:`NeighbourFilter` tests each candidate against the
real rows of every class: among its ``k`` nearest real rows, each class's
count divided by that class's size is a density estimate at the candidate;
a candidate whose own class's density is below another class's is
**claimed** and dropped (``fit_resample`` then draws again,
:mod:`smrt_keras.resampling`).

Dividing by the class size is what keeps the minority's own region: with
1:10 classes, a candidate with one minority and four majority neighbours
still belongs to the minority (1/1 > 4/10, in units of the minority's size),
so the filter removes rows deep in another class, not the class's own
border. Distances are Euclidean over numeric columns divided by their
standard deviation over all rows, and categorical columns count 1 for a
different level (the squared distance of one-hot vectors, halved).

Examples
--------
>>> import numpy as np
>>> from smrt_keras.table_filter import NeighbourFilter
>>> X = np.r_[np.zeros((20, 1)), np.ones((5, 1)) * 3]
>>> y = np.r_[np.zeros(20, int), np.ones(5, int)]
>>> keep, why = NeighbourFilter.fit(X, y).check(np.array([[0.1], [2.9]]), 1, X[y == 1])
>>> keep.tolist(), why
([False, True], {'claimed': 1})
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Real rows a candidate's class densities are counted over. Five is
#: SMOTE's neighbourhood and the independent evaluation's quick filter.
NEIGHBOURS = 5


class NeighbourFilter:
    """The real rows of every class, scaled, and their class sizes.

    Parameters
    ----------
    rows : ndarray of shape (n, n_features)
        The real rows, numeric columns already divided by their spread.
    labels : ndarray of shape (n,)
        Their labels.
    scale : ndarray of shape (n_features,)
        What each numeric column was divided by (1 for categorical columns).
    categorical : ndarray of bool, shape (n_features,)
        Which columns hold category codes.
    """

    def __init__(self, rows, labels, scale, categorical):
        self.rows = np.asarray(rows, "float64")
        self.labels = np.asarray(labels)
        self.scale = np.asarray(scale, "float64")
        self.categorical = np.asarray(categorical, bool)
        self.classes, self.sizes = np.unique(self.labels, return_counts=True)

    @classmethod
    def fit(
        cls, X: np.ndarray, y: np.ndarray, column_kinds: Sequence[str] = ()
    ) -> NeighbourFilter:
        """From the checked rows ``X`` ``(n, n_features)`` of classes ``y``;
        ``column_kinds`` (:class:`~smrt_keras.spec.InputSpec`) marks the
        categorical and bool columns, whose values are level codes."""
        X = np.asarray(X, "float64").reshape(len(X), -1)
        categorical = np.array(
            [k != "numeric" for k in column_kinds] or [False] * X.shape[1]
        )
        scale = X.std(axis=0)
        scale[(scale == 0) | categorical] = 1.0
        return cls(X / scale, y, scale, categorical)

    def _distances(self, candidates: np.ndarray) -> np.ndarray:
        """Squared distances ``(n_candidates, n_rows)``: numeric columns
        Euclidean, a categorical column 1 where the levels differ."""
        c = np.asarray(candidates, "float64").reshape(len(candidates), -1)
        c = c / self.scale
        num, cat = ~self.categorical, self.categorical
        a, b = c[:, num], self.rows[:, num]
        d2 = (a**2).sum(1)[:, None] + (b**2).sum(1)[None] - 2 * a @ b.T
        d2 = np.maximum(d2, 0.0)
        for j in np.flatnonzero(cat):
            d2 += c[:, j][:, None] != self.rows[:, j][None]
        return d2

    def claimed(self, candidates: np.ndarray, label) -> np.ndarray:
        """Mask of candidates whose ``k`` nearest real rows, each class's
        count over its size, give another class a higher density than
        ``label``. Rows tied with the ``k``-th nearest all count (codes and
        categories put many rows at one distance), so the answer does not
        depend on the order of the rows."""
        if label not in self.classes:
            raise ValueError(
                f"label {label!r} is not among the filter's classes "
                f"{self.classes.tolist()}."
            )
        k = min(NEIGHBOURS, len(self.rows))
        onehot = self.labels[:, None] == self.classes[None, :]
        own = np.flatnonzero(self.classes == label)[0]
        out = np.empty(len(candidates), bool)
        for start in range(0, len(candidates), 512):
            d2 = self._distances(candidates[start : start + 512])
            kth = np.partition(d2, k - 1, axis=1)[:, k - 1 : k]
            # Ties with the k-th distance are in (a relative tolerance for
            # rounding): the neighbourhood is a ball, not an ordering.
            near = d2 <= kth + 1e-9 * (1.0 + kth)
            density = (near.astype("float64") @ onehot) / self.sizes
            others = np.delete(density, own, axis=1)
            out[start : start + 512] = others.max(axis=1, initial=0.0) > density[:, own]
        return out

    def check(
        self, candidates: np.ndarray, label, members: np.ndarray | None = None
    ) -> tuple[np.ndarray, dict]:
        """``(keep, counts)``: a mask of the candidates no other class claims,
        and how many were claimed (``"claimed"``). ``members`` is accepted for
        the image filter's interface."""
        claimed = self.claimed(candidates, label)
        return ~claimed, {"claimed": int(claimed.sum())}

    def __repr__(self) -> str:
        return (
            f"NeighbourFilter(classes={self.classes.tolist()!r}, "
            f"rows={len(self.rows)}, neighbours={NEIGHBOURS})"
        )
