"""5-fold F1 of SMOTE vs SMRT inside an imbalanced-learn pipeline.

breast_cancer made 10:1 (all 357 benign, 36 malignant drawn at random), stratified
5-fold CV, StandardScaler + LogisticRegression after each sampler. Writes
``benchmarks/results/pipeline_f1.md`` and prints the table.

    python benchmarks/pipeline_f1.py [--seeds 3] [--epochs 100]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from imblearn.over_sampling import SMOTE, RandomOverSampler  # noqa: E402
from imblearn.pipeline import make_pipeline  # noqa: E402
from sklearn.datasets import load_breast_cancer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import StratifiedKFold, cross_validate  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from smrt_keras import Reconstructor  # noqa: E402
from smrt_keras.datasets import make_imbalanced  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=100)
    args = parser.parse_args()

    X_all, y_all = load_breast_cancer(return_X_y=True)
    samplers = {
        "none": lambda s: None,
        "ROS": lambda s: RandomOverSampler(random_state=s),
        "SMOTE": lambda s: SMOTE(random_state=s),
        "SMRT (prior)": lambda s: Reconstructor(epochs=args.epochs, random_state=s),
        "SMRT (posterior)": lambda s: Reconstructor(
            epochs=args.epochs, generation="posterior", random_state=s
        ),
    }
    scores = {name: {"f1": [], "seconds": []} for name in samplers}
    for seed in range(args.seeds):
        X, y = make_imbalanced(X_all, y_all, {1: 357, 0: 36}, random_state=seed)
        y = (y == 0).astype(int)  # malignant (the minority) is the positive class
        cv = StratifiedKFold(5, shuffle=True, random_state=seed)
        for name, make in samplers.items():
            steps = [make(seed), StandardScaler(), LogisticRegression(max_iter=5000)]
            pipe = make_pipeline(*[s for s in steps if s is not None])
            start = time.perf_counter()
            res = cross_validate(pipe, X, y, cv=cv, scoring="f1")
            scores[name]["seconds"].append(time.perf_counter() - start)
            scores[name]["f1"].extend(res["test_score"].tolist())
            print(
                f"seed {seed} {name:<17} F1 {res['test_score'].mean():.3f}", flush=True
            )

    lines = [
        "# 5-fold F1, breast_cancer at 10:1 (minority = malignant)",
        "",
        f"{args.seeds} seeds x 5 folds; StandardScaler + LogisticRegression; SMRT "
        f"epochs={args.epochs} (early stopping, patience 10).",
        "",
        "| sampler | F1 mean | F1 std | CV seconds per seed |",
        "| --- | --- | --- | --- |",
    ]
    for name, s in scores.items():
        lines.append(
            f"| {name} | {np.mean(s['f1']):.3f} | {np.std(s['f1']):.3f} | "
            f"{np.mean(s['seconds']):.1f} |"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pipeline_f1.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
