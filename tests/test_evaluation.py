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


def test_dcr_ratio_copies_new_data_and_far_samples(rng):
    from smrt_keras.evaluation import closest_distances, dcr_ratio

    train = rng.standard_normal((300, 6))
    holdout = rng.standard_normal((300, 6))
    fresh = rng.standard_normal((300, 6))
    copies = train[rng.integers(0, 300, 300)] + 1e-6
    assert dcr_ratio(train, holdout, copies) < 0.01
    assert dcr_ratio(train, holdout, fresh) == pytest.approx(1.0, abs=0.15)
    assert dcr_ratio(train, holdout, fresh + 10.0) > 5.0
    # Images are flattened; distances match a brute-force search.
    d = closest_distances(train.reshape(300, 2, 3), fresh[:5].reshape(5, 2, 3))
    brute = np.linalg.norm(fresh[:5, None] - train[None], axis=2).min(1)
    np.testing.assert_allclose(d, brute)


def test_dcr_ratio_by_class_keeps_classes_apart(rng):
    from smrt_keras.evaluation import dcr_ratio_by_class

    centres = {0: 0.0, 1: 50.0}

    def draw(n):
        y = np.repeat([0, 1], n)
        X = rng.standard_normal((2 * n, 4)) + np.vectorize(centres.get)(y)[:, None]
        return X, y

    train, holdout, fake = draw(150), draw(150), draw(150)
    assert dcr_ratio_by_class(train, holdout, fake) == pytest.approx(1.0, abs=0.2)
    # Samples labelled with the other class are far from that class's members.
    swapped = (fake[0], 1 - fake[1])
    assert dcr_ratio_by_class(train, holdout, swapped) > 10.0


def test_dcr_ratio_refuses_duplicated_holdout(rng):
    from smrt_keras.evaluation import dcr_ratio

    train = rng.standard_normal((20, 3))
    with pytest.raises(ValueError, match="holdout"):
        dcr_ratio(train, train[:5], train)
