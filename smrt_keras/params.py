"""Declarative parameter checks, in the manner of scikit-learn's
``_parameter_constraints``: an estimator lists what each parameter accepts,
and one function checks them all and names the offender.

This module imports nothing from smrt_keras, so every layer may use it
(the models included).

Examples
--------
>>> constraints = {"epochs": [Int(1)], "encoder": [Options("auto", "dense")]}
>>> check_params({"epochs": 5, "encoder": "dense"}, constraints)
>>> check_params({"epochs": 0, "encoder": "dense"}, constraints)
Traceback (most recent call last):
...
ValueError: epochs must be an int >= 1; got epochs=0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any


def is_int(value: Any) -> bool:
    """True for Python and numpy integers, False for bools (``True == 1``)."""
    return isinstance(value, Integral) and not isinstance(value, bool)


class Constraint:
    """One accepted form of a parameter: a test and how to describe it."""

    description = ""

    def accepts(self, value: Any) -> bool:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True)
class Options(Constraint):
    """One of a few literal values (strings, ``None``)."""

    values: tuple

    def __init__(self, *values: Any):
        object.__setattr__(self, "values", values)

    def accepts(self, value: Any) -> bool:
        # Compare only like with like: `array == "auto"` is element-wise.
        return any(type(value) is type(v) and value == v for v in self.values)

    @property
    def description(self) -> str:
        return _either([repr(v) for v in self.values])


@dataclass(frozen=True)
class Int(Constraint):
    """An int (not a bool) of at least ``low`` (and at most ``high``)."""

    low: int
    high: int | None = None

    def accepts(self, value: Any) -> bool:
        return (
            is_int(value)
            and value >= self.low
            and (self.high is None or value <= self.high)
        )

    @property
    def description(self) -> str:
        if self.high is None:
            return f"an int >= {self.low}"
        return f"an int in [{self.low}, {self.high}]"


@dataclass(frozen=True)
class NonZeroInt(Constraint):
    """An int other than 0 (a joblib ``n_jobs``: -1 is every worker)."""

    def accepts(self, value: Any) -> bool:
        return is_int(value) and value != 0

    @property
    def description(self) -> str:
        return "a nonzero int (-1: every worker)"


@dataclass(frozen=True)
class Float(Constraint):
    """A finite real number in an interval; ``low``/``high`` may be open."""

    low: float = -math.inf
    high: float = math.inf
    closed: str = "both"  # "both", "left", "right" or "neither"

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, Real):
            return False
        if not math.isfinite(value):
            return False
        left = (
            value >= self.low if self.closed in ("both", "left") else value > self.low
        )
        right = (
            value <= self.high
            if self.closed in ("both", "right")
            else value < self.high
        )
        return left and right

    @property
    def description(self) -> str:
        if self.high == math.inf:
            op = ">=" if self.closed in ("both", "left") else ">"
            return f"a finite float {op} {self.low:g}"
        lo = "[" if self.closed in ("both", "left") else "("
        hi = "]" if self.closed in ("both", "right") else ")"
        return f"a float in {lo}{self.low:g}, {self.high:g}{hi}"


@dataclass(frozen=True)
class Bool(Constraint):
    """``True`` or ``False`` (numpy bools too)."""

    description = "True or False"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, bool) or type(value).__name__ == "bool_"


@dataclass(frozen=True)
class PositiveInts(Constraint):
    """A sequence (not a string) of ints >= 1; may be empty."""

    description = "a sequence of positive ints"

    def accepts(self, value: Any) -> bool:
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            return False
        return all(is_int(v) and v > 0 for v in value)


@dataclass(frozen=True)
class InstanceOf(Constraint):
    """An instance of a type (a ``Mapping``, for instance)."""

    kind: type
    name: str

    def accepts(self, value: Any) -> bool:
        return isinstance(value, self.kind)

    @property
    def description(self) -> str:
        return self.name


MAPPING = InstanceOf(Mapping, "a dict")


def _either(items: list[str]) -> str:
    """'a', 'b' or 'c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def check_params(params: Mapping[str, Any], constraints: Mapping[str, list]) -> None:
    """Raise ``ValueError`` naming the first parameter no constraint accepts.

    Parameters missing from ``constraints`` are not checked here (their
    meaning depends on the data, e.g. ``sampling_strategy``).
    """
    for name, allowed in constraints.items():
        value = params[name]
        if not any(c.accepts(value) for c in allowed):
            expected = _either([c.description for c in allowed])
            raise ValueError(f"{name} must be {expected}; got {name}={value!r}.")


#: The largest seed: what numpy's ``RandomState`` (and so scikit-learn's
#: ``check_random_state``) accepts, ``2**32 - 1``; fit and generate both
#: refuse a larger ``random_state`` with the same message.
MAX_SEED = 2**32 - 1


def check_seed(random_state: Any, name: str = "random_state") -> None:
    """Refuse an int seed outside ``[0, MAX_SEED]``, naming ``name``; other
    values (None, a Generator, a RandomState) are the caller's to check."""
    import numpy as np

    odd = random_state is not None and not is_int(random_state)
    if odd and not isinstance(
        random_state, (np.random.Generator, np.random.RandomState)
    ):
        raise ValueError(
            f"{name} must be an int in [0, {MAX_SEED}] (2**32 - 1), a numpy "
            f"Generator or RandomState, or None; got {name}={random_state!r}."
        )
    if is_int(random_state) and not 0 <= random_state <= MAX_SEED:
        raise ValueError(
            f"{name} must be an int in [0, {MAX_SEED}] (2**32 - 1), a numpy "
            f"Generator or RandomState, or None; got {name}={random_state!r}."
        )
