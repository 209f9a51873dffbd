"""Tabular suite: SMRT against imbalanced-learn's over-samplers, ranked.

Datasets (all made binary and imbalanced, minority = positive class):

- ``breast_cancer``: 357 benign vs 36 malignant (10:1);
- ``wine_0``: wine class 0 vs rest, class 0 cut to 12 (10:1);
- ``digits_8``: digit 8 vs rest, 8s cut to 1:20;
- ``overlap``: ``make_classification`` with class_sep=0.5, 10:1;
- ``ratio_50``: ``make_classification`` at 50:1;
- ``label_noise``: ``make_classification`` at 10:1 with 10% of labels flipped.

Repeated stratified 5-fold CV; samplers none, ROS, SMOTE, ADASYN,
BorderlineSMOTE and SMRT resample the training folds only; then k-NN (k=5,
standardised), logistic regression (standardised), a random forest and
histogram gradient boosting (HGB). Two anchors that do not resample sit beside
them, since a strong classifier or a tuned threshold often matches resampling
(Elor & Averbuch-Elor 2022; Sakho et al. 2024): "none" with HGB, and
"threshold", scikit-learn's ``TunedThresholdClassifierCV`` around each
classifier, its decision threshold tuned for G-mean by internal 5-fold CV.
Metrics: ROC AUC, G-mean, F1 and average precision of the minority class,
from each classifier's own decisions (``predict``) and scores. The rank table
averages, over every dataset x classifier, each sampler's rank (1 = best) by
its mean score over folds.

    python benchmarks/tabular.py [--repeats 2] [--smrt-params '{...}']

Writes ``tabular.md``, ``tabular.json`` and ``tabular.png``.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
import numpy as np  # noqa: E402

SAMPLERS = ("none", "threshold", "ROS", "SMOTE", "ADASYN", "BorderlineSMOTE", "SMRT")
#: The samplers that do not resample: plain, and with a tuned threshold.
NO_RESAMPLING = ("none", "threshold")
CLASSIFIERS = ("kNN", "LR", "RF", "HGB")
METRICS = ("roc_auc", "gmean", "f1", "ap")
METRIC_NAMES = {"roc_auc": "ROC AUC", "gmean": "G-mean", "f1": "F1", "ap": "AP"}


def datasets(smoke: bool) -> dict:
    """``{name: (X, y)}`` with y = 1 for the minority class."""
    from sklearn.datasets import (
        load_breast_cancer,
        load_digits,
        load_wine,
        make_classification,
    )

    from smrt_keras.datasets import make_imbalanced

    def binary(X, y, positive, n_positive, seed=0):
        y = (y == positive).astype(int)
        n_neg = int((y == 0).sum())
        return make_imbalanced(X, y, {0: n_neg, 1: n_positive}, random_state=seed)

    X, y = load_breast_cancer(return_X_y=True)
    out = {"breast_cancer": binary(X, y, 0, 36)}
    X, y = load_wine(return_X_y=True)
    out["wine_0"] = binary(X, y, 0, 12)
    X, y = load_digits(return_X_y=True)
    out["digits_8"] = binary(X, y, 8, round((y != 8).sum() / 20))
    # Rows of the synthetic sets: 3000 at 50:1 leaves 60 minority samples.
    rows = {"overlap": 1500, "ratio_50": 3000, "label_noise": 1500}
    settings = {
        "overlap": dict(weights=[10 / 11], class_sep=0.5, flip_y=0),
        "ratio_50": dict(weights=[50 / 51], class_sep=1.0, flip_y=0),
        "label_noise": dict(weights=[10 / 11], class_sep=1.0, flip_y=0.1),
    }
    for name, kwargs in settings.items():
        out[name] = make_classification(
            n_samples=600 if smoke else rows[name],
            n_features=20,
            n_informative=5,
            n_redundant=5,
            random_state=0,
            **kwargs,
        )
    if smoke:
        out = {"breast_cancer": out["breast_cancer"]}
    # Every sampler gets float features (all sets are float already; the cast
    # keeps it so if one is ever loaded as integers, which SMOTE would wrap).
    return {name: (np.asarray(X, dtype="float64"), y) for name, (X, y) in out.items()}


def make_sampler(name: str, seed: int, smrt_params: dict):
    from imblearn.over_sampling import (
        ADASYN,
        SMOTE,
        BorderlineSMOTE,
        RandomOverSampler,
    )

    from smrt_keras import Reconstructor

    return {
        "none": lambda: None,
        "threshold": lambda: None,
        "ROS": lambda: RandomOverSampler(random_state=seed),
        "SMOTE": lambda: SMOTE(random_state=seed),
        "ADASYN": lambda: ADASYN(random_state=seed),
        "BorderlineSMOTE": lambda: BorderlineSMOTE(random_state=seed),
        "SMRT": lambda: Reconstructor(random_state=seed, **smrt_params),
    }[name]()


def make_classifier(name: str, seed: int, tuned: bool = False):
    """Classifier ``name``; with ``tuned``, wrapped in a G-mean-tuned threshold."""
    from imblearn.metrics import geometric_mean_score
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import make_scorer
    from sklearn.model_selection import TunedThresholdClassifierCV
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    clf = {
        "kNN": lambda: make_pipeline(StandardScaler(), KNeighborsClassifier(5)),
        "LR": lambda: make_pipeline(
            StandardScaler(), LogisticRegression(max_iter=5000)
        ),
        "RF": lambda: RandomForestClassifier(200, random_state=seed, n_jobs=-1),
        "HGB": lambda: HistGradientBoostingClassifier(random_state=seed),
    }[name]()
    if tuned:
        clf = TunedThresholdClassifierCV(
            clf, scoring=make_scorer(geometric_mean_score), random_state=seed
        )
    return clf


def score(y_true, proba, pred) -> dict:
    from imblearn.metrics import geometric_mean_score
    from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

    return {
        "roc_auc": roc_auc_score(y_true, proba),
        "gmean": geometric_mean_score(y_true, pred),
        "f1": f1_score(y_true, pred, zero_division=0.0),
        "ap": average_precision_score(y_true, proba),
    }


def main(argv=None) -> None:
    p = common.parser(__doc__)
    p.add_argument("--repeats", type=int, default=2, help="CV repeats of 5 folds")
    common.smrt_options(p, SAMPLERS)
    args, smrt_params, samplers = common.parse_smrt(p, argv, SAMPLERS)
    repeats = args.repeats
    if args.smoke:
        repeats = 1
        smrt_params.setdefault("epochs", 2)

    from sklearn.model_selection import RepeatedStratifiedKFold

    data = datasets(args.smoke)
    # scores[dataset][classifier][sampler][metric] = list over folds
    scores: dict = {}
    seconds = {s: 0.0 for s in samplers}
    fallbacks = {s: 0 for s in samplers}
    for dname, (X, y) in data.items():
        cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=repeats, random_state=0)
        per = scores.setdefault(dname, {})
        for fold, (tr, te) in enumerate(cv.split(X, y)):
            for sname in samplers:
                sampler = make_sampler(sname, fold, smrt_params)
                with common.Timer() as t:
                    if sampler is None:
                        Xr, yr = X[tr], y[tr]
                    else:
                        try:
                            Xr, yr = sampler.fit_resample(X[tr], y[tr])
                        except (RuntimeError, ValueError) as exc:
                            # ADASYN refuses folds where no minority point has
                            # a majority neighbour; count it, train unresampled.
                            fallbacks[sname] += 1
                            print(f"  {dname} fold {fold} {sname}: {exc}")
                            Xr, yr = X[tr], y[tr]
                seconds[sname] += t.seconds
                for cname in CLASSIFIERS:
                    clf = make_classifier(cname, fold, tuned=sname == "threshold")
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        clf.fit(Xr, yr)
                    proba = clf.predict_proba(X[te])[:, 1]
                    pred = clf.predict(X[te])
                    for metric, value in score(y[te], proba, pred).items():
                        per.setdefault(cname, {}).setdefault(sname, {}).setdefault(
                            metric, []
                        ).append(float(value))
        summary = {s: np.mean([per[c][s]["f1"] for c in CLASSIFIERS]) for s in samplers}
        print(
            f"{dname} (n={len(y)}, minority {int(y.sum())}): mean F1 "
            + ", ".join(f"{s} {v:.3f}" for s, v in summary.items()),
            flush=True,
        )

    report(args, data, scores, samplers, seconds, fallbacks, repeats, smrt_params)


def report(args, data, scores, samplers, seconds, fallbacks, repeats, smrt_params):
    cells = [(d, c) for d in scores for c in CLASSIFIERS]
    ranks = {}
    for metric in METRICS:
        matrix = np.array(
            [[np.mean(scores[d][c][s][metric]) for s in samplers] for d, c in cells]
        )
        ranks[metric] = common.average_ranks(matrix)
    rank_rows = [
        [s]
        + [f"{ranks[m][i]:.2f}" for m in METRICS]
        + [f"{np.mean([ranks[m][i] for m in METRICS]):.2f}", f"{seconds[s]:.1f}"]
        for i, s in enumerate(samplers)
    ]
    long_rows = [
        [d, c, s] + [common.mean_std(scores[d][c][s][m], 1, 3) for m in METRICS]
        for d, c in cells
        for s in samplers
    ]
    sizes = ", ".join(
        f"{d} {len(y)} rows x {X.shape[1]} ({int(y.sum())} minority)"
        for d, (X, y) in data.items()
    )
    fb = ", ".join(f"{s} {n}" for s, n in fallbacks.items() if n)
    lines = [
        "# Tabular suite: average ranks (1 = best)",
        "",
        f"{len(data)} datasets x {len(CLASSIFIERS)} classifiers = {len(cells)} "
        f"cells; {repeats} x stratified 5-fold CV; rank by the mean over folds, "
        f"ties share the mean rank. SMRT: "
        f"`Reconstructor({common.smrt_settings(smrt_params)})` (random_state = "
        "fold). "
        f"Datasets: {sizes}.",
        "",
        f"Machine: {common.machine()}.",
        "",
        *common.table(
            ["sampler"]
            + [METRIC_NAMES[m] for m in METRICS]
            + ["mean rank", "resampling s (all folds)"],
            rank_rows,
        ),
        "",
        "Folds a sampler refused and that were scored unresampled: "
        + (fb or "none")
        + ".",
        "",
        *anchors(scores, samplers, cells),
        "",
        "## Scores per dataset and classifier (mean ± std over folds)",
        "",
        *common.table(
            ["dataset", "classifier", "sampler"] + [METRIC_NAMES[m] for m in METRICS],
            long_rows,
        ),
    ]
    tag = f"_{args.tag}" if args.tag else ""
    common.write_report(args.out, f"tabular{tag}.md", lines, args.smoke)
    common.write_json(
        args.out,
        f"tabular{tag}.json",
        {
            "smrt_params": smrt_params,
            "ranks": {m: ranks[m].tolist() for m in METRICS},
            "samplers": samplers,
            "resampling_seconds": seconds,
            "scores": scores,
        },
    )
    plt = common.pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.5))
    width = 0.8 / len(samplers)
    for i, s in enumerate(samplers):
        ax.bar(
            np.arange(len(METRICS)) + i * width,
            [ranks[m][i] for m in METRICS],
            width,
            label=s,
        )
    ax.set_xticks(np.arange(len(METRICS)) + 0.4 - width / 2)
    ax.set_xticklabels([METRIC_NAMES[m] for m in METRICS])
    ax.set_ylabel("average rank (lower is better)")
    ax.legend(ncol=3, fontsize=8)
    ax.set_title(f"Tabular suite: {len(cells)} dataset x classifier cells")
    common.save_figure(fig, args.out, f"tabular{tag}.png")


def anchors(scores: dict, samplers, cells) -> list[str]:
    """Where resampling helps over the two no-resampling anchors, how SMRT
    fares against SMOTE cell by cell, and each classifier x sampler's mean
    score over the datasets (HGB with "none" is the strong-classifier anchor)."""
    resamplers = [s for s in samplers if s not in NO_RESAMPLING]
    anchors_ = [s for s in NO_RESAMPLING if s in samplers]
    lines = ["## Does resampling help? (the anchors)", ""]
    mean = {  # (dataset, classifier, sampler, metric) -> mean over folds
        (d, c, s, m): np.mean(scores[d][c][s][m])
        for d, c in cells
        for s in samplers
        for m in METRICS
    }
    if resamplers and anchors_:
        for m in METRICS:
            helps = sum(
                max(mean[d, c, s, m] for s in resamplers)
                > max(mean[d, c, a, m] for a in anchors_)
                for d, c in cells
            )
            lines.append(
                f"- {METRIC_NAMES[m]}: the best resampler beats both "
                f"{' and '.join(anchors_)} in {helps} of {len(cells)} cells."
            )
    if "SMRT" in samplers and "SMOTE" in samplers:
        lines += ["", "SMRT against SMOTE per cell (tie = inside the fold spread):", ""]
        for m in METRICS:
            wins, ties, losses = common.cell_verdicts(scores, cells, m, "SMRT", "SMOTE")
            lines.append(
                f"- {METRIC_NAMES[m]}: {wins} wins, {ties} ties, {losses} losses."
            )
    rows = [
        [c, s] + [f"{np.mean([mean[d, c, s, m] for d in scores]):.3f}" for m in METRICS]
        for c in CLASSIFIERS
        for s in samplers
    ]
    return lines + [
        "",
        f"Mean score over the {len(scores)} datasets, per classifier and sampler:",
        "",
        *common.table(
            ["classifier", "sampler"] + [METRIC_NAMES[m] for m in METRICS], rows
        ),
    ]


if __name__ == "__main__":
    main()
