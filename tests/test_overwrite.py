"""What ``overwrite=True`` and ``--force`` may replace: nothing, an empty
directory, or one of our own saves holding nothing else. A user's directory
is refused with a message that says what is there, and every file in it
survives (docs/reliability.md, "What overwrite may replace")."""

import json
import os

import numpy as np
import pytest

from smrt_keras import Reconstructor
from smrt_keras.files import MANIFEST, atomic_directory, check_replaceable


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = np.r_[np.zeros(45, int), np.ones(15, int)]
    return Reconstructor(epochs=1, random_state=0).fit(X, y)


def user_directory(path):
    """A directory of someone's files: a text file and a folder of photos."""
    path.mkdir()
    (path / "thesis.txt").write_text("three years of work")
    (path / "photos").mkdir()
    (path / "photos" / "cat.jpg").write_bytes(b"\xff\xd8 cat")
    return path


def assert_untouched(path):
    assert (path / "thesis.txt").read_text() == "three years of work"
    assert (path / "photos" / "cat.jpg").read_bytes() == b"\xff\xd8 cat"
    assert sorted(p.name for p in path.iterdir()) == ["photos", "thesis.txt"]


@pytest.mark.parametrize("packed", [False, True])
def test_a_users_directory_is_refused_and_survives(fitted, tmp_path, packed):
    d = user_directory(tmp_path / "d")
    with pytest.raises(FileExistsError) as info:
        fitted.save(d, overwrite=True, packed=packed)
    message = str(info.value)
    assert f"{str(d)!r} holds 2 entries that are not a smrt-keras save" in message
    assert "'photos', 'thesis.txt'" in message
    assert "choose an empty or new directory" in message.lower()
    assert_untouched(d)
    # Without overwrite the refusal says the same, not "pass overwrite=True".
    with pytest.raises(FileExistsError, match="not a smrt-keras save") as info:
        fitted.save(d)
    assert "pass overwrite=True" not in str(info.value)
    assert_untouched(d)
    assert [p.name for p in tmp_path.iterdir()] == ["d"]  # no temporary left


def test_the_working_directory_is_never_wiped(fitted, tmp_path, monkeypatch):
    d = user_directory(tmp_path / "work")
    monkeypatch.chdir(d)
    for where in (os.getcwd(), ".", "./", "..", str(tmp_path)):
        with pytest.raises(FileExistsError, match="is the working directory or a"):
            fitted.save(where, overwrite=True)
    assert_untouched(d)
    empty = tmp_path / "empty"  # even an empty working directory stays
    empty.mkdir()
    monkeypatch.chdir(empty)
    with pytest.raises(FileExistsError, match="working directory"):
        fitted.save(os.getcwd(), overwrite=True)
    assert os.getcwd() == str(empty) and empty.is_dir()


def test_a_forged_manifest_does_not_make_a_users_folder_ours(fitted, tmp_path):
    d = user_directory(tmp_path / "d")
    forged = {"format": "smrt-keras-generators", "files": {"photos": "0" * 64}}
    (d / MANIFEST).write_text(json.dumps(forged))
    with pytest.raises(FileExistsError, match="'photos'"):
        fitted.save(d, overwrite=True)
    assert (d / "photos" / "cat.jpg").exists()


def test_a_replaced_save_keeps_the_usual_permissions(fitted, tmp_path):
    target = fitted.save(tmp_path / "gens")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o777 & ~umask


def test_our_own_save_and_an_empty_directory_are_replaced(fitted, tmp_path):
    target = tmp_path / "gens"
    fitted.save(target)
    with pytest.raises(FileExistsError, match="pass overwrite=True"):
        fitted.save(target)  # ours, but not without asking
    fitted.save(target, overwrite=True)
    fitted.save(target, overwrite=True, packed=True)  # per-class -> packed
    Reconstructor.load(target)
    empty = tmp_path / "empty"
    empty.mkdir()
    fitted.save(empty, overwrite=True)
    Reconstructor.load(empty)


def test_a_save_holding_a_users_file_is_refused(fitted, tmp_path):
    target = fitted.save(tmp_path / "gens")
    (target / "notes.md").write_text("mine")
    before = sorted(p.name for p in target.iterdir())
    with pytest.raises(FileExistsError) as info:
        fitted.save(target, overwrite=True)
    assert "is a smrt-keras save but also holds 1 entry" in str(info.value)
    assert "'notes.md'" in str(info.value) and "would delete them" in str(info.value)
    assert sorted(p.name for p in target.iterdir()) == before
    assert (target / "notes.md").read_text() == "mine"


def test_a_manifest_of_another_program_is_not_ours(fitted, tmp_path):
    d = tmp_path / "other"
    d.mkdir()
    (d / MANIFEST).write_text(json.dumps({"format": "webpack", "files": {}}))
    with pytest.raises(FileExistsError, match="1 entry that is not a smrt-keras"):
        fitted.save(d, overwrite=True)
    assert json.loads((d / MANIFEST).read_text())["format"] == "webpack"


def test_a_file_and_a_link_are_refused(fitted, tmp_path):
    f = tmp_path / "data.csv"
    f.write_text("a,b\n1,2\n")
    with pytest.raises(FileExistsError, match="is a file, not a smrt-keras save"):
        fitted.save(f, overwrite=True)
    assert f.read_text() == "a,b\n1,2\n"
    real = user_directory(tmp_path / "real")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    with pytest.raises(FileExistsError, match="is a symbolic link"):
        fitted.save(link, overwrite=True)
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert_untouched(real)


def test_a_backbone_save_follows_the_same_rule(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 4))
    y = np.r_[np.zeros(30, int), np.ones(20, int), np.full(10, 2)]
    backbone = (
        Reconstructor(backbone="fit", backbone_epochs=1, epochs=1, random_state=0)
        .fit(X, y)
        .backbone_
    )
    d = user_directory(tmp_path / "bb")
    with pytest.raises(FileExistsError, match="not a smrt-keras save"):
        backbone.save(d, overwrite=True)
    assert_untouched(d)
    target = backbone.save(tmp_path / "ours")
    backbone.save(target, overwrite=True)  # its own save: replaced


def test_a_directory_filled_during_a_save_is_not_replaced(tmp_path):
    target = tmp_path / "out"
    with atomic_directory(target) as tmp:
        (tmp / "a.txt").write_text("ours")
        (tmp / MANIFEST).write_text(
            json.dumps({"format": "smrt-keras-generators", "files": {"a.txt": ""}})
        )
    with pytest.raises(FileExistsError, match="also holds 1 entry"):
        with atomic_directory(target, overwrite=True) as tmp:
            (tmp / "b.txt").write_text("new")
            (target / "late.txt").write_text("a user's, written meanwhile")
    assert (target / "late.txt").exists() and (target / "a.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_check_replaceable_names_the_flag(tmp_path):
    d = user_directory(tmp_path / "d")
    with pytest.raises(FileExistsError, match="--force replaces only saves"):
        check_replaceable(d, "--force")
    check_replaceable(tmp_path / "missing")  # nothing there: fine


def test_cli_force_never_replaces_a_users_directory(tmp_path, capsys):
    from smrt_keras.cli import main

    rng = np.random.default_rng(0)
    rows = ["a,b,label"] + [
        f"{a:.3f},{b:.3f},{int(i < 10)}"
        for i, (a, b) in enumerate(rng.normal(size=(40, 2)))
    ]
    table = tmp_path / "t.csv"
    table.write_text("\n".join(rows) + "\n")
    d = user_directory(tmp_path / "d")
    fit = ["fit", str(table), "--target", "label", "-o", str(d), "--force", "-q"]
    assert main(fit) == 2
    err = capsys.readouterr().err
    assert "not a smrt-keras save" in err and "--force replaces only saves" in err
    assert len(err.strip().splitlines()) == 1
    assert_untouched(d)
    out = str(tmp_path / "out.csv")
    balance = ["balance", str(table), "--target", "label", "-o", out, "-q"]
    assert main([*balance, "--save-generators", str(d), "--force"]) == 2
    assert "--force replaces only saves" in capsys.readouterr().err
    assert_untouched(d)
    assert not (tmp_path / "out.csv").exists()  # refused before any writing


def test_a_table_inside_the_generators_folder_is_refused_first(tmp_path, capsys):
    from smrt_keras.cli import main

    table = tmp_path / "t.csv"
    table.write_text("a,label\n" + "".join(f"{i}.5,{int(i < 6)}\n" for i in range(30)))
    gens = tmp_path / "gens"
    out = gens / "balanced.csv"
    args = ["balance", str(table), "--target", "label", "-o", str(out)]
    assert main([*args, "--save-generators", str(gens), "-q"]) == 2
    assert "lies inside --save-generators" in capsys.readouterr().err
    assert not gens.exists()


def test_cli_outputs_get_the_usual_permissions(tmp_path):
    from smrt_keras.cli.stream import atomic_path

    target = tmp_path / "out.csv"
    with atomic_path(target) as tmp:
        tmp.write_text("a\n")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
