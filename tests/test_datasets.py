"""Loaders and imbalance helpers."""

import os

import numpy as np
import pytest

from smrt_keras.datasets import (
    MNIST_ENV,
    load_imbalanced_digits,
    load_mnist,
    make_imbalanced,
)
from smrt_keras.plot import image_grid, write_png


def test_load_mnist_from_path_and_env(tmp_path, monkeypatch):
    fake = tmp_path / "m.npz"
    arrays = {
        "x_train": np.zeros((3, 28, 28), np.uint8),
        "y_train": np.arange(3),
        "x_test": np.ones((2, 28, 28), np.uint8),
        "y_test": np.arange(2),
    }
    np.savez(fake, **arrays)
    (x_tr, y_tr), (x_te, y_te) = load_mnist(fake)
    assert x_tr.shape == (3, 28, 28) and x_te.dtype == np.uint8
    monkeypatch.setenv(MNIST_ENV, str(fake))
    assert load_mnist()[1][1].tolist() == [0, 1]
    monkeypatch.setenv(MNIST_ENV, str(tmp_path / "missing.npz"))
    with pytest.raises(FileNotFoundError, match=MNIST_ENV):
        load_mnist()
    np.savez(fake, x_train=arrays["x_train"])
    with pytest.raises(ValueError, match="missing"):
        load_mnist(fake)


@pytest.mark.skipif(
    not os.environ.get(MNIST_ENV), reason="shared MNIST file not present"
)
def test_shared_mnist_layout():
    (x_tr, y_tr), (x_te, y_te) = load_mnist()
    assert x_tr.shape == (60000, 28, 28) and x_te.shape == (10000, 28, 28)
    assert x_tr.dtype == np.uint8 and set(np.unique(y_te)) == set(range(10))


def test_make_imbalanced_counts():
    X, y = load_imbalanced_digits()
    assert X.shape[1:] == (8, 8)
    assert np.bincount(y).tolist() == [150] * 7 + [15] * 3
    with pytest.raises(ValueError, match="only"):
        make_imbalanced(X, y, {0: 10_000})


def test_png_writer(tmp_path):
    grid = image_grid([np.random.default_rng(0).random((3, 8, 8)), np.zeros((2, 8, 8))])
    assert grid.shape == (2 * 9 + 1, 3 * 9 + 1) and grid.dtype == np.uint8
    path = write_png(tmp_path / "g.png", grid, scale=2)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and b"IEND" in data[-12:]
    with pytest.raises(ValueError, match="uint8"):
        write_png(tmp_path / "bad.png", grid.astype(float))


def test_compare_rows_and_projection(tmp_path, rng):
    import matplotlib

    matplotlib.use("Agg")
    from smrt_keras.plot import compare_rows, projection_scatter

    imgs = rng.random((12, 8, 8))
    fig = compare_rows(imgs, imgs, imgs, n=6, path=tmp_path / "rows.png")
    assert len(fig.axes) == 1 and (tmp_path / "rows.png").stat().st_size > 0
    fig = projection_scatter(
        rng.normal(size=(50, 5)), rng.normal(size=(20, 5)), path=tmp_path / "proj.png"
    )
    assert len(fig.axes[0].collections) == 2
    with pytest.raises(ValueError, match="not a square"):
        compare_rows(rng.random((3, 10)), rng.random((3, 10)))


def test_plot_without_matplotlib(monkeypatch):
    import sys

    from smrt_keras import plot

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"smrt-keras\[plot\]"):
        plot.compare_rows(np.zeros((2, 4, 4)), np.zeros((2, 4, 4)))
