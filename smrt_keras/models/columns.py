"""The mixed likelihood of a table: one distribution per column kind.

A mixed-type row is encoded (:mod:`smrt_keras.preprocessing`) as consecutive
spans of standardised numbers, 0/1 flags and one-hot blocks; ``column_types``
names each span as ``(kind, width)``. The decoder's output has the same layout
and holds, per span, Gaussian means, Bernoulli logits or the logits of a
softmax over one categorical column's levels.

Only :func:`mixed_nll` runs inside a Keras model; it imports Keras when
called, so the numpy draws here load without it (like
:mod:`smrt_keras.models.latent`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.special import expit, softmax

#: The kinds a span of a mixed row may have.
COLUMN_KINDS = ("gaussian", "bernoulli", "categorical")
_LOG_2PI = math.log(2.0 * math.pi)


def check_column_types(column_types, n_features: int) -> tuple:
    """``column_types`` as a tuple of ``(kind, width)``, after checking that
    the kinds are known, the widths positive and their sum ``n_features``."""
    try:
        spans = tuple((str(kind), int(width)) for kind, width in column_types)
    except (TypeError, ValueError):
        raise TypeError(
            "column_types must be a sequence of (kind, width) pairs; got "
            f"column_types={column_types!r}."
        ) from None
    for kind, width in spans:
        if kind not in COLUMN_KINDS or width < 1:
            raise ValueError(
                f"column_types entries must be (kind, width) with kind in "
                f"{COLUMN_KINDS} and width >= 1; got ({kind!r}, {width})."
            )
        if kind == "bernoulli" and width != 1 or kind == "categorical" and width < 2:
            raise ValueError(
                f"a {kind} span has width {width}; bernoulli spans are 1 wide "
                "and categorical spans at least 2."
            )
    total = sum(width for _, width in spans)
    if total != n_features:
        raise ValueError(
            f"column_types cover {total} features but input_shape has {n_features}."
        )
    return spans


def _spans(column_types: Sequence) -> list[tuple[str, int, int]]:
    out, start = [], 0
    for kind, width in column_types:
        out.append((kind, start, start + width))
        start += width
    return out


def gaussian_features(column_types: Sequence) -> np.ndarray:
    """Indices of the features in the Gaussian spans of ``column_types``."""
    spans = [
        np.arange(a, b) for kind, a, b in _spans(column_types) if kind == "gaussian"
    ]
    return np.concatenate(spans) if spans else np.arange(0)


def mixed_nll(x, params, column_types: Sequence, log_var):
    """Per-sample negative log-likelihood of encoded rows ``x`` (backend
    tensors, ``(batch, n_features)``) under decoder outputs ``params``."""
    from keras import ops

    total = 0.0
    for kind, a, b in _spans(column_types):
        xs, ps = x[:, a:b], params[:, a:b]
        if kind == "gaussian":
            lv = log_var[a:b]
            nll = 0.5 * (_LOG_2PI + lv + ops.square(xs - ps) * ops.exp(-lv))
            total = total + ops.sum(nll, axis=-1)
        elif kind == "bernoulli":
            nll = ops.relu(ps) - ps * xs + ops.log1p(ops.exp(-ops.abs(ps)))
            total = total + ops.sum(nll, axis=-1)
        else:
            total = total + ops.logsumexp(ps, axis=-1) - ops.sum(xs * ps, axis=-1)
    return total


def mixed_mean(params: np.ndarray, column_types: Sequence) -> np.ndarray:
    """The mean of ``p(x | z)`` from decoder outputs (numpy): Gaussian means
    as they are, Bernoulli probabilities, and each categorical column's level
    probabilities."""
    out = np.array(params, dtype="float32", copy=True)
    for kind, a, b in _spans(column_types):
        if kind == "bernoulli":
            expit(out[:, a:b], out=out[:, a:b])
        elif kind == "categorical":
            out[:, a:b] = softmax(out[:, a:b], axis=1)
    return out


def mixed_draw(
    mean: np.ndarray, std: np.ndarray, column_types: Sequence, rng
) -> np.ndarray:
    """Draws from ``p(x | z)`` given its mean (:func:`mixed_mean`) and the
    Gaussian spans' standard deviations ``std`` (one per feature): Gaussian
    noise, 0/1 flags and one-hot levels."""
    out = np.array(mean, dtype="float32", copy=True)
    for kind, a, b in _spans(column_types):
        block = out[:, a:b]
        if kind == "gaussian":
            block += rng.standard_normal(block.shape, dtype=np.float32) * std[a:b]
        elif kind == "bernoulli":
            out[:, a:b] = rng.random(block.shape, dtype=np.float32) < block
        else:
            # Inverse-CDF draw of one level per row.
            u = rng.random((len(block), 1))
            pick = (np.cumsum(block, axis=1) < u).sum(axis=1)
            pick = np.minimum(pick, b - a - 1)
            out[:, a:b] = 0.0
            out[np.arange(len(out)), a + pick] = 1.0
    return out
