"""Data loaders and helpers to make data imbalanced."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

#: Environment variable naming a local ``mnist.npz`` (Keras's layout).
MNIST_ENV = "SMRT_MNIST_PATH"


def load_mnist(
    path: str | os.PathLike | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)``, uint8 images.

    Looks, in order, at ``path``, the ``SMRT_MNIST_PATH`` environment variable,
    and finally ``keras.datasets.mnist.load_data()`` (which downloads once and
    caches under ``~/.keras``).

    Parameters
    ----------
    path : str or PathLike, optional
        A ``.npz`` file with ``x_train``, ``y_train``, ``x_test``, ``y_test``.

    Raises
    ------
    FileNotFoundError
        If ``path`` (or the environment variable) names a missing file.
    ValueError
        If the file lacks one of the four arrays.
    """
    source = path if path is not None else os.environ.get(MNIST_ENV)
    if source is None:
        import keras

        return keras.datasets.mnist.load_data()
    source = Path(source)
    if not source.is_file():
        origin = "path" if path is not None else f"${MNIST_ENV}"
        raise FileNotFoundError(f"MNIST file not found: {origin}={str(source)!r}.")
    with np.load(source, allow_pickle=False) as data:
        missing = {"x_train", "y_train", "x_test", "y_test"} - set(data.files)
        if missing:
            raise ValueError(
                f"{str(source)!r} is not an MNIST npz: missing {sorted(missing)}."
            )
        return (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])


def make_imbalanced(
    X,
    y,
    counts: Mapping,
    random_state: int | None = None,
):
    """Subsample ``X, y`` to the given per-class counts.

    Parameters
    ----------
    X : array-like
        Samples, first axis indexed.
    y : array-like of shape (n_samples,)
        Labels.
    counts : dict
        ``{label: number of samples to keep}``; classes not named are dropped.
    random_state : int or None
        Seed of the subsample.

    Returns
    -------
    X_sub, y_sub : ndarray
        The subsample, in a shuffled order.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.arange(20).reshape(10, 2), np.array([0] * 5 + [1] * 5)
    >>> Xs, ys = make_imbalanced(X, y, {0: 5, 1: 1}, random_state=0)
    >>> np.bincount(ys).tolist()
    [5, 1]
    """
    X, y = np.asarray(X), np.asarray(y)
    rng = np.random.default_rng(random_state)
    keep = []
    for label, n in counts.items():
        members = np.flatnonzero(y == label)
        if n > len(members):
            raise ValueError(
                f"counts[{label!r}]={n} but y has only {len(members)} samples of "
                f"{label!r}."
            )
        keep.append(rng.choice(members, size=n, replace=False))
    idx = rng.permutation(np.concatenate(keep))
    return X[idx], y[idx]


def load_imbalanced_digits(
    counts: Mapping | None = None, random_state: int = 0, holdout: int = 0
) -> tuple[np.ndarray, ...]:
    """scikit-learn's bundled 8x8 digits as images, made imbalanced.

    The default keeps 150 of digits 0-6 and 15 each of 7, 8 and 9 (10:1), the
    data of ``smrt-keras demo``.

    Parameters
    ----------
    counts : dict or None
        ``{digit: images kept}``; ``None`` is the default above.
    random_state : int
        Seeds the hold-out draw and the cut.
    holdout : int, default=0
        Images per digit set aside first, never in the imbalanced set (a
        balanced test set no sampler sees).

    Returns
    -------
    X, y : ndarrays
        The imbalanced images ``(n, 8, 8)`` and labels.
    X_holdout, y_holdout : ndarrays
        Only when ``holdout > 0``.

    Examples
    --------
    >>> X, y, X_test, y_test = load_imbalanced_digits(holdout=25)
    >>> np.bincount(y).tolist(), len(y_test)
    ([150, 150, 150, 150, 150, 150, 150, 15, 15, 15], 250)
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    images, target = digits.images, digits.target
    if counts is None:
        counts = {d: (150 if d < 7 else 15) for d in range(10)}
    if not holdout:
        return make_imbalanced(images, target, counts, random_state)
    rng = np.random.default_rng(random_state)
    held = np.zeros(len(target), bool)
    for d in np.unique(target):
        members = np.flatnonzero(target == d)
        held[rng.choice(members, holdout, replace=False)] = True
    X, y = make_imbalanced(images[~held], target[~held], counts, random_state)
    return X, y, images[held], target[held]
