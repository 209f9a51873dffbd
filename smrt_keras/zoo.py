"""Pretrained generators that load in one call.

>>> from smrt_keras import zoo
>>> zoo.list()  # doctest: +SKIP
{'mnist': 'One convolutional VAE per MNIST digit 0-9 (28x28 grayscale) ...'}
>>> smrt = zoo.load("mnist")  # doctest: +SKIP
>>> X, y = smrt.generate(10)  # ten of every digit  # doctest: +SKIP

The zoo is a registry of presets (:data:`PRESETS`), as in keras-hub's
``*_presets.py``: each names a saved directory and the metadata its training
script and model card are made from. The saved directories ship inside the
installed package (the repository's ``zoo/`` folder is installed as
``smrt_keras.zoo_data``; its training scripts in ``zoo/scripts/`` are not), so
loading needs no network.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

#: The pretrained sets. ``training`` holds the Reconstructor arguments the
#: set was trained with; the training script reads them from here, and the
#: model card reports what the saved set itself records.
PRESETS: dict[str, dict] = {
    "mnist": {
        "description": "One convolutional VAE per MNIST digit 0-9 (28x28 "
        "grayscale, uint8), trained on the MNIST training set; see "
        "zoo/mnist/MODEL_CARD.md.",
        "directory": "mnist",
        "data": "MNIST training set",
        "script": "zoo/scripts/train_mnist.py",
        "results": "benchmarks/results/zoo_mnist.json",
        "modes": ("posterior", "prior", "interpolate"),
        "training": {
            "classes": "all",
            "epochs": 60,
            "batch_size": 128,
            "patience": 5,
            "validation_fraction": 0.1,
            "random_state": 0,
            "generation": "posterior",
            "filters": (32, 64),
            "strides": (2, 2),
            "hidden_units": (),
            "latent_dim": 16,
        },
    },
}


def list() -> dict[str, str]:  # noqa: A001 - the zoo's natural verb
    """Names of the pretrained sets with a one-line description each."""
    return {name: meta["description"] for name, meta in PRESETS.items()}


def preset(name: str) -> dict:
    """A copy of set ``name``'s metadata (see :data:`PRESETS`)."""
    _check_name(name)
    meta = dict(PRESETS[name])
    meta["training"] = dict(meta["training"])
    return meta


def _check_name(name: str) -> None:
    if name not in PRESETS:
        raise ValueError(
            f"unknown zoo set name={name!r}; available: {sorted(PRESETS)}."
        )


def path(name: str) -> Path:
    """Directory of the saved set ``name``.

    Raises
    ------
    ValueError
        For an unknown name.
    FileNotFoundError
        If the set is known but not present in this installation.
    """
    _check_name(name)
    root = Path(str(importlib.resources.files("smrt_keras.zoo_data")))
    directory = root / PRESETS[name]["directory"]
    if not (directory / "manifest.json").is_file():
        raise FileNotFoundError(
            f"zoo set {name!r} is not present at {str(directory)!r}; rebuild it with "
            f"`python {PRESETS[name]['script']}`."
        )
    return directory


def info(name: str) -> str:
    """The model card of set ``name`` (markdown)."""
    return (path(name) / "MODEL_CARD.md").read_text(encoding="utf-8")


def load(name: str):
    """Load set ``name`` as a fitted :class:`~smrt_keras.Reconstructor`."""
    from smrt_keras.reconstructor import Reconstructor

    return Reconstructor.load(path(name))
