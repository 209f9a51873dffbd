"""The ``smrt-keras`` command."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

DEMO_EPILOG = """example:
  smrt-keras demo                 # digits made 10:1, figures in ./smrt_demo
  smrt-keras demo --epochs 50 --seed 1 --out /tmp/demo
"""


def _demo(args: argparse.Namespace) -> int:
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score, f1_score, recall_score

    from smrt_keras import Reconstructor
    from smrt_keras.datasets import make_imbalanced
    from smrt_keras.plot import image_grid, write_png

    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    minority = (7, 8, 9)
    counts = {d: (15 if d in minority else 150) for d in range(10)}
    digits = load_digits()
    images, target = digits.images, digits.target
    rng = np.random.default_rng(args.seed)
    test_idx = np.zeros(len(target), bool)
    for d in range(10):  # 25 per digit held out, balanced, for evaluation
        test_idx[rng.choice(np.flatnonzero(target == d), 25, replace=False)] = True
    X_train, y_train = make_imbalanced(
        images[~test_idx], target[~test_idx], counts, random_state=args.seed
    )
    X_test, y_test = images[test_idx], target[test_idx]
    print(
        "smrt-keras demo: scikit-learn digits (8x8 images), digits "
        f"{', '.join(map(str, minority))} cut to {counts[minority[0]]} samples "
        f"against {counts[0]} for the others."
    )

    start = time.perf_counter()
    smrt = Reconstructor(epochs=args.epochs, random_state=args.seed, verbose=1)
    X_res, y_res = smrt.fit_resample(X_train, y_train)
    fit_seconds = time.perf_counter() - start

    def downstream(X, y):
        clf = LogisticRegression(max_iter=3000).fit(X.reshape(len(X), -1) / 16, y)
        pred = clf.predict(X_test.reshape(len(X_test), -1) / 16)
        mask = np.isin(y_test, minority)
        return (
            balanced_accuracy_score(y_test, pred),
            f1_score(y_test, pred, average="macro"),
            recall_score(y_test[mask], pred[mask], average="micro"),
        )

    # Recognisability: a classifier trained on the balanced held-out half of
    # the data (which the generators never saw) labels the synthetic digits.
    judge = LogisticRegression(max_iter=3000).fit(
        X_test.reshape(len(X_test), -1) / 16, y_test
    )
    X_syn = X_res[len(X_train) :]
    y_syn = y_res[len(y_train) :]
    recognised = judge.predict(X_syn.reshape(len(X_syn), -1) / 16) == y_syn

    rows = [("none", *downstream(X_train, y_train))]
    rows.append(("SMRT", *downstream(X_res, y_res)))
    try:
        from imblearn.over_sampling import SMOTE

        X_sm, y_sm = SMOTE(random_state=args.seed).fit_resample(
            X_train.reshape(len(X_train), -1), y_train
        )
        rows.append(("SMOTE", *downstream(X_sm, y_sm)))
    except ImportError:
        print(
            "(imbalanced-learn not installed: SMOTE row skipped; "
            "pip install 'smrt-keras[imblearn]')"
        )

    print(
        f"\nFitted {len(smrt.generators_)} generators in {fit_seconds:.1f}s; "
        f"made {len(X_syn)} synthetic digits."
    )
    print("Recognisability (share a held-out classifier labels as intended):")
    for d in minority:
        share = recognised[y_syn == d].mean()
        print(f"  digit {d}: {share:6.1%} of {(y_syn == d).sum()}")
    print(
        "\nDownstream logistic regression on a balanced held-out set "
        f"({len(y_test)} digits):"
    )
    print(f"  {'sampler':<8} {'bal. acc.':>9} {'macro F1':>9} {'minority recall':>16}")
    for name, bacc, f1, rec in rows:
        print(f"  {name:<8} {bacc:9.3f} {f1:9.3f} {rec:16.3f}")

    grid_rows = []
    for d in minority:
        grid_rows.append(X_train[y_train == d][:10])
        grid_rows.append(X_syn[y_syn == d][:10])
    png = write_png(out_dir / "digits_real_vs_smrt.png", image_grid(grid_rows), 6)
    print(
        f"\nWrote {png.resolve()} (rows: real then SMRT-generated, "
        f"for digits {', '.join(map(str, minority))})."
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smrt-keras",
        description="Balance imbalanced data with per-class VAEs (SMRT).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="balance scikit-learn's digits with SMRT and compare (no network)",
        description="Make scikit-learn's bundled digits imbalanced, balance them "
        "with SMRT (and SMOTE when imbalanced-learn is installed), print a "
        "comparison and write a PNG of real vs generated digits.",
        epilog=DEMO_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument(
        "--out",
        default="smrt_demo",
        help="directory for figures (default: ./smrt_demo)",
    )
    demo.add_argument(
        "--epochs",
        type=_positive_int,
        default=100,
        help="maximum epochs per class (default: 100)",
    )
    demo.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    demo.set_defaults(func=_demo)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer, got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _version() -> str:
    from smrt_keras._version import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``smrt-keras`` console script."""
    # Keep TensorFlow's C++ start-up chatter out of the command's output.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except (ValueError, TypeError, OSError) as exc:
        print(f"smrt-keras: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
