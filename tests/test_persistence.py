"""Saving and loading Reconstructors: round trip, integrity, safety, atomicity."""

import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest

from smrt_keras import InvalidSaveError, Reconstructor
from smrt_keras.persistence import (
    FORMAT_VERSION,
    MANIFEST,
    PER_CLASS_VERSION,
    atomic_directory,
)


@pytest.fixture(scope="module")
def fitted(small_tabular):
    X, y = small_tabular
    labels = np.array(["low", "mid", "high"])[y]
    return Reconstructor(epochs=2, patience=None, random_state=0).fit(X, labels)


@pytest.fixture
def saved(fitted, tmp_path):
    return fitted.save(tmp_path / "gens")


def gen_files(path, key="model"):
    manifest = json.loads((path / MANIFEST).read_text())
    return [path / entry[key] for entry in manifest["generators"]]


def edit_manifest(path, change):
    manifest = json.loads((path / MANIFEST).read_text())
    change(manifest)
    (path / MANIFEST).write_text(json.dumps(manifest))


def test_round_trip_generates_identically(fitted, saved):
    loaded = Reconstructor.load(saved)
    assert loaded.classes_.tolist() == fitted.classes_.tolist()
    assert loaded.classes_.dtype == fitted.classes_.dtype
    assert dict(loaded.sampling_strategy_) == dict(fitted.sampling_strategy_)
    assert loaded.get_params() == fitted.get_params()
    assert loaded.n_features_in_ == 6 and loaded.input_shape_ == (6,)
    for label in fitted.generators_:
        a = fitted.generate(9, label=label, random_state=4)
        b = loaded.generate(9, label=label, random_state=4)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
    assert loaded.history_ == fitted.history_


def test_manifest_contents(saved, fitted):
    manifest = json.loads((saved / MANIFEST).read_text())
    assert manifest["format_version"] == PER_CLASS_VERSION
    assert {"smrt_keras_version", "keras_version", "backend"} <= set(manifest)
    assert manifest["labels"]["values"] == ["high", "low", "mid"]
    assert manifest["labels"]["types"] == ["str"] * 3
    assert manifest["input"]["sample_shape"] == [6]
    assert manifest["params"]["epochs"] == 2
    files = sorted(p.name for p in saved.iterdir())
    assert files == sorted([MANIFEST, *manifest["files"]])
    assert len(manifest["generators"]) == len(fitted.generators_)
    for entry in manifest["generators"]:
        assert entry["scaler"]["kind"] == "standard"


def test_dataframe_and_int_labels_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"a": rng.normal(size=60), "b": rng.integers(0, 9, 60)})
    y = np.r_[np.full(50, 3), np.full(10, 11)]
    r = Reconstructor(epochs=1, random_state=0).fit(df, y)
    loaded = Reconstructor.load(r.save(tmp_path / "df"))
    out, labels = loaded.generate(4, random_state=0)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["a", "b"]
    assert out["b"].dtype == df["b"].dtype and labels.tolist() == [11] * 4
    pd.testing.assert_frame_equal(out, r.generate(4, random_state=0)[0])


def test_refuses_to_overwrite_unless_asked(fitted, saved):
    with pytest.raises(FileExistsError, match="overwrite=True"):
        fitted.save(saved)
    old = {p.name for p in saved.iterdir()}
    fitted.save(saved, overwrite=True, packed=True)
    # Replaced whole, not merged: the per-class files are gone.
    assert not old - {MANIFEST} & {p.name for p in saved.iterdir()}
    Reconstructor.load(saved)
    assert not [p for p in saved.parent.iterdir() if p.name.startswith(".")]


def test_missing_directory_and_files(saved, tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        Reconstructor.load(tmp_path / "nowhere")
    model = gen_files(saved)[0]
    model.unlink()
    with pytest.raises(InvalidSaveError, match=f"'{model.name}' is missing"):
        Reconstructor.load(saved)
    (saved / MANIFEST).unlink()
    with pytest.raises(InvalidSaveError, match="no manifest.json"):
        Reconstructor.load(saved)


def test_corrupted_file_fails_checksum(saved):
    path = gen_files(saved, "codes")[0]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(InvalidSaveError, match=f"checksum mismatch for '{path.name}'"):
        Reconstructor.load(saved)


def test_swapped_files_fail_checksum(saved):
    a, b = gen_files(saved)
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    with pytest.raises(InvalidSaveError, match="checksum mismatch"):
        Reconstructor.load(saved)


def test_newer_format_version_is_refused(saved):
    edit_manifest(saved, lambda m: m.update(format_version=FORMAT_VERSION + 1))
    with pytest.raises(InvalidSaveError, match=f"format version {FORMAT_VERSION + 1}"):
        Reconstructor.load(saved)


@pytest.mark.parametrize("name", ["../evil.keras", "/etc/passwd", ".hidden"])
def test_unsafe_file_names_are_refused(saved, name):
    def change(m):
        m["generators"][0]["model"] = name
        m["files"][name] = "0" * 64

    edit_manifest(saved, change)
    with pytest.raises(InvalidSaveError, match="unsafe file name"):
        Reconstructor.load(saved)


def test_symlink_out_of_directory_is_refused(saved, tmp_path):
    outside = tmp_path / "outside.keras"
    model = gen_files(saved)[0]
    outside.write_bytes(model.read_bytes())
    model.unlink()
    os.symlink(outside, model)
    with pytest.raises(InvalidSaveError, match="symbolic link"):
        Reconstructor.load(saved)


def test_malformed_labels_are_refused(saved):
    edit_manifest(saved, lambda m: m["labels"].update(types=["tuple"] * 3))
    with pytest.raises(InvalidSaveError, match="labels are malformed"):
        Reconstructor.load(saved)


@pytest.mark.parametrize("packed", [False, True])
def test_a_label_listed_twice_is_refused(fitted, tmp_path, packed):
    # Two entries for one label: one would silently win.
    path = fitted.save(tmp_path / "twice", packed=packed)
    label = fitted.classes_[json.loads((path / MANIFEST).read_text())[
        "generators"][0]["label_index"]]  # fmt: skip

    def twice(m):
        m["generators"].append(dict(m["generators"][0]))

    edit_manifest(path, twice)
    with pytest.raises(InvalidSaveError, match=f"two generators for label '{label}'"):
        Reconstructor.load(path)


def _plant_lambda(saved, marker):
    """Replace a class's model by one whose Lambda layer, if its code ever
    ran, would write ``marker``; fix the checksum so only safe mode stands
    between the file and its code."""
    import keras

    write = f"__import__('pathlib').Path({str(marker)!r}).write_text('ran')"
    code = f"lambda t: ({write}, t)[1]"
    inputs = keras.Input((6,))
    evil = keras.Model(inputs, keras.layers.Lambda(eval(code))(inputs))
    path = gen_files(saved)[0]
    evil.save(path)

    def change(m):
        from smrt_keras.persistence import sha256

        m["files"][path.name] = sha256(path)

    edit_manifest(saved, change)  # even with a matching checksum
    marker.unlink()  # evil.save() built the model: the code ran here once
    return path


def test_lambda_layer_model_is_refused_by_safe_mode(saved, tmp_path):
    """A .keras file crafted with a Lambda layer must not deserialise: the
    refusal comes from Keras's safe mode, before the Lambda's code runs."""
    marker = tmp_path / "lambda_ran"
    path = _plant_lambda(saved, marker)
    with pytest.raises(ValueError, match="Could not load a VAE") as info:
        Reconstructor.load(saved)
    assert "safe_mode" in str(info.value)  # Keras's own safe-mode refusal
    assert not marker.exists()
    with zipfile.ZipFile(path) as z:
        assert "Lambda" in z.read("config.json").decode()


def test_the_planted_lambda_runs_without_safe_mode(saved, tmp_path, monkeypatch):
    """The probe above can fail: with safe mode off, loading runs the code."""
    import keras

    from smrt_keras.models import io

    marker = tmp_path / "lambda_ran"
    _plant_lambda(saved, marker)
    real = keras.saving.load_model

    def unsafe(*args, **kwargs):
        return real(*args, **dict(kwargs, safe_mode=False))

    monkeypatch.setattr(io.keras.saving, "load_model", unsafe)
    with pytest.raises(ValueError, match="not a smrt_keras VAE"):
        Reconstructor.load(saved)
    assert marker.read_text() == "ran"


def test_atomic_directory_keeps_old_save_on_error(tmp_path):
    target = tmp_path / "out"
    with atomic_directory(target) as tmp:
        (tmp / "a.txt").write_text("old")
        # A save of ours (overwrite=True replaces nothing else).
        marker = {"format": "smrt-keras-generators", "files": {"a.txt": ""}}
        (tmp / MANIFEST).write_text(json.dumps(marker))
    with pytest.raises(RuntimeError), atomic_directory(target, overwrite=True) as tmp:
        (tmp / "a.txt").write_text("new, half")
        raise RuntimeError("crash mid-save")
    assert (target / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_killed_save_leaves_previous_save_intact(fitted, saved):
    """A process killed mid-save (before the rename) leaves the old save."""
    before = (saved / MANIFEST).read_text()
    code = f"""
import os, signal
from smrt_keras import persistence, Reconstructor
real = persistence.write_manifest
def die(*a, **k):
    real(*a, **k)
    os.kill(os.getpid(), signal.SIGKILL)
persistence.write_manifest = die
r = Reconstructor.load({str(saved)!r})
r.save({str(saved)!r}, overwrite=True)
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert proc.returncode == -9
    assert (saved / MANIFEST).read_text() == before
    Reconstructor.load(saved)  # still valid


def test_concurrent_saves_do_not_interleave(saved, tmp_path):
    """Two processes saving to one path: the result is one whole save."""
    target = tmp_path / "shared_target"
    code = f"""
from smrt_keras import Reconstructor
r = Reconstructor.load({str(saved)!r})
for _ in range(6):
    try:
        r.save({str(target)!r}, overwrite=True)
    except OSError as exc:  # the other process won the rename: that is allowed
        print("lost race:", exc)
"""
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(2)]
    assert all(p.wait(timeout=300) == 0 for p in procs)
    Reconstructor.load(target)  # every listed file present, every checksum right
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []


class _Payload:
    """Unpickling this would create a marker file: the proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickled_codes_are_refused_and_never_run(saved, tmp_path):
    marker = tmp_path / "code_ran"
    codes = gen_files(saved, "codes")[0]
    evil = np.empty(1, dtype=object)
    evil[0] = _Payload(str(marker))
    np.savez(codes, z_mean=evil, z_log_var=evil)  # numpy pickles object arrays

    def change(m):
        from smrt_keras.persistence import sha256

        m["files"][codes.name] = sha256(codes)

    edit_manifest(saved, change)
    with pytest.raises(InvalidSaveError, match="could not read latent codes"):
        Reconstructor.load(saved)
    assert not marker.exists()


def test_truncated_file_fails_checksum(saved):
    model = gen_files(saved)[0]
    data = model.read_bytes()
    model.write_bytes(data[: len(data) // 3])
    with pytest.raises(InvalidSaveError, match=f"checksum mismatch for '{model.name}'"):
        Reconstructor.load(saved)


# ------------------------------------------- recipes, stream, format 1 (#13)
def test_loaded_stream_continues_where_the_saved_one_was(small_tabular, tmp_path):
    """fit -> save -> load -> generate() without random_state draws the same
    stream as the unsaved object, also after earlier draws."""
    X, y = small_tabular
    for seed in (0, None):
        fitted = Reconstructor(epochs=2, patience=None, random_state=seed).fit(X, y)
        fitted.generate(3, label=1)  # the stream has moved on before the save
        path = fitted.save(tmp_path / f"gens_{seed}")
        loaded = Reconstructor.load(path)
        for _ in range(2):
            a, la = fitted.generate(4)
            b, lb = loaded.generate(4)
            np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(la, lb)


def test_recipes_are_saved_and_read_back(saved, fitted):
    manifest = json.loads((saved / MANIFEST).read_text())
    loaded = Reconstructor.load(saved)
    for entry, (label, gen) in zip(
        manifest["generators"], fitted.generators_.items(), strict=True
    ):
        assert entry["recipe"] == gen.recipe.to_dict()
        assert loaded.generators_[label].recipe == gen.recipe
        assert gen.recipe.vae_config["likelihood"] == "gaussian"
        assert (
            gen.recipe.generation == "prior" and gen.recipe.output_noise == "residual"
        )
    assert manifest["rng_state"]["bit_generator"] == "PCG64"


def test_format_1_directory_loads_and_migrates(fitted, saved):
    """A directory in the 0.1.0 layout (no recipes, no stream state) loads; its
    generators get recipes derived from each VAE and the saved parameters."""

    def to_format_1(manifest):
        manifest["format_version"] = 1
        del manifest["rng_state"]
        for entry in manifest["generators"]:
            del entry["recipe"]

    edit_manifest(saved, to_format_1)
    loaded = Reconstructor.load(saved)
    for label, gen in fitted.generators_.items():
        recipe = loaded.generators_[label].recipe
        assert recipe.vae_config["latent_dim"] == gen.recipe.vae_config["latent_dim"]
        assert recipe.generation == gen.recipe.generation
        assert recipe.output_noise == gen.recipe.output_noise
        assert recipe.epochs == 0  # the training budget was not recorded
        a = fitted.generate(5, label=label, random_state=1)[0]
        np.testing.assert_array_equal(
            a, loaded.generate(5, label=label, random_state=1)[0]
        )
    # Without a saved stream, the old rule: a stream seeded by random_state.
    b = Reconstructor.load(saved).generate(3)[0]
    np.testing.assert_array_equal(loaded.generate(3)[0], b)


def test_malformed_recipe_or_stream_is_refused(saved):
    edit_manifest(saved, lambda m: m["generators"][0]["recipe"].update(bogus=1))
    with pytest.raises(InvalidSaveError, match="malformed.*bogus"):
        Reconstructor.load(saved)


def test_malformed_stream_state_is_refused(saved):
    edit_manifest(saved, lambda m: m.update(rng_state={"bit_generator": "MT19937"}))
    with pytest.raises(InvalidSaveError, match="rng_state"):
        Reconstructor.load(saved)


def test_saves_hold_no_optimizer_state(fitted, saved, tmp_path):
    # Optimizer classes are backend-specific (keras.src.backend.torch...);
    # without them any backend loads the file (test_backend_matrix).
    for path in gen_files(saved):
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
            weights = archive.read("model.weights.h5")
        assert not config.get("compile_config")
        assert b"optimizer" not in weights
    with pytest.warns(FutureWarning, match="include_optimizer is deprecated"):
        fitted.save(tmp_path / "old_style", include_optimizer=True)


def test_load_returns_the_types_that_were_saved(small_tabular, tmp_path):
    X, y = small_tabular
    smrt = Reconstructor(
        epochs=1, hidden_units=(16, 8), sampling_strategy={1: 80, 2: 80},
        vae_params={"dropout": 0.0}, random_state=0,
    ).fit(X, y.tolist())  # fmt: skip
    loaded = Reconstructor.load(smrt.save(tmp_path / "gens"))
    assert loaded.hidden_units == (16, 8)
    assert loaded.sampling_strategy == {1: 80, 2: 80}
    assert loaded.get_params() == smrt.get_params()
    for name in ("generators_", "sampling_strategy_"):
        keys, saved_keys = list(getattr(loaded, name)), list(getattr(smrt, name))
        assert keys == saved_keys
        assert [type(k) for k in keys] == [type(k) for k in saved_keys], name


def test_malformed_numpy_keys_are_refused(saved):
    edit_manifest(saved, lambda m: m.update(numpy_keys=[1]))
    with pytest.raises(InvalidSaveError, match="numpy_keys is malformed"):
        Reconstructor.load(saved)


# -- the packed save (many classes) --------------------------------------------


@pytest.fixture(scope="module")
def many_classes_fitted():
    """Five classes of different sizes."""
    rng = np.random.default_rng(2)
    sizes = [300, 25, 40, 120, 60]
    y = np.repeat(np.arange(5), sizes)
    X = rng.normal(size=(len(y), 4)) + y[:, None]
    return Reconstructor(epochs=2, patience=None, classes="all", random_state=0).fit(
        X, y
    )


def test_packed_save_round_trips_in_three_files(many_classes_fitted, tmp_path):
    fitted = many_classes_fitted
    path = fitted.save(tmp_path / "packed", packed=True)
    names = sorted(p.name for p in path.iterdir())
    assert names == [MANIFEST, "packed_codes.npz", "packed_weights.npz"]
    manifest = json.loads((path / MANIFEST).read_text())
    assert manifest["format_version"] == FORMAT_VERSION == 3
    rows = sorted(e["packed"]["row"] for e in manifest["generators"])
    assert rows == [0, 1, 2, 3, 4]  # one architecture: one stack of five
    loaded = Reconstructor.load(path)
    for label, gen in loaded.generators_.items():
        assert type(gen.model).__name__ == "TrainedVAE"  # no Keras model built
        a = fitted.generate(7, label=label, random_state=3)[0]
        np.testing.assert_array_equal(
            loaded.generate(7, label=label, random_state=3)[0], a
        )
    # The continued stream matches too, and a loaded packed save packs again.
    np.testing.assert_array_equal(loaded.generate(5)[0], fitted.generate(5)[0])
    again = Reconstructor.load(loaded.save(tmp_path / "again", packed=True))
    np.testing.assert_array_equal(
        again.generate(4, random_state=1)[0], loaded.generate(4, random_state=1)[0]
    )


def test_packed_save_takes_built_keras_models(many_classes_fitted, tmp_path):
    fitted = pickle_copy(many_classes_fitted)
    for gen in fitted.generators_.values():
        assert type(gen.vae).__name__ == "VAE"  # built; the generator draws through it
    loaded = Reconstructor.load(fitted.save(tmp_path / "p", packed=True))
    for label in fitted.generators_:
        np.testing.assert_allclose(
            loaded.generate(6, label=label, random_state=0)[0],
            fitted.generate(6, label=label, random_state=0)[0],
            rtol=1e-6,
        )


def pickle_copy(obj):
    import pickle

    return pickle.loads(pickle.dumps(obj))


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda e: e["packed"].update(row=99), "has no row 99"),
        (lambda e: e["packed"].update(group=7), "no 'g7_t0'"),
        (lambda e: e.update(codes_key="c42"), "c42_z_mean"),
        (lambda e: e["packed"].pop("config"), "config"),
    ],
)
def test_malformed_packed_entries_are_refused(
    many_classes_fitted, tmp_path, change, match
):
    path = many_classes_fitted.save(tmp_path / "p", packed=True)
    edit_manifest(path, lambda m: change(m["generators"][0]))
    with pytest.raises(InvalidSaveError, match=match):
        Reconstructor.load(path)


def test_tampered_packed_weights_fail_checksum(many_classes_fitted, tmp_path):
    path = many_classes_fitted.save(tmp_path / "p", packed=True)
    with open(path / "packed_weights.npz", "r+b") as fh:
        fh.seek(200)
        fh.write(b"\x00\x01")
    with pytest.raises(InvalidSaveError, match="checksum mismatch"):
        Reconstructor.load(path)


def test_pack_stacks_each_architecture_apart():
    from smrt_keras import VAE
    from smrt_keras.models.packed import pack, unpack

    models = [
        VAE(input_shape=(4,), hidden_units=(8,), latent_dim=2, seed=1),
        VAE(input_shape=(4,), hidden_units=(16,), latent_dim=2, seed=2),
        VAE(input_shape=(4,), hidden_units=(8,), latent_dim=2, seed=3),
    ]
    places, arrays = pack(models)
    assert [(p["group"], p["row"]) for p in places] == [(0, 0), (1, 0), (0, 1)]
    assert arrays["g0_t0"].shape[0] == 2 and arrays["g1_t0"].shape[0] == 1
    for model, place in zip(models, places, strict=True):
        back = unpack(place, arrays)
        assert back.seed == model.seed
        for a, b in zip(back.trainable, model.trainable_variables, strict=True):
            np.testing.assert_array_equal(a, b.numpy())
        z = np.zeros((3, 2), "float32")
        np.testing.assert_allclose(back.decode(z), model.decode(z), rtol=1e-6)
