"""Keras code of smrt_keras: the VAE, its layers and its training helpers.

This is the only package that imports Keras; the facade and persistence code
talk to these classes through numpy.
"""

from smrt_keras.models.layers import (
    ConvDecoder,
    ConvEncoder,
    DenseDecoder,
    DenseEncoder,
    Sampling,
)
from smrt_keras.models.vae import VAE, DivergenceGuard, TrainingDivergedError

__all__ = [
    "VAE",
    "Sampling",
    "DenseEncoder",
    "DenseDecoder",
    "ConvEncoder",
    "ConvDecoder",
    "DivergenceGuard",
    "TrainingDivergedError",
]
