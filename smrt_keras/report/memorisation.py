"""Per-class memorisation and border share rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from smrt_keras.report import distances
from smrt_keras.report.data import take

#: Synthetic, held-out and random rows per class that enter the DCR scores
#: (SDMetrics' ``num_rows_subsample``); every training row is a reference.
MEMO_ROWS = 1000
#: Closest synthetic-training pairs kept per class.
N_PAIRS = 3


def _subsample(rows, rng: np.random.Generator, cap: int = MEMO_ROWS):
    if len(rows) <= cap:
        return rows
    return take(rows, np.sort(rng.choice(len(rows), cap, replace=False)))


def _random_images(train: np.ndarray, n: int, rng: np.random.Generator):
    flat = np.asarray(train, dtype="float64").reshape(len(train), -1)
    lo, hi = flat.min(axis=0), flat.max(axis=0)
    return rng.uniform(lo, hi, size=(n, flat.shape[1])).reshape(n, *train.shape[1:])


def _dcr(rows, reference, kinds):
    if isinstance(reference, pd.DataFrame):
        return distances.table_dcr(rows, reference, kinds)
    return distances.image_dcr(rows, reference)


def memorisation(label, train, holdout, fake, kinds, rng) -> tuple[dict, list]:
    """The DCR row of class ``label`` and its closest synthetic-training
    pairs ``[(synthetic, training, distance), ...]``.

    ``train`` are the rows the generator saw, ``holdout`` real rows it did
    not, ``fake`` its synthetic rows; ``kinds`` the column kinds of a table
    (ignored for images)."""
    fake, holdout = _subsample(fake, rng), _subsample(holdout, rng)
    if isinstance(train, pd.DataFrame):
        random = distances.random_rows(train, len(fake), rng)
    else:
        random = _random_images(np.asarray(train), len(fake), rng)
    to_train, nearest = _dcr(fake, train, kinds)
    random_dcr, _ = _dcr(random, train, kinds)
    row = {
        "class": label.item() if hasattr(label, "item") else label,
        "synthetic_rows": len(fake),
        "holdout_rows": len(holdout),
        "median_dcr_synthetic": float(np.median(to_train)),
        "median_dcr_random": float(np.median(random_dcr)),
        "baseline_protection": distances.baseline_protection(to_train, random_dcr),
    }
    row.update(_against_holdout(fake, train, holdout, kinds, to_train))
    order = np.argsort(to_train, kind="stable")[:N_PAIRS]
    pairs = [
        (take(fake, [i]), take(train, [nearest[i]]), float(to_train[i])) for i in order
    ]
    return row, pairs


def _against_holdout(fake, train, holdout, kinds, to_train) -> dict:
    nan = float("nan")
    if len(holdout) < 1:
        return {
            "median_dcr_holdout": nan,
            "dcr_ratio": nan,
            "overfitting_protection": nan,
            "closer_to_train": nan,
        }
    to_holdout, _ = _dcr(fake, holdout, kinds)
    held_to_train, _ = _dcr(holdout, train, kinds)
    over = distances.overfitting_protection(to_train, to_holdout)
    return {
        "median_dcr_holdout": float(np.median(held_to_train)),
        "dcr_ratio": distances.dcr_ratio_of(to_train, held_to_train),
        "overfitting_protection": over["score"],
        "closer_to_train": over["closer_to_train"],
    }


def border(label, encoded: np.ndarray, y: np.ndarray, smrt_rows, smote_rows, rng):
    """The border-share row of class ``label``: the share of SMRT's and of
    SMOTE's synthetic rows (encoded like ``encoded``, the real rows with
    labels ``y``) whose nearest real row has another label, and the data's own
    share among the class's real rows."""
    own = np.flatnonzero(y == label)
    if len(own) > 5 * MEMO_ROWS:  # every real row stays a reference
        own = np.sort(rng.choice(own, 5 * MEMO_ROWS, replace=False))
    return {
        "class": label.item() if hasattr(label, "item") else label,
        "smrt": distances.border_share(encoded, y, smrt_rows, label),
        "smote": (
            distances.border_share(encoded, y, smote_rows, label)
            if smote_rows is not None
            else float("nan")
        ),
        "real": distances.real_border_share(encoded, y, label, own),
    }
