"""The report reads its inputs as ``fit`` does, and missing labels of any
dtype are counted and refused in one line, with no numpy warning (API and
command line alike)."""

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from smrt_keras import Reconstructor
from smrt_keras.report import quality_report
from smrt_keras.validation import check_y


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(80, 4)), np.r_[[0] * 60, [1] * 20]
    holdout = rng.normal(size=(20, 4)), np.r_[[0] * 15, [1] * 5]
    smrt = Reconstructor(epochs=1, random_state=0).fit(X, y)
    return smrt, X, y, holdout


def report(smrt, X, y, holdout=None):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no numpy warning leaks
        return quality_report(smrt, X, y, holdout=holdout, baselines=(), random_state=0)


def test_nan_in_x_is_refused_even_with_a_clean_holdout(data):
    smrt, X, y, holdout = data
    X = X.copy()
    X[3, 2] = np.nan
    with pytest.raises(ValueError, match=r"^X contains 1 NaN or infinite value\(s\)"):
        report(smrt, X, y, holdout)
    X[y == 1] = np.nan  # half the minority's values and more
    with pytest.raises(ValueError, match=r"^X contains 81 NaN"):
        report(smrt, X, y, holdout)


def test_nan_or_inf_in_the_holdout_is_refused(data):
    smrt, X, y, (X_h, y_h) = data
    bad = X_h.copy()
    bad[0, 0], bad[4, 1] = np.inf, np.nan
    with pytest.raises(ValueError, match=r"^holdout contains 2 NaN or infinite"):
        report(smrt, X, y, (bad, y_h))
    labels = y_h.astype(float)
    labels[0] = np.nan
    with pytest.raises(ValueError, match=r"^holdout labels has 1 missing label"):
        report(smrt, X, y, (X_h, labels))


def test_nan_labels_are_counted(data):
    smrt, X, y, holdout = data
    labels = y.astype(float)
    labels[[1, 2]] = np.nan
    with pytest.raises(ValueError, match=r"^y has 2 missing label\(s\)"):
        report(smrt, X, labels, holdout)


def test_a_class_without_rows_is_named_not_n(data):
    smrt, X, y, (X_h, y_h) = data
    with pytest.raises(ValueError) as info:
        report(smrt, X[y == 0], y[y == 0])  # only the majority class
    message = str(info.value)
    assert message.startswith("y: the reconstructor has a generator for class(es) [1]")
    assert "n must" not in message
    with pytest.raises(ValueError, match=r"^holdout labels: .* class\(es\) \[1\]"):
        report(smrt, X, y, (X_h[y_h == 0], y_h[y_h == 0]))


def test_a_clean_report_still_runs(data):
    smrt, X, y, holdout = data
    assert 0 < report(smrt, X, y, holdout).get_score() <= 1


MISSING = [
    np.array([0.0, 1.0, np.nan, 1.0]),
    pd.Series([0, 1, None, 1], dtype="Int64"),
    pd.Series(["a", "b", None, "a"], dtype="string"),
    pd.Series(pd.Categorical(["a", None, "b", "a"])),
    np.array(["a", None, "b", "a"], dtype=object),
    [0, 1, None, 1],
]


@pytest.mark.parametrize("y", MISSING, ids=lambda y: type(y).__name__)
def test_missing_labels_of_any_dtype_are_counted(y):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"^y has 1 missing label\(s\)"):
            check_y(y, 4)


def test_infinite_labels_are_refused():
    with pytest.raises(ValueError, match=r"^y has 1 infinite label"):
        check_y(np.array([0.0, np.inf, 1.0]), 3)


def test_fit_counts_missing_labels_without_a_warning():
    X = np.random.default_rng(0).normal(size=(6, 2))
    y = np.array([0, 1, np.nan, 0, 1, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"^y has 1 missing label"):
            Reconstructor(epochs=1).fit(X, y)


@pytest.mark.parametrize("labels", ["0,1,,0,1,0", "a,b,,a,b,a"])
def test_the_command_line_prints_one_line(tmp_path, labels):
    rows = ["a,b,label"] + [
        f"{i}.5,{i}.25,{v}" for i, v in enumerate(labels.split(","))
    ]
    table = tmp_path / "t.csv"
    table.write_text("\n".join(rows) + "\n")
    out = subprocess.run(
        [sys.executable, "-m", "smrt_keras.cli", "balance", str(table), "--target",
         "label", "-o", str(tmp_path / "o.csv")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        f"smrt-keras balance: error: --target 'label' has 1 missing label(s) "
        f"(blank or NaN) in {str(table)!r}; drop those rows or give them a label."
    ]


@pytest.mark.parametrize("seed", [2**40, 2**32, -1])
def test_an_out_of_range_seed_is_refused_alike_at_fit_and_generate(data, seed):
    smrt, X, y, _ = data
    pattern = rf"^random_state must be an int in \[0, 4294967295\].*{seed}\.$"
    with pytest.raises(ValueError, match=pattern):
        Reconstructor(epochs=1, random_state=seed).fit(X, y)
    with pytest.raises(ValueError, match=pattern):
        smrt.generate(2, random_state=seed)
    with pytest.raises(ValueError, match=pattern):
        quality_report(smrt, X, y, baselines=(), random_state=seed)


def test_the_largest_seed_works_at_fit_and_generate(data):
    smrt, X, y, _ = data
    top = 2**32 - 1
    fitted = Reconstructor(epochs=1, random_state=top).fit(X, y)
    a, _ = fitted.generate(3, random_state=top)
    b, _ = smrt.generate(3, random_state=top)
    assert a.shape == b.shape == (3, 4)
    np.testing.assert_array_equal(b, smrt.generate(3, random_state=top)[0])


COMPLEX = [
    np.array([[1 + 2j, 1.0], [2.0, 3.0]]),
    np.ones((3, 2), dtype=np.complex64),
    np.ones((2, 4, 4), dtype=np.complex128),
    [[1 + 2j, 1.0], [2.0, 3.0]],
    np.array([[1 + 2j, 1.0], [2.0, 3.0]], dtype=object),
    pd.DataFrame({"a": [1 + 2j, 2.0], "b": [1.0, 2.0]}),
]


@pytest.mark.parametrize("X", COMPLEX, ids=lambda X: type(X).__name__)
def test_complex_x_gets_the_documented_value_error(X):
    """docs/reliability.md: complex X in any container is a ValueError that
    starts as scikit-learn's does and names X."""
    from smrt_keras.validation import check_X

    with pytest.raises(ValueError, match=r"^Complex data not supported: X "):
        check_X(X)
    with pytest.raises(ValueError, match=r"^Complex data not supported: X "):
        Reconstructor(epochs=1).fit(X, np.arange(len(X)) % 2)


@pytest.mark.parametrize("seed", [True, 2.5, "1"])
def test_a_seed_of_another_type_is_refused_alike(data, seed):
    smrt, X, y, _ = data
    with pytest.raises(ValueError, match=r"^random_state must be"):
        Reconstructor(epochs=1, random_state=seed).fit(X, y)
    with pytest.raises(ValueError, match=r"^random_state must be"):
        smrt.generate(2, random_state=seed)
    with pytest.raises(ValueError, match=r"^random_state must be"):
        quality_report(smrt, X, y, baselines=(), random_state=seed)


def test_complex_values_in_an_object_frame_column():
    from smrt_keras.validation import check_X

    frame = pd.DataFrame({"a": pd.Series([1j, 2j] * 5, dtype=object), "b": 1.0})
    with pytest.raises(ValueError, match=r"^Complex data not supported: X column 'a'"):
        check_X(frame)
