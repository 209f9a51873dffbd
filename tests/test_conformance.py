"""The ecosystem's own check suites, run on ``Reconstructor`` as they run on
every scikit-learn estimator and imbalanced-learn sampler (README, "Details
worth knowing", lists what the tags say is refused and why)."""

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils.estimator_checks import estimator_checks_generator
from sklearn.utils.estimator_checks import (
    parametrize_with_checks as sklearn_checks,
)

from smrt_keras import Reconstructor

# imbalanced-learn's resampling checks assert class counts only for its own
# over-sampler base class (isinstance); registering makes them run on ours
# instead of passing vacuously. Reconstructor is an over-sampler.
BaseOverSampler.register(Reconstructor)

#: One epoch keeps each of the ~60 fits well under a second; the checks test
#: the estimator's contract, not the quality of its samples.
FAST = Reconstructor(epochs=1, random_state=0)


@sklearn_checks([FAST])
def test_sklearn_check_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "estimator, check",
    list(estimator_checks_generator(FAST, mark="xfail")),
    ids=lambda obj: getattr(getattr(obj, "func", None), "__name__", None),
)
def test_imblearn_sampler_checks(estimator, check):
    check(estimator)


def test_tags_say_what_is_refused():
    from sklearn.utils import get_tags

    tags = get_tags(Reconstructor())
    assert tags.estimator_type == "sampler"
    assert tags.sampler_tags is not None
    inputs = tags.input_tags
    assert (inputs.sparse, inputs.allow_nan) == (False, False)
    assert (inputs.two_d_array, inputs.dataframe, inputs.string) == (True,) * 3


def test_refused_sparse_and_nan_explain_themselves():
    from scipy import sparse

    X, y = np.random.default_rng(0).normal(size=(30, 2)), np.r_[[0] * 20, [1] * 10]
    with pytest.raises(TypeError, match=r"sparse matrix .*toarray\(\)"):
        FAST.fit_resample(sparse.csr_matrix(X), y)
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN .*column\(s\) 1.*impute"):
        FAST.fit_resample(X, y)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(60, 3)), np.r_[[0] * 45, [1] * 15]


def test_outputs_keep_the_callers_types(data):
    X, y = data
    X_list, y_list = Reconstructor(epochs=1, random_state=0).fit_resample(
        X.tolist(), y.tolist()
    )
    assert isinstance(X_list, list) and isinstance(y_list, list)
    assert len(X_list) == len(y_list) == 90 and y_list.count(1) == 45
    y_frame = pd.DataFrame({"target": y.astype("int32")})
    _, y_res = Reconstructor(epochs=1, random_state=0).fit_resample(X, y_frame)
    assert isinstance(y_res, pd.DataFrame) and list(y_res.columns) == ["target"]
    assert y_res["target"].dtype == "int32" and len(y_res) == 90
    y_text = pd.Series(np.where(y == 1, "rare", "common"), name="kind")
    _, y_res = Reconstructor(epochs=1, random_state=0).fit_resample(X, y_text)
    assert y_res.name == "kind" and (y_res == "rare").sum() == 45


def test_one_vs_all_target_comes_back_binarized(data):
    X, y = data
    ova = np.eye(2, dtype=int)[y]
    _, y_res = Reconstructor(epochs=1, random_state=0).fit_resample(X, ova)
    assert y_res.shape == (90, 2) and set(y_res.sum(axis=1)) == {1}
    assert int(y_res[:, 1].sum()) == 45
    with pytest.raises(ValueError, match="Multilabel and multioutput"):
        Reconstructor(epochs=1).fit(X, np.ones((60, 2), dtype=int))


def test_feature_names_out(data):
    X, y = data
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    smrt = Reconstructor(epochs=1, random_state=0).fit(frame, y)
    assert smrt.get_feature_names_out().tolist() == ["a", "b", "c"]
    with pytest.raises(ValueError, match="input_features is not equal"):
        smrt.get_feature_names_out(["x", "y", "z"])
    smrt.fit(X, y)
    assert smrt.get_feature_names_out().tolist() == ["x0", "x1", "x2"]


def test_rows_of_numbers_and_text_keep_their_types():
    # numpy would turn every value of such rows into text (a sceptic's find).
    rng = np.random.default_rng(0)
    rows = [
        [float(rng.normal()), str(rng.choice(["blue", "red"])), int(rng.integers(9)),
         bool(rng.random() < 0.5)]
        for _ in range(40)
    ]  # fmt: skip
    X_res, y_res = Reconstructor(epochs=1, random_state=0).fit_resample(
        rows, [0] * 30 + [1] * 10
    )
    assert X_res[:40] == rows  # the originals exactly as given
    for row in X_res[40:]:
        assert [type(v) for v in row] == [float, str, int, bool]
        assert row[1] in {"blue", "red"}
    arr = np.array(rows, dtype=object)
    arr[3, 1] = None
    with pytest.raises(ValueError, match="column 1 is categorical and holds 1 missing"):
        Reconstructor(epochs=1).fit(arr, [0] * 30 + [1] * 10)
