"""``smrt-keras generate``: draw samples from saved generators or a zoo set."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from smrt_keras.cli.parser import add_seed, positive_int, subparser


def add(sub) -> None:
    """Register the command."""
    parser = subparser(
        sub,
        "generate",
        "draw samples from saved generators or a zoo set",
        "examples:\n  smrt-keras generate gens/ -n 100 --label 1 -o new.csv\n"
        "  smrt-keras generate zoo:mnist -n 10 -o digits.png",
        run,
    )
    parser.add_argument("source", help="a saved directory, or zoo:NAME")
    parser.add_argument(
        "-n", type=positive_int, required=True, help="samples per label"
    )
    parser.add_argument("--label", help="only this label (default: every label)")
    parser.add_argument(
        "-o", "--output", required=True, help="a .npy, .csv or .png file"
    )
    parser.add_argument(
        "--force", action="store_true", help="replace an existing output file"
    )
    add_seed(parser)


def _write_png(out: Path, X, y) -> None:
    from smrt_keras.plot import image_grid, write_png

    images = np.asarray(X)
    if images.ndim not in (3, 4):
        raise ValueError(
            f"-o {str(out)!r}: PNG output needs image generators; these make "
            f"samples of shape {images.shape[1:]}. Use .npy or .csv."
        )
    rows = [images[y == label] for label in dict.fromkeys(y.tolist())]
    write_png(out, image_grid(rows, pad=2), scale=3)


def run(args: argparse.Namespace) -> int:
    from smrt_keras import Reconstructor, zoo
    from smrt_keras.cli.io import match_labels, write_table

    source, out = args.source, Path(args.output)
    if out.suffix.lower() not in (".npy", ".csv", ".png"):
        raise ValueError(f"-o {str(out)!r}: use a .npy, .csv or .png file.")
    if out.exists() and not args.force:
        raise FileExistsError(
            f"output {str(out)!r} exists; pass --force to replace it."
        )
    smrt = (
        zoo.load(source[4:])
        if source.startswith("zoo:")
        else Reconstructor.load(source)
    )
    label = None if args.label is None else match_labels(args.label, smrt.generators_)
    X, y = smrt.generate(args.n, label=label, random_state=args.seed)
    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".npy":
        # A DataFrame's mixed columns would make an object array, which
        # np.load refuses without allow_pickle; tables are saved as float64.
        values = X.to_numpy(dtype="float64") if hasattr(X, "to_numpy") else X
        np.save(out, np.asarray(values))
    elif suffix == ".csv":
        # The label column keeps the name it had at fit (kept in the save).
        target = smrt.input_spec_.target
        write_table(out, X, y, "label" if target is None else str(target))
    else:
        _write_png(out, X, y)
    print(f"Wrote {len(y)} samples ({args.n} per label) to {out}.")
    return 0
