"""The variational autoencoder at the heart of SMRT: the Keras model, its
layers' wiring and its numpy-facing methods.

Its argument checks are in :mod:`.config`, its likelihood maths in
:mod:`.likelihoods`, and its Keras ``fit`` (with the divergence guard) in
:mod:`.keras_fit`; the engine (:mod:`.engine`) trains it without ``fit``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import smrt_keras.models.quiet  # noqa: F401 - first: Keras starts without log lines

import keras
import numpy as np
from keras import ops

import smrt_keras.models.inference as inference
import smrt_keras.models.latent as latent
import smrt_keras.models.likelihoods as lik
from smrt_keras.models.config import as_tuple, check_config, check_data
from smrt_keras.models.keras_fit import fit_checked
from smrt_keras.models.layers import (
    ConvDecoder,
    ConvEncoder,
    DenseDecoder,
    DenseEncoder,
    Sampling,
)
from smrt_keras.params import is_int


@keras.saving.register_keras_serializable(package="smrt_keras")
class VAE(keras.Model):
    """Variational autoencoder with a dense or convolutional encoder/decoder.

    The loss is the negative ELBO, averaged over the batch::

        loss = sum_features NLL(x | decoder(z)) + beta * KL(q(z | x) || N(0, I))

    with ``reconstruction`` and ``kl`` reported as separate metrics (and their
    ``val_`` versions when validation data is given).

    Parameters
    ----------
    input_shape : int or sequence of int
        Shape of one sample: ``n_features`` (or ``(n_features,)``) for
        ``encoder="dense"``; ``(H, W)`` or ``(H, W, C)`` for ``encoder="conv"``.
    encoder : {"dense", "conv"}, default="dense"
        Architecture of both encoder and decoder.
    hidden_units : sequence of int, default=(128, 64)
        Dense layer widths of the encoder; the decoder mirrors them. For
        ``"conv"`` they sit between the flattened feature map and the latent
        heads (may be empty).
    filters, strides : sequence of int, default=(32, 64) and (2, 2)
        Conv filters and strides per encoder stage (``"conv"`` only). Each
        image side must be at least the product of the strides.
    kernel_size : int, default=3
        Conv kernel size (``"conv"`` only).
    latent_dim : int, default=8
        Dimension of the latent space.
    activation : str, default="relu"
        Activation of the hidden layers.
    dropout : float in [0, 1), default=0.0
        Dropout after each hidden dense layer.
    l2 : float >= 0, default=0.0
        L2 weight penalty on every kernel.
    likelihood : {"bernoulli", "continuous_bernoulli", "gaussian", "mixed"}, \
            default="bernoulli"
        ``p(x | z)``. Bernoulli expects inputs in [0, 1] (its decoder outputs
        logits, ``decode`` returns probabilities); Gaussian expects standardised
        inputs; ``"mixed"`` gives each span of ``column_types`` its own.
    output_variance : "learned" or float > 0, default="learned"
        Variance of the Gaussian likelihood: one learned value per feature, or
        a fixed value. Ignored for Bernoulli.
    column_types : sequence of (kind, width) or None, default=None
        For ``likelihood="mixed"`` only: consecutive spans of the input, each
        ``"gaussian"`` (standardised numbers), ``"bernoulli"`` (one 0/1 flag)
        or ``"categorical"`` (one column's one-hot levels, a softmax).
    beta : float >= 0, default=1.0
        Weight of the KL term (beta-VAE).
    kl_warmup_steps : int >= 0, default=0
        Number of optimizer steps over which the KL weight rises linearly
        from 0 to ``beta``; 0 disables warm-up.
    seed : int or None, default=None
        Seeds weight initialisation, dropout and the sampling layer.

    Examples
    --------
    >>> import numpy as np
    >>> from smrt_keras import VAE
    >>> x = np.random.default_rng(0).random((64, 10)).astype("float32")
    >>> vae = VAE(10, hidden_units=(16,), latent_dim=2, seed=0)
    >>> vae.compile(optimizer="adam")
    >>> history = vae.fit(x, epochs=2, batch_size=32, verbose=0)
    >>> sorted(history.history)
    ['kl', 'loss', 'reconstruction']
    >>> vae.sample(5, seed=0).shape
    (5, 10)
    """

    def __init__(
        self,
        input_shape,
        encoder: str = "dense",
        hidden_units: Sequence[int] = (128, 64),
        filters: Sequence[int] = (32, 64),
        kernel_size: int = 3,
        strides: Sequence[int] = (2, 2),
        latent_dim: int = 8,
        activation: str = "relu",
        dropout: float = 0.0,
        l2: float = 0.0,
        likelihood: str = "bernoulli",
        output_variance: str | float = "learned",
        beta: float = 1.0,
        kl_warmup_steps: int = 0,
        seed: int | None = None,
        column_types: Sequence | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.data_shape = as_tuple(input_shape, "input_shape")
        self.encoder_type = encoder
        self.hidden_units = as_tuple(hidden_units, "hidden_units")
        self.filters = as_tuple(filters, "filters")
        self.kernel_size = kernel_size
        self.strides = as_tuple(strides, "strides")
        self.latent_dim = latent_dim
        self.activation = activation
        self.dropout = dropout
        self.l2 = l2
        self.likelihood = likelihood
        self.output_variance = output_variance
        self.beta = beta
        self.kl_warmup_steps = kl_warmup_steps
        self.seed = seed
        self.column_types = None if column_types is None else tuple(column_types)
        self._validate()
        self._make_layers(seed)
        self.build((None, *self.data_shape))

    # ------------------------------------------------------------------ config
    def _make_layers(self, seed: int | None) -> None:
        block_kwargs = dict(
            hidden_units=self.hidden_units,
            activation=self.activation,
            dropout=float(self.dropout),
            l2=float(self.l2),
            seed=self.seed,
        )
        if self.encoder_type == "conv":
            block_kwargs.update(
                filters=self.filters, kernel_size=self.kernel_size, strides=self.strides
            )
            enc_cls, dec_cls = ConvEncoder, ConvDecoder
        else:
            enc_cls, dec_cls = DenseEncoder, DenseDecoder
        self.encoder = enc_cls(
            self.data_shape, self.latent_dim, name="encoder", **block_kwargs
        )
        self.decoder = dec_cls(
            self.data_shape,
            self.latent_dim,
            name="decoder",
            **{**block_kwargs, "seed": None if seed is None else seed + 500},
        )
        self.sampling = Sampling(seed=seed, name="sampling")
        # Used by `sample(seed=None)`, so that unseeded draws also go through
        # a generator the model owns.
        self.prior_seed_generator = keras.random.SeedGenerator(
            None if seed is None else seed + 1
        )
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")

    def _validate(self):
        self.column_types = check_config(
            {
                "encoder": self.encoder_type,
                "likelihood": self.likelihood,
                "latent_dim": self.latent_dim,
                "input_shape": self.data_shape,
                "hidden_units": self.hidden_units,
                "dropout": self.dropout,
                "l2": self.l2,
                "beta": self.beta,
                "kl_warmup_steps": self.kl_warmup_steps,
                "output_variance": self.output_variance,
                "column_types": self.column_types,
                "filters": self.filters,
                "strides": self.strides,
                "kernel_size": self.kernel_size,
            }
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "input_shape": list(self.data_shape),
                "encoder": self.encoder_type,
                "hidden_units": list(self.hidden_units),
                "filters": list(self.filters),
                "kernel_size": int(self.kernel_size),
                "strides": list(self.strides),
                "latent_dim": int(self.latent_dim),
                "activation": self.activation,
                "dropout": float(self.dropout),
                "l2": float(self.l2),
                "likelihood": self.likelihood,
                "output_variance": (
                    "learned"
                    if self.output_variance == "learned"
                    else float(self.output_variance)
                ),
                "beta": float(self.beta),
                "kl_warmup_steps": int(self.kl_warmup_steps),
                "seed": None if self.seed is None else int(self.seed),
                "column_types": (
                    None
                    if self.column_types is None
                    else [[kind, int(width)] for kind, width in self.column_types]
                ),
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        # Every key, the base layer's `name`, `trainable` and `dtype` policy
        # included, is a constructor argument.
        return cls(**config)

    # ------------------------------------------------------------------- build
    @property
    def has_gaussian(self) -> bool:
        """Whether ``p(x | z)`` has a Gaussian part, and so an output variance
        (a mixed-type table with no numeric column has none)."""
        if self.likelihood == "mixed":
            return any(kind == "gaussian" for kind, _ in self.column_types)
        return self.likelihood == "gaussian"

    @property
    def n_features(self) -> int:
        """Number of scalar values in one sample."""
        return math.prod(self.data_shape)

    def build(self, input_shape):
        if self.built:
            return
        self._build_blocks(input_shape)
        if self.has_gaussian and self.output_variance == "learned":
            self.output_log_var = self.add_weight(
                shape=(self.n_features,),
                initializer="zeros",
                name="output_log_var",
            )
        # Optimizer steps seen so far, for the KL warm-up. A model variable (not
        # the optimizer's counter) so that it is threaded through JAX's
        # stateless training step and saved with the weights.
        self.kl_step = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="kl_step"
        )
        self.built = True

    def _build_blocks(self, input_shape) -> None:
        self.encoder.build(input_shape)
        latent_shape = (input_shape[0], self.latent_dim)
        self.sampling.build([latent_shape, latent_shape])
        self.decoder.build(latent_shape)

    def initial_values(self, seed: int) -> tuple[list, list]:
        """``(trainable, non_trainable)`` numpy values that ``VAE(...,
        seed=seed)`` of this configuration would start with.

        The engine starts every job from one shared template model this way
        instead of building a Keras model per job.
        """
        values = self.encoder.initial_values(seed)
        values.update(self.decoder.initial_values(seed + 500))
        # A SeedGenerator(s) starts in state [s, 0] (keras.random).
        for gen, s in (
            (self.sampling.seed_generator, seed),
            (self.prior_seed_generator, seed + 1),
        ):
            values[id(gen.state)] = np.asarray([s, 0], dtype=gen.state.dtype)
        for var in (getattr(self, "output_log_var", None), self.kl_step):
            if var is not None:
                values[id(var)] = np.zeros(var.shape, var.dtype)
        return (
            [values[id(v)] for v in self.trainable_variables],
            [values[id(v)] for v in self.non_trainable_variables],
        )

    # ----------------------------------------------------------------- forward
    def call(self, inputs, training=False, noise=None):
        # ``noise``: the sampling layer's draw, made outside (see Sampling).
        z_mean, z_log_var = self.encoder(inputs, training=training)
        z = self.sampling([z_mean, z_log_var], noise=noise)
        x_params = self.decoder(z, training=training)
        if training:
            self.kl_step.assign_add(ops.ones((), dtype=self.kl_step.dtype))
        return {"x_params": x_params, "z_mean": z_mean, "z_log_var": z_log_var}

    def _output_log_var(self):
        learned = self.output_log_var if self.output_variance == "learned" else None
        return lik.output_log_var(self.output_variance, learned, self.n_features)

    def _kl_weight(self):
        if not self.kl_warmup_steps:
            return ops.convert_to_tensor(float(self.beta))
        ramp = ops.minimum(
            ops.cast(self.kl_step, "float32") / float(self.kl_warmup_steps), 1.0
        )
        return float(self.beta) * ramp

    def reconstruction_nll(self, x, x_params):
        """Per-sample negative log-likelihood, summed over features."""
        log_var = self._output_log_var() if self.has_gaussian else None
        return lik.reconstruction_nll(
            x, x_params, self.likelihood, self.n_features, log_var, self.column_types
        )

    @staticmethod
    def kl_divergence(z_mean, z_log_var):
        """Per-sample KL(N(mean, exp(log_var)) || N(0, I))."""
        return lik.kl_divergence(z_mean, z_log_var)

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        reconstruction = ops.mean(self.reconstruction_nll(x, y_pred["x_params"]))
        kl = ops.mean(self.kl_divergence(y_pred["z_mean"], y_pred["z_log_var"]))
        loss = reconstruction + self._kl_weight() * kl
        for extra in self.losses:  # L2 penalties
            loss = loss + ops.cast(extra, loss.dtype)
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        return loss

    # -------------------------------------------------------------- training
    def check_data(self, x, name: str = "x") -> np.ndarray:
        """Return ``x`` as float32 numpy after checking its shape and values
        (:func:`~smrt_keras.models.config.check_data`)."""
        return check_data(x, self.data_shape, self.likelihood, name)

    def fit(self, x=None, y=None, **kwargs):
        """Train with Keras's ``fit``, after checking numpy inputs.

        Accepts everything :meth:`keras.Model.fit` accepts. Array inputs are
        checked against ``input_shape`` (and [0, 1] for Bernoulli); a NaN or
        infinite loss raises :class:`TrainingDivergedError`. An uncompiled model
        is compiled with Adam (learning rate 1e-3).
        """
        return fit_checked(self, x, y, **kwargs)

    # -------------------------------------------------- numpy-facing methods
    def encode(self, x, batch_size: int = 1024) -> tuple[np.ndarray, np.ndarray]:
        """Posterior parameters ``(z_mean, z_log_var)`` of ``x``, as numpy."""
        return self.encode_with(None, x, batch_size)

    def encode_with(
        self, weights, x, batch_size: int = 1024
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`encode` with the encoder's weights replaced by ``weights``
        (``(trainable, non_trainable)`` values, or ``None`` for its own)."""
        x = self.check_data(x)
        if len(x) == 0:
            empty = np.zeros((0, self.latent_dim), "float32")
            return empty, empty.copy()
        return inference.run(self.encoder, x, batch_size, weights)

    def output_std(self) -> np.ndarray:
        """Per-feature standard deviation of the Gaussian ``p(x | z)``.

        Raises
        ------
        ValueError
            For a Bernoulli likelihood, which has no variance parameter.
        """
        if self.likelihood not in lik.WITH_VARIANCE:
            raise ValueError(
                "output_std needs likelihood='gaussian' or 'mixed'; got "
                f"{self.likelihood!r}."
            )
        if not self.has_gaussian:  # no numeric column: nothing to scale
            return np.ones(self.n_features, "float32")
        learned = getattr(self, "output_log_var", None)
        learned = None if learned is None else ops.convert_to_numpy(learned.value)
        log_var = lik.output_log_var_value(
            self.output_variance, learned, self.n_features
        )
        return np.exp(0.5 * log_var)

    def decode(self, z, batch_size: int = 1024) -> np.ndarray:
        """Mean of ``p(x | z)`` for latent codes ``z``, as numpy.

        Probabilities in [0, 1] for Bernoulli, means for Gaussian; for
        ``"mixed"``, per span (level probabilities for a categorical one).
        """
        return self.decode_with(None, z, batch_size)

    def decode_with(self, weights, z, batch_size: int = 1024) -> np.ndarray:
        """:meth:`decode` with the decoder's weights replaced by ``weights``
        (``(trainable, non_trainable)`` values, or ``None`` for its own)."""
        z = np.asarray(z, dtype="float32")
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"z must have shape (n, {self.latent_dim}); got z.shape={z.shape}."
            )
        if len(z) == 0:
            return np.zeros((0, *self.data_shape), "float32")
        (params,) = inference.run(self.decoder, z, batch_size, weights)
        return lik.mean_of(params, self.likelihood, self.column_types)

    @staticmethod
    def _rng(seed):
        if seed is None or isinstance(seed, np.random.Generator):
            return seed
        return np.random.default_rng(seed)

    def _normal(self, shape, rng):
        if rng is None:
            return ops.convert_to_numpy(
                keras.random.normal(shape, seed=self.prior_seed_generator)
            )
        return rng.standard_normal(shape, dtype=np.float32)

    def sample(
        self,
        n: int,
        seed: int | np.random.Generator | None = None,
        temperature: float = 1.0,
        batch_size: int = 1024,
    ) -> np.ndarray:
        """Draw ``n`` samples from the prior: ``decode(z)``, ``z ~ N(0, t^2 I)``.

        ``seed`` (an int or a numpy ``Generator``) makes the draw repeatable on
        every backend; ``None`` uses the model's own ``SeedGenerator``.
        """
        if not is_int(n) or n < 0:
            raise ValueError(f"n must be an int >= 0; got n={n!r}.")
        rng = self._rng(seed)
        parts = [np.zeros((0, *self.data_shape), "float32")]
        for start in range(0, int(n), batch_size):
            b = min(batch_size, int(n) - start)
            if rng is None:
                z = self._normal((b, self.latent_dim), None) * float(temperature)
            else:
                z = latent.prior(b, self.latent_dim, rng, float(temperature))
            parts.append(self.decode(z, batch_size))
        return np.concatenate(parts)

    def sample_posterior(
        self,
        x,
        seed: int | np.random.Generator | None = None,
        temperature: float = 1.0,
        batch_size: int = 1024,
    ) -> np.ndarray:
        """One sample per row of ``x`` from ``q(z | x)``, decoded.

        New observations near the real ones (the original SMRT's
        ``generate_from_sample``).
        """
        z_mean, z_log_var = self.encode(x, batch_size)
        rng = self._rng(seed)
        if rng is None:
            eps = self._normal(z_mean.shape, None) * float(temperature)
            z = z_mean + np.exp(0.5 * z_log_var) * eps
        else:
            z = latent.posterior(z_mean, z_log_var, rng, float(temperature))
        return self.decode(z, batch_size)

    def negative_elbo(
        self,
        x,
        seed: int | np.random.Generator | None = 0,
        batch_size: int = 1024,
    ) -> np.ndarray:
        """Per-sample negative ELBO (nats) with beta = 1, one posterior sample.

        The usual held-out quality measure of a VAE: reconstruction negative
        log-likelihood plus KL to the prior, whatever ``beta`` was trained with.
        """
        x = self.check_data(x)
        rng = self._rng(seed)
        out = []
        for start in range(0, len(x), batch_size):
            b = x[start : start + batch_size]
            z_mean, z_log_var = self.encoder(b, training=False)
            eps = self._normal(tuple(z_mean.shape), rng)
            z = z_mean + ops.exp(0.5 * z_log_var) * eps
            nll = self.reconstruction_nll(b, self.decoder(z, training=False))
            out.append(
                ops.convert_to_numpy(nll + self.kl_divergence(z_mean, z_log_var))
            )
        return np.concatenate(out) if out else np.zeros(0, "float32")

    def reconstruct(self, x, batch_size: int = 1024) -> np.ndarray:
        """``decode(z_mean(x))``: the model's deterministic reconstruction."""
        z_mean, _ = self.encode(x, batch_size)
        return self.decode(z_mean, batch_size)

    # -------------------------------------------- the TrainedModel protocol
    def materialise(self) -> VAE:
        """This model itself: a Keras VAE is already the full model that a
        weights-only :class:`~smrt_keras.models.trained.TrainedVAE` builds
        (:class:`~smrt_keras.models.trained.TrainedModel`)."""
        return self

    def trainable_arrays(self) -> list[np.ndarray]:
        """The trainable weights as numpy, in ``trainable_variables`` order."""
        return [ops.convert_to_numpy(v.value) for v in self.trainable_variables]

    def __deepcopy__(self, memo):
        # `copy.deepcopy` (used by sklearn.clone on parameters) cannot copy
        # backend tensors; rebuild from config and copy the weights instead.
        new = type(self).from_config(self.get_config())
        new.set_weights(self.get_weights())
        memo[id(self)] = new
        return new
