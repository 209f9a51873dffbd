"""``smrt-keras generate``: draw samples from saved generators or a zoo set."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from smrt_keras.cli.io import (
    FORMATS,
    check_output,
    check_writable,
    match_labels,
    text_columns,
    write_table,
)
from smrt_keras.cli.model import check_source, load_source
from smrt_keras.cli.options import add_seed, positive_int, subparser


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
        "-o",
        "--output",
        required=True,
        help="a .csv, .parquet or .npz file (features and labels), .npy "
        "(features of arrays and numeric tables) or .png (images)",
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


OUTPUTS = (".csv", ".parquet", ".npz", ".npy", ".png")


def _write_npy(out: Path, X) -> None:
    if hasattr(X, "dtypes"):
        text = text_columns(X)
        if text:
            raise ValueError(
                f"-o {str(out)!r}: a .npy file holds one numeric array, but the "
                f"table has text or category columns {text}; write .csv or .parquet."
            )
        X = X.to_numpy(dtype="float64")
    np.save(out, np.asarray(X))


def _check_output(out: Path, force: bool) -> str:
    """Refuse, before any model loads, an output that could not be written;
    return its suffix."""
    suffix = out.suffix.lower()
    if suffix not in OUTPUTS:
        raise ValueError(f"-o {str(out)!r}: use one of {', '.join(OUTPUTS)}.")
    if out.exists() and not force:
        raise FileExistsError(
            f"output {str(out)!r} exists; pass --force to replace it."
        )
    check_writable(out)
    if suffix in FORMATS:
        check_output(out, None, force=True)  # Parquet without pyarrow
    return suffix


def run(args: argparse.Namespace) -> int:
    """Check the output and source, then start Keras, load and generate."""
    source, out = args.source, Path(args.output)
    suffix = _check_output(out, args.force)
    check_source(source)
    smrt = load_source(source)
    label = None if args.label is None else match_labels(args.label, smrt.generators_)
    X, y = smrt.generate(args.n, label=label, random_state=args.seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".npy":  # features only, for arrays and numeric tables
        _write_npy(out, X)
    elif suffix == ".png":
        _write_png(out, X, y)
    else:
        check_output(out, X, force=True)  # NPZ of text columns
        # The label column keeps the name it had at fit (kept in the save).
        target = smrt.input_spec_.target
        write_table(out, X, y, "label" if target is None else str(target))
    print(f"Wrote {len(y)} samples ({args.n} per label) to {out}.")
    return 0
