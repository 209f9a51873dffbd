"""
MNIST zeros from 1:100 data
===========================

The original SMRT demo: balance MNIST zeros against ones at about 1:100 and
look at the zeros SMRT makes. This needs the MNIST file (``SMRT_MNIST_PATH``
or ``keras.datasets``) and minutes of training, so the documentation shows it
without running it; ``notebooks/mnist_walkthrough.ipynb`` is the full
walkthrough with its outputs and measurements.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from smrt_keras import Reconstructor
from smrt_keras.datasets import load_mnist

(X, y), _ = load_mnist()
keep = (y == 0) | (y == 1)
X, y = X[keep], y[keep]
rng = np.random.default_rng(0)
zeros = np.flatnonzero(y == 0)
drop = rng.choice(
    zeros, size=len(zeros) - len(np.flatnonzero(y == 1)) // 100, replace=False
)
X, y = np.delete(X, drop, axis=0), np.delete(y, drop)
print("zeros:", int((y == 0).sum()), "ones:", int((y == 1).sum()))

# %%
# Every new zero synthetic: fit_resample's image default is augmented copies of
# real images (ROS+aug), which no synthetic share has beaten yet.
smrt = Reconstructor(random_state=0, verbose=1, synthetic_fraction=1.0)
X_res, y_res = smrt.fit_resample(X, y)
new_zeros = X_res[len(X) :][:16]

fig, axes = plt.subplots(2, 8, figsize=(8, 2))
for ax, image in zip(axes.ravel(), new_zeros, strict=True):
    ax.imshow(image, cmap="gray")
    ax.axis("off")
fig.suptitle("zeros made by SMRT from about 60 real ones")
