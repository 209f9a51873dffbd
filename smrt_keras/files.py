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


#: Every format this library writes names itself with this prefix in its
#: manifest: the marker that tells one of our saves from a user's directory.
FORMAT_PREFIX = "smrt-keras-"


def _entries(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir())


def _foreign_entries(path: Path) -> list[str] | None:
    """The entries of directory ``path`` that are not part of a save of ours,
    or None where ``path`` is no save at all (no manifest with our marker)."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    kind = manifest.get("format") if isinstance(manifest, dict) else None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(kind, str) or not kind.startswith(FORMAT_PREFIX):
        return None
    # Only plain files a save writes count as ours: a forged manifest that
    # lists a folder, a link or an unsafe name does not make them so.
    listed = files if isinstance(files, dict) else {}
    ours = {MANIFEST} | {
        name
        for name in listed
        if isinstance(name, str)
        and _SAFE_NAME.fullmatch(name)
        and (path / name).is_file()
        and not (path / name).is_symlink()
    }
    return [name for name in _entries(path) if name not in ours]


def check_replaceable(path: str | Path, flag: str = "overwrite=True") -> None:
    """Refuse to replace ``path`` unless it is ours to replace.

    What ``overwrite=True`` (the command line's ``--force``) may replace is
    nothing, an empty directory, or a directory that is a save of this
    library (its ``manifest.json`` has our format marker) holding nothing
    but the files its manifest lists. Anything else raises
    :class:`FileExistsError` saying what is there, so that a slip such as
    ``save(os.getcwd(), overwrite=True)`` deletes nothing.
    """
    path = Path(path)
    shown = str(path)
    here = Path.cwd()
    if (
        path.exists()
        and not path.is_symlink()
        and path.resolve() in (here, *here.parents)
    ):
        raise FileExistsError(
            f"{shown!r} is the working directory or a folder above it; {flag} "
            "never replaces those. Choose an empty or new directory."
        )
    if path.is_symlink():
        raise FileExistsError(
            f"{shown!r} is a symbolic link; {flag} does not replace links. "
            "Choose an empty or new directory."
        )
    if not path.exists():
        return
    if not path.is_dir():
        raise FileExistsError(
            f"{shown!r} exists and is a file, not a smrt-keras save; {flag} "
            "replaces only saves. Choose an empty or new directory."
        )
    entries = _entries(path)
    if not entries:
        return
    foreign = _foreign_entries(path)
    if foreign is None:
        raise FileExistsError(
            f"{shown!r} holds {_count(entries)} that {_is(entries)} not a "
            f"smrt-keras save ({_names(entries)}); {flag} replaces only saves. "
            "Choose an empty or new directory."
        )
    if foreign:
        raise FileExistsError(
            f"{shown!r} is a smrt-keras save but also holds {_count(foreign)} "
            f"that {_is(foreign)} not part of it ({_names(foreign)}); {flag} "
            "would delete them. Move them out, or choose an empty or new "
            "directory."
        )


def _count(names: list[str]) -> str:
    return f"{len(names)} entr{'y' if len(names) == 1 else 'ies'}"


def _is(names: list[str]) -> str:
    return "is" if len(names) == 1 else "are"


def _names(names: list[str], most: int = 5) -> str:
    shown = ", ".join(repr(n) for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


@contextlib.contextmanager
def atomic_directory(path: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary directory that replaces ``path`` when the block ends.

    If the block raises (or the process dies), the temporary directory is
    discarded and ``path`` is untouched. An existing ``path`` is refused
    unless ``overwrite``, and even then unless it is ours to replace
    (:func:`check_replaceable`).
    """
    path = Path(os.path.abspath(path))  # "." and ".." get a real parent
    check_replaceable(path)  # so overwrite=True is advised only where it helps
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise FileExistsError(
            f"{str(path)!r} already exists; pass overwrite=True to replace it."
        )
    parent = path.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # as mkdir would make it, not mkdtemp's 0700
    try:
        yield tmp
        _fsync_tree(tmp)
        backup = None
        check_replaceable(path)  # again: the block may have run for minutes
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
