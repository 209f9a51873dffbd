"""The ``smrt-keras`` argument parser: one subparser per command.

The parser imports the commands; the commands import only
:mod:`smrt_keras.cli.options` and their own helpers, never this module or the
package (``smrt_keras.cli``), so the command line imports in no circle.
"""

from __future__ import annotations

import argparse

# By full module path: ``from smrt_keras.cli import ...`` would import the
# package, whose ``__init__`` imports this module.
import smrt_keras.cli.balance as balance
import smrt_keras.cli.demo as demo
import smrt_keras.cli.fit as fit
import smrt_keras.cli.generate as generate
import smrt_keras.cli.report as report
import smrt_keras.cli.zoo as zoo

#: The commands, in the order ``smrt-keras --help`` lists them.
COMMANDS = (demo, balance, fit, generate, report, zoo)


class _Parser(argparse.ArgumentParser):
    """argparse with two-line errors: the problem, then where to get help."""

    def error(self, message):
        self.exit(
            2,
            f"{self.prog}: error: {message}\nRun '{self.prog} --help' for usage and "
            "an example.\n",
        )


def _version() -> str:
    from smrt_keras._version import __version__

    return __version__


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: ``demo``, ``balance``, ``fit``, ``generate``,
    ``report``, ``zoo``."""
    parser = _Parser(
        prog="smrt-keras",
        description="Balance imbalanced data with per-class VAEs (SMRT).",
        epilog="example:\n  smrt-keras balance data.csv --target label -o "
        "balanced.csv\n\nRun 'smrt-keras COMMAND --help' for each command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add(sub)
    return parser
