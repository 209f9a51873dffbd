"""The ``smrt-keras`` command line: a parser, one module per command, shared
options (:mod:`smrt_keras.cli.options`), file I/O (:mod:`smrt_keras.cli.io`),
the model options (:mod:`smrt_keras.cli.model`) and the demo.

Every command checks its input and outputs before it starts the backend, so a
missing file or a bad option is answered without loading Keras.
"""

from __future__ import annotations

import sys

from smrt_keras.cli.parser import build_parser

__all__ = ["build_parser", "main"]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``smrt-keras`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    prog = getattr(args, "prog", parser.prog)
    try:
        return args.func(args)
    # scikit-learn's NotFittedError is a ValueError: caught without importing
    # scikit-learn, whose import alone outlasts an early error's answer.
    # MemoryError: generate's OutputTooLargeError among them.
    except (ValueError, TypeError, OSError, ImportError, MemoryError) as exc:
        # Plain one-line errors at the command line; tracebacks are for bugs.
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # outputs are written atomically: none is partial
        print(f"{prog}: interrupted; no output was written.", file=sys.stderr)
        return 130
