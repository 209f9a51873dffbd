"""The report's metrics against SDMetrics' own implementation (the optional
``report-check`` extra: ``pip install 'smrt-keras[report-check]'``)."""

import importlib.util
import inspect
import os

import numpy as np
import pandas as pd
import pytest
from _need import require

# SDMetrics 0.32 needs pandas < 3, the test extras pandas 3: .ci/run runs this file
# in an environment of its own (the report-check extra) with SMRT_SDMETRICS_CHECK=1,
# where a missing SDMetrics fails instead of skipping.
require(
    importlib.util.find_spec("sdmetrics") is not None,
    "SDMetrics",
    "it needs pandas < 3: pip install -e '.[report-check]' in an environment of "
    "its own, as .ci/run does",
    module_level=True,
    must=os.environ.get("SMRT_SDMETRICS_CHECK") == "1",
)

from smrt_keras.report import distances, metrics  # noqa: E402


@pytest.fixture
def tables(rng):
    def make(n, shift):
        return pd.DataFrame(
            {
                "x": rng.normal(shift, 1.0, n),
                "y": rng.normal(0.0, 2.0, n) + shift,
                "c": rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2]),
                "d": rng.choice(["u", "v"], n),
            }
        )

    return make(120, 0.0), make(90, 0.4), make(80, 0.0)


METADATA = {
    "columns": {
        "x": {"sdtype": "numerical"},
        "y": {"sdtype": "numerical"},
        "c": {"sdtype": "categorical"},
        "d": {"sdtype": "categorical"},
    }
}


def _table(metric) -> dict:
    """``table_name=None`` where this SDMetrics version asks for it."""
    params = inspect.signature(metric.compute_breakdown).parameters
    return {"table_name": None} if "table_name" in params else {}


KINDS = {"x": "numeric", "y": "numeric", "c": "categorical", "d": "categorical"}


def test_column_metrics_match(tables):
    from sdmetrics.single_column import (
        BoundaryAdherence,
        CategoryAdherence,
        KSComplement,
        TVComplement,
    )

    real, fake, _ = tables
    assert metrics.ks_complement(real.x, fake.x) == pytest.approx(
        KSComplement.compute(real.x, fake.x)
    )
    assert metrics.tv_complement(real.c, fake.c) == pytest.approx(
        TVComplement.compute(real.c, fake.c)
    )
    assert metrics.boundary_adherence(real.y, fake.y) == pytest.approx(
        BoundaryAdherence.compute(real.y, fake.y)
    )
    assert metrics.category_adherence(real.c, fake.c.replace("c", "z")) == (
        pytest.approx(CategoryAdherence.compute(real.c, fake.c.replace("c", "z")))
    )


def test_pair_metrics_match(tables):
    from sdmetrics.column_pairs import ContingencySimilarity, CorrelationSimilarity

    real, fake, _ = tables
    ours = metrics.correlation_similarity(real[["x", "y"]], fake[["x", "y"]])
    theirs = CorrelationSimilarity.compute(real[["x", "y"]], fake[["x", "y"]])
    assert ours == pytest.approx(theirs)
    ours = metrics.contingency_similarity(real[["c", "d"]], fake[["c", "d"]])
    assert ours == pytest.approx(
        ContingencySimilarity.compute(real[["c", "d"]], fake[["c", "d"]])
    )
    mixed = metrics.pair_similarity(
        real[["x", "c"]], fake[["x", "c"]], ("numeric", "categorical")
    )
    theirs = ContingencySimilarity.compute(
        real[["x", "c"]], fake[["x", "c"]], continuous_column_names=["x"]
    )
    assert mixed == pytest.approx(theirs)


def test_dcr_matches(tables):
    from sdmetrics.single_table.privacy.dcr_utils import calculate_dcr

    real, fake, _ = tables
    fake = fake.copy()
    fake.loc[:4, "x"] = [np.nan, 50.0, -50.0, 0.0, 1.0]  # missing, capped
    ours, _ = distances.table_dcr(fake, real, KINDS)
    theirs = calculate_dcr(dataset=fake, reference_dataset=real, metadata=METADATA)
    np.testing.assert_allclose(ours, theirs.to_numpy())


def test_overfitting_protection_matches(tables):
    from sdmetrics.single_table import DCROverfittingProtection

    train, fake, holdout = tables
    to_train, _ = distances.table_dcr(fake, train, KINDS)
    to_holdout, _ = distances.table_dcr(fake, holdout, KINDS)
    ours = distances.overfitting_protection(to_train, to_holdout)
    theirs = DCROverfittingProtection.compute_breakdown(
        train, fake, holdout, METADATA, **_table(DCROverfittingProtection)
    )
    assert ours["score"] == pytest.approx(theirs["score"])
    assert ours["closer_to_train"] == pytest.approx(
        theirs["synthetic_data_percentages"]["closer_to_training"]
    )


def test_baseline_protection_matches_on_the_same_random_rows(tables, monkeypatch):
    from sdmetrics.single_table import DCRBaselineProtection

    train, fake, _ = tables
    random = distances.random_rows(train, len(fake), np.random.default_rng(1))
    # SDMetrics draws its random rows itself; hand it ours.
    monkeypatch.setattr(
        DCRBaselineProtection, "_generate_random_data", classmethod(lambda *a: random)
    )
    theirs = DCRBaselineProtection.compute_breakdown(
        train, fake, METADATA, **_table(DCRBaselineProtection)
    )
    to_train, _ = distances.table_dcr(fake, train, KINDS)
    random_dcr, _ = distances.table_dcr(random, train, KINDS)
    assert distances.baseline_protection(to_train, random_dcr) == pytest.approx(
        theirs["score"]
    )
