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

from smrt_keras.params import is_int

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
        if not is_int(n):
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


def _dispatch(sampling_strategy, y: np.ndarray, stats: dict) -> dict:
    if isinstance(sampling_strategy, str):
        return _from_string(sampling_strategy, stats)
    if isinstance(sampling_strategy, Mapping):
        return _from_dict(sampling_strategy, stats)
    if isinstance(sampling_strategy, Real) and not isinstance(sampling_strategy, bool):
        return _from_float(float(sampling_strategy), stats)
    if callable(sampling_strategy):
        result = sampling_strategy(y)
        if not isinstance(result, Mapping):
            raise TypeError(
                "A callable sampling_strategy must return a dict {label: count}; "
                f"got {type(result).__name__}."
            )
        return _from_dict(result, stats)
    raise TypeError(
        "sampling_strategy must be a float, str, dict or callable; got "
        f"sampling_strategy={sampling_strategy!r} of type "
        f"{type(sampling_strategy).__name__}."
    )


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
    out = _dispatch(sampling_strategy, y, stats)
    return OrderedDict(sorted(out.items()))


def strategy_for(sampling_strategy, y: np.ndarray) -> OrderedDict:
    """:func:`resolve_sampling_strategy`, with errors that name the argument
    (imbalanced-learn's messages, kept verbatim, do not always say which)."""
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(
            f"y has only one class, {classes.tolist()[0]!r}; resampling needs at "
            "least 2 classes."
        )
    try:
        return resolve_sampling_strategy(sampling_strategy, y)
    except (ValueError, TypeError) as exc:
        raise type(exc)(
            f"sampling_strategy={sampling_strategy!r} does not fit y: {exc}"
        ) from exc


def classes_to_fit(
    y_classes: np.ndarray, strategy: Mapping, classes, prefit: Mapping, counts
) -> list:
    """The labels that get a generator, in ``y_classes`` order.

    Always the classes ``strategy`` makes samples for (so ``fit_resample`` can
    make them), plus those of ``prefit`` and of ``classes`` (``None``,
    ``"all"`` or a list of labels). ``counts[i]`` is the size of class
    ``y_classes[i]``; a class to train needs at least 2 samples.
    """
    wanted = [c for c, n in strategy.items() if n > 0]
    if isinstance(classes, str):
        if classes != "all":
            raise ValueError(
                f"classes must be None, 'all' or a list of labels; got "
                f"classes={classes!r}."
            )
        wanted = list(y_classes)
    elif classes is not None:
        wanted += list(classes)
    known = set(y_classes.tolist())
    for label in list(wanted) + list(prefit):
        if label not in known:
            raise ValueError(
                f"label {label!r} (from classes or generators) is not in y; "
                f"y holds {sorted(known, key=str)}."
            )
    wanted_set = set(wanted) | set(prefit)
    chosen = [c for c in y_classes.tolist() if c in wanted_set]
    count_of = dict(zip(y_classes.tolist(), np.asarray(counts).tolist(), strict=True))
    for label in chosen:
        if label not in prefit and count_of[label] < 2:
            raise ValueError(
                f"y: class {label!r} has {count_of[label]} sample(s); SMRT needs at "
                "least 2 samples of a class to fit its generator."
            )
    return chosen
