"""``smrt-keras zoo list`` and ``smrt-keras zoo info``."""

from __future__ import annotations

import argparse

from smrt_keras.cli.options import subparser


def add(sub) -> None:
    """Register ``zoo`` and its two subcommands."""
    parser = sub.add_parser(
        "zoo",
        help="list and describe pretrained sets",
        description="List and describe pretrained sets.",
    )
    zoo_sub = parser.add_subparsers(
        dest="zoo_command", metavar="ZOO_COMMAND", required=True
    )
    subparser(
        zoo_sub,
        "list",
        "list the pretrained sets",
        "example:\n  smrt-keras zoo list",
        run_list,
    )
    info = subparser(
        zoo_sub,
        "info",
        "show a pretrained set's model card summary",
        "example:\n  smrt-keras zoo info mnist",
        run_info,
    )
    info.add_argument("name", help="a name from 'smrt-keras zoo list'")


def run_list(args: argparse.Namespace) -> int:
    from smrt_keras import zoo

    listing = zoo.list()
    width = max(map(len, listing), default=0)
    for name, text in listing.items():
        print(f"{name:<{width}}  {text}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    from smrt_keras import zoo

    card = zoo.info(args.name)
    # The summary: everything before the per-digit tables, plus the headline
    # line of each table.
    head = card.split("## Quality per digit")[0].rstrip()
    print(head)
    print()
    print(f"Saved at {zoo.path(args.name)}. Per-mode quality:")
    mode = None
    for line in card.splitlines():
        if line.startswith("### "):
            mode = line[4:]
        elif line.startswith("Lowest recognisability") and mode:
            print(f"  {mode}: {line}")
    return 0
