"""Argparse helpers that several commands share: option types, the model
options of ``balance`` and ``fit``, and the subparser every command uses.

Commands import this module and :mod:`smrt_keras.cli.parser` imports the
commands, so no command needs the parser (and nothing imports in a circle).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from smrt_keras.settings import GENERATION_MODES


def positive_int(text: str) -> int:
    """argparse type: an int >= 1, with a message naming the text."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer, got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def add_epochs(parser: argparse.ArgumentParser) -> None:
    """``--epochs``, the same for every command that trains."""
    parser.add_argument(
        "--epochs",
        type=positive_int,
        default=200,
        help="maximum epochs per class (default: 200)",
    )


def add_seed(parser: argparse.ArgumentParser) -> None:
    """``--seed``, the same for every command that draws random numbers."""
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """Input, target, output and SMRT settings of ``balance`` and ``fit``."""
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
    add_epochs(parser)
    parser.add_argument(
        "--generation",
        default="auto",
        choices=["auto", *GENERATION_MODES],
        help="how samples are drawn (default: auto, kde-away for images, prior for "
        "tables)",
    )
    _add_backbone_options(parser)
    parser.add_argument(
        "--categorical",
        metavar="COLUMNS",
        default=None,
        help="comma-separated columns to model as categories besides the text "
        "ones (e.g. numeric codes: --categorical zip,plan_id)",
    )
    add_seed(parser)
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing on success"
    )


def _add_backbone_options(parser: argparse.ArgumentParser) -> None:
    """``--backbone`` and the epochs of the shared fit and the fine-tuning."""
    parser.add_argument(
        "--backbone",
        default="auto",
        type=lambda v: None if v == "none" else v,
        help="the model the classes come from: 'auto' (one conditional VAE for "
        "images of 2+ classes, else 'none'), 'none' (each class from scratch), "
        "'conditional', or a shared VAE every class fine-tunes from: 'fit' "
        "(fitted on the input first), a zoo backbone name (e.g. mnist-backbone) "
        "or a saved backbone directory (default: auto)",
    )
    parser.add_argument(
        "--backbone-epochs",
        type=positive_int,
        default=12,
        help="epochs of the shared fit with --backbone fit or conditional "
        "(default: 12)",
    )
    parser.add_argument(
        "--fine-tune-epochs",
        type=positive_int,
        default=None,
        help="epochs of each class's fine-tuning from --backbone (default: "
        "--epochs; unused without --backbone)",
    )


def subparser(
    sub, name: str, help_: str, epilog: str, func: Callable[[argparse.Namespace], int]
) -> argparse.ArgumentParser:
    """Add command ``name`` running ``func(args)``.

    ``func`` checks its input and outputs first and starts the backend itself
    (:func:`smrt_keras.cli.model.start_backend`) only when a model is needed,
    so that a bad file or option is answered before Keras loads.
    """
    parser = sub.add_parser(
        name,
        help=help_,
        description=help_[0].upper() + help_[1:] + ".",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # ``prog`` prefixes run errors as argparse prefixes parse errors.
    parser.set_defaults(func=func, prog=parser.prog)
    return parser
