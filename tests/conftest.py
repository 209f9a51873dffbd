"""Shared fixtures. Tests use small data and no network."""

import os
from pathlib import Path

import numpy as np
import pytest

# No TF_CPP_MIN_LOG_LEVEL here: smrt_keras.models.quiet silences the backend's
# start-up itself, and the suite checks that (test_packaging, test_notebook).

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist.npz"
if SHARED_MNIST.is_file():
    os.environ.setdefault("SMRT_MNIST_PATH", str(SHARED_MNIST))


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def imbalanced_tabular():
    """breast_cancer made 10:1 (357 benign, 36 malignant), float64."""
    from sklearn.datasets import load_breast_cancer

    from smrt_keras.datasets import make_imbalanced

    X, y = load_breast_cancer(return_X_y=True)
    return make_imbalanced(X, y, {1: 357, 0: 36}, random_state=0)


@pytest.fixture(scope="session")
def small_tabular():
    """A tiny 3-class problem with 6 features, fast to fit."""
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=160,
        n_features=6,
        n_informative=4,
        n_classes=3,
        weights=[0.7, 0.2, 0.1],
        random_state=0,
    )
    return X, y


@pytest.fixture(scope="session")
def digit_images():
    """scikit-learn digits as 8x8 float images, 0..16."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.images, digits.target
