"""Baseline samplers see float input: SMOTE on uint8 images must not wrap."""

import numpy as np
import pytest

pytest.importorskip("imblearn")

from smrt_keras.baselines import BASELINES, resample_baseline  # noqa: E402


def uint8_images(seed=0):
    """Minority images whose pixels are 10 or 200, so that most neighbour
    differences are negative (they wrap in uint8), and a majority class."""
    rng = np.random.default_rng(seed)
    minority = rng.choice(np.array([10, 200], "uint8"), size=(8, 6, 6))
    majority = rng.integers(0, 256, size=(40, 6, 6), dtype="uint8")
    X = np.concatenate([majority, minority])
    y = np.array([0] * len(majority) + [1] * len(minority))
    return X, y


def between_two_parents(sample, members, tol=1):
    """Whether ``sample`` lies, pixel by pixel, between some pair of members
    (SMOTE's sample is a + t (b - a) for one t in [0, 1], then rounded)."""
    s = sample.astype(int)
    for a in members.astype(int):
        for b in members.astype(int):
            low, high = np.minimum(a, b) - tol, np.maximum(a, b) + tol
            if np.all((low <= s) & (s <= high)):
                return True
    return False


def test_smote_on_uint8_images_stays_between_parents():
    X, y = uint8_images()
    X_res, y_res = resample_baseline("SMOTE", X, y, random_state=0)
    new, members = X_res[len(X) :], X[y == 1]
    assert X_res.dtype == np.uint8 and X_res.shape[1:] == X.shape[1:]
    assert len(new) == 32 and np.all(y_res[len(X) :] == 1)
    assert all(between_two_parents(s, members) for s in new)
    # No pixel wrapped: every value lies in the parents' range [10, 200].
    assert new.min() >= 10 and new.max() <= 200


def test_the_check_catches_wrapped_pixels():
    # The same check on SMOTE fed uint8 directly (the old benchmarks' path)
    # fails: the differences wrap and samples leave their parents' range.
    from imblearn.over_sampling import SMOTE

    X, y = uint8_images()
    flat = X.reshape(len(X), -1)
    X_raw, _ = SMOTE(random_state=0).fit_resample(flat, y)
    new = X_raw[len(X) :].reshape(-1, 6, 6)
    members = X[y == 1]
    assert not all(between_two_parents(s, members) for s in new)


@pytest.mark.parametrize("name", BASELINES)
def test_originals_first_and_dtype_kept(name):
    X, y = uint8_images(1)
    X_res, y_res = resample_baseline(name, X, y, random_state=0)
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)
    assert X_res.dtype == X.dtype and np.bincount(y_res).tolist() == [40, 40]


def test_ros_aug_augments_the_copies_only():
    X, y = uint8_images(2)
    X_ros, _ = resample_baseline("ROS", X, y, random_state=0)
    X_aug, _ = resample_baseline("ROS+aug", X, y, random_state=0)
    members = {m.tobytes() for m in X[y == 1]}
    # ROS makes exact copies; its augmented twin makes none.
    assert all(s.tobytes() in members for s in X_ros[len(X) :])
    assert not any(s.tobytes() in members for s in X_aug[len(X) :])
    # Same seed, same output.
    again, _ = resample_baseline("ROS+aug", X, y, random_state=0)
    np.testing.assert_array_equal(X_aug, again)


def test_float_features_pass_through_as_float():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = np.array([0] * 24 + [1] * 6)
    X_res, _ = resample_baseline("SMOTE", X, y, random_state=0)
    assert X_res.dtype == np.float64
    new = X_res[len(X) :]
    # Not rounded: float features keep their fractions.
    assert not np.allclose(new, np.rint(new))


def test_bad_arguments_name_the_value():
    X, y = uint8_images()
    with pytest.raises(ValueError, match="'KDE'"):
        resample_baseline("KDE", X, y)
    with pytest.raises(ValueError, match=r"shape \(48, 36\)"):
        resample_baseline("ROS+aug", X.reshape(len(X), -1), y)
    with pytest.raises(TypeError, match="dtype"):
        resample_baseline("ROS", X.astype(str), y)
