"""What each :class:`~smrt_keras.Reconstructor` parameter accepts.

A table in the manner of scikit-learn's ``_parameter_constraints``, checked by
:func:`smrt_keras.params.check_params`, which names the parameter and the
value it refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from smrt_keras.backbone import Backbone
from smrt_keras.params import (
    MAPPING,
    Bool,
    Float,
    InstanceOf,
    Int,
    NonZeroInt,
    Options,
    PositiveInts,
)
from smrt_keras.settings import ENCODERS, GENERATION_MODES, LIKELIHOODS

_AUTO = Options("auto")
_NONE = Options(None)

#: ``sampling_strategy`` and ``classes`` depend on ``y`` and are checked in
#: ``fit``; ``backbone``'s string forms (``"fit"``, a zoo name, a path) when
#: it is resolved.
RECONSTRUCTOR_CONSTRAINTS = {
    "encoder": [Options(*ENCODERS)],
    "likelihood": [Options(*LIKELIHOODS)],
    "generation": [Options("auto", *GENERATION_MODES)],
    "augment": [_AUTO, Bool()],
    "output_noise": [_AUTO, Bool()],
    "output_augment": [Bool()],
    "epochs": [Int(1)],
    "batch_size": [Int(1)],
    "kl_warmup_epochs": [Int(0)],
    "latent_dim": [Int(1), _NONE],
    "patience": [Int(0), _NONE],
    "learning_rate": [Float(0.0, closed="neither")],
    "temperature": [Float(0.0, closed="neither")],
    "beta": [_AUTO, Float(0.0)],
    "validation_fraction": [Float(0.0, 1.0, closed="left")],
    "verbose": [Int(0)],
    "random_state": [
        Int(0),
        InstanceOf(np.random.RandomState, "a RandomState"),
        _NONE,
    ],
    "generators": [InstanceOf(Mapping, "a dict {label: generator}"), _NONE],
    "vae_params": [MAPPING, _NONE],
    "hidden_units": [PositiveInts(), _NONE],
    "filters": [PositiveInts(), _NONE],
    "strides": [PositiveInts(), _NONE],
    "backbone": [
        InstanceOf((str, Path), "'fit', 'conditional', a zoo name or a path"),
        InstanceOf(Backbone, "a Backbone"),
        _NONE,
    ],
    "backbone_epochs": [Int(1)],
    "fine_tune_epochs": [Int(1), _NONE],
    "n_jobs": [NonZeroInt(), _NONE],
}
