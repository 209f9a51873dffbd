"""Scaling out on existing engines (#18): classes across joblib workers (loky,
threads, a real Dask cluster), many fits (GridSearchCV with processes and
threads, pickling) and two fits in two threads of one process."""

import pickle
import threading

import numpy as np
import pytest
from imblearn.pipeline import make_pipeline
from joblib import parallel_config
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from smrt_keras import Reconstructor
from smrt_keras.models.parallel import split


@pytest.fixture(scope="module")
def many_classes():
    """Six classes of 40-60 rows (and a seventh, small, so sizes differ)."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(6), [60, 55, 50, 45, 40, 40])
    X = rng.normal(size=(len(y), 5)) + y[:, None] * 0.5
    return X, y


def _fit(X, y, **kwargs):
    return Reconstructor(
        epochs=3, patience=None, classes="all", random_state=0, **kwargs
    ).fit(X, y)


def _draws(smrt):
    return smrt.generate(4, random_state=1)[0]


def test_split_balances_costs_deterministically():
    chunks = split([10, 1, 1, 1, 9, 8], 2)
    assert chunks == [[0, 1, 2, 3], [4, 5]]  # loads 13 and 17; job order inside
    assert split([3, 3, 3], 5) == [[0], [1], [2]]


def test_n_jobs_gives_one_result_on_loky_threads_and_dask(many_classes):
    distributed = pytest.importorskip("distributed")
    X, y = many_classes
    loky = _draws(_fit(X, y, n_jobs=2))
    with parallel_config(backend="threading"):
        threads = _draws(_fit(X, y, n_jobs=2))
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        parallel_config(backend="dask"),
    ):
        dask = _draws(_fit(X, y, n_jobs=2))
    np.testing.assert_array_equal(threads, loky)
    np.testing.assert_array_equal(dask, loky)


def test_n_jobs_changes_results_by_rounding_only(many_classes):
    # One worker stacks all six classes, two stack three each: float32 rounding.
    X, y = many_classes
    with parallel_config(backend="threading"):
        threads = _draws(_fit(X, y, n_jobs=2))
    np.testing.assert_allclose(threads, _draws(_fit(X, y)), atol=1e-4)


def test_n_jobs_is_checked():
    with pytest.raises(ValueError, match="n_jobs"):
        Reconstructor(n_jobs=0).fit(np.zeros((4, 2)), [0, 0, 1, 1])


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_grid_search_runs_on_processes_and_threads(many_classes, backend):
    X, y = many_classes
    keep = np.isin(y, [0, 4])
    pipe = make_pipeline(
        Reconstructor(epochs=2, random_state=0), LogisticRegression(max_iter=200)
    )
    grid = GridSearchCV(
        pipe, {"reconstructor__latent_dim": [2, 3]}, cv=2, n_jobs=2, error_score="raise"
    )
    with parallel_config(backend=backend):
        grid.fit(X[keep], y[keep])
    assert len(grid.cv_results_["mean_test_score"]) == 2
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))


def test_fitted_and_unfitted_reconstructors_pickle(many_classes):
    X, y = many_classes
    unfitted = pickle.loads(pickle.dumps(Reconstructor(epochs=2, hidden_units=(8,))))
    assert unfitted.hidden_units == (8,)
    fitted = _fit(X, y)
    _ = fitted.generators_[0].vae  # a materialised Keras model pickles too
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(_draws(again), _draws(fitted))


def test_two_threads_fit_without_interfering(many_classes):
    X, y = many_classes
    jobs = {"a": (X, y, 0), "b": (X[::-1] * 2.0, y[::-1], 7)}
    sequential = {
        k: Reconstructor(epochs=3, patience=None, classes="all", random_state=s)
        .fit(Xk, yk)
        .generate(4, random_state=1)[0]
        for k, (Xk, yk, s) in jobs.items()
    }
    threaded, errors = {}, []

    def run(key):
        Xk, yk, s = jobs[key]
        try:
            smrt = Reconstructor(epochs=3, patience=None, classes="all", random_state=s)
            threaded[key] = smrt.fit(Xk, yk).generate(4, random_state=1)[0]
        except Exception as exc:  # surfaced below, with the thread's name
            errors.append((key, exc))

    threads = [threading.Thread(target=run, args=(k,)) for k in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for key in jobs:
        np.testing.assert_array_equal(threaded[key], sequential[key])
