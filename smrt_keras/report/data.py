"""The report's view of the data: a table as a DataFrame with a kind per
column, or an image batch; the encodings its distances and pictures use."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class View:
    """The real data of a report: ``rows`` (a DataFrame for tables, an array
    of images otherwise), labels ``y`` and, for tables, each column's kind
    (``"numeric"``, ``"bool"`` or ``"categorical"``)."""

    rows: object
    y: np.ndarray
    kinds: dict

    @property
    def is_image(self) -> bool:
        return not isinstance(self.rows, pd.DataFrame)

    def of(self, label) -> object:
        """The real rows of class ``label``."""
        return take(self.rows, np.flatnonzero(self.y == label))


def take(rows, index):
    """Rows ``index`` of a DataFrame (reindexed) or an array."""
    if isinstance(rows, pd.DataFrame):
        return rows.iloc[index].reset_index(drop=True)
    return np.asarray(rows)[index]


def as_rows(X, spec):
    """``X`` as the report handles it: images as an array, a table as a
    DataFrame (an array's columns named ``x0``, ``x1``, ...)."""
    if spec.is_image:
        return np.asarray(X)
    if isinstance(X, pd.DataFrame):
        return X.reset_index(drop=True)
    arr = np.asarray(X)
    return pd.DataFrame(arr, columns=[f"x{j}" for j in range(arr.shape[1])])


def column_kinds(rows: pd.DataFrame, spec) -> dict:
    """Each column's kind, as the reconstructor's input spec recorded it
    (all numeric where it recorded none)."""
    kinds = list(spec.column_kinds) or ["numeric"] * rows.shape[1]
    return dict(zip(rows.columns, kinds, strict=True))


def categorical(kinds: dict) -> list:
    """The columns that are not numeric."""
    return [c for c, k in kinds.items() if k != "numeric"]


class Encoder:
    """Real-valued rows for Euclidean distances and PCA: images flattened
    (scaled to [0, 1] when they hold 0..255); tables with numeric columns
    standardised on the real rows and the others one-hot encoded."""

    def __init__(self, view: View):
        self.view = view
        if view.is_image:
            self.scale = 255.0 if np.asarray(view.rows).max(initial=0) > 1 else 1.0
            return
        nums = [c for c, k in view.kinds.items() if k == "numeric"]
        values = view.rows[nums].to_numpy(dtype="float64")
        self.nums = nums
        self.mean = np.nanmean(values, axis=0) if nums else np.zeros(0)
        std = np.nanstd(values, axis=0) if nums else np.zeros(0)
        self.std = np.where(std > 0, std, 1.0)
        self.levels = {
            c: pd.unique(view.rows[c].astype(object)) for c in categorical(view.kinds)
        }

    def __call__(self, rows) -> np.ndarray:
        if self.view.is_image:
            arr = np.asarray(rows, dtype="float64")
            return arr.reshape(len(arr), -1) / self.scale
        parts = [(rows[self.nums].to_numpy(dtype="float64") - self.mean) / self.std]
        for col, levels in self.levels.items():
            values = rows[col].astype(object).to_numpy()
            parts.append((values[:, None] == levels[None, :]).astype("float64"))
        return np.nan_to_num(np.concatenate(parts, axis=1))
