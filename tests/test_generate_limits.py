"""What generate says when asked for too much, or for a label it lacks."""

import tracemalloc

import numpy as np
import pytest

from smrt_keras import OutputTooLargeError, Reconstructor
from smrt_keras import generator as generator_module


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5))
    y = np.r_[np.zeros(45, int), np.ones(15, int)]
    return Reconstructor(epochs=1, random_state=0, classes="all").fit(X, y)


def test_a_huge_n_fails_fast_without_allocating(fitted):
    tracemalloc.start()
    try:
        with pytest.raises(OutputTooLargeError) as info:
            fitted.generate(10**9)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(info.value, MemoryError)
    message = str(info.value)
    assert "2,000,000,000 samples of 5 features" in message
    assert "GiB in memory" in message and "iter_generate" in message
    assert peak < 50 * 2**20, peak  # nothing the size of the output
    with pytest.raises(OutputTooLargeError):
        fitted.generate(10**9, label=1)


def test_the_bound_follows_available_memory(fitted, monkeypatch):
    monkeypatch.setattr(generator_module, "available_memory", lambda: 10_000)
    with pytest.raises(OutputTooLargeError, match="of the 0.0 GiB available"):
        fitted.generate(1000)
    assert len(fitted.generate(10)[0]) == 20  # 10 * (16 * 5 + 8) bytes fit
    assert sum(len(b) for b, _ in fitted.iter_generate(1000, label=1)) == 1000
    monkeypatch.setattr(generator_module, "available_memory", lambda: None)
    assert len(fitted.generate(1000)[0]) == 2000  # unknown: no bound


def test_available_memory_is_a_positive_number():
    available = generator_module.available_memory()
    assert available is None or available > 0


def test_a_label_of_the_wrong_type_is_named(fitted):
    with pytest.raises(ValueError, match=r"labels are int; did you mean 1\?$"):
        fitted.generate(2, label="1")


def test_a_missing_label_without_the_refit_advice_when_every_class_has_one(fitted):
    with pytest.raises(ValueError) as info:
        fitted.generate(2, label=10)
    assert str(info.value) == "label=10 has no generator; available labels: [0, 1]."


def test_the_refit_advice_stays_where_it_helps():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), np.r_[np.zeros(45, int), np.ones(15, int)]
    smrt = Reconstructor(epochs=1, random_state=0).fit(X, y)  # only class 1
    with pytest.raises(ValueError, match=r"label=0 .*Fit with classes='all'"):
        smrt.generate(2, label=0)
    with pytest.raises(ValueError, match="not a class seen in fit") as info:
        smrt.generate(2, label=7)
    assert "classes='all'" not in str(info.value)


def test_the_zoo_says_str_against_int():
    from smrt_keras import zoo

    smrt = zoo.load("mnist")
    with pytest.raises(ValueError, match=r"labels are int; did you mean 3\?") as info:
        smrt.generate(2, label="3")
    assert "classes='all'" not in str(info.value)
    with pytest.raises(ValueError) as info:
        smrt.generate(2, label=10)
    assert "available labels: [0, 1, 2" in str(info.value)
    assert "classes='all'" not in str(info.value)


def test_the_guard_sits_exactly_at_its_share_of_memory(fitted, monkeypatch):
    """Just below the threshold generate draws; just above it refuses. A share
    set anywhere but 80 % moves the edge and fails this test."""
    assert generator_module.MEMORY_SHARE == 0.8
    available = 88_000
    monkeypatch.setattr(generator_module, "available_memory", lambda: available)
    per_row = 2 * 8 * 5 + 8  # float64 rows, their copy, an int64 label
    edge = int(0.8 * available) // per_row
    assert edge == 800 and edge * per_row == 0.8 * available  # exactly at 80 %
    assert len(fitted.generate(edge, label=1)[0]) == edge
    with pytest.raises(OutputTooLargeError, match="801 samples of 5 features"):
        fitted.generate(edge + 1, label=1)
    generator_module.check_output_size(edge, 5, "int64")
    with pytest.raises(OutputTooLargeError):
        generator_module.check_output_size(edge + 1, 5, "int64")
