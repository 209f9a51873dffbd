"""``smrt-keras fit``: fit generators on a data file and save them."""

from __future__ import annotations

import argparse

from smrt_keras.cli.io import check_save_target, read_table
from smrt_keras.cli.model import model_settings, reconstructor_from
from smrt_keras.cli.options import add_model_options, subparser


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


def run(args: argparse.Namespace) -> int:
    """Check the input, output and options, then start Keras, fit and save."""
    X, y, _ = read_table(args.input, args.target)
    check_save_target(args.output, "output", args.overwrite)  # before training
    smrt = reconstructor_from(model_settings(args, y, X)).fit(X, y)
    out = smrt.save(args.output, overwrite=args.overwrite)
    if not args.quiet:  # -q: nothing on success
        labels = [str(k) for k in smrt.generators_]
        print(f"Saved generators for labels {labels} to {out}.")
    return 0
