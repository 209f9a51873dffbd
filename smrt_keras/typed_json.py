"""JSON that gives back the Python types it was given: tuples stay tuples,
dict keys keep their type (JSON would make ``{1: 50}`` into ``{"1": 50}``)
and numpy scalars stay numpy scalars. Used for the parameters a save records.

A tagged value is a one-key dict: ``{"__tuple__": [...]}``,
``{"__items__": [[key, value], ...]}`` or ``{"__numpy__": [dtype, value]}``.
Plain JSON (saves written before the tags) reads back as itself.

Examples
--------
>>> from_typed(to_typed({"hidden_units": (64, 32), "sampling_strategy": {1: 50}}))
{'hidden_units': (64, 32), 'sampling_strategy': {1: 50}}
"""

from __future__ import annotations

import numpy as np

_TAGS = ("__tuple__", "__items__", "__numpy__")


def to_typed(value):
    """``value`` as JSON-able data with the tags above; raises ``TypeError``
    for what JSON cannot hold (callables, RandomState, ...)."""
    if isinstance(value, np.generic) and value.dtype.kind in "biufU":
        return {"__numpy__": [value.dtype.str, value.item()]}
    if isinstance(value, tuple):
        return {"__tuple__": [to_typed(v) for v in value]}
    if isinstance(value, list):
        return [to_typed(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and k not in _TAGS for k in value):
            return {k: to_typed(v) for k, v in value.items()}
        return {"__items__": [[to_typed(k), to_typed(v)] for k, v in value.items()]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"{type(value).__name__} is not JSON-able")


def from_typed(value):
    """Inverse of :func:`to_typed`."""
    if isinstance(value, list):
        return [from_typed(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and next(iter(value)) in _TAGS:
        ((tag, inner),) = value.items()
        if tag == "__tuple__":
            return tuple(from_typed(v) for v in inner)
        if tag == "__items__":
            return {from_typed(k): from_typed(v) for k, v in inner}
        dtype, item = inner
        return np.dtype(dtype).type(item)
    return {k: from_typed(v) for k, v in value.items()}
