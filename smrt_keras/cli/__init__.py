"""The ``smrt-keras`` command line: a parser, one module per command, file I/O
(:mod:`smrt_keras.cli.io`) and the demo."""

from __future__ import annotations

import os
import sys

from smrt_keras.cli.parser import build_parser

__all__ = ["build_parser", "main"]


def _load_backend_quietly() -> None:
    """Import Keras with the C++ start-up notices of its backend silenced.

    TensorFlow's native libraries write several lines to file descriptor 2 on
    import and first use (CPU features, missing CUDA) that no environment
    variable turns off; at the command line they would bury our own one-line
    errors. Python exceptions are unaffected: they are raised after stderr is
    restored.
    """
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        from smrt_keras.models.io import warm_up_backend

        warm_up_backend()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``smrt-keras`` console script."""
    from sklearn.exceptions import NotFittedError

    # Keep TensorFlow's C++ start-up chatter out of the command's output.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        if args.needs_backend:
            _load_backend_quietly()
        return args.func(args)
    except (ValueError, TypeError, OSError, ImportError, NotFittedError) as exc:
        # Plain one-line errors at the command line; tracebacks are for bugs.
        print(f"{getattr(args, 'prog', parser.prog)}: error: {exc}", file=sys.stderr)
        return 2
