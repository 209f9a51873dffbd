"""Writes the format-1 fixtures: a Reconstructor saved by smrt-keras 0.1.0
(commit 3761807^, the last with the 0.1.0 layout) under one Keras backend.

    git worktree add /tmp/v010 3761807^
    KERAS_BACKEND=tensorflow PYTHONPATH=/tmp/v010 python make_saves.py
    KERAS_BACKEND=torch PYTHONPATH=/tmp/v010 python make_saves.py

Each run writes ``saved_<backend>/`` (the saved directory, optimizer state included
as 0.1.0 saved it by default) and ``saved_<backend>.json``: the decoder means of
fixed latent codes, which a loader must reproduce on any backend.
"""

import json
import sys
from pathlib import Path

import keras
import numpy as np
from sklearn.datasets import make_classification

import smrt_keras
from smrt_keras import Reconstructor

HERE = Path(__file__).resolve().parent
backend = keras.backend.backend()
X, y = make_classification(
    n_samples=120,
    n_features=4,
    n_informative=3,
    n_redundant=0,
    weights=[0.8],
    random_state=0,
)
smrt = Reconstructor(epochs=3, random_state=0).fit(X, y)
smrt.save(HERE / f"saved_{backend}", overwrite=True)
vae = smrt.generators_[1].vae
z = np.random.default_rng(0).normal(size=(5, vae.latent_dim)).astype("float32")
probe = {
    "smrt_keras": smrt_keras.__version__,
    "keras": keras.__version__,
    "backend": backend,
    "python": sys.version.split()[0],
    "z": z.tolist(),
    "decoded": np.asarray(vae.decode(z), dtype="float64").tolist(),
}
(HERE / f"saved_{backend}.json").write_text(json.dumps(probe, indent=1) + "\n")
print(backend, "written")
