"""The command-line demo's experiment over several seeds: scikit-learn's 8x8
digits with 7, 8 and 9 cut to 15 training images against 150.

    python benchmarks/digits_demo.py [--seeds 5]
        [--variants '{"SMRT": {}, "SMRT-backbone": {"backbone": "fit"}}']

Writes ``digits_demo.md/.json/.png``. The method is in benchmarks/README.md.
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
VARIANTS = {"SMRT": {}, "SMRT-backbone": {"backbone": "fit", "fine_tune_epochs": 50}}
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


def run_seed(seed: int, variants: dict, epochs: int | None) -> dict:
    """``{sampler: scores}`` for one seed: the held-out balanced accuracy and
    macro F1 of a logistic regression trained on each sampler's output, and
    the fidelity of the synthetic 7-9s against the real held-out ones."""
    from sklearn.linear_model import LogisticRegression as LR
    from sklearn.metrics import balanced_accuracy_score, f1_score

    from smrt_keras import Reconstructor, datasets
    from smrt_keras import evaluation as ev

    load = datasets.load_imbalanced_digits
    X, y, X_test, y_test = load(random_state=seed, holdout=HELD_OUT)
    resampled = {"none": (X, y)}
    for name in ("ROS", "SMOTE"):
        resampled[name] = common.resample_baseline(name, X, y, random_state=seed)
    seconds = {}
    for name, params in variants.items():
        params = {**params, **({"epochs": epochs} if epochs else {})}
        with common.Timer() as t:
            smrt = Reconstructor(random_state=seed, **params)
            resampled[name] = smrt.fit_resample(X, y)
        seconds[name] = t.seconds
    # The judge is trained on the held-out set, which no generator saw (64
    # pixels need no feature extractor).
    judge = LR(max_iter=3000).fit(_flat(X_test), y_test)
    real = _flat(X_test[np.isin(y_test, MINORITY)])
    out = {}
    for name, (Xr, yr) in resampled.items():
        pred = LR(max_iter=3000).fit(_flat(Xr), yr).predict(_flat(X_test))
        row = {"seed": seed, "bal_acc": balanced_accuracy_score(y_test, pred),
               "f1": f1_score(y_test, pred, average="macro")}  # fmt: skip
        if name not in ("none", "ROS"):  # the samplers that synthesise
            flat, ys = _flat(Xr[len(X) :]), yr[len(y) :]
            precision, recall = ev.knn_precision_recall(real, flat, k=3)
            row.update(recognisable=np.mean(judge.predict(flat) == ys),
                       FID=ev.frechet_distance(real, flat),
                       precision=precision, recall=recall)  # fmt: skip
            row["DCR ratio"] = ev.dcr_ratio_by_class(
                (_flat(X), y), (_flat(X_test), y_test), (flat, ys)
            )
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
    variants, seeds, epochs = json.loads(args.variants), args.seeds, None
    if args.smoke:
        seeds, epochs = 1, 1
        variants = {k: {**v, "backbone_epochs": 1} for k, v in variants.items()}
    results: dict = {}
    for seed in range(seeds):
        for name, row in run_seed(seed, variants, epochs).items():
            results.setdefault(name, []).append(row)
            common.show(f"seed {seed} {name:<14}", row, [m[0] for m in METRICS])
    fit = {n: np.mean([r["fit_seconds"] for r in runs])
           for n, runs in results.items() if "fit_seconds" in runs[0]}  # fmt: skip
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
        *common.table(["sampler"] + [m[1] for m in METRICS],
                      common.metric_rows(results, METRICS)),
        "",
        # Each SMRT variant against SMOTE (a difference inside the spread is a tie).
        *(f"- {n} vs SMOTE: {common.verdicts(results[n], results['SMOTE'], METRICS)}."
          for n in variants),
        "",
    ]  # fmt: skip
    fig, axes = common.subplots(1, 2, figsize=(11, 3.5))
    common.bars(axes[0], results, "bal_acc")
    axes[0].set_xlabel("balanced accuracy (held-out digits)")
    common.bars(axes[1], results, "FID")
    axes[1].set_xlabel("FID of the synthetic 7/8/9 (pixel space)")
    data = {"variants": variants, "results": results}
    common.publish(args, "digits_demo", lines, data, fig)


if __name__ == "__main__":
    main()
