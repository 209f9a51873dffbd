"""
Quickstart: balance, generate, save and load
============================================

The README's usage, run end to end on a small imbalanced table: resample it
in an imbalanced-learn pipeline, draw more of the minority class at any time,
and share the fitted generators as a directory that any Keras backend loads.
"""

# %%
# An imbalanced problem
# ---------------------
# 600 rows, one class in ten. ``epochs`` is small so that this page builds
# in seconds; the default (200, with early stopping) fits better.
import tempfile
from collections import Counter
from pathlib import Path

import matplotlib.pyplot as plt
from imblearn.pipeline import make_pipeline
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from smrt_keras import Reconstructor

X, y = make_classification(
    n_samples=600, n_features=6, n_informative=4, weights=[0.9], random_state=0
)
print("before:", Counter(y))

# %%
# Resample
# --------
# ``fit_resample`` fits one VAE on the minority class and appends as many
# synthetic rows as the sampling strategy asks for: the originals come first.
smrt = Reconstructor(epochs=20, random_state=0)
X_res, y_res = smrt.fit_resample(X, y)
print("after:", Counter(y_res))
print(smrt)

# %%
# More of a class, any time
# -------------------------
X_new, y_new = smrt.generate(200, label=1, random_state=1)
fig, ax = plt.subplots(figsize=(5, 4))
ax.scatter(*X[y == 0, :2].T, s=6, alpha=0.3, label="class 0")
ax.scatter(*X[y == 1, :2].T, s=12, label="class 1 (real)")
ax.scatter(*X_new[:, :2].T, s=12, marker="x", label="class 1 (SMRT)")
ax.set_xlabel("feature 0")
ax.set_ylabel("feature 1")
ax.legend()
fig.tight_layout()

# %%
# Save and load
# -------------
# A directory holds each class's ``.keras`` model (no optimizer state), its
# latent codes, scaler and recipe; loading checks all of it and continues the
# same generation stream.
with tempfile.TemporaryDirectory() as tmp:
    path = smrt.save(Path(tmp) / "generators")
    print(sorted(p.name for p in path.iterdir()))
    loaded = Reconstructor.load(path)
    print(
        "same samples:",
        (
            loaded.generate(3, random_state=5)[0] == smrt.generate(3, random_state=5)[0]
        ).all(),
    )

# %%
# In a pipeline
# -------------
# Samplers run at fit time only: the classifier trains on the balanced data,
# predictions are made on the data as it comes.
pipe = make_pipeline(Reconstructor(epochs=20, random_state=0), LogisticRegression())
pipe.fit(X, y)
print("training accuracy:", round(pipe.score(X, y), 3))
