"""Checks of :func:`~smrt_keras.report.quality_report`'s arguments, all made
before any work starts, each error naming the argument."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from smrt_keras.report.efficacy import BASELINES
from smrt_keras.validation import check_X, check_y


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


def check_values(X, reconstructor, name: str) -> None:
    """``X`` (argument ``name``) passes the checks ``fit`` makes: no NaN or
    infinite values (counted, their columns named), no sparse, complex or
    text data outside the categorical columns."""
    params = reconstructor.get_params(deep=False)
    check_X(X, name, params.get("categorical_features"), params.get("input_kind"))


def check_labels(y, n_rows: int, name: str = "y") -> np.ndarray:
    """``y`` as a 1-D array of ``n_rows`` labels as ``fit`` reads them (missing
    labels counted and refused), each label on two rows or more (one row can
    be neither split nor cross-validated)."""
    if np.ndim(y) != 1 or len(y) != n_rows:
        shape = np.shape(y)
        raise ValueError(
            f"{name}: expected {n_rows} labels in one column; got {shape}."
        )
    y = check_y(y, n_rows, name)
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
    check_values(X_h, reconstructor, "holdout")
    if np.ndim(y_h) != 1 or len(y_h) != len(X_h):
        shape = np.shape(y_h)
        raise ValueError(f"holdout: {len(X_h)} rows but labels of shape {shape}.")
    y_h = check_y(y_h, len(X_h), "holdout labels")
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


def check_generators(model, holdout=None) -> None:
    """A fitted reconstructor with at least one generator to measure, each of
    whose classes has rows in ``holdout`` (where one is given)."""
    if not model.generators_:
        raise ValueError(
            "reconstructor: it has no generators (no class needed samples); fit "
            "it with classes='all' or a sampling_strategy that asks for some."
        )
    if holdout is not None:
        check_classes_present(model, holdout[1], "holdout labels")


def check_classes_present(reconstructor, y: np.ndarray, name: str = "y") -> None:
    """Every class a fitted ``reconstructor`` has a generator for has real rows
    in ``y`` (argument ``name``): its samples are measured against them."""
    if not is_fitted(reconstructor):
        return
    present = set(np.asarray(y).tolist())
    absent = [label for label in reconstructor.generators_ if label not in present]
    if absent:
        shown = [v.item() if hasattr(v, "item") else v for v in absent]
        raise ValueError(
            f"{name}: the reconstructor has a generator for class(es) {shown}, but "
            f"{name} holds no rows of them; the report measures each generator's "
            "samples against its class's real rows, so pass those rows too."
        )
