"""The Reconstructor facade: API, containers, pipelines, reproducibility, errors."""

import keras
import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import make_pipeline
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.preprocessing import StandardScaler

from smrt_keras import VAE, ClassGenerator, Reconstructor, TrainingDivergedError

FAST = dict(epochs=3, batch_size=32, patience=None, random_state=0)


def fast(**kw):
    return Reconstructor(**{**FAST, **kw})


# ---------------------------------------------------------------- basics
def test_init_only_stores_and_sklearn_api():
    r = Reconstructor(latent_dim=-5, encoder="nope")  # validated in fit, not here
    assert r.get_params()["latent_dim"] == -5
    r.set_params(latent_dim=4, encoder="dense")
    c = clone(r)
    assert c.get_params() == r.get_params() and c is not r
    assert repr(Reconstructor(epochs=5)) == "Reconstructor(epochs=5)"
    with pytest.raises(TypeError):
        Reconstructor("auto")  # keyword-only


def test_fit_attributes_and_generate(small_tabular):
    X, y = small_tabular
    r = fast()
    assert r.fit(X, y) is r
    assert r.classes_.tolist() == [0, 1, 2]
    counts = np.bincount(y)
    assert dict(r.sampling_strategy_) == {
        1: counts[0] - counts[1],
        2: counts[0] - counts[2],
    }
    assert list(r.generators_) == [1, 2]
    assert all(isinstance(g, ClassGenerator) for g in r.generators_.values())
    assert r.n_features_in_ == 6 and r.input_shape_ == (6,)
    assert set(r.history_) == {1, 2} and len(r.history_[1]["loss"]) == 3
    X_new, y_new = r.generate(11, label=2)
    assert X_new.shape == (11, 6) and (y_new == 2).all()
    assert np.isfinite(X_new).all()
    # Generated values stay within the class's observed range.
    # Inside the class's range widened by one average gap (#16).
    members = X[y == 2]
    lo, hi = members.min(0), members.max(0)
    gap = (hi - lo) / (len(members) - 1)
    assert (X_new >= lo - gap - 1e-9).all() and (X_new <= hi + gap + 1e-9).all()
    X_all, y_all = r.generate(4)
    assert X_all.shape == (8, 6) and y_all.tolist() == [1] * 4 + [2] * 4
    assert "fitted: generators for [1, 2]" in repr(r)


def test_fit_resample_balances_and_keeps_originals_first(small_tabular):
    X, y = small_tabular
    X_res, y_res = fast().fit_resample(X, y)
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)
    assert len(set(np.bincount(y_res))) == 1
    assert X_res.dtype == X.dtype


def test_random_state_makes_fit_resample_repeatable(small_tabular):
    X, y = small_tabular
    a = fast(random_state=7).fit_resample(X, y)
    b = fast(random_state=7).fit_resample(X, y)
    np.testing.assert_array_equal(a[0], b[0])
    c = fast(random_state=8).fit_resample(X, y)
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("mode", ["prior", "posterior", "interpolate", "kde"])
def test_generation_modes(small_tabular, mode):
    X, y = small_tabular
    r = fast(generation=mode).fit(X, y)
    X_new, _ = r.generate(20, label=1, random_state=0)
    assert X_new.shape == (20, 6) and np.isfinite(X_new).all()
    again, _ = r.generate(20, label=1, random_state=0)
    np.testing.assert_array_equal(X_new, again)


def test_posterior_and_interpolation_use_member_codes(small_tabular):
    X, y = small_tabular
    gen = fast().fit(X, y).generators_[1]
    assert gen.n_members == (y == 1).sum()
    rng = np.random.default_rng(0)
    z = gen.latent(40, rng, "posterior", 1e-4)
    # With a tiny temperature, posterior codes sit on real members' codes.
    dist = np.linalg.norm(z[:, None] - gen.z_mean[None], axis=-1).min(axis=1)
    assert dist.max() < 1e-2
    z = gen.latent(40, rng, "interpolate", 1.0)
    lo, hi = gen.z_mean.min(0), gen.z_mean.max(0)
    assert ((z >= lo - 1e-6) & (z <= hi + 1e-6)).all()  # inside the members' hull box


def test_classes_all_and_list(small_tabular):
    X, y = small_tabular
    r = fast(classes="all").fit(X, y)
    assert list(r.generators_) == [0, 1, 2]
    assert r.generate(3, label=0)[0].shape == (3, 6)
    r = fast(classes=[0]).fit(X, y)
    assert list(r.generators_) == [0, 1, 2]  # strategy's classes plus class 0
    with pytest.raises(ValueError, match="label 7"):
        fast(classes=[7]).fit(X, y)
    with pytest.raises(ValueError, match="classes='most'|classes="):
        fast(classes="most").fit(X, y)


def test_prefit_generators_are_reused(small_tabular):
    X, y = small_tabular
    first = fast().fit(X, y)
    reuse = fast(generators=first.generators_, epochs=1)
    reuse.fit(X, y)
    assert reuse.generators_[1] is first.generators_[1]
    np.testing.assert_array_equal(
        reuse.generate(5, label=1, random_state=0)[0],
        first.generate(5, label=1, random_state=0)[0],
    )
    clone(reuse)  # prefit generators survive clone (shared, not copied)
    # A bare VAE (the original prefit_estimators) gets this class's scaler.
    vae = VAE(6, hidden_units=(8,), latent_dim=2, likelihood="gaussian", seed=0)
    r = fast(generators={2: vae}).fit(X, y)
    assert r.generators_[2].vae is vae
    with pytest.raises(ValueError, match=r"shape \(5,\)"):
        fast(generators={2: VAE(5, latent_dim=2)}).fit(X, y)
    with pytest.raises(TypeError, match="generators\\[2\\]"):
        fast(generators={2: "model.keras"}).fit(X, y)


def test_the_generators_keras_model_is_the_one_that_generates(small_tabular):
    # After fit, a generator holds trained weights; reading .vae builds the
    # Keras model, and from then on generation goes through that model, so
    # editing or fine-tuning it shows (as it does after load).
    X, y = small_tabular
    r = fast().fit(X, y)
    before = r.generate(4, label=1, random_state=0)[0]
    vae = r.generators_[1].vae
    assert isinstance(vae, VAE) and r.generators_[1].vae is vae
    np.testing.assert_allclose(r.generate(4, label=1, random_state=0)[0], before)
    for w in vae.decoder.trainable_variables:
        w.assign(np.zeros(w.shape, "float32"))
    after = r.generate(4, label=1, random_state=0)[0]
    assert not np.allclose(after, before)


def test_verbose_progress_lines(small_tabular, capsys):
    X, y = small_tabular
    fast(verbose=1).fit(X, y)
    lines = [
        ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("[smrt]")
    ]
    assert len(lines) == 2
    assert lines[0].startswith("[smrt] class 1/2 label=1:")
    assert "3 epochs" in lines[0] and "final loss" in lines[0]


# ----------------------------------------------------------- containers
def test_dataframe_in_dataframe_out():
    rng = np.random.default_rng(0)
    n = 90
    df = pd.DataFrame(
        {
            "age": rng.integers(18, 90, n).astype("int64"),
            "income": rng.normal(50_000, 9_000, n).astype("float32"),
            "member": rng.random(n) < 0.5,
            "const": np.full(n, 3.5),
        }
    )
    y = pd.Series(np.where(np.arange(n) < 75, "no", "yes"), name="churn")
    X_res, y_res = fast().fit_resample(df, y)
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert list(X_res.columns) == list(df.columns)
    assert (X_res.dtypes == df.dtypes).all()
    assert y_res.name == "churn" and y_res.value_counts().tolist() == [75, 75]
    synthetic = X_res.iloc[n:]
    assert (synthetic["const"] == 3.5).all()
    # Whole ages within the minority's range widened by one average gap (#16).
    age = df.loc[y == "yes", "age"]
    gap = (age.max() - age.min()) / (len(age) - 1)
    assert synthetic["age"].between(age.min() - gap - 0.5, age.max() + gap + 0.5).all()
    pd.testing.assert_frame_equal(X_res.iloc[:n], df)


def test_images_keep_their_shape(digit_images):
    images, target = digit_images
    keep = np.isin(target, [0, 1])
    X, y = images[keep], target[keep]
    X, y = np.concatenate([X[y == 0], X[y == 1][:20]]), np.r_[y[y == 0], y[y == 1][:20]]
    # Every new slot synthetic: the image default (share 0) fits no generator.
    r = fast(epochs=2, synthetic_fraction=1.0, filter_samples=False)
    X_res, y_res = r.fit_resample(X, y)
    assert X_res.shape[1:] == (8, 8) and X_res.dtype == X.dtype
    assert r.generators_[1].vae.encoder_type == "conv"
    assert np.bincount(y_res).tolist() == [(y == 0).sum()] * 2
    assert X_res.min() >= 0 and X_res.max() <= 16
    X4 = X[..., None].astype("uint8")
    X4_res, _ = fast(epochs=1).fit_resample(X4, y)
    assert X4_res.shape[1:] == (8, 8, 1) and X4_res.dtype == np.uint8
    dense = fast(epochs=1, encoder="dense").fit(X, y)
    assert dense.generators_[1].vae.data_shape == (64,)
    assert dense.generate(2, label=1)[0].shape == (2, 8, 8)


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["cat", "dog", "emu"]),
        np.array([True, False, False]),
        np.array([10, 200, 3000]),
        np.array([-1, 5, 2]),
    ],
    ids=["str", "bool", "sparse-int", "negative-int"],
)
def test_label_kinds_come_back_unchanged(small_tabular, labels):
    X, y_int = small_tabular
    if labels.dtype == bool:
        y_int = (y_int == 0).astype(int)
        labels = np.array([False, True])
    y = labels[y_int]
    X_res, y_res = fast(epochs=1).fit_resample(X, y)
    assert y_res.dtype == y.dtype
    assert set(np.unique(y_res).tolist()) == set(np.unique(y).tolist())


# ----------------------------------------------------------- pipelines
def test_pipeline_cross_validate_breast_cancer(imbalanced_tabular):
    X, y = imbalanced_tabular
    pipe = make_pipeline(
        Reconstructor(epochs=5, random_state=0),
        StandardScaler(),
        LogisticRegression(max_iter=2000),
    )
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_validate(pipe, X, y, cv=cv, scoring="f1_macro")
    assert len(scores["test_score"]) == 3
    assert np.all(scores["test_score"] > 0.7)


def test_pipeline_on_digit_images(digit_images):
    from sklearn.preprocessing import FunctionTransformer

    images, target = digit_images
    keep = np.isin(target, [3, 5])
    X, y = images[keep], target[keep]
    X = np.concatenate([X[y == 3], X[y == 5][:18]])
    y = np.r_[np.full((target == 3).sum(), 3), np.full(18, 5)]
    flatten = FunctionTransformer(lambda a: a.reshape(len(a), -1))
    pipe = make_pipeline(
        Reconstructor(epochs=2, random_state=0),
        flatten,
        LogisticRegression(max_iter=2000),
    )
    scores = cross_validate(pipe, X, y, cv=3, scoring="balanced_accuracy")
    assert np.all(scores["test_score"] > 0.5)


def test_grid_search(small_tabular):
    X, y = small_tabular
    pipe = make_pipeline(fast(epochs=1), LogisticRegression(max_iter=500))
    grid = GridSearchCV(pipe, {"reconstructor__latent_dim": [2, 3]}, cv=2)
    grid.fit(X, y)
    assert grid.best_params_["reconstructor__latent_dim"] in (2, 3)


# ------------------------------------------------------------- bad input
BAD = [
    (
        lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 5, np.nan, X), y),
        ValueError,
        "NaN or infinite",
    ),
    (
        lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 5, np.inf, X), y),
        ValueError,
        "NaN or infinite",
    ),
    (lambda X, y: (X[:-1], y), ValueError, r"X has 159 samples, y has 160"),
    (lambda X, y: (X, y + 0.5), ValueError, "continuous"),
    (lambda X, y: (X, np.stack([y, y], 1)), ValueError, "1-D"),
    (lambda X, y: (X[:, 0], y), ValueError, r"X\.reshape\(-1, 1\)"),
    (lambda X, y: (X[:0], y[:0]), ValueError, "empty"),
    (lambda X, y: (X.astype(str), y), TypeError, "numeric"),
]


@pytest.mark.parametrize(
    "make, exc, match",
    BAD,
    ids=[
        "nan",
        "inf",
        "lengths",
        "continuous-y",
        "multilabel",
        "1d-X",
        "empty",
        "string-X",
    ],
)
def test_bad_input(small_tabular, make, exc, match):
    X, y = small_tabular
    Xb, yb = make(X, y)
    with pytest.raises(exc, match=match):
        fast().fit(Xb, yb)


def test_mixed_label_types_are_refused(small_tabular):
    X, y = small_tabular
    mixed = [int(v) if v else "zero" for v in y]
    with pytest.raises(TypeError, match=r"y mixes label types \['int', 'str'\]"):
        fast().fit(X, mixed)
    with pytest.raises(TypeError, match="mixes label types"):
        fast().fit(X, np.array(mixed, dtype=object))


def test_sparse_input_is_refused(small_tabular):
    from scipy import sparse

    X, y = small_tabular
    with pytest.raises(TypeError, match="sparse.*toarray"):
        fast().fit(sparse.csr_matrix(X), y)


def test_class_with_one_sample(small_tabular):
    X, y = small_tabular
    y = y.copy()
    y[0] = 9
    with pytest.raises(ValueError, match=r"class 9 has 1 sample"):
        fast().fit(X, y)


def test_not_fitted_and_generate_arguments(small_tabular):
    X, y = small_tabular
    with pytest.raises(NotFittedError, match="fit"):
        Reconstructor().generate(5)
    r = fast().fit(X, y)
    for n in (0, -3, 2.5, "7", True):
        with pytest.raises(ValueError, match=f"n must be a positive int; got n={n!r}"):
            r.generate(n)
    with pytest.raises(ValueError, match=r"label=42.*available labels: \[1, 2\]"):
        r.generate(3, label=42)


@pytest.mark.parametrize(
    "param, value",
    [
        ("epochs", 0),
        ("batch_size", -1),
        ("encoder", "rnn"),
        ("likelihood", "beta"),
        ("generation", "magic"),
        ("learning_rate", 0.0),
        ("validation_fraction", 1.0),
        ("beta", -0.1),
        ("latent_dim", 0),
        ("hidden_units", "64"),
        ("patience", -1),
        ("temperature", float("nan")),
        ("verbose", -1),
        ("augment", "yes"),
        ("output_noise", 1),
    ],
)
def test_bad_parameters_named(small_tabular, param, value):
    X, y = small_tabular
    with pytest.raises(ValueError, match=f"{param} must be .*got {param}="):
        fast(**{param: value}).fit(X, y)


def test_option_lists_read_naturally(small_tabular):
    X, y = small_tabular
    with pytest.raises(ValueError, match="encoder must be 'auto', 'dense' or 'conv';"):
        fast(encoder="rnn").fit(X, y)
    with pytest.raises(ValueError, match=r"a dict \{label: generator\} or None"):
        fast(generators=[1]).fit(X, y)


@pytest.mark.parametrize("value", ["a", -1, 1.5])
def test_bad_random_state_named(small_tabular, value):
    X, y = small_tabular
    with pytest.raises(
        ValueError, match=f"random_state must be .*random_state={value!r}"
    ):
        fast(random_state=value).fit(X, y)


def test_generation_settings_changed_after_fit_are_checked(small_tabular):
    """set_params after fit bypasses fit's checks; generate checks them too."""
    X, y = small_tabular
    r = fast().fit(X, y)
    for name, value in [
        ("temperature", float("nan")),
        ("temperature", -1.0),
        ("output_noise", "yes"),
        ("generation", "magic"),
    ]:
        good = r.get_params()[name]
        r.set_params(**{name: value})  # still fitted: set_params does not refit
        with pytest.raises(ValueError, match=f"{name} must be .*got {name}="):
            r.generate(3, label=1)
        with pytest.raises(ValueError, match=f"{name} must be"):
            next(r.iter_generate(3, label=1))
        r.set_params(**{name: good})
    assert r.generate(3, label=1)[0].shape == (3, 6)
    with pytest.raises(ValueError, match="random_state must be .*random_state='x'"):
        r.generate(3, label=1, random_state="x")


def test_conv_on_tabular_is_refused(small_tabular):
    X, y = small_tabular
    with pytest.raises(ValueError, match="encoder='conv' needs image"):
        fast(encoder="conv").fit(X, y)


def test_failed_fit_leaves_estimator_unchanged(small_tabular):
    X, y = small_tabular
    r = fast().fit(X, y)
    before = dict(r.generators_)
    with pytest.raises(ValueError):
        r.fit(X, y + 0.5)
    assert r.generators_ == before


@pytest.mark.parametrize("error", [KeyboardInterrupt, TrainingDivergedError])
def test_interrupted_fit_keeps_previous_state(small_tabular, monkeypatch, error):
    """Ctrl-C or divergence mid-training leaves the old fit untouched."""
    import smrt_keras.models.runner as module

    X, y = small_tabular
    r = fast().fit(X, y)
    before = (dict(r.generators_), r.sampling_strategy_, r.classes_)
    real = module._after_block
    calls = []

    def flaky(*args, **kwargs):
        # The runner's bookkeeping after each job's block: fail on the
        # second, after some training has already happened.
        calls.append(1)
        if len(calls) == 2:
            raise error("loss is nan" if error is TrainingDivergedError else None)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "_after_block", flaky)
    with pytest.raises(error):
        r.set_params(latent_dim=3).fit(X, y)
    assert len(calls) == 2
    assert r.generators_ == before[0] and r.sampling_strategy_ is before[1]
    assert r.classes_ is before[2]
    fresh = fast()
    calls.clear()
    with pytest.raises(error):
        fresh.fit(X, y)
    assert not hasattr(fresh, "generators_")


def test_iter_generate_streams_the_same_samples(small_tabular):
    X, y = small_tabular
    r = fast().fit(X, y)
    batches = list(r.iter_generate(25_000, label=2, random_state=3))
    assert [len(b[0]) for b in batches] == [10_000, 10_000, 5_000]
    streamed = np.concatenate([b[0] for b in batches])
    whole, labels = r.generate(25_000, label=2, random_state=3)
    np.testing.assert_array_equal(streamed, whole)
    assert (labels == 2).all() and np.isfinite(whole).all()
    small = list(r.iter_generate(5, batch_size=2, random_state=0))
    assert [len(b[1]) for b in small] == [2, 2, 1, 2, 2, 1]
    with pytest.raises(ValueError, match="batch_size must be an int >= 1; got batch_"):
        next(r.iter_generate(5, batch_size=0))
    with pytest.raises(NotFittedError):
        next(Reconstructor().iter_generate(5))


def test_single_class_y(small_tabular):
    X, _ = small_tabular
    with pytest.raises(ValueError, match="y has only one class, 4"):
        fast().fit(X, np.full(len(X), 4))


def test_ctrl_c_during_fit_leaves_object_unfitted(tmp_path):
    """A real SIGINT in the middle of training: the estimator stays unfitted."""
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "fit.py"
    script.write_text(
        "import sys, numpy as np\n"
        "from smrt_keras import Reconstructor\n"
        "rng = np.random.default_rng(0)\n"
        "X = rng.normal(size=(4000, 20)); y = np.r_[np.zeros(3000), np.ones(1000)]\n"
        "r = Reconstructor(epochs=10_000, patience=None, random_state=0, verbose=2)\n"
        "print('start', flush=True)\n"
        "try:\n"
        "    r.fit(X, y)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted fitted=%s' % hasattr(r, 'generators_'), flush=True)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout.readline().strip() == "start"
    # The per-epoch lines (verbose=2) show training is under way; a fixed
    # sleep could fire during start-up on a loaded machine.
    deadline = time.monotonic() + 300
    while "epoch 3:" not in proc.stdout.readline():
        assert time.monotonic() < deadline and proc.poll() is None
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=120)
    assert "interrupted fitted=False" in out


def test_kde_codes_spread_by_scotts_factor(small_tabular):
    X, y = small_tabular
    gen = fast().fit(X, y).generators_[1]
    n, d = gen.z_mean.shape
    expected = gen.z_mean.std(0) * n ** (-1 / (d + 4))
    np.testing.assert_allclose(gen.kde_scale, expected, rtol=1e-5)
    rng = np.random.default_rng(0)
    z = gen.latent(20000, rng, "kde", 2.0)
    # A member's code plus N(0, (2 * kde_scale)^2): the spread adds up.
    spread = np.sqrt(gen.z_mean.var(0) + (2.0 * expected) ** 2)
    np.testing.assert_allclose(z.std(0), spread, rtol=0.05)


def test_small_classes_train_on_small_batches(small_tabular):
    X, y = small_tabular
    r = fast(epochs=3, validation_fraction=0.0, batch_size=64).fit(X, y)
    for label, gen in r.generators_.items():
        n = int((y == label).sum())
        batch = min(64, max(8, -(-n // 8)), n)
        steps = 3 * -(-n // batch)
        # The VAE counts its optimizer steps (for the KL warm-up).
        trained = float(keras.ops.convert_to_numpy(gen.vae.kl_step))
        assert trained == steps, (label, n, batch)


def test_augment_auto_only_for_small_image_classes(
    digit_images, small_tabular, monkeypatch
):
    from smrt_keras.augmentation import RandomAffine

    calls = []
    original = RandomAffine.__call__
    monkeypatch.setattr(
        RandomAffine,
        "__call__",
        lambda self, b, rng: calls.append(len(b)) or original(self, b, rng),
    )
    images, target = digit_images
    keep = (target == 0) | ((target == 1) & (np.arange(len(target)) % 6 == 0))
    X, y = images[keep], target[keep]
    fast(epochs=2).fit(X, y)
    assert calls == []  # 8x8 images are too small for "auto"
    X = np.kron(X, np.ones((2, 2)))  # 16x16
    gen = fast(epochs=2).fit(X, y).generators_[1]
    # Every training minibatch of the small image class was augmented, and
    # only real members' codes are stored.
    assert sum(calls) >= 2 * 0.8 * (y == 1).sum()  # two epochs' worth
    assert gen.n_members == (y == 1).sum()
    calls.clear()
    fast(augment=False).fit(X, y)
    Xt, yt = small_tabular
    fast(augment=True).fit(Xt, yt)  # tabular data is never augmented
    assert calls == []


def test_output_noise_draws_from_the_decoder(small_tabular, digit_images):
    X, y = small_tabular
    r = fast(output_noise=False, random_state=0).fit(X, y)
    means, _ = r.generate(500, label=1, random_state=0)
    noisy, _ = r.set_params(output_noise="auto").generate(500, label=1, random_state=0)
    # Gaussian likelihood: "auto" adds the learned per-feature noise, so the
    # samples spread more than the decoded means (clipping aside).
    assert (noisy.std(0) > means.std(0)).all()
    images, target = digit_images
    images, target = images[:200], target[:200]
    r = fast(output_noise=True, classes=[0]).fit(images, target)
    draws, _ = r.generate(5, label=0, random_state=0)
    # Bernoulli draws are 0/1 pixels before unscaling to the class's range.
    lo, hi = images[target == 0].min(), images[target == 0].max()
    assert set(np.unique(draws)) <= {lo, hi}
