"""Image grids for looking at real and generated samples.

PNG output needs no plotting library: images are tiled with numpy and written
with the standard library's ``zlib``.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def image_grid(rows: Sequence[np.ndarray], pad: int = 1) -> np.ndarray:
    """Tile rows of grayscale images into one uint8 picture.

    Parameters
    ----------
    rows : sequence of arrays, each (n_images, H, W) or (n_images, H, W, 1)
        One array per row; values are min-max scaled per row to 0..255.
    pad : int, default=1
        Pixels of black between images.

    Returns
    -------
    ndarray of uint8, shape (rows * (H + pad) + pad, cols * (W + pad) + pad)
    """
    if not rows:
        raise ValueError("rows must hold at least one array of images.")
    rows = [np.asarray(r, dtype="float64") for r in rows]
    rows = [r[..., 0] if r.ndim == 4 else r for r in rows]
    h, w = rows[0].shape[1:3]
    if any(r.ndim != 3 or r.shape[1:] != (h, w) for r in rows):
        raise ValueError(
            "every row must be (n_images, H, W) with the same H and W; got "
            f"{[r.shape for r in rows]}."
        )
    cols = max(len(r) for r in rows)
    canvas = np.zeros((len(rows) * (h + pad) + pad, cols * (w + pad) + pad))
    for i, row in enumerate(rows):
        lo, hi = (row.min(), row.max()) if row.size else (0.0, 1.0)
        row = (row - lo) / (hi - lo) if hi > lo else np.zeros_like(row)
        for j, img in enumerate(row):
            top, left = pad + i * (h + pad), pad + j * (w + pad)
            canvas[top : top + h, left : left + w] = img
    return np.round(canvas * 255).astype(np.uint8)


#: A 3x5 pixel font (rows top to bottom, bits left to right) for the labels
#: of :func:`labelled_grid`: upper-case letters, digits and a few marks.
_FONT = {
    " ": "000000000000000", "-": "000000111000000", ":": "000010000010000",
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111",
    "3": "111001111001111", "4": "101101111001001", "5": "111100111001111",
    "6": "111100111101111", "7": "111001001001001", "8": "111101111101111",
    "9": "111101111001111", "A": "010101111101101", "B": "110101110101110",
    "C": "111100100100111", "D": "110101101101110", "E": "111100110100111",
    "F": "111100110100100", "G": "111100101101111", "H": "101101111101101",
    "I": "111010010010111", "K": "101101110101101", "L": "100100100100111",
    "M": "101111111101101", "N": "110101101101101", "O": "111101101101111",
    "P": "111101111100100", "R": "110101110101101", "S": "111100111001111",
    "T": "111010010010010", "U": "101101101101111", "V": "101101101101010",
    "W": "101101111111101", "X": "101101010101101", "Y": "101101010010010",
}  # fmt: skip


def text_image(text: str) -> np.ndarray:
    """``text`` in the 3x5 pixel font: a uint8 array of height 5, white
    (255) on black, one blank column between characters; letters are shown
    upper-case and characters without a glyph as blanks."""
    glyphs = [_FONT.get(c, _FONT[" "]) for c in text.upper()]
    out = np.zeros((5, max(4 * len(glyphs) - 1, 0)), dtype=np.uint8)
    for k, bits in enumerate(glyphs):
        glyph = np.array([int(b) for b in bits], dtype=np.uint8).reshape(5, 3)
        out[:, 4 * k : 4 * k + 3] = glyph * 255
    return out


def labelled_grid(
    rows: Sequence[np.ndarray], labels: Sequence[str], pad: int = 1
) -> np.ndarray:
    """:func:`image_grid` with ``labels[i]`` written left of row ``i`` (in
    the 3x5 font of :func:`text_image`, centred on rows at least 5 pixels
    high; cut to the row on smaller ones)."""
    if len(labels) != len(rows):
        raise ValueError(
            f"labels must name each of the {len(rows)} rows; got {len(labels)}."
        )
    grid = image_grid(rows, pad)
    h = (grid.shape[0] - pad) // len(rows) - pad
    texts = [text_image(label) for label in labels]
    margin = max(t.shape[1] for t in texts) + 2
    out = np.zeros((grid.shape[0], margin + grid.shape[1]), dtype=np.uint8)
    out[:, margin:] = grid
    for i, text in enumerate(texts):
        top = pad + i * (h + pad) + max((h - 5) // 2, 0)
        block = text[: min(5, h)]
        out[top : top + len(block), 1 : 1 + text.shape[1]] = block
    return out


def png_bytes(image: np.ndarray, scale: int = 1) -> bytes:
    """A 2-D uint8 array as the bytes of an 8-bit grayscale PNG, upscaled
    ``scale`` x."""
    image = np.asarray(image)
    if image.ndim != 2 or image.dtype != np.uint8:
        raise ValueError(
            f"image must be a 2-D uint8 array; got shape {image.shape}, dtype "
            f"{image.dtype}."
        )
    if scale > 1:
        image = np.kron(image, np.ones((scale, scale), dtype=np.uint8))
    height, width = image.shape
    raw = b"".join(b"\x00" + image[r].tobytes() for r in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return (
            struct.pack(">I", len(data))
            + body
            + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def write_png(path: str | Path, image: np.ndarray, scale: int = 1) -> Path:
    """Write a 2-D uint8 array as an 8-bit grayscale PNG, upscaled ``scale`` x."""
    png = png_bytes(image, scale)
    path = Path(path)
    path.write_bytes(png)
    return path


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "smrt_keras.plot's figures need matplotlib: pip install "
            "'smrt-keras[plot]' (image_grid and write_png work without it)."
        ) from None
    return plt


def compare_rows(
    real: np.ndarray,
    smrt: np.ndarray,
    smote: np.ndarray | None = None,
    n: int = 10,
    path: str | Path | None = None,
):
    """The original SMRT figure: rows of real, SMRT and (optionally) SMOTE images.

    Parameters
    ----------
    real, smrt, smote : arrays of images (n_images, H, W[, 1]) or flat rows that
        reshape to square images
    n : int, default=10
        Images per row.
    path : str or Path, optional
        Save the figure there (PNG) as well as returning it.

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = _pyplot()
    rows = {"real": real, "SMRT": smrt}
    if smote is not None:
        rows["SMOTE"] = smote
    images = []
    for name, arr in rows.items():
        arr = np.asarray(arr, dtype="float64")[:n]
        if arr.ndim == 2:
            side = int(round(np.sqrt(arr.shape[1])))
            if side * side != arr.shape[1]:
                raise ValueError(
                    f"{name} rows have {arr.shape[1]} features, which is not a square "
                    "image; pass images shaped (n, H, W)."
                )
            arr = arr.reshape(len(arr), side, side)
        images.append(arr)
    grid = image_grid(images, pad=2)
    h = images[0].shape[1] + 2
    fig, ax = plt.subplots(figsize=(1.0 * n, 1.1 * len(images)))
    ax.imshow(grid, cmap="gray")
    ax.set_yticks([2 + h * i + h // 2 for i in range(len(images))], list(rows))
    ax.set_xticks([])
    if path is not None:
        fig.savefig(path, dpi=100, bbox_inches="tight")
    return fig


def projection_scatter(
    X_real: np.ndarray,
    X_synthetic: np.ndarray,
    path: str | Path | None = None,
    labels: tuple[str, str] = ("real", "synthetic"),
):
    """2-D PCA projection of real vs synthetic tabular rows.

    The projection is fitted on the real rows (standardised), so synthetic points
    that leave the real cloud show as such.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    plt = _pyplot()
    real = np.asarray(X_real, dtype="float64").reshape(len(X_real), -1)
    fake = np.asarray(X_synthetic, dtype="float64").reshape(len(X_synthetic), -1)
    scaler = StandardScaler().fit(real)
    pca = PCA(n_components=2).fit(scaler.transform(real))
    a = pca.transform(scaler.transform(real))
    b = pca.transform(scaler.transform(fake))
    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.scatter(a[:, 0], a[:, 1], s=12, alpha=0.7, label=labels[0])
    ax.scatter(b[:, 0], b[:, 1], s=12, alpha=0.5, marker="x", label=labels[1])
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    ax.legend()
    if path is not None:
        fig.savefig(path, dpi=100, bbox_inches="tight")
    return fig
