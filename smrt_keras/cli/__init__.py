"""The ``smrt-keras`` command line: a parser, one module per command, file I/O
(:mod:`smrt_keras.cli.io`) and the demo."""

from __future__ import annotations

import sys

from smrt_keras.cli.parser import build_parser

__all__ = ["build_parser", "main"]


def _load_backend() -> None:
    """Start Keras before the command runs, so that its one-time start-up is
    not counted in the command's progress; :mod:`smrt_keras.models.quiet`
    keeps the backend's start-up lines out of the command's output."""
    from smrt_keras.models.io import warm_up_backend

    warm_up_backend()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``smrt-keras`` console script."""
    from sklearn.exceptions import NotFittedError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        if args.needs_backend:
            _load_backend()
        return args.func(args)
    except (ValueError, TypeError, OSError, ImportError, NotFittedError) as exc:
        # Plain one-line errors at the command line; tracebacks are for bugs.
        print(f"{getattr(args, 'prog', parser.prog)}: error: {exc}", file=sys.stderr)
        return 2
