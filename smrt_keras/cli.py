"""The ``smrt-keras`` command."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.exceptions import NotFittedError

from smrt_keras.validation import GENERATION_MODES

#: Where the demo's closing line sends a reader: the measured comparisons.
DEMO_POINTER = (
    "On 28x28 MNIST zeros made from 67 real ones SMRT's one measured win over SMOTE is "
    "variety (k-NN recall), while SMOTE's samples are more faithful; see the README's "
    "comparison table and benchmarks/results/."
)

DEMO_EPILOG = """example:
  smrt-keras demo                 # digits made 10:1, figures in ./smrt_demo
  smrt-keras demo --epochs 50 --seed 1 --out /tmp/demo
"""


def _demo(args: argparse.Namespace) -> int:
    from smrt_keras import Reconstructor

    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = _demo_data(args.seed)
    X_train, y_train = data["train"]
    start = time.perf_counter()
    smrt = Reconstructor(epochs=args.epochs, random_state=args.seed, verbose=1)
    X_res, y_res = smrt.fit_resample(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    resampled = {"none": (X_train, y_train), "SMRT": (X_res, y_res)}
    try:
        from smrt_keras.baselines import resample_baseline

        for name in ("ROS", "SMOTE"):
            resampled[name] = resample_baseline(
                name, X_train, y_train, random_state=args.seed
            )
    except ImportError:
        print(
            "(imbalanced-learn not installed: ROS and SMOTE rows skipped; "
            "pip install 'smrt-keras[imblearn]')"
        )
    synthetic = {
        name: (X[len(X_train) :], y[len(y_train) :])
        for name, (X, y) in resampled.items()
        if name in ("SMRT", "SMOTE")
    }
    print(
        f"\nFitted {len(smrt.generators_)} generators in {fit_seconds:.1f}s; "
        f"made {len(synthetic['SMRT'][0])} synthetic digits."
    )
    fidelity = _demo_fidelity(data, synthetic)
    downstream = _demo_downstream(data, resampled)
    _demo_verdict(fidelity, downstream, len(data["test"][1]))
    _demo_figures(out_dir, data, synthetic)
    return 0


def _demo_data(seed: int) -> dict:
    """The demo's data: digits 7, 8, 9 cut to 15 training images against 150,
    and a balanced held-out set of 25 per digit that no sampler sees."""
    from sklearn.datasets import load_digits

    from smrt_keras.datasets import make_imbalanced

    minority = (7, 8, 9)
    counts = {d: (15 if d in minority else 150) for d in range(10)}
    digits = load_digits()
    images, target = digits.images, digits.target
    rng = np.random.default_rng(seed)
    test_idx = np.zeros(len(target), bool)
    for d in range(10):
        test_idx[rng.choice(np.flatnonzero(target == d), 25, replace=False)] = True
    train = make_imbalanced(
        images[~test_idx], target[~test_idx], counts, random_state=seed
    )
    print(
        "smrt-keras demo: scikit-learn digits (8x8 images), digits "
        f"{', '.join(map(str, minority))} cut to {counts[minority[0]]} samples "
        f"against {counts[0]} for the others."
    )
    return {
        "train": train,
        "test": (images[test_idx], target[test_idx]),
        "minority": minority,
    }


def _flat(X: np.ndarray) -> np.ndarray:
    """Digits pixels (0..16) as flat rows in [0, 1]."""
    return X.reshape(len(X), -1) / 16


def _demo_fidelity(data: dict, synthetic: dict) -> dict:
    """Print and return recognisability, FID, k-NN precision/recall and DCR
    ratio of each sampler's synthetic minority digits."""
    from sklearn.linear_model import LogisticRegression

    from smrt_keras.evaluation import (
        dcr_ratio_by_class,
        frechet_distance,
        knn_precision_recall,
    )

    (X_train, y_train), (X_test, y_test) = data["train"], data["test"]
    # The judge is trained on the balanced held-out set, which the generators
    # never saw; pixel space is small enough (64) to need no feature extractor.
    judge = LogisticRegression(max_iter=3000).fit(_flat(X_test), y_test)
    held = np.isin(y_test, data["minority"])
    real = _flat(X_test[held])
    print(
        f"\nFidelity of the synthetic minority digits (vs {len(real)} held-out "
        "real ones, pixel space; DCR ratio: 0 = copies of training digits, 1 = as "
        "far from them as new real digits):"
    )
    header = ("recognisable", "FID", "precision", "recall", "DCR ratio")
    print(f"  {'sampler':<8}" + "".join(f"{h:>13}" for h in header))
    table = {}
    for name, (Xs, ys) in synthetic.items():
        flat = _flat(Xs)
        precision, recall = knn_precision_recall(real, flat, k=3)
        dcr = dcr_ratio_by_class(
            (_flat(X_train), y_train), (_flat(X_test), y_test), (flat, ys)
        )
        values = (
            np.mean(judge.predict(flat) == ys),
            frechet_distance(real, flat),
            precision,
            recall,
            dcr,
        )
        table[name] = dict(zip(header, values, strict=True))
        print(
            f"  {name:<8}{values[0]:>13.1%}"
            + "".join(f"{v:>13.3f}" for v in values[1:])
        )
    return table


def _demo_downstream(data: dict, resampled: dict) -> dict:
    """Print and return a logistic regression's scores on the held-out set
    after training on each sampler's output."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score, f1_score, recall_score

    X_test, y_test = data["test"]
    minority = np.isin(y_test, data["minority"])
    print(
        "\nDownstream logistic regression on a balanced held-out set "
        f"({len(y_test)} digits):"
    )
    print(f"  {'sampler':<8} {'bal. acc.':>9} {'macro F1':>9} {'minority recall':>16}")
    table = {}
    for name, (X, y) in resampled.items():
        pred = LogisticRegression(max_iter=3000).fit(_flat(X), y).predict(_flat(X_test))
        scores = (
            balanced_accuracy_score(y_test, pred),
            f1_score(y_test, pred, average="macro"),
            recall_score(y_test[minority], pred[minority], average="micro"),
        )
        table[name] = scores
        print(f"  {name:<8} {scores[0]:9.3f} {scores[1]:9.3f} {scores[2]:16.3f}")
    return table


def _demo_verdict(fidelity: dict, downstream: dict, n_test: int) -> None:
    """One plain line on where SMRT wins, ties or loses against SMOTE here.

    Balanced accuracy within one held-out digit's worth (``1 / n_test``) is a
    tie: one seed and 250 digits cannot tell such a gap from noise.
    """
    if "SMOTE" not in fidelity:
        return
    ours, theirs = fidelity["SMRT"], fidelity["SMOTE"]
    gap = downstream["SMRT"][0] - downstream["SMOTE"][0]
    signed = {  # measure -> SMRT's advantage (positive = better)
        "balanced accuracy": 0.0 if abs(gap) <= 1 / n_test + 1e-12 else gap,
        "recognisability": ours["recognisable"] - theirs["recognisable"],
        "FID": theirs["FID"] - ours["FID"],
        "precision": ours["precision"] - theirs["precision"],
        "recall": ours["recall"] - theirs["recall"],
    }
    parts = [
        f"{word} {', '.join(k for k, v in signed.items() if test(v))}"
        for word, test in (
            ("beats SMOTE on", lambda v: v > 0),
            ("ties on", lambda v: v == 0),
            ("loses on", lambda v: v < 0),
        )
        if any(test(v) for v in signed.values())
    ]
    variety = (
        f" SMRT's samples vary less than SMOTE's (k-NN recall {ours['recall']:.3f}"
        f" against {theirs['recall']:.3f}): look at the figure."
        if signed["recall"] < 0
        else ""
    )
    print(f"\nOn this demo (one seed) SMRT {'; '.join(parts)}.{variety} {DEMO_POINTER}")


def _demo_figures(out_dir: Path, data: dict, synthetic: dict) -> None:
    from smrt_keras.plot import image_grid, write_png

    X_train, y_train = data["train"]
    names = list(synthetic)
    rows = []
    for d in data["minority"]:
        rows.append(X_train[y_train == d][:10])
        rows += [synthetic[n][0][synthetic[n][1] == d][:10] for n in names]
    png = write_png(out_dir / "digits_real_smrt_smote.png", image_grid(rows), 6)
    print(
        f"\nWrote {png.resolve()} (rows per digit: real, "
        f"{', '.join(names)}; digits {', '.join(map(str, data['minority']))})."
    )


def _reconstructor_from(args: argparse.Namespace, y):
    from smrt_keras import Reconstructor
    from smrt_keras.tables import match_labels, parse_strategy

    strategy = parse_strategy(args.sampling_strategy)
    if isinstance(strategy, dict):
        strategy = match_labels(strategy, np.unique(np.asarray(y)))
    return Reconstructor(
        sampling_strategy=strategy,
        epochs=args.epochs,
        generation=args.generation,
        random_state=args.seed,
        verbose=0 if args.quiet else 1,
        classes="all" if getattr(args, "all_classes", False) else None,
    )


def _balance(args: argparse.Namespace) -> int:
    from smrt_keras.tables import read_table, write_table

    X, y, frame = read_table(args.input, args.target)
    smrt = _reconstructor_from(args, y)
    X_res, y_res = smrt.fit_resample(X, y)
    out = write_table(args.output, X_res, y_res, args.target, like=frame)
    made = {str(k): int(v) for k, v in smrt.sampling_strategy_.items()}
    print(
        f"Wrote {len(y_res)} rows ({len(y_res) - len(y)} synthetic: {made}) to {out}."
    )
    if args.save_generators:
        print(f"Saved generators to {smrt.save(args.save_generators)}.")
    return 0


def _fit(args: argparse.Namespace) -> int:
    from smrt_keras.tables import read_table

    X, y, _ = read_table(args.input, args.target)
    smrt = _reconstructor_from(args, y).fit(X, y)
    out = smrt.save(args.output, overwrite=args.overwrite)
    print(f"Saved generators for labels {[str(k) for k in smrt.generators_]} to {out}.")
    return 0


def _generate(args: argparse.Namespace) -> int:
    from smrt_keras import Reconstructor, zoo
    from smrt_keras.tables import match_labels

    source = args.source
    smrt = (
        zoo.load(source[4:])
        if source.startswith("zoo:")
        else (Reconstructor.load(source))
    )
    label = None if args.label is None else match_labels(args.label, smrt.generators_)
    X, y = smrt.generate(args.n, label=label, random_state=args.seed)
    out = Path(args.output)
    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".npy":
        np.save(out, np.asarray(X))
    elif suffix == ".csv":
        import pandas as pd

        frame = (
            X.copy()
            if isinstance(X, pd.DataFrame)
            else pd.DataFrame(np.asarray(X).reshape(len(X), -1))
        )
        frame["label"] = y
        frame.to_csv(out, index=False)
    elif suffix == ".png":
        from smrt_keras.plot import image_grid, write_png

        images = np.asarray(X)
        if images.ndim not in (3, 4):
            raise ValueError(
                f"-o {str(out)!r}: PNG output needs image generators; these make "
                f"samples of shape {images.shape[1:]}. Use .npy or .csv."
            )
        rows = [images[y == label_] for label_ in dict.fromkeys(y.tolist())]
        write_png(out, image_grid(rows, pad=2), scale=3)
    else:
        raise ValueError(f"-o {str(out)!r}: use a .npy, .csv or .png file.")
    print(f"Wrote {len(y)} samples ({args.n} per label) to {out}.")
    return 0


def _zoo_list(args: argparse.Namespace) -> int:
    from smrt_keras import zoo

    for name, text in zoo.list().items():
        print(f"{name:<10} {text}")
    return 0


def _zoo_info(args: argparse.Namespace) -> int:
    from smrt_keras import zoo

    card = zoo.info(args.name)
    # The summary: everything before the per-digit tables, plus the headline
    # line of each table.
    head = card.split("## Quality per digit")[0].rstrip()
    print(head)
    print()
    print(f"Saved at {zoo.path(args.name)}. Per-mode quality:")
    mode = None
    for line in card.splitlines():
        if line.startswith("### "):
            mode = line[4:]
        elif line.startswith("Lowest recognisability") and mode:
            print(f"  {mode}: {line}")
    return 0


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", help="data file: .csv, .parquet or .npz")
    parser.add_argument(
        "--target",
        required=True,
        help="label column (CSV/Parquet) or label array (NPZ)",
    )
    parser.add_argument("-o", "--output", required=True, help="where to write")
    parser.add_argument(
        "--sampling-strategy",
        default="auto",
        help="'auto', 'minority', 'not majority', 'not minority', "
        "'all', a float ratio, or JSON like '{\"1\": 500}'",
    )
    parser.add_argument(
        "--epochs",
        type=_positive_int,
        default=200,
        help="maximum epochs per class (default: 200)",
    )
    parser.add_argument(
        "--generation",
        default="auto",
        choices=["auto", *GENERATION_MODES],
        help="how samples are drawn (default: auto, kde for images, prior for tables)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")


def _subparser(sub, name, help_, epilog, func):
    parser = sub.add_parser(
        name,
        help=help_,
        description=help_[0].upper() + help_[1:] + ".",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(func=func)
    return parser


class _Parser(argparse.ArgumentParser):
    """argparse with two-line errors: the problem, then where to get help."""

    def error(self, message):
        self.exit(
            2,
            f"{self.prog}: error: {message}\nRun '{self.prog} --help' for usage and "
            "an example.\n",
        )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="smrt-keras",
        description="Balance imbalanced data with per-class VAEs (SMRT).",
        epilog="example:\n  smrt-keras balance data.csv --target label -o "
        "balanced.csv\n\nRun 'smrt-keras COMMAND --help' for each command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = _subparser(
        sub,
        "demo",
        "balance scikit-learn's digits with SMRT and SMOTE and compare (no network)",
        DEMO_EPILOG,
        _demo,
    )
    demo.add_argument(
        "--out",
        default="smrt_demo",
        help="directory for figures (default: ./smrt_demo)",
    )
    demo.add_argument(
        "--epochs",
        type=_positive_int,
        default=200,
        help="maximum epochs per class (default: 200)",
    )
    demo.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")

    balance = _subparser(
        sub,
        "balance",
        "append synthetic minority rows to a data file",
        "examples:\n  smrt-keras balance train.csv --target churn -o balanced.csv\n"
        "  smrt-keras balance images.npz --target y -o out.npz --epochs 50 "
        "--save-generators gens/",
        _balance,
    )
    _add_model_options(balance)
    balance.add_argument(
        "--save-generators",
        metavar="DIR",
        help="also save the fitted generators to DIR",
    )

    fit = _subparser(
        sub,
        "fit",
        "fit generators on a data file and save them to a directory",
        "example:\n  smrt-keras fit train.csv --target churn -o gens/ --all-classes",
        _fit,
    )
    _add_model_options(fit)
    fit.add_argument(
        "--all-classes",
        action="store_true",
        help="fit a generator for every class, not only the minority",
    )
    fit.add_argument(
        "--overwrite", action="store_true", help="replace an existing output directory"
    )

    gen = _subparser(
        sub,
        "generate",
        "draw samples from saved generators or a zoo set",
        "examples:\n  smrt-keras generate gens/ -n 100 --label 1 -o new.csv\n"
        "  smrt-keras generate zoo:mnist -n 10 -o digits.png",
        _generate,
    )
    gen.add_argument("source", help="a saved directory, or zoo:NAME")
    gen.add_argument("-n", type=_positive_int, required=True, help="samples per label")
    gen.add_argument("--label", help="only this label (default: every label)")
    gen.add_argument("-o", "--output", required=True, help="a .npy, .csv or .png file")
    gen.add_argument("--seed", type=int, default=0, help="random seed (default 0)")

    zoo_parser = sub.add_parser(
        "zoo",
        help="list and describe pretrained sets",
        description="List and describe pretrained sets.",
    )
    zoo_sub = zoo_parser.add_subparsers(
        dest="zoo_command", metavar="ZOO_COMMAND", required=True
    )
    _subparser(
        zoo_sub,
        "list",
        "list the pretrained sets",
        "example:\n  smrt-keras zoo list",
        _zoo_list,
    )
    info = _subparser(
        zoo_sub,
        "info",
        "show a pretrained set's model card summary",
        "example:\n  smrt-keras zoo info mnist",
        _zoo_info,
    )
    info.add_argument("name", help="a name from 'smrt-keras zoo list'")
    return parser


def _load_backend_quietly() -> None:
    """Import Keras with the C++ start-up notices of its backend silenced.

    TensorFlow's native libraries write several lines to file descriptor 2 on
    import and first use (CPU features, missing CUDA) that no environment
    variable turns off; at the command line they would bury our own one-line
    errors. Python exceptions are unaffected: they are raised after stderr is
    restored.
    """
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        from smrt_keras.models.io import warm_up_backend

        warm_up_backend()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


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
        if args.func in (_demo, _balance, _fit, _generate):
            _load_backend_quietly()
        return args.func(args)
    except (ValueError, TypeError, OSError, ImportError, NotFittedError) as exc:
        # Plain one-line errors at the command line; tracebacks are for bugs.
        print(f"smrt-keras: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
