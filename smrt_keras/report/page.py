"""The report as one self-contained HTML page: inline styles, pictures as
base64 PNG, no scripts, nothing fetched. Every piece of text that comes from
the data or the caller (column names, labels, values, the file name) passes
:func:`html.escape`."""

from __future__ import annotations

import base64
import html
import math
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from smrt_keras.report import figures
from smrt_keras.report.data import Encoder
from smrt_keras.report.efficacy import METRICS

#: Rows of a details table shown in the page (all are in ``to_dict``).
MAX_TABLE_ROWS = 60

STYLE = """
body{font-family:system-ui,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1100px;
color:#222}
h1{margin-bottom:0}h2{border-bottom:2px solid #ddd;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3}td.t,th.t{text-align:left}
.score{font-size:40px;font-weight:bold;color:#1f6f3f}
.note{color:#555;font-size:13px;max-width:900px}
.wide{overflow-x:auto;max-width:100%}
img{max-width:100%;border:1px solid #eee;margin:4px 0}
"""

NOTES = {
    "Column Shapes": "Per column: 1 - Kolmogorov-Smirnov statistic (numeric) or "
    "1 - total variation distance of the category shares (SDMetrics' "
    "KSComplement and TVComplement). 1 = same distribution.",
    "Column Pair Trends": "Per pair of columns: 1 - |r_real - r_synthetic| / 2 "
    "(Pearson) for two numeric columns, else 1 - total variation distance of "
    "the joint frequencies, numeric columns in 10 bins.",
    "Boundary Adherence": "Share of synthetic values inside the class's observed "
    "[min, max].",
    "Category Adherence": "Share of synthetic values among the categories the "
    "class showed.",
    "Image Fidelity": "In the feature space of a small CNN fitted on the real "
    "images: k-NN precision, recall, density and coverage (Naeem et al. 2020) "
    "and FID. The score is the mean of precision, recall and coverage.",
    "DCR Baseline Protection": "Median distance of synthetic rows to the closest "
    "training row over that of random rows (SDMetrics' DCRBaselineProtection, "
    "capped at 1). Near 0: synthetic rows sit on training rows.",
    "DCR Overfitting Protection": "min(2 x (1 - share of synthetic rows closer to a "
    "training row than to a held-out row), 1) (SDMetrics). dcr_ratio: median "
    "distance of synthetic rows to the training rows over that of held-out real "
    "rows; about 1 means as far as new real data, near 0 copies. "
    "output_noise: the class's output noise; dcr_ratio_without_noise: the "
    "ratio of the decoded means alone, so the two show what the noise does. "
    "SDMetrics "
    "advises a holdout at least half the size of the training rows: a smaller "
    "one sits further from any row, which alone lowers the score.",
    "Border Share": "Share of synthetic rows whose nearest real row belongs to "
    "another class: SMRT's, SMOTE's on the same data, and the real rows' own. "
    "Lower keeps classes apart.",
    "Downstream Efficacy": "Stratified cross-validation, the same folds for every "
    "method; mean and fold-to-fold standard deviation. smrt_vs_*: SMRT against "
    "that method; a difference inside the larger fold spread is a tie.",
}


def esc(value) -> str:
    """Text for the page: formatted numbers, everything else escaped."""
    if isinstance(value, (float, np.floating)):
        return "n/a" if not math.isfinite(value) else f"{value:.3f}"
    return html.escape(str(value), quote=True)


def table(frame: pd.DataFrame, max_rows: int = MAX_TABLE_ROWS) -> str:
    """A DataFrame as an HTML table, every cell escaped."""
    text_cols = [not pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    head = "".join(
        f'<th class="{"t" if t else ""}">{esc(c)}</th>'
        for c, t in zip(frame.columns, text_cols, strict=True)
    )
    body = []
    for row in frame.head(max_rows).itertuples(index=False):
        cells = "".join(
            f'<td class="{"t" if t else ""}">{esc(v)}</td>'
            for v, t in zip(row, text_cols, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    more = len(frame) - max_rows
    tail = f'<p class="note">{more} more rows in to_dict().</p>' if more > 0 else ""
    rows = "".join(body)
    return f"<div class='wide'><table><tr>{head}</tr>{rows}</table></div>{tail}"


def picture(png: bytes, alt: str) -> str:
    """A PNG inline, as a data URI."""
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{esc(alt)}" src="data:image/png;base64,{data}">'


def _class_pictures(report, label, encode) -> str:
    real, fake = report.parts[label]["samples"]
    title = f"class {label!r}"
    parts = [f"<h3>{esc(title)}</h3>"]
    if report.view.is_image:
        parts.append("<p class='note'>Top row: real; bottom row: synthetic.</p>")
        parts.append(picture(figures.images([real, fake]), f"{title} images"))
    else:
        png = figures.marginals(real, fake, report.view.kinds)
        parts.append(picture(png, f"{title} marginals"))
    png = figures.embedding(encode(real), encode(fake), f"{title}: PCA of real rows")
    parts.append(picture(png, f"{title} embedding"))
    return "".join(parts)


def _pairs(report, label) -> str:
    pairs = report.closest_pairs(label)
    if not pairs:
        return ""
    head = f"<h3>{esc(f'class {label!r}: closest synthetic-training pairs')}</h3>"
    if report.view.is_image:
        fake = np.concatenate([p[0] for p in pairs])
        train = np.concatenate([p[1] for p in pairs])
        note = "<p class='note'>Top: synthetic; bottom: its closest training image.</p>"
        return head + note + picture(figures.images([fake, train]), "closest pairs")
    rows = []
    for fake, train, distance in pairs:
        rows.append(pd.concat([fake, train], ignore_index=True))
        rows[-1].insert(0, "row", ["synthetic", "closest training"])
        rows[-1].insert(1, "DCR", [distance, distance])
    return head + table(pd.concat(rows, ignore_index=True))


def _section(report, name: str) -> str:
    frame = report.get_details(name)
    out = [f"<h2>{esc(name)}</h2>", f"<p class='note'>{esc(NOTES.get(name, ''))}</p>"]
    if name == "Downstream Efficacy":
        out.append(picture(figures.efficacy_bars(frame, METRICS), "efficacy bars"))
        out.append(f"<p class='note'>{esc(_meta_line(report.meta))}</p>")
    out.append(table(frame))
    if name == "DCR Overfitting Protection":
        out.extend(_pairs(report, label) for label in report.parts)
    return "".join(out)


def _meta_line(meta: dict) -> str:
    return f"{meta.get('cv')} folds; classifier: {meta.get('classifier')}"


def render(report, filename: str) -> str:
    """The whole page of ``report``; ``filename`` appears in its title."""
    encode = Encoder(report.view)
    props = report.get_properties()
    body = [
        f"<h1>SMRT quality report</h1><p class='note'>{esc(filename)} - classes "
        f"{esc(', '.join(report.meta['classes']))}</p>",
        f"<div class='score'>{esc(report.get_score())}</div>",
        "<p class='note'>Overall score: the mean of the fidelity properties "
        "(1 = the synthetic rows match the class).</p>",
        table(props),
        "<h2>Real and synthetic, per class</h2>",
        *(_class_pictures(report, label, encode) for label in report.parts),
        *(_section(report, name) for name in report.properties_with_details()),
    ]
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{esc(filename)} - SMRT quality report</title>"
        f"<style>{STYLE}</style></head><body>{''.join(body)}</body></html>"
    )


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder,
    so that ``path`` is either the old file or the whole new one."""
    if not path.parent.is_dir():
        raise FileNotFoundError(f"path: folder {str(path.parent)!r} does not exist.")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as open() would make it, not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
