"""Checked, atomic saved directories: the file layer under every save.

A saved directory holds a ``manifest.json`` that names its format and version
and the sha256 of every other file. Writing goes through
:func:`atomic_directory`, so a crash leaves the previous save (or nothing),
never a half-written directory; reading (:func:`read_manifest`) refuses
unknown formats, unsafe names, symlinks and modified files before anything is
loaded.
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
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from smrt_keras.params import is_int

MANIFEST = "manifest.json"
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class InvalidSaveError(ValueError):
    """A saved directory is incomplete, tampered with or of an unknown format."""


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


def read_manifest(path: str | Path, formats: Mapping[str, int]) -> tuple[Path, dict]:
    """Read and check a saved directory's manifest and every file it names.

    ``formats`` maps each accepted format name to the newest version this
    smrt_keras reads. Returns the directory and the manifest. Every problem
    raises with a message naming the file: missing directory
    (:class:`FileNotFoundError`), unknown format version, unsafe file names,
    symlinks, missing files or checksum mismatches (:class:`InvalidSaveError`).
    """
    directory = Path(path)
    if not directory.is_dir():
        raise FileNotFoundError(f"No saved directory at {str(path)!r}.")
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise InvalidSaveError(f"{str(directory)!r} has no {MANIFEST}.")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidSaveError(
            f"{MANIFEST} in {str(directory)!r} is not valid JSON: {exc}"
        ) from exc
    newest = dict(formats)
    kind = manifest.get("format") if isinstance(manifest, dict) else None
    if kind not in newest:
        raise InvalidSaveError(
            f"{str(manifest_path)!r} is not a {' or '.join(newest)} manifest."
        )
    version = manifest.get("format_version")
    if not is_int(version) or version > newest[kind] or version < 1:
        raise InvalidSaveError(
            f"{str(directory)!r} was saved in format version {version!r}; this "
            f"smrt_keras reads {kind} format versions 1 to {newest[kind]}. "
            "Upgrade smrt_keras to load it."
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
