"""RandomAffine and its use in training minibatches."""

import numpy as np

from smrt_keras.augmentation import RandomAffine


def test_identity_when_all_ranges_are_zero():
    images = np.random.default_rng(0).random((5, 9, 7)).astype("float32")
    out = RandomAffine(0, 0, 0)(images, np.random.default_rng(0))
    np.testing.assert_allclose(out, images, atol=1e-5)


def test_shapes_dtypes_channels_and_seed():
    rng = np.random.default_rng(0)
    gray = rng.random((6, 12, 12)).astype("float32")
    colour = rng.random((3, 10, 8, 3)).astype("float32")
    aug = RandomAffine()
    a = aug(gray, np.random.default_rng(1))
    assert a.shape == gray.shape and a.dtype == gray.dtype
    np.testing.assert_array_equal(a, aug(gray, np.random.default_rng(1)))
    assert not np.allclose(a, gray)
    c = aug(colour, np.random.default_rng(1))
    assert c.shape == colour.shape


def test_pure_shift_moves_the_mass_centre():
    image = np.zeros((1, 21, 21), dtype="float32")
    image[0, 8:13, 8:13] = 1.0
    aug = RandomAffine(max_shift=0.2, max_rotation=0, max_scale=0)
    rng = np.random.default_rng(3)
    moved = aug(image, rng)[0]
    # Replay the draws in RandomAffine's order: angles, scales, then shifts.
    replay = np.random.default_rng(3)
    replay.uniform(0, 0, 1), replay.uniform(0, 0, 1)
    shift = replay.uniform(-0.2, 0.2, (1, 2))[0] * 21
    rows, cols = np.indices(moved.shape)
    centre = np.array([(rows * moved).sum(), (cols * moved).sum()]) / moved.sum()
    np.testing.assert_allclose(centre, [10 + shift[0], 10 + shift[1]], atol=0.3)


def test_minibatch_order_is_independent_of_augmentation():
    from smrt_keras.models.keras_fit import ShuffledBatches

    x = np.arange(40, dtype="float32").reshape(10, 2, 2)
    plain = ShuffledBatches(x, 4, seed=0)
    augmented = ShuffledBatches(x, 4, seed=0, transform=lambda b, rng: b + 100)
    for i in range(len(plain)):
        np.testing.assert_array_equal(plain[i][0] + 100, augmented[i][0])
    plain.on_epoch_end(), augmented.on_epoch_end()
    np.testing.assert_array_equal(plain[0][0] + 100, augmented[0][0])
