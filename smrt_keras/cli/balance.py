"""``smrt-keras balance``: append synthetic minority rows to a data file."""

from __future__ import annotations

import argparse

from smrt_keras.cli.parser import add_model_options, subparser


def add(sub) -> None:
    """Register the command."""
    parser = subparser(
        sub,
        "balance",
        "append synthetic minority rows to a data file",
        "examples:\n  smrt-keras balance train.csv --target churn -o balanced.csv\n"
        "  smrt-keras balance images.npz --target y -o out.npz --epochs 50 "
        "--save-generators gens/",
        run,
    )
    add_model_options(parser)
    parser.add_argument(
        "--save-generators",
        metavar="DIR",
        help="also save the fitted generators to DIR",
    )


def run(args: argparse.Namespace) -> int:
    from smrt_keras.cli.fit import reconstructor_from
    from smrt_keras.cli.io import check_output, read_table, write_table

    X, y, frame = read_table(args.input, args.target)
    check_output(args.output, X)
    smrt = reconstructor_from(args, y, X)
    X_res, y_res = smrt.fit_resample(X, y)
    out = write_table(args.output, X_res, y_res, args.target, like=frame)
    made = {str(k): int(v) for k, v in smrt.sampling_strategy_.items()}
    print(
        f"Wrote {len(y_res)} rows ({len(y_res) - len(y)} synthetic: {made}) to {out}."
    )
    if args.save_generators:
        print(f"Saved generators to {smrt.save(args.save_generators)}.")
    return 0
