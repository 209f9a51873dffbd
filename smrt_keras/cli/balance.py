"""``smrt-keras balance``: append synthetic minority rows to a data file."""

from __future__ import annotations

import argparse
from pathlib import Path

from smrt_keras.cli.io import (
    check_output,
    check_save_target,
    read_table,
    write_table,
)
from smrt_keras.cli.model import model_settings, reconstructor_from
from smrt_keras.cli.options import add_model_options, subparser


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
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace an existing output file (and --save-generators DIR)",
    )


def run(args: argparse.Namespace) -> int:
    """Check the input, outputs and options, then start Keras and balance."""
    X, y, frame = read_table(args.input, args.target)
    # Everything that could stop the writing is checked before training.
    check_output(args.output, X, args.force)
    if args.save_generators:
        check_save_target(args.save_generators, "--save-generators", args.force)
        inside = (
            Path(args.save_generators).resolve() in Path(args.output).resolve().parents
        )
        if inside:  # the save would then hold a file that is not its own
            raise ValueError(
                f"-o {args.output!r} lies inside --save-generators "
                f"{args.save_generators!r}; write the table elsewhere."
            )
    smrt = reconstructor_from(model_settings(args, y, X))
    X_res, y_res = smrt.fit_resample(X, y)
    out = write_table(args.output, X_res, y_res, args.target, like=frame)
    made = {str(k): int(v) for k, v in smrt.sampling_strategy_.items()}
    say = (lambda text: None) if args.quiet else print  # -q: nothing on success
    say(f"Wrote {len(y_res)} rows ({len(y_res) - len(y)} synthetic: {made}) to {out}.")
    if args.save_generators:
        out = smrt.save(args.save_generators, overwrite=args.force)
        say(f"Saved generators to {out}.")
    return 0
