""":class:`QualityReport`: the measurements, read as SDMetrics' reports are."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

#: Fidelity properties: their mean is the overall score.
FIDELITY = (
    "Column Shapes",
    "Column Pair Trends",
    "Boundary Adherence",
    "Category Adherence",
    "Image Fidelity",
)
#: The other properties, with the detail column that holds their score.
OTHER = {
    "DCR Baseline Protection": ("memorisation", "score"),
    "DCR Overfitting Protection": ("memorisation", "score"),
    "Border Share": ("border", "smrt"),
}
#: The columns of the memorisation rows each DCR property shows.
DCR_COLUMNS = {
    "DCR Baseline Protection": (
        ["class", "synthetic_rows", "median_dcr_synthetic", "median_dcr_random"],
        "baseline_protection",
    ),
    "DCR Overfitting Protection": (
        [
            "class", "synthetic_rows", "holdout_rows", "closer_to_train",
            "median_dcr_synthetic", "median_dcr_holdout", "dcr_ratio",
            "output_noise", "dcr_ratio_without_noise",
        ],
        "overfitting_protection",
    ),
}  # fmt: skip
EFFICACY = "Downstream Efficacy"


def _class_means(frame: pd.DataFrame, column: str = "score") -> float:
    """Mean over classes of each class's mean (each class weighs the same)."""
    per_class = frame.groupby("class", sort=False)[column].mean()
    return float(per_class.mean()) if per_class.notna().any() else float("nan")


class QualityReport:
    """Per-class quality of synthetic rows, from :func:`quality_report`.

    Read it with :meth:`get_score`, :meth:`get_properties` and
    :meth:`get_details`; keep it with :meth:`save_html` and :meth:`to_dict`.
    """

    def __init__(self, view, parts: dict, efficacy: pd.DataFrame | None, meta: dict):
        self.view = view
        self.parts = parts
        self.efficacy = efficacy
        self.meta = meta
        self._details = self._collect()

    def _collect(self) -> dict:
        details: dict = {}
        for part in self.parts.values():
            for name, rows in part["fidelity"].items():
                details.setdefault(name, []).extend(rows)
        details["Border Share"] = [p["border"] for p in self.parts.values()]
        frames = {name: pd.DataFrame(rows) for name, rows in details.items()}
        memo = pd.DataFrame([p["memorisation"][0] for p in self.parts.values()])
        for name, (columns, score) in DCR_COLUMNS.items():
            frames[name] = memo[columns].assign(score=memo[score])
        if self.efficacy is not None:
            frames[EFFICACY] = self.efficacy
        return frames

    def get_properties(self) -> pd.DataFrame:
        """One row per property: ``Property``, ``Score`` (mean over classes),
        ``Better`` (``"higher"`` or ``"lower"``) and ``In score`` (whether the
        overall score averages it: the fidelity properties)."""
        rows = []
        for name in FIDELITY:
            if name in self._details:
                score = _class_means(self._details[name])
                rows.append((name, score, "higher", True))
        for name, (_, column) in OTHER.items():
            better = "lower" if name == "Border Share" else "higher"
            rows.append(
                (name, _class_means(self._details[name], column), better, False)
            )
        if self.efficacy is not None:
            smrt = self.efficacy.set_index("method").loc["smrt"]
            rows.append(
                (EFFICACY, float(smrt["balanced_accuracy_mean"]), "higher", False)
            )
        return pd.DataFrame(rows, columns=["Property", "Score", "Better", "In score"])

    def get_score(self) -> float:
        """The overall score in [0, 1]: the mean of the fidelity properties'
        scores (column shapes, pair trends, boundary and category adherence for
        tables; image fidelity for images)."""
        props = self.get_properties()
        return float(props.loc[props["In score"], "Score"].mean())

    def get_details(self, property_name: str) -> pd.DataFrame:
        """The rows behind one property: per class, and per column or column
        pair where it applies; the efficacy table per method.

        Raises
        ------
        ValueError
            For a property this report does not have; the message lists them.
        """
        if property_name not in self._details:
            raise ValueError(
                f"property_name {property_name!r} is not in this report; it has "
                f"{list(self._details)}."
            )
        return self._details[property_name].copy()

    def properties_with_details(self) -> list:
        """The names :meth:`get_details` accepts, in the report's order."""
        return list(self._details)

    def closest_pairs(self, label) -> list:
        """Class ``label``'s synthetic rows closest to a training row:
        ``[(synthetic, training, distance), ...]``, closest first."""
        return list(self.parts[label]["memorisation"][1])

    def to_dict(self) -> dict:
        """Everything in plain JSON types (``nan`` as ``None``)."""
        return _plain(
            {
                "score": self.get_score(),
                "properties": self.get_properties().to_dict(orient="records"),
                "details": {
                    name: frame.to_dict(orient="records")
                    for name, frame in self._details.items()
                },
                "meta": self.meta,
            }
        )

    def save_html(self, path: str | Path) -> Path:
        """Write the report as one self-contained HTML file (styles and
        pictures inline, nothing fetched), atomically: the whole page is built
        first and replaces ``path`` in one step. Needs matplotlib."""
        from smrt_keras.report.page import render, write_atomic

        return write_atomic(Path(path), render(self, Path(path).name))

    def __repr__(self) -> str:
        classes = self.meta["classes"]
        return f"QualityReport(score={self.get_score():.3f}, classes={classes})"


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
