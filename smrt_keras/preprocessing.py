"""The per-class scaler that travels with each generator.

Plain numpy with a JSON-able state, so a saved generator needs no pickle.
"""

from __future__ import annotations

import numpy as np

SCALER_KINDS = ("minmax", "standard")


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
    ``inverse_transform`` clips to the range observed at fit time, so generated
    values never leave the class's observed support, and constant features come
    back exactly constant.
    """

    def __init__(self, kind: str = "minmax", per_feature: bool = True):
        if kind not in SCALER_KINDS:
            raise ValueError(f"kind must be one of {SCALER_KINDS}; got kind={kind!r}.")
        self.kind = kind
        self.per_feature = bool(per_feature)

    def fit(self, X: np.ndarray) -> FeatureScaler:
        X = np.asarray(X, dtype="float64").reshape(len(X), -1)
        axis = 0 if self.per_feature else None
        self.min_ = np.atleast_1d(X.min(axis=axis))
        self.max_ = np.atleast_1d(X.max(axis=axis))
        if self.kind == "minmax":
            self.offset_ = self.min_
            self.scale_ = self.max_ - self.min_
        else:
            self.offset_ = np.atleast_1d(X.mean(axis=axis))
            self.scale_ = np.atleast_1d(X.std(axis=axis))
        # A zero scale would divide by zero; constant features map to 0.
        self.scale_ = np.where(self.scale_ > 0, self.scale_, 1.0)
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
        np.minimum(out, self.max_, out=out)
        np.maximum(out, self.min_, out=out)
        return out.reshape(np.shape(Z))

    def to_dict(self) -> dict:
        """JSON-able state (used in the saved manifest)."""
        return {
            "kind": self.kind,
            "per_feature": self.per_feature,
            "min": self.min_.tolist(),
            "max": self.max_.tolist(),
            "offset": self.offset_.tolist(),
            "scale": self.scale_.tolist(),
        }

    @classmethod
    def from_dict(cls, state: dict) -> FeatureScaler:
        scaler = cls(state["kind"], state["per_feature"])
        for key in ("min", "max", "offset", "scale"):
            values = np.asarray(state[key], dtype="float64")
            if values.ndim != 1 or not np.all(np.isfinite(values)):
                raise ValueError(f"scaler parameter {key!r} is not a finite 1-D list.")
            setattr(scaler, f"{key}_", values)
        return scaler

    def __repr__(self) -> str:
        return f"FeatureScaler(kind={self.kind!r}, per_feature={self.per_feature})"
