"""Checks of :func:`~smrt_keras.report.quality_report`'s arguments, all made
before any work starts, each error naming the argument."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from smrt_keras.report.efficacy import BASELINES


def is_fitted(reconstructor) -> bool:
    """Whether ``reconstructor`` has generators (a fitted Reconstructor)."""
    return hasattr(reconstructor, "generators_")


def check_reconstructor(reconstructor) -> None:
    """A Reconstructor, fitted or not (something with ``fit_resample`` and
    ``generate``)."""
    for method in ("fit_resample", "generate", "get_params"):
        if not callable(getattr(reconstructor, method, None)):
            raise TypeError(
                f"reconstructor must be a smrt_keras.Reconstructor; got "
                f"{type(reconstructor).__name__}, which has no {method}()."
            )


def check_features(X, reconstructor, name: str) -> None:
    """``X`` (argument ``name``) has the columns, or the sample shape, that
    the fitted ``reconstructor`` was fitted on."""
    if not is_fitted(reconstructor):
        return
    spec = reconstructor.input_spec_
    if spec.kind == "dataframe":
        columns = list(getattr(X, "columns", []))
        if not isinstance(X, pd.DataFrame) or columns != list(spec.columns):
            raise ValueError(
                f"{name}: columns {columns} do not match the reconstructor's "
                f"{list(spec.columns)} (pass a DataFrame with those columns, in "
                "that order)."
            )
        return
    shape = tuple(np.shape(X)[1:])
    if shape != tuple(spec.sample_shape):
        raise ValueError(
            f"{name}: samples of shape {shape} do not match the reconstructor's "
            f"{tuple(spec.sample_shape)}."
        )


def check_labels(y, n_rows: int) -> np.ndarray:
    """``y`` as a 1-D array of ``n_rows`` labels, each label on two rows or
    more (one row can be neither split nor cross-validated)."""
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n_rows:
        raise ValueError(f"y: expected {n_rows} labels in one column; got {y.shape}.")
    labels, counts = np.unique(y, return_counts=True)
    single = [v.item() if hasattr(v, "item") else v for v in labels[counts < 2]]
    if single:
        raise ValueError(
            f"y: label(s) {single} have one row; the report splits and "
            "cross-validates every class, which needs two rows or more."
        )
    return y


def check_holdout(holdout, y: np.ndarray, reconstructor):
    """``holdout`` as ``(X_holdout, y_holdout)`` with known labels, or None."""
    if holdout is None:
        return None
    if not isinstance(holdout, (tuple, list)) or len(holdout) != 2:
        raise TypeError("holdout must be a pair (X_holdout, y_holdout) or None.")
    X_h, y_h = holdout
    check_features(X_h, reconstructor, "holdout")
    y_h = np.asarray(y_h)
    if y_h.ndim != 1 or len(y_h) != len(X_h):
        raise ValueError(f"holdout: {len(X_h)} rows but labels of shape {y_h.shape}.")
    unknown = sorted(set(y_h.tolist()) - set(np.asarray(y).tolist()), key=str)
    if unknown:
        raise ValueError(f"holdout: labels {unknown} are not in y.")
    return X_h, y_h


def check_classifier(classifier) -> None:
    """None, or a scikit-learn classifier with ``fit`` and ``predict_proba``."""
    if classifier is None:
        return
    for method in ("fit", "predict", "predict_proba"):
        if not hasattr(classifier, method):
            raise TypeError(
                f"classifier: {type(classifier).__name__} has no {method}(); "
                "the report needs a classifier with fit, predict and "
                "predict_proba (ROC AUC is computed from probabilities)."
            )


def check_options(baselines: Sequence[str], n, cv: int) -> tuple:
    """The baselines as a tuple of known names; ``n`` and ``cv`` in range."""
    if isinstance(baselines, str):
        baselines = (baselines,)
    unknown = [b for b in baselines if b not in BASELINES]
    if unknown:
        raise ValueError(f"baselines: {unknown} unknown; choose from {BASELINES}.")
    if n is not None and (not isinstance(n, (int, np.integer)) or n < 2):
        raise ValueError(f"n must be None or an int >= 2; got {n!r}.")
    if not isinstance(cv, (int, np.integer)) or cv < 2:
        raise ValueError(f"cv must be an int >= 2; got {cv!r}.")
    return tuple(baselines)


def check_generators(model) -> None:
    """A fitted reconstructor with at least one generator to measure."""
    if not model.generators_:
        raise ValueError(
            "reconstructor: it has no generators (no class needed samples); fit "
            "it with classes='all' or a sampling_strategy that asks for some."
        )
