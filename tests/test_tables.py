"""Mixed-type tables (#16): categorical, string, bool and int columns in and
out, categorical_features on arrays, the mixed likelihood, bounded outputs
without pile-up at the class's edges, and errors that name the column."""

import numpy as np
import pandas as pd
import pytest

from smrt_keras import Reconstructor
from smrt_keras.preprocessing import FeatureScaler, TableCodec, reflect
from smrt_keras.tables import MAX_LEVELS

FAST = dict(epochs=15, random_state=0)


@pytest.fixture(scope="module")
def churn():
    """A 300:40 churn-like table: int, float, category (with an unused
    category), string, bool and float32 columns; the minority only shows two
    plans and never 'unused'."""
    rng = np.random.default_rng(0)
    n = 340
    y = np.r_[np.zeros(300, int), np.ones(40, int)]
    plan = np.where(
        y == 1, rng.choice(["pro", "max"], n), rng.choice(["basic", "pro"], n)
    )
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "calls": rng.poisson(np.where(y == 1, 4, 1)),
            "income": rng.lognormal(10, 1, n),
            "plan": pd.Categorical(plan, categories=["basic", "pro", "max", "unused"]),
            "city": pd.array(rng.choice(["a", "b", "c"], n), dtype="str"),
            "active": rng.random(n) < np.where(y == 1, 0.8, 0.3),
            "score": rng.normal(0, 1, n).astype("float32"),
        }
    )
    return frame, pd.Series(y, name="churn")


@pytest.fixture(scope="module")
def fitted(churn):
    X, y = churn
    smrt = Reconstructor(**FAST)
    return smrt, smrt.fit_resample(X, y)


def test_dataframe_comes_back_with_its_columns_dtypes_and_categories(churn, fitted):
    X, y = churn
    _, (X_res, y_res) = fitted
    assert list(X_res.columns) == list(X.columns)
    assert (X_res.dtypes == X.dtypes).all(), X_res.dtypes
    assert list(X_res["plan"].cat.categories) == ["basic", "pro", "max", "unused"]
    pd.testing.assert_frame_equal(X_res.iloc[: len(X)], X)
    assert y_res.name == "churn" and (y_res == 1).sum() == 300


def test_generated_categories_are_ones_the_class_showed(churn, fitted):
    X, y = churn
    _, (X_res, _) = fitted
    synthetic = X_res.iloc[len(X) :]
    minority = X[y == 1]
    for col in ("plan", "city"):
        assert set(synthetic[col]) <= set(minority[col]), col
    # Both minority plans are drawn, in roughly the class's proportions.
    share = (synthetic["plan"] == "max").mean()
    assert abs(share - (minority["plan"] == "max").mean()) < 0.2
    # Counts stay whole and non-negative; bools stay bools.
    assert synthetic["calls"].min() >= 0
    assert synthetic["active"].dtype == bool
    assert 0.0 < synthetic["active"].mean() < 1.0


def test_each_column_gets_its_likelihood(fitted):
    smrt, _ = fitted
    gen = smrt.generators_[1]
    assert isinstance(gen.scaler, TableCodec)
    # 5 numeric (age, calls, income, score ... plus none), 1 bool, plan over
    # the 2 levels the class shows, city over 3.
    assert gen.vae.likelihood == "mixed"
    assert [list(s) for s in gen.vae.column_types] == [
        ["gaussian", 4],
        ["bernoulli", 1],
        ["categorical", 2],
        ["categorical", 3],
    ]


def test_mixed_save_load_round_trip(fitted, tmp_path):
    smrt, _ = fitted
    smrt.save(tmp_path / "gens")
    loaded = Reconstructor.load(tmp_path / "gens")
    a, _ = smrt.generate(50, label=1, random_state=3)
    b, _ = loaded.generate(50, label=1, random_state=3)
    pd.testing.assert_frame_equal(a, b)
    assert loaded.input_spec_.column_kinds == smrt.input_spec_.column_kinds


def test_single_level_in_a_class_always_comes_back(rng):
    X = pd.DataFrame(
        {
            "x": rng.normal(size=120),
            "kind": np.where(np.arange(120) < 100, rng.choice(["u", "v"], 120), "w"),
        }
    )
    y = (np.arange(120) >= 100).astype(int)
    X_res, _ = Reconstructor(**FAST).fit_resample(X, y)
    assert set(X_res["kind"].iloc[120:]) == {"w"}


@pytest.mark.parametrize(
    "spec", [[2], ["plan_code"], [False, False, True]], ids=["index", "name", "mask"]
)
def test_categorical_features_on_arrays_and_frames(spec, rng):
    codes = np.where(np.arange(150) < 120, rng.choice([3, 7], 150), 9)
    X = np.column_stack([rng.normal(size=150), rng.normal(size=150), codes])
    y = (np.arange(150) >= 120).astype(int)
    if spec == ["plan_code"]:
        X = pd.DataFrame(X, columns=["a", "b", "plan_code"])
    smrt = Reconstructor(categorical_features=spec, **FAST)
    X_res, _ = smrt.fit_resample(X, y)
    new = np.asarray(X_res)[150:, 2]
    assert set(new) == {9.0}  # a float column declared categorical keeps its values
    assert smrt.input_spec_.column_kinds == ["numeric", "numeric", "categorical"]


def test_object_array_with_strings(rng):
    X = np.empty((130, 2), dtype=object)
    X[:, 0] = rng.normal(size=130)
    X[:, 1] = np.where(np.arange(130) < 100, "old", rng.choice(["new", "mid"], 130))
    y = (np.arange(130) >= 100).astype(int)
    X_res, _ = Reconstructor(categorical_features=[1], **FAST).fit_resample(X, y)
    assert X_res.dtype == object and X_res.shape == (200, 2)
    assert set(X_res[130:, 1]) <= {"new", "mid"}
    assert all(isinstance(v, float) for v in X_res[130:, 0])


@pytest.mark.parametrize(
    "make, match",
    [
        (
            lambda X: X.assign(city=X["city"].where(X.index != 3)),
            "column 'city'.*missing",
        ),
        (
            lambda X: X.assign(income=X["income"].where(X.index != 3)),
            "column\\(s\\) 'income'",
        ),
    ],
    ids=["nan-categorical", "nan-numeric"],
)
def test_missing_values_name_the_column(churn, make, match):
    X, y = churn
    with pytest.raises(ValueError, match=match):
        Reconstructor(**FAST).fit(make(X), y)


def test_categorical_features_errors_name_the_column(churn, rng):
    X, y = churn
    with pytest.raises(ValueError, match="column 'zip', which X does not have"):
        Reconstructor(categorical_features=["zip"], **FAST).fit(X, y)
    with pytest.raises(ValueError, match="column index 9, but X has 7 columns"):
        Reconstructor(categorical_features=[9], **FAST).fit(X, y)
    with pytest.raises(ValueError, match="one entry per column of X \\(7\\); got 2"):
        Reconstructor(categorical_features=[True, False], **FAST).fit(X, y)
    with pytest.raises(ValueError, match=f"column 'income'.*at most {MAX_LEVELS}"):
        Reconstructor(categorical_features=["income"], **FAST).fit(X, y)
    arr = np.column_stack([rng.normal(size=20), np.array(["a"] * 20, dtype=object)])
    arr[3, 1] = {"a": 1}  # neither text nor a number
    with pytest.raises(TypeError, match=r"column 1 holds a dict \(\{'a': 1\}\)"):
        Reconstructor(**FAST).fit(arr, np.r_[np.zeros(15), np.ones(5)])
    arr[3, 1] = 2.5
    with pytest.raises(TypeError, match=r"column 1 mixes text \('a'\) and numbers"):
        Reconstructor(**FAST).fit(arr, np.r_[np.zeros(15), np.ones(5)])


def test_text_columns_of_an_object_array_are_categorical(rng):
    # As in a DataFrame, text needs no declaring (imbalanced-learn's string check).
    text = np.array(["a", "b", "c"], dtype=object)[rng.integers(0, 3, 30)]
    arr = np.column_stack([rng.normal(size=30), text])
    y = np.r_[np.zeros(20), np.ones(10)]
    X_res, y_res = Reconstructor(**FAST).fit_resample(arr, y)
    assert X_res.dtype == object and X_res.shape == (40, 2)
    assert set(X_res[30:, 1]) <= {"a", "b", "c"}
    assert all(isinstance(v, float) for v in X_res[30:, 0])


def test_mixed_tables_refuse_single_distribution_and_backbones(churn):
    X, y = churn
    with pytest.raises(ValueError, match="likelihood='gaussian' cannot model"):
        Reconstructor(likelihood="gaussian", **FAST).fit(X, y)
    with pytest.raises(ValueError, match="backbone='fit' works with numeric"):
        Reconstructor(backbone="fit", **FAST).fit(X, y)


def test_no_pile_up_at_a_small_class_edges():
    """An 8-member wine class: clipping put 13-25 % of each column's values
    on the class's min or max; reflecting into widened bounds puts none."""
    from sklearn.datasets import load_wine

    from smrt_keras.datasets import make_imbalanced

    X, y = load_wine(return_X_y=True)
    y = (y == 0).astype(int)
    X, y = make_imbalanced(X, y, {0: int((y == 0).sum()), 1: 8}, random_state=0)
    smrt = Reconstructor(sampling_strategy={1: 400}, **FAST).fit(X, y)
    new, _ = smrt.generate(2000, label=1, random_state=0)
    real = X[y == 1]
    lo, hi = real.min(axis=0), real.max(axis=0)
    on_edge = ((new == lo) | (new == hi)).mean(axis=0)
    real_on_edge = ((real == lo) | (real == hi)).mean(axis=0)
    assert np.all(on_edge <= real_on_edge + 0.01), on_edge
    # Never outside what the column allows: wine's columns are all positive.
    assert new.min() >= 0
    # Some values reach past the observed range, as new real members would.
    assert ((new < lo) | (new > hi)).mean() > 0.01


def test_reflect_folds_into_bounds_and_keeps_constants():
    values = np.array([[-0.5, 3.0], [2.5, 3.0], [7.0, 3.0], [0.25, 3.0]])
    reflect(values, np.array([0.0, 3.0]), np.array([2.0, 3.0]))
    np.testing.assert_allclose(values[:, 0], [0.5, 1.5, 1.0, 0.25])
    np.testing.assert_array_equal(values[:, 1], 3.0)


def test_scalers_saved_before_bounds_still_clip():
    scaler = FeatureScaler("standard").fit(np.array([[0.0], [1.0], [2.0]]))
    state = scaler.to_dict()
    assert "lower" in state
    old = {k: v for k, v in state.items() if k not in ("lower", "upper")}
    restored = FeatureScaler.from_dict(old)
    out = restored.inverse_transform(np.array([[10.0], [-10.0]]))
    np.testing.assert_array_equal(out.ravel(), [2.0, 0.0])
    new = FeatureScaler.from_dict(state).inverse_transform(np.array([[10.0]]))
    assert 0.0 <= new[0, 0] <= 3.0


def test_table_codec_round_trip_and_unseen_levels():
    codes = np.array([[1.5, 1, 0, 4], [2.5, 0, 2, 4], [2.0, 1, 2, 4]])
    kinds = ["numeric", "bool", "categorical", "categorical"]
    codec = TableCodec(kinds).fit(codes)
    assert codec.column_types == [["gaussian", 1], ["bernoulli", 1], ["categorical", 2]]
    again = TableCodec.from_dict(codec.to_dict())
    np.testing.assert_array_equal(again.transform(codes), codec.transform(codes))
    # Level 1 of column 2 never appears in this class: an all-zero block.
    other = codec.transform(np.array([[2.0, 0, 1, 4]]))
    np.testing.assert_array_equal(other[0, 2:], [0.0, 0.0])
    back = codec.inverse_transform(codec.transform(codes))
    np.testing.assert_array_equal(back[:, 1:], codes[:, 1:])


def test_mixed_likelihood_matches_its_definition():
    import keras

    from smrt_keras.models import VAE
    from smrt_keras.models.columns import mixed_draw

    spans = [["gaussian", 2], ["bernoulli", 1], ["categorical", 3]]
    vae = VAE(6, hidden_units=(8,), latent_dim=2, likelihood="mixed",
              column_types=spans, seed=0)  # fmt: skip
    x = np.array([[0.5, -1.0, 1.0, 0.0, 1.0, 0.0]], "float32")
    p = np.array([[0.2, 0.1, 0.3, 1.0, 2.0, -1.0]], "float32")
    nll = float(keras.ops.convert_to_numpy(vae.reconstruction_nll(x, p))[0])
    gauss = 0.5 * (2 * np.log(2 * np.pi) + (0.5 - 0.2) ** 2 + (-1.0 - 0.1) ** 2)
    bern = np.log1p(np.exp(-0.3))  # -log sigmoid(0.3)
    cat = np.log(np.exp([1.0, 2.0, -1.0]).sum()) - 2.0
    assert nll == pytest.approx(gauss + bern + cat, rel=1e-5)
    assert VAE.from_config(vae.get_config()).column_types == vae.column_types
    mean = vae.decode(np.zeros((4, 2), "float32"))
    np.testing.assert_allclose(mean[:, 3:].sum(axis=1), 1.0, rtol=1e-5)
    probs = np.tile([[0.0, 0.0, 0.5, 0.2, 0.3, 0.5]], (20000, 1)).astype("float32")
    draws = mixed_draw(probs, np.ones(6, "float32"), spans, np.random.default_rng(0))
    np.testing.assert_allclose(draws[:, 3:].mean(axis=0), [0.2, 0.3, 0.5], atol=0.02)
    assert set(np.unique(draws[:, 2])) == {0.0, 1.0}
    with pytest.raises(ValueError, match="column_types is required"):
        VAE(6, likelihood="mixed")


def test_column_fidelity_measures_each_kind():
    from smrt_keras.evaluation import column_fidelity

    real = pd.DataFrame(
        {"x": [1.0, 2.0, 3.0, 4.0], "z": [2.0, 4.0, 6.0, 8.0], "c": list("aabb")}
    )
    same = column_fidelity(real, real)
    assert same["tvd"] == 0 and same["ks"] == 0 and same["corr"] == 0
    assert same["edge"] == same["edge_real"] == 0.5
    fake = pd.DataFrame(
        {"x": [1.5, 2.5, 3.5, 3.0], "z": [8.0, 6.0, 4.0, 3.0], "c": list("aaaa")}
    )
    got = column_fidelity(real, fake)
    assert got["tvd"] == pytest.approx(0.5)  # half the mass moved from b to a
    r = np.corrcoef(fake["x"], fake["z"])[0, 1]
    assert got["corr"] == pytest.approx(abs(1.0 - r))  # real x and z: r = 1
    assert got["edge"] == pytest.approx(1 / 8)  # one 8.0, on z's max
    assert 0 < got["ks"] <= 1
    # Arrays: no categorical columns unless named.
    arr = column_fidelity(real[["x", "z"]].to_numpy(), fake[["x", "z"]].to_numpy())
    assert np.isnan(arr["tvd"]) and arr["ks"] == pytest.approx(got["ks"])


def test_readme_mixed_table_example_runs_as_written():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("### Mixed-type tables", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    last = code.strip().splitlines()[-1]
    assert last.startswith("X_res.dtypes.equals(churn.dtypes)")
    scope: dict = {}
    exec(code, scope)  # the example as a user would paste it
    assert scope["X_res"].dtypes.equals(scope["churn"].dtypes)
    assert len(scope["X_res"]) == 360
    synthetic = scope["X_res"].iloc[200:]
    assert set(synthetic["region"]) <= set(scope["churn"]["region"].iloc[180:])


def test_all_constant_categorical_class_and_object_images_are_refused(rng):
    X = pd.DataFrame({"a": ["x"] * 10 + ["y"] * 10, "b": ["p"] * 10 + ["q"] * 10})
    y = np.r_[np.zeros(10, int), np.ones(10, int)]
    with pytest.raises(ValueError, match="class 0 has a single level in every column"):
        Reconstructor(sampling_strategy={0: 15}, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="categorical_features needs a 2-D X"):
        Reconstructor(categorical_features=[0], **FAST).fit(np.zeros((4, 2, 2)), y[:4])
    images = np.zeros((20, 3, 3), dtype=object)
    with pytest.raises(TypeError, match="must be numeric or bool; got dtype object"):
        Reconstructor(**FAST).fit(images, y)


def test_dates_and_unsaveable_levels_are_refused(rng):
    y = np.r_[np.zeros(15, int), np.ones(5, int)]
    dates = pd.DataFrame(
        {"x": rng.normal(size=20), "when": pd.date_range("2020", periods=20)}
    )
    with pytest.raises(
        TypeError, match="column 'when' has dtype datetime64.*days since"
    ):
        Reconstructor(**FAST).fit(dates, y)
    pairs = pd.DataFrame(
        {"x": rng.normal(size=20), "pair": [(1, 2)] * 10 + [(3, 4)] * 10}
    )
    with pytest.raises(
        TypeError, match="column 'pair' is categorical with levels of type tuple"
    ):
        Reconstructor(**FAST).fit(pairs, y)


def test_a_table_without_numeric_columns(rng):
    """Only categories and flags: no Gaussian part, no output variance."""
    n = 200
    X = pd.DataFrame(
        {
            "plan": rng.choice(["a", "b", "c"], n),
            "region": pd.Categorical(rng.choice(["n", "s"], n)),
            "flag": rng.random(n) < 0.5,
        }
    )
    y = (np.arange(n) >= 170).astype(int)
    smrt = Reconstructor(**FAST)
    X_res, _ = smrt.fit_resample(X, y)
    assert X_res.dtypes.equals(X.dtypes) and len(X_res) == 340
    assert not smrt.generators_[1].vae.has_gaussian
    smrt.set_params(output_noise=False)
    assert len(smrt.generate(5, label=1)[0]) == 5


def test_save_load_keeps_columns_past_the_ninth_in_order(rng, tmp_path):
    """Codec levels were saved under text keys and read back sorted as text
    ("10" before "2"), mixing up columns 2 and 10 (a sceptic's finding)."""
    X = rng.normal(size=(300, 11))
    X[:, 2] = rng.choice([7, 8], 300)
    X[:, 10] = rng.choice([1, 2, 3, 4], 300)
    y = (np.arange(300) >= 250).astype(int)
    smrt = Reconstructor(categorical_features=[2, 10], **FAST).fit(X, y)
    smrt.save(tmp_path / "gens")
    loaded = Reconstructor.load(tmp_path / "gens")
    a, _ = smrt.generate(500, label=1, random_state=3)
    b, _ = loaded.generate(500, label=1, random_state=3)
    np.testing.assert_array_equal(a, b)
    assert set(b[:, 10]) <= {1.0, 2.0, 3.0, 4.0} and len(set(b[:, 10])) > 2


def test_constant_bools_and_bool_categories(rng):
    n = 300
    y = (np.arange(n) >= 260).astype(int)
    X = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "always": np.ones(n, bool),  # constant: must stay exactly True
            "cat_bool": pd.Categorical(rng.random(n) > 0.5),  # bool categories
        }
    )
    X_res, _ = Reconstructor(**FAST).fit_resample(X, y)
    assert X_res["always"].all()
    assert X_res.dtypes.equals(X.dtypes)
    assert set(X_res["cat_bool"].iloc[n:]) <= {True, False}


def test_declared_columns_add_to_the_detected_ones(rng):
    """Naming a numeric code in categorical_features keeps a DataFrame's text
    columns categorical; "auto" is SMOTENC's spelling of the default."""
    n = 200
    y = (np.arange(n) >= 170).astype(int)
    X = pd.DataFrame(
        {"zip": rng.choice([10001, 94105], n), "lvl": rng.choice(["a", "b"], n)}
    )
    X["v"] = rng.normal(size=n)
    smrt = Reconstructor(categorical_features=["zip"], **FAST).fit(X, y)
    assert smrt.input_spec_.column_kinds == ["categorical", "categorical", "numeric"]
    auto = Reconstructor(categorical_features="auto", **FAST).fit(X, y)
    assert auto.input_spec_.column_kinds == ["numeric", "categorical", "numeric"]


def test_text_arrays_with_categorical_features_come_back_as_text(rng):
    X = np.column_stack([rng.choice(["a", "b"], 60), rng.normal(size=60).astype(str)])
    y = (np.arange(60) >= 45).astype(int)
    X_res, _ = Reconstructor(categorical_features=[0], **FAST).fit_resample(X, y)
    assert X_res.dtype.kind == "U" and set(X_res[60:, 0]) <= {"a", "b"}
    float(X_res[-1, 1])  # the numeric column is text of a number


def test_missing_values_and_unusable_levels_get_clear_messages(rng):
    y = np.r_[np.zeros(15, int), np.ones(5, int)]
    base = {"x": rng.normal(size=20)}
    text = pd.array(["a", "b"] * 9 + [pd.NA, "a"], dtype="string")
    with pytest.raises(
        ValueError, match="column 'c' is categorical and holds 1 missing"
    ):
        Reconstructor(**FAST).fit(pd.DataFrame({**base, "c": text}), y)
    lists = pd.DataFrame({**base, "l": [[1, 2]] * 20})
    with pytest.raises(TypeError, match="column 'l' holds values of type list"):
        Reconstructor(**FAST).fit(lists, y)
    many = pd.Categorical(
        ["a", "b"] * 10, categories=[f"c{i}" for i in range(150)] + ["a", "b"]
    )
    X_res, _ = Reconstructor(**FAST).fit_resample(pd.DataFrame({**base, "k": many}), y)
    assert len(X_res["k"].cat.categories) == 152  # unused categories cost nothing
    with pytest.raises(ValueError, match="y has 1 missing label"):
        Reconstructor(**FAST).fit(pd.DataFrame(base), ["a"] * 14 + [None] + ["b"] * 5)


def test_levels_columns_round_trip_as_their_own_values():
    """A "levels" column (few distinct numbers) is one-hot over the values the
    class shows and decodes to those values, floats included; saved and
    loaded, the codec encodes the same."""
    codes = np.array(
        [[0.5, 1.0, 3.0], [2.5, 0.0, 3.0], [0.5, 1.0, 3.0], [1.0, 2.0, 3.0]]
    )
    codec = TableCodec(["levels", "numeric", "levels"]).fit(codes)
    assert codec.column_types == [["gaussian", 1], ["categorical", 3]]
    np.testing.assert_array_equal(codec.levels_[0], [0.5, 1.0, 2.5])
    back = codec.inverse_transform(codec.transform(codes))
    np.testing.assert_array_equal(back[:, [0, 2]], codes[:, [0, 2]])
    again = TableCodec.from_dict(codec.to_dict())
    np.testing.assert_array_equal(again.transform(codes), codec.transform(codes))
    assert "levels=2" in repr(codec) and "levels" not in repr(TableCodec(["numeric"]))


def test_few_level_numeric_columns_are_modelled_as_levels():
    """Under likelihood="auto", per-class fits model numeric columns of at
    most FEW_LEVELS values (over all of X) as levels: generated values are
    values the class showed, never a rounded Gaussian's in-between or
    out-of-range ones. Other likelihoods, shared models and images keep
    the numbers."""
    from smrt_keras.recipe import FEW_LEVELS, resolve_column_kinds
    from smrt_keras.validation import check_X

    rng = np.random.default_rng(0)
    n = 300
    X = np.c_[
        rng.normal(size=n),
        rng.integers(0, 4, n),
        np.where(rng.random(n) < 0.3, 0.5, 2.5),
    ]
    y = (np.arange(n) < 30).astype(int)
    X[y == 1, 1] = rng.integers(1, 3, 30)  # the minority shows codes 1 and 2 only
    smrt = Reconstructor(**FAST).fit(X.astype(float), y)
    gen = smrt.generators_[1]
    assert gen.recipe.column_kinds == ("numeric", "levels", "levels")
    assert smrt.input_spec_.column_kinds == []  # outputs restored as numbers
    new, _ = smrt.generate(300, label=1)
    assert set(np.unique(new[:, 1])) <= {1.0, 2.0}
    assert set(np.unique(new[:, 2])) <= {0.5, 2.5}
    assert np.unique(new[:, 0]).size > 100
    _, spec = check_X(X.astype(float), "X")
    assert resolve_column_kinds(spec, X, "gaussian") is spec
    wide = np.c_[X[:, :1], np.arange(n) % (FEW_LEVELS + 1)]
    assert resolve_column_kinds(check_X(wide, "X")[1], wide, "auto").column_kinds == []
    # IDs past 2**53 are not exact as floats: never levels (no false promise).
    ids = np.c_[X[:, :1], np.repeat(2**53 + np.array([1.0, 3.0, 5.0]), 100)]
    assert resolve_column_kinds(check_X(ids, "X")[1], ids, "auto").column_kinds == []
    cond = Reconstructor(
        backbone="conditional", epochs=2, backbone_epochs=2, random_state=0
    )
    assert cond.fit(X.astype(float), y).generators_[1].recipe.column_kinds == ()


def test_mostly_zero_and_heavy_tailed_columns_get_their_own_model():
    """A mostly-zero column is a point mass at zero plus a value (generated
    rows are exactly 0 about as often as the class's are); a heavy-tailed one
    is log-scaled, so its generated median stays near the class's instead of
    being dragged by the tail. The codec round-trips and survives a save."""
    from smrt_keras.recipe import resolve_column_kinds
    from smrt_keras.validation import check_X

    rng = np.random.default_rng(0)
    n = 400
    zeros = np.where(rng.random(n) < 0.7, 0.0, rng.lognormal(2, 1, n))
    X = np.c_[rng.normal(size=n), zeros, rng.lognormal(0, 1.5, n)]
    y = (np.arange(n) < 40).astype(int)
    spec = resolve_column_kinds(check_X(X, "X")[1], X, "auto")
    assert spec.column_kinds == ["numeric", "zeros", "skewed"]
    codec = TableCodec(spec.column_kinds).fit(X[y == 1])
    assert codec.column_types == [["gaussian", 3], ["bernoulli", 1]]
    real = X[y == 1]  # other rows may lie outside the class's bounds
    np.testing.assert_allclose(
        codec.inverse_transform(codec.transform(real)), real, rtol=1e-5
    )
    again = TableCodec.from_dict(codec.to_dict())
    np.testing.assert_array_equal(again.transform(X), codec.transform(X))
    smrt = Reconstructor(epochs=60, random_state=0).fit(X, y)
    new, _ = smrt.generate(400, label=1)
    assert abs(np.mean(new[:, 1] == 0) - np.mean(real[:, 1] == 0)) < 0.2
    assert (new[:, 1] >= 0).all() and (new[:, 2] > 0).all()
    assert 0.5 < np.median(new[:, 2]) / np.median(real[:, 2]) < 2.0
