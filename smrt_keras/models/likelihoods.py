"""The likelihood maths of the VAE: ``p(x | z)``'s negative log-likelihood,
its mean, the continuous Bernoulli's normaliser, the output variance and the
KL term.

Functions of tensors (``keras.ops``, used inside the model's loss) and of
numpy arrays (used on decoded outputs); they hold no model state, so the
Keras model (:mod:`.vae`) and the weights-only trained model
(:mod:`.trained`) share them.
"""

from __future__ import annotations

import math

import smrt_keras.models.quiet  # noqa: F401 - first: Keras starts without log lines

import numpy as np
from keras import ops
from scipy.special import expit

from smrt_keras.models.columns import mixed_mean, mixed_nll

LIKELIHOODS = ("bernoulli", "continuous_bernoulli", "gaussian", "mixed")
#: Likelihoods with a Gaussian part, and so an output variance.
WITH_VARIANCE = ("gaussian", "mixed")
#: Likelihoods of data in [0, 1], whose decoder outputs logits.
UNIT_INTERVAL = ("bernoulli", "continuous_bernoulli")
#: Clamp for the learned output log-variance of the Gaussian likelihood: a
#: standard deviation between ~0.03 and ~33 standardised units.
OUTPUT_LOG_VAR_RANGE = (-7.0, 7.0)
#: Below this |logit| the continuous Bernoulli's normaliser and mean use their
#: Taylor expansions (the closed forms divide 0 by 0 at logit 0).
_CB_TAYLOR = 1e-2
_LOG_2PI = math.log(2.0 * math.pi)


def cb_log_normaliser(logits):
    """``log C(lambda)`` of the continuous Bernoulli (Loaiza-Ganem and
    Cunningham, 2019) from its logits: ``C = p / tanh(p / 2)``, 2 at ``p = 0``."""
    small = ops.abs(logits) < _CB_TAYLOR
    safe = ops.where(small, ops.ones_like(logits), logits)
    exact = ops.log(safe / ops.tanh(safe / 2.0))
    return ops.where(small, math.log(2.0) + ops.square(logits) / 12.0, exact)


def continuous_bernoulli_mean(logits: np.ndarray) -> np.ndarray:
    """The continuous Bernoulli's mean from its logits ``p``:
    ``sigmoid(p) / (2 sigmoid(p) - 1) - 1 / p``, 1/2 (+ p/12) near ``p = 0``.
    Not ``sigmoid(p)``: the distribution's mass leans further out."""
    p = np.asarray(logits, dtype="float64")  # the closed form cancels near 0
    small = np.abs(p) < _CB_TAYLOR
    safe = np.where(small, 1.0, p)
    lam = expit(safe)
    mean = lam / (2.0 * lam - 1.0) - 1.0 / safe
    return np.where(small, 0.5 + p / 12.0, mean).astype("float32")


def output_log_var(output_variance, learned, n_features: int):
    """The output log-variance as a tensor: ``learned`` (the model's
    ``output_log_var`` weight) clipped, or the fixed ``output_variance``'s."""
    if output_variance == "learned":
        return ops.clip(learned, *OUTPUT_LOG_VAR_RANGE)
    return ops.full((n_features,), math.log(float(output_variance)))


def output_log_var_value(output_variance, learned, n_features: int) -> np.ndarray:
    """:func:`output_log_var` as numpy, from ``learned`` as numpy."""
    if output_variance == "learned":
        return np.clip(np.asarray(learned), *OUTPUT_LOG_VAR_RANGE)
    return np.full((n_features,), math.log(float(output_variance)), "float32")


def reconstruction_nll(
    x, x_params, likelihood: str, n_features: int, log_var=None, column_types=None
):
    """Per-sample negative log-likelihood of ``x`` under the decoder's
    ``x_params``, summed over features.

    ``log_var`` (:func:`output_log_var`) is the Gaussian part's, ``None``
    for a likelihood without one; ``column_types`` are the spans of
    ``likelihood="mixed"``.
    """
    x = ops.reshape(ops.cast(x, x_params.dtype), (-1, n_features))
    p = ops.reshape(x_params, (-1, n_features))
    if likelihood in UNIT_INTERVAL:
        # Numerically stable sigmoid cross-entropy on logits.
        nll = ops.relu(p) - p * x + ops.log1p(ops.exp(-ops.abs(p)))
        if likelihood == "continuous_bernoulli":
            nll = nll - cb_log_normaliser(p)
    elif likelihood == "mixed":
        return mixed_nll(x, p, column_types, log_var)
    else:
        nll = 0.5 * (_LOG_2PI + log_var + ops.square(x - p) * ops.exp(-log_var))
    return ops.sum(nll, axis=-1)


def kl_divergence(z_mean, z_log_var):
    """Per-sample KL(N(mean, exp(log_var)) || N(0, I))."""
    return -0.5 * ops.sum(
        1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1
    )


def mean_of(params: np.ndarray, likelihood: str, column_types=None) -> np.ndarray:
    """The mean of ``p(x | z)`` from the decoder's ``params`` (numpy):
    probabilities for Bernoulli (computed in place: the rows can be many),
    the continuous Bernoulli's mean, per-span means for ``"mixed"``, the
    parameters themselves for Gaussian."""
    if likelihood == "bernoulli":
        expit(params, out=params)
    elif likelihood == "continuous_bernoulli":
        params = continuous_bernoulli_mean(params)
    elif likelihood == "mixed":
        params = mixed_mean(params.reshape(len(params), -1), column_types)
    return params
