"""The report's pictures, as PNG bytes: per-column marginals, a PCA
embedding per class, image grids and the efficacy bars (matplotlib)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from smrt_keras.plot import _pyplot, image_grid, png_bytes

#: Columns drawn in a class's marginals figure.
MAX_COLUMNS = 12
#: Points per side in an embedding.
MAX_POINTS = 1000
#: Levels drawn per categorical column.
MAX_LEVELS = 10
REAL, FAKE = "#1f77b4", "#ff7f0e"


def _text(value) -> str:
    """A label for matplotlib with ``$`` kept literal (no mathtext)."""
    return str(value).replace("$", r"\$")


def _png(fig) -> bytes:
    plt = _pyplot()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _marginal(ax, real: pd.Series, fake: pd.Series, numeric: bool) -> None:
    if numeric:
        r = real.to_numpy(dtype="float64")
        f = fake.to_numpy(dtype="float64")
        both = np.concatenate([r, f])
        bins = np.histogram_bin_edges(both[np.isfinite(both)], bins=20)
        ax.hist(r, bins=bins, density=True, alpha=0.55, color=REAL, label="real")
        ax.hist(f, bins=bins, density=True, alpha=0.55, color=FAKE, label="synthetic")
        return
    r = real.astype(object).astype(str).value_counts(normalize=True)
    f = fake.astype(object).astype(str).value_counts(normalize=True)
    levels = list(r.index[:MAX_LEVELS])
    x = np.arange(len(levels))
    ax.bar(x - 0.2, r.reindex(levels).fillna(0), 0.4, color=REAL, label="real")
    ax.bar(x + 0.2, f.reindex(levels).fillna(0), 0.4, color=FAKE, label="synthetic")
    ax.set_xticks(x, [_text(v)[:12] for v in levels], rotation=45, fontsize=7)


def marginals(real: pd.DataFrame, fake: pd.DataFrame, kinds: dict) -> bytes:
    """Real and synthetic distributions of a class's first
    :data:`MAX_COLUMNS` columns, one small plot each."""
    plt = _pyplot()
    columns = list(kinds)[:MAX_COLUMNS]
    cols = min(4, len(columns))
    rows = int(np.ceil(len(columns) / cols))
    fig, axes = plt.subplots(
        rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False
    )
    for ax, col in zip(axes.flat, columns, strict=False):
        _marginal(ax, real[col], fake[col], kinds[col] == "numeric")
        ax.set_title(_text(col)[:30], fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(columns) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    return _png(fig)


def embedding(real: np.ndarray, fake: np.ndarray, title: str) -> bytes:
    """Real and synthetic rows of a class (encoded) on the first two
    principal components of the real rows."""
    from sklearn.decomposition import PCA

    plt = _pyplot()
    rng = np.random.default_rng(0)
    real = real if len(real) <= MAX_POINTS else real[rng.choice(len(real), MAX_POINTS)]
    fake = fake if len(fake) <= MAX_POINTS else fake[rng.choice(len(fake), MAX_POINTS)]
    pca = PCA(n_components=min(2, real.shape[1], len(real))).fit(real)
    a, b = pca.transform(real), pca.transform(fake)
    if a.shape[1] == 1:
        a, b = np.c_[a, np.zeros(len(a))], np.c_[b, np.zeros(len(b))]
    fig, ax = plt.subplots(figsize=(4.2, 3.6))
    ax.scatter(a[:, 0], a[:, 1], s=10, alpha=0.6, color=REAL, label="real")
    ax.scatter(
        b[:, 0], b[:, 1], s=10, alpha=0.5, marker="x", color=FAKE, label="synthetic"
    )
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    ax.set_title(_text(title), fontsize=9)
    ax.legend(fontsize=7)
    return _png(fig)


def images(rows: list[np.ndarray], scale: int = 3) -> bytes:
    """Rows of images tiled into one grayscale PNG
    (:func:`~smrt_keras.plot.image_grid`)."""
    return png_bytes(image_grid([np.asarray(r)[:10] for r in rows], pad=2), scale=scale)


def efficacy_bars(table: pd.DataFrame, metrics) -> bytes:
    """Each method's mean of each metric over the folds, with the
    fold-to-fold standard deviation as error bars."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    width = 0.8 / len(table)
    x = np.arange(len(metrics))
    for i, row in enumerate(table.itertuples(index=False)):
        row = row._asdict()
        means = [row[f"{key}_mean"] for key, _ in metrics]
        stds = [row[f"{key}_std"] for key, _ in metrics]
        ax.bar(x + i * width, means, width, yerr=stds, capsize=2, label=row["method"])
    ax.set_xticks(x + 0.4 - width / 2, [name for _, name in metrics])
    ax.set_ylim(0, 1.05)
    ax.legend(
        fontsize=7, ncols=len(table), loc="lower center", bbox_to_anchor=(0.5, 1.0)
    )
    return _png(fig)
