"""``smrt-keras report``: the quality report of saved generators on a data file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from smrt_keras.cli.io import check_writable, read_table
from smrt_keras.cli.model import check_source, load_source
from smrt_keras.cli.options import add_seed, positive_int, subparser

CLASSIFIERS = ("logreg", "rf", "hgb")
BASELINES = ("none", "ros", "smote", "threshold")


def add(sub) -> None:
    """Register the command."""
    parser = subparser(
        sub,
        "report",
        "write the quality report of saved generators on a data file",
        "examples:\n  smrt-keras report gens/ train.csv --target churn -o report.html\n"
        "  smrt-keras report gens/ train.csv --target churn --holdout test.csv "
        "--classifier rf -o report.html\n"
        "  smrt-keras report gens/ train.csv --target churn --json -o report.json",
        run,
    )
    parser.add_argument("generators", help="a saved directory, or zoo:NAME")
    parser.add_argument("data", help="the rows the generators were fitted on")
    parser.add_argument("--target", required=True, help="label column or array")
    parser.add_argument("-o", "--output", required=True, help="the .html to write")
    parser.add_argument(
        "--holdout",
        metavar="FILE",
        help="real rows the generators never saw, same columns (default: a "
        "copy is refitted without a quarter of each class)",
    )
    parser.add_argument(
        "--classifier",
        choices=CLASSIFIERS,
        default=None,
        help="downstream classifier (default: logreg for tables, a small CNN "
        "for images)",
    )
    parser.add_argument(
        "--baselines",
        default=",".join(BASELINES),
        help="comma-separated methods SMRT is compared with, of "
        f"{', '.join(BASELINES)}; '' skips the efficacy part (default: all)",
    )
    parser.add_argument("--cv", type=positive_int, default=5, help="folds (default: 5)")
    parser.add_argument("-n", type=positive_int, default=None, help="rows per class")
    parser.add_argument(
        "--json", action="store_true", help="write the report's to_dict() as JSON"
    )
    parser.add_argument("--force", action="store_true", help="replace the output")
    add_seed(parser)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")


def _check_output(args: argparse.Namespace) -> Path:
    out = Path(args.output)
    wanted = ".json" if args.json else ".html"
    if out.suffix.lower() != wanted:
        raise ValueError(f"-o {str(out)!r}: {'--json ' if args.json else ''}writes "
                         f"{wanted}; name the output *{wanted}.")  # fmt: skip
    if out.exists() and not args.force:
        raise FileExistsError(
            f"output {str(out)!r} exists; pass --force to replace it."
        )
    check_writable(out)
    return out


def _baselines(text: str) -> tuple:
    names = tuple(b.strip() for b in text.split(",") if b.strip())
    unknown = [b for b in names if b not in BASELINES]
    if unknown:
        raise ValueError(f"--baselines {unknown} unknown; choose from {BASELINES}.")
    return names


def _inputs(args: argparse.Namespace):
    """Data, holdout and options, checked before any backend starts."""
    out = _check_output(args)
    baselines = _baselines(args.baselines)
    check_source(args.generators)
    X, y, _ = read_table(args.data, args.target)
    holdout = None
    if args.holdout:
        if not Path(args.holdout).is_file():
            raise FileNotFoundError(f"--holdout file {args.holdout!r} does not exist.")
        X_h, y_h, _ = read_table(args.holdout, args.target)
        holdout = (X_h, y_h)
    if args.classifier and np.ndim(X) > 2:
        raise ValueError(
            f"--classifier {args.classifier}: {args.data!r} holds images, which the "
            "report classifies with its small CNN; leave --classifier out."
        )
    return out, (X, np.asarray(y), holdout), baselines


def run(args: argparse.Namespace) -> int:
    """Check the output, inputs and options, then load, measure and write."""
    out, (X, y, holdout), baselines = _inputs(args)
    smrt = load_source(args.generators)
    from smrt_keras.report import quality_report
    from smrt_keras.report.efficacy import default_classifier

    classifier = None
    if args.classifier:
        kinds = list(smrt.input_spec_.column_kinds)
        columns = list(getattr(X, "columns", []))
        cats = [c for c, k in zip(columns, kinds, strict=False) if k != "numeric"]
        classifier = default_classifier(args.classifier, cats, args.seed)
    report = quality_report(
        smrt, X, y, holdout=holdout, classifier=classifier, baselines=baselines,
        n=args.n, random_state=args.seed, cv=args.cv, verbose=0 if args.quiet else 1,
    )  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.json:
        from smrt_keras.report.page import write_atomic

        write_atomic(out, json.dumps(report.to_dict(), indent=2, allow_nan=False))
    else:
        report.save_html(out)
    print(f"Wrote the quality report (score {report.get_score():.3f}) to {out}.")
    return 0
