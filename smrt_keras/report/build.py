""":func:`quality_report`: check, fit where needed, measure every class."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from sklearn.base import clone

from smrt_keras.params import check_seed
from smrt_keras.progress import StepProgress
from smrt_keras.report import checks, efficacy, fidelity
from smrt_keras.report.data import (
    Encoder,
    View,
    as_rows,
    categorical,
    column_kinds,
    take,
)
from smrt_keras.report.memorisation import border, memorisation
from smrt_keras.report.result import QualityReport
from smrt_keras.settings import GenerationSettings

#: Synthetic rows per class when ``n`` is None: the class's real rows, at most this.
MAX_ROWS = 5000
#: Share of each class held out when no ``holdout`` is given.
HOLDOUT_SHARE = 0.25


def _seed(random_state) -> int | None:
    check_seed(random_state)
    if random_state is None or isinstance(random_state, (int, np.integer)):
        return None if random_state is None else int(random_state)
    return int(np.random.default_rng(random_state).integers(2**31 - 1))


def _split(X, y, seed):
    from sklearn.model_selection import train_test_split

    index = np.arange(len(y))
    tr, te = train_test_split(
        index, test_size=HOLDOUT_SHARE, stratify=y, random_state=seed
    )
    return (take(X, tr), y[tr]), (take(X, te), y[te])


def _models(reconstructor, X, y, holdout, seed):
    """``(model, train, memo, fits)``: the fitted generators to measure, the
    rows they saw, ``(model, train, holdout)`` for memorisation, and the fits
    made here as ``(description, seconds)`` for the progress lines."""
    if not checks.is_fitted(reconstructor):
        fit_data, held = ((X, y), holdout) if holdout else _split(X, y, seed)
        start = time.perf_counter()
        model = clone(reconstructor).fit(*fit_data)
        fits = [("fitted the reconstructor", time.perf_counter() - start)]
        return model, fit_data, (model, fit_data, held), fits
    if holdout is not None:
        return reconstructor, (X, y), (reconstructor, (X, y), holdout), []
    # A fitted reconstructor saw all of X: a copy refitted on a split
    # tells how close its samples sit to rows it saw and rows it did not.
    fit_data, held = _split(X, y, seed)
    start = time.perf_counter()
    copy = clone(reconstructor).fit(*fit_data)
    share = f"{100 - HOLDOUT_SHARE * 100:.0f}%"
    what = f"memorisation: refitted a copy on {share} of X (no holdout given)"
    return (
        reconstructor,
        (X, y),
        (copy, fit_data, held),
        [(what, time.perf_counter() - start)],
    )


def _draw(model, label, count: int, seed, spec):
    X_new, _ = model.generate(count, label=label, random_state=seed)
    return as_rows(X_new, spec)


def _smote_rows(view: View, label, count: int, seed):
    """``count`` SMOTE rows of class ``label`` made from the real data, or
    None where SMOTE refuses the data."""
    counts = dict(zip(*np.unique(view.y, return_counts=True), strict=True))
    strategy = {label: int(counts[label]) + count}
    try:
        X_res, _ = efficacy.smote(
            view.rows, view.y, categorical(view.kinds), seed, strategy
        )
    except ValueError:
        return None
    return take(X_res, np.arange(len(view.y), len(view.y) + count))


def _image_features(view: View, seed):
    from smrt_keras.evaluation import ImageJudge

    return ImageJudge(seed=seed or 0).fit(view.rows, view.y)


def _class_part(label, fitted, memo, context) -> dict:
    """Every measurement of class ``label``. ``fitted`` is ``(model, train
    view)``, ``memo`` is ``(model, train view, holdout view)`` for
    memorisation, ``context`` is ``(spec, seed, n, rng, encoder, judge)``."""
    model, train = fitted
    spec, seed, n, rng, encode, judge = context
    real = train.of(label)
    count = int(n or min(len(real), MAX_ROWS))
    fake = _draw(model, label, count, seed, spec)
    out: dict = {"samples": (real, fake)}
    if train.is_image:
        real_f, fake_f = judge.features(real)[0], judge.features(fake)[0]
        out["fidelity"] = fidelity.image_fidelity(label, real_f, fake_f)
    else:
        out["fidelity"] = fidelity.table_fidelity(label, real, fake, train.kinds)
    memo_model, memo_train, memo_held = memo
    memo_fake = fake
    if memo_model is not model:
        memo_fake = _draw(memo_model, label, count, seed, spec)
    args = memo_train.of(label), memo_held.of(label)
    out["memorisation"] = memorisation(label, *args, memo_fake, train.kinds, rng)
    row = out["memorisation"][0]
    row.update(_noise_effect(memo_model, label, count, context, (*args, train.kinds)))
    row.setdefault("dcr_ratio_without_noise", row["dcr_ratio"])  # no noise to take
    smote = _smote_rows(train, label, count, seed)
    smote = None if smote is None else encode(smote)
    out["border"] = border(label, encode(train.rows), train.y, encode(fake), smote, rng)
    return out


def _noise_effect(model, label, count: int, context, real) -> dict:
    """What the class's output noise does to memorisation: its kind, and the
    DCR ratio of the decoded means alone (drawn with the same seed), beside
    the ratio with the noise in the row."""
    spec, seed, _, _, _, _ = context
    gen = model.generators_[label]
    if gen.recipe is None:  # a hand-assembled generator: no recipe to read
        return {"output_noise": "unknown"}
    settings = GenerationSettings.from_params(model.get_params())
    kind = gen.noise(gen.recipe.with_generation(settings).output_noise).name
    if kind == "none":
        return {"output_noise": kind}
    noise = model.output_noise
    try:
        model.set_params(output_noise="none")
        means = _draw(model, label, count, seed, spec)
    finally:
        model.set_params(output_noise=noise)
    train, held, kinds = real
    bare, _ = memorisation(
        label, train, held, means, kinds, np.random.default_rng(seed)
    )
    return {"output_noise": kind, "dcr_ratio_without_noise": bare["dcr_ratio"]}


def _view(data, spec) -> View:
    rows = as_rows(data[0], spec)
    kinds = {} if spec.is_image else column_kinds(rows, spec)
    return View(rows, np.asarray(data[1]), kinds)


def _efficacy(reconstructor, view, classifier, methods, options, progress):
    cv, seed = options
    if classifier is None:
        name = "cnn" if view.is_image else "logreg"
        classifier = efficacy.default_classifier(name, categorical(view.kinds), seed)
    data = (view.rows, view.y, categorical(view.kinds))
    folds = efficacy.cross_validate(
        data, classifier, methods, reconstructor, (cv, seed), progress
    )
    return efficacy.summary(folds), {"cv": cv, "classifier": repr(classifier)}


def quality_report(
    reconstructor,
    X,
    y,
    *,
    holdout: tuple | None = None,
    classifier=None,
    baselines: Sequence[str] = efficacy.BASELINES,
    n: int | None = None,
    random_state=None,
    cv: int = 5,
    verbose: int = 0,
) -> QualityReport:
    """Measure, class by class, how faithful SMRT's synthetic rows are, how
    close they sit to the training rows, and whether they help a classifier.

    Parameters
    ----------
    reconstructor : Reconstructor
        Fitted on ``X, y``, or unfitted (then a copy is fitted on ``X``, less
        an internal holdout unless ``holdout`` is given).
    X : DataFrame, 2-D array or image batch
        The real rows, with the reconstructor's columns (or sample shape).
    y : array-like of shape (n_samples,)
        Their labels; every label needs two rows or more.
    holdout : (X_holdout, y_holdout) or None, default=None
        Real rows the generators never saw, for memorisation. ``None``: a copy
        is (re)fitted without :data:`HOLDOUT_SHARE` of each class.
    classifier : classifier with ``predict_proba`` or None, default=None
        For the downstream efficacy, given ``X`` as it is. ``None``: logistic
        regression after one-hot encoding and scaling; images: a small CNN.
    baselines : sequence of {"none", "ros", "smote", "threshold"}
        Compared with SMRT (:mod:`~smrt_keras.report.efficacy`); () skips it.
    n : int or None, default=None
        Synthetic rows per class; ``None``: the class's rows, <= :data:`MAX_ROWS`.
    random_state : int, Generator or None, default=None
        Seeds the split, the draws, the baselines and the folds.
    cv : int, default=5
        Stratified folds of the efficacy part (at most the smallest class).
    verbose : int, default=0
        1: a progress line per step.

    Returns
    -------
    QualityReport

    Raises
    ------
    ValueError or TypeError
        Naming the argument: ``X`` or ``holdout`` unlike the reconstructor's
        columns, ``holdout`` labels not in ``y``, a label of ``y`` with one
        row, a ``classifier`` without ``predict_proba``.
    """
    args = reconstructor, X, y, holdout, classifier, baselines, n, cv
    holdout, methods, y, seed = (*_checked(*args), _seed(random_state))
    model, fit_data, memo, fits = _models(reconstructor, X, y, holdout, seed)
    checks.check_generators(model, holdout)
    return _measure(
        model, fit_data, memo, (classifier, methods, n, cv, seed, verbose), fits
    )


def _checked(reconstructor, X, y, holdout, classifier, baselines, n, cv):
    """Every argument checked before any work: ``(holdout, methods, y)``."""
    checks.check_reconstructor(reconstructor)
    methods = checks.check_options(baselines, n, cv)
    checks.check_classifier(classifier)
    checks.check_features(X, reconstructor, "X")
    checks.check_values(X, reconstructor, "X")
    y = checks.check_labels(y, len(X))
    checks.check_classes_present(reconstructor, y)
    return checks.check_holdout(holdout, y, reconstructor), methods, y


def _measure(model, fit_data, memo, options, fits) -> QualityReport:
    classifier, methods, n, cv, seed, verbose = options
    spec = model.input_spec_
    train = _view(fit_data, spec)
    memo = (memo[0], _view(memo[1], spec), _view(memo[2], spec))
    labels = list(model.generators_)
    cv = int(min(cv, np.unique(train.y, return_counts=True)[1].min()))
    total = len(fits) + len(labels) + (len(methods) + 1) * cv * bool(methods)
    progress = StepProgress("report", total, verbose)
    for description, seconds in fits:
        progress.step(description, seconds)
    judge = _image_features(train, seed) if train.is_image else None
    context = (spec, seed, n, np.random.default_rng(seed), Encoder(train), judge)
    parts = {}
    for label in labels:
        start = time.perf_counter()
        parts[label] = _class_part(label, (model, train), memo, context)
        progress.step(f"class {label!r}", time.perf_counter() - start)
    table, meta = None, {"classes": [str(v) for v in labels]}
    if methods:
        table, extra = _efficacy(
            model, train, classifier, (*methods, "smrt"), (cv, seed), progress
        )
        meta.update(extra)
    return QualityReport(train, parts, table, meta)
