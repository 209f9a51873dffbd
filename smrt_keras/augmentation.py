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

#: The augmentation SMRT trains tiny image classes with (``RandomAffine``
#: arguments): the default affine range plus a mild elastic distortion. The
#: benchmarks' "ROS+aug" baseline applies the same transform to duplicated
#: images, so the two differ only in the VAE.
AUGMENTATION: dict = {"elastic": 0.08}


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
    elastic : float, default=0.0
        Strength of an elastic distortion (Simard et al., 2003): a random
        displacement field smoothed by a Gaussian of ``elastic_sigma`` times
        the side, scaled by ``elastic`` times the side. 0 turns it off.
    elastic_sigma : float, default=0.15
        Smoothness of the elastic field, as a fraction of the image side.

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
        elastic: float = 0.0,
        elastic_sigma: float = 0.15,
    ):
        self.max_shift = float(max_shift)
        self.max_rotation = float(max_rotation)
        self.max_scale = float(max_scale)
        self.elastic = float(elastic)
        self.elastic_sigma = float(elastic_sigma)

    def __call__(self, images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Transformed copies of ``images`` (n, H, W) or (n, H, W, C)."""
        images = np.asarray(images)
        # Work on (n, H, W, C) so gray and colour images share one loop.
        stack = images if images.ndim == 4 else images[..., None]
        n, h, w, channels = stack.shape
        centre = np.array([(h - 1) / 2, (w - 1) / 2])
        out = np.empty_like(stack)
        angles = np.deg2rad(rng.uniform(-self.max_rotation, self.max_rotation, n))
        scales = 1.0 + rng.uniform(-self.max_scale, self.max_scale, n)
        shifts = rng.uniform(-self.max_shift, self.max_shift, (n, 2)) * [h, w]
        grid = np.indices((h, w), dtype=np.float64).reshape(2, -1)
        side = min(h, w)
        for i in range(n):
            c, s = np.cos(angles[i]), np.sin(angles[i])
            # Output pixel -> input coordinate: the inverse of "rotate and
            # scale about the centre, then shift".
            inverse = np.array([[c, s], [-s, c]]) / scales[i]
            coords = inverse @ (grid - (centre + shifts[i])[:, None]) + centre[:, None]
            if self.elastic > 0:
                field = rng.uniform(-1, 1, (2, h, w))
                field = np.stack(
                    [
                        ndimage.gaussian_filter(f, self.elastic_sigma * side)
                        for f in field
                    ]
                )
                # Normalise so the strongest displacement is `elastic * side`.
                field *= self.elastic * side / max(np.abs(field).max(), 1e-12)
                coords = coords + field.reshape(2, -1)
            for ch in range(channels):
                out[i, ..., ch] = ndimage.map_coordinates(
                    stack[i, ..., ch], coords, order=1, mode="nearest"
                ).reshape(h, w)
        return out if images.ndim == 4 else out[..., 0]

    def get_config(self) -> dict:
        return {
            "max_shift": self.max_shift,
            "max_rotation": self.max_rotation,
            "max_scale": self.max_scale,
            "elastic": self.elastic,
            "elastic_sigma": self.elastic_sigma,
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.get_config().items())
        return f"RandomAffine({args})"
