"""The smrt-keras command, driven as a user drives it (a process) where what is
checked is the process's own (help, early errors, what stderr shows, the
demo), and in this process elsewhere: each process starts TensorFlow, which
is most of a small command's time."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from _output import ours

COMMANDS = ["demo", "balance", "fit", "generate", "report", "zoo list", "zoo info"]


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "smrt_keras.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def run_here(capsys, *args):
    """``run``'s result for ``smrt-keras ARGS`` run in this process."""
    from smrt_keras.cli import main

    capsys.readouterr()  # what earlier steps printed is not this run's
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's errors and --help
        code = exc.code
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out, err)


def write_as(frame, path):
    """Write ``frame`` as CSV or Parquet, by ``path``'s suffix; return ``path``."""
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    """breast_cancer 10:1 with an int id column and a string label in the middle."""
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    frame = pd.concat([frame[frame.target == 1], frame[frame.target == 0].head(36)])
    frame = frame.iloc[:, [0, 1, 2, 30]].copy()
    frame.insert(0, "id", np.arange(len(frame), dtype="int64"))
    label = np.where(frame.pop("target") == 1, "benign", "malignant")
    frame.insert(2, "diagnosis", label)
    path = tmp_path_factory.mktemp("data") / "bc.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_an_example(command):
    out = run(*command.split(), "--help")
    assert out.returncode == 0
    assert "example" in out.stdout


def test_top_level_help_lists_commands():
    out = run("--help")
    assert out.returncode == 0
    for command in ("demo", "balance", "fit", "generate", "report", "zoo"):
        assert command in out.stdout


@pytest.mark.slow
def test_demo_runs_end_to_end(tmp_path):
    out = run("demo", "--epochs", "3", "--out", str(tmp_path / "figs"), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Fitted 3 generators" in text
    for row in ("none", "SMRT", "ROS", "SMOTE"):
        assert f"\n  {row} " in text
    assert "FID" in text and "recall" in text and "DCR ratio" in text
    # The closing line names where SMRT beats SMOTE and where it loses.
    verdict = text.split("On this demo (one seed) SMRT ", 1)[1].splitlines()[0]
    assert any(w in verdict for w in ("beats SMOTE on", "ties on", "loses on"))
    png = tmp_path / "figs" / "digits_real_smrt_smote.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(png) in text


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_balance_keeps_columns_dtypes_and_labels(table, tmp_path, suffix, capsys):
    source = pd.read_csv(table)
    data = write_as(source, tmp_path / f"in{suffix}")
    out_path = tmp_path / f"out{suffix}"
    gens = tmp_path / "gens"
    out = run_here(
        capsys,
        "balance",
        str(data),
        "--target",
        "diagnosis",
        "-o",
        str(out_path),
        "--epochs",
        "2",
        "--seed",
        "1",
        "--save-generators",
        str(gens),
    )
    assert out.returncode == 0, out.stderr
    assert "321 synthetic" in out.stdout and "[smrt] class 1/1" in out.stdout
    result = pd.read_csv(out_path) if suffix == ".csv" else pd.read_parquet(out_path)
    assert list(result.columns) == list(source.columns)
    assert (result.dtypes == source.dtypes).all()
    pd.testing.assert_frame_equal(result.iloc[: len(source)], source)
    assert result["diagnosis"].value_counts().to_dict() == {
        "benign": 357,
        "malignant": 357,
    }
    assert (gens / "manifest.json").is_file()


def test_balance_npz_images(tmp_path, digit_images, capsys):
    images, target = digit_images
    keep = np.r_[np.flatnonzero(target == 0)[:60], np.flatnonzero(target == 1)[:12]]
    data = tmp_path / "digits.npz"
    np.savez(data, X=images[keep].astype("uint8"), label=target[keep])
    out = run_here(
        capsys,
        "balance",
        str(data),
        "--target",
        "label",
        "-o",
        str(tmp_path / "out.npz"),
        "--epochs",
        "1",
        "-q",
    )
    assert out.returncode == 0, out.stderr
    with np.load(tmp_path / "out.npz") as res:
        assert res["X"].shape == (120, 8, 8) and res["X"].dtype == np.uint8
        assert np.bincount(res["label"]).tolist() == [60, 60]


def test_balance_fine_tunes_from_the_zoo_backbone(tmp_path, digit_images, capsys):
    images, target = digit_images
    keep = np.r_[np.flatnonzero(target == 0)[:60], np.flatnonzero(target == 1)[:12]]
    data = tmp_path / "digits.npz"
    np.savez(data, X=images[keep].astype("uint8"), label=target[keep])
    args = ["balance", str(data), "--target", "label", "--epochs", "1", "-q"]
    out = run_here(capsys, *args, "-o", str(tmp_path / "out.npz"), "--backbone",
              "digits-backbone", "--fine-tune-epochs", "1")  # fmt: skip
    assert out.returncode == 0, out.stderr
    with np.load(tmp_path / "out.npz") as res:
        assert np.bincount(res["label"]).tolist() == [60, 60]
    bad = run_here(
        capsys, *args, "-o", str(tmp_path / "bad.npz"), "--backbone", "mnist-nope"
    )
    assert bad.returncode == 2 and "mnist-nope" in bad.stderr


def test_fit_then_generate(table, tmp_path, capsys):
    gens = tmp_path / "gens"
    out = run_here(
        capsys,
        "fit",
        str(table),
        "--target",
        "diagnosis",
        "-o",
        str(gens),
        "--epochs",
        "2",
        "--all-classes",
    )
    assert out.returncode == 0, out.stderr
    assert "['benign', 'malignant']" in out.stdout
    from smrt_keras.cli import main

    args = ["generate", str(gens), "-n", "5", "--label", "malignant"]
    assert main([*args, "-o", str(tmp_path / "new.csv")]) == 0
    new = pd.read_csv(tmp_path / "new.csv")
    # The label column keeps its name from fit (stored in the manifest).
    assert len(new) == 5 and (new["diagnosis"] == "malignant").all()
    assert new["id"].dtype == np.int64
    assert (
        main(["generate", str(gens), "-n", "3", "-o", str(tmp_path / "all.npy")]) == 0
    )
    assert np.load(tmp_path / "all.npy").shape == (6, 4)


def test_generate_npy_of_a_table_with_bool_columns(tmp_path):
    """Mixed int/bool/float columns once made an object array that np.load
    refuses; tables are written as float64."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=60),
            "flag": rng.random(60) < 0.5,
            "k": rng.integers(0, 5, 60),
            "y": np.where(np.arange(60) < 50, "no", "yes"),
        }
    )
    frame.to_csv(tmp_path / "t.csv", index=False)
    from smrt_keras.cli import main

    gens = tmp_path / "gens"
    assert main(["fit", str(tmp_path / "t.csv"), "--target", "y", "-o", str(gens),
                 "--epochs", "2", "-q"]) == 0  # fmt: skip
    assert main(["generate", str(gens), "-n", "4", "-o", str(tmp_path / "g.npy")]) == 0
    values = np.load(tmp_path / "g.npy")  # allow_pickle=False by default
    assert values.shape == (4, 3) and values.dtype == np.float64
    assert set(np.unique(values[:, 1])) <= {0.0, 1.0}


def test_generate_from_the_zoo_and_zoo_commands(tmp_path, capsys):
    out = run_here(
        capsys, "generate", "zoo:mnist", "-n", "4", "-o", str(tmp_path / "d.png")
    )
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "d.png").read_bytes()[:4] == b"\x89PNG"
    listing = run_here(capsys, "zoo", "list")
    assert listing.returncode == 0 and listing.stdout.startswith("mnist")
    info = run_here(capsys, "zoo", "info", "mnist")
    assert info.returncode == 0
    assert "Parameters per digit" in info.stdout and "posterior" in info.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["balance", "missing.csv", "--target", "y", "-o", "o.csv"], "does not exist"),
        (
            ["balance", "{table}", "--target", "nope", "-o", "o.csv"],
            "--target column 'nope'",
        ),
        (
            [
                "balance",
                "{table}",
                "--target",
                "diagnosis",
                "-o",
                "o.csv",
                "--epochs",
                "-1",
            ],
            "expected a positive integer",
        ),
        (
            ["balance", "{table}", "--target", "diagnosis", "-o", "o.txt"],
            "unsupported extension",
        ),
        (
            [
                "balance",
                "{table}",
                "--target",
                "diagnosis",
                "-o",
                "o.csv",
                "--sampling-strategy",
                "most",
            ],
            "sampling_strategy='most'",
        ),
        (
            ["generate", "zoo:mnist", "-n", "2", "--label", "11", "-o", "x.png"],
            "--label '11' is not available",
        ),
        (["generate", "no_such_dir", "-n", "2", "-o", "x.npy"], "No saved"),
        (["zoo", "info", "cifar"], "unknown zoo set"),
    ],
)
def test_errors_are_short_and_exit_2(table, tmp_path, args, message):
    args = [a.replace("{table}", str(table)) for a in args]
    out = run(*args, cwd=tmp_path)
    assert out.returncode == 2
    # Our message, and no line of ours beyond it; what bare Keras prints in this
    # environment (a log level the user set, say) is not ours to count (only
    # looked up when there is more than the message: a baseline is a process).
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    if len(lines) > 2:
        lines = [line for line in ours(out)[1] if line.strip()]
    assert 1 <= len(lines) <= 2, out.stderr
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_csv_in_npz_out_keeps_text_labels(table, tmp_path, capsys):
    out = run_here(
        capsys,
        "balance",
        str(table),
        "--target",
        "diagnosis",
        "-o",
        str(tmp_path / "o.npz"),
        "--epochs",
        "1",
        "-q",
    )
    assert out.returncode == 0, out.stderr
    with np.load(tmp_path / "o.npz", allow_pickle=False) as res:
        assert res["X"].shape == (714, 4)
        assert sorted(set(res["diagnosis"].tolist())) == ["benign", "malignant"]


def test_run_errors_and_parse_errors_share_the_command_prefix(tmp_path, capsys):
    """A failing run names its command as argparse names it for a bad
    argument (``smrt-keras balance: error: ...``)."""
    from smrt_keras.cli import main

    missing = tmp_path / "missing.csv"
    code = main(["balance", str(missing), "--target", "y", "-o", "out.csv"])
    run_error = capsys.readouterr().err
    assert code == 2
    assert run_error.startswith("smrt-keras balance: error: input file")
    assert str(missing) in run_error
    with pytest.raises(SystemExit) as exit_info:
        main(["balance", str(missing)])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.startswith("smrt-keras balance: error: ")


@pytest.fixture(scope="module")
def mixed_table(tmp_path_factory):
    """A churn table with string, category-worthy, bool, int and float columns
    and a string label (40 'churn' against 200 'stay')."""
    rng = np.random.default_rng(0)
    n = 240
    churn = np.arange(n) >= 200
    frame = pd.DataFrame(
        {
            "plan": np.where(churn, rng.choice(["pro", "max"], n), "basic"),
            "region": rng.choice(["north", "south", "east"], n),
            "tenure": rng.integers(1, 60, n),
            "spend": rng.gamma(2.0, 30.0, n),
            "autopay": rng.random(n) < 0.5,
            "status": np.where(churn, "churn", "stay"),
        }
    )
    path = tmp_path_factory.mktemp("mixed") / "churn.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_balance_mixed_table_end_to_end(mixed_table, tmp_path, suffix, capsys):
    source = pd.read_csv(mixed_table)
    if suffix == ".parquet":
        source = source.astype({"region": "category"})  # Parquet keeps categories
    data = write_as(source, tmp_path / f"in{suffix}")
    out_path = tmp_path / f"out{suffix}"
    args = ["balance", str(data), "--target", "status", "-o", str(out_path)]
    out = run(*args, "--epochs", "5", "--seed", "0", "--categorical", "tenure")
    assert out.returncode == 0, out.stderr
    result = pd.read_csv(out_path) if suffix == ".csv" else pd.read_parquet(out_path)
    assert list(result.columns) == list(source.columns)
    assert (result.dtypes == source.dtypes).all(), result.dtypes
    pd.testing.assert_frame_equal(result.iloc[: len(source)], source)
    synthetic = result.iloc[len(source) :]
    assert (synthetic["status"] == "churn").sum() == 160
    churners = source[source["status"] == "churn"]
    for col in ("plan", "region", "tenure"):  # tenure: declared categorical
        assert set(synthetic[col]) <= set(churners[col]), col
    if suffix == ".parquet":
        assert list(result["region"].cat.categories) == ["east", "north", "south"]
    from smrt_keras.cli import main  # the refusal, in-process (no training)

    assert main([*args[:-1], str(tmp_path / "x.csv"), "--categorical", "zip"]) == 2
    assert "--categorical names column 'zip'" in capsys.readouterr().err


def test_mixed_table_refusals_come_before_training(mixed_table, tmp_path, capsys):
    """An NPZ output cannot hold text columns, and --categorical may not name
    the label: both are refused at once, naming the file or the column."""
    from smrt_keras.cli import main

    base = ["balance", str(mixed_table), "--target", "status", "--epochs", "1"]
    assert main([*base, "-o", str(tmp_path / "o.npz"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "is an NPZ" in err and "'plan'" in err and "write .csv or .parquet" in err
    assert not (tmp_path / "o.npz").exists()
    assert main([*base, "-o", str(tmp_path / "o.csv"), "--categorical", "status"]) == 2
    assert "the --target column" in capsys.readouterr().err


def test_outputs_are_checked_before_training(table, tmp_path, capsys, monkeypatch):
    """An existing output (without --force) and Parquet without pyarrow are
    refused before any training: fitting would raise here."""
    import importlib.util

    import smrt_keras.cli.balance
    import smrt_keras.cli.fit
    from smrt_keras.cli import main

    def no_training(*args, **kwargs):
        raise AssertionError("training started")

    for command in (smrt_keras.cli.balance, smrt_keras.cli.fit):
        monkeypatch.setattr(command, "reconstructor_from", no_training)
    base = ["balance", str(table), "--target", "diagnosis", "-q"]
    taken = tmp_path / "taken.csv"
    taken.write_text("keep me\n")
    assert main([*base, "-o", str(taken)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert taken.read_text() == "keep me\n"
    gens = tmp_path / "gens"
    gens.mkdir()
    assert (
        main([*base, "-o", str(tmp_path / "new.csv"), "--save-generators", str(gens)])
        == 2
    )
    assert "--save-generators" in capsys.readouterr().err
    assert main(["fit", str(table), "--target", "diagnosis", "-o", str(gens)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda n, *a: None if n == "pyarrow" else real(n, *a),
    )
    assert main([*base, "-o", str(tmp_path / "out.parquet")]) == 2
    assert "Parquet files need pyarrow" in capsys.readouterr().err


def test_balance_force_replaces_and_prints_nothing_under_quiet(table, tmp_path):
    out_path = tmp_path / "out.csv"
    out_path.write_text("old\n")
    args = ["balance", str(table), "--target", "diagnosis", "-o", str(out_path)]
    out = run(*args, "--epochs", "1", "-q", "--force")
    assert out.returncode == 0, out.stderr
    # No backend start-up line and nothing else of ours on stderr; -q: nothing
    # on stdout either.
    assert ours(out)[1] == []
    assert out.stdout == ""
    assert "diagnosis" in pd.read_csv(out_path).columns


def test_generate_writes_tables_and_refuses_npy_of_text(mixed_table, tmp_path, capsys):
    from smrt_keras.cli import main

    gens = tmp_path / "gens"
    args = ["fit", str(mixed_table), "--target", "status", "-o", str(gens)]
    assert main([*args, "--epochs", "1", "-q", "--all-classes"]) == 0
    assert main(["generate", str(gens), "-n", "3", "-o", str(tmp_path / "g.npy")]) == 2
    err = capsys.readouterr().err
    assert "text or category columns" in err and "write .csv or .parquet" in err
    out = tmp_path / "g.parquet"
    assert main(["generate", str(gens), "-n", "3", "-o", str(out)]) == 0
    table = pd.read_parquet(out)
    assert "status" in table.columns and len(table) == 3 * table["status"].nunique()


#: Runs ``main(sys.argv[1:])`` in a fresh process, then reports on stderr which
#: backend packages were imported by the time the command answered.
EARLY_ERROR_RUNNER = """
import sys
from smrt_keras.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as stop:  # argparse's errors
    code = stop.code
loaded = sorted({m.split(".")[0] for m in sys.modules} & {BACKENDS!r})
print("backends loaded:", loaded, file=sys.stderr)
sys.exit(code)
""".replace("{BACKENDS!r}", repr({"keras", "tensorflow", "jax", "torch"}))


@pytest.fixture(scope="module")
def small_inputs(tmp_path_factory):
    """A CSV and an NPZ of 12 rows (10 of label 0, 2 of label 1), a file
    named like a folder and a folder named like a file."""
    root = tmp_path_factory.mktemp("early")
    frame = pd.DataFrame(
        {"a": np.arange(12.0), "b": np.ones(12), "y": [0] * 10 + [1] * 2}
    )
    frame.to_csv(root / "t.csv", index=False)
    np.savez(root / "t.npz", X=np.zeros((12, 3)), y=frame["y"].to_numpy())
    (root / "not_a_dir.csv").write_text("a file where a folder is named\n")
    (root / "adir.csv").mkdir()
    return root


@pytest.mark.parametrize(
    "args, named",
    [
        (["balance", "missing.csv", "--target", "y", "-o", "o.csv"], "'missing.csv'"),
        (["fit", "missing.npz", "--target", "y", "-o", "gens"], "'missing.npz'"),
        (["balance", "t.csv", "--target", "nope", "-o", "o.csv"],
         "--target column 'nope'"),
        (["balance", "t.npz", "--target", "lbl", "-o", "o.npz"], "array 'lbl'"),
        (["balance", "t.csv", "--target", "y", "-o", "o.csv", "--epochs", "-1"],
         "'-1'"),
        (["balance", "t.csv", "--target", "y", "-o", "o.csv",
          "--sampling-strategy", "most"], "sampling_strategy='most'"),
        (["balance", "t.csv", "--target", "y", "-o", "o.csv",
          "--sampling-strategy", '{"7": 30}'], "label '7'"),
        (["balance", "t.csv", "--target", "y", "-o", "o.csv", "--categorical", "z"],
         "--categorical names column 'z'"),
        (["balance", "t.csv", "--target", "y", "-o", "o.csv", "--backbone", "nope"],
         "backbone='nope'"),
        (["balance", "t.csv", "--target", "y", "-o", "not_a_dir.csv/o.csv"],
         "'not_a_dir.csv/o.csv' cannot be written"),
        (["balance", "t.csv", "--target", "y", "-o", "o.csv",
          "--save-generators", "not_a_dir.csv/gens"],
         "--save-generators 'not_a_dir.csv/gens' cannot be written"),
        (["balance", "t.csv", "--target", "y", "-o", "adir.csv", "--force"],
         "'adir.csv' is a directory"),
        (["fit", "t.csv", "--target", "y", "-o", "not_a_dir.csv/gens"],
         "'not_a_dir.csv/gens' cannot be written"),
        (["generate", "no_such_dir", "-n", "2", "-o", "x.npy"], "'no_such_dir'"),
        (["generate", "zoo:nope", "-n", "2", "-o", "x.npy"], "name='nope'"),
        (["generate", "zoo:digits-backbone", "-n", "2", "-o", "x.npy"],
         "zoo:digits-backbone is a backbone"),
        (["generate", "zoo:mnist", "-n", "2", "-o", "not_a_dir.csv/x.png"],
         "'not_a_dir.csv/x.png' cannot be written"),
        (["generate", "zoo:mnist", "-n", "2", "-o", "x.txt"], "'x.txt'"),
    ],
)  # fmt: skip
def test_early_errors_come_before_the_backend_starts(small_inputs, args, named):
    """A missing file, unknown column, bad option or unwritable output is
    answered in one line, naming it, before Keras or any backend is imported."""
    out = subprocess.run(
        [sys.executable, "-c", EARLY_ERROR_RUNNER, *args],
        capture_output=True,
        text=True,
        cwd=small_inputs,
        timeout=600,
    )
    *error, loaded = out.stderr.strip().splitlines()
    assert loaded == "backends loaded: []", out.stderr
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert error[0].startswith(f"smrt-keras {args[0]}: error: ") and named in error[0]
    # argparse adds where to get help; a run error is the one line.
    assert error[1:] in ([], [f"Run 'smrt-keras {args[0]} --help' for usage and an "
                                "example."]), out.stderr  # fmt: skip
    assert not (small_inputs / "o.csv").exists()


def test_an_output_folder_without_write_permission_is_refused(
    table, tmp_path, capsys, monkeypatch
):
    """Root may write anywhere, so the refusal is shown with os.access denying."""
    import os

    from smrt_keras.cli import main

    real = os.access
    locked = tmp_path / "locked"
    locked.mkdir()
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if p == locked else real(p, mode)
    )
    args = ["balance", str(table), "--target", "diagnosis", "-o"]
    assert main([*args, str(locked / "sub" / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert f"no permission to write in {str(locked)!r}" in err
    assert not (locked / "sub").exists()
