"""The zoo's registry of presets: names, metadata and where each lives.

A helper below the chain (no Keras, nothing above it), so that the facade can
resolve ``backbone="mnist-backbone"`` and the zoo module (an entry point) can
load whole sets. Each preset names a saved directory and the metadata its
training script and model card are made from, as in keras-hub's
``*_presets.py``. ``kind`` is ``"generators"`` (a saved Reconstructor) or
``"backbone"`` (a saved :class:`~smrt_keras.backbone.Backbone`).
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

#: The pretrained sets. ``training`` holds the Reconstructor arguments the
#: set was trained with; the training script reads them from here, and the
#: model card reports what the saved set itself records.
PRESETS: dict[str, dict] = {
    "mnist": {
        "kind": "generators",
        "description": "One convolutional VAE per MNIST digit 0-9 (28x28 "
        "grayscale, uint8), trained on the MNIST training set, and a CNN that "
        "filters what they generate; see zoo/mnist/MODEL_CARD.md.",
        "directory": "mnist",
        "data": "MNIST training set",
        "script": "zoo/scripts/train_mnist.py",
        "results": "benchmarks/results/zoo_mnist.json",
        "modes": ("posterior", "prior", "interpolate", "kde"),
        # Reconstructor.fit_filter's seed: the judge that scores the card is
        # seeded with random_state (0), so the filter gets another seed.
        "filter_seed": 1,
        "training": {
            "classes": "all",
            "backbone": None,  # one VAE per digit (images default to conditional)
            "epochs": 60,
            "batch_size": 128,
            "patience": 5,
            "validation_fraction": 0.1,
            "random_state": 0,
            "generation": "kde",
            "filters": (32, 64),
            "strides": (2, 2),
            "hidden_units": (),
            "latent_dim": 16,
        },
    },
    "mnist-backbone": {
        "kind": "backbone",
        "description": "One convolutional VAE fitted on all ten MNIST digits "
        "(28x28 grayscale, uint8): a warm start that a few dozen images of a "
        "class fine-tune from; see zoo/mnist-backbone/MODEL_CARD.md.",
        "directory": "mnist-backbone",
        "data": "MNIST training set",
        "script": "zoo/scripts/train_backbone.py",
        "results": "benchmarks/results/zoo_mnist-backbone.json",
        "training": {
            "backbone_epochs": 10,
            "batch_size": 128,
            "patience": 5,
            "validation_fraction": 0.1,
            "random_state": 0,
        },
    },
    "digits-backbone": {
        "kind": "backbone",
        "description": "One convolutional VAE fitted on all 1,797 of "
        "scikit-learn's 8x8 digits (pixels 0-16); see "
        "zoo/digits-backbone/MODEL_CARD.md.",
        "directory": "digits-backbone",
        "data": "scikit-learn's load_digits (all 1,797 images)",
        "script": "zoo/scripts/train_backbone.py",
        "results": "benchmarks/results/zoo_digits-backbone.json",
        "training": {
            "backbone_epochs": 100,
            "patience": 20,
            "validation_fraction": 0.1,
            "random_state": 0,
        },
    },
}


def check_name(name: str) -> None:
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
    check_name(name)
    root = Path(str(importlib.resources.files("smrt_keras.zoo_data")))
    directory = root / PRESETS[name]["directory"]
    if not (directory / "manifest.json").is_file():
        raise FileNotFoundError(
            f"zoo set {name!r} is not present at {str(directory)!r}; rebuild it with "
            f"`python {PRESETS[name]['script']}`."
        )
    return directory


def backbone_directory(name: str | Path) -> Path:
    """The directory that ``backbone=name`` (a zoo backbone's name or a saved
    directory) loads from, checked without loading anything, so that the
    command line answers a wrong name before any backend starts.

    Raises
    ------
    ValueError
        For a zoo set of generators, or a name that is neither a zoo backbone
        nor a directory.
    FileNotFoundError
        If the zoo backbone is known but not present in this installation.
    """
    known = sorted(n for n, meta in PRESETS.items() if meta.get("kind") == "backbone")
    if isinstance(name, str) and name in PRESETS:
        if PRESETS[name].get("kind") != "backbone":
            raise ValueError(
                f"backbone={name!r} is a zoo set of generators, not a backbone; "
                f"the zoo's backbones are {known}."
            )
        return path(name)
    if not str(name).strip() or not Path(name).is_dir():
        raise ValueError(
            f"backbone={str(name)!r} is neither 'fit', 'conditional', a zoo "
            f"backbone {known} nor a saved backbone directory."
        )
    return Path(name)
