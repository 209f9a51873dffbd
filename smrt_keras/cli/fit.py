"""``smrt-keras fit``: fit generators on a data file and save them."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from smrt_keras.cli.parser import add_model_options, subparser


def add(sub) -> None:
    """Register the command."""
    parser = subparser(
        sub,
        "fit",
        "fit generators on a data file and save them to a directory",
        "example:\n  smrt-keras fit train.csv --target churn -o gens/ --all-classes",
        run,
    )
    add_model_options(parser)
    parser.add_argument(
        "--all-classes",
        action="store_true",
        help="fit a generator for every class, not only the minority",
    )
    parser.add_argument(
        "--force",
        "--overwrite",
        dest="overwrite",
        action="store_true",
        help="replace an existing output directory",
    )


def reconstructor_from(args: argparse.Namespace, y, X=None):
    """The Reconstructor the model options describe, for data ``X`` (a
    DataFrame for CSV and Parquet input) and labels ``y``."""
    from smrt_keras import Reconstructor
    from smrt_keras.cli.io import match_labels, parse_strategy

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
        backbone=args.backbone,
        backbone_epochs=args.backbone_epochs,
        fine_tune_epochs=args.fine_tune_epochs,
        categorical_features=categorical_columns(args.categorical, X, args.target),
    )


def categorical_columns(text: str | None, X, target: str = "") -> list | None:
    """``--categorical a,b``: the named feature columns (a table's text and
    category columns are categorical without being named)."""
    if not text:
        return None
    named = [c.strip() for c in text.split(",") if c.strip()]
    columns = list(getattr(X, "columns", []))
    for name in named:
        if name == target:
            raise ValueError(
                f"--categorical names {name!r}, the --target column; name feature "
                "columns only (the label is always a category)."
            )
        if name not in columns:
            raise ValueError(
                f"--categorical names column {name!r}, which the input does not "
                f"have; its feature columns are {columns}."
            )
    return named


def run(args: argparse.Namespace) -> int:
    from smrt_keras.cli.io import read_table

    X, y, _ = read_table(args.input, args.target)
    if Path(args.output).exists() and not args.overwrite:  # before training
        raise FileExistsError(
            f"output {args.output!r} exists; pass --force to replace it."
        )
    smrt = reconstructor_from(args, y, X).fit(X, y)
    out = smrt.save(args.output, overwrite=args.overwrite)
    print(f"Saved generators for labels {[str(k) for k in smrt.generators_]} to {out}.")
    return 0
