"""The saved-directory format of a fitted Reconstructor, end to end.

::

    <dir>/
      manifest.json        format version, versions, labels, input spec,
                           hyperparameters, per class its scaler, history and
                           recipe, the random stream's state, sha256 of every file
      class_<i>.keras      the VAE of label classes_[i] (safe_mode loadable)
      class_<i>_codes.npz  latent codes of the class's real members (no pickle)

Writing is atomic: everything goes to a hidden temporary directory beside the
target, which is renamed into place only when complete. A crash leaves the
previous save (or nothing) behind, never a half-written directory.

Format history: 1 (smrt-keras 0.1.0) had no recipes and no stream state;
:func:`load` migrates it (:func:`_migrate_v1`), so old directories, the
shipped zoo included, keep loading.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from smrt_keras._version import __version__
from smrt_keras.generator import ClassGenerator, check_data_shape
from smrt_keras.params import is_int
from smrt_keras.recipe import recipe_of_vae
from smrt_keras.spec import InputSpec
from smrt_keras.validation import label_kind

FORMAT_NAME = "smrt-keras-generators"
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class InvalidSaveError(ValueError):
    """A saved directory is incomplete, tampered with or of an unknown format."""


# ----------------------------------------------------------------- labels
_LABEL_TYPES = {"int": int, "str": str, "bool": bool, "float": float}


def _label_type(value) -> str:
    kind = label_kind(value)
    if kind not in _LABEL_TYPES:
        raise ValueError(
            f"label {value!r} of type {type(value).__name__} cannot be saved; "
            "labels must be int, str, bool or float."
        )
    return kind


def encode_labels(classes: np.ndarray) -> dict:
    """JSON form of ``classes_`` that keeps each label's original type."""
    types = [_label_type(v) for v in classes]
    values = [_LABEL_TYPES[t](v) for t, v in zip(types, classes, strict=True)]
    encoded = {"dtype": classes.dtype.str, "types": types, "values": values}
    if not np.array_equal(decode_labels(encoded), classes):
        raise ValueError(f"labels {classes!r} do not survive a save/load round trip.")
    return encoded


def decode_labels(encoded: dict) -> np.ndarray:
    """Inverse of :func:`encode_labels`."""
    try:
        types, values = encoded["types"], encoded["values"]
        dtype = np.dtype(encoded["dtype"])
        if len(types) != len(values) or any(t not in _LABEL_TYPES for t in types):
            raise ValueError("types and values do not match")
        if dtype.kind == "O":
            out = np.empty(len(values), dtype=object)
            out[:] = [_LABEL_TYPES[t](v) for t, v in zip(types, values, strict=True)]
            return out
        return np.asarray(values, dtype=dtype)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidSaveError(f"the manifest's labels are malformed: {exc}") from exc


# ---------------------------------------------------------------- files
def sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_tree(root: Path) -> None:
    for path in root.iterdir():
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
    with contextlib.suppress(OSError):  # directories cannot be fsynced everywhere
        fd = os.open(root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_directory(path: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary directory that replaces ``path`` when the block ends.

    If the block raises (or the process dies), the temporary directory is
    discarded and ``path`` is untouched.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"{str(path)!r} already exists; pass overwrite=True to replace it."
        )
    if path.exists() and not path.is_dir():
        raise FileExistsError(f"{str(path)!r} exists and is not a directory.")
    parent = path.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent))
    try:
        yield tmp
        _fsync_tree(tmp)
        backup = None
        if path.exists():
            # Move the old save aside first: rename cannot replace a non-empty
            # directory, and this keeps the old one recoverable until the new
            # one is in place.
            backup = parent / f".{path.name}.old-{uuid.uuid4().hex}"
            try:
                os.rename(path, backup)
            except FileNotFoundError:  # another writer moved it meanwhile
                backup = None
        try:
            os.rename(tmp, path)
        except OSError:
            # Another writer's complete save took the name first: keep theirs
            # (or put the old one back if nothing is there) and report it.
            if backup is not None:
                if path.exists():
                    shutil.rmtree(backup, ignore_errors=True)
                else:
                    os.rename(backup, path)
            raise
        if backup is not None:
            shutil.rmtree(backup, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def write_manifest(directory: Path, manifest: dict) -> None:
    """Add checksums of every file in ``directory`` and write the manifest."""
    manifest = dict(manifest)
    manifest["files"] = {
        p.name: sha256(p) for p in sorted(directory.iterdir()) if p.name != MANIFEST
    }
    with open(directory / MANIFEST, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2, sort_keys=True)
        fh.write("\n")


def read_manifest(path: str | Path) -> tuple[Path, dict]:
    """Read and check a saved directory's manifest and every file it names.

    Returns the directory and the manifest. Every problem raises with a message
    naming the file: missing directory (:class:`FileNotFoundError`), unknown
    format version, unsafe file names, symlinks, missing files or checksum
    mismatches (:class:`InvalidSaveError`).
    """
    directory = Path(path)
    if not directory.is_dir():
        raise FileNotFoundError(f"No saved Reconstructor directory at {str(path)!r}.")
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise InvalidSaveError(f"{str(directory)!r} has no {MANIFEST}.")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidSaveError(
            f"{MANIFEST} in {str(directory)!r} is not valid JSON: {exc}"
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise InvalidSaveError(
            f"{str(manifest_path)!r} is not a {FORMAT_NAME} manifest."
        )
    version = manifest.get("format_version")
    if not is_int(version) or version > FORMAT_VERSION or version < 1:
        raise InvalidSaveError(
            f"{str(directory)!r} was saved in format version {version!r}; this "
            f"smrt_keras reads format versions 1 to {FORMAT_VERSION}. Upgrade "
            "smrt_keras to load it."
        )
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise InvalidSaveError(f"{MANIFEST} has no 'files' table of checksums.")
    for name, expected in files.items():
        check_file(directory, name)
        if sha256(directory / name) != expected:
            raise InvalidSaveError(
                f"checksum mismatch for {name!r} in {str(directory)!r}: the file was "
                "modified or corrupted after saving."
            )
    return directory, manifest


def check_file(directory: Path, name: Any) -> Path:
    """Return ``directory / name`` after refusing names that could escape it."""
    if not isinstance(name, str) or not _SAFE_NAME.fullmatch(name):
        raise InvalidSaveError(
            f"unsafe file name {name!r} in the manifest; names must be plain file "
            "names inside the saved directory."
        )
    target = directory / name
    if target.is_symlink():
        raise InvalidSaveError(f"{name!r} is a symbolic link; refusing to follow it.")
    if not target.is_file():
        raise InvalidSaveError(f"{name!r} is missing from {str(directory)!r}.")
    return target


def save_codes(path: Path, z_mean: np.ndarray, z_log_var: np.ndarray) -> None:
    np.savez(path, z_mean=z_mean, z_log_var=z_log_var)


def load_codes(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            return data["z_mean"], data["z_log_var"]
    except (OSError, ValueError, KeyError) as exc:
        raise InvalidSaveError(
            f"could not read latent codes {path.name!r}: {exc}"
        ) from exc


# ------------------------------------------------------- the fitted state
@dataclass
class FittedState:
    """Everything a fitted Reconstructor holds, as saved and loaded.

    ``params`` are the estimator's parameters in JSON form; ``rng_state`` is
    the state of its generation stream (``numpy`` ``bit_generator.state``).
    """

    classes: np.ndarray
    strategy: OrderedDict
    generators: dict
    spec: InputSpec
    rng_state: dict | None = None
    params: dict = field(default_factory=dict)


def _entry(gen: ClassGenerator, index: int, tmp: Path, include_optimizer: bool):
    from smrt_keras.models.io import save_vae

    model_file, codes_file = f"class_{index}.keras", f"class_{index}_codes.npz"
    save_vae(gen.vae, tmp / model_file, include_optimizer)
    save_codes(tmp / codes_file, gen.z_mean, gen.z_log_var)
    return {
        "label_index": index,
        "model": model_file,
        "codes": codes_file,
        **gen.to_entry(),
    }


def save(
    path: str | Path,
    state: FittedState,
    overwrite: bool = False,
    include_optimizer: bool = True,
) -> Path:
    """Write ``state`` to directory ``path``, atomically."""
    from smrt_keras.models.io import keras_info

    index_of = {c: i for i, c in enumerate(state.classes.tolist())}
    labels = encode_labels(state.classes)
    with atomic_directory(path, overwrite) as tmp:
        entries = [
            _entry(gen, index_of[label], tmp, include_optimizer)
            for label, gen in state.generators.items()
        ]
        manifest = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "smrt_keras_version": __version__,
            **keras_info(),
            "labels": labels,
            "input": state.spec.to_dict(),
            "sampling_strategy_": [
                [index_of[c], int(n)] for c, n in state.strategy.items()
            ],
            "params": state.params,
            "rng_state": state.rng_state,
            "generators": entries,
        }
        write_manifest(tmp, manifest)
    return Path(path)


def _migrate_v1(manifest: dict) -> dict:
    """Format 1 -> 2: no recipes (derived from each VAE at load), no stream state."""
    manifest = dict(manifest, format_version=2, rng_state=None)
    manifest["generators"] = [dict(e, recipe=None) for e in manifest["generators"]]
    return manifest


def _load_generator(directory: Path, entry: dict, spec: InputSpec, params: dict):
    from smrt_keras.models.io import load_vae

    vae = load_vae(check_file(directory, entry.get("model")))
    check_data_shape(
        vae, spec, InvalidSaveError, repr(entry["model"]), "the manifest gives"
    )
    codes = load_codes(check_file(directory, entry.get("codes")))
    try:
        gen = ClassGenerator.from_entry(entry, vae, codes)
        if gen.recipe is None:  # format 1
            gen.recipe = recipe_of_vae(params, spec, vae.get_config(), prefit=False)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidSaveError(
            f"the manifest entry of {entry['model']!r} is malformed: {exc}"
        ) from exc
    return gen


def load(path: str | Path) -> FittedState:
    """Read, check and migrate a saved directory; load every generator.

    Raises
    ------
    FileNotFoundError
        If ``path`` is not a directory.
    InvalidSaveError
        (a ``ValueError``) for anything missing, tampered with or unknown.
    """
    directory, manifest = read_manifest(path)
    try:
        if manifest["format_version"] == 1:
            manifest = _migrate_v1(manifest)
        classes = decode_labels(manifest["labels"])
        spec = InputSpec.from_dict(manifest["input"])
        params = dict(manifest["params"])
        entries = list(manifest["generators"])
        strategy_pairs = list(manifest["sampling_strategy_"])
        rng_state = manifest["rng_state"]
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidSaveError(
            f"manifest of {str(path)!r} is missing or has a malformed field: {exc}"
        ) from exc

    def label_at(i):
        if not is_int(i) or not 0 <= i < len(classes):
            raise InvalidSaveError(
                f"label index {i!r} is out of range for {len(classes)} labels."
            )
        return classes[i]

    generators = OrderedDict(
        (label_at(e.get("label_index")), _load_generator(directory, e, spec, params))
        for e in entries
    )
    strategy = OrderedDict((label_at(i), int(n)) for i, n in strategy_pairs)
    return FittedState(classes, strategy, generators, spec, rng_state, params)


def stream_from_state(state: dict | None, seed: int | None) -> np.random.Generator:
    """The generation stream saved in a manifest, or one seeded by ``seed``."""
    rng = np.random.default_rng(seed)
    if state is None:
        return rng
    try:
        if state["bit_generator"] != type(rng.bit_generator).__name__:
            raise ValueError(f"unknown bit generator {state['bit_generator']!r}")
        rng.bit_generator.state = state
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidSaveError(f"the manifest's rng_state is malformed: {exc}") from exc
    return rng


def json_params(params: dict) -> dict:
    """Estimator parameters in JSON form; prefit generators are left out and
    what JSON cannot hold (callables, RandomState) is kept as its repr."""
    out = {}
    for key, value in params.items():
        if key == "generators":
            continue
        try:
            json.dumps(value)
            out[key] = value
        except TypeError:
            out[key] = repr(value)
    return out


def loadable_params(saved: dict, defaults: dict) -> dict:
    """The saved parameters an estimator with ``defaults`` accepts again.

    Unknown names are dropped (saves from other versions); a ``random_state``
    or ``sampling_strategy`` saved only as a repr falls back to its default.
    """
    kwargs = {k: v for k, v in saved.items() if k in defaults}
    if not isinstance(kwargs.get("random_state"), (int, type(None))):
        kwargs["random_state"] = None
    if not isinstance(kwargs.get("sampling_strategy"), (int, float, str, dict)):
        kwargs["sampling_strategy"] = "auto"
    return kwargs
