"""Input checks: what X and y may be, with errors that name the argument and
the value. The description of valid input (and the way back to it) is in
:mod:`smrt_keras.spec`."""

from __future__ import annotations

import numpy as np
from sklearn.utils.multiclass import type_of_target

from smrt_keras import tables
from smrt_keras.rows import chunks
from smrt_keras.settings import PIXEL_RANGES
from smrt_keras.spec import InputSpec, is_dataframe, is_series


def _is_sparse(obj) -> bool:
    return hasattr(obj, "tocsr") or type(obj).__module__.startswith("scipy.sparse")


def _check_numeric(dtype, what: str):
    if dtype.kind == "b" or np.issubdtype(dtype, np.number):
        if np.issubdtype(dtype, np.complexfloating):
            raise ValueError(
                f"Complex data not supported: {what} has dtype {dtype}; SMRT "
                "needs real numbers (split real and imaginary parts into columns)."
            )
        return
    raise TypeError(
        f"{what} must be numeric or bool; got dtype {dtype}. Name its categorical "
        "or text columns in categorical_features, or pass a DataFrame."
    )


def check_X(
    X, name: str = "X", categorical_features=None, input_kind: str = "auto"
) -> tuple[np.ndarray, InputSpec]:
    """Validate ``X`` and return it as float64 plus its :class:`InputSpec`.

    Accepts 2-D arrays and DataFrames (tabular) and 3-D/4-D arrays (image
    batches ``(N, H, W)`` or ``(N, H, W, C)``, or arrays of that shape read
    as tables: ``input_kind``, see :func:`input_kind_of`). Categorical and
    bool columns of a table come back as codes (:mod:`smrt_keras.tables`):
    DataFrame columns by their dtype, array columns as
    ``categorical_features`` says.
    """
    if X is None:
        raise ValueError(f"{name} is required; got {name}=None.")
    if _is_sparse(X):
        raise TypeError(
            f"{name} is a sparse matrix ({type(X).__name__}); SMRT's VAEs need "
            f"dense input. Pass {name}.toarray() if it fits in memory."
        )
    if is_dataframe(X):
        arr, kinds, levels = tables.frame_columns(X, name, categorical_features)
        spec = InputSpec(
            kind="dataframe",
            sample_shape=(X.shape[1],),
            dtype="float64",
            columns=list(X.columns),
            column_dtypes=[str(dt) for dt in X.dtypes],
            column_kinds=kinds,
            levels=levels,
        )
    else:
        arr = np.asarray(X)
        if not hasattr(X, "dtype") and arr.dtype.kind in "US":
            # Rows of numbers and text: numpy would make every value text.
            arr = np.asarray(X, dtype=object)
        arr, spec = _check_array(arr, name, categorical_features)
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: got {name} with shape {arr.shape}.")
    if 0 in arr.shape[1:]:
        raise ValueError(
            f"{name} has 0 feature(s) (shape={arr.shape}) while a minimum of 1 is "
            "required."
        )
    _check_finite(arr, spec, name)
    spec.input_kind, spec.input_reason = input_kind_of(
        arr, np.dtype(spec.dtype), input_kind, name
    )
    return arr, spec


def _value_range(arr: np.ndarray) -> tuple[float, float]:
    lows, highs = zip(*((c.min(), c.max()) for c in chunks(arr)), strict=True)
    return float(min(lows)), float(max(highs))


def input_kind_of(
    arr: np.ndarray, dtype: np.dtype, input_kind: str = "auto", name: str = "X"
) -> tuple[str, str]:
    """``("image" | "table", why)``: the path a checked ``arr`` takes.

    A 2-D ``arr`` is a table. Of a 3-D or 4-D one, ``input_kind="auto"``
    takes integer or bool ``dtype`` (the caller's, before any cast) and
    floats within a pixel range (:data:`~smrt_keras.settings.PIXEL_RANGES`:
    [0, 1] or [0, 255]) as images (conv VAE, pixels scaled to [0, 1],
    Bernoulli likelihood); other floats (standardised values, signals) as a
    table of ``H * W [* C]`` features with a Gaussian likelihood, given back
    in the caller's shape. ``"image"`` or ``"table"`` choose the path.
    """
    if arr.ndim == 2:
        if input_kind == "image":
            raise ValueError(
                f"input_kind='image' needs an image batch (N, H, W) or (N, H, W, "
                f"C); got {name} with shape {arr.shape}."
            )
        return "table", f"{name} is 2-D: a table"
    what = f"{name} is a {arr.ndim}-D {dtype} array"
    if input_kind != "auto":
        return input_kind, f"{what}, taken as {input_kind}s: input_kind={input_kind!r}"
    if dtype.kind in "biu":
        return "image", f"{what} of whole numbers: images"
    lo, hi = _value_range(arr)
    seen = f"values in [{lo:.4g}, {hi:.4g}]"
    for low, high in PIXEL_RANGES:
        if low <= lo and hi <= high:
            return "image", f"{what} with {seen}, a pixel range: images"
    return "table", (
        f"{what} with {seen}, outside the pixel ranges [0, 1] and [0, 255]: "
        "fitted as a table (dense VAE, Gaussian likelihood) and given back in "
        "its shape; pass input_kind='image' for the image path"
    )


def _check_array(arr: np.ndarray, name: str, categorical_features):
    if arr.ndim not in (2, 3, 4):
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features) or an image batch "
            f"(N, H, W) / (N, H, W, C); got {name} with shape {arr.shape}"
            + (
                ". Reshape a single feature with X.reshape(-1, 1)."
                if arr.ndim == 1
                else "."
            )
        )
    if categorical_features is not None and arr.ndim != 2:
        raise ValueError(
            f"categorical_features needs a 2-D {name}; got shape {arr.shape}."
        )
    if categorical_features is not None or (arr.dtype == object and arr.ndim == 2):
        codes, kinds, levels = tables.array_columns(arr, name, categorical_features)
        spec = InputSpec("array", (arr.shape[1],), str(arr.dtype))
        if any(k != tables.NUMERIC for k in kinds):
            spec.column_kinds, spec.levels = kinds, levels
        if arr.dtype == object:  # each column's own type, to give it back
            spec.column_dtypes = [
                tables.object_column_dtype(arr[:, j], kinds[j])
                for j in range(arr.shape[1])
            ]
        return codes, spec
    _check_numeric(arr.dtype, name)
    spec = InputSpec(
        kind="array", sample_shape=tuple(arr.shape[1:]), dtype=str(arr.dtype)
    )
    # Floats are used where they lie (a big array or a read-only memmap is
    # never copied; nothing downstream writes to it); other numbers become
    # float64.
    if arr.dtype in (np.float32, np.float64):
        return arr, spec
    return arr.astype("float64"), spec


def _check_finite(arr: np.ndarray, spec: InputSpec, name: str) -> None:
    # Chunk by chunk: a whole-array mask would be a quarter of a float32 X.
    if all(np.isfinite(chunk).all() for chunk in chunks(arr)):
        return
    n_bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
    where = ""
    if arr.ndim == 2:
        bad = np.flatnonzero(~np.all(np.isfinite(arr), axis=0))
        names = [spec.columns[j] if spec.columns else int(j) for j in bad[:5]]
        where = f" (in column(s) {', '.join(repr(c) for c in names)})"
    raise ValueError(
        f"{name} contains {n_bad} NaN or infinite value(s){where}; impute or drop "
        "them before resampling."
    )


def label_kind(value) -> str:
    """Name of a label's Python type family: bool, int, float, str or other."""
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, np.integer)):
        return "int"
    if isinstance(value, (float, np.floating)):
        return "float"
    if isinstance(value, str):
        return "str"
    return type(value).__name__


def _is_missing(value) -> bool:
    """None, NaN, or pandas' NA and NaT."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    return isinstance(value, (float, np.floating)) and value != value


def _missing_labels(count: int, name: str) -> ValueError:
    return ValueError(
        f"{name} has {count} missing label(s) (NaN or None); drop those rows "
        "or give them a label."
    )


def _check_float_labels(y_arr: np.ndarray, name: str) -> None:
    """Float labels: NaN counted as missing, infinities refused, both before
    scikit-learn's target check (whose cast of NaN warns)."""
    missing = int(np.count_nonzero(np.isnan(y_arr)))
    if missing:
        raise _missing_labels(missing, name)
    infinite = int(np.count_nonzero(np.isinf(y_arr)))
    if infinite:
        raise ValueError(
            f"{name} has {infinite} infinite label(s); class labels must be "
            "finite numbers, text or bools."
        )


def _check_one_label_type(values: np.ndarray, name: str) -> None:
    missing = sum(_is_missing(v) for v in values)
    if missing:
        raise _missing_labels(missing, name)
    kinds = {label_kind(v) for v in values}
    if len(kinds) > 1:
        raise TypeError(
            f"{name} mixes label types {sorted(kinds)}; use one type for all labels."
        )


def _is_one_vs_all(y_arr: np.ndarray) -> bool:
    if y_arr.dtype.kind not in "biu" or y_arr.shape[0] == 0:
        return False
    return type_of_target(y_arr) == "multilabel-indicator" and bool(
        np.all(y_arr.sum(axis=1) == 1)
    )


def check_y(y, n_samples: int, name: str = "y") -> np.ndarray:
    """Validate a classification target of length ``n_samples``."""
    if y is None:
        raise ValueError(
            f"Reconstructor requires {name} to be passed, but the target {name} is "
            f"None; pass the class labels, as fit(X, {name})."
        )
    if _is_sparse(y):
        raise TypeError(f"{name} must be a 1-D array of labels, not a sparse matrix.")
    if is_series(y):
        y_arr = y.to_numpy()
    else:
        if not hasattr(y, "dtype"):
            # Lists: numpy would silently turn [1, "a"] into ["1", "a"].
            _check_one_label_type(np.asarray(y, dtype=object).ravel(), name)
        y_arr = np.asarray(y)
    if y_arr.ndim == 2 and y_arr.shape[1] == 1:
        y_arr = y_arr.ravel()
    elif y_arr.ndim == 2 and _is_one_vs_all(y_arr):
        y_arr = y_arr.argmax(
            axis=1
        )  # binarized classes, as imbalanced-learn reads them
    if y_arr.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D (one label per sample) or one-vs-all (one 1 per "
            f"row); got shape {y_arr.shape}. Multilabel and multioutput targets "
            "are not supported."
        )
    if len(y_arr) != n_samples:
        raise ValueError(
            f"X and {name} have different lengths: X has {n_samples} samples, "
            f"{name} has {len(y_arr)}."
        )
    if y_arr.dtype == object:
        _check_one_label_type(y_arr, name)
    elif y_arr.dtype.kind == "f":
        _check_float_labels(y_arr, name)
    try:
        target_type = type_of_target(y_arr)
    except ValueError as exc:
        raise ValueError(f"{name} is not a valid classification target: {exc}") from exc
    if target_type not in ("binary", "multiclass"):
        raise ValueError(
            f"Unknown label type: {name} must hold class labels (binary or "
            f"multiclass); got a "
            f"'{target_type}' target"
            + (
                " (floats that are not whole numbers look like regression)."
                if target_type.startswith("continuous")
                else "."
            )
        )
    return y_arr


def target_name(y) -> str | int | None:
    """The name of a labelled ``y``: a Series' name or a one-column
    DataFrame's column, if it is text or an int; else None."""
    if is_series(y):
        name = y.name
    elif is_dataframe(y) and y.shape[1] == 1:
        name = y.columns[0]
    else:
        return None
    if isinstance(name, (bool, np.bool_)) or not isinstance(
        name, (str, int, np.integer)
    ):
        return None
    return name if isinstance(name, str) else int(name)
