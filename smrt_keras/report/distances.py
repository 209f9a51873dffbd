"""Distances to the closest record (DCR), in chunks, and the scores built on
them: SDMetrics' DCR baseline and overfitting protection, the DCR ratio and
the border share.

Tables use SDMetrics' DCR distance: per numeric column ``|a - b| / range``
capped at 1 (the range of the reference rows; a constant column counts any
difference as 1), per categorical column 0 for equal values and 1 otherwise,
averaged over the columns. Images use the Euclidean distance between pixel
vectors, as :func:`smrt_keras.evaluation.dcr_ratio` does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smrt_keras.evaluation import border_share, real_border_share  # noqa: F401

#: Elements (query rows x reference rows x columns) of one distance block.
BLOCK_ELEMENTS = 2_000_000


def _codes(query: pd.Series, reference: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of two categorical columns over their joint levels
    (missing values share one code, so two missing values are equal)."""
    joint = pd.concat([query, reference], ignore_index=True).astype(object)
    codes, _ = pd.factorize(joint.fillna("\0missing"))
    return codes[: len(query)], codes[len(query) :]


def _prepare(data: pd.DataFrame, reference: pd.DataFrame, kinds: dict):
    nums = [c for c in reference.columns if kinds[c] == "numeric"]
    cats = [c for c in reference.columns if kinds[c] != "numeric"]
    q_num = data[nums].to_numpy(dtype="float64")
    r_num = reference[nums].to_numpy(dtype="float64")
    spread = np.nanmax(r_num, axis=0) - np.nanmin(r_num, axis=0) if nums else []
    pairs = [_codes(data[c], reference[c]) for c in cats]
    q_cat = (
        np.stack([p[0] for p in pairs], axis=1) if cats else np.zeros((len(data), 0))
    )
    r_cat = np.stack([p[1] for p in pairs], axis=1) if cats else np.zeros((0, 0))
    return (q_num, r_num, np.asarray(spread, dtype="float64")), (q_cat, r_cat)


def _numeric_block(q: np.ndarray, r: np.ndarray, spread: np.ndarray) -> np.ndarray:
    diff = np.abs(q[:, None, :] - r[None, :, :])
    zero = spread == 0
    scaled = np.where(
        zero, (diff > 0).astype("float64"), diff / np.where(zero, 1, spread)
    )
    scaled = np.minimum(scaled, 1.0)
    q_nan, r_nan = np.isnan(q)[:, None, :], np.isnan(r)[None, :, :]
    scaled = np.where(q_nan ^ r_nan, 1.0, np.where(q_nan & r_nan, 0.0, scaled))
    return scaled.sum(axis=2)


def table_dcr(data: pd.DataFrame, reference: pd.DataFrame, kinds: dict):
    """SDMetrics' DCR of every row of ``data`` to the rows of ``reference``.

    Parameters
    ----------
    data, reference : DataFrame
        Same columns; ``kinds`` maps each column to ``"numeric"``, ``"bool"``
        or ``"categorical"``.

    Returns
    -------
    distance : ndarray of shape (len(data),)
        Distance to the closest reference row, in [0, 1].
    index : ndarray of shape (len(data),)
        Position of that reference row.
    """
    (q_num, r_num, spread), (q_cat, r_cat) = _prepare(data, reference, kinds)
    width = max(1, r_num.shape[1] + r_cat.shape[1])
    step = max(1, BLOCK_ELEMENTS // max(1, len(reference) * width))
    dist = np.empty(len(data))
    index = np.empty(len(data), dtype=np.int64)
    for start in range(0, len(data), step):
        stop = start + step
        total = np.zeros((len(q_num[start:stop]), len(reference)))
        if r_num.shape[1]:
            total += _numeric_block(q_num[start:stop], r_num, spread)
        if r_cat.shape[1]:
            total += (q_cat[start:stop, None, :] != r_cat[None, :, :]).sum(axis=2)
        index[start:stop] = total.argmin(axis=1)
        dist[start:stop] = total[np.arange(len(total)), index[start:stop]] / width
    return dist, index


def image_dcr(data: np.ndarray, reference: np.ndarray):
    """Euclidean distance from each flattened image of ``data`` to the
    closest of ``reference``, and that image's position (chunked)."""
    from sklearn.metrics import pairwise_distances_argmin_min

    a = np.asarray(data, dtype="float64").reshape(len(data), -1)
    b = np.asarray(reference, dtype="float64").reshape(len(reference), -1)
    index, dist = pairwise_distances_argmin_min(a, b)
    return dist, index


def random_rows(reference: pd.DataFrame, n: int, rng: np.random.Generator):
    """SDMetrics' random baseline for DCR: ``n`` rows drawn uniformly within
    each numeric column's range (integers for integer columns) and uniformly
    over each other column's observed values."""
    out = {}
    for col in reference.columns:
        values = reference[col].dropna()
        if pd.api.types.is_integer_dtype(values):
            out[col] = rng.integers(values.min(), values.max() + 1, size=n)
        elif pd.api.types.is_float_dtype(values):
            out[col] = rng.uniform(values.min(), values.max(), size=n)
        else:
            out[col] = rng.choice(values.unique(), size=n)
    return pd.DataFrame(out, columns=reference.columns)


def baseline_protection(fake_dcr: np.ndarray, random_dcr: np.ndarray) -> float:
    """SDMetrics' DCRBaselineProtection: median DCR of the synthetic rows over
    that of random rows, capped at 1 (``nan`` when random rows sit on real
    ones)."""
    random_median = float(np.median(random_dcr))
    if random_median == 0:
        return float("nan")
    return float(min(np.median(fake_dcr) / random_median, 1.0))


def overfitting_protection(to_train: np.ndarray, to_holdout: np.ndarray) -> dict:
    """SDMetrics' DCROverfittingProtection from each synthetic row's DCR to
    the training rows and to the held-out rows: ``min(2 * (1 - share closer
    to training), 1)``, with that share."""
    closer = float(np.mean(np.asarray(to_train) < np.asarray(to_holdout)))
    return {"score": float(min(2.0 * (1.0 - closer), 1.0)), "closer_to_train": closer}


def dcr_ratio_of(fake_dcr: np.ndarray, holdout_dcr: np.ndarray) -> float:
    """Median DCR of synthetic rows over that of held-out real rows, both to
    the training rows (:func:`smrt_keras.evaluation.dcr_ratio`'s reading)."""
    held = float(np.median(holdout_dcr))
    return float(np.median(fake_dcr) / held) if held > 0 else float("nan")
