"""Pretrained generators that load in one call.

>>> from smrt_keras import zoo
>>> zoo.list()  # doctest: +SKIP
{'mnist': 'One convolutional VAE per MNIST digit 0-9 (28x28 grayscale) ...'}
>>> smrt = zoo.load("mnist")  # doctest: +SKIP
>>> X, y = smrt.generate(10)  # ten of every digit  # doctest: +SKIP

The saved directories ship inside the installed package (the repository's
``zoo/`` folder is installed as ``smrt_keras.zoo_data``), so loading needs no
network.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

_SETS = {
    "mnist": "One convolutional VAE per MNIST digit 0-9 (28x28 grayscale, uint8), "
    "trained on the MNIST training set; see zoo/mnist/MODEL_CARD.md.",
}


def list() -> dict[str, str]:  # noqa: A001 - the zoo's natural verb
    """Names of the pretrained sets with a one-line description each."""
    return dict(_SETS)


def path(name: str) -> Path:
    """Directory of the saved set ``name``.

    Raises
    ------
    ValueError
        For an unknown name.
    FileNotFoundError
        If the set is known but not present in this installation.
    """
    if name not in _SETS:
        raise ValueError(f"unknown zoo set name={name!r}; available: {sorted(_SETS)}.")
    root = Path(str(importlib.resources.files("smrt_keras.zoo_data")))
    directory = root / name
    if not (directory / "manifest.json").is_file():
        raise FileNotFoundError(
            f"zoo set {name!r} is not present at {str(directory)!r}; rebuild it with "
            f"`python zoo/train_{name}.py`."
        )
    return directory


def info(name: str) -> str:
    """The model card of set ``name`` (markdown)."""
    return (path(name) / "MODEL_CARD.md").read_text(encoding="utf-8")


def load(name: str):
    """Load set ``name`` as a fitted :class:`~smrt_keras.Reconstructor`."""
    from smrt_keras.reconstructor import Reconstructor

    return Reconstructor.load(path(name))
