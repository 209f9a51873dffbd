"""sampling_strategy resolution, side by side with imbalanced-learn."""

import re

import numpy as np
import pytest
from imblearn.utils import check_sampling_strategy

from smrt_keras.strategy import resolve_sampling_strategy

Y_MULTI = np.array([0] * 50 + [1] * 20 + [2] * 7 + [3] * 3)
Y_BINARY = np.array(["a"] * 40 + ["b"] * 9)


def imblearn(strategy, y):
    return dict(check_sampling_strategy(strategy, y, "over-sampling"))


@pytest.mark.parametrize(
    "strategy",
    [
        "auto",
        "minority",
        "not minority",
        "not majority",
        "all",
        {1: 30, 3: 10},
        lambda y: {2: 40},
    ],
)
@pytest.mark.parametrize("y", [Y_MULTI, Y_BINARY], ids=["multiclass", "binary"])
def test_matches_imblearn(strategy, y):
    if isinstance(strategy, dict) and y is Y_BINARY:
        strategy = {"b": 30}
    if callable(strategy) and y is Y_BINARY:
        strategy = lambda y: {"b": 41}  # noqa: E731
    assert dict(resolve_sampling_strategy(strategy, y)) == imblearn(strategy, y)


@pytest.mark.parametrize("ratio", [0.5, 0.9, 1.0])
def test_float_binary_matches_imblearn(ratio):
    assert dict(resolve_sampling_strategy(ratio, Y_BINARY)) == imblearn(ratio, Y_BINARY)


def test_float_multiclass_is_smrt_balance_ratio():
    # Every class below 0.2 * 50 = 10 is raised to 10; class 1 (20) is left alone.
    assert dict(resolve_sampling_strategy(0.2, Y_MULTI)) == {2: 3, 3: 7}
    with pytest.raises(ValueError):  # imblearn refuses multiclass floats
        imblearn(0.2, Y_MULTI)


@pytest.mark.parametrize(
    "strategy, y",
    [
        ("majority", Y_MULTI),
        ("bogus", Y_MULTI),
        ({9: 10}, Y_MULTI),
        ({1: 5}, Y_MULTI),
        ({1: -1}, Y_MULTI),
        (1.5, Y_BINARY),
        (0.0, Y_BINARY),
        (0.1, Y_BINARY),
    ],
)
def test_errors_match_imblearn(strategy, y):
    with pytest.raises(ValueError) as ours:
        resolve_sampling_strategy(strategy, y)
    with pytest.raises(ValueError) as theirs:
        imblearn(strategy, y)

    def norm(msg):
        return re.sub(r"\W+", " ", str(msg)).strip().lower()

    if strategy == "bogus":
        # imbalanced-learn lists its dict of functions here; we list the names.
        for text in (norm(ours.value), norm(theirs.value)):
            assert text.startswith("when sampling_strategy is a string it needs")
            assert text.endswith("got bogus instead")
    else:
        assert norm(ours.value) == norm(theirs.value)


def test_single_class_and_bad_types():
    with pytest.raises(ValueError, match="more than 1 class"):
        resolve_sampling_strategy("auto", np.zeros(5))
    with pytest.raises(TypeError, match="sampling_strategy"):
        resolve_sampling_strategy([0, 1], Y_MULTI)
    with pytest.raises(TypeError, match="sampling_strategy"):
        resolve_sampling_strategy(True, Y_BINARY)
    with pytest.raises(TypeError, match="must return a dict"):
        resolve_sampling_strategy(lambda y: 3, Y_MULTI)
    with pytest.raises(TypeError, match="must be an int"):
        resolve_sampling_strategy({1: 30.5}, Y_MULTI)
