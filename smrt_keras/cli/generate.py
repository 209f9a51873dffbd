"""``smrt-keras generate``: draw samples from saved generators or a zoo set."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from smrt_keras.cli.io import (
    FORMATS,
    check_output,
    check_writable,
    match_labels,
    text_columns,
)
from smrt_keras.cli.model import check_source, load_source
from smrt_keras.cli.options import add_seed, positive_int, subparser
from smrt_keras.cli.stream import STREAM_BATCH, atomic_path, label_array, write_batches


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
        "-n",
        type=positive_int,
        required=True,
        help="samples per label: without --label, every label gets N (10 x N "
        "for the zoo's digits)",
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
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing on success"
    )


def _write_png(out: Path, X, y) -> None:
    from smrt_keras.plot import image_grid, write_png

    images = np.asarray(X)
    if images.ndim not in (3, 4):
        raise ValueError(
            f"-o {str(out)!r}: PNG output needs image generators; these make "
            f"samples of shape {images.shape[1:]}. Use .npy or .csv."
        )
    rows = [images[y == label] for label in dict.fromkeys(y.tolist())]
    with atomic_path(out) as tmp:
        write_png(tmp, image_grid(rows, pad=2), scale=3)


OUTPUTS = (".csv", ".parquet", ".npz", ".npy", ".png")


def _check_columns(out: Path, suffix: str, smrt, label) -> None:
    """Refuse, before drawing, a ``.npy`` or ``.npz`` of a table with text or
    category columns (judged on one probe sample, drawn on its own stream)."""
    if suffix not in (".npy", ".npz") or smrt.input_spec_.kind != "dataframe":
        return
    probe, _ = smrt.generate(1, label=label, random_state=0)
    if suffix == ".npz":
        check_output(out, probe, force=True)
        return
    text = text_columns(probe)
    if text:
        raise ValueError(
            f"-o {str(out)!r}: a .npy file holds one numeric array, but the "
            f"table has text or category columns {text}; write .csv or .parquet."
        )


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


def _stream(args, smrt, out: Path, suffix: str, labels: list) -> int:
    """Draw and write batch by batch; return the number of rows written."""
    rows = args.n * len(labels)
    label = labels[0] if args.label is not None else None
    if suffix == ".png":  # one grid of images, drawn whole
        X, y = smrt.generate(args.n, label=label, random_state=args.seed)
        _write_png(out, X, y)
        return len(y)
    batches = smrt.iter_generate(
        args.n, label=label, batch_size=STREAM_BATCH, random_state=args.seed
    )
    target = smrt.input_spec_.target  # the label column's name at fit
    write_batches(
        out,
        batches,
        rows,
        "label" if target is None else str(target),
        label_dtype=label_array(labels).dtype,
    )
    return rows


def run(args: argparse.Namespace) -> int:
    """Check the output and source, then start Keras, load, and stream the
    samples to the output."""
    source, out = args.source, Path(args.output)
    suffix = _check_output(out, args.force)
    check_source(source)
    smrt = load_source(source)
    label = None if args.label is None else match_labels(args.label, smrt.generators_)
    labels = list(smrt.generators_) if label is None else [label]
    _check_columns(out, suffix, smrt, labels[0])
    if not args.quiet and label is None:
        print(
            f"-n {args.n} is per label: {args.n * len(labels)} samples for "
            f"{len(labels)} label{'s' if len(labels) != 1 else ''}.",
            file=sys.stderr,
        )
    rows = _stream(args, smrt, out, suffix, labels)
    if not args.quiet:
        print(f"Wrote {rows} samples ({args.n} per label) to {out}.")
    return 0
