"""The per-class scaler (and, for mixed-type tables, codec) that travels with
each generator.

Plain numpy with a JSON-able state, so a saved generator needs no pickle.
"""

from __future__ import annotations

import numpy as np

from smrt_keras.rows import CHUNK_ROWS, chunks

SCALER_KINDS = ("minmax", "standard")


def _flat64(chunk) -> np.ndarray:
    return np.asarray(chunk, dtype="float64").reshape(len(chunk), -1)


def _chunked_moments(X, axis) -> tuple:
    """``(min, max, mean, std)`` of ``X`` in two chunked passes (float64
    sums; the second pass takes squared deviations from the mean)."""
    lo = hi = total = None
    for chunk in chunks(X):
        flat = _flat64(chunk)
        c_lo, c_hi, c_sum = flat.min(axis=axis), flat.max(axis=axis), flat.sum(axis)
        first = lo is None
        lo = c_lo if first else np.minimum(lo, c_lo)
        hi = c_hi if first else np.maximum(hi, c_hi)
        total = c_sum if first else total + c_sum
    count = len(X) * (1 if axis == 0 else int(np.prod(X.shape[1:])))
    mean = total / count
    squares = sum(((_flat64(c) - mean) ** 2).sum(axis) for c in chunks(X))
    return lo, hi, mean, np.sqrt(squares / count)


class FeatureScaler:
    """Scale features for a VAE's likelihood and invert it for generated data.

    Parameters
    ----------
    kind : {"minmax", "standard"}
        ``"minmax"`` maps to [0, 1] (Bernoulli likelihood); ``"standard"`` to
        zero mean, unit variance (Gaussian likelihood).
    per_feature : bool, default=True
        One set of statistics per feature (tabular data) or a single global
        one (images, where a per-pixel scale would blow up the noise of nearly
        constant border pixels).

    Notes
    -----
    ``inverse_transform`` keeps generated values inside bounds fitted on the
    class, and constant features come back exactly constant. For tables
    (``per_feature=True``) the bounds are the observed range widened by one
    average gap between sorted members, ``(max - min) / (n - 1)`` (so a
    draw is as likely to land past the observed extremes as a new real
    member is), but never across zero (a column that is never negative stays
    so); values beyond them are reflected back in (boundary reflection, as in
    kernel density estimation). Clipping instead piled 13-25 % of a small
    class's generated values exactly onto its min and max. For images,
    and for scalers saved before bounds existed, values are clipped to the
    observed range.
    """

    def __init__(self, kind: str = "minmax", per_feature: bool = True):
        if kind not in SCALER_KINDS:
            raise ValueError(f"kind must be one of {SCALER_KINDS}; got kind={kind!r}.")
        self.kind = kind
        self.per_feature = bool(per_feature)

    def fit(self, X: np.ndarray) -> FeatureScaler:
        """Fit on ``X`` (an array or a :class:`~smrt_keras.rows.Rows` view;
        large inputs are read chunk by chunk, never copied whole)."""
        axis = 0 if self.per_feature else None
        if len(X) <= CHUNK_ROWS:  # small: in one piece, exactly as always
            flat = _flat64(X)
            lo, hi = flat.min(axis=axis), flat.max(axis=axis)
            minmax = self.kind == "minmax"
            mean, std = (None, None) if minmax else (flat.mean(axis), flat.std(axis))
        else:
            lo, hi, mean, std = _chunked_moments(X, axis)
        self.min_, self.max_ = np.atleast_1d(lo), np.atleast_1d(hi)
        if self.kind == "minmax":
            self.offset_ = self.min_
            self.scale_ = self.max_ - self.min_
        else:
            self.offset_, self.scale_ = np.atleast_1d(mean), np.atleast_1d(std)
        # A zero scale would divide by zero; constant features map to 0.
        self.scale_ = np.where(self.scale_ > 0, self.scale_, 1.0)
        if self.per_feature:
            self.lower_, self.upper_ = widened_bounds(self.min_, self.max_, len(X))
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        flat = np.asarray(X, dtype="float64").reshape(len(X), -1)
        out = (flat - self.offset_) / self.scale_
        if self.kind == "minmax":
            out = np.clip(out, 0.0, 1.0)
        return out.reshape(np.shape(X)).astype("float32")

    def inverse_transform(self, Z: np.ndarray) -> np.ndarray:
        flat = np.asarray(Z).reshape(len(Z), -1)
        # One float64 allocation, then in place: generated batches are large.
        out = np.multiply(flat, self.scale_, dtype="float64")
        out += self.offset_
        if getattr(self, "lower_", None) is not None:
            reflect(out, self.lower_, self.upper_)
        else:
            np.minimum(out, self.max_, out=out)
            np.maximum(out, self.min_, out=out)
        return out.reshape(np.shape(Z))

    def to_dict(self) -> dict:
        """JSON-able state (used in the saved manifest)."""
        state = {
            "kind": self.kind,
            "per_feature": self.per_feature,
            "min": self.min_.tolist(),
            "max": self.max_.tolist(),
            "offset": self.offset_.tolist(),
            "scale": self.scale_.tolist(),
        }
        if getattr(self, "lower_", None) is not None:
            state.update(lower=self.lower_.tolist(), upper=self.upper_.tolist())
        return state

    @classmethod
    def from_dict(cls, state: dict) -> FeatureScaler:
        scaler = cls(state["kind"], state["per_feature"])
        bounds = ("lower", "upper") if "lower" in state else ()
        for key in ("min", "max", "offset", "scale", *bounds):
            try:
                values = np.asarray(state[key], dtype="float64")
            except (TypeError, ValueError) as exc:
                raise ValueError(f"scaler parameter {key!r}: {exc}") from None
            if values.ndim != 1 or not np.all(np.isfinite(values)):
                raise ValueError(f"scaler parameter {key!r} is not a finite 1-D list.")
            setattr(scaler, f"{key}_", values)
        return scaler

    def __repr__(self) -> str:
        return f"FeatureScaler(kind={self.kind!r}, per_feature={self.per_feature})"


def widened_bounds(lo: np.ndarray, hi: np.ndarray, n: int):
    """The observed range ``[lo, hi]`` of ``n`` members widened by one average
    gap on each side, without crossing zero."""
    gap = (hi - lo) / max(n - 1, 1)
    lower = np.where(lo >= 0, np.maximum(lo - gap, 0.0), lo - gap)
    upper = np.where(hi <= 0, np.minimum(hi + gap, 0.0), hi + gap)
    return lower, upper


def reflect(values: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
    """Fold ``values`` (rows, in place) into ``[lower, upper]`` per column by
    reflecting at the bounds, as often as needed; zero-width columns become
    their bound."""
    width = upper - lower
    safe = np.where(width > 0, width, 1.0)
    # Reflection is a triangle wave of period twice the width.
    phase = np.mod(values - lower, 2.0 * safe)
    np.minimum(phase, 2.0 * safe - phase, out=phase)
    np.add(lower, np.where(width > 0, phase, 0.0), out=values)


class TableCodec:
    """Encode one class of a mixed-type table for a VAE, and decode its output.

    Rows come in as codes (:func:`smrt_keras.tables.encode_columns`): numbers,
    0/1 for bool columns and level indices for categorical ones. The VAE sees
    the numeric columns standardised (one Gaussian span), each bool column as
    one 0/1 flag (Bernoulli) and each categorical column one-hot over the
    levels *this class* shows (a softmax). A categorical column with a single
    level in the class is left out of the VAE and comes back as that level, so
    a generated category is always one the class showed. A ``"levels"``
    column is a numeric one with few distinct values (codes 0-3, counts 0-5;
    :func:`smrt_keras.recipe.resolve_column_kinds`): modelled as a categorical
    over the values the class shows and decoded to those values, not to a
    Gaussian rounded afterwards. A ``"skewed"`` (heavy-tailed) column enters
    the Gaussian span as ``sign(x) log(1 + |x| / s)``, ``s`` the class's median
    absolute non-zero value, and a ``"zeros"`` (mostly zero) one as that value
    of its non-zero rows plus a Bernoulli flag for "not zero": a point mass at
    zero, so a generated row is exactly 0 or a value of the class's spread.

    Parameters
    ----------
    kinds : sequence of {"numeric", "skewed", "zeros", "levels", "bool", \
"categorical"}
        The kind of each column, from the input spec or the recipe.

    Examples
    --------
    >>> codes = np.array([[1.5, 1, 0], [2.5, 0, 2], [2.0, 1, 2]])
    >>> codec = TableCodec(["numeric", "bool", "categorical"]).fit(codes)
    >>> codec.column_types
    [['gaussian', 1], ['bernoulli', 1], ['categorical', 2]]
    >>> codec.inverse_transform(codec.transform(codes))[:, 1:]
    array([[1., 0.],
           [0., 2.],
           [1., 2.]])
    """

    kind = "table"
    per_feature = True

    def __init__(self, kinds):
        self.kinds = [str(k) for k in kinds]

    def _index(self, kind: str) -> list[int]:
        return [j for j, k in enumerate(self.kinds) if k == kind]

    def _gaussian(self) -> list[int]:
        # Columns of the Gaussian span, in column order.
        return [j for j, k in enumerate(self.kinds) if k in GAUSSIAN_KINDS]

    def _flags(self) -> list[int]:
        # "zeros" columns whose class shows both zeros and other values.
        return [j for j in self._index("zeros") if 0 < self.nonzero_[j] < 1]

    def _forward(self, X: np.ndarray) -> np.ndarray:
        """The Gaussian span's columns before standardising."""
        out = X[:, self._gaussian()].copy()
        for i, j in enumerate(self._gaussian()):
            if j in self.log_scale_:
                out[:, i] = _signed_log(out[:, i], self.log_scale_[j])
            if self.kinds[j] == "zeros":  # zeros carry no value: the mean's
                out[X[:, j] == 0, i] = self.fill_[j]
        return out

    def fit(self, X: np.ndarray) -> TableCodec:
        X = np.asarray(X, dtype="float64")
        self.log_scale_, self.fill_, self.nonzero_ = {}, {}, {}
        for j in self._index("skewed") + self._index("zeros"):
            values = np.abs(X[:, j][X[:, j] != 0])
            self.log_scale_[j] = float(np.median(values)) if len(values) else 1.0
        for j in self._index("zeros"):
            nonzero = X[:, j] != 0
            self.nonzero_[j] = float(nonzero.mean())
            logged = _signed_log(X[nonzero, j], self.log_scale_[j])
            self.fill_[j] = float(logged.mean()) if len(logged) else 0.0
        forward = self._forward(X)
        self.scaler_ = FeatureScaler("standard").fit(forward) if forward.size else None
        # Bool columns are level codes 0/1, so a constant one is a one-level
        # column: left out of the VAE and restored exactly.
        self.levels_ = {
            j: _level_values(np.unique(X[:, j]), kind)
            for j, kind in enumerate(self.kinds)
            if kind in LEVEL_KINDS
        }
        return self

    def _one_hot(self) -> list[int]:
        # Categorical and levels columns with 2+ levels, in column order.
        return sorted(self._modelled("categorical") + self._modelled("levels"))

    def _modelled(self, kind: str) -> list[int]:
        # Columns of ``kind`` the VAE sees: all numeric ones, and the bool and
        # categorical ones with more than one level in the class.
        if kind == "numeric":
            return self._index("numeric")
        return [j for j in self._index(kind) if len(self.levels_[j]) > 1]

    @property
    def column_types(self) -> list[list]:
        """The VAE's ``column_types``: the spans of :meth:`transform`'s output."""
        spans = [["gaussian", len(self._gaussian())]]
        spans += [["bernoulli", 1] for _ in self._modelled("bool") + self._flags()]
        spans += [["categorical", len(self.levels_[j])] for j in self._one_hot()]
        return [s for s in spans if s[1] > 0]

    @property
    def width(self) -> int:
        """Number of VAE inputs per row."""
        return sum(w for _, w in self.column_types)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Codes ``(n, n_columns)`` -> the VAE's float32 input ``(n, width)``.

        A level the class never showed (rows of another class, encoded for the
        directed kde modes) gets an all-zero block."""
        X = np.asarray(X, dtype="float64").reshape(len(X), -1)
        parts = [np.zeros((len(X), 0))]
        if self.scaler_ is not None:
            parts.append(self.scaler_.transform(self._forward(X)))
        parts += [X[:, [j]] for j in self._modelled("bool")]
        parts += [X[:, [j]] != 0 for j in self._flags()]
        for j in self._one_hot():
            parts.append(_round(X[:, [j]], self.kinds[j]) == self.levels_[j][None, :])
        return np.concatenate(parts, axis=1).astype("float32")

    def inverse_transform(self, Z: np.ndarray) -> np.ndarray:
        """The VAE's output (means, probabilities or draws) -> float64 codes.

        Bool columns are 1 where their probability is at least 1/2 and each
        categorical column takes its most probable level: the mode, or the
        drawn value when the output is a draw (``output_noise``).
        """
        Z = np.asarray(Z).reshape(len(Z), -1)
        out = np.empty((len(Z), len(self.kinds)))
        start = len(gauss := self._gaussian())
        if gauss:
            out[:, gauss] = self._backward(self.scaler_.inverse_transform(Z[:, :start]))
        for j, levels in self.levels_.items():
            if len(levels) == 1:
                out[:, j] = levels[0]
        for j in self._modelled("bool"):
            out[:, j] = Z[:, start] >= 0.5
            start += 1
        for j in self._index("zeros"):  # a flag, or the class's only case
            flag = Z[:, start] >= 0.5 if j in self._flags() else self.nonzero_[j] > 0
            out[:, j] *= flag
            start += j in self._flags()
        for j in self._one_hot():
            levels = self.levels_[j]
            out[:, j] = levels[np.argmax(Z[:, start : start + len(levels)], axis=1)]
            start += len(levels)
        return out

    def _backward(self, values: np.ndarray) -> np.ndarray:
        """Undo the log of the skewed and zeros columns (Gaussian span)."""
        for i, j in enumerate(self._gaussian()):
            if j in self.log_scale_:
                v = values[:, i]
                values[:, i] = np.sign(v) * np.expm1(np.abs(v)) * self.log_scale_[j]
        return values

    def to_dict(self) -> dict:
        """JSON-able state (used in the saved manifest)."""
        out = {
            "kind": self.kind,
            "kinds": list(self.kinds),
            "numeric": None if self.scaler_ is None else self.scaler_.to_dict(),
            "levels": [[j, v.tolist()] for j, v in sorted(self.levels_.items())],
        }
        # Pairs [column, value], as for the levels; absent in older saves.
        for key in ("log_scale", "fill", "nonzero"):
            if values := getattr(self, key + "_"):
                out[key] = [[j, v] for j, v in sorted(values.items())]
        return out

    @classmethod
    def from_dict(cls, state: dict) -> TableCodec:
        codec = cls(state["kinds"])
        num = state["numeric"]
        codec.scaler_ = None if num is None else FeatureScaler.from_dict(num)
        # Pairs [column, levels] in column order: a JSON object's keys would
        # come back sorted as text ("10" before "2").
        codec.levels_ = {
            int(j): _level_values(v, codec.kinds[int(j)]) for j, v in state["levels"]
        }
        for key in ("log_scale", "fill", "nonzero"):
            pairs = state.get(key, [])
            setattr(codec, key + "_", {int(j): float(v) for j, v in pairs})
        expected = [j for j, k in enumerate(codec.kinds) if k in LEVEL_KINDS]
        if sorted(codec.levels_) != sorted(expected) or any(
            len(v) == 0 for v in codec.levels_.values()
        ):
            raise ValueError("the table codec's levels do not match its columns.")
        return codec

    def __repr__(self) -> str:
        counts = {k: self.kinds.count(k) for k in (*GAUSSIAN_KINDS, *LEVEL_KINDS)}
        # Kinds the recipe adds are shown only where present (reprs unchanged).
        counts = {k: v for k, v in counts.items() if v or k in _INPUT_KINDS}
        return "TableCodec(" + ", ".join(f"{k}={v}" for k, v in counts.items()) + ")"


#: Column kinds a :class:`TableCodec` keeps a list of levels for.
LEVEL_KINDS = ("levels", "bool", "categorical")
#: Column kinds of its Gaussian span.
GAUSSIAN_KINDS = ("numeric", "skewed", "zeros")
_INPUT_KINDS = ("numeric", "bool", "categorical")


def _signed_log(values: np.ndarray, scale: float) -> np.ndarray:
    # Heavy tails in, a Gaussian-like spread out; odd, so signs survive.
    return np.sign(values) * np.log1p(np.abs(values) / scale)


def _level_values(values, kind: str) -> np.ndarray:
    """A column's levels: the values themselves for ``"levels"`` columns,
    integer codes for bool and categorical ones."""
    return np.asarray(values, dtype="float64" if kind == "levels" else int)


def _round(values: np.ndarray, kind: str) -> np.ndarray:
    # Codes are whole numbers; a levels column's values are matched exactly.
    return values if kind == "levels" else np.rint(values)


def scaler_from_dict(state: dict):
    """A :class:`FeatureScaler` or :class:`TableCodec` from its ``to_dict``."""
    if state.get("kind") == TableCodec.kind:
        return TableCodec.from_dict(state)
    return FeatureScaler.from_dict(state)
