"""Random affine augmentation of image minibatches, for VAEs fitted on tiny
image classes.

A VAE fitted on 40 images memorises them and decodes little else. Showing it
each image slightly shifted, rotated and rescaled every epoch teaches the
decoder the small deformations that real class members differ by, so
generated samples vary the way real ones do. Plain numpy and scipy, seeded by
the caller's generator.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage


class RandomAffine:
    """Draw one random small affine transform per image.

    Parameters
    ----------
    max_shift : float, default=0.08
        Largest translation, as a fraction of the image side.
    max_rotation : float, default=12.0
        Largest rotation in degrees.
    max_scale : float, default=0.1
        Largest relative zoom in or out.

    Examples
    --------
    >>> import numpy as np
    >>> aug = RandomAffine()
    >>> batch = np.zeros((4, 8, 8), dtype="float32")
    >>> aug(batch, np.random.default_rng(0)).shape
    (4, 8, 8)
    """

    def __init__(
        self,
        max_shift: float = 0.08,
        max_rotation: float = 12.0,
        max_scale: float = 0.1,
    ):
        self.max_shift = float(max_shift)
        self.max_rotation = float(max_rotation)
        self.max_scale = float(max_scale)

    def __call__(self, images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Transformed copies of ``images`` (n, H, W) or (n, H, W, C)."""
        images = np.asarray(images)
        h, w = images.shape[1:3]
        centre = np.array([(h - 1) / 2, (w - 1) / 2])
        out = np.empty_like(images)
        n = len(images)
        angles = np.deg2rad(rng.uniform(-self.max_rotation, self.max_rotation, n))
        scales = 1.0 + rng.uniform(-self.max_scale, self.max_scale, n)
        shifts = rng.uniform(-self.max_shift, self.max_shift, (n, 2)) * [h, w]
        for i in range(n):
            c, s = np.cos(angles[i]), np.sin(angles[i])
            # affine_transform maps output coordinates to input ones, so this
            # is the inverse of "rotate, scale, then shift" about the centre.
            inverse = np.array([[c, s], [-s, c]]) / scales[i]
            offset = centre - inverse @ (centre + shifts[i])
            if images.ndim == 3:
                out[i] = ndimage.affine_transform(
                    images[i], inverse, offset, order=1, mode="nearest"
                )
            else:
                for ch in range(images.shape[3]):
                    out[i, ..., ch] = ndimage.affine_transform(
                        images[i, ..., ch], inverse, offset, order=1, mode="nearest"
                    )
        return out

    def get_config(self) -> dict:
        return {
            "max_shift": self.max_shift,
            "max_rotation": self.max_rotation,
            "max_scale": self.max_scale,
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.get_config().items())
        return f"RandomAffine({args})"
