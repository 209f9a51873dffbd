"""fit_resample's mix of synthetic samples and (augmented) copies, the
sample filter, backbone="auto" and Reconstructor.resample."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from smrt_keras import Reconstructor
from smrt_keras.backbone import resolve_backbone
from smrt_keras.filtering import SampleFilter, near_copies
from smrt_keras.resampling import ResampleSettings, describe
from smrt_keras.validation import check_X


@pytest.fixture(scope="module")
def three_digits(digit_images):
    """Digits 0, 1, 2 at 60 : 20 : 10, as uint8 0..255 images."""
    X, y = digit_images
    keep = np.concatenate(
        [np.flatnonzero(y == d)[:n] for d, n in ((0, 60), (1, 20), (2, 10))]
    )
    return (X[keep] * 255 / 16).round().astype("uint8"), y[keep]


def _smrt(**params):
    return Reconstructor(backbone_epochs=4, random_state=0, **params)


def test_backbone_auto_is_conditional_for_images_and_per_class_for_tables(three_digits):
    X, y = three_digits
    _, image_spec = check_X(X, "X")
    _, table_spec = check_X(X.reshape(len(X), -1).astype(float), "X")
    assert resolve_backbone("auto", image_spec, [0, 1, 2]) == "conditional"
    assert resolve_backbone("auto", image_spec, [0]) is None
    assert resolve_backbone("auto", table_spec, [0, 1, 2]) is None
    assert resolve_backbone("fit", table_spec, [0, 1]) == "fit"
    smrt = _smrt().fit(X, y)
    # One conditional VAE: every class slice reports the one model's curves.
    assert smrt.generators_[1].history is not smrt.generators_[2].history
    assert smrt.generators_[1].history == smrt.generators_[2].history


def test_share_zero_is_augmented_copies_only(three_digits):
    X, y = three_digits
    # augment=True: "auto" leaves images under 16 pixels a side untransformed.
    smrt = _smrt(synthetic_fraction=0.0, augment=True)
    X_res, y_res = smrt.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [60, 60, 60]
    info = smrt.resample_info_
    assert {c: (v["synthetic"], v["copies"]) for c, v in info.items()} == {
        1: (0, 40),
        2: (0, 50),
    }
    assert info[1]["filter"] is None  # nothing synthetic to filter
    new = X_res[len(X) :]
    # Augmented: no new image is an exact copy of a real one.
    real = {image.tobytes() for image in X}
    copied = [image.tobytes() in real for image in new]
    assert np.mean(copied) < 0.05, np.mean(copied)


def test_share_zero_fits_no_generator_and_says_so(three_digits, tmp_path):
    X, y = three_digits
    smrt = _smrt(synthetic_fraction=0.0, augment=True)
    X_res, y_res = smrt.fit_resample(X, y)
    assert smrt.resample_only_ and smrt.generators_ == {}
    assert "copies only, no generators" in repr(smrt)
    # The same seeds are drawn as when generators are fitted: the copies are
    # those a fit followed by resample() makes.
    fitted = _smrt(synthetic_fraction=0.0, augment=True).fit(X, y)
    assert not fitted.resample_only_ and len(fitted.generators_) == 2
    X_again, y_again = fitted.resample(X, y)
    np.testing.assert_array_equal(X_res, X_again)
    np.testing.assert_array_equal(y_res, y_again)
    for call in (lambda: smrt.generate(2), lambda: smrt.save(tmp_path / "s")):
        with pytest.raises(NotFittedError, match="real samples only.*Call fit"):
            call()
    smrt.set_params(synthetic_fraction=0.5)
    with pytest.raises(NotFittedError, match="fitted none"):
        smrt.resample(X, y)
    # A later fit gives it generators again.
    assert not smrt.set_params(synthetic_fraction=0.0).fit(X, y).resample_only_


def test_share_one_without_filter_is_all_synthetic(three_digits):
    X, y = three_digits
    smrt = _smrt(synthetic_fraction=1.0, filter_samples=False)
    X_res, y_res = smrt.fit_resample(X, y)
    assert len(X_res) == 180 and X_res.dtype == np.uint8
    assert smrt.resample_info_[2] == {
        "synthetic": 50, "filter": None, "n_new": 50, "copies": 0,
    }  # fmt: skip


def test_filter_reports_its_dropped_share_and_saves_it(three_digits, tmp_path, capsys):
    X, y = three_digits
    smrt = _smrt(synthetic_fraction=0.5, verbose=1)
    X_res, y_res = smrt.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [60, 60, 60]
    for label in (1, 2):
        info = smrt.generators_[label].info["resample"]
        report = info["filter"]
        assert report["drawn"] >= info["synthetic"]
        dropped = report["misread"] + report["near_copy"]
        assert report["dropped_share"] == pytest.approx(
            dropped / report["drawn"], abs=1e-4
        )
        assert info["synthetic"] + info["copies"] == info["n_new"]
        assert 0 <= info["synthetic"] <= round(0.5 * info["n_new"])
    out = capsys.readouterr().out
    assert "class 2: 50 new = " in out and "the filter dropped" in out
    loaded = Reconstructor.load(smrt.save(tmp_path / "s"))
    assert loaded.generators_[2].info == smrt.generators_[2].info


def test_same_seed_same_resample(three_digits):
    X, y = three_digits
    a = _smrt(synthetic_fraction=0.5).fit_resample(X, y)[0]
    b = _smrt(synthetic_fraction=0.5).fit_resample(X, y)[0]
    np.testing.assert_array_equal(a, b)


def test_resample_reuses_the_fit(three_digits):
    X, y = three_digits
    smrt = _smrt(filter_samples=False).fit(X, y)
    weights = smrt.generators_[1].vae.get_weights()[0].copy()
    X_res, y_res = smrt.set_params(synthetic_fraction=0.25).resample(X, y)
    assert np.bincount(y_res).tolist() == [60, 60, 60]
    assert smrt.resample_info_[1]["synthetic"] == 10  # round(0.25 * 40)
    np.testing.assert_array_equal(smrt.generators_[1].vae.get_weights()[0], weights)
    with pytest.raises(ValueError, match=r"shape \(4, 16\).*\(8, 8\)"):
        smrt.resample(X.reshape(len(X), 4, 16), y)
    with pytest.raises(ValueError, match="no rows of the classes to resample"):
        smrt.resample(X[y == 0], y[y == 0])


def test_filter_drops_misread_and_near_copies(three_digits):
    X, y = three_digits
    f = SampleFilter.fit(X, y, seed=0)
    twos, ones = X[y == 2], X[y == 1]
    # Real 1s offered as 2s are misread; real 2s are near-copies of themselves.
    keep, counts = f.check(ones, 2, twos)
    assert counts["misread"] >= 0.8 * len(ones) and keep.mean() <= 0.2
    keep, counts = f.check(twos, 2, twos)
    assert counts["near_copy"] + counts["misread"] == len(twos) and not keep.any()
    with pytest.raises(ValueError, match="label 7 is not among"):
        f.own_probability(twos, 7)


def test_near_copies_against_leave_one_out_distances(rng):
    members = rng.normal(size=(30, 16))
    assert near_copies(members + 1e-4, members).all()
    assert not near_copies(members + 10.0, members).any()
    assert not near_copies(members, members[:1]).any()  # one member: no scale


def test_bad_values_name_the_parameter(three_digits):
    X, y = three_digits
    with pytest.raises(ValueError, match="synthetic_fraction"):
        _smrt(synthetic_fraction=1.5).fit_resample(X, y)
    one_class = _smrt(filter_samples=True, sampling_strategy={0: 80})
    with pytest.raises(ValueError, match="filter_samples=True needs two or more"):
        one_class.fit_resample(X[y == 0].reshape(-1, 64).astype(float), y[y == 0])


def test_tables_keep_every_slot_synthetic(small_tabular):
    X, y = small_tabular
    _, spec = check_X(X, "X")
    params = {"synthetic_fraction": "auto", "filter_samples": "auto", "augment": "auto"}
    resolve = ResampleSettings.resolve
    assert resolve(params, spec, 3) == ResampleSettings(1.0, False, False)
    _, small = check_X(np.zeros((4, 8, 8), "uint8"), "X")
    _, wide = check_X(np.zeros((4, 16, 16), "uint8"), "X")
    assert resolve(params, small, 3) == ResampleSettings(0.0, False, False)
    assert resolve(params, wide, 3) == ResampleSettings(0.0, False, True)
    smrt = Reconstructor(epochs=2, random_state=0)
    smrt.fit_resample(X, y)
    assert all(v["copies"] == 0 for v in smrt.resample_info_.values())
    line = describe(np.int64(1), next(iter(smrt.resample_info_.values())))
    assert line.startswith("class 1: ")


def test_a_filter_that_keeps_too_few_warns_and_names_the_classes(three_digits):
    X, y = three_digits
    # One epoch: the VAE's samples are blurs the filter's CNN misreads.
    smrt = Reconstructor(backbone_epochs=1, random_state=0, synthetic_fraction=1.0)
    with pytest.warns(UserWarning, match=r"kept fewer synthetic samples.*2: \d+ of 50"):
        smrt.fit_resample(X, y)
    assert smrt.resample_info_[2]["copies"] > 0


def test_neighbour_filter_drops_rows_another_class_claims():
    """Class sizes weigh the vote: a minority candidate with one minority and
    four majority neighbours at 1:10 is kept; one deep in the majority is not.
    A categorical column counts 1 per differing level."""
    from smrt_keras.table_filter import NeighbourFilter

    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, (200, 2)), rng.normal(3, 0.3, (20, 2))]
    y = np.r_[np.zeros(200, int), np.ones(20, int)]
    f = NeighbourFilter.fit(X, y)
    keep, why = f.check(np.array([[0.0, 0.0], [3.0, 3.0]]), 1, X[y == 1])
    assert keep.tolist() == [False, True] and why == {"claimed": 1}
    # Every neighbour counted over its class's size: one minority row of one
    # and four majority rows of 40 (1/1 against 4/40) keep the candidate.
    line = np.r_[np.arange(40.0), 100.0][:, None]
    f_line = NeighbourFilter.fit(line, np.r_[np.zeros(40, int), 1])
    assert not f_line.claimed(np.array([[75.0]]), 1).any()
    assert f_line.claimed(np.array([[20.0]]), 1).all()
    with pytest.raises(ValueError, match="label 7"):
        f.check(X[:1], 7)
    kinds = ["numeric", "categorical"]
    rows = np.c_[np.zeros(10), np.repeat([0.0, 1.0], 5)]
    cat = NeighbourFilter.fit(rows, np.repeat([0, 1], 5), kinds)
    assert cat.claimed(np.array([[0.0, 1.0]]), 0).all()


def test_table_filter_lowers_the_border_share(small_tabular):
    """On a table, filter_samples=True redraws the synthetic rows another
    class claims: fewer land beside another class's rows, and the dropped
    share is reported per class."""
    from smrt_keras.evaluation import border_share

    X, y = small_tabular
    Xs = (X - X.mean(0)) / X.std(0)
    shares = {}
    for flag in (False, True):
        smrt = Reconstructor(epochs=20, random_state=0, filter_samples=flag)
        X_res, y_res = smrt.fit_resample(X, y)
        new, labels = X_res[len(X) :], y_res[len(X) :]
        new = (new - X.mean(0)) / X.std(0)
        shares[flag] = np.mean(
            [border_share(Xs, y, new[labels == c], c) for c in np.unique(labels)]
        )
        assert np.bincount(y_res).tolist() == [np.bincount(y).max()] * 3
    report = smrt.resample_info_[2]["filter"]
    assert report["drawn"] > 0 and set(report) == {"drawn", "dropped_share", "claimed"}
    assert "claimed by another class" in describe(2, smrt.resample_info_[2])
    assert shares[True] < shares[False]


def test_neighbour_filter_counts_ties_and_ignores_row_order():
    """Codes put many real rows at one distance: every row tied with the
    5th nearest counts, so the density comparison is the same in any row
    order (a sceptic found argpartition's position order deciding it)."""
    from smrt_keras.table_filter import NeighbourFilter

    # 250 majority rows at each code 0-3; 10 minority rows at codes 0 and 1,
    # so the minority's density (10/20) beats the majority's (250/1000) there.
    X = np.r_[np.repeat([0, 1, 2, 3], 250), np.repeat([0, 1], 10)].astype(float)[
        :, None
    ]
    y = np.r_[np.zeros(1000, int), np.ones(20, int)]
    codes = np.array([[0.0], [1.0], [2.0], [3.0]])
    for seed in range(4):
        order = np.random.default_rng(seed).permutation(len(X))
        f = NeighbourFilter.fit(X[order], y[order])
        assert f.claimed(codes, 1).tolist() == [False, False, True, True]
