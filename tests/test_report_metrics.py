"""The quality report's metrics against values worked out by hand on tiny data."""

import numpy as np
import pandas as pd
import pytest

from smrt_keras.report import distances, efficacy, fidelity, metrics


def test_ks_and_tv_complement():
    # ECDFs differ most at 4: 1.0 (real) against 0.75 (synthetic).
    assert metrics.ks_complement([1, 2, 3, 4], [1, 2, 3, 5]) == pytest.approx(0.75)
    # Shares a: .5/.75, b: .5/.25 -> TVD = (.25 + .25) / 2.
    assert metrics.tv_complement(list("aabb"), list("aaab")) == pytest.approx(0.75)
    assert metrics.tv_complement(list("ab"), list("cd")) == 0.0


def test_correlation_and_contingency_similarity():
    real = np.array([[1, 1], [2, 2], [3, 3]])
    fake = np.array([[1, 3], [2, 2], [3, 1]])
    # r = 1 against r = -1: 1 - |1 - (-1)| / 2 = 0.
    assert metrics.correlation_similarity(real, fake) == pytest.approx(0.0)
    assert metrics.correlation_similarity(real, real) == pytest.approx(1.0)
    assert np.isnan(metrics.correlation_similarity(real, np.ones((3, 2))))
    r = pd.DataFrame({"a": list("xxyy"), "b": [1, 1, 2, 2]})
    f = pd.DataFrame({"a": list("xxyy"), "b": [1, 2, 2, 2]})
    # Joint shares x1 .5/.25, x2 0/.25, y2 .5/.5 -> TVD .25.
    assert metrics.contingency_similarity(r, f) == pytest.approx(0.75)


def test_discretize_uses_real_bins_with_open_ends():
    real = np.arange(11.0)  # edges 0, 1, ..., 10; the outer two open
    r, f = metrics.discretize(real, np.array([-5.0, 0.5, 100.0]))
    assert r[0] == 1 and r[-1] == 10
    assert list(f) == [1, 1, 10]
    # A mixed pair is compared on those bins.
    real_pair = pd.DataFrame({"x": [0.0, 10.0], "c": ["a", "b"]})
    fake_pair = pd.DataFrame({"x": [0.1, 9.9], "c": ["a", "b"]})
    kinds = ("numeric", "categorical")
    assert metrics.pair_similarity(real_pair, fake_pair, kinds) == pytest.approx(1.0)


def test_boundary_and_category_adherence():
    assert metrics.boundary_adherence([0, 10], [-1, 5, 10, 11]) == 0.5
    assert metrics.category_adherence(["a", "b"], ["a", "c", "b", "d"]) == 0.5


def test_prdc_by_hand():
    real = np.array([[0.0], [1.0], [2.0], [3.0]])
    fake = np.array([[0.5], [10.0]])
    # k = 1: every real ball has radius 1. 0.5 lies in the balls of 0 and 1,
    # 10 in none: density 2 / (1 * 2); real 0 and 1 have a fake in their ball.
    got = metrics.prdc(real, fake, k=1)
    assert got == {"precision": 0.5, "recall": 1.0, "density": 1.0, "coverage": 0.5}


def test_density_coverage_chunks_agree(monkeypatch, rng):
    real, fake = rng.normal(size=(60, 3)), rng.normal(size=(50, 3))
    whole = metrics.density_coverage(real, fake)
    monkeypatch.setattr(metrics, "CHUNK_ROWS", 7)
    assert metrics.density_coverage(real, fake) == pytest.approx(whole)


def test_table_dcr_by_hand():
    reference = pd.DataFrame({"x": [0.0, 10.0], "c": ["a", "b"]})
    kinds = {"x": "numeric", "c": "categorical"}
    query = pd.DataFrame({"x": [5.0, 30.0, np.nan], "c": ["a", "b", "a"]})
    dist, index = distances.table_dcr(query, reference, kinds)
    # (5 - 0) / 10 = .5 and a match: .25; 30 is capped at 1 and matches row 1:
    # (1 + 0) / 2; a missing number is 1 from any number: (1 + 0) / 2.
    np.testing.assert_allclose(dist, [0.25, 0.5, 0.5])
    assert list(index) == [0, 1, 0]
    constant = pd.DataFrame({"x": [2.0, 2.0]})
    d, _ = distances.table_dcr(
        pd.DataFrame({"x": [2.0, 3.0]}), constant, {"x": "numeric"}
    )
    np.testing.assert_allclose(d, [0.0, 1.0])


def test_table_dcr_blocks_agree_with_one_block(monkeypatch, rng):
    kinds = {"x": "numeric", "y": "numeric", "c": "categorical"}
    make = lambda n: pd.DataFrame(  # noqa: E731
        {
            "x": rng.normal(size=n),
            "y": rng.normal(size=n),
            "c": rng.choice(list("ab"), n),
        }
    )
    query, reference = make(40), make(30)
    whole = distances.table_dcr(query, reference, kinds)
    monkeypatch.setattr(distances, "BLOCK_ELEMENTS", 100)
    small = distances.table_dcr(query, reference, kinds)
    np.testing.assert_allclose(small[0], whole[0])


def test_image_dcr_matches_brute_force(rng):
    train, fake = rng.normal(size=(20, 2, 3)), rng.normal(size=(5, 2, 3))
    dist, index = distances.image_dcr(fake, train)
    brute = np.linalg.norm(fake.reshape(5, 1, 6) - train.reshape(1, 20, 6), axis=2)
    np.testing.assert_allclose(dist, brute.min(1))
    assert list(index) == list(brute.argmin(1))


def test_dcr_scores_by_hand():
    assert distances.baseline_protection(np.r_[0.1, 0.2, 0.3], np.full(3, 0.4)) == (
        pytest.approx(0.5)
    )
    assert distances.baseline_protection(np.r_[1.0, 1.0], np.r_[0.5]) == 1.0
    assert np.isnan(distances.baseline_protection(np.r_[1.0], np.r_[0.0]))
    half = distances.overfitting_protection([0.1, 0.5, 0.2, 0.9], [0.2, 0.4, 0.3, 0.8])
    assert half == {"score": 1.0, "closer_to_train": 0.5}
    most = distances.overfitting_protection([0.1, 0.1, 0.1, 0.5], [1, 1, 1, 0.1])
    assert most == {"score": 0.5, "closer_to_train": 0.75}
    assert distances.dcr_ratio_of(np.r_[1.0, 2.0, 3.0], np.r_[2.0, 2.0]) == 1.0


def test_random_rows_stay_in_range(rng):
    ref = pd.DataFrame({"i": [3, 5], "f": [0.5, 1.5], "c": ["u", "v"]})
    rows = distances.random_rows(ref, 200, rng)
    assert rows["i"].between(3, 5).all() and set(rows["i"]) == {3, 4, 5}
    assert rows["f"].between(0.5, 1.5).all()
    assert set(rows["c"]) == {"u", "v"}


def test_border_shares_by_hand():
    ref = np.array([[0.0], [1.0], [10.0], [11.0]])
    labels = np.array([0, 0, 1, 1])
    # 0.4's nearest real row is 0 (class 0), 9's is 10 (class 1).
    assert distances.border_share(ref, labels, np.array([[0.4], [9.0]]), 0) == 0.5
    rows = np.array([[0.0], [1.0], [5.6], [10.0], [11.0]])
    # 5.6 is 4.4 from 10 (class 1) and 4.6 from 1: one of class 0's three rows.
    labels = np.array([0, 0, 0, 1, 1])
    assert distances.real_border_share(rows, labels, 0) == pytest.approx(1 / 3)
    # A subsample of the class is queried; every row stays a reference.
    assert distances.real_border_share(rows, labels, 0, index=[2]) == 1.0
    assert distances.real_border_share(rows, labels, 0, index=[0, 1]) == 0.0
    with pytest.raises(ValueError, match="label=7 is not among"):
        distances.border_share(rows, labels, rows[:1], 7)


def test_efficacy_scores_and_tie_rule():
    y = np.array([0, 0, 0, 1])
    proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.3, 0.7]])
    got = efficacy.scores(y, proba, np.array([0, 0, 1, 1]), np.array([0, 1]))
    # Recalls 2/3 and 1; class 1's precision 1/2 and recall 1; AUC: 1 ranks top.
    assert got["balanced_accuracy"] == pytest.approx((2 / 3 + 1) / 2)
    assert got["gmean"] == pytest.approx(np.sqrt(2 / 3))
    assert got["f1"] == pytest.approx(2 / 3)
    assert got["roc_auc"] == 1.0
    # Means .85 and .75; both stds .05: .1 is outside the spread.
    assert efficacy.tie_rule([0.8, 0.9], [0.7, 0.8]) == "better"
    assert efficacy.tie_rule([0.7, 0.8], [0.8, 0.9]) == "worse"
    assert efficacy.tie_rule([0.8, 0.9], [0.8, 0.85]) == "tie"
    assert efficacy.tie_rule([0.8], [0.7]) == "n/a"


def test_prior_corrected_divides_by_class_shares():
    from sklearn.dummy import DummyClassifier

    X = np.zeros((10, 1))
    y = np.array([0] * 6 + [1] * 3 + [2])
    # The dummy predicts the shares .6/.3/.1; divided by them all tie at 1,
    # and argmax takes the first.
    model = efficacy.PriorCorrected(DummyClassifier(strategy="prior")).fit(X, y)
    np.testing.assert_allclose(model.predict_proba(X[:1]), [[0.6, 0.3, 0.1]])
    assert model.prior_.tolist() == pytest.approx([0.6, 0.3, 0.1])
    assert model.predict(X[:1]).tolist() == [0]


def test_fidelity_rows_per_class_and_column():
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": list("aabb")})
    fake = pd.DataFrame({"x": [1.0, 2.0, 3.0, 5.0], "c": list("aaab")})
    kinds = {"x": "numeric", "c": "categorical"}
    got = fidelity.table_fidelity("k", real, fake, kinds)
    shapes = {r["column"]: r["score"] for r in got["Column Shapes"]}
    assert shapes == pytest.approx({"x": 0.75, "c": 0.75})
    assert got["Boundary Adherence"] == [{"class": "k", "column": "x", "score": 0.75}]
    assert got["Category Adherence"][0]["score"] == 1.0
    (pair,) = got["Column Pair Trends"]
    assert pair["metric"] == "ContingencySimilarity"


def test_image_fidelity_score_is_mean_of_bounded_parts(rng):
    real = rng.normal(size=(30, 4))
    row = fidelity.image_fidelity(1, real, real + 100.0)["Image Fidelity"][0]
    assert (row["precision"], row["recall"], row["coverage"]) == (0.0, 0.0, 0.0)
    assert row["score"] == 0.0 and row["fid"] == pytest.approx(4 * 100.0**2, rel=1e-6)
    same = fidelity.image_fidelity(1, real, real)["Image Fidelity"][0]
    assert same["score"] == 1.0
    # Every real ball holds its centre too: density above 1 on the real rows.
    assert same["density"] > 1.0
