"""Input checks for the facade, and the inverse: giving results back in the
container, shape and dtypes the user handed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.utils.multiclass import type_of_target

#: How ``generate`` draws latent codes (see ``Reconstructor(generation=...)``).
GENERATION_MODES = ("prior", "posterior", "interpolate", "kde")


def _is_dataframe(obj) -> bool:
    return type(obj).__name__ == "DataFrame" and hasattr(obj, "columns")


def _is_series(obj) -> bool:
    return type(obj).__name__ == "Series" and hasattr(obj, "name")


def _is_sparse(obj) -> bool:
    return hasattr(obj, "tocsr") or type(obj).__module__.startswith("scipy.sparse")


def _check_numeric(dtype, what: str):
    if dtype.kind == "b" or np.issubdtype(dtype, np.number):
        if np.issubdtype(dtype, np.complexfloating):
            raise TypeError(f"{what} must be real-valued; got dtype {dtype}.")
        return
    raise TypeError(
        f"{what} must be numeric or bool; got dtype {dtype}. Encode categorical or "
        "text features as numbers first."
    )


@dataclass
class InputSpec:
    """What the user's X looked like, so outputs can look the same."""

    kind: str  # "array" or "dataframe"
    sample_shape: tuple[int, ...]
    dtype: str  # numpy dtype of the array (arrays only)
    columns: list[Any] = field(default_factory=list)
    column_dtypes: list[str] = field(default_factory=list)

    @property
    def is_image(self) -> bool:
        return len(self.sample_shape) >= 2

    @property
    def n_features(self) -> int:
        return int(np.prod(self.sample_shape))

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "sample_shape": list(self.sample_shape),
            "dtype": self.dtype,
            "columns": [
                c if isinstance(c, (str, int)) else str(c) for c in self.columns
            ],
            "column_dtypes": list(self.column_dtypes),
        }

    @classmethod
    def from_dict(cls, d: dict) -> InputSpec:
        return cls(
            kind=d["kind"],
            sample_shape=tuple(int(s) for s in d["sample_shape"]),
            dtype=d["dtype"],
            columns=list(d.get("columns", [])),
            column_dtypes=list(d.get("column_dtypes", [])),
        )


def check_X(X, name: str = "X") -> tuple[np.ndarray, InputSpec]:
    """Validate ``X`` and return it as float64 plus its :class:`InputSpec`.

    Accepts 2-D arrays and DataFrames (tabular) and 3-D/4-D arrays (image
    batches ``(N, H, W)`` or ``(N, H, W, C)``).
    """
    if X is None:
        raise ValueError(f"{name} is required; got {name}=None.")
    if _is_sparse(X):
        raise TypeError(
            f"{name} is a sparse matrix ({type(X).__name__}); SMRT's VAEs need "
            f"dense input. Pass {name}.toarray() if it fits in memory."
        )
    if _is_dataframe(X):
        from pandas.api.types import is_bool_dtype, is_complex_dtype, is_numeric_dtype

        for col, dt in zip(X.columns, X.dtypes, strict=True):
            if not (is_numeric_dtype(dt) or is_bool_dtype(dt)) or is_complex_dtype(dt):
                raise TypeError(
                    f"{name} column {col!r} has dtype {dt}; SMRT needs numeric or "
                    "bool features. Encode categorical or text columns first."
                )
        spec = InputSpec(
            kind="dataframe",
            sample_shape=(X.shape[1],),
            dtype="float64",
            columns=list(X.columns),
            column_dtypes=[str(dt) for dt in X.dtypes],
        )
        arr = X.to_numpy(dtype="float64", na_value=np.nan)
    else:
        arr = np.asarray(X)
        _check_numeric(arr.dtype, name)
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
        spec = InputSpec(
            kind="array", sample_shape=tuple(arr.shape[1:]), dtype=str(arr.dtype)
        )
        arr = arr.astype("float64")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: got {name} with shape {arr.shape}.")
    if 0 in arr.shape[1:]:
        raise ValueError(f"{name} has no features: got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        n_bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{name} contains {n_bad} NaN or infinite value(s); impute or drop them "
            "before resampling."
        )
    return arr, spec


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


def _check_one_label_type(values: np.ndarray, name: str) -> None:
    kinds = {label_kind(v) for v in values}
    if len(kinds) > 1:
        raise TypeError(
            f"{name} mixes label types {sorted(kinds)}; use one type for all labels."
        )


def check_y(y, n_samples: int, name: str = "y") -> np.ndarray:
    """Validate a classification target of length ``n_samples``."""
    if y is None:
        raise ValueError(f"{name} is required; got {name}=None.")
    if _is_sparse(y):
        raise TypeError(f"{name} must be a 1-D array of labels, not a sparse matrix.")
    if _is_series(y):
        y_arr = y.to_numpy()
    else:
        if not hasattr(y, "dtype"):
            # Lists: numpy would silently turn [1, "a"] into ["1", "a"].
            _check_one_label_type(np.asarray(y, dtype=object).ravel(), name)
        y_arr = np.asarray(y)
    if y_arr.ndim == 2 and y_arr.shape[1] == 1:
        y_arr = y_arr.ravel()
    if y_arr.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D (one label per sample); got shape {y_arr.shape}. "
            "Multilabel and multi-output targets are not supported."
        )
    if len(y_arr) != n_samples:
        raise ValueError(
            f"X and {name} have different lengths: X has {n_samples} samples, "
            f"{name} has {len(y_arr)}."
        )
    if y_arr.dtype == object:
        _check_one_label_type(y_arr, name)
    try:
        target_type = type_of_target(y_arr)
    except ValueError as exc:
        raise ValueError(f"{name} is not a valid classification target: {exc}") from exc
    if target_type not in ("binary", "multiclass"):
        raise ValueError(
            f"{name} must hold class labels (binary or multiclass); got a "
            f"'{target_type}' target"
            + (
                " (floats that are not whole numbers look like regression)."
                if target_type.startswith("continuous")
                else "."
            )
        )
    return y_arr


def restore_dtypes(X: np.ndarray, spec: InputSpec) -> np.ndarray | Any:
    """Return generated float64 rows in the user's container and dtypes.

    Integer columns are rounded (values were already clipped to the observed
    range), bool columns are thresholded at 0.5, float columns keep their
    precision.
    """

    def cast(values: np.ndarray, dtype) -> np.ndarray:
        dtype = np.dtype(dtype)
        if dtype.kind == "b":
            return values >= 0.5
        if np.issubdtype(dtype, np.integer):
            return np.rint(values).astype(dtype)
        return values.astype(dtype, copy=False)

    X = X.reshape((len(X), *spec.sample_shape))
    if spec.kind == "array":
        return cast(X, spec.dtype)
    import pandas as pd

    data = {}
    for j, (col, dt) in enumerate(zip(spec.columns, spec.column_dtypes, strict=True)):
        try:
            np_dtype = np.dtype(dt)
        except TypeError:
            np_dtype = None
        if np_dtype is not None:
            data[col] = cast(X[:, j], np_dtype)
        else:  # pandas extension dtypes (Int64, boolean, Float32 ...)
            kind = pd.api.types.pandas_dtype(dt)
            col_values = X[:, j]
            if pd.api.types.is_bool_dtype(kind):
                col_values = col_values >= 0.5
            elif pd.api.types.is_integer_dtype(kind):
                col_values = np.rint(col_values)
            data[col] = pd.array(col_values, dtype=kind)
    return pd.DataFrame(data, columns=spec.columns)


def restore_labels(y: np.ndarray, like) -> np.ndarray | Any:
    """Return labels as a Series named like ``like`` when ``like`` is one."""
    if _is_series(like):
        import pandas as pd

        return pd.Series(y, name=like.name, dtype=like.dtype)
    return y
