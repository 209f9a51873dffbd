"""Keras code of smrt_keras: the VAE, its layers, the trainer, and the numpy
latent draws they share (:mod:`smrt_keras.models.latent`).

This is the only package that imports Keras; the facade and persistence code
talk to these classes through numpy. Names are imported lazily, so that
``smrt_keras.models.latent`` loads without Keras.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "VAE": "smrt_keras.models.vae",
    "DivergenceGuard": "smrt_keras.models.keras_fit",
    "TrainingDivergedError": "smrt_keras.models.divergence",
    "TrainedModel": "smrt_keras.models.trained",
    "Sampling": "smrt_keras.models.layers",
    "DenseEncoder": "smrt_keras.models.layers",
    "DenseDecoder": "smrt_keras.models.layers",
    "ConvEncoder": "smrt_keras.models.layers",
    "ConvDecoder": "smrt_keras.models.layers",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'smrt_keras.models' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
