"""Reading and writing the command line's data files: CSV, Parquet and NPZ.

CSV and Parquet hold one table with a label column. An NPZ holds a feature
array ``X`` (2-D, or an image batch) and a label array named by ``target``.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import numpy as np

from smrt_keras.cli.stream import (
    atomic_path,
    float_decimals,
    frame_of,
    label_array,
    write_frame,
)

FORMATS = (".csv", ".parquet", ".npz")


def _format(path: Path, what: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(
            f"{what} {str(path)!r} has an unsupported extension {suffix!r}; use one "
            f"of {', '.join(FORMATS)}."
        )
    return suffix


def _pandas():
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "CSV and Parquet files need pandas: pip install pandas"
        ) from None
    return pd


def read_table(path: str | Path, target: str):
    """Return ``(X, y, frame)``: features, labels and the original table.

    ``frame`` is the full DataFrame for CSV/Parquet (to restore column order) and
    ``None`` for NPZ.
    """
    path = Path(path)
    suffix = _format(path, "input file")
    if not path.is_file():
        raise FileNotFoundError(f"input file {str(path)!r} does not exist.")
    if suffix == ".npz":
        with np.load(path, allow_pickle=False) as data:
            for key in ("X", target):
                if key not in data.files:
                    raise ValueError(
                        f"{str(path)!r} has no array {key!r}; it holds "
                        f"{sorted(data.files)}. An NPZ needs 'X' and the --target "
                        "array."
                    )
            labels = data[target]
            _check_labels_present(labels, target, path)
            return data["X"], labels, None
    frame = _read_frame(path, suffix)
    if target not in frame.columns:
        raise ValueError(
            f"--target column {target!r} is not in {str(path)!r}; columns: "
            f"{list(frame.columns)}."
        )
    _check_labels_present(frame[target], target, path)
    return frame.drop(columns=[target]), frame[target], frame


def _check_labels_present(labels, target: str, path: Path) -> None:
    """Count blank or NaN labels of any dtype, in one line, before any work."""
    if hasattr(labels, "isna"):
        missing = int(labels.isna().sum())
    elif labels.dtype.kind == "f":
        missing = int(np.count_nonzero(np.isnan(labels)))
    else:
        return
    if missing:
        raise ValueError(
            f"--target {target!r} has {missing} missing label(s) (blank or NaN) "
            f"in {str(path)!r}; drop those rows or give them a label."
        )


def _read_frame(path: Path, suffix: str):
    """A CSV or Parquet file as a DataFrame; what pandas or pyarrow cannot
    parse becomes one line naming the file."""
    pd = _pandas()
    kind = "Parquet" if suffix == ".parquet" else "CSV"
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except ImportError:
        raise ImportError("Parquet files need pyarrow: pip install pyarrow") from None
    except (OSError, MemoryError):
        raise
    except Exception as exc:  # UnicodeDecodeError, EmptyDataError, ParserError...
        detail = str(exc).strip() or type(exc).__name__
        raise ValueError(f"could not read {str(path)!r} as {kind}: {detail}") from None


def check_output(path: str | Path, X, force: bool = False) -> None:
    """Refuse, before any training, an output that could not be written: an
    unknown extension, an existing file (unless ``force``), a place no file
    can be made (:func:`check_writable`), Parquet without pyarrow, or an NPZ
    for a table with text or category columns (NPZ holds numeric arrays, read
    without pickle)."""
    path = Path(path)
    suffix = _format(path, "output file")
    if path.exists() and not force:
        raise FileExistsError(
            f"output {str(path)!r} exists; pass --force to replace it."
        )
    check_writable(path)
    if suffix == ".parquet" and importlib.util.find_spec("pyarrow") is None:
        raise ImportError(
            f"output {str(path)!r}: Parquet files need pyarrow: pip install pyarrow"
        )
    if suffix != ".npz" or not hasattr(X, "dtypes"):
        return
    text = text_columns(X)
    if text:
        raise ValueError(
            f"output {str(path)!r} is an NPZ, which holds numeric arrays, but the "
            f"table has text or category columns {text}; write .csv or .parquet."
        )


def check_writable(
    path: str | Path, what: str = "output", folder: bool = False
) -> None:
    """Refuse an output ``path`` that could not be made: a folder where a
    file is wanted (unless ``folder``), or a nearest existing folder above it
    that is a file or that this user may not write in (the missing folders
    between are made on writing)."""
    path = Path(path)
    if path.is_dir() and not folder:
        raise IsADirectoryError(
            f"{what} {str(path)!r} is a directory; name a file to write."
        )
    parent = path.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise NotADirectoryError(
            f"{what} {str(path)!r} cannot be written: {str(parent)!r} is a file, "
            "not a directory."
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PermissionError(
            f"{what} {str(path)!r} cannot be written: no permission to write in "
            f"{str(parent)!r}."
        )


def check_save_target(path: str | Path, what: str, force: bool) -> None:
    """Refuse, before any training, a save directory ``path`` (flag
    ``what``) that exists without ``force``, that ``--force`` may not replace
    (a user's directory or file: :func:`smrt_keras.files.check_replaceable`),
    or where no directory can be made."""
    from smrt_keras.files import check_replaceable

    path = Path(path)
    check_replaceable(path, "--force")
    if (path.exists() or path.is_symlink()) and not force:
        raise FileExistsError(
            f"{what} {str(path)!r} exists; pass --force to replace it."
        )
    check_writable(path, what, folder=True)


def text_columns(X) -> list:
    """A DataFrame's columns that are neither numbers nor bools."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return [
        c
        for c, dt in X.dtypes.items()
        if not (is_numeric_dtype(dt) or is_bool_dtype(dt))
    ]


def write_table(path: str | Path, X, y, target: str, like=None) -> Path:
    """Write features and labels in the format of ``path``'s extension,
    atomically (:func:`~smrt_keras.cli.stream.atomic_path`).

    With ``like`` (the input table) the columns come back in their original
    order, the label column included, and a CSV's float columns keep the
    decimal places the input's needed (:func:`~smrt_keras.cli.stream.float_decimals`).
    """
    path = Path(path)
    suffix = _format(path, "output file")
    if suffix == ".npz":
        with atomic_path(path) as tmp, open(tmp, "wb") as file:
            np.savez(file, X=np.asarray(X), **{target: label_array(y)})
        return path
    _pandas()
    decimals = float_decimals(like) if like is not None and suffix == ".csv" else {}
    frame = frame_of(X, y, target, decimals)
    if like is not None:
        frame = frame[list(like.columns)]
    return write_frame(path, frame)


def parse_strategy(text: str):
    """``--sampling-strategy``: a float, a name, or a JSON dict {label: count}."""
    try:
        return float(text)
    except ValueError:
        pass
    if text.lstrip().startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"--sampling-strategy {text!r} is not valid JSON: {exc}"
            ) from None
        return value
    return text


def match_labels(keys, labels) -> dict | object:
    """Map label strings typed at the command line to the data's real labels."""
    by_text = {str(label): label for label in labels}
    if isinstance(keys, dict):
        out = {}
        for key, count in keys.items():
            if str(key) not in by_text:
                raise ValueError(
                    f"label {key!r} in --sampling-strategy is not in the data; "
                    f"labels: {sorted(by_text)}."
                )
            out[by_text[str(key)]] = count
        return out
    if str(keys) not in by_text:
        raise ValueError(
            f"--label {keys!r} is not available; labels: {sorted(by_text)}."
        )
    return by_text[str(keys)]
