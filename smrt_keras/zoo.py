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

import re

from smrt_keras.presets import PRESETS, check_name, path

#: Internal issue references (a space, then "(#" and digits and ")"), kept
#: out of what users read.
_ISSUE_REF = re.compile(r" ?\(#\d+\)")

__all__ = ["PRESETS", "info", "list", "load", "load_backbone", "path", "preset"]


def list() -> dict[str, str]:  # noqa: A001 - the zoo's natural verb
    """Names of the pretrained sets with a one-line description each."""
    return {name: meta["description"] for name, meta in PRESETS.items()}


def preset(name: str) -> dict:
    """A copy of set ``name``'s metadata (see :data:`PRESETS`)."""
    check_name(name)
    meta = dict(PRESETS[name])
    meta["training"] = dict(meta["training"])
    return meta


def info(name: str) -> str:
    """The model card of set ``name`` (markdown)."""
    card = (path(name) / "MODEL_CARD.md").read_text(encoding="utf-8")
    return _ISSUE_REF.sub("", card)


def load(name: str):
    """Load set ``name``: a fitted :class:`~smrt_keras.Reconstructor` for a
    set of generators, a :class:`~smrt_keras.backbone.Backbone` for a
    backbone (``PRESETS[name]["kind"]``)."""
    check_name(name)
    if PRESETS[name].get("kind") == "backbone":
        return load_backbone(name)
    from smrt_keras.reconstructor import Reconstructor

    return Reconstructor.load(path(name))


def load_backbone(name: str):
    """Load the pretrained :class:`~smrt_keras.backbone.Backbone` ``name``.

    Fine-tune from it with ``Reconstructor(backbone=name)``; see the set's
    model card (:func:`info`) for what it was trained on.
    """
    from smrt_keras.backbone import Backbone

    return Backbone.load(path(name))
