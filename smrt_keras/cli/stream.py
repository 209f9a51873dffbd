"""Writing the command line's outputs atomically, and batch by batch.

Every file is written to a temporary file in its own folder and moved into
place (:func:`os.replace`) only when complete, so an error or Ctrl-C leaves
no partial file (and an existing one, replaced with ``--force``, intact).
:func:`write_batches` writes ``(X, y)`` batches as they are drawn: CSV rows
appended, Parquet row groups, NPZ and NPY arrays filled in place, so memory
holds one batch whatever the number of rows.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

#: Rows drawn and written per batch by ``smrt-keras generate``.
STREAM_BATCH = 10_000


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path``; moved onto ``path`` on success and
    removed on any error or ``KeyboardInterrupt``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(".part", f".{path.name}.", path.parent)
    os.close(fd)
    tmp = Path(name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # as open() would make it, not mkstemp's 0600
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def label_array(y, dtype=None) -> np.ndarray:
    """Labels as an array NPZ holds without pickle (text as unicode)."""
    labels = np.asarray(y)
    if labels.dtype.kind == "O":
        labels = labels.astype(str)
    return labels if dtype is None else labels.astype(dtype, copy=False)


def _features(X) -> np.ndarray:
    if hasattr(X, "dtypes"):  # a numeric table (text columns are refused)
        values = X.to_numpy()
        return values if values.dtype.kind != "O" else X.to_numpy(dtype="float64")
    return np.asarray(X)


class _NpyStream:
    """One ``.npy`` array of known length written batch by batch."""

    def __init__(self, file, rows: int, first: np.ndarray):
        self.file, self.dtype = file, first.dtype
        header = {
            "descr": np.lib.format.dtype_to_descr(first.dtype),
            "fortran_order": False,
            "shape": (rows, *first.shape[1:]),
        }
        np.lib.format.write_array_header_2_0(file, header)

    def write(self, batch: np.ndarray) -> None:
        self.file.write(np.ascontiguousarray(batch, dtype=self.dtype).tobytes())


def _npz(tmp: Path, batches: Iterator, rows: int, target: str, label_dtype) -> None:
    """``X`` streamed into the archive; the labels to a side file, then copied in."""
    with tempfile.TemporaryFile(dir=tmp.parent) as side:
        first = next(batches)
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as archive:
            with archive.open("X.npy", "w", force_zip64=True) as entry:
                xs = _NpyStream(entry, rows, _features(first[0]))
                ys = _NpyStream(side, rows, label_array(first[1], label_dtype))
                for X, y in _chain(first, batches):
                    xs.write(_features(X))
                    ys.write(label_array(y, ys.dtype))
            side.seek(0)
            with archive.open(f"{target}.npy", "w", force_zip64=True) as entry:
                shutil.copyfileobj(side, entry, 2**20)


def _npy(tmp: Path, batches: Iterator, rows: int) -> None:
    first = next(batches)
    with open(tmp, "wb") as file:
        xs = _NpyStream(file, rows, _features(first[0]))
        for X, _ in _chain(first, batches):
            xs.write(_features(X))


def _chain(first, rest: Iterator) -> Iterator:
    yield first
    yield from rest


def frame_of(X, y, target: str, decimals: dict | None = None):
    """Features and labels as one DataFrame, float columns rounded to
    ``decimals`` (``{column: places}``, see :func:`float_decimals`)."""
    import pandas as pd

    frame = (
        X.copy()
        if isinstance(X, pd.DataFrame)
        else pd.DataFrame(np.asarray(X).reshape(len(X), -1))
    )
    for column, places in (decimals or {}).items():
        if column in frame.columns:
            frame[column] = frame[column].round(places)
    frame[target] = np.asarray(y)
    return frame


def _csv(tmp: Path, frames: Iterable) -> None:
    with open(tmp, "w", newline="") as file:
        for k, frame in enumerate(frames):
            float32 = [c for c, dt in frame.dtypes.items() if str(dt) == "float32"]
            if float32:  # the digits a float32 holds, not its float64 repr
                frame = frame.copy()
                for c in float32:
                    frame[c] = np.char.mod("%.7g", frame[c].to_numpy())
            frame.to_csv(file, index=False, header=k == 0)


def _parquet(tmp: Path, frames: Iterable) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError("Parquet files need pyarrow: pip install pyarrow") from None
    writer = None
    try:
        for frame in frames:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table.cast(writer.schema))
    finally:
        if writer is not None:
            writer.close()


def write_frame(path: str | Path, frame) -> Path:
    """Write one DataFrame to a ``.csv`` or ``.parquet`` ``path``, atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        (_parquet if path.suffix.lower() == ".parquet" else _csv)(tmp, [frame])
    return path


def write_batches(
    path: str | Path,
    batches: Iterable,
    rows: int,
    target: str,
    label_dtype=None,
    decimals: dict | None = None,
) -> Path:
    """Write ``rows`` samples arriving as ``(X, y)`` ``batches`` to ``path``
    (``.csv``, ``.parquet``, ``.npz`` or ``.npy``, by its extension), atomically.

    ``target`` names the label column (or NPZ array); ``label_dtype`` is the
    labels' dtype in an NPZ (unicode wide enough for every label); CSV float
    columns are rounded to ``decimals`` places, float32 ones written with 7
    significant digits.
    """
    path, batches = Path(path), iter(batches)
    suffix = path.suffix.lower()
    with atomic_path(path) as tmp:
        if suffix == ".npz":
            _npz(tmp, batches, rows, target, label_dtype)
        elif suffix == ".npy":
            _npy(tmp, batches, rows)
        else:
            frames = (frame_of(X, y, target, decimals) for X, y in batches)
            (_parquet if suffix == ".parquet" else _csv)(tmp, frames)
    return path


def float_decimals(frame, max_places: int = 12) -> dict:
    """``{column: places}``: for each float64 column of ``frame``, the fewest
    decimal places (at least 1, at most ``max_places``) that write every one
    of its values exactly; columns that need more are left out."""
    out = {}
    for column, dtype in frame.dtypes.items():
        if str(dtype) != "float64":
            continue
        values = frame[column].to_numpy()
        values = values[np.isfinite(values)]
        for places in range(1, max_places + 1):
            if np.array_equal(np.round(values, places), values):
                out[column] = places
                break
    return out
