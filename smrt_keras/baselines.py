"""Baseline over-samplers run on the input they were designed for.

imbalanced-learn's SMOTE computes ``X[neighbour] - X[i]`` in the input's dtype.
On uint8 pixels that difference wraps around (``10 - 200`` becomes 66), and the
synthetic images come out speckled with broken strokes. Every comparison in
this project (benchmarks, the walkthrough notebook, ``smrt-keras demo``)
therefore resamples through :func:`resample_baseline`, which hands the sampler
float64 features and only clips, rounds and casts the synthetic rows back to
the caller's dtype after sampling.

Samplers:

- ``"ROS"``: random oversampling (exact duplicates).
- ``"ROS+aug"``: random oversampling whose duplicated images are then randomly
  shifted, rotated, rescaled and elastically distorted with the same transform
  SMRT trains tiny image classes with (:data:`~smrt_keras.augmentation.AUGMENTATION`).
  It is the anchor that tells whether the VAE adds anything beyond augmentation.
- ``"SMOTE"``: imbalanced-learn's SMOTE with its recommended settings (k = 5).

imbalanced-learn is needed (``pip install "smrt-keras[imblearn]"``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Names accepted by :func:`resample_baseline`.
BASELINES = ("ROS", "ROS+aug", "SMOTE")


def resample_baseline(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    *,
    sampling_strategy: Any = "auto",
    random_state: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Balance ``(X, y)`` with baseline sampler ``name`` on float input.

    Parameters
    ----------
    name : {"ROS", "ROS+aug", "SMOTE"}
        The sampler (see the module docstring).
    X : ndarray of shape (n_samples, ...)
        Feature rows or images ``(n, H, W)`` / ``(n, H, W, C)``, any real or
        integer dtype. Images are flattened for the sampler and reshaped back.
    y : ndarray of shape (n_samples,)
        Labels.
    sampling_strategy : str, float, dict or callable, default="auto"
        Passed to the imbalanced-learn sampler.
    random_state : int or None, default=None
        Seeds the sampler and, for ``"ROS+aug"``, the augmentation.

    Returns
    -------
    X_res : ndarray of shape (n_res, ...)
        The original rows first, then the synthetic ones, in ``X``'s dtype and
        trailing shape. Synthetic values are clipped to ``X``'s observed range
        and, for integer dtypes, rounded before the cast.
    y_res : ndarray of shape (n_res,)

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.choice(np.array([10, 200], "uint8"), size=(30, 4, 4))
    >>> y = np.array([0] * 24 + [1] * 6)
    >>> X_res, y_res = resample_baseline("SMOTE", X, y, random_state=0)
    >>> X_res.dtype, X_res.shape, int(X_res[30:].min()), int(X_res[30:].max())
    (dtype('uint8'), (48, 4, 4), 10, 200)
    """
    X = np.asarray(X)
    y = np.asarray(y)
    _check(name, X)
    flat = X.reshape(len(X), -1).astype("float64")
    sampler = _sampler(name, sampling_strategy, random_state)
    X_res, y_res = sampler.fit_resample(flat, y)
    new = X_res[len(X) :].reshape(-1, *X.shape[1:])
    if name == "ROS+aug" and len(new):
        from smrt_keras.augmentation import AUGMENTATION, RandomAffine

        rng = np.random.default_rng(random_state)
        new = RandomAffine(**AUGMENTATION)(new, rng)
    return np.concatenate([X, _cast_like(new, X)]), y_res


def _check(name: str, X: np.ndarray) -> None:
    if name not in BASELINES:
        raise ValueError(f"name must be one of {BASELINES}; got {name!r}")
    if X.dtype.kind not in "biuf":
        raise TypeError(f"X must hold numbers; got dtype {X.dtype}")
    if name == "ROS+aug" and X.ndim < 3:
        raise ValueError(
            "name='ROS+aug' augments images of shape (n, H, W) or (n, H, W, C); "
            f"got X of shape {X.shape}"
        )


def _sampler(name: str, sampling_strategy: Any, random_state: int | None):
    try:
        from imblearn.over_sampling import SMOTE, RandomOverSampler
    except ImportError as exc:  # pragma: no cover - the test extra has it
        raise ImportError(
            "baseline samplers need imbalanced-learn: "
            "pip install 'smrt-keras[imblearn]'"
        ) from exc
    if name == "SMOTE":
        return SMOTE(sampling_strategy=sampling_strategy, random_state=random_state)
    return RandomOverSampler(
        sampling_strategy=sampling_strategy, random_state=random_state
    )


def _cast_like(values: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``values`` clipped to ``like``'s range and cast to its dtype (rounded
    first for integer dtypes), so nothing wraps on the way back."""
    if len(like):
        values = np.clip(values, like.min(), like.max())
    if like.dtype.kind in "biu":
        values = np.rint(values)
    return values.astype(like.dtype)
