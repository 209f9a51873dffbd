"""A :class:`~smrt_keras.Reconstructor`'s settings: what each parameter
accepts, defined once, and the frozen settings a fit and a draw read.

The parameter table (in the manner of scikit-learn's
``_parameter_constraints``, checked by :func:`smrt_keras.params.check_params`,
which names the parameter and the value it refuses), the recipes, the
generators and the command line all read these tuples, so a new generation
mode or likelihood is added in one place. The facade checks its parameters
once per ``fit`` and hands the layers below a :class:`FitSettings`, never its
parameter dict.

This module imports only :mod:`smrt_keras.params`: the command line reads it
before any backend starts.

Examples
--------
>>> from smrt_keras import Reconstructor
>>> settings = FitSettings.from_params(Reconstructor(epochs=5).get_params())
>>> settings.epochs, settings.shared_fit().epochs  # a backbone's budget
(5, 30)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from smrt_keras.params import (
    MAPPING,
    MAX_SEED,
    Bool,
    Float,
    InstanceOf,
    Int,
    NonZeroInt,
    Options,
    PositiveInts,
)

#: How ``generate`` draws latent codes (see ``Reconstructor(generation=...)``).
GENERATION_MODES = (
    "prior", "posterior", "interpolate", "kde", "kde-away", "kde-toward", "gmm"
)  # fmt: skip

#: ``Reconstructor(output_noise=...)``: what is added to a decoded mean
#: (:mod:`smrt_keras.noise`; ``True`` is ``"independent"``, ``False`` ``"none"``).
NOISE_KINDS = ("independent", "residual", "covariance", "none")

#: Modes that steer kde by each member's nearest other-class code.
DIRECTED_MODES = ("kde-away", "kde-toward")

#: ``Reconstructor(encoder=...)``.
ENCODERS = ("auto", "dense", "conv")

#: ``Reconstructor(likelihood=...)`` (``"mixed"`` is chosen for mixed-type
#: tables, never named by the user).
LIKELIHOODS = ("auto", "bernoulli", "continuous_bernoulli", "gaussian")

#: ``Reconstructor(input_kind=...)``: how a 3-D or 4-D ``X`` is read. ``"auto"``
#: takes integer (or bool) arrays and floats within a pixel range
#: (:data:`PIXEL_RANGES`) as images, other floats as a table of
#: ``H * W [* C]`` features (see :func:`smrt_keras.validation.input_kind_of`).
INPUT_KINDS = ("auto", "image", "table")

#: The value ranges ``input_kind="auto"`` reads as pixels: [0, 1] and [0, 255].
PIXEL_RANGES = ((0.0, 1.0), (0.0, 255.0))

#: The parameters that decide how samples are drawn; they may change after fit.
GENERATION = ("generation", "temperature", "output_noise", "output_augment")

#: ``backbone`` strings with a meaning of their own (any other string is a zoo
#: name or a path): fit a backbone on ``X`` first, or one conditional VAE;
#: ``"auto"`` is the conditional VAE for images of two or more classes and
#: each class's own VAE otherwise (:func:`smrt_keras.backbone.source_for`).
FIT_BACKBONE, CONDITIONAL, AUTO_BACKBONE = "fit", "conditional", "auto"

#: The parameters that decide what ``fit_resample`` appends (a mix of
#: synthetic samples and augmented copies, :mod:`smrt_keras.resampling`);
#: like :data:`GENERATION` they may change after fit.
RESAMPLING = ("synthetic_fraction", "filter_samples")

#: Smallest minibatch of a model fitted on every class (a backbone or a
#: conditional VAE): it sees thousands of rows, and at 128 the conditional VAE
#: of the DeepSMOTE protocol fits in 202 s for 12 epochs against about 570 s
#: for 30 at 64 (benchmarks/results/ablation.md, "Shared-model budget").
SHARED_BATCH = 128

_AUTO = Options("auto")
_NONE = Options(None)

#: What each checked parameter accepts. ``sampling_strategy`` and ``classes``
#: depend on ``y`` and are checked in ``fit``; ``backbone``'s string forms
#: (``"fit"``, a zoo name, a path) when it is resolved, and its object form
#: (a ``Backbone``) by the facade, which adds that entry (``Backbone`` sits
#: above this module).
CONSTRAINTS = {
    "encoder": [Options(*ENCODERS)],
    "input_kind": [Options(*INPUT_KINDS)],
    "likelihood": [Options(*LIKELIHOODS)],
    "generation": [Options("auto", *GENERATION_MODES)],
    "augment": [_AUTO, Bool()],
    "output_noise": [_AUTO, Bool(), Options(*NOISE_KINDS)],
    "output_augment": [Bool()],
    "synthetic_fraction": [_AUTO, Float(0.0, 1.0, closed="both")],
    "filter_samples": [_AUTO, Bool()],
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
        Int(0, MAX_SEED),
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
        _NONE,
    ],
    "backbone_epochs": [Int(1)],
    "fine_tune_epochs": [Int(1), _NONE],
    "n_jobs": [NonZeroInt(), _NONE],
}


def constraints(backbone_type: type) -> dict:
    """:data:`CONSTRAINTS`, with ``backbone`` also accepting a
    ``backbone_type`` object (the facade's
    :class:`~smrt_keras.backbone.Backbone`, which sits above this module)."""
    path, none = CONSTRAINTS["backbone"]
    return {
        **CONSTRAINTS,
        "backbone": [path, InstanceOf(backbone_type, "a Backbone"), none],
    }


@dataclass(frozen=True)
class GenerationSettings:
    """How samples are drawn: the estimator's generation parameters, each
    possibly ``"auto"`` (resolved per class by its recipe)."""

    generation: str | None
    temperature: float
    output_noise: str | bool
    output_augment: bool

    @classmethod
    def from_params(cls, params: Mapping) -> GenerationSettings:
        return cls(**{name: params[name] for name in GENERATION})


#: The generation settings of saves older than the generation parameters
#: (format 1 of smrt-keras 0.1.0 holds some of them): what 0.1.0 drew by.
LEGACY_GENERATION = GenerationSettings("auto", 1.0, "auto", False)


@dataclass(frozen=True)
class FitSettings:
    """Everything a fit reads of the estimator, checked and frozen.

    Built once per ``fit`` by :meth:`from_params`; the recipe, the sources
    and the fit loop read these fields instead of a parameter dict. The
    budgets of the shared fit and of fine-tuning are derived here, in one
    place (:meth:`shared_fit`, :meth:`fine_tune`).
    """

    encoder: str
    likelihood: str
    hidden_units: tuple[int, ...] | None
    filters: tuple[int, ...] | None
    strides: tuple[int, ...] | None
    latent_dim: int | None
    vae_params: Mapping[str, Any] | None
    beta: float | str
    kl_warmup_epochs: int
    epochs: int
    batch_size: int
    learning_rate: float
    validation_fraction: float
    patience: int | None
    augment: str | bool
    backbone_epochs: int
    fine_tune_epochs: int | None
    verbose: int
    n_jobs: int | None
    generation: GenerationSettings

    @classmethod
    def from_params(cls, params: Mapping) -> FitSettings:
        """The settings of an estimator's (checked) ``get_params()``."""
        names = [f.name for f in fields(cls) if f.name != "generation"]
        return cls(
            **{name: params[name] for name in names},
            generation=GenerationSettings.from_params(params),
        )

    def shared_fit(self) -> FitSettings:
        """The settings of a model fitted on every class (a backbone or a
        conditional VAE): ``backbone_epochs`` is its budget."""
        return replace(
            self,
            epochs=self.backbone_epochs,
            batch_size=max(self.batch_size, SHARED_BATCH),
        )

    def fine_tune(self) -> FitSettings:
        """The settings of a class fine-tuned from a backbone:
        ``fine_tune_epochs``, else ``epochs``."""
        return replace(self, epochs=self.fine_tune_epochs or self.epochs)
