"""Downstream efficacy: the user's classifier trained after each baseline and
after SMRT, on the same stratified folds, scored on the untouched test fold.

Baselines: ``"none"`` (no resampling), ``"ros"`` (random oversampling),
``"smote"`` (SMOTE, SMOTENC where a table has categorical columns) and
``"threshold"`` (no resampling, a tuned decision threshold: scikit-learn's
``TunedThresholdClassifierCV`` maximising the G-mean for two classes, as the
benchmarks do; for more classes, probabilities divided by the training class
shares, the threshold that maximises balanced accuracy in expectation).

A difference of means no larger than the larger of the two fold-to-fold
standard deviations is a tie (the benchmarks' rule).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone

#: Baselines the report knows.
BASELINES = ("none", "ros", "smote", "threshold")
#: Metrics, as (key, name).
METRICS = (
    ("balanced_accuracy", "Balanced accuracy"),
    ("gmean", "G-mean"),
    ("f1", "F1"),
    ("roc_auc", "ROC AUC"),
)


class PriorCorrected(ClassifierMixin, BaseEstimator):
    """A classifier whose predictions divide each class's probability by that
    class's share of the training labels (the multiclass ``"threshold"``)."""

    def __init__(self, estimator=None):
        self.estimator = estimator

    def fit(self, X, y):
        self.estimator_ = clone(self.estimator).fit(X, y)
        self.classes_ = self.estimator_.classes_
        _, counts = np.unique(y, return_counts=True)
        self.prior_ = counts / counts.sum()
        return self

    def predict_proba(self, X):
        return self.estimator_.predict_proba(X)

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X) / self.prior_, axis=1)]


def tie_rule(ours, theirs) -> str:
    """``"better"``, ``"worse"`` or ``"tie"`` of fold scores ``ours`` against
    ``theirs``: a difference of means inside the larger fold-to-fold standard
    deviation (population std) is a tie; one fold gives ``"n/a"``."""
    a, b = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    if min(len(a), len(b)) < 2:
        return "n/a"
    diff = a.mean() - b.mean()
    if abs(diff) <= max(a.std(), b.std()):
        return "tie"
    return "better" if diff > 0 else "worse"


def scores(y_true, proba, pred, classes) -> dict:
    """Balanced accuracy, G-mean, F1 and ROC AUC of one test fold. Two
    classes: F1 and AUC of the less frequent class of ``y_true``; more:
    macro F1 and one-vs-rest macro AUC."""
    from imblearn.metrics import geometric_mean_score
    from sklearn.metrics import balanced_accuracy_score, f1_score, roc_auc_score

    out = {
        "balanced_accuracy": balanced_accuracy_score(y_true, pred),
        "gmean": geometric_mean_score(y_true, pred),
    }
    if len(classes) == 2:
        labels, counts = np.unique(y_true, return_counts=True)
        positive = labels[np.argmin(counts)]
        column = list(classes).index(positive)
        out["f1"] = f1_score(y_true, pred, pos_label=positive, zero_division=0.0)
        out["roc_auc"] = roc_auc_score(y_true == positive, proba[:, column])
    else:
        out["f1"] = f1_score(y_true, pred, average="macro", zero_division=0.0)
        out["roc_auc"] = roc_auc_score(
            y_true, proba, multi_class="ovr", labels=list(classes)
        )
    return {k: float(v) for k, v in out.items()}


def _rows(X, index):
    return X.iloc[index].reset_index(drop=True) if hasattr(X, "iloc") else X[index]


def _concat(X, extra):
    if hasattr(X, "iloc"):
        return pd.concat([X, extra], ignore_index=True)
    return np.concatenate([X, np.asarray(extra)])


def _threshold(classifier, y, seed):
    counts = np.unique(y, return_counts=True)[1]
    if len(counts) > 2:
        return PriorCorrected(classifier)
    from imblearn.metrics import geometric_mean_score
    from sklearn.metrics import make_scorer
    from sklearn.model_selection import TunedThresholdClassifierCV

    scorer = make_scorer(geometric_mean_score)
    cv = int(max(2, min(5, counts.min())))
    return TunedThresholdClassifierCV(
        classifier, scoring=scorer, cv=cv, random_state=seed
    )


class SmallCNN(ClassifierMixin, BaseEstimator):
    """The image judge's small CNN (:mod:`smrt_keras.models.classifier`) as a
    scikit-learn classifier: the report's default for images."""

    def __init__(self, epochs: int = 5, seed: int = 0):
        self.epochs = epochs
        self.seed = seed

    def fit(self, X, y):
        from smrt_keras.evaluation import ImageJudge

        self.judge_ = ImageJudge(epochs=self.epochs, seed=self.seed).fit(X, y)
        self.classes_ = self.judge_.classes_
        return self

    def predict_proba(self, X):
        from smrt_keras.models.classifier import features_and_probabilities

        scaled = self.judge_._scale(X)
        return features_and_probabilities(self.judge_.model_, scaled)[1]

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def default_classifier(name: str, categorical: list, seed) -> BaseEstimator:
    """``"logreg"``, ``"rf"`` or ``"hgb"`` after one-hot encoding the
    ``categorical`` columns and standardising the rest; ``"cnn"``:
    :class:`SmallCNN`."""
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    seed = None if seed is None else int(seed)
    if name == "cnn":
        return SmallCNN(seed=seed or 0)
    model = {
        "logreg": lambda: LogisticRegression(max_iter=2000),
        "rf": lambda: RandomForestClassifier(100, random_state=seed),
        "hgb": lambda: HistGradientBoostingClassifier(random_state=seed),
    }[name]()
    encode = StandardScaler()
    if categorical:
        onehot = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
        encode = make_column_transformer((onehot, list(categorical)), remainder=encode)
    return make_pipeline(encode, model)


def smote(X, y, categorical: list, seed, strategy="auto"):
    """SMOTE of ``(X, y)`` with up to 5 neighbours (fewer for a class of five
    rows or less): images through :func:`~smrt_keras.baselines.resample_baseline`,
    tables with SMOTENC (SMOTEN) where some (all) columns are categorical."""
    from imblearn import over_sampling as imb

    from smrt_keras.baselines import resample_baseline

    k = int(max(1, min(5, np.unique(y, return_counts=True)[1].min() - 1)))
    options = {"k_neighbors": k, "random_state": seed, "sampling_strategy": strategy}
    if not hasattr(X, "iloc") and np.ndim(X) > 2:
        return resample_baseline(
            "SMOTE", X, y, sampling_strategy=strategy, random_state=seed
        )
    if not categorical:
        return imb.SMOTE(**options).fit_resample(X, y)
    if len(categorical) == X.shape[1]:
        return imb.SMOTEN(**options).fit_resample(X, y)
    cats = [list(X.columns).index(c) for c in categorical]
    return imb.SMOTENC(categorical_features=cats, **options).fit_resample(X, y)


def resample(name: str, X, y, categorical: list, reconstructor, seed):
    """The training fold ``(X, y)`` as method ``name`` hands it to the
    classifier (``"smrt"``: a fresh copy of ``reconstructor`` fitted on it)."""
    from smrt_keras.baselines import resample_baseline

    if name in ("none", "threshold"):
        return X, y
    if name == "smrt":
        X_new, y_new = clone(reconstructor).fit_resample(X, y)
        return X_new, np.asarray(y_new)
    if name == "ros" and not hasattr(X, "iloc"):
        return resample_baseline("ROS", X, y, random_state=seed)
    if name == "ros":
        from imblearn.over_sampling import RandomOverSampler

        return RandomOverSampler(random_state=seed).fit_resample(X, y)
    X_res, y_res = smote(X, y, categorical, seed)
    return X_res, np.asarray(y_res)


def _fit_score(name, classifier, fold_data, categorical, reconstructor, seed):
    X_tr, y_tr, X_te, y_te = fold_data
    X_res, y_res = resample(name, X_tr, y_tr, categorical, reconstructor, seed)
    model = clone(classifier)
    if name == "threshold":
        model = _threshold(model, y_tr, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter of small folds
        model.fit(X_res, y_res)
        proba, pred = model.predict_proba(X_te), model.predict(X_te)
    return scores(y_te, proba, pred, model.classes_)


def cross_validate(data, classifier, methods, reconstructor, settings, progress):
    """Fold scores of every method: ``{method: {metric: [one per fold]}}``.

    ``data`` is ``(X, y, categorical)``; ``settings`` is ``(cv, seed)``; the
    same stratified folds serve every method. ``progress`` is a
    :class:`~smrt_keras.progress.StepProgress`."""
    from sklearn.model_selection import StratifiedKFold

    X, y, categorical = data
    cv, seed = settings
    folds = StratifiedKFold(cv, shuffle=True, random_state=seed).split(
        np.zeros(len(y)), y
    )
    out = {m: {key: [] for key, _ in METRICS} for m in methods}
    for k, (tr, te) in enumerate(folds, start=1):
        fold_data = (_rows(X, tr), y[tr], _rows(X, te), y[te])
        for method in methods:
            start = time.perf_counter()
            got = _fit_score(
                method, classifier, fold_data, categorical, reconstructor, seed
            )
            for key, value in got.items():
                out[method][key].append(value)
            progress.step(
                f"efficacy: {method}, fold {k}/{cv}", time.perf_counter() - start
            )
    return out


def summary(folds: dict) -> pd.DataFrame:
    """One row per method: mean and standard deviation of every metric over
    the folds, and for each baseline how SMRT compares (:func:`tie_rule`)."""
    rows = []
    for method, per in folds.items():
        row = {"method": method}
        for key, _ in METRICS:
            row[f"{key}_mean"] = float(np.mean(per[key]))
            row[f"{key}_std"] = float(np.std(per[key]))
            if method != "smrt" and "smrt" in folds:
                row[f"smrt_vs_{key}"] = tie_rule(folds["smrt"][key], per[key])
        rows.append(row)
    return pd.DataFrame(rows)
