"""The command line's outputs: streamed in batches, written atomically, one
error line for what the user can fix, nothing under -q, and text a user reads
(precision, the zoo's listing) as a user would want it."""

import os
import re
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from smrt_keras.cli import main


def run_here(capsys, *args):
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def gens(tmp_path_factory):
    """Generators for both labels of a small table whose floats have 2 decimals."""
    rng = np.random.default_rng(0)
    root = tmp_path_factory.mktemp("gens")
    frame = pd.DataFrame(
        {
            "a": np.round(rng.normal(size=80), 2),
            "b": np.round(rng.normal(5, 2, size=80), 2),
            "y": np.where(np.arange(80) < 60, "no", "yes"),
        }
    )
    frame.to_csv(root / "t.csv", index=False)
    args = ["fit", str(root / "t.csv"), "--target", "y", "-o", str(root / "g")]
    assert main([*args, "--epochs", "1", "-q", "--all-classes"]) == 0
    return root


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".npz", ".npy"])
def test_generate_streams_what_generate_makes(gens, tmp_path, suffix, capsys):
    from smrt_keras import Reconstructor

    out = tmp_path / f"g{suffix}"
    code, stdout, err = run_here(
        capsys, "generate", str(gens / "g"), "-n", "7", "-o", str(out), "--seed", "3"
    )
    assert code == 0, err
    assert err.splitlines()[0] == "-n 7 is per label: 14 samples for 2 labels."
    assert stdout == f"Wrote 14 samples (7 per label) to {out}.\n"
    X, y = Reconstructor.load(gens / "g").generate(7, random_state=3)
    if suffix == ".npz":
        with np.load(out, allow_pickle=False) as data:
            np.testing.assert_array_equal(data["X"], X.to_numpy())
            assert data["y"].tolist() == y.tolist()
    elif suffix == ".npy":
        np.testing.assert_array_equal(np.load(out), X.to_numpy())
    else:
        got = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
        assert got["y"].tolist() == y.tolist()
        np.testing.assert_allclose(got[["a", "b"]].to_numpy(), X.to_numpy())
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_quiet_prints_nothing(gens, tmp_path, capsys):
    out = tmp_path / "q.csv"
    code, stdout, err = run_here(
        capsys, "generate", str(gens / "g"), "-n", "3", "-o", str(out), "-q"
    )
    assert (code, stdout, err) == (0, "", "") and out.is_file()


def test_help_says_n_is_per_label(capsys):
    code, stdout, _ = run_here(capsys, "generate", "--help")
    assert code == 0 and "every label gets N" in " ".join(stdout.split())


def test_batches_are_written_as_drawn_and_memory_stays_flat(
    gens, tmp_path, monkeypatch, capsys
):
    import smrt_keras.cli.generate as command
    from smrt_keras import Reconstructor

    real_generate = Reconstructor.generate

    def whole(self, n, *args, **kwargs):
        assert n == 1, "generate drew the whole output"  # only the column probe
        return real_generate(self, n, *args, **kwargs)

    monkeypatch.setattr(Reconstructor, "generate", whole)
    seen = []
    real = command.write_batches

    def counting(path, batches, *args, **kwargs):
        return real(
            path, (seen.append(len(b[1])) or b for b in batches), *args, **kwargs
        )

    monkeypatch.setattr(command, "write_batches", counting)
    peaks = {}
    for n in (20_000, 200_000):  # X and labels: 1.1 MB, then 11 MB
        out = tmp_path / f"big{n}.npz"
        tracemalloc.start()
        try:
            code, _, err = run_here(capsys, "generate", str(gens / "g"), "-n",
                                    str(n), "-o", str(out), "-q")  # fmt: skip
            peaks[n] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert code == 0, err
        with np.load(out) as data:
            assert data["X"].shape == (2 * n, 2) and data["y"].shape == (2 * n,)
            assert data["y"][0] == "no" and data["y"][-1] == "yes"
    assert seen == [10_000] * 4 + [10_000] * 40
    # Ten times the rows, about the same peak: memory holds a batch, not the output.
    assert peaks[200_000] - peaks[20_000] < 1.5e6, peaks


@pytest.mark.parametrize("stop", [KeyboardInterrupt, ValueError("disk on fire")])
def test_no_partial_file_on_error_or_ctrl_c(gens, tmp_path, monkeypatch, capsys, stop):
    from smrt_keras import Reconstructor

    real = Reconstructor.iter_generate

    def broken(self, *args, **kwargs):
        batches = real(self, *args, **kwargs)
        yield next(batches)
        raise stop

    monkeypatch.setattr(Reconstructor, "iter_generate", broken)
    monkeypatch.setattr("smrt_keras.cli.generate.STREAM_BATCH", 2)
    for suffix in (".csv", ".parquet", ".npz"):
        out = tmp_path / f"o{suffix}"
        out.write_text("keep me\n")
        code, _, err = run_here(capsys, "generate", str(gens / "g"), "-n", "9",
                                "-o", str(out), "--force", "-q")  # fmt: skip
        assert code == (130 if stop is KeyboardInterrupt else 2), err
        assert "Traceback" not in err and len(err.splitlines()) == 1
        assert out.read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.csv", "o.npz", "o.parquet"]


def test_a_huge_n_is_one_error_line(tmp_path, capsys):
    code, _, err = run_here(capsys, "generate", "zoo:mnist", "-n", "1000000000",
                            "-o", str(tmp_path / "big.png"))  # fmt: skip
    first, error = err.splitlines()
    assert first == "-n 1000000000 is per label: 10000000000 samples for 10 labels."
    assert code == 2 and error.startswith("smrt-keras generate: error: ")
    assert "GiB" in error and "iter_generate" in error
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "content, suffix, detail",
    [
        (b"a,b\n\x98\xff,1\n", ".csv", "codec can't decode"),
        (b"", ".csv", "No columns to parse"),
        (b'a,b\n1,"2\n3,4\n', ".csv", "EOF inside string"),
        (b"not parquet", ".parquet", ""),
    ],
)
def test_unreadable_inputs_name_the_file(tmp_path, capsys, content, suffix, detail):
    data = tmp_path / f"data{suffix}"
    data.write_bytes(content)
    kind = "CSV" if suffix == ".csv" else "Parquet"
    code, _, err = run_here(capsys, "balance", str(data), "--target", "b",
                            "-o", str(tmp_path / "o.csv"))  # fmt: skip
    assert code == 2 and len(err.splitlines()) == 1, err
    assert f"error: could not read {str(data)!r} as {kind}: " in err
    assert detail in err


def test_balance_csv_keeps_the_input_precision(gens, tmp_path, capsys):
    out = tmp_path / "bal.csv"
    code, _, err = run_here(capsys, "balance", str(gens / "t.csv"), "--target", "y",
                            "-o", str(out), "--epochs", "1", "-q")  # fmt: skip
    assert code == 0, err
    text = out.read_text().splitlines()[1:]
    decimals = {len(v.split(".")[1]) for row in text for v in row.split(",")[:2]}
    assert decimals <= {1, 2}, decimals  # not 16 significant digits
    source = pd.read_csv(gens / "t.csv")
    pd.testing.assert_frame_equal(pd.read_csv(out).iloc[: len(source)], source)


def test_float32_columns_are_written_with_7_digits(tmp_path):
    from smrt_keras.cli.stream import write_batches

    X = pd.DataFrame({"f": np.array([1 / 3, 2.5], dtype="float32")})
    write_batches(tmp_path / "f.csv", [(X, np.array([0, 1]))], 2, "y")
    assert (tmp_path / "f.csv").read_text().splitlines() == [
        "f,y",
        "0.3333333,0",
        "2.5,1",
    ]


def test_zoo_list_is_aligned_and_no_issue_numbers_show(capsys):
    code, stdout, _ = run_here(capsys, "zoo", "list")
    assert code == 0
    starts = {len(re.match(r"\S+\s+", line).group()) for line in stdout.splitlines()}
    assert len(starts) == 1
    code, stdout, _ = run_here(capsys, "zoo", "info", "mnist")
    assert code == 0 and "Target: every digit" in stdout
    assert not re.search(r"#\d", stdout)


def test_a_corrupt_save_or_a_backbone_is_refused_before_the_backend(gens, tmp_path):
    import shutil
    import subprocess
    import sys

    bad = tmp_path / "bad"
    shutil.copytree(gens / "g", bad)
    model = next(bad.glob("*.keras"))
    model.write_bytes(model.read_bytes()[:-10])
    runner = (
        "import sys; from smrt_keras.cli import main; code = main(sys.argv[1:]); "
        "print('keras' in sys.modules, file=sys.stderr); sys.exit(code)"
    )
    zoo_dir = str(__import__("smrt_keras.presets").presets.path("digits-backbone"))
    for source, message in ((bad, "checksum mismatch"), (zoo_dir, "holds a backbone")):
        out = subprocess.run(
            [sys.executable, "-c", runner, "generate", str(source), "-n", "2", "-o",
             str(tmp_path / "x.csv")], capture_output=True, text=True, timeout=300,
            env={**os.environ},
        )  # fmt: skip
        error, loaded = out.stderr.strip().splitlines()
        assert out.returncode == 2 and message in error and loaded == "False", (
            out.stderr
        )


def _read_png(path):
    """The grey levels of a PNG that write_png wrote (filter 0 on every row)."""
    import struct
    import zlib

    png = path.read_bytes()
    width, height = struct.unpack(">II", png[16:24])
    data = zlib.decompress(png[png.index(b"IDAT") + 4 : png.index(b"IEND") - 8])
    return np.frombuffer(data, np.uint8).reshape(height, width + 1)[:, 1:]


def test_the_demo_png_labels_its_rows_and_digits(tmp_path, capsys):
    from smrt_keras.cli.demo import _demo_figures
    from smrt_keras.plot import image_grid, labelled_grid, text_image

    X = np.random.default_rng(0).random((20, 8, 8))
    y = np.r_[[7] * 10, [8] * 10]
    data = {"train": (X, y), "minority": (7, 8)}
    _demo_figures(tmp_path, data, {"SMRT": (X, y), "SMOTE": (X, y)})
    image = _read_png(tmp_path / "digits_real_smrt_smote.png")[::6, ::6]
    labels = ["7 real", "7 SMRT", "7 SMOTE", "8 real", "8 SMRT", "8 SMOTE"]
    rows = [X[y == d] for d in (7, 8) for _ in range(3)]
    np.testing.assert_array_equal(image, labelled_grid(rows, labels))
    text = text_image("7 SMOTE")  # the third row, the widest label
    np.testing.assert_array_equal(image[20:25, 1 : 1 + text.shape[1]], text)
    assert image.shape[1] == image_grid(rows).shape[1] + text.shape[1] + 2
