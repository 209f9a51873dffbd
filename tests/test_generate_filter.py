"""Reconstructor.fit_filter: generate keeps what a classifier fitted on real
images reads as its class, reports what it dropped, and save/load keep it."""

import json
import warnings

import numpy as np
import pytest

from smrt_keras import Reconstructor
from smrt_keras.filtering import SampleFilter, kept_rows
from smrt_keras.persistence import FILTER_FILE, InvalidSaveError


@pytest.fixture(scope="module")
def fitted(digit_images):
    """Per-class VAEs of digits 0, 1, 2 (60 : 20 : 10, uint8) and a filter."""
    X, y = digit_images
    keep = np.concatenate(
        [np.flatnonzero(y == d)[:n] for d, n in ((0, 60), (1, 20), (2, 10))]
    )
    X, y = (X[keep] * 255 / 16).round().astype("uint8"), y[keep]
    smrt = Reconstructor(backbone=None, epochs=20, random_state=0).fit(X, y)
    return smrt.fit_filter(X, y, random_state=1), X, y


@pytest.mark.backend
def test_generate_keeps_only_what_the_filter_reads_as_the_class(fitted, capsys):
    smrt, X, y = fitted
    assert isinstance(smrt.sample_filter_, SampleFilter)
    # Unfiltered draws first (and no stale report after them) ...
    smrt.set_params(filter_samples=False)
    try:
        plain, _ = smrt.generate(400, label=1, random_state=0)
    finally:
        smrt.set_params(filter_samples="auto")
    assert "generate_filter" not in smrt.generators_[1].info
    # ... then a bar at their median own-class probability: about half the
    # candidates are dropped and drawn again.
    bar = float(np.median(smrt.sample_filter_.own_probability(plain, 1)))
    smrt.sample_filter_.confidence = bar
    smrt.set_params(verbose=1)
    try:
        X_new, y_new = smrt.generate(40, label=1, random_state=0)
    finally:
        smrt.sample_filter_.confidence = 0.9
        smrt.set_params(verbose=0)
    line = capsys.readouterr().out
    assert X_new.shape == (40, 8, 8) and (y_new == 1).all()
    probability = smrt.sample_filter_.own_probability(X_new, 1)
    report = smrt.generators_[1].info["generate_filter"]
    # The filter judged the decoded floats; these are rounded to uint8.
    assert report["unfiltered"] == 0 and (probability >= bar - 1e-3).all()
    assert 0.3 < report["misread"] / report["drawn"] < 0.7
    # Surplus kept candidates of the last round are dropped unused.
    assert report["drawn"] - report["misread"] >= 40
    share = f"{report['misread'] / report['drawn']:.0%}"
    assert f"class 1: 40 generated; the filter dropped {share} of" in line
    assert report["dropped_share"] == round(report["misread"] / report["drawn"], 4)


def test_kept_rows_fills_with_the_likeliest_rejects_when_rounds_run_out():
    class Refuses:  # a filter that keeps nothing, with known probabilities
        confidence = 0.9

        def own_probability(self, candidates, label):
            return candidates[:, 0, 0] / 100.0

    rng = np.random.default_rng(0)
    tally = {"drawn": 0, "misread": 0, "unfiltered": 0}
    rows = kept_rows(
        lambda k: rng.uniform(0, 80, (k, 4)), 5, Refuses(), 1, (2, 2), tally
    )
    assert rows.shape == (5, 4)
    assert tally["unfiltered"] == 5 and tally["misread"] == tally["drawn"]
    # The five kept are the five with the highest probability drawn.
    assert rows[:, 0].min() > 70


def test_generate_warns_when_the_filter_keeps_too_few(fitted):
    smrt, X, y = fitted
    smrt.sample_filter_.confidence = 1.01  # nothing can pass
    try:
        with pytest.warns(UserWarning, match="class 1.*filter_samples=False"):
            X_new, _ = smrt.generate(6, label=1, random_state=0)
    finally:
        smrt.sample_filter_.confidence = 0.9
    assert X_new.shape == (6, 8, 8)
    assert smrt.generators_[1].info["generate_filter"]["unfiltered"] == 6


@pytest.mark.backend
def test_save_load_keeps_the_filter_and_the_draws(fitted, tmp_path):
    smrt, X, y = fitted
    smrt.save(tmp_path / "s")
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert manifest["sample_filter"]["model"] == FILTER_FILE
    # Weights only: no optimizer moments (they would triple the file).
    weights = smrt.sample_filter_.model.count_params() * 4
    assert (tmp_path / "s" / FILTER_FILE).stat().st_size < 1.5 * weights
    loaded = Reconstructor.load(tmp_path / "s")
    np.testing.assert_array_equal(loaded.sample_filter_.classes, [0, 1, 2])
    a, _ = smrt.generate(10, label=1, random_state=3)
    b, _ = loaded.generate(10, label=1, random_state=3)
    np.testing.assert_allclose(a, b, atol=1)
    # A save without the filter (every save before it) loads with none.
    smrt.sample_filter_, kept = None, smrt.sample_filter_
    try:
        smrt.save(tmp_path / "plain")
    finally:
        smrt.sample_filter_ = kept
    assert Reconstructor.load(tmp_path / "plain").sample_filter_ is None
    assert not (tmp_path / "plain" / FILTER_FILE).exists()


@pytest.mark.parametrize(
    "tamper, match",
    [
        (lambda m, d: m["sample_filter"].update(label_indices=[0, 1, 7]), "index 7"),
        (lambda m, d: m["sample_filter"].update(scale=0), "scale=0.0"),
        (lambda m, d: m["sample_filter"].update(confidence="x"), "malformed"),
        (lambda m, d: m["sample_filter"].pop("model"), "malformed.*'model'"),
        # A VAE where the classifier should be: loads safely, then is refused.
        (
            lambda m, d: (d / FILTER_FILE).write_bytes(
                (d / m["generators"][0]["model"]).read_bytes()
            ),
            "sample filter's classifier",
        ),
    ],
)
def test_a_tampered_filter_entry_is_refused(fitted, tmp_path, tamper, match):
    from smrt_keras.files import write_manifest

    smrt, X, y = fitted
    directory = tmp_path / "s"
    smrt.save(directory)
    manifest = json.loads((directory / "manifest.json").read_text())
    tamper(manifest, directory)
    manifest.pop("files")
    write_manifest(directory, manifest)
    with pytest.raises(InvalidSaveError, match=match):
        Reconstructor.load(directory)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda s, X, y: s.fit_filter(X[:, :4], y), ValueError, r"shape \(4, 8\)"),
        (lambda s, X, y: s.fit_filter(X[y != 2], y[y != 2]), ValueError, r"\[2\]"),
        (
            lambda s, X, y: s.fit_filter(X, y + 5),
            ValueError,
            r"classes \[5, 6, 7\] that fit did not see",
        ),
        (
            lambda s, X, y: s.fit_filter(X, y.astype(str)),
            ValueError,
            r"\['0', '1', '2'\] that fit did not see.*y holds str labels",
        ),
        (lambda s, X, y: s.fit_filter(X, y, random_state="a"), TypeError, "'a'"),
        (lambda s, X, y: s.fit_filter(X, y, random_state=-1), ValueError, "got -1"),
        (
            lambda s, X, y: s.fit_filter(X.reshape(len(X), -1), y),
            ValueError,
            r"X was read as a table.*shape \(n, 8, 8\)",
        ),
    ],
)
def test_fit_filter_refuses_what_it_cannot_use(fitted, call, error, match):
    smrt, X, y = fitted
    kept = smrt.sample_filter_
    with pytest.raises(error, match=match):
        call(smrt, X, y)
    assert smrt.sample_filter_ is kept


def test_fit_filter_needs_a_fitted_reconstructor(fitted):
    from sklearn.exceptions import NotFittedError

    _, X, y = fitted
    with pytest.raises(NotFittedError, match="fit_filter"):
        Reconstructor().fit_filter(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Reconstructor().__repr__()


def test_iter_generate_batches_join_to_generate_with_the_filter(fitted):
    smrt, X, y = fitted
    whole, _ = smrt.generate(25, label=1, random_state=4)
    parts = list(smrt.iter_generate(25, label=1, batch_size=10, random_state=4))
    assert [len(b) for b, _ in parts] == [10, 10, 5]
    # Batches draw their own candidates, so the samples differ, but every one
    # passed the filter and the report covers the whole call.
    joined = np.concatenate([b for b, _ in parts])
    assert joined.shape == whole.shape
    report = smrt.generators_[1].info["generate_filter"]
    assert report["drawn"] - report["misread"] >= 25 and report["unfiltered"] == 0
    assert (smrt.sample_filter_.own_probability(joined, 1) >= 0.9).all()


def test_fit_filter_refuses_a_table_reconstructor():
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=120, weights=[0.8], random_state=0)
    smrt = Reconstructor(epochs=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="fitted on table input"):
        smrt.fit_filter(X, y)


def test_fit_filter_reports_and_warns_how_strict_it_is_on_real_images(
    fitted, monkeypatch, capsys
):
    import smrt_keras.resampling as resampling

    smrt, X, y = fitted
    rates = smrt.sample_filter_.pass_rates(X, y)
    own = smrt.sample_filter_.own_probability(X[y == 2], 2)
    assert rates[2] == np.mean(own >= 0.9) and set(rates) == {0, 1, 2}
    kept = smrt.sample_filter_
    monkeypatch.setattr(resampling, "MIN_REAL_PASS", 1.01)  # every class warns
    smrt.set_params(verbose=1)
    try:
        with pytest.warns(UserWarning, match=r"passes few of the real images.*2: "):
            smrt.fit_filter(X, y, random_state=1)
    finally:
        smrt.set_params(verbose=0)
        smrt.sample_filter_ = kept
    assert "fit_filter: it passes these shares of the real images: 0: " in (
        capsys.readouterr().out
    )


def test_a_filter_of_three_small_classes_trains_long_enough(digit_images):
    """Three 8x8 classes make 900 rows, 8 minibatches an epoch: at 5 epochs
    the filter passed none of the real 1s (ablation.md, "fit_filter"); with
    FILTER_MIN_STEPS it passes most real images of every class."""
    X, y = digit_images
    keep = np.concatenate(
        [np.flatnonzero(y == d)[:n] for d, n in ((0, 178), (1, 182), (2, 20))]
    )
    X, y = X[keep] * 255 / 16, y[keep]
    rates = SampleFilter.fit(X, y, seed=0).pass_rates(X, y)
    assert min(rates.values()) >= 0.8, rates


def test_fit_filter_warns_where_a_class_has_too_few_images(fitted):
    """Pass rates on the filter's own few images flatter it (ablation.md,
    "fit_filter: how many images"), so fewer than MIN_FILTER_IMAGES warn."""
    smrt, X, y = fitted
    kept = smrt.sample_filter_
    keep = np.concatenate([np.flatnonzero(y != 2), np.flatnonzero(y == 2)[:5]])
    try:
        with pytest.warns(UserWarning, match=r"fewer than 10 real images.*\(2: 5\)"):
            smrt.fit_filter(X[keep], y[keep], random_state=1)
    finally:
        smrt.sample_filter_ = kept


@pytest.mark.parametrize("value", [0, None, "no", np.False_])
def test_generate_refuses_a_filter_samples_it_cannot_read(fitted, value):
    smrt, _, _ = fitted
    smrt.set_params(filter_samples=value)
    try:
        with pytest.raises(ValueError, match=r"filter_samples.*got"):
            smrt.generate(5, label=1, random_state=0)
    finally:
        smrt.set_params(filter_samples="auto")
