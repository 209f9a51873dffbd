"""Mixed-type tables: which column is numeric, bool or categorical, and the
codes that carry categories through the rest of the library.

:func:`encode_columns` turns a DataFrame (or a 2-D array with
``categorical_features``) into float64 "codes": numeric columns as they are,
bool columns as 0/1, and each categorical column as the index of its value in
the column's sorted list of levels. The levels and each column's kind are
recorded in the :class:`~smrt_keras.spec.InputSpec`, so that
:class:`~smrt_keras.spec.OutputRestorer` turns generated codes back into the
same values, dtypes and category sets. Per class, the codes are one-hot
encoded for the VAE by :class:`~smrt_keras.preprocessing.TableCodec`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

#: Column kinds.
NUMERIC, BOOL, CATEGORICAL = "numeric", "bool", "categorical"

#: A categorical column may have at most this many levels in ``X``. Each level
#: is one input and one output of every class's VAE; a column with more (IDs,
#: free text, a float declared categorical by mistake) is refused with advice,
#: rather than silently blowing up the network or dropping levels.
MAX_LEVELS = 100


def _python(value: Any) -> Any:
    # JSON-able level values: numpy scalars become Python ones.
    return value.item() if isinstance(value, np.generic) else value


def declared_mask(categorical_features, columns: Sequence, n: int, name: str):
    """``categorical_features`` (None, indices, names or a boolean mask) as a
    boolean list over the ``n`` columns; ``None`` when it is ``None``."""
    if categorical_features is None or (
        isinstance(categorical_features, str) and categorical_features == "auto"
    ):
        return None
    spec = list(np.ravel(np.asarray(categorical_features, dtype=object)))
    mask = [False] * n
    if spec and all(isinstance(v, (bool, np.bool_)) for v in spec):
        if len(spec) != n:
            raise ValueError(
                f"categorical_features as a boolean mask must have one entry per "
                f"column of {name} ({n}); got {len(spec)}."
            )
        return [bool(v) for v in spec]
    for v in spec:
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            if not -n <= int(v) < n:
                raise ValueError(
                    f"categorical_features names column index {v}, but {name} has "
                    f"{n} columns."
                )
            mask[int(v)] = True
        elif v in list(columns):
            mask[list(columns).index(v)] = True
        else:
            where = f"columns {list(columns)}" if columns else "no column names"
            raise ValueError(
                f"categorical_features names column {v!r}, which {name} does not "
                f"have ({name} has {where})."
            )
    return mask


def _levels(values: np.ndarray, col, name: str) -> list:
    try:
        return sorted({_python(v) for v in values})
    except TypeError:
        kinds = sorted({type(v).__name__ for v in values})
        if any(isinstance(v, (complex, np.complexfloating)) for v in values):
            raise ValueError(
                f"Complex data not supported: {name} column {col!r} holds complex "
                "values; SMRT needs real numbers (split real and imaginary parts)."
            ) from None
        if len(kinds) == 1:
            raise TypeError(
                f"{name} column {col!r} holds values of type {kinds[0]}, which "
                "cannot be categories; levels must be strings, numbers or bools."
            ) from None
        raise TypeError(
            f"{name} column {col!r} mixes value types {kinds}; a categorical "
            "column needs values of one type."
        ) from None


def _is_missing(value) -> bool:
    # None, NaN, pandas' NA and NaT, without importing pandas.
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    return isinstance(value, (float, np.floating)) and bool(np.isnan(value))


def encode_categorical(values, col, name: str, levels: list | None = None):
    """``(codes, levels)`` of one categorical column: float64 level indices
    into ``levels`` (its sorted distinct values unless given)."""
    values = np.asarray(values, dtype=object)
    missing = [_is_missing(v) for v in values]
    if any(missing):
        raise ValueError(
            f"{name} column {col!r} is categorical and holds {sum(missing)} missing "
            "value(s) (NaN or None); fill them (e.g. with a level 'missing') or "
            "drop those rows."
        )
    levels = _levels(values, col, name) if levels is None else list(levels)
    odd = [v for v in levels if not isinstance(v, (str, int, float, bool))]
    if odd:
        raise TypeError(
            f"{name} column {col!r} is categorical with levels of type "
            f"{type(odd[0]).__name__} (e.g. {odd[0]!r}); levels must be strings, "
            "numbers or bools, which a saved generator can record. Convert the column."
        )
    index = {v: i for i, v in enumerate(levels)}
    codes = np.array([index[_python(v)] for v in values], dtype="float64")
    used = len(np.unique(codes))  # unused categories of a dtype cost nothing
    if used > MAX_LEVELS:
        raise ValueError(
            f"{name} column {col!r} is categorical with {used} distinct values; SMRT "
            f"one-hot encodes categorical columns and accepts at most {MAX_LEVELS} "
            "levels per column (tables.MAX_LEVELS). Group rare levels or drop the "
            "column; if it holds numbers or dates (as text, or declared "
            "categorical), convert it to numbers instead."
        )
    return codes, levels


def _is_numeric_frame_column(dt) -> bool:
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return is_numeric_dtype(dt) and not is_bool_dtype(dt)


def frame_columns(X, name: str, categorical_features=None):
    """Codes, kinds and levels of a DataFrame's columns.

    Category, string and object columns are categorical; bool columns are
    bool; other numeric columns are numeric, unless ``categorical_features``
    names them.
    """
    from pandas.api.types import (
        is_bool_dtype,
        is_complex_dtype,
        is_datetime64_any_dtype,
        is_timedelta64_dtype,
    )

    declared = declared_mask(categorical_features, list(X.columns), X.shape[1], name)
    codes, kinds, levels = [], [], []
    for j, (col, dt) in enumerate(zip(X.columns, X.dtypes, strict=True)):
        series = X.iloc[:, j]
        if hasattr(series, "sparse"):  # pandas sparse: densified, restored on output
            series = series.sparse.to_dense()
            dt = series.dtype
        if is_complex_dtype(dt):
            raise ValueError(
                f"Complex data not supported: {name} column {col!r} has dtype {dt}."
            )
        if is_datetime64_any_dtype(dt) or is_timedelta64_dtype(dt):
            raise TypeError(
                f"{name} column {col!r} has dtype {dt}; SMRT needs real numbers, "
                "bools or categories. Convert dates and durations to numbers (for "
                "example days since a reference date) or drop the column."
            )
        # Declared columns are categorical, and so is every column that is
        # neither numbers nor bools (a category dtype even with bool levels).
        category = str(dt) == "category"
        plain = _is_numeric_frame_column(dt) or (is_bool_dtype(dt) and not category)
        if (declared and declared[j]) or not plain:
            known = (
                [_python(v) for v in series.cat.categories]
                if str(dt) == "category"
                else None
            )
            c, lv = encode_categorical(series.to_numpy(dtype=object), col, name, known)
            ordered = bool(getattr(series.dtype, "ordered", False))
            codes.append(c)
            kinds.append(CATEGORICAL)
            levels.append({"levels": lv, "ordered": ordered})
            continue
        kinds.append(BOOL if is_bool_dtype(dt) else NUMERIC)
        levels.append(None)
        codes.append(_numeric(series, col, name))
    return np.column_stack(codes), kinds, levels


def _numeric(series, col, name: str) -> np.ndarray:
    try:
        return series.to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} column {col!r} has dtype {series.dtype} and cannot be read as "
            "numbers; declare it in categorical_features."
        ) from None


def _is_text(column: np.ndarray) -> bool:
    """Whether an object column holds text (categorical without being named);
    missing values among the text are refused later, by name."""
    if column.dtype != object:
        return False
    text = [isinstance(v, str) for v in column]
    return any(text) and all(
        t or _is_missing(v) for t, v in zip(text, column, strict=True)
    )


def _is_bool(column: np.ndarray) -> bool:
    return column.dtype == object and all(
        isinstance(v, (bool, np.bool_)) for v in column
    )


def object_column_dtype(column: np.ndarray, kind: str) -> str:
    """The dtype an object array's column comes back in: ``object`` for
    categories, ``bool`` for flags, ``int64`` if every value is an int."""
    if kind == CATEGORICAL:
        return "object"
    if kind == BOOL:
        return "bool"
    ints = all(
        isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
        for v in column
    )
    return "int64" if ints else "float64"


def _not_numbers(column: np.ndarray, j: int, name: str) -> TypeError | ValueError:
    """The error for an array column that is neither numbers nor text
    (complex values: ``ValueError``, as for a complex array)."""
    odd = next((v for v in column if not (_is_number(v) or isinstance(v, str))), None)
    if isinstance(odd, (complex, np.complexfloating)):
        return ValueError(
            f"Complex data not supported: {name} column {j} holds {odd!r}; SMRT "
            "needs real numbers (split real and imaginary parts into columns)."
        )
    if odd is not None:
        return TypeError(
            f"{name} column {j} holds a {type(odd).__name__} ({odd!r}); each value "
            "must be a number, a bool or text."
        )
    text = next(v for v in column if isinstance(v, str) and not _is_number(v, True))
    return TypeError(
        f"{name} column {j} mixes text ({text!r}) and numbers; make it all text "
        "(a categorical column) or all numbers."
    )


def _is_number(value, text_too: bool = False) -> bool:
    """Whether ``value`` is a number (or, with ``text_too``, text that reads as one)."""
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return text_too or not isinstance(value, str)


def array_columns(arr: np.ndarray, name: str, categorical_features):
    """Codes, kinds and levels of a 2-D array's columns; ``categorical_features``
    marks the categorical ones (all others must be numeric)."""
    n = arr.shape[1]
    declared = declared_mask(categorical_features, [], n, name) or [False] * n
    codes, kinds, levels = [], [], []
    for j in range(n):
        if declared[j] or _is_text(arr[:, j]):
            c, lv = encode_categorical(arr[:, j], j, name)
            codes.append(c)
            kinds.append(CATEGORICAL)
            levels.append({"levels": lv, "ordered": False})
            continue
        if _is_bool(arr[:, j]):  # True/False values: a Bernoulli flag
            codes.append(arr[:, j].astype("float64"))
            kinds.append(BOOL)
            levels.append(None)
            continue
        try:
            codes.append(arr[:, j].astype("float64"))
        except (TypeError, ValueError):
            raise _not_numbers(arr[:, j], j, name) from None
        kinds.append(NUMERIC)
        levels.append(None)
    return np.column_stack(codes), kinds, levels


def decode_levels(codes: np.ndarray, info: dict) -> np.ndarray:
    """Level values (an object array) of a categorical column's codes."""
    levels = np.empty(len(info["levels"]), dtype=object)
    levels[:] = info["levels"]
    return levels[np.rint(codes).astype(int)]
