"""Output noise x latent density on the tabular suite's tuning half (#44):
one SMRT fit per fold, every combination drawn from it (``set_params`` +
``resample``), beside ROS, SMOTE(NC) and Kovacs' top two variants on the same
folds, classifiers (kNN, LR, RF) and seeds. Per fold: ROC AUC, G-mean, F1, AP,
and the synthetic minority's fidelity (correlation gap, KS/TVD, DCR ratio,
border share beside the real minority's own). Each finished (set, fold) is
appended to ``noise_tuning_rows.jsonl`` under ``--out``, so a rerun resumes.

    pip install -e ".[benchmarks]"
    python benchmarks/noise_tuning.py [--split tuning] [--smoke]
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
import numpy as np  # noqa: E402
import tabular  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from smrt_keras import Reconstructor, evaluation  # noqa: E402

NOISES = ("independent", "residual", "covariance")
DENSITIES = ("prior", "kde", "gmm")
CONFIGS = tuple(f"SMRT {n}/{d}" for n, d in itertools.product(NOISES, DENSITIES))
CLASSIFIERS = ("kNN", "LR", "RF")
#: Kovacs' top two SMOTE variants where installed (mixed sets rank SMOTENC's rows).
_SV = importlib.util.find_spec("smote_variants") is not None
VARIANTS = tuple(tabular.Variant.CLASSES) if _SV else ()


def config_params(name: str) -> dict:
    return dict(zip(("output_noise", "generation"), name[5:].split("/"), strict=True))


def fidelity(X_tr, y_tr, X_te, y_te, new, cats) -> dict:
    """The synthetic minority ``new`` against the real one (see module text)."""
    real = tabular._rows(X_tr, np.flatnonzero(y_tr == 1))
    out = evaluation.column_fidelity(real, new, cats or None)
    out.update(tabular.border(X_tr, y_tr, new, cats))
    enc = tabular.encoder(cats).fit(X_tr)
    held = tabular._rows(X_te, np.flatnonzero(y_te == 1))
    try:  # undefined where every held-out row repeats a training row (titanic)
        out["dcr"] = evaluation.dcr_ratio(*map(enc.transform, (real, held, new)))
    except ValueError:
        out["dcr"] = float("nan")
    return {k: float(v) for k, v in out.items()}


def scores(X_res, y_res, X_te, y_te, cats, fold: int) -> dict:
    out = {}
    for cname in CLASSIFIERS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf = tabular.make_classifier(cname, fold, False, cats).fit(X_res, y_res)
        out[cname] = tabular.score(
            y_te, clf.predict_proba(X_te)[:, 1], clf.predict(X_te)
        )
    return {c: {m: float(v) for m, v in s.items()} for c, s in out.items()}


def run_fold(X, y, kind, tr, te, fold, smrt_params) -> dict:
    """Every baseline and SMRT combination on one fold: a row of results."""
    X_tr, y_tr, X_te, y_te = tabular._rows(X, tr), y[tr], tabular._rows(X, te), y[te]
    cats = tabular.categorical_columns(X)
    row = {"scores": {}, "fidelity": {}, "seconds": {}}

    def measure(name, resample):
        start = time.perf_counter()
        X_res, y_res = resample()
        row["seconds"][name] = time.perf_counter() - start
        new = tabular._rows(X_res, np.arange(len(X_tr), len(X_res)))
        row["fidelity"][name] = fidelity(X_tr, y_tr, X_te, y_te, new, cats)
        row["scores"][name] = scores(X_res, np.asarray(y_res), X_te, y_te, cats, fold)

    smote = "SMOTE" if kind == "numeric" else "SMOTENC"
    for name in ("ROS", smote, *(VARIANTS if kind == "numeric" else ())):
        sampler = tabular.make_sampler(name, fold, {}, X_tr)
        measure(name, lambda s=sampler: s.fit_resample(X_tr, y_tr))
    start = time.perf_counter()
    smrt = Reconstructor(random_state=fold, **smrt_params).fit(X_tr, y_tr)
    row["seconds"]["SMRT fit"] = time.perf_counter() - start
    for name in CONFIGS:
        smrt.set_params(**config_params(name))
        measure(name, lambda: smrt.resample(X_tr, y_tr))
    return row


def done_keys(path: Path) -> set:
    lines = path.read_text().splitlines() if path.is_file() else []
    return {(r["set"], r["fold"]) for r in map(json.loads, lines)}


def rows_path(args) -> Path:
    """Where the finished rows go (one file per ``--tag``; smoke runs apart)."""
    tag = ("_" + args.tag if args.tag else "") + ("_smoke" if args.smoke else "")
    return args.out / f"noise_tuning_rows{tag}.jsonl"


def run(args, data: dict, smrt_params: dict) -> None:
    path = rows_path(args)
    path.parent.mkdir(parents=True, exist_ok=True)
    done = done_keys(path)
    cv = StratifiedKFold(args.folds, shuffle=True, random_state=0)
    for dname, (X, y, kind) in data.items():
        for fold, (tr, te) in enumerate(cv.split(np.zeros(len(y)), y)):
            if (dname, fold) in done:
                continue
            row = run_fold(X, y, kind, tr, te, fold, smrt_params)
            row.update(set=dname, fold=fold, kind=kind, split=args.split)
            with open(path, "a", encoding="utf-8") as fh:  # one finished row
                fh.write(json.dumps(row) + "\n")
            print(f"{dname} fold {fold}: done", flush=True)


SUMMARY_METRICS = ("roc_auc", "gmean", "f1", "ap")
FIDELITY_KEYS = ("corr", "ks", "dcr", "border", "border_real")


def summary(rows: list) -> dict:
    """Per method: mean rank (over sets, each metric averaged over classifiers
    and folds) and mean fidelity."""
    by_set = {r["set"]: [q for q in rows if q["set"] == r["set"]] for r in rows}
    methods, below = ["ROS", "SMOTE", *VARIANTS, *CONFIGS], {}
    means, fid = {m: {k: [] for k in SUMMARY_METRICS} for m in methods}, {}
    ranks = {m: {k: [] for k in SUMMARY_METRICS} for m in methods}
    for rs in by_set.values():
        smote = "SMOTE" if "SMOTE" in rs[0]["scores"] else "SMOTENC"
        alias = {m: (m if m in rs[0]["scores"] else smote) for m in methods}
        for metric in SUMMARY_METRICS:
            vals = np.array([[np.mean([r["scores"][alias[m]][c][metric]
                                       for r in rs for c in CLASSIFIERS])]
                             for m in methods])  # fmt: skip
            set_ranks = common.average_ranks(vals.T)  # one row: this set's ranks
            for m, v, rank in zip(methods, vals[:, 0], set_ranks, strict=True):
                means[m][metric].append(v)
                ranks[m][metric].append(rank)
        gap = {m: means[m]["gmean"][-1] - means["ROS"]["gmean"][-1] for m in methods}
        for m in methods:  # the floor: no set 0.03 G-mean below ROS
            if gap[m] < -0.03:
                below.setdefault(m, []).append(f"{rs[0]['set']} ({gap[m]:+.3f})")
            for key in FIDELITY_KEYS:
                values = [r["fidelity"][alias[m]].get(key, np.nan) for r in rs]
                fid.setdefault(m, {}).setdefault(key, []).append(np.nanmean(values))
    return {
        m: {
            "rank": {k: float(np.mean(v)) for k, v in ranks[m].items()},
            "mean": {k: float(np.mean(v)) for k, v in means[m].items()},
            "fidelity": {k: float(np.nanmean(v)) for k, v in fid[m].items()},
            "below_ros": below.get(m, []),
        }
        for m in methods
    } | {"_sets": len(by_set)}


def report(args) -> None:
    rows = [json.loads(line) for line in rows_path(args).read_text().splitlines()]
    rows = [r for r in rows if r["split"] == args.split]
    result = summary(rows)
    header = ["method", *(f"{k} rank (mean)" for k in SUMMARY_METRICS),
              "corr gap", "KS", "DCR ratio", "border (real's own)"]  # fmt: skip
    lines = common.head(
        f"Output noise x latent density on the {args.split} half "
        f"({result['_sets']} sets, {args.folds}-fold CV, classifiers "
        f"{', '.join(CLASSIFIERS)})",
        "Ranks among the rows below (1 = best), per set averaged over "
        "classifiers and folds. Fidelity: the synthetic minority against the "
        "training minority; DCR ratio 1 = as far from the training rows as "
        "held-out real rows; border share beside the real minority's own.",
    )
    body = []
    for m, r in result.items():
        if m.startswith("_"):
            continue
        f = r["fidelity"]
        body.append([m, *(f"{r['rank'][k]:.2f} ({r['mean'][k]:.3f})"
                          for k in SUMMARY_METRICS),
                     f"{f['corr']:.3f}", f"{f['ks']:.3f}", f"{f['dcr']:.2f}",
                     f"{f['border']:.2f} ({f['border_real']:.2f})"])  # fmt: skip
    lines += [*common.table(header, body), "", "Sets where a row's G-mean (mean "
              "over classifiers and folds) is more than 0.03 below ROS's:", "",
              *(f"- {m}: {', '.join(r['below_ros'])}" for m, r in result.items()
                if not m.startswith("_") and r["below_ros"])]  # fmt: skip
    name = "noise_tuning" + {"tuning": ""}.get(args.split, "_" + args.split)
    common.publish(args, name, lines, result, figure(result))


def figure(result: dict):
    """Fidelity (correlation gap) against the mean G-mean rank, per method."""
    fig, ax = common.subplots(figsize=(6, 4))
    for m, r in result.items():
        if not m.startswith("_"):
            xy = (r["fidelity"]["corr"], r["rank"]["gmean"])
            ax.scatter(*xy)
            ax.annotate(m.replace("SMRT ", ""), xy)
    ax.set(xlabel="correlation gap (lower: more faithful)",
           ylabel="mean G-mean rank (lower: better)")  # fmt: skip
    return fig


def main(argv=None) -> None:
    p = common.parser(__doc__)
    p.add_argument("--split", default="tuning", choices=("tuning", "confirmation"))
    p.add_argument("--sets", default="", help="comma-separated sets (all)")
    common.smrt_options(p)
    args, smrt_params, _ = common.parse_smrt(p, argv)
    args.folds = 5
    if args.smoke:
        args.folds = 2
        smrt_params.setdefault("epochs", 1)
    data = tabular.datasets(args.smoke, args.split)
    if args.sets:
        data = {d: data[d] for d in args.sets.split(",")}
    run(args, data, smrt_params)
    report(args)


if __name__ == "__main__":
    main()
