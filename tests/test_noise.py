"""Output noise as a family (smrt_keras.noise): each kind draws, keeps the
table's types, saves and loads; residuals are member data, kept only where
asked and said so in the manifest."""

import json

import numpy as np
import pandas as pd
import pytest

from smrt_keras import Reconstructor
from smrt_keras.noise import NOISES, NoiseState
from smrt_keras.persistence import MANIFEST
from smrt_keras.settings import NOISE_KINDS


def correlated(n=240, seed=0):
    """A minority of 60 rows whose 4 columns are strongly correlated."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, 1))
    X = np.hstack([base + 0.2 * rng.normal(size=(n, 1)) for _ in range(4)])
    y = np.r_[np.zeros(n - 60, int), np.ones(60, int)]
    X[y == 1] += 1.5
    return X, y


@pytest.fixture(scope="module")
def fitted():
    X, y = correlated()
    smrt = Reconstructor(epochs=40, patience=None, random_state=0).fit(X, y)
    return smrt, X, y


def corr_gap(real, fake):
    upper = np.triu_indices(real.shape[1], 1)
    return np.abs(np.corrcoef(real.T)[upper] - np.corrcoef(fake.T)[upper]).mean()


def test_the_family_is_the_settings_list():
    assert tuple(NOISES) == NOISE_KINDS


def test_every_kind_draws_finite_rows(fitted):
    smrt, X, _ = fitted
    for kind in (*NOISE_KINDS, True, False):
        smrt.set_params(output_noise=kind)
        X_new, _ = smrt.generate(50, random_state=0)
        assert X_new.shape == (50, 4) and np.isfinite(X_new).all(), kind
    smrt.set_params(output_noise="auto")


def test_joint_noises_keep_the_class_correlations(fitted):
    """Independent noise erases the correlations between columns; the
    members' residuals and their covariance keep them."""
    smrt, X, y = fitted
    real = X[y == 1]
    gaps = {}
    for kind in ("independent", "residual", "covariance"):
        smrt.set_params(output_noise=kind)
        gaps[kind] = corr_gap(real, smrt.generate(2000, random_state=1)[0])
    smrt.set_params(output_noise="auto")
    assert gaps["residual"] < gaps["independent"] / 2, gaps
    assert gaps["covariance"] < gaps["independent"] / 2, gaps


def test_auto_is_residual_noise_for_tables_and_true_is_independent(fitted):
    smrt, _, _ = fitted
    a = smrt.generate(20, random_state=3)[0]
    smrt.set_params(output_noise="residual")
    b = smrt.generate(20, random_state=3)[0]
    smrt.set_params(output_noise="independent")
    c = smrt.generate(20, random_state=3)[0]
    smrt.set_params(output_noise=True)
    d = smrt.generate(20, random_state=3)[0]
    smrt.set_params(output_noise="auto")
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(c, d)
    assert not np.array_equal(a, c)


def test_residuals_are_saved_only_where_drawn_and_said_so(fitted, tmp_path):
    smrt, _, _ = fitted
    gen = smrt.generators_[1]
    assert gen.noise_state.holds_member_data
    smrt.set_params(output_noise="independent")
    indep = smrt.save(tmp_path / "indep")  # draws independent noise: not kept
    entry = json.loads((indep / MANIFEST).read_text())["generators"][0]
    assert entry["noise"] == {"member_data": False, "residual_rows": 0}
    with np.load(indep / entry["codes"]) as codes:
        assert "noise_residuals" not in codes and "noise_covariance" in codes
    smrt.set_params(output_noise="auto")  # residual for tables
    try:
        before = smrt.generate(30, random_state=5)[0]
        kept = smrt.save(tmp_path / "kept")
        entry = json.loads((kept / MANIFEST).read_text())["generators"][0]
        assert entry["noise"] == {"member_data": True, "residual_rows": 60}
        loaded = Reconstructor.load(kept)
        np.testing.assert_array_equal(loaded.generate(30, random_state=5)[0], before)
        dropped = smrt.save(tmp_path / "dropped", member_data=False)
        entry = json.loads((dropped / MANIFEST).read_text())["generators"][0]
        assert entry["noise"]["member_data"] is False
        loaded = Reconstructor.load(dropped)
        assert loaded.generators_[1].noise(loaded.output_noise).name == "covariance"
        assert np.isfinite(loaded.generate(30, random_state=5)[0]).all()
        packed = Reconstructor.load(smrt.save(tmp_path / "packed", packed=True))
        np.testing.assert_array_equal(packed.generate(30, random_state=5)[0], before)
    finally:
        smrt.set_params(output_noise="auto")


def test_mixed_tables_keep_types_and_categories_under_joint_noise(tmp_path):
    rng = np.random.default_rng(0)
    n = 160
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "plan": pd.Categorical(rng.choice(["x", "y", "z"], n)),
            "flag": rng.random(n) > 0.5,
        }
    )
    frame["b"] += frame["a"]
    y = np.r_[np.zeros(120, int), np.ones(40, int)]
    for kind in ("residual", "covariance"):
        smrt = Reconstructor(epochs=5, random_state=0, output_noise=kind).fit(frame, y)
        X_new, _ = smrt.generate(40, random_state=0)
        assert list(X_new.dtypes) == list(frame.dtypes)
        assert set(X_new["plan"]) <= {"x", "y", "z"}
        assert X_new[["a", "b"]].notna().all().all()
        loaded = Reconstructor.load(smrt.save(tmp_path / kind))
        pd.testing.assert_frame_equal(loaded.generate(40, random_state=0)[0], X_new)


def test_bad_values_name_the_setting(fitted):
    smrt, X, y = fitted
    with pytest.raises(ValueError, match="output_noise must be"):
        Reconstructor(output_noise="bogus").fit(X, y)
    with pytest.raises(ValueError, match="member_data must be 'auto', True or False"):
        smrt.save("/tmp/never-written", member_data="yes")
    images = np.random.default_rng(0).integers(0, 256, size=(40, 8, 8)).astype("uint8")
    labels = np.r_[[0] * 30, [1] * 10]
    with pytest.raises(ValueError, match="output_noise='residual' adds noise"):
        Reconstructor(epochs=1, output_noise="residual", backbone=None).fit(
            images, labels
        )


def test_a_save_without_noise_state_draws_as_before():
    """Saves made before the noise kinds hold no residuals: residual and
    covariance noise fall back to independent noise, as they drew then."""
    gen_state = NoiseState.from_arrays({"z_mean": np.zeros((1, 2))})
    assert gen_state is None
    from smrt_keras.noise import noise_class

    assert noise_class("residual", None).name == "independent"
    assert noise_class("covariance", None).name == "independent"


def test_the_report_shows_what_the_noise_does_to_dcr():
    """The memorisation table names the class's noise and the DCR ratio of
    the decoded means alone: independent noise sprays rows outward (a ratio
    far above the means'), the residuals keep them near the class."""
    from smrt_keras.report import quality_report

    X, y = correlated(200)
    ratios = {}
    for kind in ("independent", "residual"):
        smrt = Reconstructor(epochs=30, random_state=0, output_noise=kind).fit(X, y)
        report = quality_report(smrt, X, y, baselines=(), random_state=0)
        row = report.get_details("DCR Overfitting Protection").iloc[0]
        assert row["output_noise"] == kind
        assert np.isfinite(row["dcr_ratio_without_noise"])
        ratios[kind] = row["dcr_ratio"]
    assert ratios["residual"] < ratios["independent"]
    assert smrt.output_noise == "residual"  # the report restored the setting
