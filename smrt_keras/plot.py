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


def write_png(path: str | Path, image: np.ndarray, scale: int = 1) -> Path:
    """Write a 2-D uint8 array as an 8-bit grayscale PNG, upscaled ``scale`` x."""
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

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
    path = Path(path)
    path.write_bytes(png)
    return path
