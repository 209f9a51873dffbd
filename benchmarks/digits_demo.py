"""The command-line demo's experiment over several seeds: scikit-learn's 8x8
digits with 7, 8 and 9 cut to 15 training images against 150.

Exactly the data, judge and downstream classifier of ``smrt-keras demo``
(written here on the public API): 25 held-out images per digit that no sampler sees;
fidelity of the synthetic minority digits in pixel space (recognisability by a
logistic regression trained on the held-out set, FID, k-NN precision and
recall with k = 3, DCR ratio); balanced accuracy and macro F1 of a logistic
regression trained on each resampled set. Samplers: none, ROS, SMOTE (k = 5,
float pixels) and each SMRT variant, all on the same data and seeds.

    python benchmarks/digits_demo.py [--seeds 5]
        [--variants '{"SMRT": {}, "SMRT-backbone": {"backbone": "fit"}}']

Writes ``digits_demo.md`` and ``digits_demo.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common  # noqa: E402
import numpy as np  # noqa: E402

#: The demo's minority digits and held-out images per digit.
MINORITY, HELD_OUT = (7, 8, 9), 25
#: SMRT variants of the default run: the defaults, and fine-tuning from a
#: backbone fitted on the demo's own training digits.
VARIANTS = {
    "SMRT": {},
    "SMRT-backbone": {"backbone": "fit", "fine_tune_epochs": 50},
}
METRICS = (  # key, column, scale, digits, higher is better
    ("bal_acc", "balanced accuracy %", 100, 1, True),
    ("f1", "macro F1 %", 100, 1, True),
    ("recognisable", "recognisable %", 100, 1, True),
    ("FID", "FID", 1, 2, False),
    ("precision", "precision", 1, 3, True),
    ("recall", "recall", 1, 3, True),
    ("DCR ratio", "DCR ratio", 1, 3, None),
)


def _flat(X: np.ndarray) -> np.ndarray:
    """Digits pixels (0..16) as flat rows in [0, 1], as the demo scores them."""
    return X.reshape(len(X), -1) / 16


def fidelity(train, test, synthetic: dict) -> dict:
    """The demo's fidelity of each sampler's synthetic minority digits: a
    logistic regression trained on the held-out set (which no generator saw;
    64 pixels need no feature extractor) as judge, against its real 7-9s."""
    from sklearn.linear_model import LogisticRegression

    from smrt_keras.evaluation import (
        dcr_ratio_by_class,
        frechet_distance,
        knn_precision_recall,
    )

    (X_train, y_train), (X_test, y_test) = train, test
    judge = LogisticRegression(max_iter=3000).fit(_flat(X_test), y_test)
    real = _flat(X_test[np.isin(y_test, MINORITY)])
    out = {}
    for name, (Xs, ys) in synthetic.items():
        flat = _flat(Xs)
        precision, recall = knn_precision_recall(real, flat, k=3)
        out[name] = {
            "recognisable": np.mean(judge.predict(flat) == ys),
            "FID": frechet_distance(real, flat),
            "precision": precision,
            "recall": recall,
            "DCR ratio": dcr_ratio_by_class(
                (_flat(X_train), y_train), (_flat(X_test), y_test), (flat, ys)
            ),
        }
    return out


def downstream(test, resampled: dict) -> dict:
    """``(balanced accuracy, macro F1)`` on the held-out set of the demo's
    logistic regression trained on each sampler's output."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score, f1_score

    X_test, y_test = test
    out = {}
    for name, (X, y) in resampled.items():
        pred = LogisticRegression(max_iter=3000).fit(_flat(X), y).predict(_flat(X_test))
        out[name] = (
            balanced_accuracy_score(y_test, pred),
            f1_score(y_test, pred, average="macro"),
        )
    return out


def run_seed(seed: int, variants: dict, epochs: int | None) -> dict:
    """``{sampler: scores}`` for one seed."""
    from smrt_keras import Reconstructor
    from smrt_keras.baselines import resample_baseline
    from smrt_keras.datasets import load_imbalanced_digits

    X, y, X_test, y_test = load_imbalanced_digits(random_state=seed, holdout=HELD_OUT)
    resampled = {"none": (X, y)}
    for name in ("ROS", "SMOTE"):
        resampled[name] = resample_baseline(name, X, y, random_state=seed)
    seconds = {}
    for name, params in variants.items():
        params = {**params, **({"epochs": epochs} if epochs else {})}
        with common.Timer() as t:
            smrt = Reconstructor(random_state=seed, **params)
            resampled[name] = smrt.fit_resample(X, y)
        seconds[name] = t.seconds
    synthetic = {
        n: (Xr[len(X) :], yr[len(y) :])
        for n, (Xr, yr) in resampled.items()
        if n not in ("none", "ROS")
    }
    scores = fidelity((X, y), (X_test, y_test), synthetic)
    balanced = downstream((X_test, y_test), resampled)
    out = {}
    for name in resampled:
        bal_acc, f1 = balanced[name]
        row = {"seed": seed, "bal_acc": bal_acc, "f1": f1, **scores.get(name, {})}
        if name in seconds:
            row["fit_seconds"] = seconds[name]
        out[name] = {k: float(v) for k, v in row.items()}
    return out


def main(argv=None) -> None:
    p = common.parser(__doc__)
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--variants", default=json.dumps(VARIANTS))
    p.add_argument("--tag", default="")
    args = p.parse_args(argv)
    variants = json.loads(args.variants)
    seeds, epochs = args.seeds, None
    if args.smoke:
        seeds, epochs = 1, 1
        variants = {k: {**v, "backbone_epochs": 1} for k, v in variants.items()}
    results: dict = {}
    for seed in range(seeds):
        for name, row in run_seed(seed, variants, epochs).items():
            results.setdefault(name, []).append(row)
            common.show(f"seed {seed} {name:<14}", row, [m[0] for m in METRICS])
    report(args, variants, results, seeds)


def report(args, variants: dict, results: dict, seeds: int) -> None:
    rows = common.metric_rows(results, METRICS)
    fit = {
        n: np.mean([r["fit_seconds"] for r in runs])
        for n, runs in results.items()
        if "fit_seconds" in runs[0]
    }
    lines = [
        *common.head(
            "The command-line demo over seeds: 8x8 digits, 7/8/9 at 15 vs 150",
            f"{seeds} seed(s), mean ± std (the seed draws the cut, the held-out set, "
            "the samplers). Held-out set: 25 images per digit. Fidelity of the "
            "synthetic 7s, 8s and 9s in pixel space; downstream: logistic regression. "
            "SMRT variants (on top of the defaults, random_state = seed): "
            + "; ".join(f"{n} {json.dumps(v)}" for n, v in variants.items())
            + ". Fit seconds: "
            + ", ".join(f"{n} {s:.1f}" for n, s in fit.items())
            + ".",
        ),
        *common.table(["sampler"] + [m[1] for m in METRICS], rows),
        "",
        *summary(results, variants),
    ]
    fig, axes = common.subplots(1, 2, figsize=(11, 3.5))
    common.bars(axes[0], results, "bal_acc")
    axes[0].set_xlabel("balanced accuracy (held-out digits)")
    common.bars(axes[1], results, "FID")
    axes[1].set_xlabel("FID of the synthetic 7/8/9 (pixel space)")
    data = {"variants": variants, "results": results}
    common.publish(args, "digits_demo", lines, data, fig)


def summary(results: dict, variants: dict) -> list[str]:
    """Each SMRT variant against SMOTE (a difference inside the spread is a
    tie)."""
    lines = []
    for name in variants:
        found = common.verdicts(results[name], results["SMOTE"], METRICS)
        lines.append(f"- {name} vs SMOTE: {found}.")
    return lines + [""]


if __name__ == "__main__":
    main()
