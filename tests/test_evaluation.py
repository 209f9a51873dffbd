"""Fidelity metrics and the image judge."""

import numpy as np
import pytest

from smrt_keras.evaluation import ImageJudge, frechet_distance, knn_precision_recall


def test_frechet_distance_known_values(rng):
    a = rng.standard_normal((4000, 3))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    shifted = a + np.array([2.0, 0.0, 0.0])
    assert frechet_distance(a, shifted) == pytest.approx(4.0, rel=1e-3)
    scaled = a * 2.0  # trace(C1 + C2 - 2 sqrt(C1 C2)) = 3 * (1 + 4 - 4) = 3
    assert frechet_distance(a, scaled) == pytest.approx(3.0, rel=0.05)


def test_knn_precision_recall_extremes(rng):
    real = rng.standard_normal((300, 4))
    assert knn_precision_recall(real, real) == (1.0, 1.0)
    far = real + 100.0
    assert knn_precision_recall(real, far) == (0.0, 0.0)
    collapsed = np.repeat(real[:1], 300, axis=0) + 1e-9 * rng.standard_normal((300, 4))
    precision, recall = knn_precision_recall(real, collapsed)
    assert precision == 1.0 and recall < 0.05  # faithful but no diversity


def test_image_judge_on_digits(digit_images):
    images, target = digit_images
    judge = ImageJudge(epochs=10, seed=0).fit(images[:1200] * 16, target[:1200])
    acc = judge.accuracy(images[1200:] * 16, target[1200:])
    assert acc > 0.8
    feats, pred = judge.features(images[1200:1210] * 16)
    assert feats.shape == (10, 128) and pred.shape == (10,)
    sevens = images[1200:][target[1200:] == 7] * 16
    assert judge.recognisability(sevens, 7) > 0.7
