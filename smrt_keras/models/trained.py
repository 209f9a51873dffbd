"""A trained VAE held as plain weights, without Keras variables of its own.

Building a Keras model costs tens of milliseconds (layer objects and backend
variables); for sixty five-row classes that was most of a fit. The
engine trains on a shared template model with each job's weights passed in,
so a job's result is just numpy arrays. :class:`TrainedVAE` keeps them and
offers what generation needs (``encode``, ``decode``, ``output_std``) through
the template's compiled passes; :meth:`TrainedVAE.materialise` builds the
full :class:`~smrt_keras.models.vae.VAE` when one is asked for (saving,
fine-tuning, or a user reading ``ClassGenerator.vae``).

:class:`TrainedModel` is what generators may ask of either form, a Keras
``VAE`` or a ``TrainedVAE``: both implement it, so callers need no
``getattr`` to tell them apart.
"""

from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

import smrt_keras.models.quiet  # noqa: F401 - first: Keras starts without log lines

import keras
import numpy as np

import smrt_keras.models.likelihoods as lik
from smrt_keras.models.cache import LRUCache
from smrt_keras.models.vae import VAE

#: Config keys that are not part of a model's computation graph.
TEMPLATE_FREE_KEYS = ("seed", "beta", "kl_warmup_steps", "name")

#: Template models kept per process (least recently used dropped first; a
#: dropped one is rebuilt when a generator of its architecture needs it).
CACHE_SIZE = 32

_TEMPLATES = LRUCache(CACHE_SIZE)


def template(config: dict) -> VAE:
    """The shared template model for ``config``'s architecture (cached).

    Only its computation is used: weights always come in as arguments.
    """
    shape = {k: v for k, v in config.items() if k not in TEMPLATE_FREE_KEYS}
    key = (keras.backend.backend(), repr(sorted(shape.items())))
    return _TEMPLATES.get(key, lambda: VAE(**shape, seed=0))


def clear_templates() -> None:
    """Forget the cached template models."""
    _TEMPLATES.clear()


@runtime_checkable
class TrainedModel(Protocol):
    """What generators use of a trained VAE, whichever form it takes: a
    Keras :class:`~smrt_keras.models.vae.VAE` or the engine's weights-only
    :class:`TrainedVAE`.

    ``materialise()`` returns the full Keras VAE (the model itself for a
    ``VAE``); ``trainable_arrays()`` the trainable weights as numpy, in the
    order of the VAE's ``trainable_variables``.
    """

    latent_dim: int
    likelihood: str
    column_types: tuple | None
    encoder_type: str
    data_shape: tuple

    def encode(self, x, batch_size: int = 1024) -> tuple[np.ndarray, np.ndarray]:
        """Posterior ``(z_mean, z_log_var)`` of ``x``."""
        ...

    def decode(self, z, batch_size: int = 1024) -> np.ndarray:
        """Mean of ``p(x | z)``."""
        ...

    def output_std(self) -> np.ndarray:
        """Per-feature standard deviation of the Gaussian ``p(x | z)``."""
        ...

    def get_config(self) -> dict:
        """The VAE's configuration."""
        ...

    def materialise(self) -> VAE:
        """The full Keras VAE."""
        ...

    def trainable_arrays(self) -> list[np.ndarray]:
        """The trainable weights as numpy, in ``trainable_variables`` order."""
        ...


class TrainedVAE:
    """A trained VAE's configuration and weights (numpy), ready to generate
    (a :class:`TrainedModel`).

    Parameters
    ----------
    config : dict
        The :class:`~smrt_keras.models.vae.VAE` keyword arguments, ``seed``
        excluded.
    seed : int
        The seed the model was built and trained with.
    trainable, non_trainable : list of numpy arrays
        Values in the order of the VAE's ``trainable_variables`` and
        ``non_trainable_variables``.
    """

    def __init__(self, config: dict, seed: int, trainable: list, non_trainable: list):
        self.config = dict(config)
        self.seed = int(seed)
        self.trainable = [np.asarray(t) for t in trainable]
        self.non_trainable = [np.asarray(t) for t in non_trainable]
        self._vae: VAE | None = None

    # -- what generation reads, from the template --------------------------
    @property
    def template(self) -> VAE:
        return template(self.config)

    @property
    def latent_dim(self) -> int:
        return self.template.latent_dim

    @property
    def likelihood(self) -> str:
        return self.template.likelihood

    @property
    def column_types(self):
        return self.template.column_types

    @property
    def encoder_type(self) -> str:
        return self.template.encoder_type

    @property
    def data_shape(self) -> tuple:
        return self.template.data_shape

    def _weights_of(self, layer) -> tuple[list, list]:
        model = self.template
        index = {id(v): i for i, v in enumerate(model.trainable_variables)}
        nt_index = {id(v): i for i, v in enumerate(model.non_trainable_variables)}
        return (
            [self.trainable[index[id(v)]] for v in layer.trainable_variables],
            [
                self.non_trainable[nt_index[id(v)]]
                for v in layer.non_trainable_variables
            ],
        )

    def encode(self, x, batch_size: int = 1024) -> tuple[np.ndarray, np.ndarray]:
        """Posterior ``(z_mean, z_log_var)`` of ``x`` (see ``VAE.encode``)."""
        model = self.template
        return model.encode_with(self._weights_of(model.encoder), x, batch_size)

    def decode(self, z, batch_size: int = 1024) -> np.ndarray:
        """Mean of ``p(x | z)`` (see ``VAE.decode``)."""
        model = self.template
        return model.decode_with(self._weights_of(model.decoder), z, batch_size)

    def output_std(self) -> np.ndarray:
        """Per-feature standard deviation of the Gaussian ``p(x | z)``."""
        model = self.template
        if model.likelihood not in lik.WITH_VARIANCE:
            raise ValueError(
                "output_std needs likelihood='gaussian' or 'mixed'; got "
                f"{model.likelihood!r}."
            )
        if not model.has_gaussian:  # no numeric column: nothing to scale
            return np.ones(model.n_features, "float32")
        learned = None
        if getattr(model, "output_log_var", None) is not None:
            position = [id(v) for v in model.trainable_variables].index(
                id(model.output_log_var)
            )
            learned = self.trainable[position]
        log_var = lik.output_log_var_value(
            model.output_variance, learned, model.n_features
        )
        return np.exp(0.5 * log_var)

    # -- the full model, on demand ------------------------------------------
    def materialise(self) -> VAE:
        """The full Keras :class:`~smrt_keras.models.vae.VAE` (built once)."""
        if self._vae is None:
            vae = VAE(**self.config, seed=self.seed)
            for var, value in zip(vae.trainable_variables, self.trainable, strict=True):
                var.assign(value)
            pairs = zip(vae.non_trainable_variables, self.non_trainable, strict=True)
            for var, value in pairs:
                var.assign(value)
            self._vae = vae
        return self._vae

    def trainable_arrays(self) -> list[np.ndarray]:
        """The trainable weights as numpy, in ``trainable_variables`` order
        (copies: the caller may change them)."""
        return [t.copy() for t in self.trainable]

    def get_config(self) -> dict:
        """The full VAE's configuration (built once, see :meth:`materialise`)."""
        return self.materialise().get_config()

    def __getstate__(self):
        # Pickle the weights, never the Keras model built from them.
        return {**self.__dict__, "_vae": None}

    def __repr__(self) -> str:
        n = sum(math.prod(t.shape) for t in self.trainable)
        return (
            f"TrainedVAE(encoder={self.encoder_type!r}, latent_dim="
            f"{self.latent_dim}, parameters={n})"
        )
