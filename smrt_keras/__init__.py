"""smrt-keras: Synthetic Minority Reconstruction Technique with Keras 3 VAEs.

Fit one variational autoencoder per minority class and sample new observations
from what it learned, instead of interpolating between neighbours as SMOTE does.

>>> from smrt_keras import Reconstructor
>>> X_res, y_res = Reconstructor(random_state=0).fit_resample(X, y)  # doctest: +SKIP

Public names are imported lazily, so ``import smrt_keras`` (and the command
line's ``--help``) stay fast; Keras loads on first use of a model.
"""

from __future__ import annotations

import importlib
import os
import sys

from smrt_keras._version import __version__

#: Whether the user set TensorFlow's log level (read by models.quiet). Taken
#: now, before Keras loads: JAX, which Keras imports, sets it to "1" itself.
_USER_TF_LOG_LEVEL = "TF_CPP_MIN_LOG_LEVEL" in os.environ and not (
    "jax" in sys.modules and os.environ["TF_CPP_MIN_LOG_LEVEL"] == "1"
)

_EXPORTS = {
    "Reconstructor": "smrt_keras.reconstructor",
    "VAE": "smrt_keras.models",
    "TrainingDivergedError": "smrt_keras.models",
    "ClassGenerator": "smrt_keras.generator",
    "InvalidSaveError": "smrt_keras.persistence",
    "OutputTooLargeError": "smrt_keras.generator",
    "quality_report": "smrt_keras.report",
    "QualityReport": "smrt_keras.report",
    "datasets": "smrt_keras.datasets",
    "evaluation": "smrt_keras.evaluation",
    "zoo": "smrt_keras.zoo",
}
_MODULES = {"datasets", "evaluation", "zoo"}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'smrt_keras' has no attribute {name!r}")
    module = importlib.import_module(_EXPORTS[name])
    value = module if name in _MODULES else getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
