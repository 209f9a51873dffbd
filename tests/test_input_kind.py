"""How a 3-D or 4-D X is read: images only on evidence (integer pixels or
values in a pixel range), other floats as a table in the caller's shape."""

import numpy as np
import pytest
from sklearn.base import clone

from smrt_keras import Reconstructor
from smrt_keras.validation import input_kind_of


def fast(**kw):
    return Reconstructor(random_state=0, **{"epochs": 8, **kw})


@pytest.fixture(scope="module")
def series():
    """300 short multichannel series (6 steps x 4 channels), standard normal."""
    X = np.random.default_rng(0).normal(size=(300, 6, 4))
    return X, np.r_[np.zeros(240, int), np.ones(60, int)]


def test_standard_normal_3d_floats_are_fitted_as_a_table(series, capsys):
    X, y = series
    smrt = fast(verbose=1).fit(X, y)
    note = capsys.readouterr().out.splitlines()[0]
    assert note.startswith("[smrt] input: X is a 3-D float64 array with values in")
    assert "fitted as a table" in note and "input_kind='image'" in note
    assert smrt.input_kind_ == "table"
    assert "outside the pixel" in smrt.input_kind_reason_
    recipe = smrt.generators_[1].recipe
    assert recipe.likelihood == "gaussian" and not recipe.image
    assert recipe.data_shape == (24,) and recipe.generation == "prior"
    X_new, _ = smrt.generate(500, label=1, random_state=0)
    assert X_new.shape == (500, 6, 4) and X_new.dtype == X.dtype
    # The image path (min-max pixels, Bernoulli) gave about 0.03 here.
    assert X_new.std() > 0.8 * X[y == 1].std()


def test_the_path_survives_save_and_load(series, tmp_path):
    X, y = series
    smrt = fast(epochs=1).fit(X, y)
    loaded = Reconstructor.load(smrt.save(tmp_path / "s"))
    assert loaded.input_kind_ == "table"
    assert loaded.input_kind_reason_ == smrt.input_kind_reason_
    a, b = smrt.generate(3, random_state=1)[0], loaded.generate(3, random_state=1)[0]
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "X, kind",
    [
        (np.arange(2 * 3 * 4).reshape(2, 3, 4), "image"),  # integers
        (np.zeros((2, 3, 4), dtype=bool), "image"),
        (np.linspace(0, 1, 24).reshape(2, 3, 4), "image"),
        (np.linspace(0, 255, 48).reshape(2, 3, 4, 2), "image"),
        (np.linspace(-1, 1, 24).reshape(2, 3, 4), "table"),
        (np.linspace(0, 300, 24).reshape(2, 3, 4), "table"),
        (np.ones((2, 3)), "table"),
    ],
)
def test_auto_reads_evidence_not_ndim(X, kind):
    assert input_kind_of(X.astype("float64"), X.dtype)[0] == kind


def test_pixels_take_the_image_path_unchanged(digit_images):
    images, target = digit_images
    keep = np.r_[np.flatnonzero(target == 0)[:60], np.flatnonzero(target == 1)[:12]]
    X, y = images[keep], target[keep]
    auto = fast(epochs=1).fit(X, y)
    forced = fast(epochs=1, input_kind="image").fit(X, y)
    assert auto.input_kind_ == "image" and "pixel range" in auto.input_kind_reason_
    assert auto.generators_[1].vae.encoder_type == "conv"
    assert auto.generators_[1].recipe == forced.generators_[1].recipe
    np.testing.assert_array_equal(
        auto.generate(4, random_state=0)[0], forced.generate(4, random_state=0)[0]
    )
    uint8 = fast(epochs=1).fit(X.astype("uint8"), y)
    assert uint8.input_kind_ == "image" and "whole numbers" in uint8.input_kind_reason_


def test_input_kind_is_a_checked_parameter(series):
    X, y = series
    smrt = Reconstructor(input_kind="table")
    assert smrt.get_params()["input_kind"] == "table"
    assert clone(smrt).input_kind == "table"
    with pytest.raises(ValueError, match="input_kind"):
        Reconstructor(input_kind="pixels").fit(X, y)
    with pytest.raises(ValueError, match="input_kind='image' needs an image batch"):
        Reconstructor(input_kind="image").fit(X.reshape(300, -1), y)
    with pytest.raises(ValueError, match="pass input_kind='image'"):
        Reconstructor(encoder="conv").fit(X, y)
    forced = fast(epochs=1, input_kind="image").fit(X, y)
    assert forced.input_kind_ == "image"
    assert forced.generators_[1].recipe.likelihood == "bernoulli"
