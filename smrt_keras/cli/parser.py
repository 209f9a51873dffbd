"""The ``smrt-keras`` argument parser: shared options, one subparser per command."""

from __future__ import annotations

import argparse

from smrt_keras.settings import GENERATION_MODES


class _Parser(argparse.ArgumentParser):
    """argparse with two-line errors: the problem, then where to get help."""

    def error(self, message):
        self.exit(
            2,
            f"{self.prog}: error: {message}\nRun '{self.prog} --help' for usage and "
            "an example.\n",
        )


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
    parser.add_argument(
        "--backbone",
        default=None,
        help="fine-tune every class from a shared VAE: 'fit' (fitted on the "
        "input first), a zoo backbone name (e.g. mnist-backbone) or a saved "
        "backbone directory; or 'conditional': one conditional VAE on every "
        "class, sliced per class (default: none, each class from scratch)",
    )
    parser.add_argument(
        "--backbone-epochs",
        type=positive_int,
        default=30,
        help="epochs of the shared fit with --backbone fit or conditional "
        "(default: 30)",
    )
    parser.add_argument(
        "--fine-tune-epochs",
        type=positive_int,
        default=None,
        help="epochs of each class's fine-tuning from --backbone (default: "
        "--epochs; unused without --backbone)",
    )
    parser.add_argument(
        "--categorical",
        metavar="COLUMNS",
        default=None,
        help="comma-separated columns to model as categories besides the text "
        "ones (e.g. numeric codes: --categorical zip,plan_id)",
    )
    add_seed(parser)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")


def subparser(sub, name, help_, epilog, func, needs_backend: bool = True):
    """Add command ``name`` running ``func(args)``; ``needs_backend`` loads
    Keras (quietly) before it runs."""
    parser = sub.add_parser(
        name,
        help=help_,
        description=help_[0].upper() + help_[1:] + ".",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # ``prog`` prefixes run errors as argparse prefixes parse errors.
    parser.set_defaults(func=func, needs_backend=needs_backend, prog=parser.prog)
    return parser


def _version() -> str:
    from smrt_keras._version import __version__

    return __version__


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: ``demo``, ``balance``, ``fit``, ``generate``, ``zoo``."""
    from smrt_keras.cli import balance, demo, fit, generate, zoo

    parser = _Parser(
        prog="smrt-keras",
        description="Balance imbalanced data with per-class VAEs (SMRT).",
        epilog="example:\n  smrt-keras balance data.csv --target label -o "
        "balanced.csv\n\nRun 'smrt-keras COMMAND --help' for each command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in (demo, balance, fit, generate, zoo):
        command.add(sub)
    return parser
