"""What the caller's input looked like, and the way back to it.

:class:`InputSpec` records the container, sample shape and dtypes of ``X``;
:class:`OutputRestorer` turns generated float64 rows back into that container,
like imbalanced-learn's ``ArraysTransformer``. This is the only place outputs
are reshaped, cast or wrapped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from smrt_keras.tables import decode_levels


def is_dataframe(obj) -> bool:
    return type(obj).__name__ == "DataFrame" and hasattr(obj, "columns")


def is_series(obj) -> bool:
    return type(obj).__name__ == "Series" and hasattr(obj, "name")


@dataclass
class InputSpec:
    """What the user's X looked like, so outputs can look the same."""

    kind: str  # "array" or "dataframe"
    sample_shape: tuple[int, ...]
    dtype: str  # numpy dtype of the array (arrays only)
    columns: list[Any] = field(default_factory=list)
    column_dtypes: list[str] = field(default_factory=list)
    #: Per column "numeric", "bool" or "categorical"; empty: all numeric.
    column_kinds: list[str] = field(default_factory=list)
    #: Per column ``{"levels": [...], "ordered": bool}`` if categorical, else None.
    levels: list[Any] = field(default_factory=list)
    #: The name of ``y`` (a Series' name, a one-column DataFrame's column),
    #: kept so that generated labels can be written under it; else None.
    target: str | int | None = None
    #: ``"image"`` or ``"table"``: the path the fit took (empty in saves that
    #: predate it: then images are the arrays of 3 or more dimensions).
    input_kind: str = ""
    #: Why that path was taken, in words (``Reconstructor.input_kind_reason_``).
    input_reason: str = ""

    @property
    def is_image(self) -> bool:
        """Whether the samples take the image path (conv VAE, pixel scaling)."""
        if self.input_kind:
            return self.input_kind == "image"
        return len(self.sample_shape) >= 2

    @property
    def is_mixed(self) -> bool:
        """Whether any column is bool or categorical (a mixed-type table)."""
        return any(k != "numeric" for k in self.column_kinds)

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
            **(
                {"column_kinds": list(self.column_kinds), "levels": list(self.levels)}
                if self.is_mixed
                else {}
            ),
            **({} if self.target is None else {"target": self.target}),
            **(
                {"input_kind": self.input_kind, "input_reason": self.input_reason}
                if self.input_kind
                else {}
            ),
        }

    @classmethod
    def from_dict(cls, d: dict) -> InputSpec:
        if d.get("input_kind", "") not in ("", "image", "table"):
            raise ValueError(
                f"input_kind must be 'image' or 'table'; got {d['input_kind']!r}."
            )
        try:
            shape = tuple(int(s) for s in d["sample_shape"])
        except (TypeError, ValueError) as exc:
            raise ValueError(f"input.sample_shape: {exc}") from None
        return cls(
            kind=d["kind"],
            sample_shape=shape,
            dtype=d["dtype"],
            columns=list(d.get("columns", [])),
            column_dtypes=list(d.get("column_dtypes", [])),
            column_kinds=list(d.get("column_kinds", [])),
            levels=list(d.get("levels", [])),
            target=d.get("target"),
            input_kind=str(d.get("input_kind", "")),
            input_reason=str(d.get("input_reason", "")),
        )


def _cast(values: np.ndarray, dtype) -> np.ndarray:
    # Integers are rounded (values were already kept to the class's
    # bounds), bools thresholded at 0.5, floats keep their precision.
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return values >= 0.5
    if np.issubdtype(dtype, np.integer):
        return np.rint(values).astype(dtype)
    return values.astype(dtype, copy=False)


def _sparse_column(values: np.ndarray, dtype: str):
    """A pandas sparse column (dtype text ``Sparse[float64, 0]``) from values."""
    import pandas as pd

    subtype, fill = dtype[len("Sparse[") : -1].split(", ")
    sub = np.dtype(subtype)
    values = _cast(values, sub)
    # The fill value as the text wrote it, so the dtype reads back the same.
    fill = re.sub(r"^np\.\w+\((.*)\)$", r"\1", fill)  # np.float64(0.0) -> 0.0
    fill_value = json.loads(
        {"nan": "NaN", "True": "true", "False": "false"}.get(fill, fill)
    )
    return pd.arrays.SparseArray(values, fill_value=fill_value, dtype=sub)


def _cast_column(values: np.ndarray, dtype: str):
    if dtype.startswith("Sparse["):
        return _sparse_column(values, dtype)
    try:
        np_dtype = np.dtype(dtype)
    except TypeError:
        np_dtype = None
    if np_dtype is not None:
        return _cast(values, np_dtype)
    import pandas as pd  # pandas extension dtypes (Int64, boolean, Float32 ...)

    kind = pd.api.types.pandas_dtype(dtype)
    if pd.api.types.is_bool_dtype(kind):
        values = values >= 0.5
    elif pd.api.types.is_integer_dtype(kind):
        values = np.rint(values)
    return pd.array(values, dtype=kind)


def _category_column(codes: np.ndarray, dtype: str, info: dict):
    """A categorical column's values from codes, in its original dtype: a
    Categorical with the same categories, or the level values."""
    import pandas as pd

    if dtype == "category":
        return pd.Categorical.from_codes(
            np.rint(codes).astype(int),
            categories=info["levels"],
            ordered=info["ordered"],
        )
    values = decode_levels(codes, info)
    try:
        return pd.array(values, dtype=dtype)
    except (TypeError, ValueError):
        return values


class OutputRestorer:
    """Give generated rows back in the caller's container, shape and dtypes.

    Parameters
    ----------
    spec : InputSpec
        What ``X`` looked like at fit.

    Examples
    --------
    >>> spec = InputSpec(kind="array", sample_shape=(2,), dtype="int64")
    >>> OutputRestorer(spec).samples(np.array([[0.6, 2.4]]))
    array([[1, 2]])
    """

    def __init__(self, spec: InputSpec):
        self.spec = spec

    def samples(self, X: np.ndarray):
        """Float64 rows ``(n, n_features)`` as an array or DataFrame like ``X``."""
        spec = self.spec
        X = X.reshape((len(X), *spec.sample_shape))
        if spec.kind == "array":
            if spec.is_mixed or spec.dtype == "object":
                return self._array(X)
            return _cast(X, spec.dtype)
        import pandas as pd

        levels = spec.levels or [None] * len(spec.columns)
        data = {
            col: _cast_column(X[:, j], dt)
            if info is None
            else _category_column(X[:, j], dt, info)
            for j, (col, dt, info) in enumerate(
                zip(spec.columns, spec.column_dtypes, levels, strict=True)
            )
        }
        return pd.DataFrame(data, columns=spec.columns)

    def _array(self, X: np.ndarray) -> np.ndarray:
        # A 2-D array with categorical columns: level values in its dtype.
        spec = self.spec
        out = np.empty(X.shape, dtype=object)
        levels = spec.levels or [None] * X.shape[1]
        dtypes = spec.column_dtypes or [None] * X.shape[1]
        for j, (info, dtype) in enumerate(zip(levels, dtypes, strict=True)):
            if info is not None:
                out[:, j] = decode_levels(X[:, j], info)
            elif dtype in ("bool", "int64"):  # an object array's ints and flags
                out[:, j] = _cast(X[:, j], dtype).tolist()
            else:
                out[:, j] = X[:, j]
        kind = np.dtype(self.spec.dtype).kind
        if kind == "O":
            return out
        if kind in "US":  # a text array: every value back as text
            return out.astype(str)
        return _cast(out.astype("float64"), self.spec.dtype)

    def resampled(self, X, y: np.ndarray, X_new: np.ndarray, y_new: np.ndarray):
        """``X`` as given followed by the synthetic rows, in ``X``'s type (a
        list stays a list), and the 1-D labels ``y`` followed by ``y_new``."""
        synthetic = self.samples(X_new)
        if self.spec.kind == "dataframe":
            import pandas as pd

            X_res = pd.concat([X.reset_index(drop=True), synthetic], ignore_index=True)
        else:
            lists = isinstance(X, (list, tuple))
            given = np.asarray(X, dtype=self.spec.dtype if lists else None)
            X_res = np.concatenate([given, synthetic])
            if lists:
                X_res = X_res.tolist()
        return X_res, np.concatenate([y, y_new.astype(y.dtype, copy=False)])
