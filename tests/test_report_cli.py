"""``smrt-keras report``: success, JSON, and errors answered in one line
before anything is written."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest


def run_here(capsys, *args):
    from smrt_keras.cli import main

    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A CSV of 60 + 20 rows, a holdout CSV and generators fitted on the first."""
    from smrt_keras import Reconstructor

    root = tmp_path_factory.mktemp("report_cli")
    rng = np.random.default_rng(0)

    def frame(n0, n1):
        y = np.array(["no"] * n0 + ["yes"] * n1)
        shift = np.where(y == "no", 0.0, 2.0)
        return pd.DataFrame(
            {"a": rng.normal(shift), "b": rng.normal(-shift), "churn": y}
        )

    train, held = frame(60, 20), frame(20, 8)
    train.to_csv(root / "train.csv", index=False)
    held.to_csv(root / "held.csv", index=False)
    X, y = train.drop(columns="churn"), train["churn"]
    Reconstructor(epochs=2, random_state=0).fit(X, y).save(root / "gens")
    return root


def test_report_writes_html_and_json(saved, tmp_path, capsys):
    out = tmp_path / "r.html"
    args = ["report", str(saved / "gens"), str(saved / "train.csv"), "--target",
            "churn", "--holdout", str(saved / "held.csv"), "--baselines", "none,ros",
            "--cv", "2", "--classifier", "rf", "-o", str(out)]  # fmt: skip
    code, stdout, err = run_here(capsys, *args)
    assert code == 0, err
    assert "[smrt] report" in stdout and f"to {out}." in stdout
    text = out.read_text()
    assert text.startswith("<!DOCTYPE html>") and "Downstream Efficacy" in text
    assert "RandomForestClassifier" in text
    js = tmp_path / "r.json"
    args = [*args[:-1], str(js), "--json", "--baselines", "", "-q"]
    code, stdout, err = run_here(capsys, *args)
    assert code == 0, err
    data = json.loads(js.read_text())
    assert 0 <= data["score"] <= 1
    assert "Downstream Efficacy" not in data["details"]
    assert stdout.startswith("Wrote the quality report")


@pytest.mark.parametrize(
    "extra, named",
    [
        (["-o", "r.txt"], "r.txt': writes .html"),
        (["-o", "r.html", "--json"], "--json writes .json"),
        (["-o", "r.html", "--baselines", "adasyn"], "--baselines ['adasyn']"),
        (["-o", "r.html", "--holdout", "missing.csv"], "--holdout file"),
        (["-o", "r.html", "--holdout", "bad_labels.csv"], "holdout: labels"),
        (["-o", "r.html", "--holdout", "other_cols.csv"], "holdout: columns"),
    ],
)
def test_errors_are_one_line_and_write_nothing(saved, tmp_path, capsys, extra, named):
    pd.DataFrame({"a": [0.0], "b": [1.0], "churn": ["maybe"]}).to_csv(
        tmp_path / "bad_labels.csv", index=False
    )
    pd.DataFrame({"a": [0.0], "z": [1.0], "churn": ["no"]}).to_csv(
        tmp_path / "other_cols.csv", index=False
    )
    extra = [str(tmp_path / e) if e.endswith((".csv", ".html", ".txt")) else e
             for e in extra]  # fmt: skip
    args = ["report", str(saved / "gens"), str(saved / "train.csv"), "--target",
            "churn", "--baselines", "", *extra]  # fmt: skip
    code, _, err = run_here(capsys, *args)
    assert code == 2
    (line,) = err.strip().splitlines()
    assert line.startswith("smrt-keras report: error: ") and named in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bad_labels.csv",
        "other_cols.csv",
    ]


def test_a_missing_source_is_refused_before_the_backend(saved, tmp_path):
    code = (
        "import sys\nfrom smrt_keras.cli import main\ncode = main(sys.argv[1:])\n"
        "print(sorted({'keras', 'tensorflow'} & set(sys.modules)), file=sys.stderr)\n"
        "sys.exit(code)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, "report", "nowhere", str(saved / "train.csv"),
         "--target", "churn", "-o", str(tmp_path / "r.html")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 2
    error, loaded = out.stderr.strip().splitlines()
    assert "No saved directory at 'nowhere'" in error and loaded == "[]"
    assert "Traceback" not in out.stderr and not list(tmp_path.iterdir())
