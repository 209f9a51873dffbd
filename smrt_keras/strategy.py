"""``sampling_strategy`` -> ``{label: number of samples to make}``.

The forms, semantics and error messages follow imbalanced-learn's
``check_sampling_strategy(..., sampling_type="over-sampling")`` so that SMRT is
a drop-in replacement for its over-samplers (the tests compare the two side by
side). One extension: a float for *multiclass* targets keeps the original
SMRT's ``balance_ratio`` meaning, raising every class below
``ratio * n_majority`` up to that count (imbalanced-learn refuses floats for
multiclass targets).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from numbers import Real
from typing import Any

import numpy as np

STRATEGY_NAMES = ("minority", "not minority", "not majority", "all", "auto")


def _counts(y: np.ndarray) -> dict[Any, int]:
    labels, counts = np.unique(y, return_counts=True)
    return {label: int(c) for label, c in zip(labels, counts, strict=True)}


def _fill_to_majority(stats: dict, keep: Callable[[Any], bool]) -> dict:
    n_majority = max(stats.values())
    return {k: n_majority - v for k, v in stats.items() if keep(k)}


def _from_string(strategy: str, stats: dict) -> dict:
    majority = max(stats, key=stats.get)
    minority = min(stats, key=stats.get)
    if strategy == "majority":
        raise ValueError(
            "'sampling_strategy'='majority' cannot be used with over-sampler."
        )
    if strategy not in STRATEGY_NAMES:
        raise ValueError(
            "When 'sampling_strategy' is a string, it needs to be one of "
            f"{STRATEGY_NAMES}. Got '{strategy}' instead."
        )
    keep = {
        "minority": lambda k: k == minority,
        "not minority": lambda k: k != minority,
        "not majority": lambda k: k != majority,
        "auto": lambda k: k != majority,
        "all": lambda k: True,
    }[strategy]
    return _fill_to_majority(stats, keep)


def _from_dict(strategy: Mapping, stats: dict) -> dict:
    missing = set(strategy) - set(stats)
    if missing:
        raise ValueError(f"The {missing} target class is/are not present in the data.")
    for label, n in strategy.items():
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
            raise TypeError(
                "The number of samples asked for each class in 'sampling_strategy' "
                f"must be an int; got {n!r} for class {label!r}."
            )
    if any(n < 0 for n in strategy.values()):
        raise ValueError(
            "The number of samples in a class cannot be negative."
            f"'sampling_strategy' contains some negative value: {dict(strategy)}"
        )
    out = {}
    for label, n in strategy.items():
        if n < stats[label]:
            raise ValueError(
                "With over-sampling methods, the number of samples in a class "
                "should be greater or equal to the original number of samples. "
                f"Originally, there is {stats[label]} samples and {n} samples "
                "are asked."
            )
        out[label] = int(n) - stats[label]
    return out


def _from_float(ratio: float, stats: dict) -> dict:
    if not 0 < ratio <= 1:
        raise ValueError(
            "When 'sampling_strategy' is a float, it should be in the range "
            f"(0, 1]. Got {ratio} instead."
        )
    majority = max(stats, key=stats.get)
    n_majority = stats[majority]
    out = {k: int(n_majority * ratio - v) for k, v in stats.items() if k != majority}
    if len(stats) == 2:
        # Binary: imbalanced-learn's semantics, including its refusal.
        if any(n <= 0 for n in out.values()):
            raise ValueError(
                "The specified ratio required to remove samples from the minority "
                "class while trying to generate new samples. Please increase the "
                "ratio."
            )
        return out
    # Multiclass: the original SMRT's balance_ratio, classes already at or
    # above the target are left alone.
    return {k: n for k, n in out.items() if n > 0}


def resolve_sampling_strategy(
    sampling_strategy: float | str | Mapping | Callable, y: np.ndarray
) -> OrderedDict:
    """Turn ``sampling_strategy`` into ``{label: samples to generate}``.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable
        - float in (0, 1]: the wanted ratio ``n_minority / n_majority`` after
          resampling. Binary targets only in imbalanced-learn; for multiclass
          targets every class below ``ratio * n_majority`` is raised to it.
        - ``"minority"``, ``"not minority"``, ``"not majority"``, ``"all"``,
          ``"auto"`` (= ``"not majority"``): which classes to raise to the
          majority count.
        - dict ``{label: wanted total count}``.
        - callable ``f(y) -> dict`` as above.
    y : ndarray of shape (n_samples,)
        The target.

    Returns
    -------
    OrderedDict
        ``{label: number of synthetic samples}``, sorted by label.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0] * 10 + [1] * 4 + [2] * 2)
    >>> dict(resolve_sampling_strategy("auto", y))
    {1: 6, 2: 8}
    >>> dict(resolve_sampling_strategy(0.5, y))
    {1: 1, 2: 3}
    """
    y = np.asarray(y)
    stats = _counts(y)
    if len(stats) <= 1:
        raise ValueError(
            "The target 'y' needs to have more than 1 class. "
            f"Got {len(stats)} class instead"
        )
    if isinstance(sampling_strategy, str):
        out = _from_string(sampling_strategy, stats)
    elif isinstance(sampling_strategy, Mapping):
        out = _from_dict(sampling_strategy, stats)
    elif isinstance(sampling_strategy, bool):
        raise TypeError(
            "sampling_strategy must be a float, str, dict or callable; got "
            f"sampling_strategy={sampling_strategy!r}."
        )
    elif isinstance(sampling_strategy, Real):
        out = _from_float(float(sampling_strategy), stats)
    elif callable(sampling_strategy):
        result = sampling_strategy(y)
        if not isinstance(result, Mapping):
            raise TypeError(
                "A callable sampling_strategy must return a dict {label: count}; "
                f"got {type(result).__name__}."
            )
        out = _from_dict(result, stats)
    else:
        raise TypeError(
            "sampling_strategy must be a float, str, dict or callable; got "
            f"sampling_strategy={sampling_strategy!r} of type "
            f"{type(sampling_strategy).__name__}."
        )
    return OrderedDict(sorted(out.items()))
