"""Per-class fidelity rows: column shapes, column pair trends, boundary and
category adherence for tables; k-NN precision, recall, density, coverage and
FID in the image judge's feature space for images."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from smrt_keras.evaluation import frechet_distance
from smrt_keras.report import metrics


def _label(value):
    return value.item() if hasattr(value, "item") else value


def column_shapes(label, real: pd.DataFrame, fake: pd.DataFrame, kinds) -> list:
    """One row per column: KSComplement (numeric) or TVComplement."""
    rows = []
    for col, kind in kinds.items():
        if kind == "numeric":
            metric, score = "KSComplement", metrics.ks_complement(real[col], fake[col])
        else:
            metric, score = "TVComplement", metrics.tv_complement(real[col], fake[col])
        rows.append(
            {"class": _label(label), "column": col, "metric": metric, "score": score}
        )
    return rows


def column_pair_trends(label, real, fake, kinds) -> list:
    """One row per pair of columns: CorrelationSimilarity of two numeric
    columns, else ContingencySimilarity."""
    rows = []
    for a, b in combinations(list(kinds), 2):
        pair = (kinds[a] == "numeric", kinds[b] == "numeric")
        pair_kinds = tuple("numeric" if p else "categorical" for p in pair)
        both = pair == (True, True)
        score = metrics.pair_similarity(real[[a, b]], fake[[a, b]], pair_kinds)
        rows.append(
            {
                "class": _label(label),
                "column_1": a,
                "column_2": b,
                "metric": "CorrelationSimilarity" if both else "ContingencySimilarity",
                "score": score,
            }
        )
    return rows


def adherence(label, real, fake, kinds, numeric: bool) -> list:
    """One row per numeric column (BoundaryAdherence) or per other column
    (CategoryAdherence)."""
    rows = []
    for col, kind in kinds.items():
        if (kind == "numeric") != numeric:
            continue
        if numeric:
            score = metrics.boundary_adherence(real[col], fake[col])
        else:
            score = metrics.category_adherence(real[col], fake[col])
        rows.append({"class": _label(label), "column": col, "score": score})
    return rows


def table_fidelity(label, real, fake, kinds) -> dict:
    """Every table fidelity property's rows for class ``label``."""
    out = {
        "Column Shapes": column_shapes(label, real, fake, kinds),
        "Column Pair Trends": column_pair_trends(label, real, fake, kinds),
        "Boundary Adherence": adherence(label, real, fake, kinds, True),
        "Category Adherence": adherence(label, real, fake, kinds, False),
    }
    return {name: rows for name, rows in out.items() if rows}


def image_fidelity(label, real_features, fake_features) -> dict:
    """The image fidelity row of class ``label``: precision, recall, density
    and coverage with k = 5 (fewer for a class of six images or less), FID,
    and the score: the mean of precision, recall and coverage (density and
    FID are not bounded by 1)."""
    k = int(min(5, len(real_features) - 1, len(fake_features) - 1))
    got = metrics.prdc(real_features, fake_features, k=max(k, 1))
    got["fid"] = frechet_distance(real_features, fake_features)
    score = float(np.mean([got["precision"], got["recall"], got["coverage"]]))
    return {"Image Fidelity": [{"class": _label(label), **got, "k": k, "score": score}]}
