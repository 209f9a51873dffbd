"""``smrt-keras fit``: fit generators on a data file and save them."""

from __future__ import annotations

import argparse

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
        "--overwrite", action="store_true", help="replace an existing output directory"
    )


def reconstructor_from(args: argparse.Namespace, y):
    """The Reconstructor the model options describe, for labels ``y``."""
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
    )


def run(args: argparse.Namespace) -> int:
    from smrt_keras.cli.io import read_table

    X, y, _ = read_table(args.input, args.target)
    smrt = reconstructor_from(args, y).fit(X, y)
    out = smrt.save(args.output, overwrite=args.overwrite)
    print(f"Saved generators for labels {[str(k) for k in smrt.generators_]} to {out}.")
    return 0
