"""The Reconstructor that ``balance`` and ``fit`` describe, in two steps.

:func:`model_settings` checks every model option against the data without
loading Keras, so a bad option is answered at once; :func:`reconstructor_from`
starts the backend and builds the estimator from the checked settings.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from smrt_keras import presets
from smrt_keras.cli.io import match_labels, parse_strategy
from smrt_keras.settings import AUTO_BACKBONE, CONDITIONAL, FIT_BACKBONE
from smrt_keras.strategy import strategy_for


def start_backend() -> None:
    """Start Keras before a command's model work, so that its one-time
    start-up is not counted in the command's progress;
    :mod:`smrt_keras.models.quiet` keeps the backend's start-up lines out of
    the command's output."""
    from smrt_keras.models.io import warm_up_backend

    warm_up_backend()


def model_settings(args: argparse.Namespace, y, X=None) -> dict:
    """The Reconstructor's keyword arguments the model options describe,
    checked against data ``X`` (a DataFrame for CSV and Parquet input) and
    labels ``y`` before any backend starts."""
    strategy = parse_strategy(args.sampling_strategy)
    if isinstance(strategy, dict):
        strategy = match_labels(strategy, np.unique(np.asarray(y)))
    # In the order Reconstructor and its fit would refuse them.
    categorical = categorical_columns(args.categorical, X, args.target)
    check_strategy(strategy, y)
    check_backbone(args.backbone)
    return {
        "sampling_strategy": strategy,
        "epochs": args.epochs,
        "generation": args.generation,
        "random_state": args.seed,
        "verbose": 0 if args.quiet else 1,
        "classes": "all" if getattr(args, "all_classes", False) else None,
        "backbone": args.backbone,
        "backbone_epochs": args.backbone_epochs,
        "fine_tune_epochs": args.fine_tune_epochs,
        "categorical_features": categorical,
    }


def reconstructor_from(settings: dict):
    """Start the backend and return ``Reconstructor(**settings)``."""
    start_backend()
    from smrt_keras import Reconstructor

    return Reconstructor(**settings)


def check_strategy(strategy, y) -> None:
    """Refuse a sampling strategy that does not fit labels ``y``, with the
    message :meth:`Reconstructor.fit` would give after training started.

    Labels that are not one sortable 1-D array (one-vs-all rows, mixed or
    missing labels) are left to ``fit``, whose label check names the problem.
    """
    labels = np.asarray(y)
    if labels.ndim != 1:
        return
    try:
        np.unique(labels)
    except TypeError:
        return
    strategy_for(strategy, labels)


def check_backbone(backbone: str | None) -> None:
    """Refuse a ``--backbone`` that names neither a way to fit one, a zoo
    backbone present in this installation, nor a directory, with the
    messages the backbone's loader gives (:func:`presets.backbone_directory`)."""
    if backbone is None or backbone in (FIT_BACKBONE, CONDITIONAL, AUTO_BACKBONE):
        return
    presets.backbone_directory(backbone)


def categorical_columns(text: str | None, X, target: str = "") -> list | None:
    """``--categorical a,b``: the named feature columns (a table's text and
    category columns are categorical without being named)."""
    if not text:
        return None
    named = [c.strip() for c in text.split(",") if c.strip()]
    columns = list(getattr(X, "columns", []))
    for name in named:
        if name == target:
            raise ValueError(
                f"--categorical names {name!r}, the --target column; name feature "
                "columns only (the label is always a category)."
            )
        if name not in columns:
            raise ValueError(
                f"--categorical names column {name!r}, which the input does not "
                f"have; its feature columns are {columns}."
            )
    return named


def check_source(source: str) -> None:
    """Refuse, before any model loads, a ``zoo:NAME`` that names no set of
    generators here, or a saved directory that does not exist, is corrupt or
    holds a backbone (the messages of the loaders)."""
    if source.startswith("zoo:"):
        name = source[4:]
        presets.path(name)  # an unknown name, or a set not installed
        if presets.PRESETS[name].get("kind") == "backbone":
            raise ValueError(
                f"zoo:{name} is a backbone, which makes no samples itself; pass it "
                "to 'smrt-keras balance --backbone', or generate from a zoo set "
                f"of generators: {generator_sets()}."
            )
    elif not Path(source).is_dir():
        raise FileNotFoundError(f"No saved directory at {source!r}.")
    else:
        _check_saved(Path(source))


def _check_saved(directory: Path) -> None:
    """Refuse, before the backend starts, a saved directory whose manifest
    or files are missing, corrupt or tampered with, or that holds a backbone
    (the saved format's own checks, Keras-free)."""
    from smrt_keras import persistence

    formats = {
        persistence.FORMAT_NAME: persistence.FORMAT_VERSION,
        persistence.BACKBONE_FORMAT: persistence.BACKBONE_FORMAT_VERSION,
    }
    _, manifest = persistence.read_manifest(directory, formats)
    if manifest["format"] == persistence.BACKBONE_FORMAT:
        raise ValueError(
            f"{str(directory)!r} holds a backbone, which makes no samples itself; "
            "pass it to 'smrt-keras balance --backbone', or generate from a "
            "directory saved by 'smrt-keras fit'."
        )


def generator_sets() -> list[str]:
    """The zoo's sets of generators (those ``generate`` can draw from)."""
    return sorted(
        n for n, meta in presets.PRESETS.items() if meta.get("kind") != "backbone"
    )


def load_source(source: str):
    """Start the backend and load the generators of a checked ``source``
    (:func:`check_source`): a saved directory or ``zoo:NAME``."""
    start_backend()
    from smrt_keras import Reconstructor, zoo

    if source.startswith("zoo:"):
        return zoo.load(source[4:])
    return Reconstructor.load(source)
