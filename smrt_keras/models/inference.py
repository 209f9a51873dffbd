"""Compiled encoder and decoder calls, shared by every model of one shape.

Calling a Keras layer eagerly costs a Python round trip per operation, which
for SMRT's small decoders is most of the time of generating data. Here
a layer's forward pass is compiled once per architecture (``jax.jit`` or a
``tf.function``; torch runs eagerly) with the weights as *arguments*, so every
class's generator of the same shape reuses one compiled program, as the
training engine does. On TensorFlow one graph, traced once, takes any row
count; rows still go through in chunks of a power-of-two size, so JAX traces
a handful of shapes only.
"""

from __future__ import annotations

from collections.abc import Callable

import smrt_keras.models.quiet  # noqa: F401 - first: Keras starts without log lines

import keras
import numpy as np
from keras import ops

from smrt_keras.models.backends import compile_function
from smrt_keras.models.cache import LRUCache

#: Compiled forward passes kept per process (least recently used dropped).
CACHE_SIZE = 32
#: Config keys that do not change a layer's computation at inference.
_IGNORED_KEYS = ("name", "seed", "trainable")

_FORWARDS = LRUCache(CACHE_SIZE)


def next_pow2(n: int) -> int:
    """The smallest power of two >= ``n`` (1 for n <= 1)."""
    return 1 << max(0, int(n) - 1).bit_length()


def _key(layer) -> tuple:
    if hasattr(layer, "computation_key"):  # smrt_keras's encoders and decoders
        return (keras.backend.backend(), *layer.computation_key())
    config = {k: v for k, v in layer.get_config().items() if k not in _IGNORED_KEYS}
    return (keras.backend.backend(), type(layer).__name__, repr(sorted(config.items())))


def _compile(template) -> Callable:
    """``fn(trainable, non_trainable, x)``: ``template``'s inference pass."""

    def forward(trainable, non_trainable, x):
        out, _ = template.stateless_call(trainable, non_trainable, x, training=False)
        return out

    # One graph per architecture (TensorFlow): x's row count may vary.
    return compile_function(forward, free_rows=(2,))


def compiled_forward(layer) -> Callable:
    """The cached compiled forward pass for ``layer``'s architecture."""
    # The first layer of a shape serves as the template; only its computation
    # is used, never its weights (they are passed in on every call).
    return _FORWARDS.get(_key(layer), lambda: _compile(layer))


def run(
    layer, x: np.ndarray, chunk: int, weights: tuple[list, list] | None = None
) -> tuple[np.ndarray, ...]:
    """``layer(x, training=False)`` through its compiled pass, as numpy.

    ``weights`` (``(trainable, non_trainable)`` values in the order of the
    layer's variables) replace the layer's own. ``x`` goes through in chunks
    of ``chunk`` rows (a power of two); the last is padded up to a power of
    two and the padding dropped, so at most ``log2(chunk)`` shapes are ever
    traced. Returns a tuple of arrays (one for a decoder, ``(z_mean,
    z_log_var)`` for an encoder).
    """
    fn = compiled_forward(layer)
    if weights is None:
        weights = (
            [v.value for v in layer.trainable_variables],
            [v.value for v in layer.non_trainable_variables],
        )
    trainable, non_trainable = (
        [ops.convert_to_tensor(w) for w in part] for part in weights
    )
    chunk = next_pow2(chunk)
    parts = []
    for start in range(0, len(x), chunk):
        rows = x[start : start + chunk]
        size = next_pow2(len(rows))
        if size > len(rows):
            pad = np.zeros((size - len(rows), *rows.shape[1:]), rows.dtype)
            rows = np.concatenate([rows, pad])
        out = fn(trainable, non_trainable, ops.convert_to_tensor(rows))
        out = out if isinstance(out, (tuple, list)) else (out,)
        parts.append(tuple(ops.convert_to_numpy(o)[: len(x) - start] for o in out))
    return tuple(np.concatenate(p) for p in zip(*parts, strict=True))


def clear() -> None:
    """Forget every compiled forward pass."""
    _FORWARDS.clear()
