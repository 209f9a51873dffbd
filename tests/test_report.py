"""smrt_keras.quality_report end to end on tiny data: the reading API, the
HTML page (escaped, self-contained, rendered by Chromium), bad input."""

import json
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from _need import require

from smrt_keras import QualityReport, Reconstructor, quality_report

EVIL = "<script>alert(1)</script>"
EVIL_VALUE = "<img src=x onerror=alert(2)>"


def _table(seed: int, n_major: int = 60, n_minor: int = 20):
    rng = np.random.default_rng(seed)
    y = np.array(["major"] * n_major + ["<i>minor</i>"] * n_minor)
    shift = np.where(y == "major", 0.0, 2.0)
    X = pd.DataFrame(
        {
            EVIL: rng.normal(shift, 1.0),
            "b": rng.normal(-shift, 1.0),
            "c": np.where(rng.random(len(y)) < 0.5, EVIL_VALUE, "plain"),
        }
    )
    return X, y


@pytest.fixture(scope="module")
def table_report():
    X, y = _table(0)
    smrt = Reconstructor(epochs=2, random_state=0).fit(X, y)
    holdout = _table(1, 20, 10)
    report = quality_report(
        smrt, X, y, holdout=holdout, baselines=("none", "smote"), cv=2, random_state=0
    )
    return report, smrt, (X, y)


def test_properties_score_and_details(table_report):
    report, _, _ = table_report
    assert isinstance(report, QualityReport)
    props = report.get_properties()
    assert list(props["Property"]) == [
        "Column Shapes",
        "Column Pair Trends",
        "Boundary Adherence",
        "Category Adherence",
        "DCR Baseline Protection",
        "DCR Overfitting Protection",
        "Border Share",
        "Downstream Efficacy",
    ]
    fidelity = props.loc[props["In score"], "Score"]
    assert report.get_score() == pytest.approx(fidelity.mean())
    assert 0.0 <= report.get_score() <= 1.0
    shapes = report.get_details("Column Shapes")
    # One row per class with a generator and column; the score is their mean.
    assert set(shapes["class"]) == {"<i>minor</i>"} and len(shapes) == 3
    assert props.iloc[0]["Score"] == pytest.approx(shapes["score"].mean())
    assert len(report.get_details("Column Pair Trends")) == 3
    border = report.get_details("Border Share").iloc[0]
    assert 0 <= border["smrt"] <= 1 and 0 <= border["smote"] <= 1
    with pytest.raises(ValueError, match="property_name 'nope'"):
        report.get_details("nope")


def test_memorisation_uses_the_holdout(table_report):
    report, _, _ = table_report
    row = report.get_details("DCR Overfitting Protection").iloc[0]
    assert row["holdout_rows"] == 10 and row["synthetic_rows"] == 20
    assert 0 <= row["score"] <= 1 and row["dcr_ratio"] > 0
    pairs = report.closest_pairs("<i>minor</i>")
    assert len(pairs) == 3
    assert [p[2] for p in pairs] == sorted(p[2] for p in pairs)


def test_efficacy_table_and_tie_rule(table_report):
    report, _, _ = table_report
    table = report.get_details("Downstream Efficacy")
    assert list(table["method"]) == ["none", "smote", "smrt"]
    assert report.meta["cv"] == 2
    for key in ("balanced_accuracy", "gmean", "f1", "roc_auc"):
        assert table[f"{key}_mean"].between(0, 1).all()
        assert (table[f"{key}_std"] >= 0).all()
        verdicts = set(table[f"smrt_vs_{key}"].dropna())
        assert verdicts <= {"better", "worse", "tie"}


def test_to_dict_is_json(table_report):
    report, _, _ = table_report
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["score"] == pytest.approx(report.get_score())
    assert set(data["details"]) == set(report.properties_with_details())


def test_html_is_escaped_self_contained_and_atomic(table_report, tmp_path):
    report, _, _ = table_report
    path = report.save_html(tmp_path / "<b>r.html")
    text = path.read_text(encoding="utf-8")
    assert "<script" not in text and "<img src=x" not in text and "<i>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;b&gt;r.html" in text  # the file name
    assert "http://" not in text and "https://" not in text  # nothing fetched
    assert text.count("data:image/png;base64,") >= 3  # marginals, PCA, bars
    assert [p.name for p in tmp_path.iterdir()] == ["<b>r.html"]
    with pytest.raises(FileNotFoundError, match="path: folder"):
        report.save_html(tmp_path / "missing" / "r.html")
    assert not (tmp_path / "missing").exists()


def test_chromium_renders_the_page(table_report, tmp_path):
    import matplotlib.pyplot as plt

    require(
        shutil.which("chromium") is not None,
        "headless Chromium",
        "Debian: apt-get install chromium",
    )
    report, _, _ = table_report
    page = report.save_html(tmp_path / "report.html")
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            "chromium", "--headless", "--no-sandbox", "--disable-gpu",
            f"--screenshot={shot}", "--window-size=1000,1400", page.as_uri(),
        ],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    pixels = plt.imread(shot)
    assert pixels.shape[:2] == (1400, 1000)
    # Text and pictures were drawn: far from one blank colour.
    assert pixels[..., :3].std() > 0.05


def test_an_unfitted_reconstructor_is_fitted_on_an_internal_split(capsys):
    X, y = _table(2)
    smrt = Reconstructor(epochs=2, random_state=0)
    report = quality_report(smrt, X, y, baselines=(), random_state=0, verbose=1)
    assert not hasattr(smrt, "generators_")  # a copy was fitted
    assert "Downstream Efficacy" not in report.properties_with_details()
    row = report.get_details("DCR Overfitting Protection").iloc[0]
    assert row["holdout_rows"] == 5  # a quarter of the 20 minority rows
    assert "[smrt] report 1/2: fitted the reconstructor" in capsys.readouterr().out


def test_images(digit_images, tmp_path):
    images, target = digit_images
    # 80 zeros and 20 ones to fit on; 10 and 10 held out.
    zeros, ones = np.flatnonzero(target == 0), np.flatnonzero(target == 1)
    keep = np.r_[zeros[:80], ones[:20], zeros[80:90], ones[20:30]]
    X, y = images[keep], target[keep]
    smrt = Reconstructor(epochs=1, random_state=0).fit(X[:100], y[:100])
    report = quality_report(
        smrt, X[:100], y[:100], holdout=(X[100:], y[100:]), baselines=(), n=30
    )
    props = report.get_properties()
    assert props.loc[props["In score"], "Property"].tolist() == ["Image Fidelity"]
    row = report.get_details("Image Fidelity").iloc[0]
    assert row["score"] == pytest.approx(
        np.mean([row["precision"], row["recall"], row["coverage"]])
    )
    assert row["fid"] >= 0
    text = report.save_html(tmp_path / "images.html").read_text()
    assert "Top row: real; bottom row: synthetic." in text


def test_bad_input_names_the_argument(table_report, tmp_path):
    _, smrt, (X, y) = table_report
    renamed = X.rename(columns={"b": "B"})
    with pytest.raises(ValueError, match=r"^X: columns"):
        quality_report(smrt, renamed, y)
    with pytest.raises(ValueError, match=r"^holdout: labels \['other'\]"):
        quality_report(smrt, X, y, holdout=(X[:2], np.array(["major", "other"])))
    one = y.copy()
    one[0] = "lonely"
    with pytest.raises(ValueError, match=r"^y: label\(s\) \['lonely'\] have one row"):
        quality_report(smrt, X, one)

    class NoProba:
        def fit(self, X, y):
            return self

        def predict(self, X):
            return np.zeros(len(X))

    with pytest.raises(TypeError, match=r"^classifier: NoProba has no predict_proba"):
        quality_report(smrt, X, y, classifier=NoProba())
    with pytest.raises(ValueError, match="baselines"):
        quality_report(smrt, X, y, baselines=("adasyn",))
    assert list(tmp_path.iterdir()) == []


def test_multiclass_arrays_with_every_baseline(small_tabular):
    X, y = small_tabular  # 3 classes, a numpy array
    smrt = Reconstructor(epochs=2, random_state=0).fit(X, y)
    report = quality_report(smrt, X, y, cv=2, random_state=0)
    assert set(report.get_details("Column Shapes")["class"]) == {1, 2}
    assert list(report.get_details("Column Shapes")["column"][:2]) == ["x0", "x1"]
    table = report.get_details("Downstream Efficacy")
    assert list(table["method"]) == ["none", "ros", "smote", "threshold", "smrt"]
    assert table["roc_auc_mean"].between(0, 1).all()  # one-vs-rest macro


def test_images_efficacy_with_the_small_cnn(digit_images):
    images, target = digit_images
    zeros, ones = np.flatnonzero(target == 0), np.flatnonzero(target == 1)
    keep = np.r_[zeros[:60], ones[:12]]
    X, y = images[keep], target[keep]
    smrt = Reconstructor(epochs=1, random_state=0).fit(X, y)
    report = quality_report(smrt, X, y, baselines=("none",), cv=2, random_state=0)
    assert "SmallCNN" in report.meta["classifier"]
    table = report.get_details("Downstream Efficacy")
    assert list(table["method"]) == ["none", "smrt"]
    assert table["balanced_accuracy_mean"].between(0, 1).all()
